// SPDX-License-Identifier: GPL-2.0
/*
 * member.c - fabric membership: our slot, heartbeats, peers, the worker
 *
 * While the local partition is started it is "joined": it holds its slot
 * (compare-and-swap on slot.claim), a small work item of its own beats in
 * it, and the fabric worker (one delayed work item on an ordered
 * workqueue, so never concurrent with itself) scans the other slots, runs
 * each peer's local state machine (DOWN -> JOINING -> UP -> DOWN), answers
 * kernel hellos and drains the mailboxes addressed to us.  A doorbell only
 * kicks the worker.  Messages that are not hellos, peers going down and
 * the worker's tick go up to the client registered at join (remote.c).
 *
 * Locking
 * -------
 * part->lock (mutex) protects the membership: fab->joined, the peers'
 * states, the engagement table, and the join epoch; the worker takes it
 * for each change.  fab->tx_lock (see mbox.c) is taken inside it to point
 * the doorbells.  fd->hb_lock (spinlock) protects the heartbeat's target;
 * the heartbeat never takes part->lock, so it goes on while the worker or
 * anyone else holds part->lock for long, and part->lock holders may wait
 * for it to stop.
 *
 * Stopping the worker.  Join and leave run with part->lock held, and the
 * worker takes part->lock (and so may the client from its callbacks), so
 * nobody waits for the worker while holding part->lock.  Instead every
 * pass checks, under part->lock, that the partition is joined and that
 * the join epoch is the one it started with before it changes anything,
 * and it requeues itself only if still joined.  Leave therefore just
 * clears fab->joined: a pass in flight changes nothing afterwards and
 * ends.  Each join bumps the epoch, so a pass left over from before a
 * leave and a new join is recognised too; the worker's private state is
 * reset at the first pass of an epoch.  Only clshm_fab_stop() (device
 * removal) waits for the worker, without part->lock.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "../clshm.h"
#include "../trace.h"
#include "fabric.h"

#define FAB_KHELLO_RESEND_MS	1000	/* while a peer stays JOINING */
#define FAB_MIN_TIMEOUT_MS	500	/* never declare a peer down sooner */

/*
 * Kernel hello payload (CLSHM_FM_KHELLO, len FAB_KHELLO_LEN): data[0] is
 * the sender's hello session with the receiver (counts the times it has
 * started to join the receiver, from 1), data[1] holds FAB_KHELLO_* bits.
 */
#define FAB_KHELLO_LEN		16
#define FAB_KHELLO_ASK		0x1	/* answer with a hello of yours */

/* ---------------------------------------------------------------------
 * Hellos and doorbell targets
 */

/* Point (or stop pointing) the doorbell for peer @id (part->lock held). */
static void fab_set_bell(struct clshm_fab_dev *fd, u32 id, s32 bell)
{
	lockdep_assert_held(&fd->part->lock);
	spin_lock(&fd->fab.tx_lock);
	fd->tx_bell[id] = bell;
	spin_unlock(&fd->fab.tx_lock);
}

/*
 * Send our kernel hello to peer @id (part->lock held).  @ask: we are
 * waiting for its hello, so it should answer with one.  arg3 names the
 * incarnation of the peer we greet, so a hello meant for an earlier boot
 * of the receiver is dropped; the payload carries our hello session with
 * it, so it can tell a resent hello from a new start.
 */
static void fab_send_khello(struct clshm_fab_dev *fd, u32 id, bool ask)
{
	struct clshm_fab_peer *peer = &fd->fab.peers[id];
	struct clshm_fab_msg msg = {
		.type = CLSHM_FM_KHELLO,
		.len = FAB_KHELLO_LEN,
		.arg = {
			(u64)CLSHM_ABI_MAJOR << 32 | CLSHM_ABI_MINOR,
			PAGE_SIZE,
			CLSHM_FAB_MAJOR,
			peer->incarnation,
		},
		.data = { fd->sess_tx[id], ask ? FAB_KHELLO_ASK : 0 },
	};

	lockdep_assert_held(&fd->part->lock);
	if (ask) {
		fd->wp[id].khello_at = jiffies;
		peer->khello_sent = !clshm_fab_send(fd->part, id, &msg);
	} else {
		clshm_fab_send(fd->part, id, &msg);
	}
}


/* ---------------------------------------------------------------------
 * The heartbeat
 */

/*
 * The heartbeat: every FAB_HB_MS while joined, as long as our slot's claim
 * is ours.  It runs apart from the fabric worker and takes no part->lock,
 * so a long request in the worker (or a long hold of part->lock) does not
 * make the peers declare us down; it says "this kernel runs", and requests
 * that take too long time out on their own.
 */
static void fab_hb_work(struct work_struct *work)
{
	struct clshm_fab_dev *fd = container_of(to_delayed_work(work),
						struct clshm_fab_dev, hb_work);
	bool beating;

	spin_lock(&fd->hb_lock);
	beating = fd->hb_slot;
	if (beating)
		clshm_fab_inv(&fd->fab, &fd->hb_slot->claim, sizeof(u64));
	if (beating && READ_ONCE(fd->hb_slot->claim) == fd->hb_inc) {
		fd->hb++;
		WRITE_ONCE(fd->hb_slot->heartbeat, fd->hb);
		clshm_fab_wb(&fd->fab, &fd->hb_slot->heartbeat, sizeof(u64));
	}
	spin_unlock(&fd->hb_lock);
	if (beating)
		queue_delayed_work(fd->hb_wq, &fd->hb_work,
				   msecs_to_jiffies(FAB_HB_MS));
}

/*
 * Start beating in @slot, claimed with @inc, or (@slot NULL) stop and wait
 * until no beat can come any more.  Takes no lock the heartbeat waits for,
 * so any caller may hold part->lock.
 */
static void fab_hb_set(struct clshm_fab_dev *fd, struct clshm_fab_slot *slot,
		       u64 inc)
{
	spin_lock(&fd->hb_lock);
	fd->hb_slot = slot;
	fd->hb_inc = inc;
	if (slot) {
		fd->hb = READ_ONCE(slot->heartbeat) + 1;
		WRITE_ONCE(slot->heartbeat, fd->hb);
		clshm_fab_wb(&fd->fab, &slot->heartbeat, sizeof(u64));
	}
	spin_unlock(&fd->hb_lock);
	if (slot)
		mod_delayed_work(fd->hb_wq, &fd->hb_work,
				 msecs_to_jiffies(FAB_HB_MS));
	else
		cancel_delayed_work_sync(&fd->hb_work);
}

