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
 * How an event travels: an announcer copies what the event says (a few
 * words and the time) into a record of the event queue, a ring under
 * ev_lock, and makes sure ev_work is pending.  ev_work runs a jiffy later
 * on the unbound workqueue and turns the records into netlink messages,
 * as many as fit in one datagram of NLMSG_GOODSIZE, and multicasts each
 * datagram.  An operation thus pays for a copy, not for an skb and a
 * broadcast, and a listener wakes once per datagram, not per event (the
 * cost an idle monitor adds: Documentation/benchmarks.md).  Events stay
 * in order: one ring, one sender at a time (ev_send_lock).  The time is
 * the tick's wall clock (as audit's records): reading the clock device
 * per event is what the queue saves.
 *
 * Locking: the announcers read what they are given under the lock their
 * caller holds (part->lock for a segment or the limits); ev_lock, a
 * spinlock taken inside every other lock, guards the ring.  Announcers
 * run in process context and may sleep: when the ring is full the
 * announcer sends what waits itself (ev_send_lock, GFP_KERNEL).  Nothing
 * is queued when nobody listens, and an event that cannot be sent is lost
 * as one a slow listener drops is: that listener dumps again.
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

/* Records the ring holds: what a burst of operations leaves in a jiffy. */
#define EV_RING	512

/**
 * struct clshm_ev - one event waiting to be sent
 * @time: CLOCK_REALTIME at the last tick, ns
 * @big: the segment's size (created, refused), the partition's
 *	incarnation (part events) or maxpgs (limits)
 * @shmid: the segment (segment events)
 * @key: its key, or the key asked for (refused)
 * @nattch: attaches after the event (segment events)
 * @pid: the process concerned (segment, daemon and refused events)
 * @part: the partition concerned, or where the process runs
 * @uid: the owner (created) or the caller (refused)
 * @mode: the permission bits (created)
 * @small: the limit that refused (refused) or maxsegs (limits)
 * @cmd: CLSHM_NL_CMD_EV_*: which attributes the message carries
 */
struct clshm_ev {
	u64 time;
	u64 big;
	u32 shmid, key, nattch, pid, part, uid, mode, small;
	u8 cmd;
};

/* The queue: records @head .. @head + @n - 1 (mod EV_RING). */
static DEFINE_SPINLOCK(ev_lock);
static struct {
	/* ev_lock: */
	struct clshm_ev rec[EV_RING];
	unsigned int head;
	unsigned int n;
	bool live;		/* the family is registered: queue */
} ev_q;

/* One sender at a time, so datagrams leave in the queue's order. */
static DEFINE_MUTEX(ev_send_lock);

static void ev_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ev_work, ev_work_fn);

