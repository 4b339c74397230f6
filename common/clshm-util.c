// SPDX-License-Identifier: GPL-2.0
/*
 * clshm-util.c - helpers shared by clshmd and clshmctl (see clshm-util.h)
 *
 * Everything the driver answers is checked before it is used: the daemon
 * and the admin command must not loop or overrun a buffer because of a
 * driver bug.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "clshm-util.h"

#define LIST_BATCH	64

int cu_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

const char *cu_open_hint(int err)
{
	switch (err) {
	case ENOENT:
		return "clshm.ko is not loaded (modprobe clshm / insmod clshm.ko)";
	case EACCES:
	case EPERM:
		return "permission denied: run it as root";
	case ENXIO:
	case ENODEV:
		return "no clshm driver behind the device node (is clshm.ko being unloaded?)";
	default:
		return NULL;
	}
}

int cu_version(int fd, struct clshm_version *v)
{
	memset(v, 0, sizeof(*v));
	if (ioctl(fd, CLSHM_IOC_VERSION, v) < 0)
		return -errno;
	if (v->major != CLSHM_ABI_MAJOR || v->ring_version != CLSHM_RING_VERSION)
		return -EPROTO;
	return 0;
}

int cu_list(int fd, struct clshm_ds **segs, size_t *n)
{
	struct clshm_ds *all = NULL, *tmp;
	size_t have = 0, cap = 0;
	uint32_t start = 0;

	for (;;) {
		struct clshm_list l;

		if (cap - have < LIST_BATCH) {
			/* The serial space bounds the number of segments. */
			if (cap > CLSHM_ID_SERIAL_MASK)
				goto err_proto;
			cap = cap ? cap * 2 : LIST_BATCH;
			tmp = realloc(all, cap * sizeof(*all));
			if (!tmp) {
				free(all);
				return -ENOMEM;
			}
			all = tmp;
		}
		memset(&l, 0, sizeof(l));
		l.buf = (uintptr_t)(all + have);
		l.count = LIST_BATCH;
		l.start = start;
		if (ioctl(fd, CLSHM_IOC_LIST, &l) < 0) {
			int err = -errno;

			free(all);
			return err;
		}
		if (l.count > LIST_BATCH)
			goto err_proto;
		have += l.count;
		if (!l.next)
			break;
		/* Serials only grow: anything else would loop for ever. */
		if (l.next <= start || l.next > CLSHM_ID_SERIAL_MASK)
			goto err_proto;
		start = l.next;
	}
	if (!have) {
		free(all);
		all = NULL;
	}
	*segs = all;
	*n = have;
	return 0;

err_proto:
	free(all);
	return -EPROTO;
}

int cu_partlist(int fd, struct clshm_part_info *buf, uint32_t max,
		uint32_t *n, uint32_t *local)
{
	uint64_t seen[CLSHM_MAX_PARTS / 64] = { 0 };
	struct clshm_partlist pl;
	uint32_t i;

	memset(&pl, 0, sizeof(pl));
	memset(buf, 0, max * sizeof(*buf));
	pl.buf = (uintptr_t)buf;
	pl.max = max;
	if (ioctl(fd, CLSHM_IOC_PARTLIST, &pl) < 0)
		return -errno;
	if (pl.local >= CLSHM_MAX_PARTS || pl.count > CLSHM_MAX_PARTS)
		return -EPROTO;
	*n = pl.count < max ? pl.count : max;
	for (i = 0; i < *n; i++) {
		if (buf[i].id >= CLSHM_MAX_PARTS ||
		    buf[i].state > CLSHM_PART_LEAVING)
			return -EPROTO;
		if (seen[buf[i].id / 64] & (1ULL << (buf[i].id % 64)))
			return -EPROTO;
		seen[buf[i].id / 64] |= 1ULL << (buf[i].id % 64);
	}
	*local = pl.local;
	return 0;
}

uint32_t cu_parts_up(const struct clshm_part_info *parts, uint32_t n)
{
	uint32_t i, up = 0;

	for (i = 0; i < n; i++)
		if (parts[i].state == CLSHM_PART_UP)
			up++;
	return up;
}

