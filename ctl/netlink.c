// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - clshmctl's commands on the clshm generic netlink family
 *
 *   clshmctl rm -m ID | -M KEY | --user U | --orphans ...
 *   clshmctl monitor [-j]
 *
 * Both speak the family of include/uapi/linux/clshm_netlink.h through
 * libnl-3 (libnl-genl-3).  rm removes segments as ipcrm(1) does (the
 * driver checks privilege as for IPC_RMID); monitor prints one line, or
 * one JSON object on one line, per event of the "events" group, as
 * "ip monitor" does.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/clshm_netlink.h>

#include "clshm-common.h"
#include "clshmctl.h"
#include "json.h"

/* How long the monitor lets events gather before it prints them. */
#define MONITOR_BATCH_US	20000

/* A socket connected to generic netlink, and the clshm family's id. */
static int nl_open(struct nl_sock **skp, int *family)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk) {
		errmsg("out of memory");
		return EX_ERROR;
	}
	if (genl_connect(sk)) {
		errmsg("cannot open a generic netlink socket");
		nl_socket_free(sk);
		return EX_ERROR;
	}
	*family = genl_ctrl_resolve(sk, CLSHM_GENL_NAME);
	if (*family < 0) {
		errmsg("no generic netlink family '%s': is clshm.ko loaded?",
		       CLSHM_GENL_NAME);
		nl_socket_free(sk);
		return EX_NODRIVER;
	}
	*skp = sk;
	return EX_OK;
}

/* ------------------------------------------------------------------ */
/* rm */

/* What one request brought back. */
struct nl_reply {
	int err;		/* the kernel's errno, positive */
	unsigned int count;	/* SEG_DEL: segments removed */
};

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nl_reply *r = arg;

	(void)nla;
	r->err = -e->error;
	return NL_STOP;
}

static int on_del_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *a[CLSHM_NL_A_MAX + 1];
	struct nl_reply *r = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, CLSHM_NL_A_MAX, NULL) == 0 &&
	    a[CLSHM_NL_A_COUNT])
		r->count = nla_get_u32(a[CLSHM_NL_A_COUNT]);
	return NL_OK;
}

/* Send SEG_DEL with one selector attribute (@len 0: a flag). */
static int seg_del(struct nl_sock *sk, int family, int attr, unsigned int v,
		   struct nl_reply *r)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err = -NLE_NOMEM;

	memset(r, 0, sizeof(*r));
	if (!msg || !cb)
		goto out;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
			 CLSHM_NL_CMD_SEG_DEL, CLSHM_GENL_VERSION))
		goto out;
	err = attr == CLSHM_NL_A_ORPHANS ? nla_put_flag(msg, attr) :
					   nla_put_u32(msg, attr, v);
	if (err)
		goto out;
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_del_reply, r);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_recvmsgs(sk, cb);
	if (r->err)
		err = 0;	/* the kernel's answer says it */
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return err;
}

/* A u32 in C notation (0x.., 0..): EX_OK, or EX_USAGE with a message. */
int parse_u32(const char *cmd, const char *what, const char *s,
	      unsigned int *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 0);
	if (errno || !*s || *end || n > 0xffffffffUL) {
		errmsg("%s: bad %s '%s'", cmd, what, s);
		return EX_USAGE;
	}
	*v = n;
	return EX_OK;
}

/* A user name or uid. */
int parse_user(const char *cmd, const char *s, unsigned int *uid)
{
	struct passwd *pw = getpwnam(s);

	if (pw) {
		*uid = pw->pw_uid;
		return EX_OK;
	}
	return parse_u32(cmd, "user", s, uid);
}

/* One rm selector: remove and say what went wrong (an exit status). */
static int rm_one(struct nl_sock *sk, int family, int attr, unsigned int v)
{
	static const char *const what[] = {
		[CLSHM_NL_A_SEG_SHMID] = "shmid", [CLSHM_NL_A_SEG_KEY] = "key",
		[CLSHM_NL_A_SEG_UID] = "user", [CLSHM_NL_A_ORPHANS] = "orphans",
	};
	struct nl_reply r;
	int err = seg_del(sk, family, attr, v, &r);

	if (err < 0) {
		errmsg("rm: %s", nl_geterror(err));
		return EX_ERROR;
	}
	switch (r.err) {
	case 0:
		if (attr == CLSHM_NL_A_SEG_UID || attr == CLSHM_NL_A_ORPHANS)
			printf("removed %u segment%s\n", r.count,
			       r.count == 1 ? "" : "s");
		return EX_OK;
	case ENOENT:
	case EINVAL:
		errmsg("rm: no segment with %s 0x%08x", what[attr], v);
		return EX_ERROR;
	case EPERM:
	case EACCES:
		if (attr == CLSHM_NL_A_ORPHANS)
			errmsg("rm: orphans: permission denied");
		else
			errmsg("rm: %s %u: permission denied (not the owner, creator or CAP_SYS_ADMIN)",
			       what[attr], v);
		return EX_PERM;
	case ENODEV:
		errmsg("rm: clshm is not started");
		return EX_ERROR;
	default:
		errmsg("rm: %s", strerror(r.err));
		return EX_ERROR;
	}
}

