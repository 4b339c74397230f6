// SPDX-License-Identifier: GPL-2.0
/*
 * rawnl.c - the clshm generic netlink family over a raw socket
 * (clshm-rawnl.h): for the selftests and the benchmarks.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/clshm_netlink.h>

#include "clshm-rawnl.h"

void rnl_init(struct rnl_req *r, uint16_t family, uint8_t cmd, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nh.nlmsg_type = family;
	r->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->gh.cmd = cmd;
	r->gh.version = CLSHM_GENL_VERSION;
}

void rnl_put(struct rnl_req *r, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r +
					     NLMSG_ALIGN(r->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

void rnl_put_u32(struct rnl_req *r, uint16_t type, uint32_t v)
{
	rnl_put(r, type, &v, sizeof(v));
}

int rnl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int rnl_send(int fd, struct rnl_req *r)
{
	static uint32_t seq;

	r->nh.nlmsg_seq = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
	if (send(fd, r, r->nh.nlmsg_len, 0) != (ssize_t)r->nh.nlmsg_len) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

void rnl_parse(struct nlmsghdr *nh, struct nlattr **a, int max)
{
	int len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	struct nlattr *at = (struct nlattr *)((char *)NLMSG_DATA(nh) +
					      GENL_HDRLEN);

	memset(a, 0, sizeof(*a) * (max + 1));
	while (len >= NLA_HDRLEN && at->nla_len >= NLA_HDRLEN &&
	       at->nla_len <= len) {
		if ((at->nla_type & NLA_TYPE_MASK) <= max)
			a[at->nla_type & NLA_TYPE_MASK] = at;
		len -= NLA_ALIGN(at->nla_len);
		at = (struct nlattr *)((char *)at + NLA_ALIGN(at->nla_len));
	}
}

uint32_t rnl_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

uint64_t rnl_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

int rnl_answer(int fd, size_t rdsize, void (*fn)(struct nlmsghdr *, void *),
	       void *arg, int pause_us, int *parts)
{
	/* 8-byte aligned for the headers; as large as any read asks. */
	static __thread uint64_t buf[32768 / sizeof(uint64_t)];

	if (rdsize > sizeof(buf))
		rdsize = sizeof(buf);
	if (parts)
		*parts = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, rdsize, 0);
		struct nlmsghdr *nh;

		if (n < 0)
			return -1;
		if (parts)
			(*parts)++;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (fn)
				fn(nh, arg);
		}
		if (pause_us)
			usleep(pause_us);
	}
}

/* CTRL_CMD_GETFAMILY's answer: the id, and the events group's id. */
static void family_cb(struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a[CTRL_ATTR_MAX + 1], *g;
	uint32_t *ids = arg;
	int len;

	rnl_parse(nh, a, CTRL_ATTR_MAX);
	if (a[CTRL_ATTR_FAMILY_ID] &&
	    a[CTRL_ATTR_FAMILY_ID]->nla_len >= NLA_HDRLEN + sizeof(uint16_t)) {
		uint16_t id;

		memcpy(&id, (char *)a[CTRL_ATTR_FAMILY_ID] + NLA_HDRLEN,
		       sizeof(id));
		ids[0] = id;
	}
	if (!a[CTRL_ATTR_MCAST_GROUPS])
		return;
	/* Nested: one nest per group, with its name and id. */
	g = (struct nlattr *)((char *)a[CTRL_ATTR_MCAST_GROUPS] + NLA_HDRLEN);
	len = a[CTRL_ATTR_MCAST_GROUPS]->nla_len - NLA_HDRLEN;
	while (len >= NLA_HDRLEN && g->nla_len >= NLA_HDRLEN &&
	       g->nla_len <= len) {
		struct nlattr *f = (struct nlattr *)((char *)g + NLA_HDRLEN);
		int flen = g->nla_len - NLA_HDRLEN;
		uint32_t id = 0;
		int events = 0;

		while (flen >= NLA_HDRLEN && f->nla_len >= NLA_HDRLEN &&
		       f->nla_len <= flen) {
			if (f->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				id = rnl_u32(f);
			if (f->nla_type == CTRL_ATTR_MCAST_GRP_NAME &&
			    !strncmp((char *)f + NLA_HDRLEN,
				     CLSHM_GENL_MCGRP_EVENTS,
				     f->nla_len - NLA_HDRLEN))
				events = 1;
			flen -= NLA_ALIGN(f->nla_len);
			f = (struct nlattr *)((char *)f + NLA_ALIGN(f->nla_len));
		}
		if (events)
			ids[1] = id;
		len -= NLA_ALIGN(g->nla_len);
		g = (struct nlattr *)((char *)g + NLA_ALIGN(g->nla_len));
	}
}

int rnl_family(int fd, uint32_t ids[2])
{
	struct rnl_req r;
	int err;

	ids[0] = ids[1] = 0;
	rnl_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	r.gh.version = 1;
	rnl_put(&r, CTRL_ATTR_FAMILY_NAME, CLSHM_GENL_NAME,
		sizeof(CLSHM_GENL_NAME));
	if (rnl_send(fd, &r))
		return -1;
	err = rnl_answer(fd, 4096, family_cb, ids, 0, NULL);
	if (err > 0)
		errno = err;
	if (err)
		return -1;
	if (!ids[0] || !ids[1]) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}
