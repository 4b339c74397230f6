// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - the clshm generic netlink family and its "events" group
 *
 * The family lives here, at the bottom of the driver's layers (this file
 * calls nothing of clshm), so that every layer that sees something
 * happen can announce it where it happens without calling up: segments
 * (seg.c, remote.c), partitions (part.c, fabric/member.c), the daemon
 * (ring.c).  The commands are netlink.c's: it hands its operations and
 * policy to clshm_genl_register() at module load.  See
 * include/uapi/linux/clshm_netlink.h for the ABI; every event carries
 * CLSHM_NL_A_TIME.  This file also defines the driver's tracepoints
 * (trace.h).
 *
 * Locking: the announcers read what they are given under the lock their
 * caller holds (part->lock for a segment or the limits) and take no lock
 * of their own; they may sleep (GFP_KERNEL).  Nothing is built when
 * nobody listens, and an event that cannot be built is lost as one a
 * slow listener drops is: that listener dumps again.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <net/genetlink.h>
#include <uapi/linux/clshm_netlink.h>

#include "clshm.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * The events name every user's segments and the pids that use them, more
 * than ipcs shows an unprivileged user: only CAP_SYS_ADMIN may join.
 */
static const struct genl_multicast_group clshm_genl_mcgrps[] = {
	{ .name = CLSHM_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_SYS_ADMIN, },
};

static struct genl_family clshm_genl_family = {
	.name = CLSHM_GENL_NAME,
	.version = CLSHM_GENL_VERSION,
	.maxattr = CLSHM_NL_A_MAX,
	.module = THIS_MODULE,
	.mcgrps = clshm_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(clshm_genl_mcgrps),
	/* Every command is strictly validated, reserved header bytes too. */
	.resv_start_op = CLSHM_NL_CMD_UNSPEC + 1,
};

/**
 * clshm_genl_register - register the family with its commands
 * @ops: the commands (netlink.c)
 * @n_ops: how many
 * @policy: the family's attribute policy (CLSHM_NL_A_MAX + 1 entries)
 *
 * Return: 0 or a negative errno.
 */
int clshm_genl_register(const struct genl_ops *ops, unsigned int n_ops,
			const struct nla_policy *policy)
{
	clshm_genl_family.ops = ops;
	clshm_genl_family.n_ops = n_ops;
	clshm_genl_family.policy = policy;
	return genl_register_family(&clshm_genl_family);
}

void clshm_genl_unregister(void)
{
	genl_unregister_family(&clshm_genl_family);
}

/**
 * clshm_genl_put - start a message of the clshm family
 * @skb: the message buffer
 * @portid: destination port (0 for multicast)
 * @seq: sequence number
 * @flags: NLM_F_*
 * @cmd: CLSHM_NL_CMD_*
 *
 * Return: the user header, or NULL if @skb is full.
 */
void *clshm_genl_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		     u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &clshm_genl_family, flags, cmd);
}

/*
 * Events are small: a header, the time and at most eight attributes of
 * at most 8 bytes.
 */
#define EV_SIZE	(nla_total_size_64bit(sizeof(u64)) + \
		 8 * nla_total_size_64bit(sizeof(u64)))

/*
 * Start the event @cmd, stamped with the time, or NULL when nobody
 * listens or memory is short (the event is then lost, as a listener that
 * falls behind loses it: it sees ENOBUFS and dumps again).
 */
static struct sk_buff *ev_begin(u8 cmd, void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&clshm_genl_family, &init_net, 0))
		return NULL;
	skb = genlmsg_new(EV_SIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &clshm_genl_family, 0, cmd);
	if (!*hdr || nla_put_u64_64bit(skb, CLSHM_NL_A_TIME,
				       ktime_get_real_ns(), CLSHM_NL_A_PAD)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* Send the event ev_begin() started, unless filling it failed (@err). */
static void ev_send(struct sk_buff *skb, void *hdr, bool err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&clshm_genl_family, skb, 0, 0, GFP_KERNEL);
}

/**
 * clshm_event_seg - announce a segment's event to the "events" group
 * @seg: the segment (part->lock held)
 * @cmd: CLSHM_NL_CMD_EV_CREATED .. CLSHM_NL_CMD_EV_DETACHED
 * @pid: the process concerned (0: none of ours)
 * @partid: the partition it runs in
 */