/* ---------------------------------------------------------------------
 * Membership
 */

static const char *fab_down_reason(u32 reason)
{
	switch (reason) {
	case CLSHM_DOWN_LEFT:
		return "it left";
	case CLSHM_DOWN_TIMEOUT:
		return "its heartbeat stopped";
	case CLSHM_DOWN_REBOOT:
		return "it restarted";
	case CLSHM_DOWN_REFUSED:
		return "refused";
	}
	return "?";
}

/* Is the pass that started in @epoch still current? (part->lock held) */
static bool fab_session_ok(struct clshm_fab_dev *fd, u64 epoch)
{
	lockdep_assert_held(&fd->part->lock);
	return fd->fab.joined && fd->epoch == epoch;
}

/*
 * Peer @id goes DOWN (part->lock held): state first, then remote.c lets go
 * of it, its node goes, and our daemon hears of it.  A peer that was only
 * JOINING was never announced, so the daemon hears only of a refusal.
 */
static void fab_peer_down(struct clshm_fab_dev *fd, u32 id, u32 reason)
{
	struct clshm_part *part = fd->part;
	struct clshm_fab_peer *peer = &fd->fab.peers[id];
	bool was_up;

	lockdep_assert_held(&part->lock);
	if (peer->state == CLSHM_PART_DOWN)
		return;
	was_up = peer->state == CLSHM_PART_UP;
	trace_clshm_peer_state(id, peer->state, CLSHM_PART_DOWN,
			       peer->incarnation, reason);
	peer->state = CLSHM_PART_DOWN;
	fd->sess_rx[id] = 0;
	fab_set_bell(fd, id, -1);
	fd->fab.client->peer_down(part, id);
	clshm_node_remove(part, peer->dev);
	peer->dev = NULL;
	if (was_up || reason == CLSHM_DOWN_REFUSED)
		clshm_ring_post_peer(part, CLSHM_MSG_PART_DOWN, reason, id,
				     peer->incarnation, 0, 0);
	if (was_up) {
		clshm_event_part(CLSHM_NL_CMD_EV_PART_DOWN, id,
				 peer->incarnation);
		clshm_fab_stat(&fd->fab, CLSHM_FS_PEERS_LOST, 1);
		pr_info("partition %u (host %s) is down: %s\n", id,
			peer->hostname, fab_down_reason(reason));
	}
}

/* JOINING -> UP (part->lock held): its kernel hello arrived. */
static void fab_peer_up(struct clshm_fab_dev *fd, u32 id)
{
	struct clshm_part *part = fd->part;
	struct clshm_fab_peer *peer = &fd->fab.peers[id];
	struct device *dev;

	lockdep_assert_held(&part->lock);
	trace_clshm_peer_state(id, peer->state, CLSHM_PART_UP,
			       peer->incarnation, 0);
	peer->state = CLSHM_PART_UP;
	dev = clshm_node_create(part, id);
	if (IS_ERR(dev)) {
		pr_err("partition %u is up but %s/%02x could not be created (%ld)\n",
		       id, CLSHM_PART_DIR, id, PTR_ERR(dev));
		dev = NULL;
	}
	peer->dev = dev;
	clshm_ring_post_peer(part, CLSHM_MSG_PART_UP, 0, id, peer->incarnation,
			     0, 0);
	/* Up before with another boot: it rebooted, what it had is gone. */
	clshm_event_part(peer->up_incarnation &&
			 peer->up_incarnation != peer->incarnation ?
			 CLSHM_NL_CMD_EV_PART_REJOINED : CLSHM_NL_CMD_EV_PART_UP,
			 id, peer->incarnation);
	peer->up_incarnation = peer->incarnation;
	clshm_fab_stat(&fd->fab, CLSHM_FS_PEERS_UP, 1);
	pr_info("partition %u (host %s) is up\n", id, peer->hostname);
}

/* One read of another partition's slot. */
struct fab_slot_view {
	u64 claim;
	u64 inc;
	u64 hb;
	u32 state;
	u32 id;
	u32 ivposition;
	u32 flags;
	char host[CLSHM_FAB_HOSTNAME_MAX];
};

static void fab_slot_read(struct clshm_fabric *fab, struct clshm_fab_slot *s,
			  struct fab_slot_view *v)
{
	clshm_fab_inv(fab, s, offsetof(struct clshm_fab_slot, engaged));
	/* The holder fills its slot, then incarnation, then state (release). */
	/* Pairs with the release of state in fab_slot_fill()/fab_own_repair(). */
	v->state = virt_load_acquire(&s->state);
	v->claim = READ_ONCE(s->claim);
	v->inc = READ_ONCE(s->incarnation);
	v->hb = READ_ONCE(s->heartbeat);
	virt_rmb();
	v->id = READ_ONCE(s->id);
	v->ivposition = READ_ONCE(s->ivposition);
	v->flags = READ_ONCE(s->flags);
	memcpy(v->host, s->hostname, sizeof(v->host));
}

/* Why a slot that claims to be live cannot be used, or NULL. */
static const char *fab_slot_bad(const struct fab_slot_view *v, u32 id)
{
	if (v->id != id)
		return "wrong slot id";
	if (v->ivposition > FAB_IVPOSITION_MAX)
		return "doorbell id out of range";
	if (clshm_fab_name_len(v->host, sizeof(v->host)) < 0)
		return "host name not printable or not terminated";
	return NULL;
}

