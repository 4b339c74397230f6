// SPDX-License-Identifier: GPL-2.0
/*
 * remote.c - segments across partitions
 *
 * Object model
 * ------------
 * On a fabric, every segment a partition owns lives in that partition's
 * zone of the fabric (the fabric backend below): an extent of zone pages
 * from part->zone_map, zeroed at creation.  Processes of the owner map it
 * like any segment; the pages are bus addresses of the ivshmem BAR with
 * no struct page, mapped VM_PFNMAP with vmf_insert_pfn().
 *
 * A process of another partition reaches an owned segment through its own
 * kernel, which sends requests (struct clshm_fab_msg) to the owner's
 * mailbox and waits for the REPLY (struct clshm_rreq, on part->rreqs).
 * The owner runs the same System V code as for its own processes (seg.c),
 * judging the requester by the uid, gid and capabilities its kernel
 * vouches for.  An attach from another partition asks the owner (ATTACH:
 * permission, then the extent), and the attaching kernel keeps a *proxy*:
 * a struct clshm_seg with proxy set, in part->proxies by shmid, whose
 * mapping file and VMAs work exactly like an owned segment's.  The proxy
 * publishes its extent in the local slot's engagement table, so the
 * owner (also a rebooted one) never hands those pages out again while we
 * map them.  The proxy reports its attach count to the owner as an
 * absolute number (NATTCH), so lost or repeated reports heal themselves;
 * the owner keeps them in seg->rattach[] and sums them into shm_nattch.
 *
 * Failure policy: when a partition is declared down, requests pending on
 * it fail with EIO and its attaches to our segments are dropped (which
 * may destroy removed segments).  Our attaches to *its* segments stay:
 * the memory is still in the fabric, so the proxies become orphans (no
 * longer findable, no more reports) whose mappings keep working until
 * they are detached; their engagement keeps the owner's next incarnation
 * off those pages.  A segment destroyed by force on its owner is zapped
 * on every partition (KILL): later accesses get SIGBUS.
 *
 * Locking
 * -------
 * part->lock protects the request list, the proxies (table, list, and
 * every proxy field), the zone map, rattach/rnattch of owned segments and
 * the peer states read here.  Requests are sent with part->lock held and
 * waited for without it; the fabric worker delivers replies and requests
 * with no lock held and takes part->lock itself.  seg->waitq has its own
 * lock; waiters hold no clshm lock.
 */
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
#include "fabric.h"

/* A waiter looks at its word on its own this often (lost doorbells). */
#define CLSHM_WAIT_POLL_MS	10
/* Foreign engagements the zone allocator considers at most. */
#define CLSHM_ENGAGED_MAX	4096
/* How much longer than the timeout a request waits (see remote_call). */
#define CLSHM_DOWN_SLACK_MS	300
/* Attach counts a partition may report for one segment. */
#define CLSHM_RATTACH_MAX	(1u << 24)

/**
 * struct clshm_rreq - a request waiting for another partition's reply
 * @node: in part->rreqs (part->lock); empty once answered or given up
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

/**
 * struct clshm_zombie - zone pages of a segment destroyed by force while
 *                       other partitions had it attached
 * @node: in part->zombies (part->lock)
 * @shmid: the destroyed segment
 * @first: first page of its extent
 * @npages: length of the extent
 * @waiting: partitions that have not yet acknowledged the KILL
 *
 * An attacher may have received the segment's extent in an ATTACH reply
 * without having published its engagement entry yet; the pages are only
 * given back once every attacher acknowledged the KILL (a NATTCH of 0,
 * after which its engagement entry, if any, guards them) or went down.
 */
struct clshm_zombie {
	struct list_head node;
	u32 shmid;
	u64 first;
	unsigned long npages;
	DECLARE_BITMAP(waiting, CLSHM_FAB_MAX_PARTS);
};

int clshm_part_reachable(struct clshm_part *part, u32 id)
{
	lockdep_assert_held(&part->lock);
	if (part->state != CLSHM_STATE_UP)
		return -ENODEV;
	if (id == part->partid)
		return 0;
	if (!part->fab || id >= part->fab->nparts)
		return -ENOENT;
	return part->fab->peers[id].state == CLSHM_PART_UP ? 0 : -ENOENT;
}

