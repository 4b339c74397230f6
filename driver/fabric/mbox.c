// SPDX-License-Identifier: GPL-2.0
/*
 * mbox.c - the fabric's mailboxes
 *
 * One mailbox per ordered pair of partitions: a ring of
 * CLSHM_FAB_MBOX_NENTS entries of struct clshm_fab_msg with a head (only
 * the sender writes it) and a tail (only the receiver writes it).  This
 * file puts messages in (any context; a full mailbox is -EAGAIN, never a
 * wait) and checks the header of each copied entry for the receiving
 * worker in member.c.  A message is announced by the receiver's doorbell
 * when both sides have one.
 *
 * Locking: fab->tx_lock (spinlock) protects our heads, tx_open, tx_from,
 * tx_inc and the doorbell targets.  It nests inside part->lock and nothing
 * is taken under it.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "../clshm.h"
#include "../trace.h"
#include "fabric.h"

/**
 * clshm_fab_ring - interrupt the partition with doorbell id @bell
 * @fab: the fabric
 * @bell: the receiver's doorbell id (its ivposition)
 *
 * What was written to the fabric before is visible to the receiver when
 * its interrupt arrives (the source orders it).
 */
void clshm_fab_ring(struct clshm_fabric *fab, s32 bell)
{
	if (!fab->src->doorbell)
		return;		/* a polled source: the peer's worker finds it */
	fab->src->doorbell(fab, bell);
	clshm_fab_stat(fab, CLSHM_FS_DOORBELLS, 1);
}

/**
 * clshm_fab_send - put a message in the mailbox to partition @to
 * @part: the local partition (part->lock may be held)
 * @to: the receiver
 * @msg: the message; seq, inc and from are filled in here
 *
 * Any process context while the partition is started (part->fab is
 * stable then); takes only fab->tx_lock.  Whether @to is up is the
 * caller's business (a message to a partition that does not consider us
 * up is dropped by its receiver).
 *
 * Return: 0; -ENOENT if @to is not another slot or we are not joined;
 * -EINVAL for a message its receiver would drop; -EAGAIN if the mailbox
 * is full (or its receiver's tail makes no sense).
 */
int clshm_fab_send(struct clshm_part *part, u32 to, struct clshm_fab_msg *msg)
{
	struct clshm_fabric *fab = part->fab;
	struct clshm_fab_dev *fd;
	struct clshm_fab_mbox *m;
	u64 head, tail;
	int err;

	if (!fab || to >= fab->nparts)
		return -ENOENT;
	if (!msg->type || msg->type > CLSHM_FM_MAX ||
	    msg->len > CLSHM_FAB_MSG_DATA || msg->flags || msg->pad)
		return -EINVAL;
	fd = to_fdev(fab);

	spin_lock(&fab->tx_lock);
	err = -ENOENT;
	if (!fd->tx_open || to == fd->tx_from)
		goto out_unlock;
	m = fab_mbox(fab, fd->tx_from, to);
	head = fab->tx_head[to];
	/* Pairs with the release of tail in the receiver's fab_receive(). */
	clshm_fab_inv(fab, &m->tail, sizeof(u64));
	tail = virt_load_acquire(&m->tail);
	err = -EAGAIN;
	if (head - tail > CLSHM_FAB_MBOX_NENTS) {
		clshm_fab_stat(fab, CLSHM_FS_MBOX_FULL, 1);
		pr_warn_ratelimited("partition %u's tail %llu of our mailbox to it is not within %u of head %llu; treating it as full\n",
				    to, tail, CLSHM_FAB_MBOX_NENTS, head);
		goto out_unlock;
	}
	if (head - tail == CLSHM_FAB_MBOX_NENTS) {
		clshm_fab_stat(fab, CLSHM_FS_MBOX_FULL, 1);
		goto out_unlock;
	}
	msg->seq = head;
	msg->inc = fd->tx_inc;
	msg->from = fd->tx_from;
	memcpy(fab_mbox_ent(m, head), msg, sizeof(*msg));
	clshm_fab_wb(fab, fab_mbox_ent(m, head), sizeof(*msg));
	fab->tx_head[to] = ++head;
	/*
	 * The entry before the head that publishes it: pairs with the
	 * acquire of head in the receiver's fab_receive() (member.c).
	 */
	virt_store_release(&m->head, head);
	clshm_fab_wb(fab, &m->head, sizeof(u64));
	clshm_fab_stat(fab, CLSHM_FS_MSGS_SENT, 1);
	if (fd->tx_bell[to] >= 0)
		clshm_fab_ring(fab, fd->tx_bell[to]);
	err = 0;
out_unlock:
	spin_unlock(&fab->tx_lock);
	trace_clshm_fab_send(to, msg->type, err ? 0 : head - 1, err);
	if (!err && !fab->doorbell) {
		/*
		 * Polling: the answer comes soon, so the worker starts
		 * polling fast now (see fab_poll_hot() in member.c).
		 */
		atomic_set(&fd->sent, 1);
		mod_delayed_work(fab->wq, &fab->work, 0);
	}
	return err;
}


/* Why a copied mailbox entry (position @pos, from @from of incarnation
 * @inc) is dropped, or NULL. */
const char *clshm_fab_msg_bad(const struct clshm_fab_msg *m, u64 pos,
			       u64 inc, u32 from)
{
	if (m->seq != pos)
		return "sequence";
	if (m->inc != inc)
		return "incarnation";
	if (m->from != from)
		return "sender";
	if (!m->type || m->type > CLSHM_FM_MAX)
		return "type";
	if (m->len > CLSHM_FAB_MSG_DATA)
		return "length";
	if (m->flags || m->pad)
		return "reserved field";
	return NULL;
}

void clshm_fab_msg_drop(struct clshm_fabric *fab, u32 from, u64 pos,
			 const struct clshm_fab_msg *m, const char *why)
{
	clshm_fab_stat(fab, CLSHM_FS_MSGS_BAD, 1);
	pr_warn_ratelimited("dropped entry %llu from partition %u (type %u): bad %s\n",
			    pos, from, m->type, why);
}