int cu_hostname_ok(const char *s)
{
	size_t len = 0;

	for (; *s; s++, len++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return len > 0 && len < CLSHM_HOSTNAME_MAX;
}

const char *cu_hostname_print(const char *s, char *buf, size_t len)
{
	size_t i;

	if (!len)
		return buf;
	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = s[i] >= 0x21 && s[i] <= 0x7e ? s[i] : '?';
	buf[i] = '\0';
	if (!i)
		snprintf(buf, len, "-");
	return buf;
}

const char *cu_state_name(uint32_t state)
{
	switch (state) {
	case CLSHM_STATE_DOWN:
		return "down";
	case CLSHM_STATE_UP:
		return "up";
	default:
		return "unknown";
	}
}

const char *cu_part_state_name(uint32_t state)
{
	static const char *const names[] = {
		[CLSHM_PART_DOWN] = "down",
		[CLSHM_PART_JOINING] = "joining",
		[CLSHM_PART_UP] = "up",
		[CLSHM_PART_LEAVING] = "leaving",
	};

	if (state < sizeof(names) / sizeof(names[0]))
		return names[state];
	return "unknown";
}

const char *cu_seg_state(uint32_t state, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
		{ CLSHM_SEG_DEST, "dest" },
		{ CLSHM_SEG_AUTORMID, "autormid" },
		{ CLSHM_SEG_DEAD, "dead" },
	};
	size_t used = 0, i;

	if (!len)
		return "";
	buf[0] = '\0';
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		int r;

		if (!(state & bits[i].bit))
			continue;
		r = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			     bits[i].name);
		if (r < 0 || (size_t)r >= len - used)
			break;
		used += r;
	}
	if (state & ~(CLSHM_SEG_DEST | CLSHM_SEG_AUTORMID | CLSHM_SEG_DEAD))
		snprintf(buf + used, len - used, "%s?", used ? "," : "");
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

#define COUNTER(f) { #f, offsetof(struct clshm_counters, f) }
const struct cu_counter cu_counters[] = {
	COUNTER(segs_live),
	COUNTER(segs_created),
	COUNTER(segs_destroyed),
	COUNTER(pages_pinned),
	COUNTER(pages_alloc),
	COUNTER(pages_freed),
	COUNTER(attaches_live),
	COUNTER(attach_total),
	COUNTER(detach_total),
	COUNTER(faults),
	COUNTER(msgs_posted),
	COUNTER(msgs_dropped),
	COUNTER(replies),
	COUNTER(errors),
};
const size_t cu_ncounters = sizeof(cu_counters) / sizeof(cu_counters[0]);

#define FAB_COUNTER(f) { #f, offsetof(struct clshm_fabinfo, f) }
const struct cu_counter cu_fab_counters[] = {
	FAB_COUNTER(msgs_sent),
	FAB_COUNTER(msgs_recv),
	FAB_COUNTER(msgs_bad),
	FAB_COUNTER(mbox_full),
	FAB_COUNTER(doorbells),
	FAB_COUNTER(interrupts),
	FAB_COUNTER(slot_bad),
	FAB_COUNTER(hdr_bad),
	FAB_COUNTER(peers_up),
	FAB_COUNTER(peers_lost),
	FAB_COUNTER(reqs_failed),
	FAB_COUNTER(engaged),
};
const size_t cu_nfab_counters = sizeof(cu_fab_counters) /
				sizeof(cu_fab_counters[0]);

/* A size in bytes as "64 MiB", "512 KiB" or "1000 bytes". */
static void size_phrase(__u64 v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	int u = -1;

	while (u < 3 && v >= 1024 && !(v % 1024)) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu bytes", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu %s", (unsigned long long)v, units[u]);
}

const char *cu_fab_summary(const struct clshm_fabinfo *f, char *buf,
			   size_t len)
{
	char size[32];

	if (!(f->flags & CLSHM_FAB_PRESENT)) {
		snprintf(buf, len, "none (single partition on local pages)");
		return buf;
	}
	size_phrase(f->fabric_size, size, sizeof(size));
	snprintf(buf, len, "ivshmem %s, %u partition slots, %s, %s", size,
		 f->nparts,
		 f->flags & CLSHM_FAB_DOORBELL ? "doorbell" : "polled (no doorbell)",
		 f->flags & CLSHM_FAB_JOINED ? "joined" : "not joined");
	return buf;
}
