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
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/clshm_netlink.h>

#include "clshmctl.h"

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

static int parse_u32(const char *what, const char *s, unsigned int *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 0);
	if (errno || !*s || *end || n > 0xffffffffUL) {
		errmsg("rm: bad %s '%s'", what, s);
		return EX_USAGE;
	}
	*v = n;
	return EX_OK;
}

static int parse_user(const char *s, unsigned int *uid)
{
	struct passwd *pw = getpwnam(s);

	if (pw) {
		*uid = pw->pw_uid;
		return EX_OK;
	}
	return parse_u32("user", s, uid);
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
			r = parse_u32("shmid", optarg, &val[n]);
		} else if (opt == 'M') {
			attr[n] = CLSHM_NL_A_SEG_KEY;
			r = parse_u32("key", optarg, &val[n]);
		} else if (opt == 'u') {
			attr[n] = CLSHM_NL_A_SEG_UID;
			r = parse_user(optarg, &val[n]);
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
};

static unsigned long long get_attr(struct nlattr **a, int i)
{
	if (!a[i])
		return 0;
	return i == CLSHM_NL_A_SEG_SIZE ? nla_get_u64(a[i]) :
					  nla_get_u32(a[i]);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = genlmsg_hdr(nlmsg_hdr(msg));
	struct nlattr *a[CLSHM_NL_A_MAX + 1];
	const struct ctx *c = arg;
	const char *name = NULL;

	if (g->cmd < sizeof(event_names) / sizeof(event_names[0]))
		name = event_names[g->cmd];
	if (!name ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, a, CLSHM_NL_A_MAX, NULL))
		return NL_SKIP;
	if (c->json)
		printf("{\"event\":\"%s\",\"shmid\":\"0x%08llx\",\"key\":\"0x%08llx\",\"nattch\":%llu,\"pid\":%llu,\"part\":%llu",
		       name, get_attr(a, CLSHM_NL_A_SEG_SHMID),
		       get_attr(a, CLSHM_NL_A_SEG_KEY),
		       get_attr(a, CLSHM_NL_A_SEG_NATTCH),
		       get_attr(a, CLSHM_NL_A_PID),
		       get_attr(a, CLSHM_NL_A_PART));
	else
		printf("%-9s shmid 0x%08llx key 0x%08llx nattch %llu pid %llu part %llu",
		       name, get_attr(a, CLSHM_NL_A_SEG_SHMID),
		       get_attr(a, CLSHM_NL_A_SEG_KEY),
		       get_attr(a, CLSHM_NL_A_SEG_NATTCH),
		       get_attr(a, CLSHM_NL_A_PID),
		       get_attr(a, CLSHM_NL_A_PART));
	if (g->cmd == CLSHM_NL_CMD_EV_CREATED)
		printf(c->json ? ",\"uid\":%llu,\"mode\":\"0%03llo\",\"size\":%llu" :
				 " uid %llu mode 0%03llo size %llu",
		       get_attr(a, CLSHM_NL_A_SEG_UID),
		       get_attr(a, CLSHM_NL_A_SEG_MODE),
		       get_attr(a, CLSHM_NL_A_SEG_SIZE));
	fputs(c->json ? "}\n" : "\n", stdout);
	fflush(stdout);
	return NL_OK;
}

int cmd_monitor(struct ctx *c, const struct command *cmd, int argc,
		char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nl_sock *sk;
	int opt, r, family, grp, err;

	optind = 0;
	while ((r = cmd_getopt(cmd, argc, argv, "+hj", longopts, &opt)) ==
	       OPT_NEXT)
		c->json = true;		/* -j */
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
	for (;;) {
		err = nl_recvmsgs_default(sk);
		if (err >= 0)
			continue;
		/* libnl turns ENOBUFS (the socket overflowed) into NOMEM. */
		if (err == -NLE_NOMEM) {
			if (c->json)
				puts("{\"event\":\"lost\"}");
			else
				puts("lost      events (ENOBUFS: the monitor fell behind)");
			fflush(stdout);
			continue;
		}
		errmsg("monitor: %s", nl_geterror(err));
		break;
	}
	nl_socket_free(sk);
	return EX_ERROR;
}