static void remote_bad(struct clshm_part *part, u32 from, const char *what)
{
	clshm_fab_stat(part->fab, CLSHM_FS_MSGS_BAD, 1);
	pr_warn_ratelimited("clshm: fabric: dropped a bad message from partition %u: %s\n",
			    from, what);
}

/* ---------------------------------------------------------------------
 * The zone: which pages of our zone hold segments (part->lock held)
 */

static void zone_buffers_free(struct clshm_part *part)
{
	bitmap_free(part->zone_map);
	bitmap_free(part->zone_scratch);
	kvfree(part->zone_engaged);
	part->zone_map = NULL;
	part->zone_scratch = NULL;
	part->zone_engaged = NULL;
}

int clshm_remote_join(struct clshm_part *part)
{
	lockdep_assert_held(&part->lock);
	part->zone_pages = clshm_fab_zone_pages(part->fab);
	/* The allocator's scratch space is made here, not at every create. */
	part->zone_map = bitmap_zalloc(part->zone_pages, GFP_KERNEL);
	part->zone_scratch = bitmap_alloc(part->zone_pages, GFP_KERNEL);
	part->zone_engaged = kvmalloc_array(CLSHM_ENGAGED_MAX,
					    sizeof(*part->zone_engaged),
					    GFP_KERNEL);
	if (!part->zone_map || !part->zone_scratch || !part->zone_engaged) {
		zone_buffers_free(part);
		return -ENOMEM;
	}
	part->zone_used = 0;
	part->backend = &clshm_fabric_backend;
	return 0;
}

static void zombie_free(struct clshm_part *part, struct clshm_zombie *z)
{
	lockdep_assert_held(&part->lock);
	clshm_remote_zone_free(part, z->first, z->npages);
	list_del(&z->node);
	kfree(z);
}

/* Partition @id acknowledged the KILL of @shmid, or went down. */
static void zombies_release(struct clshm_part *part, u32 id, u32 shmid,
			    bool all)
{
	struct clshm_zombie *z, *tmp;

	lockdep_assert_held(&part->lock);
	list_for_each_entry_safe(z, tmp, &part->zombies, node) {
		if (!all && z->shmid != shmid)
			continue;
		clear_bit(id, z->waiting);
		if (bitmap_empty(z->waiting, CLSHM_FAB_MAX_PARTS))
			zombie_free(part, z);
	}
}

/**
 * clshm_remote_ids_resume - continue the id counters of our last boot
 * @part: the local partition, just joined (part->lock held)
 *
 * The slot keeps the next shmid serial and minted key serial (written by
 * clshm_remote_ids_publish()).  A rebooted partition continues from them,
 * so a shmid or key that another partition kept from our previous
 * incarnation names nothing instead of a new segment.  Values are checked
 * (only we write them, but anyone can): out of range means start over.
 */
void clshm_remote_ids_resume(struct clshm_part *part)
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
void clshm_remote_ids_publish(struct clshm_part *part)
{
	struct clshm_fab_slot *slot;

	lockdep_assert_held(&part->lock);
	if (!part->fab || part->state != CLSHM_STATE_UP)
		return;
	slot = clshm_fab_slot(part->fab, part->partid);
	WRITE_ONCE(slot->serial_next, part->serial_next);
	WRITE_ONCE(slot->mint_next, part->mint_next);
}

void clshm_remote_leave(struct clshm_part *part)
{
	struct clshm_zombie *z, *tmp;

	lockdep_assert_held(&part->lock);
	list_for_each_entry_safe(z, tmp, &part->zombies, node)
		zombie_free(part, z);
	WARN_ON(part->zone_used);
	zone_buffers_free(part);
	part->backend = &clshm_local_backend;
}

/**
 * clshm_remote_zone_alloc - find room for a segment in our zone
 * @part: the local partition (part->lock held)
 * @npages: pages wanted
 * @first: out: first page of the extent
 *
 * Pages that a partition we consider alive still maps (its engagement
 * table names them) are skipped even if no segment of ours holds them:
 * they belonged to a segment of our previous incarnation, or to one we
 * destroyed by force.
 *
 * Return: 0, or -ENOMEM if the zone has no such room.
 */