/* The message of @ev into @skb: 0, or -EMSGSIZE (nothing added). */
static int ev_put(struct sk_buff *skb, const struct clshm_ev *ev)
{
	void *hdr = genlmsg_put(skb, 0, 0, &clshm_genl_family, 0, ev->cmd);
	int err;

	if (!hdr)
		return -EMSGSIZE;
	err = nla_put_u64_64bit(skb, CLSHM_NL_A_TIME, ev->time, CLSHM_NL_A_PAD);
	switch (ev->cmd) {
	case CLSHM_NL_CMD_EV_CREATED:
		err = err ?:
		      nla_put_u32(skb, CLSHM_NL_A_SEG_UID, ev->uid) ?:
		      nla_put_u32(skb, CLSHM_NL_A_SEG_MODE, ev->mode) ?:
		      nla_put_u64_64bit(skb, CLSHM_NL_A_SEG_SIZE, ev->big,
					CLSHM_NL_A_PAD);
		fallthrough;
	case CLSHM_NL_CMD_EV_REMOVED:
	case CLSHM_NL_CMD_EV_DESTROYED:
	case CLSHM_NL_CMD_EV_ATTACHED:
	case CLSHM_NL_CMD_EV_DETACHED:
		err = err ?:
		      nla_put_u32(skb, CLSHM_NL_A_SEG_SHMID, ev->shmid) ?:
		      nla_put_u32(skb, CLSHM_NL_A_SEG_KEY, ev->key) ?:
		      nla_put_u32(skb, CLSHM_NL_A_SEG_NATTCH, ev->nattch) ?:
		      nla_put_u32(skb, CLSHM_NL_A_PID, ev->pid) ?:
		      nla_put_u32(skb, CLSHM_NL_A_PART, ev->part);
		break;
	case CLSHM_NL_CMD_EV_PART_UP:
	case CLSHM_NL_CMD_EV_PART_DOWN:
	case CLSHM_NL_CMD_EV_PART_REJOINED:
		err = err ?:
		      nla_put_u32(skb, CLSHM_NL_A_PART, ev->part) ?:
		      nla_put_u64_64bit(skb, CLSHM_NL_A_PART_INCARNATION,
					ev->big, CLSHM_NL_A_PAD);
		break;
	case CLSHM_NL_CMD_EV_DAEMON_UP:
	case CLSHM_NL_CMD_EV_DAEMON_DOWN:
		err = err ?:
		      nla_put_u32(skb, CLSHM_NL_A_PART, ev->part) ?:
		      nla_put_u32(skb, CLSHM_NL_A_PID, ev->pid);
		break;
	case CLSHM_NL_CMD_EV_LIMITS:
		err = err ?:
		      nla_put_u32(skb, CLSHM_NL_A_PART, ev->part) ?:
		      nla_put_u64_64bit(skb, CLSHM_NL_A_LIMIT_MAXPGS, ev->big,
					CLSHM_NL_A_PAD) ?:
		      nla_put_u32(skb, CLSHM_NL_A_LIMIT_MAXSEGS, ev->small);
		break;
	case CLSHM_NL_CMD_EV_LIMIT_REFUSED:
		err = err ?:
		      nla_put_u32(skb, CLSHM_NL_A_LIMIT, ev->small) ?:
		      nla_put_u32(skb, CLSHM_NL_A_SEG_KEY, ev->key) ?:
		      nla_put_u64_64bit(skb, CLSHM_NL_A_SEG_SIZE, ev->big,
					CLSHM_NL_A_PAD) ?:
		      nla_put_u32(skb, CLSHM_NL_A_SEG_UID, ev->uid) ?:
		      nla_put_u32(skb, CLSHM_NL_A_PID, ev->pid) ?:
		      nla_put_u32(skb, CLSHM_NL_A_PART, ev->part);
		break;
	}
	if (err) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The oldest record into @ev: false when the queue is empty. */
static bool ev_take(struct clshm_ev *ev)
{
	bool got;

	spin_lock(&ev_lock);
	got = ev_q.n;
	if (got) {
		*ev = ev_q.rec[ev_q.head];
		ev_q.head = (ev_q.head + 1) % EV_RING;
		ev_q.n--;
	}
	spin_unlock(&ev_lock);
	return got;
}

/* Multicast a datagram of events (an empty one is freed). */
static void ev_multicast(struct sk_buff *skb)
{
	if (!skb->len) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast(&clshm_genl_family, skb, 0, 0, GFP_KERNEL);
}

/*
 * Send every queued event, in datagrams of NLMSG_GOODSIZE.  An event that
 * finds no memory is lost, as a full socket loses it.
 */
static void ev_send_all(void)
{
	struct sk_buff *skb = NULL;
	struct clshm_ev ev;

	mutex_lock(&ev_send_lock);
	while (ev_take(&ev)) {
		if (skb && ev_put(skb, &ev)) {
			ev_multicast(skb);	/* full: this one opens the next */
			skb = NULL;
		}
		if (!skb) {
			skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
			/* One event always fits an empty datagram. */
			if (skb)
				WARN_ON_ONCE(ev_put(skb, &ev));
		}
	}
	if (skb)
		ev_multicast(skb);
	mutex_unlock(&ev_send_lock);
}

static void ev_work_fn(struct work_struct *work)
{
	ev_send_all();
}

/*
 * Queue @ev (the time is stamped here) unless nobody listens.  A full
 * queue is sent first, by the caller (it may sleep).
 */
static void ev_queue(struct clshm_ev *ev)
{
	if (!genl_has_listeners(&clshm_genl_family, &init_net, 0))
		return;
	ev->time = ktime_get_coarse_real_ns();
	for (;;) {
		spin_lock(&ev_lock);
		if (!ev_q.live)
			break;
		if (ev_q.n < EV_RING) {
			ev_q.rec[(ev_q.head + ev_q.n) % EV_RING] = *ev;
			ev_q.n++;
			/*
			 * A jiffy from the first: the events of that time share
			 * datagrams.  Under ev_lock, so that unregistering,
			 * which clears live under it, cancels the last one.
			 */
			queue_delayed_work(system_unbound_wq, &ev_work, 1);
			break;
		}
		spin_unlock(&ev_lock);
		ev_send_all();
	}
	spin_unlock(&ev_lock);
}

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
	int err;

	clshm_genl_family.ops = ops;
	clshm_genl_family.n_ops = n_ops;
	clshm_genl_family.policy = policy;
	err = genl_register_family(&clshm_genl_family);
	if (!err) {
		spin_lock(&ev_lock);
		ev_q.live = true;
		spin_unlock(&ev_lock);
	}
	return err;
}