void clshm_event_seg(struct clshm_seg *seg, u8 cmd, pid_t pid, u32 partid)
{
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&seg->part->lock);
	skb = ev_begin(cmd, &hdr);
	if (!skb)
		return;
	ev_send(skb, hdr,
		nla_put_u32(skb, CLSHM_NL_A_SEG_SHMID, seg->shmid) ||
		nla_put_u32(skb, CLSHM_NL_A_SEG_KEY, seg->key) ||
		nla_put_u32(skb, CLSHM_NL_A_SEG_NATTCH,
			    seg->nattch + seg->rnattch) ||
		nla_put_u32(skb, CLSHM_NL_A_PID, pid) ||
		nla_put_u32(skb, CLSHM_NL_A_PART, partid) ||
		(cmd == CLSHM_NL_CMD_EV_CREATED &&
		 (nla_put_u32(skb, CLSHM_NL_A_SEG_UID,
			      from_kuid(&init_user_ns, seg->uid)) ||
		  nla_put_u32(skb, CLSHM_NL_A_SEG_MODE, seg->mode) ||
		  nla_put_u64_64bit(skb, CLSHM_NL_A_SEG_SIZE, seg->size,
				    CLSHM_NL_A_PAD))));
}

/**
 * clshm_event_part - announce that partition @id changed state
 * @cmd: CLSHM_NL_CMD_EV_PART_UP, _DOWN or _REJOINED
 * @id: the partition
 * @incarnation: its boot stamp
 */
void clshm_event_part(u8 cmd, u32 id, u64 incarnation)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ev_begin(cmd, &hdr);
	if (!skb)
		return;
	ev_send(skb, hdr,
		nla_put_u32(skb, CLSHM_NL_A_PART, id) ||
		nla_put_u64_64bit(skb, CLSHM_NL_A_PART_INCARNATION,
				  incarnation, CLSHM_NL_A_PAD));
}

/**
 * clshm_event_daemon - announce that clshmd registered or went away
 * @cmd: CLSHM_NL_CMD_EV_DAEMON_UP or _DOWN
 * @partid: the local partition
 * @pid: the daemon's pid
 */
void clshm_event_daemon(u8 cmd, u32 partid, pid_t pid)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ev_begin(cmd, &hdr);
	if (!skb)
		return;
	ev_send(skb, hdr, nla_put_u32(skb, CLSHM_NL_A_PART, partid) ||
			  nla_put_u32(skb, CLSHM_NL_A_PID, pid));
}

/**
 * clshm_event_limits - announce the partition's limits
 * @part: the partition (part->lock held)
 */
void clshm_event_limits(struct clshm_part *part)
{
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&part->lock);
	skb = ev_begin(CLSHM_NL_CMD_EV_LIMITS, &hdr);
	if (!skb)
		return;
	ev_send(skb, hdr,
		nla_put_u32(skb, CLSHM_NL_A_PART, part->partid) ||
		nla_put_u64_64bit(skb, CLSHM_NL_A_LIMIT_MAXPGS, part->maxpgs,
				  CLSHM_NL_A_PAD) ||
		nla_put_u32(skb, CLSHM_NL_A_LIMIT_MAXSEGS, part->maxsegs));
}

/**
 * clshm_event_refused - announce that a limit refused a shmget
 * @part: the partition (part->lock held)
 * @limit: CLSHM_NL_LIMIT_*
 * @who: the caller
 * @key: the key asked for
 * @size: the size asked for
 */
void clshm_event_refused(struct clshm_part *part, u32 limit,
			 const struct clshm_who *who, u32 key, u64 size)
{
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&part->lock);
	skb = ev_begin(CLSHM_NL_CMD_EV_LIMIT_REFUSED, &hdr);
	if (!skb)
		return;
	ev_send(skb, hdr,
		nla_put_u32(skb, CLSHM_NL_A_LIMIT, limit) ||
		nla_put_u32(skb, CLSHM_NL_A_SEG_KEY, key) ||
		nla_put_u64_64bit(skb, CLSHM_NL_A_SEG_SIZE, size,
				  CLSHM_NL_A_PAD) ||
		nla_put_u32(skb, CLSHM_NL_A_SEG_UID,
			    from_kuid(&init_user_ns, who->uid)) ||
		nla_put_u32(skb, CLSHM_NL_A_PID, who->pid) ||
		nla_put_u32(skb, CLSHM_NL_A_PART, who->part));
}