int clshm_remote_zone_alloc(struct clshm_part *part, unsigned long npages,
			    u64 *first)
{
	struct clshm_fab_engage *eng = part->zone_engaged;
	unsigned long *map = part->zone_scratch, start;
	int i, n;

	lockdep_assert_held(&part->lock);
	if (!part->zone_map || npages > part->zone_pages)
		return -ENOMEM;
	bitmap_copy(map, part->zone_map, part->zone_pages);
	n = clshm_fab_foreign_engaged(part, eng, CLSHM_ENGAGED_MAX);
	for (i = 0; i < n; i++)	/* checked by fabric.c against the zone */
		bitmap_set(map, eng[i].first, eng[i].npages);
	start = bitmap_find_next_zero_area(map, part->zone_pages, 0, npages, 0);
	if (start >= part->zone_pages)
		return -ENOMEM;
	bitmap_set(part->zone_map, start, npages);
	part->zone_used += npages;
	*first = start;
	return 0;
}

void clshm_remote_zone_free(struct clshm_part *part, u64 first,
			    unsigned long npages)
{
	lockdep_assert_held(&part->lock);
	if (WARN_ON(!part->zone_map))
		return;
	bitmap_clear(part->zone_map, first, npages);
	part->zone_used -= npages;
}

/* ---------------------------------------------------------------------
 * The fabric backend: owned segments and proxies
 */

static int fab_seg_init(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;
	struct file *shmem;
	char name[24];
	int err;

	if (!seg->proxy) {
		lockdep_assert_held(&part->lock);
		err = clshm_remote_zone_alloc(part, seg->npages, &seg->zfirst);
		if (err)
			return err;
		memset(clshm_fab_zone(part->fab, part->partid) +
		       (seg->zfirst << PAGE_SHIFT), 0,
		       seg->npages << PAGE_SHIFT);
	}
	/*
	 * An empty shmem file lends its address space: attaches are linked
	 * in its i_mmap, so rmap and unmap_mapping_range() reach them.
	 */
	snprintf(name, sizeof(name), "clshm:0x%08x", seg->shmid);
	shmem = shmem_file_setup(name, 0, VM_NORESERVE);
	if (IS_ERR(shmem)) {
		if (!seg->proxy)
			clshm_remote_zone_free(part, seg->zfirst, seg->npages);
		return PTR_ERR(shmem);
	}
	seg->mapping = shmem->f_mapping;
	seg->bdata = shmem;
	WRITE_ONCE(seg->nr_resident, seg->npages);
	if (!seg->proxy) {
		clshm_count(part, CLSHM_C_PAGES_ALLOC, seg->npages);
		clshm_count(part, CLSHM_C_PAGES_PINNED, seg->npages);
	}
	return 0;
}

/* Fabric memory is always there. */
static int fab_seg_populate(struct clshm_seg *seg, pgoff_t first,
			    unsigned long nr)
{
	return 0;
}

static int fab_seg_map(struct clshm_seg *seg, struct vm_area_struct *vma,
		       pgoff_t first, unsigned long nr)
{
	struct clshm_fabric *fab = seg->part->fab;
	unsigned long pfn;
	unsigned long i;
	vm_fault_t ret;

	lockdep_assert_held(&seg->pages_lock);
	pfn = PHYS_PFN(clshm_fab_zone_phys(fab, CLSHM_ID_PART(seg->shmid))) +
	      seg->zfirst + first;
	for (i = 0; i < nr; i++) {
		ret = vmf_insert_pfn(vma, vma->vm_start +
				     ((first + i) << PAGE_SHIFT), pfn + i);
		if (ret & VM_FAULT_ERROR)
			return ret & VM_FAULT_OOM ? -ENOMEM : -EFAULT;
	}
	return 0;
}

static void fab_seg_release(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;

	lockdep_assert_held(&seg->pages_lock);
	if (!seg->proxy) {
		/* A zombie (clshm_remote_seg_killed) gives the pages back. */
		if (!seg->zombie)
			clshm_remote_zone_free(part, seg->zfirst, seg->npages);
		clshm_count(part, CLSHM_C_PAGES_FREED, seg->npages);
		clshm_count(part, CLSHM_C_PAGES_PINNED, -(s64)seg->npages);
	}
	WRITE_ONCE(seg->nr_resident, 0);
}

static void fab_seg_free(struct clshm_seg *seg)
{
	fput(seg->bdata);
	seg->bdata = NULL;
}