/*
 * clshm_genl_unregister - send what is queued, stop queueing, and
 * unregister the family
 */
void clshm_genl_unregister(void)
{
	spin_lock(&ev_lock);
	ev_q.live = false;
	spin_unlock(&ev_lock);
	cancel_delayed_work_sync(&ev_work);
	ev_send_all();
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

/**
 * clshm_event_seg - announce a segment's event to the "events" group
 * @seg: the segment (part->lock held)
 * @cmd: CLSHM_NL_CMD_EV_CREATED .. CLSHM_NL_CMD_EV_DETACHED
 * @pid: the process concerned (0: none of ours)
 * @partid: the partition it runs in
 */
void clshm_event_seg(struct clshm_seg *seg, u8 cmd, pid_t pid, u32 partid)
{
	struct clshm_ev ev = {
		.cmd = cmd, .shmid = seg->shmid, .key = seg->key,
		.nattch = seg->nattch + seg->rnattch, .pid = pid, .part = partid,
	};

	lockdep_assert_held(&seg->part->lock);
	if (cmd == CLSHM_NL_CMD_EV_CREATED) {
		ev.uid = from_kuid(&init_user_ns, seg->uid);
		ev.mode = seg->mode;
		ev.big = seg->size;
	}
	ev_queue(&ev);
}

/**
 * clshm_event_part - announce that partition @id changed state
 * @cmd: CLSHM_NL_CMD_EV_PART_UP, _DOWN or _REJOINED
 * @id: the partition
 * @incarnation: its boot stamp
 */
void clshm_event_part(u8 cmd, u32 id, u64 incarnation)
{
	struct clshm_ev ev = { .cmd = cmd, .part = id, .big = incarnation };

	ev_queue(&ev);
}

/**
 * clshm_event_daemon - announce that clshmd registered or went away
 * @cmd: CLSHM_NL_CMD_EV_DAEMON_UP or _DOWN
 * @partid: the local partition
 * @pid: the daemon's pid
 */
void clshm_event_daemon(u8 cmd, u32 partid, pid_t pid)
{
	struct clshm_ev ev = { .cmd = cmd, .part = partid, .pid = pid };

	ev_queue(&ev);
}

/**
 * clshm_event_limits - announce the partition's limits
 * @part: the partition (part->lock held)
 */
void clshm_event_limits(struct clshm_part *part)
{
	struct clshm_ev ev = {
		.cmd = CLSHM_NL_CMD_EV_LIMITS, .part = part->partid,
		.big = part->maxpgs, .small = part->maxsegs,
	};

	lockdep_assert_held(&part->lock);
	ev_queue(&ev);
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
	struct clshm_ev ev = {
		.cmd = CLSHM_NL_CMD_EV_LIMIT_REFUSED, .small = limit,
		.key = key, .big = size, .pid = who->pid, .part = who->part,
		.uid = from_kuid(&init_user_ns, who->uid),
	};

	lockdep_assert_held(&part->lock);
	ev_queue(&ev);
}
