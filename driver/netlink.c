// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the clshm generic netlink commands: list and remove segments
 *
 * The family itself (and its "events" group) is registered by events.c,
 * below the segment code, with the operations and policy of this file;
 * the ABI is include/uapi/linux/clshm_netlink.h.  Every command runs in
 * the context of the process that sent it (a dump's later parts in that
 * of the process reading it), so the System V checks use its credentials,
 * as the ioctls do:
 *
 *   SEG_GET (dump)  segments the caller may read (clshm_segs_walk()),
 *                   resumed after the last shmid sent (cb->args[0])
 *   SEG_GET         one segment: the owner's stat, as IPC_STAT
 *   SEG_DEL         the owner's rmid, as IPC_RMID, for one shmid or key,
 *                   or for every readable segment of a uid or orphaned
 *   ATT_GET (dump)  the attaches of the segments the caller may read
 *                   (clshm_atts_read()), resumed where it stopped
 *                   (struct nl_att_dump, made by .start, freed by .done)
 *   PART_GET (dump) the partitions, as CLSHM_IOC_PARTLIST
 *   COUNTERS_GET    the counters, as CLSHM_IOC_COUNTERS
 *
 * Locking: none held here; the owner operations, clshm_segs_walk(),
 * clshm_atts_read() and clshm_part_list() take part->lock.  A dump that
 * stops because its buffer is full resumes from what its callback
 * recorded (cb->args or its state), never from a pointer into the tables.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/pid.h>
#include <linux/sched.h>
#include <net/genetlink.h>

#include "clshm.h"

/* Segments SEG_DEL collects under part->lock before removing them. */
#define NL_DEL_BATCH	64
/* Attaches ATT_GET reads at once: at least one per other partition. */
#define NL_ATT_BATCH	CLSHM_FAB_MAX_PARTS

/* A uid, not (uid_t)-1. */
static struct netlink_range_validation nl_uid_range = {
	.min = 0, .max = U32_MAX - 1,
};

static const struct nla_policy clshm_nl_policy[CLSHM_NL_A_MAX + 1] = {
	[CLSHM_NL_A_PAD]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_SEG_SHMID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[CLSHM_NL_A_SEG_KEY]		= NLA_POLICY_MIN(NLA_U32, 1),
	[CLSHM_NL_A_SEG_UID]		= NLA_POLICY_FULL_RANGE(NLA_U32, &nl_uid_range),
	[CLSHM_NL_A_SEG_GID]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_SEG_MODE]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_SEG_SIZE]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_SEG_NATTCH]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_SEG_CPID]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_SEG_LPID]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_SEG_OWNER]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_SEG_STATE]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_ORPHANS]		= { .type = NLA_FLAG },
	[CLSHM_NL_A_COUNT]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_PID]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_PART]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_COMM]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_ATT_START]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_ATT_END]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_ATT_RDONLY]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_PART_STATE]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_PART_INCARNATION]	= { .type = NLA_REJECT },
	[CLSHM_NL_A_PART_LOCAL]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_COUNTERS]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_LIMIT_MAXPGS]	= { .type = NLA_REJECT },
	[CLSHM_NL_A_LIMIT_MAXSEGS]	= { .type = NLA_REJECT },
	[CLSHM_NL_A_LIMIT]		= { .type = NLA_REJECT },
	[CLSHM_NL_A_TIME]		= { .type = NLA_REJECT },
};

/* A segment's description as attributes. */
static int nl_put_ds(struct sk_buff *skb, const struct clshm_ds *ds)
{
	if (nla_put_u32(skb, CLSHM_NL_A_SEG_SHMID, ds->shmid) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_KEY, ds->key) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_UID, ds->uid) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_GID, ds->gid) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_MODE, ds->mode) ||
	    nla_put_u64_64bit(skb, CLSHM_NL_A_SEG_SIZE, ds->size,
			      CLSHM_NL_A_PAD) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_NATTCH, ds->nattch) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_CPID, ds->cpid) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_LPID, ds->lpid) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_OWNER, ds->owner_part) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_STATE, ds->state))
		return -EMSGSIZE;
	return 0;
}