int cmd_rm(struct ctx *c, const struct command *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "shmid", required_argument, NULL, 'm' },
		{ "key", required_argument, NULL, 'M' },
		{ "user", required_argument, NULL, 'u' },
		{ "orphans", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, r, family, i, ret = EX_OK, n = 0;
	unsigned int *val = calloc(argc, sizeof(*val));
	int *attr = calloc(argc, sizeof(*attr));
	struct nl_sock *sk;

	(void)c;
	if (!val || !attr) {
		errmsg("out of memory");
		r = EX_ERROR;
		goto out;
	}
	/* Parse everything first: a usage error removes nothing. */
	optind = 0;
	while ((r = cmd_getopt(cmd, argc, argv, "+hm:M:u:o", longopts,
			       &opt)) == OPT_NEXT) {
		attr[n] = CLSHM_NL_A_ORPHANS;
		if (opt == 'm') {
			attr[n] = CLSHM_NL_A_SEG_SHMID;
			r = parse_u32(cmd->name, "shmid", optarg, &val[n]);
		} else if (opt == 'M') {
			attr[n] = CLSHM_NL_A_SEG_KEY;
			r = parse_u32(cmd->name, "key", optarg, &val[n]);
		} else if (opt == 'u') {
			attr[n] = CLSHM_NL_A_SEG_UID;
			r = parse_user(cmd->name, optarg, &val[n]);
		} else {
			r = EX_OK;
		}
		if (r != EX_OK)
			goto out;
		n++;
	}
	if (r != OPT_DONE)
		goto out;
	if (optind < argc || !n) {
		errmsg("rm: %s", n ? "too many arguments" :
		       "say what to remove");
		cmd_usage(cmd, true);
		r = EX_USAGE;
		goto out;
	}
	r = nl_open(&sk, &family);
	if (r != EX_OK)
		goto out;
	for (i = 0; i < n; i++) {
		r = rm_one(sk, family, attr[i], val[i]);
		if (r != EX_OK)
			ret = r;	/* go on with the others, as ipcrm */
	}
	nl_socket_free(sk);
	r = ret;
out:
	free(val);
	free(attr);
	return r;
}

/* ------------------------------------------------------------------ */
/* monitor */

static const char *const event_names[] = {
	[CLSHM_NL_CMD_EV_CREATED] = "created",
	[CLSHM_NL_CMD_EV_REMOVED] = "removed",
	[CLSHM_NL_CMD_EV_DESTROYED] = "destroyed",
	[CLSHM_NL_CMD_EV_ATTACHED] = "attached",
	[CLSHM_NL_CMD_EV_DETACHED] = "detached",
	[CLSHM_NL_CMD_EV_PART_UP] = "part-up",
	[CLSHM_NL_CMD_EV_PART_DOWN] = "part-down",
	[CLSHM_NL_CMD_EV_PART_REJOINED] = "part-rejoined",
	[CLSHM_NL_CMD_EV_DAEMON_UP] = "daemon-up",
	[CLSHM_NL_CMD_EV_DAEMON_DOWN] = "daemon-down",
	[CLSHM_NL_CMD_EV_LIMITS] = "limits",
	[CLSHM_NL_CMD_EV_LIMIT_REFUSED] = "refused",
	/* not events: what a dump brings (show, the monitor's resync) */
	[CLSHM_NL_CMD_SEG_GET] = "segment",
	[CLSHM_NL_CMD_ATT_GET] = "attach",
};

/* How an attribute is printed. */
enum nl_fmt {
	F_U32, F_U64, F_HEX, F_OCT, F_STR, F_FLAG,
	F_BIG,		/* u64 that may pass 2^53: a string in JSON */
	F_LIMIT,	/* CLSHM_NL_LIMIT_* */
};