/* DOWN -> JOINING (part->lock held): its slot is live; greet it. */
static void fab_peer_joining(struct clshm_fab_dev *fd, u32 id,
			     const struct fab_slot_view *v)
{
	struct clshm_fab_peer *peer = &fd->fab.peers[id];
	bool bell;

	lockdep_assert_held(&fd->part->lock);
	fd->undecided &= ~BIT_ULL(id);
	trace_clshm_peer_state(id, peer->state, CLSHM_PART_JOINING, v->inc, 0);
	peer->state = CLSHM_PART_JOINING;
	peer->incarnation = v->inc;
	peer->refused = false;
	peer->ivposition = v->ivposition;
	peer->doorbell = v->flags & CLSHM_FAB_SLOT_DOORBELL;
	/* Validated by fab_slot_bad(); the daemon's hello may replace it. */
	memcpy(peer->hostname, v->host, sizeof(peer->hostname));
	bell = fd->fab.doorbell && peer->doorbell;
	fab_set_bell(fd, id, bell ? (s32)v->ivposition : -1);
	fd->sess_tx[id]++;
	fd->sess_rx[id] = 0;
	fab_send_khello(fd, id, true);
	pr_debug("partition %u (host %s, incarnation %llu) is joining\n", id,
		 peer->hostname, peer->incarnation);
}

/*
 * Membership scan of slot @id (part->lock held): read it once, track its
 * heartbeat, and move the peer's local state.  @tmo: jiffies without a
 * heartbeat after which it is down.
 *
 * The claim word says who holds the slot; the rest of the slot is only
 * believed while it is consistent (claim == incarnation, a live state,
 * sane fields).  A slot that is inconsistent for a moment (being filled,
 * or scribbled on) is not live, but an up peer is only declared down for
 * it once its heartbeat has not been seen moving in a consistent slot for
 * the timeout.
 */
static void fab_scan_peer(struct clshm_fab_dev *fd, u32 id, unsigned long tmo)
{
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_fab_peer *peer = &fab->peers[id];
	struct fab_wpeer *wp = &fd->wp[id];
	unsigned long now = jiffies;
	struct fab_slot_view v;
	const char *bad = NULL;
	bool valid, fresh, live;
	u32 reason;

	lockdep_assert_held(&fd->part->lock);
	fab_slot_read(fab, clshm_fab_slot(fab, id), &v);
	valid = v.claim && v.claim == v.inc;
	if (valid && v.state != CLSHM_PART_JOINING && v.state != CLSHM_PART_UP) {
		if (v.state != CLSHM_PART_DOWN && v.state != CLSHM_PART_LEAVING)
			bad = "unknown state";
		valid = false;
	}
	if (valid)
		bad = fab_slot_bad(&v, id);
	if (bad) {
		valid = false;
		/* Counted once per claim and reason. */
		if (bad != wp->bad || v.claim != wp->bad_inc) {
			wp->bad = bad;
			wp->bad_inc = v.claim;
			clshm_fab_stat(fab, CLSHM_FS_SLOT_BAD, 1);
			pr_warn_ratelimited("slot %u (claim %llu) is unusable: %s\n",
					    id, v.claim, bad);
		}
	} else {
		wp->bad = NULL;
	}

	/*
	 * A slot is live while its heartbeat moves.  One seen first as this
	 * join starts must beat once before it counts (it may be a dead
	 * partition's leftover); a new claim seen appearing is a fresh boot
	 * and counts at once.
	 */
	if (!wp->tracked || v.claim != wp->hb_claim) {
		wp->hb_live = wp->tracked;
		wp->tracked = true;
		wp->hb_claim = v.claim;
		peer->last_hb = v.hb;
		peer->hb_seen = now;
	} else if (valid && v.hb != peer->last_hb) {
		wp->hb_live = true;
		peer->last_hb = v.hb;
		peer->hb_seen = now;
	}
	fresh = time_before(now, peer->hb_seen + tmo);
	live = valid && wp->hb_live && fresh;
	/* Judged: a free slot, or one that has not beaten for the timeout. */
	if (!v.claim || !fresh)
		fd->undecided &= ~BIT_ULL(id);

	if (peer->state == CLSHM_PART_DOWN) {
		/* Refused (by us or our daemon) until it restarts. */
		if (peer->refused && (!valid || v.inc == peer->incarnation))
			return;
		if (live)
			fab_peer_joining(fd, id, &v);
		return;
	}

	if (v.claim && v.claim != peer->incarnation)
		reason = CLSHM_DOWN_REBOOT;
	else if (!v.claim || (v.inc == peer->incarnation &&
			      (v.state == CLSHM_PART_LEAVING ||
			       v.state == CLSHM_PART_DOWN)))
		reason = CLSHM_DOWN_LEFT;
	else if (!fresh)
		reason = CLSHM_DOWN_TIMEOUT;	/* silent, or its slot is garbage */
	else
		reason = 0;

	if (reason) {
		fab_peer_down(fd, id, reason);
		/* A restarted peer joins again right away. */
		if (reason == CLSHM_DOWN_REBOOT && live)
			fab_peer_joining(fd, id, &v);
		return;
	}

	if (peer->state == CLSHM_PART_JOINING &&
	    (!peer->khello_sent ||
	     time_after(now, wp->khello_at +
			msecs_to_jiffies(FAB_KHELLO_RESEND_MS))))
		fab_send_khello(fd, id, true);
}

/* Write the fields of our slot that never change while joined. */
static void fab_slot_static(struct clshm_fab_dev *fd,
			    struct clshm_fab_slot *slot, u32 id)
{
	struct clshm_fabric *fab = &fd->fab;

	WRITE_ONCE(slot->id, id);
	WRITE_ONCE(slot->ivposition, fab->doorbell ? fab->ivposition : 0);
	WRITE_ONCE(slot->flags, fab->doorbell ? CLSHM_FAB_SLOT_DOORBELL : 0);
	WRITE_ONCE(slot->abi_major, CLSHM_ABI_MAJOR);
	WRITE_ONCE(slot->abi_minor, CLSHM_ABI_MINOR);
	WRITE_ONCE(slot->fab_major, CLSHM_FAB_MAJOR);
	WRITE_ONCE(slot->page_size, PAGE_SIZE);
	memcpy(slot->hostname, fd->host, sizeof(slot->hostname));
}

/*
 * Our slot is written by us only; if someone else wrote it anyway, count
 * it and write it again (part->lock held, claim ours).  The engagement
 * entries are not checked: a partition that can write them can write
 * the zones they protect just as well.
 */