const struct clshm_backend_ops clshm_fabric_backend = {
	.name = "fabric",
	.vm_flags = VM_PFNMAP | VM_IO | VM_DONTDUMP,
	.seg_init = fab_seg_init,
	.seg_populate = fab_seg_populate,
	.seg_map = fab_seg_map,
	.seg_release = fab_seg_release,
	.seg_free = fab_seg_free,
};

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
		if (has_capability_noaudit(current, CAP_IPC_OWNER))
			m->caps |= CLSHM_FAB_CAP_IPC_OWNER;
		if (has_capability_noaudit(current, CAP_SYS_ADMIN))
			m->caps |= CLSHM_FAB_CAP_SYS_ADMIN;
	}
}

/*
 * Send @msg to partition @to and wait for its reply in @rq.  Called with
 * no lock held.  A full mailbox is retried until the timeout.
 *
 * Return: 0 with rq->reply filled, or a negative errno: the owner's
 * answer, ENOENT (@to not up), EIO (@to went down), ETIMEDOUT, EINTR,
 * EAGAIN (its mailbox stayed full).
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
		rq->id = part->next_rreq++;
		msg->req = rq->id;
		err = clshm_fab_send(part, to, msg);
		if (err != -EAGAIN)
			break;
		mutex_unlock(&part->lock);
		if (time_after(jiffies, deadline))
			return -EAGAIN;
		if (msleep_interruptible(2))
			return -EINTR;
		mutex_lock(&part->lock);
	}
	if (err)
		goto out_unlock;
	list_add_tail(&rq->node, &part->rreqs);
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
		rq->status = left < 0 ? -EINTR : -ETIMEDOUT;
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
	list_for_each_entry(rq, &part->rreqs, node) {
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
 * The requesting side: what seg.c calls for another partition's ids
 */

int clshm_remote_get(struct clshm_part *part, u32 key, u64 size, u32 flags,
		     u32 *shmid)
{
	u32 owner = CLSHM_ID_PART(key);
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	struct clshm_who who;
	u64 id;
	int err;

	clshm_who_current(&who, part);
	msg_prepare(&m, CLSHM_FM_GET, &who);
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
	return 0;
}

