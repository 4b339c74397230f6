// SPDX-License-Identifier: GPL-2.0
/*
 * remote.c - segments across partitions
 *
 * Object model
 * ------------
 * A process of another partition reaches a segment we own through its own
 * kernel, which sends requests (struct clshm_fab_msg) to our mailbox and
 * waits for the REPLY (struct clshm_rreq, on part->remote.rreqs).  We run
 * the same System V code as for our own processes (seg.c), judging the
 * requester by the uid, gid and capabilities its kernel vouches for.  This
 * file is both sides: the requester (clshm_remote_owner, the owner
 * operations for ids of other partitions) and the owner (serving the
 * requests that arrive through the fabric's client table).
 *
 * An attach of another partition's segment asks its owner (ATTACH:
 * permission, then the extent: one request, one reply), and the attaching
 * kernel keeps a *proxy*: a struct clshm_seg whose owner operations are
 * clshm_remote_owner, in part->remote.proxies by shmid, whose mapping file
 * and VMAs work exactly like an owned segment's (fabmem.c maps the owner's
 * extent).  The proxy publishes its extent in our slot's engagement
 * table, so the owner (also a rebooted one) never hands those pages out
 * again while we map them.  The proxy reports its attach count to the
 * owner as an absolute number (NATTCH), so lost or repeated reports heal
 * themselves; the owner keeps them in seg->x->rattach[] and sums them
 * into seg->rnattch.
 *
 * Failure policy: when a partition is declared down, requests pending on
 * it fail with EIO and its attaches to our segments are dropped (which
 * may destroy removed segments).  Our attaches to *its* segments stay:
 * the memory is still in the fabric, so the proxies become orphans (no
 * longer findable, no more reports) whose mappings keep working until
 * they are detached; their engagement keeps the owner's next incarnation
 * off those pages.  A segment destroyed by force on its owner is zapped
 * on every partition (KILL): later accesses get SIGBUS, and its pages
 * stay a zombie (fabmem.c) until the attachers acknowledge.
 *
 * Locking
 * -------
 * part->lock protects the request list, the proxies (table, list, and
 * every proxy field), rattach/rnattch of owned segments and the peer
 * states read here.  Requests are sent with part->lock held and waited for
 * without it; the fabric worker delivers replies and requests with no
 * lock held, and this file takes part->lock itself.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "clshm.h"

/* How much longer than the timeout a request waits (see remote_call). */
#define CLSHM_DOWN_SLACK_MS	300
/* Attach counts a partition may report for one segment. */
#define CLSHM_RATTACH_MAX	(1u << 24)

/**
 * struct clshm_rreq - a request waiting for another partition's reply
 * @node: in part->remote.rreqs (part->lock); empty once answered or
 *        given up
 * @id: clshm_fab_msg.req of the request
 * @to: the partition asked
 * @done: completed by the reply or by @to going down
 * @status: 0 or a negative errno, set before @done completes
 * @reply: the reply, set before @done completes
 */
struct clshm_rreq {
	struct list_head node;
	u64 id;
	u32 to;
	struct completion done;
	int status;
	struct clshm_fab_msg reply;
};

static void remote_bad(struct clshm_part *part, u32 from, const char *what)
{
	clshm_fab_stat(part->fab, CLSHM_FS_MSGS_BAD, 1);
	pr_warn_ratelimited("dropped a bad message from partition %u: %s\n",
			    from, what);
}

/* ---------------------------------------------------------------------
 * Our id counters in the fabric
 */

/**
 * remote_ids_resume - continue the id counters of our last boot
 * @part: the local partition, just joined (part->lock held)
 *
 * The slot keeps the next shmid serial and minted key serial (written by
 * remote_ids_changed()).  A rebooted partition continues from them,
 * so a shmid or key that another partition kept from our previous
 * incarnation names nothing instead of a new segment.  Values are checked
 * (only we write them, but anyone can): out of range means start over.
 */
static void remote_ids_resume(struct clshm_part *part)
{
	struct clshm_fab_slot *slot = clshm_fab_slot(part->fab, part->partid);
	u32 serial = READ_ONCE(slot->serial_next);
	u32 mint = READ_ONCE(slot->mint_next);

	lockdep_assert_held(&part->lock);
	if (serial >= 1 && serial < CLSHM_ID_SERIAL_MASK)
		part->serial_next = max(part->serial_next, serial);
	if (mint >= 1 && mint < CLSHM_KEY_PATH_BIT)
		part->mint_next = max(part->mint_next, mint);
}

/* Record the id counters in our slot (part->lock held). */
static void remote_ids_changed(struct clshm_part *part)
{
	struct clshm_fab_slot *slot;

	lockdep_assert_held(&part->lock);
	if (!part->fab || part->state != CLSHM_STATE_UP)
		return;
	slot = clshm_fab_slot(part->fab, part->partid);
	WRITE_ONCE(slot->serial_next, part->serial_next);
	WRITE_ONCE(slot->mint_next, part->mint_next);
	clshm_fab_wb(part->fab, &slot->serial_next, 2 * sizeof(u32));
}