static void fab_own_repair(struct clshm_fab_dev *fd)
{
	struct clshm_part *part = fd->part;
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_fab_slot *slot = clshm_fab_slot(fab, part->partid);

	lockdep_assert_held(&part->lock);
	if (READ_ONCE(slot->incarnation) == part->incarnation &&
	    READ_ONCE(slot->state) == CLSHM_PART_UP &&
	    READ_ONCE(slot->id) == part->partid &&
	    READ_ONCE(slot->ivposition) == (fab->doorbell ? fab->ivposition : 0) &&
	    READ_ONCE(slot->flags) == (fab->doorbell ? CLSHM_FAB_SLOT_DOORBELL : 0) &&
	    READ_ONCE(slot->abi_major) == CLSHM_ABI_MAJOR &&
	    READ_ONCE(slot->abi_minor) == CLSHM_ABI_MINOR &&
	    READ_ONCE(slot->fab_major) == CLSHM_FAB_MAJOR &&
	    READ_ONCE(slot->page_size) == PAGE_SIZE &&
	    READ_ONCE(slot->nengaged) == fab->nengaged &&
	    !memcmp(slot->hostname, fd->host, sizeof(fd->host)))
		return;

	clshm_fab_stat(fab, CLSHM_FS_SLOT_BAD, 1);
	pr_warn_ratelimited("our slot %u was overwritten by someone else; writing it again\n",
			    part->partid);
	fab_slot_static(fd, slot, part->partid);
	WRITE_ONCE(slot->nengaged, fab->nengaged);
	virt_wmb();	/* pairs with virt_rmb() in fab_slot_read() */
	WRITE_ONCE(slot->incarnation, part->incarnation);
	virt_store_release(&slot->state, CLSHM_PART_UP);
	clshm_fab_wb(fab, slot, CLSHM_FAB_SLOT_SIZE);
}

enum fab_own {
	FAB_OWN_OK,		/* ours: beat in it */
	FAB_OWN_SUSPECT,	/* claim word not ours for now: hands off */
	FAB_OWN_LOST,		/* taken over: we left the fabric */
};

/*
 * Our own slot (part->lock held): still ours?  A claim word that is not
 * ours is left alone (it may be a partition that saw our heartbeat stop
 * and took the slot over); if it stays so for FAB_CLAIM_WAIT heartbeat
 * periods we are out of the fabric: every peer goes down and we stop
 * writing the slot.  The partition stays started; it must be shut down
 * and started with another partid.
 */
static enum fab_own fab_own_slot(struct clshm_fab_dev *fd)
{
	struct clshm_part *part = fd->part;
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_fab_slot *slot = clshm_fab_slot(fab, part->partid);
	char host[CLSHM_FAB_HOSTNAME_MAX];
	u64 claim;
	u32 i;

	lockdep_assert_held(&part->lock);
	clshm_fab_inv(fab, &slot->claim, sizeof(u64));
	claim = READ_ONCE(slot->claim);
	if (claim == part->incarnation) {
		fd->own_foreign = false;
		fab_own_repair(fd);
		return FAB_OWN_OK;
	}
	if (!fd->own_foreign) {
		fd->own_foreign = true;
		fd->own_foreign_since = jiffies;
		clshm_fab_stat(fab, CLSHM_FS_SLOT_BAD, 1);
		pr_warn_ratelimited("the claim of our slot %u reads %llu, not ours\n",
				    part->partid, claim);
	}
	if (time_before(jiffies, fd->own_foreign_since +
			msecs_to_jiffies(FAB_CLAIM_WAIT * FAB_HB_MS)))
		return FAB_OWN_SUSPECT;

	clshm_fab_slot_hostname(slot, host);
	pr_err("partition id %u was taken over (claim %llu, host %s) while we held it; leaving the fabric: shut down, set a different partid and start again\n",
	       part->partid, claim, host);
	fab_hb_set(fd, NULL, 0);
	for (i = 0; i < fab->nparts; i++)
		if (i != part->partid)
			fab_peer_down(fd, i, CLSHM_DOWN_TIMEOUT);
	spin_lock(&fab->tx_lock);
	fd->tx_open = false;
	spin_unlock(&fab->tx_lock);
	bitmap_zero(fd->engaged, CLSHM_FAB_NENGAGE);
	fab->nengaged = 0;
	fab->joined = false;
	return FAB_OWN_LOST;
}

/* First pass of a join: forget what the worker knew (part->lock held). */
static void fab_session_start(struct clshm_fab_dev *fd)
{
	struct clshm_fabric *fab = &fd->fab;
	u32 i;

	lockdep_assert_held(&fd->part->lock);
	for (i = 0; i < fab->nparts; i++) {
		memset(&fd->wp[i], 0, sizeof(fd->wp[i]));
		fab->peers[i].rx_tail = fd->rx_start[i];
		fab->peers[i].khello_sent = false;
		fab->peers[i].last_hb = 0;
		fab->peers[i].hb_seen = 0;
	}
	fd->own_foreign = false;
	fd->w_epoch = fd->epoch;
}

/*
 * A kernel hello from peer @from (part->lock held; peer JOINING or UP).
 *
 * JOINING: the versions decide between UP and refused.  UP: a hello of
 * the session that brought it up is a resend (its answer got lost); one
 * of another session means the peer lost us (it declared us down) and
 * starts over, so we take it down and up again: both sides then forget
 * what they had with each other.
 */