int clshm_remote_mintkey(struct clshm_part *part, u32 owner, u32 *key)
{
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	struct clshm_who who;
	u64 k;
	int err;

	clshm_who_current(&who, part);
	msg_prepare(&m, CLSHM_FM_MINTKEY, &who);
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

int clshm_remote_stat(struct clshm_part *part, u32 shmid, struct clshm_ds *ds)
{
	struct user_namespace *ns = current_user_ns();
	u32 owner = CLSHM_ID_PART(shmid);
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	struct clshm_who who;
	int err;

	BUILD_BUG_ON(sizeof(*ds) > CLSHM_FAB_MSG_DATA);
	clshm_who_current(&who, part);
	msg_prepare(&m, CLSHM_FM_STAT, &who);
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

int clshm_remote_set(struct clshm_part *part, u32 shmid, kuid_t uid,
		     kgid_t gid, u32 mode)
{
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	struct clshm_who who;

	clshm_who_current(&who, part);
	msg_prepare(&m, CLSHM_FM_SET, &who);
	m.arg[0] = shmid;
	m.arg[1] = from_kuid(&init_user_ns, uid);
	m.arg[2] = from_kgid(&init_user_ns, gid);
	m.arg[3] = mode;
	return remote_call(part, CLSHM_ID_PART(shmid), &m, &rq);
}

int clshm_remote_rmid(struct clshm_part *part, u32 shmid, u32 flags)
{
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	struct clshm_who who;

	clshm_who_current(&who, part);
	msg_prepare(&m, CLSHM_FM_RMID, &who);
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
		xa_erase(&seg->part->proxies, seg->shmid);
		seg->in_table = false;
	}
}

/* A proxy lets go: out of the table, engagement, the table's reference. */
static void proxy_drop(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;

	lockdep_assert_held(&part->lock);
	proxy_unpublish(seg);
	if (seg->engage_idx >= 0) {
		clshm_fab_disengage(part, seg->engage_idx);
		seg->engage_idx = -1;
	}
	list_del(&seg->pnode);
	clshm_seg_put(seg);
}

/**
 * clshm_remote_vm_changed - a proxy gained or lost an attach
 * @seg: the proxy (part->lock held)
 *
 * Reports the new count to the owner (or leaves it to the fabric
 * worker's tick if the mailbox is full) and lets go of the proxy when
 * nothing maps it any more.
 */
void clshm_remote_vm_changed(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;

	lockdep_assert_held(&part->lock);
	if (!seg->orphan && !seg->dead) {
		seg->nattch_dirty = true;
		if (!send_nattch(part, seg->shmid, seg->nattch))
			seg->nattch_dirty = false;
	}
	if (!seg->nattch && (!seg->nattch_dirty || seg->orphan || seg->dead))
		proxy_drop(seg);
}

int clshm_remote_mmap(struct clshm_part *part, struct vm_area_struct *vma,
		      u32 want)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	u32 shmid = vma->vm_pgoff, owner = CLSHM_ID_PART(shmid);
	struct clshm_seg *seg = NULL;
	u64 first, npages, size;
	struct clshm_fab_msg m;
	struct clshm_rreq rq;
	struct clshm_who who;
	int err, idx;

	clshm_who_current(&who, part);
	msg_prepare(&m, CLSHM_FM_ATTACH, &who);
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
	first = rq.reply.arg[0];
	npages = rq.reply.arg[1];
	size = rq.reply.arg[2];
	err = -EIO;
	if (!npages || npages > part->zone_pages ||
	    first > part->zone_pages - npages || !size ||
	    size > npages << PAGE_SHIFT ||
	    size <= (npages - 1) << PAGE_SHIFT) {
		remote_bad(part, owner, "attach reply names pages outside its zone");
		goto out_correct;
	}
	err = -EINVAL;
	if (len != npages << PAGE_SHIFT)
		goto out_correct;
	err = -EIO;
	if (part->state != CLSHM_STATE_UP ||
	    clshm_part_reachable(part, owner))
		goto out_unlock;	/* it went down meanwhile */

	seg = xa_load(&part->proxies, shmid);
	if (seg && (seg->zfirst != first || seg->npages != npages)) {
		remote_bad(part, owner, "attach reply moved a segment");
		seg = NULL;
		goto out_correct;
	}
	if (!seg) {
		seg = clshm_seg_alloc(part, shmid, size,
				      &clshm_fabric_backend);
		if (IS_ERR(seg)) {
			err = PTR_ERR(seg);
			seg = NULL;
			goto out_correct;
		}
		seg->proxy = true;
		seg->zfirst = first;
		err = seg->backend->seg_init(seg);
		if (err)
			goto err_put_proxy;
		idx = clshm_fab_engage(part, owner, first, npages);
		err = idx;
		if (idx < 0)
			goto err_put_proxy;
		seg->engage_idx = idx;
		err = xa_insert(&part->proxies, shmid, seg, GFP_KERNEL);
		if (err) {
			clshm_fab_disengage(part, idx);
			goto err_put_proxy;
		}
		seg->in_table = true;
		list_add(&seg->pnode, &part->proxy_list);
	}
	err = clshm_seg_attach_vma(seg, vma);
	if (err) {
		if (!seg->nattch)
			proxy_drop(seg);
		goto out_correct;
	}
	clshm_remote_vm_changed(seg);
	mutex_unlock(&part->lock);
	return 0;

err_put_proxy:
	clshm_seg_put(seg);
	seg = NULL;
out_correct:
	/* The owner may have counted this attach: say what we really have. */
	seg = xa_load(&part->proxies, shmid);
	if (send_nattch(part, shmid, seg ? seg->nattch : 0) && seg)
		seg->nattch_dirty = true;
out_unlock:
	mutex_unlock(&part->lock);
	return err;
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
	struct clshm_seg *seg;
	u32 n = 0;

	lockdep_assert_held(&part->lock);
	list_for_each_entry(seg, &part->proxy_list, pnode)
		n += !!seg->nattch;
	return n;
}

/**
 * clshm_remote_proxies_kill - tear down every attach of remote segments
 * @part: the local partition, leaving the fabric (part->lock held)
 *
 * The owners hear that we have none left; our engagement table is about
 * to be cleared, so no mapping of other zones may survive it.
 */
void clshm_remote_proxies_kill(struct clshm_part *part)
{
	struct clshm_seg *seg, *tmp;

	lockdep_assert_held(&part->lock);
	list_for_each_entry_safe(seg, tmp, &part->proxy_list, pnode) {
		if (!seg->orphan && !seg->dead)
			send_nattch(part, seg->shmid, 0);
		if (seg->engage_idx >= 0) {
			clshm_fab_disengage(part, seg->engage_idx);
			seg->engage_idx = -1;
		}
		proxy_kill(seg);
	}
}

/* ---------------------------------------------------------------------
 * The owning side: requests from other partitions
 */