/* Every attribute a message may carry, in the order they are printed. */
static const struct {
	int attr;
	const char *name;
	enum nl_fmt fmt;
} nl_fields[] = {
	{ CLSHM_NL_A_SEG_SHMID, "shmid", F_HEX },
	{ CLSHM_NL_A_SEG_KEY, "key", F_HEX },
	{ CLSHM_NL_A_SEG_UID, "uid", F_U32 },
	{ CLSHM_NL_A_SEG_GID, "gid", F_U32 },
	{ CLSHM_NL_A_SEG_MODE, "mode", F_OCT },
	{ CLSHM_NL_A_SEG_SIZE, "size", F_U64 },
	{ CLSHM_NL_A_SEG_NATTCH, "nattch", F_U32 },
	{ CLSHM_NL_A_SEG_CPID, "cpid", F_U32 },
	{ CLSHM_NL_A_SEG_LPID, "lpid", F_U32 },
	{ CLSHM_NL_A_SEG_OWNER, "owner", F_U32 },
	{ CLSHM_NL_A_PID, "pid", F_U32 },
	{ CLSHM_NL_A_COMM, "comm", F_STR },
	{ CLSHM_NL_A_PART, "part", F_U32 },
	{ CLSHM_NL_A_ATT_START, "start", F_HEX },
	{ CLSHM_NL_A_ATT_END, "end", F_HEX },
	{ CLSHM_NL_A_ATT_RDONLY, "rdonly", F_FLAG },
	{ CLSHM_NL_A_PART_INCARNATION, "incarnation", F_BIG },
	{ CLSHM_NL_A_LIMIT, "limit", F_LIMIT },
	{ CLSHM_NL_A_LIMIT_MAXPGS, "maxpgs", F_U64 },
	{ CLSHM_NL_A_LIMIT_MAXSEGS, "maxsegs", F_U32 },
	{ CLSHM_NL_A_TIME, "time_ns", F_BIG },
};

static const char *const limit_names[] = {
	[CLSHM_NL_LIMIT_MAXSEGS] = "maxsegs",
	[CLSHM_NL_LIMIT_MAXPGS] = "maxpgs",
	[CLSHM_NL_LIMIT_SIZE] = "size",
};

/*
 * One message as a line: "NAME key value ..." or one JSON object
 * {"event":"NAME","key":value,...}.  Attributes of the wrong length are
 * left out (a newer or broken kernel), never read past.
 */
/*
 * A line being built: print_msg() formats without printf, which is most
 * of what a monitor spends per event (a monitor keeps up with every
 * operation of the partition: Documentation/benchmarks.md, row 13).
 */
struct line {
	char buf[1024];
	size_t n;
};

static void l_str(struct line *l, const char *s)
{
	size_t len = strlen(s);

	if (len > sizeof(l->buf) - l->n)
		len = sizeof(l->buf) - l->n;
	memcpy(l->buf + l->n, s, len);
	l->n += len;
}

/* @v in @base (8, 10 or 16), at least @width digits, zero-padded. */
static void l_num(struct line *l, unsigned long long v, unsigned int base,
		  int width)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i > (int)sizeof(tmp) - width)
		tmp[--i] = '0';
	if ((size_t)(sizeof(tmp) - i) <= sizeof(l->buf) - l->n) {
		memcpy(l->buf + l->n, tmp + i, sizeof(tmp) - i);
		l->n += sizeof(tmp) - i;
	}
}

/* The key: ' key ' in text, ',"key":' in JSON. */
static void l_key(struct line *l, bool json, const char *k)
{
	l_str(l, json ? ",\"" : " ");
	l_str(l, k);
	l_str(l, json ? "\":" : " ");
}