static void fab_rx_khello(struct clshm_fab_dev *fd, u32 from, u64 pos,
			  const struct clshm_fab_msg *m)
{
	struct clshm_fab_peer *peer = &fd->fab.peers[from];
	u64 abi = m->arg[0], sess = m->data[0], bits = m->data[1];

	lockdep_assert_held(&fd->part->lock);
	if (m->len != FAB_KHELLO_LEN || !sess || (bits & ~FAB_KHELLO_ASK)) {
		clshm_fab_msg_drop(&fd->fab, from, pos, m, "hello");
		return;
	}
	if (m->arg[3] != fd->part->incarnation) {
		/* Meant for an earlier boot of ours. */
		clshm_fab_stat(&fd->fab, CLSHM_FS_MSGS_BAD, 1);
		pr_debug("stale hello from partition %u dropped\n", from);
		return;
	}
	clshm_fab_stat(&fd->fab, CLSHM_FS_MSGS_RECV, 1);
	if (peer->state == CLSHM_PART_UP && sess != fd->sess_rx[from]) {
		pr_info("partition %u (host %s) lost us and starts over\n",
			from, peer->hostname);
		fab_peer_down(fd, from, CLSHM_DOWN_TIMEOUT);
		/*
		 * Its slot was live a moment ago, and this hello brings it up
		 * again.  Our own session goes on: starting one would make
		 * it start over in turn, and so on for ever.
		 */
		peer->state = CLSHM_PART_JOINING;
		fab_set_bell(fd, from, fd->fab.doorbell && peer->doorbell ?
				       (s32)peer->ivposition : -1);
	}
	if (peer->state == CLSHM_PART_JOINING) {
		if (abi >> 32 != CLSHM_ABI_MAJOR || m->arg[1] != PAGE_SIZE ||
		    m->arg[2] != CLSHM_FAB_MAJOR) {
			pr_err("refusing partition %u (host %s): ABI %llu.%llu, page size %llu, layout %llu; ours are %u.%u, %lu, %u; refused until it restarts\n",
			       from, peer->hostname, abi >> 32,
			       abi & 0xffffffffu, m->arg[1], m->arg[2],
			       CLSHM_ABI_MAJOR, CLSHM_ABI_MINOR, PAGE_SIZE,
			       CLSHM_FAB_MAJOR);
			peer->refused = true;
			fab_peer_down(fd, from, CLSHM_DOWN_REFUSED);
			return;
		}
		fd->sess_rx[from] = sess;
		fab_peer_up(fd, from);
	}
	if (bits & FAB_KHELLO_ASK)
		fab_send_khello(fd, from, false);
}

/* A daemon hello from peer @from (part->lock held; peer UP). */
static void fab_rx_dhello(struct clshm_fab_dev *fd, u32 from, u64 pos,
			  const struct clshm_fab_msg *m)
{
	struct clshm_fab_peer *peer = &fd->fab.peers[from];
	const char *name = (const char *)m->data;
	int n;

	lockdep_assert_held(&fd->part->lock);
	n = clshm_fab_name_len(name, min_t(u32, m->len, CLSHM_HOSTNAME_MAX));
	if (n < 1) {
		clshm_fab_msg_drop(&fd->fab, from, pos, m, "host name");
		return;
	}
	clshm_fab_stat(&fd->fab, CLSHM_FS_MSGS_RECV, 1);
	memcpy(peer->hostname, name, n + 1);
	clshm_ring_post_peer(fd->part, CLSHM_MSG_PEER_HELLO, 0, from, m->arg[0],
			     m->arg[1], peer->incarnation);
}

/*
 * Handle one valid entry from peer @from, whose incarnation was @inc when
 * the pass started.  Hellos are ours; the rest goes to remote.c, with no
 * lock held, if the peer is up.
 */
static void fab_dispatch(struct clshm_fab_dev *fd, u32 from, u64 inc,
			 u64 epoch, u64 pos, const struct clshm_fab_msg *m)
{
	struct clshm_part *part = fd->part;
	struct clshm_fab_peer *peer = &fd->fab.peers[from];
	bool ok;

	mutex_lock(&part->lock);
	ok = fab_session_ok(fd, epoch) && peer->state != CLSHM_PART_DOWN &&
	     peer->incarnation == inc;
	if (ok && m->type == CLSHM_FM_KHELLO) {
		fab_rx_khello(fd, from, pos, m);
		goto out_unlock;
	}
	ok = ok && peer->state == CLSHM_PART_UP;
	if (ok && m->type == CLSHM_FM_DHELLO) {
		fab_rx_dhello(fd, from, pos, m);
		goto out_unlock;
	}
	mutex_unlock(&part->lock);

	trace_clshm_fab_recv(from, m->type, pos, ok ? 0 : -EPROTO);
	if (!ok) {
		/* From a peer that is not up (any more): not for us. */
		clshm_fab_stat(&fd->fab, CLSHM_FS_MSGS_BAD, 1);
		pr_debug("entry %llu (type %u) from partition %u, which is not up, dropped\n",
			 pos, m->type, from);
		return;
	}
	clshm_fab_stat(&fd->fab, CLSHM_FS_MSGS_RECV, 1);
	/* The client is static data, set at join: safe after the unlock. */
	fd->fab.client->recv(part, from, m);
	return;

out_unlock:
	mutex_unlock(&part->lock);
}

/*
 * Drain the mailbox from peer @from to us (no lock held): at most one
 * mailbox's worth per pass.  Return: true if it may hold more.
 */
static bool fab_receive(struct clshm_fab_dev *fd, u32 from, u32 me, u64 epoch)
{
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_fab_peer *peer = &fab->peers[from];
	struct clshm_fab_mbox *mb = fab_mbox(fab, from, me);
	u64 inc = fd->wp[from].rx_inc;
	struct clshm_fab_msg msg;
	u64 head, tail, n, k;
	const char *why;

	/* Pairs with the release of head in clshm_fab_send(). */
	clshm_fab_inv(fab, &mb->head, sizeof(u64));
	head = virt_load_acquire(&mb->head);
	tail = peer->rx_tail;
	n = head - tail;
	if (n > CLSHM_FAB_MBOX_NENTS) {
		clshm_fab_stat(fab, CLSHM_FS_MSGS_BAD, 1);
		pr_warn_ratelimited("mailbox from partition %u: head %llu is not within %u of our position %llu; skipping to the head\n",
				    from, head, CLSHM_FAB_MBOX_NENTS, tail);
		tail = head;
		n = 0;
	}
	for (k = 0; k < n; k++, tail++) {
		if (READ_ONCE(fd->epoch) != epoch)
			return false;	/* left (and maybe joined again) */
		/* One copy; only the copy is looked at from here on. */
		clshm_fab_inv(fab, fab_mbox_ent(mb, tail), sizeof(msg));
		memcpy(&msg, fab_mbox_ent(mb, tail), sizeof(msg));
		why = clshm_fab_msg_bad(&msg, tail, inc, from);
		if (why)
			clshm_fab_msg_drop(fab, from, tail, &msg, why);
		else
			fab_dispatch(fd, from, inc, epoch, tail, &msg);
	}
	if (READ_ONCE(fd->epoch) != epoch)
		return false;
	peer->rx_tail = tail;
	/* Our copies before the tail: pairs with clshm_fab_send()'s acquire. */
	virt_store_release(&mb->tail, tail);
	clshm_fab_wb(fab, &mb->tail, sizeof(u64));
	if (n)
		fd->rx_busy = true;
	return n == CLSHM_FAB_MBOX_NENTS;
}