/* One message of @cmd holding @ds; -EMSGSIZE if @skb is full. */
static int nl_fill_ds(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		      u8 cmd, const struct clshm_ds *ds)
{
	void *hdr = clshm_genl_put(skb, portid, seq, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (nl_put_ds(skb, ds)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* ---------------------------------------------------------------------
 * SEG_GET
 */

/* A dump in progress: its buffer and its callback. */
struct nl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int nl_dump_one(void *arg, const struct clshm_ds *ds)
{
	struct nl_dump *dump = arg;

	return nl_fill_ds(dump->skb, NETLINK_CB(dump->cb->skb).portid,
			  dump->cb->nlh->nlmsg_seq, NLM_F_MULTI,
			  CLSHM_NL_CMD_SEG_GET, ds);
}

/*
 * cb->args[0]: the shmid serial to resume at; cb->args[1]: done.  A
 * segment created behind the cursor is not reported; one removed before
 * the cursor reaches it is not either; every other one is, once.
 */
static int nl_seg_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nl_dump dump = { .skb = skb, .cb = cb };
	struct clshm_part *part = clshm_local;
	struct clshm_who who;
	u32 pos = cb->args[0];
	int err;

	if (cb->args[1])
		return 0;
	clshm_who_current(&who, part);
	err = clshm_segs_walk(part, &who, &pos, nl_dump_one, &dump);
	if (err)
		return err;
	cb->args[0] = pos;
	cb->args[1] = !pos;
	return skb->len;
}

static int nl_seg_get(struct sk_buff *skb, struct genl_info *info)
{
	struct clshm_part *part = clshm_local;
	const struct clshm_owner_ops *ops;
	struct clshm_who who;
	struct clshm_ds ds;
	struct sk_buff *msg;
	u32 shmid;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, CLSHM_NL_A_SEG_SHMID))
		return -EINVAL;
	shmid = nla_get_u32(info->attrs[CLSHM_NL_A_SEG_SHMID]);
	ops = clshm_owner_of(part, CLSHM_ID_PART(shmid), -EINVAL);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	clshm_who_current(&who, part);
	err = ops->stat(part, &who, shmid, &ds);
	if (err)
		return err == -EINVAL ? -ENOENT : err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = nl_fill_ds(msg, info->snd_portid, info->snd_seq, 0,
			 CLSHM_NL_CMD_SEG_GET, &ds);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* ---------------------------------------------------------------------
 * SEG_DEL
 */

/**
 * struct nl_del - segments SEG_DEL collects for a uid or orphans
 * @orphans: match orphans, else @uid's
 * @uid: the owner uid, in the caller's namespace
 * @n: shmids collected
 * @shmid: the shmids
 */
struct nl_del {
	bool orphans;
	u32 uid;
	unsigned int n;
	u32 shmid[NL_DEL_BATCH];
};

/* Is the process @pid (in the caller's namespace) gone? */
static bool nl_pid_gone(pid_t pid)
{
	bool gone;

	rcu_read_lock();
	gone = !pid_task(find_vpid(pid), PIDTYPE_TGID);
	rcu_read_unlock();
	return gone;
}

static int nl_del_match(void *arg, const struct clshm_ds *ds)
{
	struct nl_del *d = arg;

	if (ds->state & CLSHM_SEG_DEST)
		return 0;		/* already removed */
	if (d->orphans ? ds->nattch || !ds->cpid || !nl_pid_gone(ds->cpid) :
			 ds->uid != d->uid)
		return 0;
	if (d->n == NL_DEL_BATCH)
		return 1;
	d->shmid[d->n++] = ds->shmid;
	return 0;
}

/* Remove the matches of @d; *@removed, and -EPERM if all were refused. */
static int nl_del_matching(struct clshm_part *part,
			   const struct clshm_who *who, struct nl_del *d,
			   u32 *removed)
{
	unsigned int i, refused = 0;
	u32 pos = 1;
	int err;

	do {
		d->n = 0;
		err = clshm_segs_walk(part, who, &pos, nl_del_match, d);
		if (err)
			return err;
		for (i = 0; i < d->n; i++) {
			err = clshm_local_owner.rmid(part, who, d->shmid[i], 0);
			if (!err)
				(*removed)++;
			else if (err == -EPERM)
				refused++;
		}
	} while (pos);
	return refused && !*removed ? -EPERM : 0;
}

/* Remove the segment of @shmid, or of @key if @shmid is 0. */
static int nl_del_one(struct clshm_part *part, const struct clshm_who *who,
		      u32 shmid, u32 key)
{
	const struct clshm_owner_ops *ops;
	bool created;
	int err;

	ops = clshm_owner_of(part, CLSHM_ID_PART(shmid ? shmid : key),
			     -ENOENT);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	if (!shmid) {
		err = ops->get(part, who, key, 0, 0, &shmid, &created);
		if (err)
			return err;
	}
	err = ops->rmid(part, who, shmid, 0);
	return err == -EINVAL ? -ENOENT : err;
}

static int nl_seg_del(struct sk_buff *skb, struct genl_info *info)
{
	static const int selectors[] = {
		CLSHM_NL_A_SEG_SHMID, CLSHM_NL_A_SEG_KEY, CLSHM_NL_A_SEG_UID,
		CLSHM_NL_A_ORPHANS,
	};
	struct clshm_part *part = clshm_local;
	struct nlattr **a = info->attrs;
	struct nl_del *d = NULL;
	struct clshm_who who;
	unsigned int i, n = 0;
	struct sk_buff *msg;
	u32 removed = 0;
	void *hdr;
	int err;

	for (i = 0; i < ARRAY_SIZE(selectors); i++)
		n += !!a[selectors[i]];
	if (n != 1) {
		NL_SET_ERR_MSG(info->extack,
			       "exactly one of shmid, key, uid, orphans");
		return -EINVAL;
	}
	clshm_who_current(&who, part);
	if (a[CLSHM_NL_A_SEG_SHMID] || a[CLSHM_NL_A_SEG_KEY]) {
		err = nl_del_one(part, &who,
			a[CLSHM_NL_A_SEG_SHMID] ?
			nla_get_u32(a[CLSHM_NL_A_SEG_SHMID]) : 0,
			a[CLSHM_NL_A_SEG_KEY] ?
			nla_get_u32(a[CLSHM_NL_A_SEG_KEY]) : 0);
		removed = !err;
	} else {
		d = kzalloc(sizeof(*d), GFP_KERNEL);
		if (!d)
			return -ENOMEM;
		d->orphans = a[CLSHM_NL_A_ORPHANS];
		if (!d->orphans)
			d->uid = nla_get_u32(a[CLSHM_NL_A_SEG_UID]);
		err = nl_del_matching(part, &who, d, &removed);
		kfree(d);
	}
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = clshm_genl_put(msg, info->snd_portid, info->snd_seq, 0,
			     CLSHM_NL_CMD_SEG_DEL);
	if (!hdr || nla_put_u32(msg, CLSHM_NL_A_COUNT, removed)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---------------------------------------------------------------------
 * ATT_GET
 */

/**
 * struct nl_att_dump - an ATT_GET dump in progress (cb->args[0])
 * @cur: where clshm_atts_read() is
 * @only: the shmid asked for, or 0
 * @i: next of @att to send
 * @n: entries in @att
 * @att: read but not all sent yet
 */
struct nl_att_dump {
	struct clshm_att_cursor cur;
	u32 only;
	unsigned int i;
	unsigned int n;
	struct clshm_att att[NL_ATT_BATCH];
};

static int nl_att_start(struct netlink_callback *cb)
{
	struct nl_att_dump *d;
	struct nlattr *a;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	/* The request was validated against the policy already. */
	a = nlmsg_find_attr(cb->nlh, GENL_HDRLEN, CLSHM_NL_A_SEG_SHMID);
	if (a)
		d->only = nla_get_u32(a);
	cb->args[0] = (long)d;
	return 0;
}

static int nl_att_done(struct netlink_callback *cb)
{
	kfree((void *)cb->args[0]);
	return 0;
}

static int nl_put_att(struct sk_buff *skb, struct netlink_callback *cb,
		      const struct clshm_att *att)
{
	void *hdr;

	hdr = clshm_genl_put(skb, NETLINK_CB(cb->skb).portid,
			     cb->nlh->nlmsg_seq, NLM_F_MULTI,
			     CLSHM_NL_CMD_ATT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, CLSHM_NL_A_SEG_SHMID, att->shmid) ||
	    nla_put_u32(skb, CLSHM_NL_A_PART, att->part))
		goto err_cancel;
	if (!att->pid) {
		/* Another partition's attaches: how many. */
		if (nla_put_u32(skb, CLSHM_NL_A_SEG_NATTCH, att->nattch))
			goto err_cancel;
	} else if (nla_put_u32(skb, CLSHM_NL_A_PID, att->pid) ||
		   nla_put_string(skb, CLSHM_NL_A_COMM, att->comm) ||
		   nla_put_u64_64bit(skb, CLSHM_NL_A_ATT_START, att->start,
				     CLSHM_NL_A_PAD) ||
		   nla_put_u64_64bit(skb, CLSHM_NL_A_ATT_END, att->end,
				     CLSHM_NL_A_PAD) ||
		   (att->rdonly && nla_put_flag(skb, CLSHM_NL_A_ATT_RDONLY))) {
		goto err_cancel;
	}
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int nl_att_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nl_att_dump *d = (struct nl_att_dump *)cb->args[0];
	struct clshm_part *part = clshm_local;
	struct clshm_who who;
	int n;

	clshm_who_current(&who, part);
	for (;;) {
		for (; d->i < d->n; d->i++) {
			if (nl_put_att(skb, cb, &d->att[d->i]))
				return skb->len;	/* full: the rest later */
		}
		if (d->cur.done)
			return skb->len;
		n = clshm_atts_read(part, &who, &d->cur, d->only, d->att,
				    ARRAY_SIZE(d->att));
		if (n < 0)
			return n;
		d->i = 0;
		d->n = n;
	}
}

/* ---------------------------------------------------------------------
 * PART_GET, COUNTERS_GET
 */

/*
 * cb->args[0]: entries sent.  The list is read again for each part of the
 * dump: partitions that come or go between the parts may be missed.
 */
static int nl_part_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct clshm_part_info *info;
	long i = cb->args[0];
	int n, err = 0;
	void *hdr;

	info = kcalloc(CLSHM_FAB_MAX_PARTS + 1, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	n = clshm_part_list(clshm_local, info);
	if (n < 0) {
		err = i ? 0 : n;	/* shut down in the middle: the end */
		goto out_free;
	}
	for (; i < n; i++) {
		hdr = clshm_genl_put(skb, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI,
				     CLSHM_NL_CMD_PART_GET);
		if (!hdr)
			break;
		if (nla_put_u32(skb, CLSHM_NL_A_PART, info[i].id) ||
		    nla_put_u32(skb, CLSHM_NL_A_PART_STATE, info[i].state) ||
		    nla_put_u64_64bit(skb, CLSHM_NL_A_PART_INCARNATION,
				      info[i].incarnation, CLSHM_NL_A_PAD) ||
		    (!i && nla_put_flag(skb, CLSHM_NL_A_PART_LOCAL))) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	err = skb->len;
out_free:
	kfree(info);
	return err;
}

static int nl_counters_get(struct sk_buff *skb, struct genl_info *info)
{
	u64 c[CLSHM_NR_COUNTERS];
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int i;

	BUILD_BUG_ON(CLSHM_NL_C_MAX - CLSHM_NL_C_SEGS_LIVE + 1 !=
		     CLSHM_NR_COUNTERS);
	clshm_part_counters(clshm_local, c);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = clshm_genl_put(msg, info->snd_portid, info->snd_seq, 0,
			     CLSHM_NL_CMD_COUNTERS_GET);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(msg, CLSHM_NL_A_COUNTERS);
	if (!nest)
		goto err_free;
	for (i = 0; i < CLSHM_NR_COUNTERS; i++) {
		if (nla_put_u64_64bit(msg, CLSHM_NL_C_SEGS_LIVE + i, c[i],
				      CLSHM_NL_C_PAD))
			goto err_free;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_ops clshm_nl_ops[] = {
	{
		.cmd = CLSHM_NL_CMD_SEG_GET,
		.doit = nl_seg_get,
		.dumpit = nl_seg_dump,
	},
	{
		.cmd = CLSHM_NL_CMD_SEG_DEL,
		.doit = nl_seg_del,
	},
	{
		.cmd = CLSHM_NL_CMD_ATT_GET,
		.start = nl_att_start,
		.dumpit = nl_att_dump,
		.done = nl_att_done,
	},
	{
		.cmd = CLSHM_NL_CMD_PART_GET,
		.dumpit = nl_part_dump,
	},
	{
		.cmd = CLSHM_NL_CMD_COUNTERS_GET,
		.doit = nl_counters_get,
	},
};

int clshm_netlink_init(void)
{
	return clshm_genl_register(clshm_nl_ops, ARRAY_SIZE(clshm_nl_ops),
				   clshm_nl_policy);
}

void clshm_netlink_exit(void)
{
	clshm_genl_unregister();
}