static void print_msg(struct ctx *c, const char *name, struct nlattr **a)
{
	const bool json = c->json;
	struct line l = { .n = 0 };
	unsigned int i;

	if (json && c->array && c->nprinted++)
		l_str(&l, ",");
	if (json) {
		l_str(&l, "{\"event\":\"");
		l_str(&l, name);
		l_str(&l, "\"");
	} else {
		l_str(&l, name);
		for (i = strlen(name); i < 9; i++)
			l_str(&l, " ");
	}
	for (i = 0; i < sizeof(nl_fields) / sizeof(nl_fields[0]); i++) {
		struct nlattr *at = a[nl_fields[i].attr];
		const char *k = nl_fields[i].name;
		enum nl_fmt f = nl_fields[i].fmt;
		const char *q = json ? "\"" : "";
		unsigned long long v = 0;
		int len;

		if (!at)
			continue;
		len = nla_len(at);
		if (f == F_STR) {
			if (len < 1 || ((char *)nla_data(at))[len - 1])
				continue;
			l_key(&l, json, k);
			if (json) {	/* escaped by json.c, after the rest */
				fwrite(l.buf, 1, l.n, stdout);
				l.n = 0;
				json_put_string(stdout, nla_data(at));
			} else {
				l_str(&l, nla_data(at));
			}
			continue;
		}
		if (f == F_FLAG) {
			if (json) {
				l_key(&l, json, k);
				l_str(&l, "true");
			} else {
				l_str(&l, " ");
				l_str(&l, k);
			}
			continue;
		}
		if (len == 8)
			v = nla_get_u64(at);
		else if (len == 4)
			v = nla_get_u32(at);
		else
			continue;
		l_key(&l, json, k);
		if (f == F_HEX) {
			l_str(&l, json ? "\"0x" : "0x");
			l_num(&l, v, 16, 8);
			l_str(&l, q);
		} else if (f == F_OCT) {
			l_str(&l, json ? "\"0" : "0");
			l_num(&l, v, 8, 3);
			l_str(&l, q);
		} else if (f == F_LIMIT) {
			l_str(&l, q);
			l_str(&l, v < 4 && limit_names[v] ? limit_names[v] : "?");
			l_str(&l, q);
		} else {
			if (f == F_BIG)
				l_str(&l, q);
			l_num(&l, v, 10, 1);
			if (f == F_BIG)
				l_str(&l, q);
		}
	}
	l_str(&l, !json ? "\n" : c->array ? "}" : "}\n");
	fwrite(l.buf, 1, l.n, stdout);
}

/* Print one event (or dump) message; false if it is none of ours. */
static bool print_event(struct ctx *c, struct nlmsghdr *nh)
{
	struct nlattr *a[CLSHM_NL_A_MAX + 1];
	const char *name = NULL;
	struct genlmsghdr *g;

	if (!genlmsg_valid_hdr(nh, 0))
		return false;
	g = nlmsg_data(nh);
	if (g->cmd < sizeof(event_names) / sizeof(event_names[0]))
		name = event_names[g->cmd];
	if (!name || genlmsg_parse(nh, 0, a, CLSHM_NL_A_MAX, NULL))
		return false;
	print_msg(c, name, a);
	return true;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	return print_event(arg, nlmsg_hdr(msg)) ? NL_OK : NL_SKIP;
}

/*
 * A request @cmd (@flags: NLM_F_DUMP or 0; with the shmid @only, if not
 * 0) on a socket of its own, each message of the answer printed as
 * on_event() prints it.  Returns EX_* or the kernel's -errno.
 */
static int nl_request_print(struct ctx *c, uint8_t cmd, int flags,
			    unsigned int only)
{
	struct nl_reply rep = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;
	int family, r, err;

	r = nl_open(&sk, &family);
	if (r != EX_OK)
		return r;
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 flags, cmd, CLSHM_GENL_VERSION) ||
	    (only && nla_put_u32(msg, CLSHM_NL_A_SEG_SHMID, only))) {
		nlmsg_free(msg);
		nl_socket_free(sk);
		errmsg("out of memory");
		return EX_ERROR;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, c);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, &rep);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	if (rep.err)
		return -rep.err;
	if (err < 0) {
		errmsg("dump: %s", nl_geterror(err));
		return EX_ERROR;
	}
	return EX_OK;
}

/* ------------------------------------------------------------------ */
/* show */