/* ---------------------------------------------------------------------
 * The worker
 */

/*
 * Adaptive polling (no lock; the worker's own state).  Without doorbells,
 * for FAB_HOT_MS after any message received or sent (answers follow
 * messages) the worker passes again after sleeping FAB_SPIN_US (a
 * high-resolution sleep: a jiffy is 4 ms at HZ=250), then falls back to
 * the idle period.  Return: true to pass again at once after the sleep.
 */
static bool fab_poll_hot(struct clshm_fab_dev *fd)
{
	bool busy = fd->rx_busy || atomic_xchg(&fd->sent, 0);

	fd->rx_busy = false;
	if (fd->fab.doorbell)
		return false;
	if (busy)
		fd->hot_until = jiffies + msecs_to_jiffies(FAB_HOT_MS);
	if (!time_before(jiffies, fd->hot_until))
		return false;
	usleep_range(FAB_SPIN_US, 2 * FAB_SPIN_US);
	return true;
}

static void fab_work(struct work_struct *work)
{
	struct clshm_fab_dev *fd = container_of(to_delayed_work(work),
						struct clshm_fab_dev,
						fab.work);
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_part *part = fd->part;
	unsigned long tmo;
	bool more = false, hot;
	u64 epoch;
	u32 i, me;

	clshm_fab_check_hdr(fd);

	mutex_lock(&part->lock);
	if (!fab->joined)
		goto out_unlock;		/* left: do not requeue */
	if (fd->w_epoch != fd->epoch)
		fab_session_start(fd);
	epoch = fd->epoch;
	if (fab_own_slot(fd) == FAB_OWN_LOST)
		goto out_unlock;
	me = part->partid;
	tmo = msecs_to_jiffies(max_t(u32, part->timeout_ms,
				     FAB_MIN_TIMEOUT_MS));
	for (i = 0; i < fab->nparts; i++) {
		struct fab_wpeer *wp = &fd->wp[i];

		wp->rx_active = false;
		if (i == me)
			continue;
		fab_scan_peer(fd, i, tmo);
		wp->rx_active = fab->peers[i].state != CLSHM_PART_DOWN;
		wp->rx_inc = fab->peers[i].incarnation;
	}
	mutex_unlock(&part->lock);

	for (i = 0; i < fab->nparts; i++)
		if (fd->wp[i].rx_active)
			more |= fab_receive(fd, i, me, epoch);
	fab->client->tick(part);
	hot = !more && fab_poll_hot(fd);

	mutex_lock(&part->lock);
	if (fab_session_ok(fd, epoch)) {
		if (more || hot)
			mod_delayed_work(fab->wq, &fab->work, 0);
		else
			queue_delayed_work(fab->wq, &fab->work, fd->period);
	}
out_unlock:
	mutex_unlock(&part->lock);
}

/* ---------------------------------------------------------------------
 * Join and leave
 */

/*
 * Take slot @id for incarnation @inc.  A slot held by someone else is
 * watched for FAB_CLAIM_WAIT heartbeat periods: if it beats, a live
 * partition has this id (refused); if not, its holder is dead and we take
 * it over.  Sleeps with part->lock held (at startup only).
 */
static int fab_claim(struct clshm_fab_dev *fd, u32 id, u64 inc)
{
	struct clshm_fab_slot *slot = clshm_fab_slot(&fd->fab, id);
	char host[CLSHM_FAB_HOSTNAME_MAX];
	u64 old, hb;
	int i;

	lockdep_assert_held(&fd->part->lock);
	/* Not coherent: the cmpxchg arbitrates only within one host. */
	clshm_fab_inv(&fd->fab, slot, offsetof(struct clshm_fab_slot, engaged));
	old = cmpxchg64(&slot->claim, 0, inc);
	clshm_fab_wb(&fd->fab, &slot->claim, sizeof(u64));
	if (!old || old == inc)
		return 0;

	hb = READ_ONCE(slot->heartbeat);
	for (i = 0; i < FAB_CLAIM_WAIT; i++) {
		msleep(FAB_HB_MS);
		clshm_fab_inv(&fd->fab, &slot->heartbeat, sizeof(u64));
		if (READ_ONCE(slot->heartbeat) != hb)
			goto clash;
	}
	if (cmpxchg64(&slot->claim, old, inc) != old) {
		pr_err("partition id %u was claimed by another partition at the same time; set a different partid\n",
		       id);
		return -EADDRINUSE;
	}
	clshm_fab_wb(&fd->fab, &slot->claim, sizeof(u64));
	clshm_fab_slot_hostname(slot, host);
	pr_info("took over slot %u from a partition that stopped (host %s, incarnation %llu)\n",
		id, host, old);
	return 0;

clash:
	clshm_fab_slot_hostname(slot, host);
	pr_err("partition id %u is already used by a live partition (host %s, incarnation %llu); set a different partid\n",
	       id, host, READ_ONCE(slot->incarnation));
	return -EADDRINUSE;
}

/* Fill our claimed slot and declare it UP (part->lock held). */
static void fab_slot_fill(struct clshm_fab_dev *fd, u32 id, u64 inc)
{
	struct clshm_fab_slot *slot = clshm_fab_slot(&fd->fab, id);
	size_t i;

	lockdep_assert_held(&fd->part->lock);
	clshm_fab_local_hostname(fd->host);
	fab_slot_static(fd, slot, id);
	WRITE_ONCE(slot->nengaged, 0);
	memset(slot->pad, 0, sizeof(slot->pad));
	for (i = 0; i < CLSHM_FAB_NENGAGE; i++)
		WRITE_ONCE(slot->engaged[i].owner, 0);
	/* The fields before incarnation, incarnation before state. */
	virt_wmb();	/* pairs with virt_rmb() in fab_slot_read() */
	WRITE_ONCE(slot->incarnation, inc);
	virt_store_release(&slot->state, CLSHM_PART_UP);
	clshm_fab_wb(&fd->fab, slot, CLSHM_FAB_SLOT_SIZE);
	fab_hb_set(fd, slot, inc);
}

