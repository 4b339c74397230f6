/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshm-rawnl.h - the clshm generic netlink family over a raw socket
 *
 * For the selftests and the benchmarks, which look at the family's bytes
 * themselves (malformed requests, exact datagram counts, the kernel's
 * cost without a library).  clshmctl uses libnl-3 instead.
 *
 * A request is built in a struct rnl_req (rnl_init, then rnl_put per
 * attribute), sent with rnl_send, and its answers read with rnl_answer.
 * Functions returning int return 0 or -1 with errno unless they say
 * otherwise; none prints anything.
 */
#ifndef CLSHM_RAWNL_H
#define CLSHM_RAWNL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* A request being built: header, genl header, attributes. */
struct rnl_req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[1024];
};

/* Start a request of @cmd to @family with NLM_F_REQUEST | @flags. */
void rnl_init(struct rnl_req *r, uint16_t family, uint8_t cmd,
	      uint16_t flags);
/* Append an attribute (the caller keeps the total under 1024 bytes). */
void rnl_put(struct rnl_req *r, uint16_t type, const void *data,
	     uint16_t len);
void rnl_put_u32(struct rnl_req *r, uint16_t type, uint32_t v);

/* A bound NETLINK_GENERIC socket (close-on-exec), or -1. */
int rnl_socket(void);
/* Send @r with the next sequence number. */
int rnl_send(int fd, struct rnl_req *r);

/* The attributes of a genl message: a[type] or NULL, types up to @max. */
void rnl_parse(struct nlmsghdr *nh, struct nlattr **a, int max);
uint32_t rnl_u32(const struct nlattr *a);
uint64_t rnl_u64(const struct nlattr *a);

/*
 * Read answers until the ACK, an error or NLMSG_DONE, in recv() calls of
 * @rdsize bytes (the kernel sizes a dump's datagrams by the largest read
 * on the socket, up to 32 KiB); every other message goes to @fn (if not
 * NULL).  Sleeps @pause_us between datagrams, and counts them in *@parts
 * (if not NULL).  Returns 0, the kernel's errno (positive), or -1 on a
 * socket error (errno set).
 */
int rnl_answer(int fd, size_t rdsize, void (*fn)(struct nlmsghdr *, void *),
	       void *arg, int pause_us, int *parts);

/*
 * The clshm family's id (ids[0]) and its "events" group (ids[1]): 0, or
 * -1 when the family is not there (the module is not loaded).
 */
int rnl_family(int fd, uint32_t ids[2]);

#endif /* CLSHM_RAWNL_H */
