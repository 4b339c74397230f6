/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshm-util.h - helpers shared by clshmd and clshmctl
 *
 * Part of common/libclshm-common.a, with the helpers that do not talk to
 * the driver (clshm-common.h: time, sysfs, numbers).  Both programs talk to the same ctl device with the same ioctls; what
 * they have in common lives here: opening the device with a message that
 * says what to do when it fails, the ABI version check, listing segments
 * and partitions in batches with the driver's answers checked, and the
 * names of states and counters.  Functions return 0 or a negative errno;
 * none of them prints anything.
 */
#ifndef CLSHM_UTIL_H
#define CLSHM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/clshm.h>

#include "clshm-common.h"

#ifndef CLSHM_VERSION
#define CLSHM_VERSION "0.1"
#endif

/* open(2) a clshm device O_RDWR | O_CLOEXEC: a file descriptor or -errno. */
int cu_open(const char *path);

/*
 * What an errno from opening a clshm device means, as one sentence that
 * says what to do next ("clshm.ko is not loaded (...)"), or NULL when
 * strerror() is all there is to say.
 */
const char *cu_open_hint(int err);

/*
 * CLSHM_IOC_VERSION into *v.  0 when the driver's ABI major and ring
 * version are the ones this program was built for, -EPROTO when they
 * differ (*v is filled in either case), another -errno when the ioctl
 * failed.
 */
int cu_version(int fd, struct clshm_version *v);

/*
 * Every segment, by CLSHM_IOC_LIST in batches: *segs (malloc'ed, free it;
 * NULL when there are none) holds *n descriptions in shmid serial order.
 * The driver's answers are checked (a count beyond the buffer or a next
 * serial that does not move forward is -EPROTO).
 */
int cu_list(int fd, struct clshm_ds **segs, size_t *n);

/*
 * The partitions the driver knows, by CLSHM_IOC_PARTLIST: every one that
 * is not down (joining, up or leaving; a driver of ABI 1.0 lists only the
 * local one).  At most max entries in buf, *n of them filled, *local the
 * local partition id.  The answer is checked: an id out of range, an
 * unknown state or an id listed twice is -EPROTO.
 */
int cu_partlist(int fd, struct clshm_part_info *buf, uint32_t max,
		uint32_t *n, uint32_t *local);

/* How many of the n entries of a partition list are up. */
uint32_t cu_parts_up(const struct clshm_part_info *parts, uint32_t n);

/*
 * A host name as the driver accepts it in an answer or a hello: 1 to 63
 * bytes of printable ASCII without blanks (0x21..0x7e).
 */
int cu_hostname_ok(const char *s);

/*
 * A host name that came from elsewhere, fit for a log line or a table:
 * copied into buf with anything outside 0x21..0x7e replaced by '?'; "-"
 * when it is empty.  Returns buf.
 */
const char *cu_hostname_print(const char *s, char *buf, size_t len);

/* "down", "up" (clshm_cfg.state, clshm_info.state). */
const char *cu_state_name(uint32_t state);
/* "down", "joining", "up", "leaving" (clshm_part_info.state). */
const char *cu_part_state_name(uint32_t state);
/* CLSHM_SEG_* bits as "dest,autormid,dead", or "-" for none. */
const char *cu_seg_state(uint32_t state, char *buf, size_t len);

/* The fields of struct clshm_counters, in order, for printing. */
struct cu_counter {
	const char *name;
	size_t off;
};
extern const struct cu_counter cu_counters[];
extern const size_t cu_ncounters;

static inline __u64 cu_counter_get(const struct clshm_counters *c,
				      const struct cu_counter *f)
{
	return *(const __u64 *)((const char *)c + f->off);
}

/* The counters of struct clshm_fabinfo (msgs_sent to engaged), in order. */
extern const struct cu_counter cu_fab_counters[];
extern const size_t cu_nfab_counters;

static inline __u64 cu_fab_counter_get(const struct clshm_fabinfo *f,
				       const struct cu_counter *c)
{
	return *(const __u64 *)((const char *)f + c->off);
}

/*
 * The fabric as one phrase: "none (local pages)", or "ivshmem 64 MiB,
 * 8 partition slots, doorbell, joined".  Returns buf.
 */
const char *cu_fab_summary(const struct clshm_fabinfo *f, char *buf,
			   size_t len);

#endif /* CLSHM_UTIL_H */