/**
 * clshm_fab_join - join the fabric at startup
 * @part: the local partition (part->lock held), before its node exists
 * @client: where the fabric's news goes while joined
 *
 * With doorbells the partition id is the device's IVPosition; without,
 * the configured partid.  Claims that id's slot, fills it, and starts the
 * worker.  Messages queued for an earlier boot of ours are skipped.
 *
 * Return: 0 (also without a fabric); -ERANGE if the id has no slot;
 * -EADDRINUSE if a live partition uses the id; -EBUSY if joined already.
 */
int clshm_fab_join(struct clshm_part *part,
		   const struct clshm_fab_client *client)
{
	struct clshm_fabric *fab = part->fab;
	struct clshm_fab_dev *fd;
	u64 inc = part->incarnation;
	u32 id, i;
	int err;

	lockdep_assert_held(&part->lock);
	if (!fab)
		return 0;
	fd = to_fdev(fab);
	if (fab->joined)
		return -EBUSY;

	id = fab->doorbell ? fab->ivposition : part->partid;
	if (id >= fab->nparts) {
		if (fab->doorbell)
			pr_err("the doorbell server gave this partition id %u, but the fabric has %u slots; restart the guests so ids stay below %u, or recreate the fabric with a larger fabparts\n",
			       id, fab->nparts, fab->nparts);
		else
			pr_err("partition id %u has no slot: the fabric has %u (ids 0..%u); set a smaller partid\n",
			       id, fab->nparts, fab->nparts - 1);
		return -ERANGE;
	}
	err = fab_claim(fd, id, inc);
	if (err)
		return err;
	part->partid = id;
	fab_slot_fill(fd, id, inc);

	for (i = 0; i < fab->nparts; i++) {
		struct clshm_fab_peer *peer = &fab->peers[i];

		peer->state = CLSHM_PART_DOWN;
		peer->incarnation = 0;
		peer->ivposition = 0;
		peer->doorbell = false;
		peer->refused = false;
		peer->hostname[0] = 0;
		peer->dev = NULL;
		/* What is queued for us now was meant for an earlier boot. */
		clshm_fab_inv(fab, &fab_mbox(fab, i, id)->head, sizeof(u64));
		fd->rx_start[i] = i == id ? 0 :
				  READ_ONCE(fab_mbox(fab, i, id)->head);
	}

	spin_lock(&fab->tx_lock);
	for (i = 0; i < fab->nparts; i++) {
		struct clshm_fab_mbox *m = fab_mbox(fab, id, i);
		u64 head, tail;

		clshm_fab_inv(fab, m, CLSHM_FAB_MBOX_HDR);
		head = READ_ONCE(m->head);
		tail = READ_ONCE(m->tail);

		/* Go on after our earlier boot's messages (receivers drop
		 * them by incarnation); restart at the tail if head is junk. */
		fab->tx_head[i] = head - tail > CLSHM_FAB_MBOX_NENTS ? tail : head;
		WRITE_ONCE(m->head, fab->tx_head[i]);
		clshm_fab_wb(fab, &m->head, sizeof(u64));
		fd->tx_bell[i] = -1;
	}
	fd->tx_open = true;
	fd->tx_from = id;
	fd->tx_inc = inc;
	spin_unlock(&fab->tx_lock);

	bitmap_zero(fd->engaged, CLSHM_FAB_NENGAGE);
	fab->nengaged = 0;
	fd->undecided = GENMASK_ULL(fab->nparts - 1, 0) & ~BIT_ULL(id);
	WRITE_ONCE(fd->epoch, fd->epoch + 1);
	fab->client = client;
	fab->joined = true;
	mod_delayed_work(fab->wq, &fab->work, 0);
	pr_info("partition %u joined the fabric (%u slots, %s)\n", id,
		fab->nparts, fab->doorbell ? "doorbells" : "polling");
	return 0;
}

/**
 * clshm_fab_leave - leave the fabric at shutdown
 * @part: the local partition (part->lock held)
 * @force: accepted for symmetry; leaving never waits for anything
 *
 * Declares the slot LEAVING, takes every peer down (CLSHM_DOWN_LEFT),
 * empties the engagement table, frees the slot and rings the peers so
 * they notice at once.  The worker is not waited for: it sees that we
 * left and stops (see the top of this file).  Engagement indexes handed
 * out before are invalid afterwards.
 */
void clshm_fab_leave(struct clshm_part *part, bool force)
{
	struct clshm_fabric *fab = part->fab;
	struct clshm_fab_slot *slot;
	struct clshm_fab_dev *fd;
	s32 bells[CLSHM_FAB_MAX_PARTS];
	u32 i, id;

	lockdep_assert_held(&part->lock);
	if (!fab || !fab->joined)
		return;
	fd = to_fdev(fab);
	id = part->partid;
	slot = clshm_fab_slot(fab, id);
	WRITE_ONCE(slot->state, CLSHM_PART_LEAVING);
	clshm_fab_wb(fab, &slot->state, sizeof(u32));

	spin_lock(&fab->tx_lock);
	memcpy(bells, fd->tx_bell, sizeof(bells));
	spin_unlock(&fab->tx_lock);
	for (i = 0; i < fab->nparts; i++)
		if (i != id)
			fab_peer_down(fd, i, CLSHM_DOWN_LEFT);

	spin_lock(&fab->tx_lock);
	fd->tx_open = false;
	spin_unlock(&fab->tx_lock);

	clshm_fab_disengage_all(fd);

	fab_hb_set(fd, NULL, 0);
	WRITE_ONCE(slot->state, CLSHM_PART_DOWN);
	/*
	 * Our last writes to the slot before it is free: pairs with the
	 * cmpxchg (a full barrier) of a partition claiming it in fab_claim().
	 */
	virt_store_release(&slot->claim, 0);
	clshm_fab_wb(fab, slot, offsetof(struct clshm_fab_slot, engaged));
	for (i = 0; i < fab->nparts; i++)
		if (bells[i] >= 0)
			clshm_fab_ring(fab, bells[i]);
	fab->joined = false;
	pr_info("partition %u left the fabric%s\n", id,
		force ? " (forced shutdown)" : "");
}

/* ---------------------------------------------------------------------
 * The daemon's say, and what the fabric shows
 */