/**
 * clshm_remote_seg_killed - an owned segment is destroyed by force
 * @seg: the segment, attached by other partitions (part->lock held)
 *
 * Tells the attached partitions to zap it, and keeps its zone pages as a
 * zombie until they acknowledge (see struct clshm_zombie).  Without
 * memory for the zombie the pages are leaked until the partition shuts
 * down, which is safe.
 */
void clshm_remote_seg_killed(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;
	struct clshm_zombie *z;
	struct clshm_fab_msg m;
	u32 i;

	lockdep_assert_held(&part->lock);
	z = kzalloc(sizeof(*z), GFP_KERNEL);
	if (z) {
		z->shmid = seg->shmid;
		z->first = seg->zfirst;
		z->npages = seg->npages;
	}
	for (i = 0; i < CLSHM_FAB_MAX_PARTS; i++) {
		if (!seg->rattach[i])
			continue;
		msg_prepare(&m, CLSHM_FM_KILL, NULL);
		m.arg[0] = seg->shmid;
		/* A lost KILL keeps the zombie until @i goes down. */
		clshm_fab_send(part, i, &m);
		seg->rattach[i] = 0;
		if (z)
			set_bit(i, z->waiting);
	}
	seg->rnattch = 0;
	seg->zombie = true;
	if (z)
		list_add(&z->node, &part->zombies);
	else
		pr_warn("clshm: fabric: %lu pages of segment 0x%08x stay in use until shutdown\n",
			seg->npages, seg->shmid);
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
	if (seg->rattach[who->part] >= CLSHM_RATTACH_MAX)
		return -ENOSPC;
	seg->rattach[who->part]++;
	seg->rnattch++;
	seg->atime = ktime_get_real_seconds();
	r->arg[0] = seg->zfirst;
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
				    msg->arg[2], &out);
		r->arg[0] = out;
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
	if (seg && seg->rattach) {
		old = seg->rattach[from];
		seg->rattach[from] = msg->arg[1];
		seg->rnattch = seg->rnattch - old + msg->arg[1];
		if (msg->arg[1] < old)
			clshm_seg_nattch_changed(seg);
	} else if (!seg && !msg->arg[1]) {
		/* Destroyed: maybe the acknowledgement of a KILL. */
		zombies_release(part, from, msg->arg[0], false);
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
	seg = xa_load(&part->proxies, msg->arg[0]);
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

static void seg_wake(struct clshm_seg *seg)
{
	atomic_inc(&seg->wake_seq);
	wake_up_all(&seg->waitq);
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
		seg = xa_load(&part->proxies, msg->arg[0]);
	if (seg)
		seg_wake(seg);
	mutex_unlock(&part->lock);
}

/**
 * clshm_remote_recv - a message from another partition
 * @part: the local partition
 * @from: the sender, a partition that is up
 * @msg: a kernel copy whose header fabric.c checked (type, sender, length)
 *
 * Called by the fabric worker with no lock held.  Every argument is still
 * untrusted and checked here.
 */
void clshm_remote_recv(struct clshm_part *part, u32 from,
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
 * clshm_remote_peer_down - partition @id is down
 * @part: the local partition (part->lock held)
 * @id: the partition, already marked down
 *
 * Fails the requests pending on it, drops its attaches to our segments,
 * and turns our proxies of its segments into orphans.
 */
void clshm_remote_peer_down(struct clshm_part *part, u32 id)
{
	struct clshm_seg *seg, *tmp;
	struct clshm_rreq *rq, *rtmp;
	unsigned long idx;

	lockdep_assert_held(&part->lock);
	list_for_each_entry_safe(rq, rtmp, &part->rreqs, node) {
		if (rq->to != id)
			continue;
		rq->status = -EIO;
		list_del_init(&rq->node);
		complete(&rq->done);
		clshm_fab_stat(part->fab, CLSHM_FS_REQS_FAILED, 1);
	}
	zombies_release(part, id, 0, true);
	xa_for_each(&part->segs, idx, seg) {
		if (!seg->rattach || !seg->rattach[id])
			continue;
		seg->rnattch -= seg->rattach[id];
		seg->rattach[id] = 0;
		clshm_seg_nattch_changed(seg);
	}
	list_for_each_entry_safe(seg, tmp, &part->proxy_list, pnode) {
		if (CLSHM_ID_PART(seg->shmid) != id)
			continue;
		seg->orphan = true;
		proxy_unpublish(seg);
		if (!seg->nattch)
			proxy_drop(seg);
	}
}

/**
 * clshm_remote_tick - periodic work of the fabric worker
 * @part: the local partition (no lock held)
 *
 * Sends the attach counts a full mailbox held back.
 */
void clshm_remote_tick(struct clshm_part *part)
{
	struct clshm_seg *seg, *tmp;

	mutex_lock(&part->lock);
	list_for_each_entry_safe(seg, tmp, &part->proxy_list, pnode) {
		if (!seg->nattch_dirty || seg->orphan || seg->dead)
			continue;
		if (send_nattch(part, seg->shmid, seg->nattch))
			continue;
		seg->nattch_dirty = false;
		if (!seg->nattch)
			proxy_drop(seg);
	}
	mutex_unlock(&part->lock);
}

/* ---------------------------------------------------------------------
 * Wait and wake: the futex of fabric segments
 */

/*
 * The segment attached at @addr in the caller's mm, with a reference on
 * its mapping file, and the attach's end address.
 */
static struct clshm_seg *seg_at(unsigned long addr, unsigned long *end)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct clshm_seg *seg = NULL;

	if (mmap_read_lock_killable(mm))
		return ERR_PTR(-EINTR);
	vma = vma_lookup(mm, addr);
	if (vma)
		seg = clshm_vma_seg(vma);
	if (seg) {
		get_file(seg->file);
		*end = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return seg ?: ERR_PTR(-EINVAL);
}

int clshm_ioc_wait(struct clshm_part *part, void __user *argp)
{
	unsigned long end, deadline = 0, left;
	u32 __user *uaddr;
	struct clshm_seg *seg;
	struct clshm_wait a;
	u32 val;
	int seq, err;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || (a.addr & 3) || a.addr >= TASK_SIZE)
		return -EINVAL;
	seg = seg_at(a.addr, &end);
	if (IS_ERR(seg))
		return PTR_ERR(seg);
	err = -EINVAL;
	if (a.addr + sizeof(u32) > end)
		goto out_put;
	uaddr = u64_to_user_ptr(a.addr);
	if (a.timeout_ms != CLSHM_WAIT_FOREVER)
		deadline = jiffies + msecs_to_jiffies(a.timeout_ms);

	atomic_inc(&seg->nwaiters);
	for (;;) {
		/* Read the sequence first: a wake after it ends the sleep. */
		seq = atomic_read(&seg->wake_seq);
		err = -EFAULT;
		if (get_user(val, uaddr))
			break;
		err = 0;
		if (val != a.expected)
			break;
		left = msecs_to_jiffies(CLSHM_WAIT_POLL_MS);
		if (a.timeout_ms != CLSHM_WAIT_FOREVER) {
			err = -ETIMEDOUT;
			if (time_after_eq(jiffies, deadline))
				break;
			left = min(left, deadline - jiffies);
		}
		err = -EINTR;
		if (wait_event_interruptible_timeout(seg->waitq,
				atomic_read(&seg->wake_seq) != seq, left) < 0)
			break;
	}
	atomic_dec(&seg->nwaiters);
out_put:
	fput(seg->file);
	return err;
}

int clshm_ioc_wake(struct clshm_part *part, void __user *argp)
{
	struct clshm_fab_msg m;
	struct clshm_seg *seg;
	struct clshm_wake a;
	unsigned long end;
	u32 i;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.addr >= TASK_SIZE)
		return -EINVAL;
	seg = seg_at(a.addr, &end);
	if (IS_ERR(seg))
		return PTR_ERR(seg);
	a.woken = atomic_read(&seg->nwaiters);
	seg_wake(seg);

	/* Other partitions' waiters: every partition that may map it. */
	mutex_lock(&part->lock);
	if (part->fab && part->state == CLSHM_STATE_UP &&
	    (seg->proxy || seg->rnattch)) {
		for (i = 0; i < part->fab->nparts; i++) {
			if (i == part->partid || clshm_part_reachable(part, i))
				continue;
			msg_prepare(&m, CLSHM_FM_WAKE, NULL);
			m.arg[0] = seg->shmid;
			/* Lost wakes are caught by the waiters' own polling. */
			clshm_fab_send(part, i, &m);
		}
	}
	mutex_unlock(&part->lock);
	fput(seg->file);
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}