int cmd_show(struct ctx *c, const struct command *cmd, int argc, char **argv)
{
	unsigned int id;
	int opt, r;

	optind = 0;
	while ((r = cmd_getopt(cmd, argc, argv, "+hj", NULL, &opt)) ==
	       OPT_NEXT)
		c->json = true;		/* -j */
	if (r != OPT_DONE)
		return r;
	if (optind != argc - 1) {
		errmsg("show: one shmid, please (clshmctl ipcs lists them)");
		cmd_usage(cmd, true);
		return EX_USAGE;
	}
	r = parse_u32(cmd->name, "shmid", argv[optind], &id);
	if (r != EX_OK)
		return r;
	if (!id) {
		errmsg("show: shmid 0 names no segment");
		return EX_USAGE;
	}
	/*
	 * The segment, then who attaches it: one line each, or the object
	 * {"segment":{...},"attaches":[{...},...]}.
	 */
	c->array = true;
	if (c->json)
		fputs("{\"segment\":", stdout);
	r = nl_request_print(c, CLSHM_NL_CMD_SEG_GET, 0, id);
	if (c->json)
		fputs(r == EX_OK ? ",\"attaches\":[" : "null,\"attaches\":[",
		      stdout);
	c->nprinted = 0;
	if (r == EX_OK)
		r = nl_request_print(c, CLSHM_NL_CMD_ATT_GET, NLM_F_DUMP, id);
	if (r < 0) {
		errmsg("show: shmid 0x%08x: %s%s", id, strerror(-r),
		       -r == ENOENT ? " (clshmctl ipcs lists the segments)" :
		       -r == EACCES ? " (you may not read it)" : "");
		r = -r == ENODEV ? EX_NODRIVER : EX_ERROR;
	}
	if (c->json)
		fputs("]}\n", stdout);
	return r;
}

int cmd_monitor(struct ctx *c, const struct command *cmd, int argc,
		char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char buf[65536] __attribute__((aligned(8)));
	int opt, r, family, grp, err, fd, rcvbuf = 4 << 20;
	unsigned long long size;
	struct nl_sock *sk;

	optind = 0;
	while ((r = cmd_getopt(cmd, argc, argv, "+hjb:", longopts, &opt)) ==
	       OPT_NEXT) {
		if (opt == 'j') {
			c->json = true;
		} else if (parse_size(optarg, 1ULL << 30, &size) ||
			   size < 4096) {
			errmsg("monitor: --buffer-size takes a size from 4K to 1G (\"%s\")",
			       optarg);
			cmd_usage(cmd, true);
			return EX_USAGE;
		} else {
			rcvbuf = (int)size;
		}
	}
	if (r != OPT_DONE)
		return r;
	if (optind < argc) {
		errmsg("monitor: too many arguments");
		cmd_usage(cmd, true);
		return EX_USAGE;
	}
	r = nl_open(&sk, &family);
	if (r != EX_OK)
		return r;
	grp = genl_ctrl_resolve_grp(sk, CLSHM_GENL_NAME,
				    CLSHM_GENL_MCGRP_EVENTS);
	err = grp < 0 ? grp : nl_socket_add_membership(sk, grp);
	if (err) {
		/* libnl says "Operation not permitted" as NLE_PERM */
		if (err == -NLE_PERM) {
			errmsg("monitor: only root (CAP_SYS_ADMIN) may watch the events: they name every user's segments");
			nl_socket_free(sk);
			return EX_PERM;
		}
		errmsg("monitor: cannot join the '%s' group: %s",
		       CLSHM_GENL_MCGRP_EVENTS, nl_geterror(err));
		nl_socket_free(sk);
		return EX_ERROR;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, c);
	/*
	 * Read in batches: wait for an event, let MONITOR_BATCH_US pass,
	 * then print all that came and flush once.  One wake-up per event
	 * would make a busy system pay a context switch per operation for
	 * watching it; a room of 4 MiB by default (-b; root may exceed
	 * rmem_max) keeps a burst from overflowing meanwhile.  The datagrams (the driver
	 * batches events) are read straight into one buffer and their
	 * messages parsed in place: libnl's receive path copies every
	 * message into a message object of its own, a cost per event.
	 */
	fd = nl_socket_get_fd(sk);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *nh;
		int left = (int)n;

		if (n >= 0) {
			for (nh = (struct nlmsghdr *)buf; nlmsg_ok(nh, left);
			     nh = nlmsg_next(nh, &left))
				print_event(c, nh);
			continue;
		}
		if (errno == EAGAIN || errno == EINTR) {
			fflush(stdout);
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				break;
			usleep(MONITOR_BATCH_US);
			continue;
		}
		if (errno == ENOBUFS) {	/* the socket overflowed */
			if (c->json)
				puts("{\"event\":\"lost\"}");
			else
				puts("lost      events (ENOBUFS: the monitor fell behind); the segments now:");
			/* Resync: what exists now, then the events again. */
			nl_request_print(c, CLSHM_NL_CMD_SEG_GET, NLM_F_DUMP, 0);
			puts(c->json ? "{\"event\":\"synced\"}" : "synced");
			fflush(stdout);
			continue;
		}
		errmsg("monitor: %s", strerror(errno));
		break;
	}
	nl_socket_free(sk);
	return EX_ERROR;
}