/**
 * clshm_fab_peer - the daemon's hello to, or refusal of, partition @id
 * @part: the local partition
 * @file: the ctl file asking (must be the daemon's)
 * @a: the request, its fields range-checked by the caller
 * @name: for CLSHM_PEER_HELLO, the checked host name (a->len bytes with
 *        its NUL)
 *
 * Return: 0; -ENODEV if not joined; -EPERM if @file is not the daemon's;
 * -EINVAL for our own or a missing slot; -ENOENT if @id is not up;
 * -EAGAIN if its mailbox is full.
 */
int clshm_fab_peer(struct clshm_part *part, struct file *file,
		   const struct clshm_peer *a, const char *name)
{
	struct clshm_fab_msg msg = {};
	struct clshm_fabric *fab;
	int err;

	mutex_lock(&part->lock);
	fab = part->fab;
	err = -ENODEV;
	if (!fab || part->state != CLSHM_STATE_UP || !fab->joined)
		goto out_unlock;
	err = -EPERM;
	if (part->daemon != file)
		goto out_unlock;
	err = -EINVAL;
	if (a->part >= fab->nparts || a->part == part->partid)
		goto out_unlock;
	err = -ENOENT;
	if (fab->peers[a->part].state != CLSHM_PART_UP)
		goto out_unlock;

	if (a->op == CLSHM_PEER_HELLO) {
		msg.type = CLSHM_FM_DHELLO;
		msg.arg[0] = (u64)a->major << 32 | a->minor;
		msg.arg[1] = a->page_size;
		msg.len = a->len;
		memcpy(msg.data, name, a->len);
		err = clshm_fab_send(part, a->part, &msg);
	} else {
		pr_warn("our daemon refused partition %u (host %s); it stays down until it restarts\n",
			a->part, fab->peers[a->part].hostname);
		fab->peers[a->part].refused = true;
		fab_peer_down(to_fdev(fab), a->part, CLSHM_DOWN_REFUSED);
		err = 0;
	}
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/**
 * clshm_fab_info - what CLSHM_IOC_FABINFO shows of the fabric
 * @part: the local partition (part->lock held)
 * @a: filled in; zeroed by the caller
 */
void clshm_fab_info(struct clshm_part *part, struct clshm_fabinfo *a)
{
	struct clshm_fabric *fab = part->fab;

	lockdep_assert_held(&part->lock);
	if (!fab)
		return;
	a->flags = CLSHM_FAB_PRESENT;
	if (fab->doorbell)
		a->flags |= CLSHM_FAB_DOORBELL;
	if (fab->joined)
		a->flags |= CLSHM_FAB_JOINED;
	a->nparts = fab->nparts;
	a->fabric_size = fab->size;
	if (part->partid < fab->nparts)
		a->zone_off = fab->zones_off + (u64)part->partid * fab->zone_size;
	a->zone_size = fab->zone_size;
	a->ivposition = fab->ivposition;
	a->msgs_sent = atomic64_read(&fab->stats[CLSHM_FS_MSGS_SENT]);
	a->msgs_recv = atomic64_read(&fab->stats[CLSHM_FS_MSGS_RECV]);
	a->msgs_bad = atomic64_read(&fab->stats[CLSHM_FS_MSGS_BAD]);
	a->mbox_full = atomic64_read(&fab->stats[CLSHM_FS_MBOX_FULL]);
	a->doorbells = atomic64_read(&fab->stats[CLSHM_FS_DOORBELLS]);
	a->interrupts = atomic64_read(&fab->stats[CLSHM_FS_INTERRUPTS]);
	a->slot_bad = atomic64_read(&fab->stats[CLSHM_FS_SLOT_BAD]);
	a->hdr_bad = atomic64_read(&fab->stats[CLSHM_FS_HDR_BAD]);
	a->peers_up = atomic64_read(&fab->stats[CLSHM_FS_PEERS_UP]);
	a->peers_lost = atomic64_read(&fab->stats[CLSHM_FS_PEERS_LOST]);
	a->reqs_failed = atomic64_read(&fab->stats[CLSHM_FS_REQS_FAILED]);
	a->engaged = bitmap_weight(to_fdev(fab)->engaged, CLSHM_FAB_NENGAGE);
}

/* ---------------------------------------------------------------------
 * Starting and stopping the fabric's work items (the source's probe and
 * remove)
 */

/* Kick the worker now (a doorbell rang): any context. */
void clshm_fab_kick(struct clshm_fabric *fab)
{
	mod_delayed_work(fab->wq, &fab->work, 0);
}

/**
 * clshm_fab_start - make the fabric's work items
 * @fd: a fabric whose layout is validated, not yet visible to anyone
 * @period: the worker's period when idle, in jiffies
 *
 * Return: 0 or -ENOMEM.
 */
int clshm_fab_start(struct clshm_fab_dev *fd, unsigned long period)
{
	struct clshm_fabric *fab = &fd->fab;

	fd->period = period ?: 1;
	spin_lock_init(&fab->tx_lock);
	spin_lock_init(&fd->hb_lock);
	INIT_DELAYED_WORK(&fab->work, fab_work);
	INIT_DELAYED_WORK(&fd->hb_work, fab_hb_work);
	fab->wq = alloc_ordered_workqueue("clshm-fab", WQ_MEM_RECLAIM);
	if (!fab->wq)
		return -ENOMEM;
	/* Unbound: it must beat even while our CPU is busy elsewhere. */
	fd->hb_wq = alloc_workqueue("clshm-hb",
				    WQ_UNBOUND | WQ_MEM_RECLAIM | WQ_HIGHPRI, 1);
	if (!fd->hb_wq) {
		destroy_workqueue(fab->wq);
		return -ENOMEM;
	}
	return 0;
}

/**
 * clshm_fab_stop - wait for the work items to end, and free them
 * @fd: the fabric, not joined and taken off the partition (part->fab is
 *      not it), so no join can start again
 */
void clshm_fab_stop(struct clshm_fab_dev *fd)
{
	/* Not joined: the worker runs out; wait for it. */
	cancel_delayed_work_sync(&fd->fab.work);
	destroy_workqueue(fd->fab.wq);
	destroy_workqueue(fd->hb_wq);
}