/* ---------------------------------------------------------------------
 * Requests: send, wait for the reply
 */

static void msg_prepare(struct clshm_fab_msg *m, u32 type,
			const struct clshm_who *who)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (who) {
		m->uid = from_kuid(&init_user_ns, who->uid);
		m->gid = from_kgid(&init_user_ns, who->gid);
		/*
		 * The owner cannot ask us later: vouch for them now, without
		 * auditing (the owner may not need them).
		 */
		if (ns_capable_noaudit(&init_user_ns, CAP_IPC_OWNER))
			m->caps |= CLSHM_FAB_CAP_IPC_OWNER;
		if (ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN))
			m->caps |= CLSHM_FAB_CAP_SYS_ADMIN;
	}
}

/*
 * Send @msg to partition @to and wait for its reply in @rq.  Called with
 * no lock held.  A full mailbox is retried until the timeout.
 *
 * Return: 0 with rq->reply filled, or a negative errno: the owner's
 * answer, ENOENT (@to not up), EIO (@to went down), ETIMEDOUT, EAGAIN
 * (its mailbox stayed full), or ERESTARTSYS on a signal: the system call
 * is restarted, or fails with EINTR after a handler that does not
 * restart.  A request given up may still have been done: an ATTACH is
 * corrected by a NATTCH, and a GET may leave the segment it created (as
 * after a timeout).
 */
static int remote_call(struct clshm_part *part, u32 to,
		       struct clshm_fab_msg *msg, struct clshm_rreq *rq)
{
	unsigned long timeout, deadline;
	long left;
	int err;

	INIT_LIST_HEAD(&rq->node);
	init_completion(&rq->done);
	rq->status = 0;
	rq->to = to;

	mutex_lock(&part->lock);
	timeout = msecs_to_jiffies(part->timeout_ms);
	deadline = jiffies + timeout;
	for (;;) {
		err = clshm_part_reachable(part, to);
		if (err)
			goto out_unlock;
		rq->id = part->remote.next_rreq++;
		msg->req = rq->id;
		err = clshm_fab_send(part, to, msg);
		if (err != -EAGAIN)
			break;
		mutex_unlock(&part->lock);
		if (time_after(jiffies, deadline))
			return -EAGAIN;
		if (msleep_interruptible(2))
			return -ERESTARTSYS;
		mutex_lock(&part->lock);
	}
	if (err)
		goto out_unlock;
	list_add_tail(&rq->node, &part->remote.rreqs);
	mutex_unlock(&part->lock);

	/*
	 * A peer that dies is declared down after the same timeout (counted
	 * from its last heartbeat); wait a few heartbeats longer, so a
	 * request caught by a death fails with EIO rather than ETIMEDOUT.
	 */
	left = wait_for_completion_interruptible_timeout(&rq->done,
			timeout + msecs_to_jiffies(CLSHM_DOWN_SLACK_MS));
	mutex_lock(&part->lock);
	if (!list_empty(&rq->node)) {
		/* Nobody answered: we are the last user of rq. */
		list_del_init(&rq->node);
		rq->status = left < 0 ? -ERESTARTSYS : -ETIMEDOUT;
	}
	err = rq->status;
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

static void recv_reply(struct clshm_part *part, u32 from,
		       const struct clshm_fab_msg *msg)
{
	struct clshm_rreq *rq;

	if (msg->status > 133) {
		remote_bad(part, from, "reply status out of range");
		return;
	}
	mutex_lock(&part->lock);
	list_for_each_entry(rq, &part->remote.rreqs, node) {
		if (rq->id != msg->req || rq->to != from)
			continue;
		rq->reply = *msg;
		rq->status = -(int)msg->status;
		list_del_init(&rq->node);
		complete(&rq->done);
		break;
	}
	mutex_unlock(&part->lock);
}

/* ---------------------------------------------------------------------
 * The requesting side: the owner operations for other partitions' ids
 */

static int remote_get(struct clshm_part *part, const struct clshm_who *who,
		      u32 key, u64 size, u32 flags, u32 *shmid, bool *created)
{
	u32 owner = CLSHM_ID_PART(key);
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	u64 id;
	int err;

	*created = false;
	msg_prepare(&m, CLSHM_FM_GET, who);
	m.arg[0] = size;
	m.arg[1] = key;
	m.arg[2] = flags;
	err = remote_call(part, owner, &m, &rq);
	if (err)
		return err;
	id = rq.reply.arg[0];
	if (id > U32_MAX || CLSHM_ID_PART(id) != owner || !CLSHM_ID_SERIAL(id)) {
		remote_bad(part, owner, "shmget reply names a bad shmid");
		return -EIO;
	}
	*shmid = id;
	*created = rq.reply.arg[1] == 1;
	return 0;
}

static int remote_mintkey(struct clshm_part *part,
			  const struct clshm_who *who, u32 owner, u32 *key)
{
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	u64 k;
	int err;

	msg_prepare(&m, CLSHM_FM_MINTKEY, who);
	err = remote_call(part, owner, &m, &rq);
	if (err)
		return err;
	k = rq.reply.arg[0];
	if (k > U32_MAX || CLSHM_ID_PART(k) != owner || !CLSHM_ID_SERIAL(k) ||
	    (CLSHM_ID_SERIAL(k) & CLSHM_KEY_PATH_BIT)) {
		remote_bad(part, owner, "mintkey reply names a bad key");
		return -EIO;
	}
	*key = k;
	return 0;
}

static int remote_stat(struct clshm_part *part, const struct clshm_who *who,
		       u32 shmid, struct clshm_ds *ds)
{
	struct user_namespace *ns = current_user_ns();
	u32 owner = CLSHM_ID_PART(shmid);
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	int err;

	BUILD_BUG_ON(sizeof(*ds) > CLSHM_FAB_MSG_DATA);
	msg_prepare(&m, CLSHM_FM_STAT, who);
	m.arg[0] = shmid;
	err = remote_call(part, owner, &m, &rq);
	if (err)
		return err;
	memcpy(ds, rq.reply.data, sizeof(*ds));
	if (rq.reply.len != sizeof(*ds) || ds->shmid != shmid ||
	    ds->owner_part != owner || (ds->mode & ~0777u)) {
		remote_bad(part, owner, "stat reply does not describe the segment");
		return -EIO;
	}
	/* The owner speaks init_user_ns ids; the caller may live elsewhere. */
	ds->uid = from_kuid_munged(ns, make_kuid(&init_user_ns, ds->uid));
	ds->gid = from_kgid_munged(ns, make_kgid(&init_user_ns, ds->gid));
	ds->cuid = from_kuid_munged(ns, make_kuid(&init_user_ns, ds->cuid));
	ds->cgid = from_kgid_munged(ns, make_kgid(&init_user_ns, ds->cgid));
	return 0;
}

static int remote_set(struct clshm_part *part, const struct clshm_who *who,
		      u32 shmid, kuid_t uid, kgid_t gid, u32 mode)
{
	struct clshm_fab_msg m;
	struct clshm_rreq rq;

	msg_prepare(&m, CLSHM_FM_SET, who);
	m.arg[0] = shmid;
	m.arg[1] = from_kuid(&init_user_ns, uid);
	m.arg[2] = from_kgid(&init_user_ns, gid);
	m.arg[3] = mode;
	return remote_call(part, CLSHM_ID_PART(shmid), &m, &rq);
}

static int remote_rmid(struct clshm_part *part, const struct clshm_who *who,
		       u32 shmid, u32 flags)
{
	struct clshm_fab_msg m;
	struct clshm_rreq rq;

	msg_prepare(&m, CLSHM_FM_RMID, who);
	m.arg[0] = shmid;
	m.arg[1] = flags;
	return remote_call(part, CLSHM_ID_PART(shmid), &m, &rq);
}

/* Tell the owner how many attaches we have of @shmid (part->lock held). */
static int send_nattch(struct clshm_part *part, u32 shmid, u32 count)
{
	struct clshm_fab_msg m;

	lockdep_assert_held(&part->lock);
	if (clshm_part_reachable(part, CLSHM_ID_PART(shmid)))
		return 0;	/* it went down: nothing to tell */
	msg_prepare(&m, CLSHM_FM_NATTCH, NULL);
	m.arg[0] = shmid;
	m.arg[1] = count;
	return clshm_fab_send(part, CLSHM_ID_PART(shmid), &m);
}

/*
 * A proxy can no longer be found by shmid (it is dropped, zapped or
 * orphaned); it keeps its list entry and reference until it is dropped.
 */
static void proxy_unpublish(struct clshm_seg *seg)
{
	lockdep_assert_held(&seg->part->lock);
	if (seg->in_table) {
		xa_erase(&seg->part->remote.proxies, seg->shmid);
		seg->in_table = false;
	}
}

/* A proxy lets go: out of the table, engagement, the table's reference. */
static void proxy_drop(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;

	lockdep_assert_held(&part->lock);
	proxy_unpublish(seg);
	if (seg->x->engage_idx >= 0) {
		clshm_fab_disengage(part, seg->x->engage_idx);
		seg->x->engage_idx = -1;
	}
	list_del(&seg->x->pnode);
	clshm_seg_put(seg);
}

/*
 * A proxy gained or lost an attach (fork, mremap, munmap, exit; part->lock
 * held): report the new count to the owner (or leave it to the fabric
 * worker's tick if the mailbox is full), and let go of the proxy when
 * nothing maps it any more.
 */
static void proxy_vm_changed(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;

	lockdep_assert_held(&part->lock);
	if (!seg->x->orphan && !seg->dead) {
		seg->x->nattch_dirty = true;
		if (!send_nattch(part, seg->shmid, seg->nattch))
			seg->x->nattch_dirty = false;
	}
	if (!seg->nattch && (!seg->x->nattch_dirty || seg->x->orphan || seg->dead))
		proxy_drop(seg);
}

/**
 * struct clshm_grant - an ATTACH the owner answered, waiting for its mmap
 * @node: in part->remote.grants (part->lock)
 * @task: the thread whose CLSHM_IOC_SHMAT asked
 * @shmid: the segment
 * @want: the rwx bits granted
 * @first: first page of the extent in the owner's zone
 * @npages: length of the extent
 * @size: the segment's size
 *
 * CLSHM_IOC_SHMAT learns the size from the owner's reply, then maps; the
 * mmap finds the grant here instead of asking again.  A grant lives only
 * inside that one ioctl call.
 */
struct clshm_grant {
	struct list_head node;
	struct task_struct *task;
	u32 shmid;
	u32 want;
	u64 first;
	u64 npages;
	u64 size;
};

/* The owner may have counted an attach we do not have: say what we have. */
static void attach_correct(struct clshm_part *part, u32 shmid)
{
	struct clshm_seg *seg;

	lockdep_assert_held(&part->lock);
	seg = xa_load(&part->remote.proxies, shmid);
	if (send_nattch(part, shmid, seg ? seg->nattch : 0) && seg)
		seg->x->nattch_dirty = true;
}

/*
 * Ask the owner to attach @shmid for @who with @want: one ATTACH, whose
 * reply carries the extent; the owner counts the attach when it answers.
 * Returns 0 with @g filled, a refusal (nothing was counted), or, for a
 * reply lost or unusable, an error after telling the owner what we really
 * have.
 */
static int attach_request(struct clshm_part *part, const struct clshm_who *who,
			  u32 shmid, u32 want, struct clshm_grant *g)
{
	u32 owner = CLSHM_ID_PART(shmid);
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	int err;

	msg_prepare(&m, CLSHM_FM_ATTACH, who);
	m.arg[0] = shmid;
	m.arg[1] = want;
	err = remote_call(part, owner, &m, &rq);
	if (err == -ENOENT || err == -ENODEV)
		return -EINVAL;		/* no such partition up: no such shmid */
	if (err == -EINVAL || err == -EIDRM || err == -EACCES)
		return err;		/* refused: nothing was counted */

	mutex_lock(&part->lock);
	if (err)
		goto out_correct;	/* lost or timed out: maybe counted */
	g->shmid = shmid;
	g->want = want;
	g->first = rq.reply.arg[0];
	g->npages = rq.reply.arg[1];
	g->size = rq.reply.arg[2];
	err = -EIO;
	if (!g->npages || g->npages > clshm_fab_zone_pages(part->fab) ||
	    g->first > clshm_fab_zone_pages(part->fab) - g->npages ||
	    !g->size || g->size > g->npages << PAGE_SHIFT ||
	    g->size <= (g->npages - 1) << PAGE_SHIFT) {
		remote_bad(part, owner, "attach reply names pages outside its zone");
		goto out_correct;
	}
	mutex_unlock(&part->lock);
	return 0;

out_correct:
	attach_correct(part, shmid);
	mutex_unlock(&part->lock);
	return err;
}

/*
 * Make @vma an attach of the segment @g describes, through its proxy
 * (made here if it is the first attach).  On failure the owner is told.
 */
static int attach_map(struct clshm_part *part, struct vm_area_struct *vma,
		      const struct clshm_grant *g)
{
	u32 owner = CLSHM_ID_PART(g->shmid);
	struct clshm_seg *seg;
	struct clshm_xseg *x;
	int err, idx;

	mutex_lock(&part->lock);
	err = -EINVAL;
	if (vma->vm_end - vma->vm_start != g->npages << PAGE_SHIFT)
		goto out_correct;
	err = -EIO;
	if (clshm_part_reachable(part, owner))
		goto out_unlock;	/* it went down meanwhile */

	seg = xa_load(&part->remote.proxies, g->shmid);
	if (seg && (seg->x->zfirst != g->first || seg->npages != g->npages)) {
		remote_bad(part, owner, "attach reply moved a segment");
		goto out_correct;
	}
	if (!seg) {
		err = -ENOMEM;
		x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
		if (!x)
			goto out_correct;
		x->zfirst = g->first;
		x->engage_idx = -1;
		seg = clshm_seg_alloc(part, g->shmid, g->size,
				      &clshm_fabric_backend,
				      &clshm_remote_owner);
		if (IS_ERR(seg)) {
			kfree(x);
			err = PTR_ERR(seg);
			goto out_correct;
		}
		seg->x = x;	/* freed with the segment from here on */
		x->seg = seg;
		err = seg->backend->seg_init(seg);
		if (err)
			goto err_put_proxy;
		idx = clshm_fab_engage(part, owner, g->first, g->npages);
		err = idx;
		if (idx < 0)
			goto err_put_proxy;
		x->engage_idx = idx;
		err = xa_insert(&part->remote.proxies, g->shmid, seg,
				GFP_KERNEL);
		if (err) {
			clshm_fab_disengage(part, idx);
			goto err_put_proxy;
		}
		seg->in_table = true;
		list_add(&x->pnode, &part->remote.proxy_list);
	}
	err = clshm_seg_attach_vma(seg, vma);
	if (err) {
		if (!seg->nattch)
			proxy_drop(seg);
		goto out_correct;
	}
	/* No NATTCH: the owner counted this attach when it answered. */
	seg->lpid = 0;		/* as the owner shows it */
	mutex_unlock(&part->lock);
	return 0;

err_put_proxy:
	clshm_seg_put(seg);
out_correct:
	attach_correct(part, g->shmid);
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/* An attach the owner counted did not happen: tell it. */
static void attach_abort_one(struct clshm_part *part, u32 shmid)
{
	mutex_lock(&part->lock);
	attach_correct(part, shmid);
	mutex_unlock(&part->lock);
}

/* The grant CLSHM_IOC_SHMAT left for this thread's mmap of @shmid. */
static struct clshm_grant *grant_take(struct clshm_part *part, u32 shmid)
{
	struct clshm_grant *g;

	mutex_lock(&part->lock);
	list_for_each_entry(g, &part->remote.grants, node) {
		if (g->task == current && g->shmid == shmid) {
			list_del_init(&g->node);
			mutex_unlock(&part->lock);
			return g;
		}
	}
	mutex_unlock(&part->lock);
	return NULL;
}

/*
 * mmap of another partition's shmid: use the grant of the CLSHM_IOC_SHMAT
 * that is mapping it, or ask the owner now (a plain mmap(2)).
 */
static int remote_attach(struct clshm_part *part, const struct clshm_who *who,
			 struct vm_area_struct *vma, u32 want)
{
	struct clshm_grant *g, own;
	int err;

	g = grant_take(part, vma->vm_pgoff);
	if (g) {
		err = -EACCES;		/* mprotect cannot get here: VM_MAYWRITE */
		if ((want & ~g->want) == 0)
			err = attach_map(part, vma, g);
		else
			attach_abort_one(part, g->shmid);
		kfree(g);
		return err;
	}
	err = attach_request(part, who, vma->vm_pgoff, want, &own);
	if (err)
		return err;
	return attach_map(part, vma, &own);
}

/* CLSHM_IOC_SHMAT, first half: ask the owner, keep the grant. */
static int remote_attach_prepare(struct clshm_part *part,
				 const struct clshm_who *who, u32 shmid,
				 u32 want, u64 *size)
{
	struct clshm_grant *g;
	int err;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	err = attach_request(part, who, shmid, want, g);
	if (err) {
		kfree(g);
		return err;
	}
	g->task = current;
	*size = g->size;
	mutex_lock(&part->lock);
	list_add(&g->node, &part->remote.grants);
	mutex_unlock(&part->lock);
	return 0;
}

/* CLSHM_IOC_SHMAT's mmap failed before it reached us: let go of the grant. */
static void remote_attach_abort(struct clshm_part *part, u32 shmid)
{
	struct clshm_grant *g = grant_take(part, shmid);

	if (!g)
		return;		/* the mmap used it, and cleaned up itself */
	attach_abort_one(part, shmid);
	kfree(g);
}

/* Zap a proxy: its owner tore the segment down, or we shut down by force. */
static void proxy_kill(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;

	lockdep_assert_held(&part->lock);
	mutex_lock(&seg->pages_lock);
	seg->dead = true;
	seg->state |= CLSHM_SEG_DEAD;
	unmap_mapping_range(seg->mapping, 0, 0, 1);
	mutex_unlock(&seg->pages_lock);
	proxy_unpublish(seg);
	if (!seg->nattch)
		proxy_drop(seg);
}

/**
 * clshm_remote_proxies_attached - proxies with attaches (part->lock held)
 * @part: the local partition
 *
 * Return: how many proxies (orphans included) are attached here.
 */
u32 clshm_remote_proxies_attached(struct clshm_part *part)
{
	struct clshm_xseg *x;
	u32 n = 0;

	lockdep_assert_held(&part->lock);
	list_for_each_entry(x, &part->remote.proxy_list, pnode)
		n += !!x->seg->nattch;
	return n;
}

/*
 * Tear down every attach of remote segments (part->lock held), leaving the
 * fabric: the owners hear that we have none left; our engagement table is
 * about to be cleared, so no mapping of other zones may survive it.
 */
static void proxies_kill(struct clshm_part *part)
{
	struct clshm_xseg *x, *tmp;
	struct clshm_seg *seg;

	lockdep_assert_held(&part->lock);
	list_for_each_entry_safe(x, tmp, &part->remote.proxy_list, pnode) {
		seg = x->seg;
		if (!seg->x->orphan && !seg->dead)
			send_nattch(part, seg->shmid, 0);
		if (seg->x->engage_idx >= 0) {
			clshm_fab_disengage(part, seg->x->engage_idx);
			seg->x->engage_idx = -1;
		}
		proxy_kill(seg);
	}
}

/* ---------------------------------------------------------------------
 * The owning side: requests from other partitions
 */

/*
 * An owned segment that other partitions attach is destroyed by force
 * (part->lock held): tell them to zap it, and keep its zone pages as a
 * zombie until they acknowledge (fabmem.c).
 */
static void remote_seg_destroyed(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;
	DECLARE_BITMAP(waiting, CLSHM_FAB_MAX_PARTS);
	struct clshm_fab_msg m;
	u32 i;

	lockdep_assert_held(&part->lock);
	bitmap_zero(waiting, CLSHM_FAB_MAX_PARTS);
	for (i = 0; i < CLSHM_FAB_MAX_PARTS; i++) {
		if (!seg->x->rattach[i])
			continue;
		msg_prepare(&m, CLSHM_FM_KILL, NULL);
		m.arg[0] = seg->shmid;
		/* A lost KILL keeps the zombie until @i goes down. */
		clshm_fab_send(part, i, &m);
		seg->x->rattach[i] = 0;
		set_bit(i, waiting);
	}
	seg->rnattch = 0;
	clshm_zone_zombie(seg, waiting);
}

static int owner_attach(struct clshm_part *part, const struct clshm_who *who,
			u32 shmid, u32 want, struct clshm_fab_msg *r)
{
	struct clshm_seg *seg;

	lockdep_assert_held(&part->lock);
	if (want & ~0777u)
		return -EINVAL;
	seg = clshm_seg_find(part, shmid);
	if (!seg)
		return -EINVAL;
	if (seg->state & CLSHM_SEG_DEST)
		return -EIDRM;
	if (!clshm_seg_perm_ok(seg, who, want))
		return -EACCES;
	if (seg->x->rattach[who->part] >= CLSHM_RATTACH_MAX)
		return -ENOSPC;
	clshm_fabmem_zero_all(seg);	/* it maps every page at once */
	seg->x->rattach[who->part]++;
	seg->rnattch++;
	seg->atime = ktime_get_real_seconds();
	seg->lpid = 0;		/* no pid of this kernel attached */
	clshm_event_seg(seg, CLSHM_NL_CMD_EV_ATTACHED, 0, who->part);
	r->arg[0] = seg->x->zfirst;
	r->arg[1] = seg->npages;
	r->arg[2] = seg->size;
	return 0;
}

/* A request from partition @from; answer it (part->lock held). */
static int owner_request(struct clshm_part *part, u32 from,
			 const struct clshm_fab_msg *msg,
			 struct clshm_fab_msg *r)
{
	struct clshm_who who = {
		.uid = make_kuid(&init_user_ns, msg->uid),
		.gid = make_kgid(&init_user_ns, msg->gid),
		.part = from,
		.caps = msg->caps & (CLSHM_FAB_CAP_IPC_OWNER |
				     CLSHM_FAB_CAP_SYS_ADMIN),
	};
	struct clshm_ds ds;
	bool created;
	u32 out = 0;
	kuid_t uid;
	kgid_t gid;
	int err;

	lockdep_assert_held(&part->lock);
	if (!uid_valid(who.uid) || !gid_valid(who.gid))
		return -EINVAL;
	switch (msg->type) {
	case CLSHM_FM_MINTKEY:
		err = clshm_seg_mintkey(part, &out);
		r->arg[0] = out;
		return err;
	case CLSHM_FM_GET:
		/* IPC_PRIVATE is always created where it is asked for. */
		if (!msg->arg[1] || msg->arg[1] > U32_MAX ||
		    (msg->arg[2] & ~(u64)CLSHM_GET_FLAGS_ALL))
			return -EINVAL;
		err = clshm_seg_get(part, &who, msg->arg[1], msg->arg[0],
				    msg->arg[2], &out, &created);
		r->arg[0] = out;
		r->arg[1] = created;	/* the requester undoes a failed copy */
		return err;
	case CLSHM_FM_STAT:
		if (msg->arg[0] > U32_MAX)
			return -EINVAL;
		err = clshm_seg_stat(part, &who, msg->arg[0], &ds);
		if (!err) {
			memcpy(r->data, &ds, sizeof(ds));
			r->len = sizeof(ds);
		}
		return err;
	case CLSHM_FM_SET:
		uid = make_kuid(&init_user_ns, msg->arg[1]);
		gid = make_kgid(&init_user_ns, msg->arg[2]);
		if (msg->arg[0] > U32_MAX || msg->arg[1] > U32_MAX ||
		    msg->arg[2] > U32_MAX || (msg->arg[3] & ~0777ull) ||
		    !uid_valid(uid) || !gid_valid(gid))
			return -EINVAL;
		return clshm_seg_set(part, &who, msg->arg[0], uid, gid,
				     msg->arg[3]);
	case CLSHM_FM_RMID:
		if (msg->arg[0] > U32_MAX ||
		    (msg->arg[1] & ~(u64)CLSHM_RMID_FLAGS_ALL))
			return -EINVAL;
		return clshm_seg_rmid(part, &who, msg->arg[0], msg->arg[1]);
	case CLSHM_FM_ATTACH:
		if (msg->arg[0] > U32_MAX || msg->arg[1] > 0777)
			return -EINVAL;
		return owner_attach(part, &who, msg->arg[0], msg->arg[1], r);
	}
	return -EINVAL;
}

static void recv_request(struct clshm_part *part, u32 from,
			 const struct clshm_fab_msg *msg)
{
	struct clshm_fab_msg r;
	int err;

	if (!msg->req) {
		remote_bad(part, from, "request without an id");
		return;
	}
	msg_prepare(&r, CLSHM_FM_REPLY, NULL);
	r.req = msg->req;

	mutex_lock(&part->lock);
	if (clshm_part_reachable(part, from))
		goto out_unlock;	/* it went down: nobody to answer */
	err = owner_request(part, from, msg, &r);
	r.status = -err;
	/*
	 * This is the fabric worker, which serves every peer: never wait for
	 * a peer's mailbox.  A requester that does not read its replies
	 * times out on its own side.
	 */
	clshm_fab_send(part, from, &r);
out_unlock:
	mutex_unlock(&part->lock);
}

static void recv_nattch(struct clshm_part *part, u32 from,
			const struct clshm_fab_msg *msg)
{
	struct clshm_seg *seg;
	u32 old;

	if (msg->arg[0] > U32_MAX || msg->arg[1] > CLSHM_RATTACH_MAX) {
		remote_bad(part, from, "attach count out of range");
		return;
	}
	mutex_lock(&part->lock);
	seg = clshm_seg_find(part, msg->arg[0]);
	if (seg && seg->x) {
		old = seg->x->rattach[from];
		seg->x->rattach[from] = msg->arg[1];
		seg->rnattch = seg->rnattch - old + msg->arg[1];
		if (msg->arg[1] != old)
			clshm_event_seg(seg, msg->arg[1] > old ?
					CLSHM_NL_CMD_EV_ATTACHED :
					CLSHM_NL_CMD_EV_DETACHED, 0, from);
		if (msg->arg[1] < old)
			clshm_seg_nattch_changed(seg);
	} else if (!seg && !msg->arg[1]) {
		/* Destroyed: maybe the acknowledgement of a KILL. */
		clshm_zone_zombies_release(part, from, msg->arg[0], false);
	}
	mutex_unlock(&part->lock);
}

static void recv_kill(struct clshm_part *part, u32 from,
		      const struct clshm_fab_msg *msg)
{
	struct clshm_seg *seg;

	if (msg->arg[0] > U32_MAX || CLSHM_ID_PART(msg->arg[0]) != from) {
		remote_bad(part, from, "kill of a segment it does not own");
		return;
	}
	mutex_lock(&part->lock);
	seg = xa_load(&part->remote.proxies, msg->arg[0]);
	if (seg) {
		pr_info("clshm: segment 0x%08x was torn down by its owner\n",
			seg->shmid);
		proxy_kill(seg);
	}
	/*
	 * Acknowledge, also without a proxy (an attach still in flight):
	 * from now on our engagement entry, if any, guards the pages.
	 */
	send_nattch(part, msg->arg[0], 0);
	mutex_unlock(&part->lock);
}

static void recv_wake(struct clshm_part *part, u32 from,
		      const struct clshm_fab_msg *msg)
{
	struct clshm_seg *seg;

	if (msg->arg[0] > U32_MAX) {
		remote_bad(part, from, "wake of a bad shmid");
		return;
	}
	mutex_lock(&part->lock);
	seg = clshm_seg_find(part, msg->arg[0]);
	if (!seg)
		seg = xa_load(&part->remote.proxies, msg->arg[0]);
	if (seg)
		clshm_seg_wake(seg);
	mutex_unlock(&part->lock);
}

/**
 * remote_recv - a message from another partition
 * @part: the local partition
 * @from: the sender, a partition that is up
 * @msg: a kernel copy whose header fabric.c checked (type, sender, length)
 *
 * Called by the fabric worker with no lock held.  Every argument is still
 * untrusted and checked here.
 */
static void remote_recv(struct clshm_part *part, u32 from,
		       const struct clshm_fab_msg *msg)
{
	switch (msg->type) {
	case CLSHM_FM_REPLY:
		recv_reply(part, from, msg);
		break;
	case CLSHM_FM_MINTKEY:
	case CLSHM_FM_GET:
	case CLSHM_FM_STAT:
	case CLSHM_FM_SET:
	case CLSHM_FM_RMID:
	case CLSHM_FM_ATTACH:
		recv_request(part, from, msg);
		break;
	case CLSHM_FM_NATTCH:
		recv_nattch(part, from, msg);
		break;
	case CLSHM_FM_KILL:
		recv_kill(part, from, msg);
		break;
	case CLSHM_FM_WAKE:
		recv_wake(part, from, msg);
		break;
	default:
		remote_bad(part, from, "unexpected message type");
	}
}

/**
 * remote_peer_down - partition @id is down
 * @part: the local partition (part->lock held)
 * @id: the partition, already marked down
 *
 * Fails the requests pending on it, drops its attaches to our segments,
 * and turns our proxies of its segments into orphans.
 */
static void remote_peer_down(struct clshm_part *part, u32 id)
{
	struct clshm_rreq *rq, *rtmp;
	struct clshm_xseg *x, *tmp;
	struct clshm_seg *seg;
	unsigned long idx;

	lockdep_assert_held(&part->lock);
	list_for_each_entry_safe(rq, rtmp, &part->remote.rreqs, node) {
		if (rq->to != id)
			continue;
		rq->status = -EIO;
		list_del_init(&rq->node);
		complete(&rq->done);
		clshm_fab_stat(part->fab, CLSHM_FS_REQS_FAILED, 1);
	}
	clshm_zone_zombies_release(part, id, 0, true);
	xa_for_each(&part->segs, idx, seg) {
		if (!seg->x || !seg->x->rattach[id])
			continue;
		seg->rnattch -= seg->x->rattach[id];
		seg->x->rattach[id] = 0;
		clshm_event_seg(seg, CLSHM_NL_CMD_EV_DETACHED, 0, id);
		clshm_seg_nattch_changed(seg);
	}
	list_for_each_entry_safe(x, tmp, &part->remote.proxy_list, pnode) {
		seg = x->seg;
		if (CLSHM_ID_PART(seg->shmid) != id)
			continue;
		seg->x->orphan = true;
		proxy_unpublish(seg);
		if (!seg->nattch)
			proxy_drop(seg);
	}
}

/**
 * remote_tick - periodic work of the fabric worker
 * @part: the local partition (no lock held)
 *
 * Sends the attach counts a full mailbox held back.
 */
static void remote_tick(struct clshm_part *part)
{
	struct clshm_xseg *x, *tmp;
	struct clshm_seg *seg;

	mutex_lock(&part->lock);
	list_for_each_entry_safe(x, tmp, &part->remote.proxy_list, pnode) {
		seg = x->seg;
		if (!seg->x->nattch_dirty || seg->x->orphan || seg->dead)
			continue;
		if (send_nattch(part, seg->shmid, seg->nattch))
			continue;
		seg->x->nattch_dirty = false;
		if (!seg->nattch)
			proxy_drop(seg);
	}
	mutex_unlock(&part->lock);
}


/* ---------------------------------------------------------------------
 * The tables, joining and leaving
 */

const struct clshm_owner_ops clshm_remote_owner = {
	.get = remote_get,
	.stat = remote_stat,
	.set = remote_set,
	.rmid = remote_rmid,
	.attach = remote_attach,
	.attach_prepare = remote_attach_prepare,
	.attach_abort = remote_attach_abort,
	.mintkey = remote_mintkey,
	.attached = proxy_vm_changed,
	.detached = proxy_vm_changed,
};

static const struct clshm_fab_client remote_client = {
	.recv = remote_recv,
	.peer_down = remote_peer_down,
	.tick = remote_tick,
};

static const struct clshm_xops remote_xops = {
	.ids_changed = remote_ids_changed,
	.seg_destroyed = remote_seg_destroyed,
};

/**
 * clshm_remote_join - join the fabric at startup
 * @part: the local partition (part->lock held), with a fabric
 *
 * Sets up our zone, claims our slot (which may set partid) and continues
 * the id counters of our last boot.  From here on segments live in the
 * fabric and other partitions' ids are reachable.
 *
 * Return: 0, or what the zone or the fabric's join gives.
 */
int clshm_remote_join(struct clshm_part *part)
{
	int err;

	lockdep_assert_held(&part->lock);
	err = clshm_zone_join(part);
	if (err)
		return err;
	err = clshm_fab_join(part, &remote_client);
	if (err) {
		clshm_zone_leave(part);
		return err;
	}
	remote_ids_resume(part);
	part->remote_owner = &clshm_remote_owner;
	part->xops = &remote_xops;
	return 0;
}

/**
 * clshm_remote_leave - leave the fabric at shutdown
 * @part: the local partition (part->lock held), its segments cleared
 * @force: a forced shutdown (for the log)
 *
 * Every attach of another partition's segment is zapped first: our
 * engagement table is cleared by the leave.
 */
void clshm_remote_leave(struct clshm_part *part, bool force)
{
	lockdep_assert_held(&part->lock);
	proxies_kill(part);
	clshm_fab_leave(part, force);
	clshm_zone_leave(part);
	part->remote_owner = NULL;
	part->xops = NULL;
}
