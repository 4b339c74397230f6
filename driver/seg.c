// SPDX-License-Identifier: GPL-2.0
/*
 * seg.c - clshm segments: System V semantics, attach by mmap, detach
 *
 * A segment is found by key (part->keys, live keys only) or by shmid
 * serial (part->segs, from creation until destruction).  Both are
 * xarrays, so lookups do not depend on how many segments exist.
 *
 * Lifetime.  A segment gets its mapping file (seg->file) at its first
 * attach; creating and removing a segment nobody attached costs no file
 * beyond the backend's.  Once the file exists, the tables own its first
 * reference and every attach is a VMA whose vm_file is seg->file, so it
 * holds a reference too; the file's release (after the last VMA and the
 * tables let go) frees the backend structures and the segment.  Without
 * a file, destroying the segment frees it at once.  A segment is destroyed
 * (taken out of the tables, memory released, tables' reference dropped)
 * when it is removed and its last attach goes, or at once by force
 * (shutdown --force), which first zaps every user mapping so later
 * accesses get SIGBUS.
 *
 * Attach counting.  nattch counts VMAs, as System V's shm_nattch does:
 * mmap and vm_ops->open (fork, mremap move, and the split of an attach
 * by a partial munmap, mprotect or madvise) add one, vm_ops->close
 * (munmap, exit, kill) takes one.  So an attach whose middle page was
 * made read-only counts three, as on Linux.  An attach cannot be grown
 * (VM_DONTEXPAND).  A VMA maps the segment's pages from vm_pgoff on, so
 * the pieces of a split attach, and a remap_file_pages() of one (the
 * mapping file's ->mmap), fault and map only their own range.
 *
 * Mapping.  ->mmap inserts no PTE: the VMA is linked into the segment's
 * rmap only after ->mmap returns, and a PTE inserted before then could
 * escape a forced teardown's zap.  Instead the new attach is tagged (bit 0
 * of vm_private_data) and its first fault maps every resident page in one
 * go; later faults make 64 KiB batches resident and map them.  So a
 * forced teardown always reaches every PTE and frees the memory at once.
 *
 * Owners.  Nothing here knows where a segment's owner is: the
 * operations on a key or shmid are chosen from struct clshm_owner_ops by
 * the layer above, and this file is the local owner (clshm_local_owner).
 * A proxy of another partition's segment (remote.c) uses the same
 * structure, attach and fault code with the remote owner's table; the
 * attach counting hooks of that table (attached, detached) are how its
 * owner hears of it.  What an owned segment must tell the fabric side
 * goes through part->xops.
 *
 * Locking: part->lock protects the tables and all segment metadata;
 * seg->pages_lock the resident memory (see the table in clshm.h).  The
 * functions named clshm_seg_* expect part->lock held (asserted); the
 * local owner's operations take it themselves.  User memory is only
 * touched with no lock held.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/personality.h>
#include <linux/sched.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "clshm.h"
#include "trace.h"

static const struct vm_operations_struct clshm_vm_ops;
static void seg_detached_owned(struct clshm_seg *seg);

/* vm_private_data: the segment, bit 0 set until the attach's first fault. */
#define CLSHM_VMA_FRESH	1UL

static struct clshm_seg *vma_seg(struct vm_area_struct *vma)
{
	if (vma->vm_ops != &clshm_vm_ops)
		return NULL;
	return (void *)((unsigned long)READ_ONCE(vma->vm_private_data) &
			~CLSHM_VMA_FRESH);
}

/*
 * Free a segment nothing maps any more.  The structure goes after an RCU
 * grace period (as System V's does), which keeps the slab work out of the
 * IPC_RMID or munmap that let go of it.
 */
static void seg_free(struct clshm_seg *seg)
{
	if (seg->bdata)
		seg->backend->seg_free(seg);
	mutex_destroy(&seg->pages_lock);
	kfree(seg->x);
	kfree_rcu(seg, rcu);
}

static int clshm_seg_file_release(struct inode *inode, struct file *file)
{
	seg_free(file->private_data);
	return 0;
}

static int clshm_seg_file_mmap(struct file *file, struct vm_area_struct *vma);

/*
 * The mapping file of a segment: only ever reached through VMAs.  Its
 * ->mmap serves remap_file_pages(), which the kernel emulates with an
 * mmap of the VMA's file at the new offset.
 */
static const struct file_operations clshm_seg_fops = {
	.owner = THIS_MODULE,
	.mmap = clshm_seg_file_mmap,
	.release = clshm_seg_file_release,
	.llseek = noop_llseek,
};

/* ---------------------------------------------------------------------
 * Permission and lookup helpers (part->lock held)
 */

/**
 * clshm_who_current - the calling process as a requester
 * @who: filled in
 * @part: the local partition
 */
void clshm_who_current(struct clshm_who *who, struct clshm_part *part)
{
	who->uid = current_euid();
	who->gid = current_egid();
	who->part = part->partid;
	who->caps = 0;		/* a local requester is asked by who_capable() */
	who->local = true;
	who->pid = task_tgid_vnr(current);
}

/*
 * Does the requester hold a capability (CLSHM_FAB_CAP_*)?  A local one is
 * asked only when a check needs it, as System V does, so the audit log
 * sees only real uses; a remote one is taken at its kernel's word.
 */
static bool who_capable(const struct clshm_who *who, u32 cap)
{
	if (!who->local)
		return who->caps & cap;
	return capable(cap == CLSHM_FAB_CAP_IPC_OWNER ? CAP_IPC_OWNER :
						      CAP_SYS_ADMIN);
}

static bool who_in_group(const struct clshm_who *who, kgid_t gid)
{
	return who->local ? in_group_p(gid) : gid_eq(who->gid, gid);
}

/*
 * System V permission check: @flag holds the wanted rwx bits in any of
 * the owner, group and other positions; CAP_IPC_OWNER overrides.  A
 * remote requester is judged by the uid, gid and capabilities its kernel
 * vouches for (supplementary groups do not travel).
 */
bool clshm_seg_perm_ok(struct clshm_seg *seg, const struct clshm_who *who,
		       u32 flag)
{
	u32 requested = ((flag >> 6) | (flag >> 3) | flag) & 0007;
	u32 granted = seg->mode;

	lockdep_assert_held(&seg->part->lock);
	if (uid_eq(who->uid, seg->cuid) || uid_eq(who->uid, seg->uid))
		granted >>= 6;
	else if (who_in_group(who, seg->cgid) || who_in_group(who, seg->gid))
		granted >>= 3;
	if (!(requested & ~granted & 0007))
		return true;
	return who_capable(who, CLSHM_FAB_CAP_IPC_OWNER);
}

/* May the requester change or remove the segment (IPC_SET, IPC_RMID)? */
static bool seg_may_change(struct clshm_seg *seg, const struct clshm_who *who)
{
	lockdep_assert_held(&seg->part->lock);
	return uid_eq(who->uid, seg->uid) || uid_eq(who->uid, seg->cuid) ||
	       who_capable(who, CLSHM_FAB_CAP_SYS_ADMIN);
}

/* An owned segment by shmid (part->lock held). */
struct clshm_seg *clshm_seg_find(struct clshm_part *part, u32 shmid)
{
	lockdep_assert_held(&part->lock);
	if (CLSHM_ID_PART(shmid) != part->partid || !CLSHM_ID_SERIAL(shmid))
		return NULL;
	return xa_load(&part->segs, CLSHM_ID_SERIAL(shmid));
}

/* Attaches of an owned segment, summed over all partitions. */
static u32 seg_nattch_total(struct clshm_seg *seg)
{
	lockdep_assert_held(&seg->part->lock);
	return seg->nattch + seg->rnattch;
}

/* Why seg_find() found nothing: no such shmid, or not started at all. */
static int seg_find_err(struct clshm_part *part)
{
	lockdep_assert_held(&part->lock);
	return part->state == CLSHM_STATE_UP ? -EINVAL : -ENODEV;
}

/* ---------------------------------------------------------------------
 * Create, remove, destroy (part->lock held)
 */

/**
 * clshm_seg_put - drop the tables' hold on a segment
 * @seg: a segment out of every table
 *
 * With a mapping file, its release frees the segment after the last
 * attach; without one, nothing maps it and it goes now.
 */
void clshm_seg_put(struct clshm_seg *seg)
{
	if (seg->file)
		fput(seg->file);
	else
		seg_free(seg);
}

/*
 * The mapping file of a segment, made at its first attach (part->lock
 * held): a second file on the inode of the backend's shmem file, with
 * clshm's operations, as shmem_file_setup() makes its own.  So its
 * f_mapping is the backend's address space (rmap and
 * unmap_mapping_range() reach every attach), and what the kernel reads
 * of a shmem mapping's inode through an attach (/proc/PID/smaps asks
 * shmem for its swap use) is a shmem inode.  /proc/PID/maps shows it
 * as "/clshm:0xSHMID (deleted)", as System V's "/SYSVKEY (deleted)".
 */
static int seg_get_file(struct clshm_seg *seg)
{
	struct inode *inode = file_inode(seg->memfile);
	struct file *file;
	char name[24];

	lockdep_assert_held(&seg->part->lock);
	if (seg->file)
		return 0;
	snprintf(name, sizeof(name), "clshm:0x%08x", seg->shmid);
	/*
	 * The file's references: the module (alloc_file_pseudo() takes none,
	 * __fput() drops one through fops_put()) and the inode (its dentry's).
	 */
	__module_get(THIS_MODULE);
	ihold(inode);
	file = alloc_file_pseudo(inode, seg->memfile->f_path.mnt, name,
				 O_RDWR, &clshm_seg_fops);
	if (IS_ERR(file))
		goto err_put_refs;
	file->private_data = seg;
	seg->file = file;
	return 0;

err_put_refs:
	iput(inode);
	module_put(THIS_MODULE);
	return PTR_ERR(file);
}

/**
 * clshm_seg_alloc - a segment structure
 * @part: the local partition
 * @shmid: the segment's shmid
 * @size: its size in bytes
 * @ops: the backend its memory comes from
 * @owner: the operations of its owner (clshm_local_owner, or a remote
 *         owner's for a proxy)
 *
 * Nothing is reserved yet: the caller sets what the backend needs and
 * calls ops->seg_init().  From here on, clshm_seg_put() frees it all.
 *
 * Return: the segment or an ERR_PTR.
 */
struct clshm_seg *clshm_seg_alloc(struct clshm_part *part, u32 shmid,
				  u64 size, const struct clshm_backend_ops *ops,
				  const struct clshm_owner_ops *owner)
{
	struct clshm_seg *seg;

	seg = kzalloc(sizeof(*seg) + ops->priv_size, GFP_KERNEL_ACCOUNT);
	if (!seg)
		return ERR_PTR(-ENOMEM);
	seg->part = part;
	seg->backend = ops;
	seg->owner = owner;
	seg->shmid = shmid;
	seg->size = size;
	seg->npages = (size >> PAGE_SHIFT) + !!(size & ~PAGE_MASK);
	seg->fault_batch = CLSHM_FAULT_BATCH;
	mutex_init(&seg->pages_lock);
	init_waitqueue_head(&seg->waitq);
	return seg;
}

/*
 * SHM_HUGETLB: may @who have a segment of huge pages here?  As shmget(2):
 * CAP_IPC_LOCK or EPERM; memory that cannot be huge (fabric memory, a
 * kernel without transparent huge pages) is ENOMEM, as an empty huge
 * page pool is for System V.
 */
static int seg_huge_ok(struct clshm_part *part, const struct clshm_who *who)
{
	lockdep_assert_held(&part->lock);
	if (!who->local || !capable(CAP_IPC_LOCK))
		return -EPERM;
	if (part->backend != &clshm_local_backend || !clshm_local_huge())
		return -ENOMEM;
	return 0;
}

/* A limit (CLSHM_NL_LIMIT_*) refuses a create: say so, return @err. */
static int seg_refused(struct clshm_part *part, const struct clshm_who *who,
		       u32 key, u64 size, u32 limit, int err)
{
	clshm_event_refused(part, limit, who, key, size);
	return err;
}

static int seg_create(struct clshm_part *part, const struct clshm_who *who,
		      u32 key, u64 size, u32 mode, u32 *shmid)
{
	unsigned long npages;
	struct clshm_seg *seg;
	u32 serial;
	int err;

	lockdep_assert_held(&part->lock);
	if (!size)
		return -EINVAL;
	npages = (size >> PAGE_SHIFT) + !!(size & ~PAGE_MASK);
	/* Huge: whole huge pages back it, and are charged, as on Linux. */
	if (mode & CLSHM_GET_HUGETLB)
		npages = round_up(npages, PMD_SIZE >> PAGE_SHIFT);
	if (npages > part->maxpgs)
		return seg_refused(part, who, key, size, CLSHM_NL_LIMIT_SIZE,
				   -EINVAL);
	if (part->nsegs >= part->maxsegs)
		return seg_refused(part, who, key, size, CLSHM_NL_LIMIT_MAXSEGS,
				   -ENOSPC);
	if (part->pages_reserved + npages > part->maxpgs)
		return seg_refused(part, who, key, size, CLSHM_NL_LIMIT_MAXPGS,
				   -ENOMEM);
	if (mode & CLSHM_GET_HUGETLB) {
		err = seg_huge_ok(part, who);
		if (err)
			return err;
	}

	/*
	 * Reserve a serial (a NULL entry) first: the mapping file's name
	 * carries the shmid.  The top serial is left out so no shmid reads
	 * as -1 (partition 255).
	 */
	err = xa_alloc_cyclic(&part->segs, &serial, NULL,
			      XA_LIMIT(1, CLSHM_ID_SERIAL_MASK - 1),
			      &part->serial_next, GFP_KERNEL);
	if (err < 0)
		return err == -EBUSY ? -ENOSPC : err;

	seg = clshm_seg_alloc(part, CLSHM_ID_MAKE(part->partid, serial), size,
			      part->backend, &clshm_local_owner);
	if (IS_ERR(seg)) {
		err = PTR_ERR(seg);
		goto err_erase_serial;
	}
	seg->cuid = seg->uid = who->uid;
	seg->cgid = seg->gid = who->gid;
	seg->cpid = who->pid;
	seg->key = key;
	seg->mode = mode & 0777;
	seg->ctime = ktime_get_real_seconds();
	if (mode & CLSHM_GET_HUGETLB) {
		seg->state |= CLSHM_SEG_HUGETLB;	/* seg_init reads it */
		seg->npages = npages;
	}
	err = seg->backend->seg_init(seg);
	if (err)
		goto err_put_seg;
	if (key) {
		err = xa_insert(&part->keys, key, seg, GFP_KERNEL);
		if (err)
			goto err_put_seg;
	}
	xa_store(&part->segs, serial, seg, GFP_KERNEL);	/* reserved: no alloc */

	seg->in_table = true;
	part->nsegs++;
	part->pages_reserved += npages;
	part->max_serial = max(part->max_serial, serial);
	if (part->xops)
		part->xops->ids_changed(part);
	clshm_count(part, CLSHM_C_SEGS_LIVE, 1);
	clshm_count(part, CLSHM_C_SEGS_CREATED, 1);
	clshm_ring_post(part, CLSHM_MSG_SEG_CREATE, 0, seg, size, seg->cpid);
	clshm_event_seg(seg, CLSHM_NL_CMD_EV_CREATED, seg->cpid, who->part);
	*shmid = seg->shmid;
	return 0;

err_put_seg:
	if (seg->bdata) {
		mutex_lock(&seg->pages_lock);
		seg->backend->seg_release(seg);
		mutex_unlock(&seg->pages_lock);
	}
	clshm_seg_put(seg);
err_erase_serial:
	xa_erase(&part->segs, serial);
	return err;
}

/*
 * The highest serial in use went: find the next one down, as Linux's
 * ipc_rmid() does for IPC_INFO's highest index (part->lock held).
 */
static void segs_max_serial_update(struct clshm_part *part)
{
	struct clshm_seg *seg;
	unsigned long idx;

	lockdep_assert_held(&part->lock);
	part->max_serial = 0;
	xa_for_each(&part->segs, idx, seg)
		part->max_serial = idx;
}

/*
 * Take the segment out of the tables and give its memory back.  @dflags
 * (CLSHM_DESTROY_*) and @who say why, for the daemon: a removal that
 * destroys at once is announced by this one message.
 */
static void seg_destroy(struct clshm_seg *seg, u32 dflags,
			const struct clshm_who *who)
{
	struct clshm_part *part = seg->part;
	unsigned long freed;

	lockdep_assert_held(&part->lock);
	if (seg->key) {
		xa_erase(&part->keys, seg->key);
		seg->key = 0;
	}
	xa_erase(&part->segs, CLSHM_ID_SERIAL(seg->shmid));
	seg->in_table = false;
	seg->state |= CLSHM_SEG_DEST;
	part->nsegs--;
	if (CLSHM_ID_SERIAL(seg->shmid) == part->max_serial)
		segs_max_serial_update(part);
	part->pages_reserved -= seg->npages;

	mutex_lock(&seg->pages_lock);
	seg->dead = true;
	if (seg->rnattch)
		part->xops->seg_destroyed(seg);	/* set while others attach */
	if (seg->nattch) {
		/*
		 * Forced.  Every attach with a PTE is linked in the rmap (see
		 * "Mapping" above), so this reaches them all; their later
		 * faults see dead and get SIGBUS.
		 */
		seg->state |= CLSHM_SEG_DEAD;
		unmap_mapping_range(seg->mapping, 0, 0, 1);
	}
	freed = seg->nr_resident;
	seg->backend->seg_release(seg);
	mutex_unlock(&seg->pages_lock);

	clshm_count(part, CLSHM_C_SEGS_LIVE, -1);
	clshm_count(part, CLSHM_C_SEGS_DESTROYED, 1);
	if (who)
		clshm_ring_post_who(part, CLSHM_MSG_SEG_DESTROY, dflags, seg,
				    who, freed, who->pid, who->part);
	else
		clshm_ring_post(part, CLSHM_MSG_SEG_DESTROY, dflags, seg,
				freed, 0);
	clshm_event_seg(seg, CLSHM_NL_CMD_EV_DESTROYED, who ? who->pid : 0,
			who ? who->part : part->partid);
	clshm_seg_put(seg);	/* the tables' hold */
}

/*
 * IPC_RMID: the key goes now, the memory with the last attach (@dflags,
 * @who: as for seg_destroy(), if that is now).
 */
static void seg_rmid(struct clshm_seg *seg, u32 dflags,
		     const struct clshm_who *who)
{
	struct clshm_part *part = seg->part;

	lockdep_assert_held(&part->lock);
	if (seg->key) {
		xa_erase(&part->keys, seg->key);
		seg->key = 0;
	}
	if (!(seg->state & CLSHM_SEG_DEST))
		clshm_event_seg(seg, CLSHM_NL_CMD_EV_REMOVED,
				who ? who->pid : 0,
				who ? who->part : part->partid);
	seg->state |= CLSHM_SEG_DEST;
	if (!seg_nattch_total(seg))
		seg_destroy(seg, dflags, who);
}

/**
 * clshm_seg_nattch_changed - an owned segment lost attaches elsewhere
 * @seg: the segment (part->lock held)
 *
 * Called when another partition's attach count of @seg dropped (it
 * detached, or it went down): the detach is recorded (System V's
 * shm_dtime; shm_lpid 0, as no pid of ours did it) and a removed segment
 * may now go.
 */
void clshm_seg_nattch_changed(struct clshm_seg *seg)
{
	lockdep_assert_held(&seg->part->lock);
	seg->dtime = ktime_get_real_seconds();
	seg->lpid = 0;
	seg_detached_owned(seg);
}

/**
 * clshm_segs_clear - remove every segment
 * @part: the partition (part->lock held)
 * @force: also destroy attached segments, zapping their mappings
 *
 * Return: the number of segments removed.
 */
int clshm_segs_clear(struct clshm_part *part, bool force)
{
	struct clshm_seg *seg;
	unsigned long idx;
	int n = 0;

	lockdep_assert_held(&part->lock);
	xa_for_each(&part->segs, idx, seg) {
		if (!(seg->state & CLSHM_SEG_DEST))
			n++;
		if (force)
			seg_destroy(seg, 0, NULL);
		else
			seg_rmid(seg, 0, NULL);
	}
	return n;
}

/* Owned segments with at least one attach anywhere (part->lock held). */
u32 clshm_segs_attached(struct clshm_part *part)
{
	struct clshm_seg *seg;
	unsigned long idx;
	u32 n = 0;

	lockdep_assert_held(&part->lock);
	xa_for_each(&part->segs, idx, seg)
		n += !!seg_nattch_total(seg);
	return n;
}

/* ---------------------------------------------------------------------
 * Attach: mmap and the VMA operations
 */

/* One more VMA of @seg (part->lock held): fork, mremap, split, remap. */
static void seg_vma_added(struct clshm_seg *seg)
{
	lockdep_assert_held(&seg->part->lock);
	seg->nattch++;
	seg->atime = ktime_get_real_seconds();
	seg->lpid = task_tgid_vnr(current);
	clshm_event_seg(seg, CLSHM_NL_CMD_EV_ATTACHED, seg->lpid,
			seg->part->partid);
	if (seg->owner->attached)
		seg->owner->attached(seg);
	clshm_count(seg->part, CLSHM_C_ATTACHES_LIVE, 1);
	clshm_count(seg->part, CLSHM_C_ATTACH_TOTAL, 1);
}

static void clshm_vm_open(struct vm_area_struct *vma)
{
	struct clshm_seg *seg = vma_seg(vma);
	struct clshm_part *part = seg->part;

	mutex_lock(&part->lock);
	seg_vma_added(seg);
	trace_clshm_attach(seg->shmid, vma->vm_start, vma->vm_end,
			   !(vma->vm_flags & VM_WRITE), seg->nattch);
	mutex_unlock(&part->lock);
}

static void clshm_vm_close(struct vm_area_struct *vma)
{
	struct clshm_seg *seg = vma_seg(vma);
	struct clshm_part *part = seg->part;

	mutex_lock(&part->lock);
	seg->nattch--;
	seg->dtime = ktime_get_real_seconds();
	/*
	 * A detach done for a process by a kernel thread (mmput_async) keeps
	 * the last real pid; an exiting process still counts (exit_mm has
	 * cleared current->mm by now, so that cannot be the test).
	 */
	if (!(current->flags & PF_KTHREAD))
		seg->lpid = task_tgid_vnr(current);
	/* Before the owner hears of it: the detach may destroy @seg. */
	clshm_event_seg(seg, CLSHM_NL_CMD_EV_DETACHED,
			current->flags & PF_KTHREAD ? 0 : seg->lpid,
			part->partid);
	trace_clshm_detach(seg->shmid, vma->vm_start, vma->vm_end,
			   !(vma->vm_flags & VM_WRITE), seg->nattch);
	seg->owner->detached(seg);
	mutex_unlock(&part->lock);
	clshm_count(part, CLSHM_C_ATTACHES_LIVE, -1);
	clshm_count(part, CLSHM_C_DETACH_TOTAL, 1);
}

/*
 * A fault in a segment of huge folios (seg->huge): the batch is the 2 MiB
 * folio around the page.  The page goes back to the kernel locked, with a
 * reference, and the page cache's fault path maps it: the whole folio
 * with one PMD entry where the attach covers its aligned 2 MiB
 * (finish_fault(), do_set_pmd()), PTEs otherwise.  The folio lock, taken
 * while pages_lock still vouches that the segment is alive, orders this
 * against the release of its memory: shmem_truncate_range() waits for it
 * and then unmaps what this fault mapped.
 */
static vm_fault_t seg_fault_huge(struct vm_fault *vmf, struct clshm_seg *seg,
				 pgoff_t first, unsigned long nr)
{
	struct page *page;
	int err;

	lockdep_assert_held(&seg->pages_lock);
	err = seg->backend->seg_populate(seg, first, nr);
	if (err)
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	page = seg->backend->seg_page(seg, vmf->pgoff);
	if (WARN_ON_ONCE(!page))
		return VM_FAULT_SIGBUS;
	folio_get(page_folio(page));
	folio_lock(page_folio(page));
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

/*
 * A fault on a page that is not mapped.  The first fault of an attach maps
 * every resident page (a second process reading a filled segment takes one
 * fault in all); any fault makes the 64 KiB batch around it resident and
 * maps it, so first touches cost one fault per batch, not one per page.
 * Segments of huge folios take seg_fault_huge() instead.
 */
static vm_fault_t clshm_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct clshm_seg *seg = vma_seg(vma);
	struct clshm_part *part = seg->part;
	bool fresh = (unsigned long)READ_ONCE(vma->vm_private_data) &
		     CLSHM_VMA_FRESH;
	vm_fault_t ret = VM_FAULT_NOPAGE;
	pgoff_t first, mfirst, mend;
	unsigned long nr;
	int err;

	if (vmf->pgoff >= seg->npages)
		return VM_FAULT_SIGBUS;
	first = round_down(vmf->pgoff, seg->fault_batch);
	nr = min_t(unsigned long, seg->fault_batch, seg->npages - first);
	/* What of the batch this VMA (maybe a piece of an attach) maps. */
	mfirst = max_t(pgoff_t, first, vma->vm_pgoff);
	mend = min_t(pgoff_t, first + nr, vma->vm_pgoff + vma_pages(vma));

	mutex_lock(&seg->pages_lock);
	if (seg->dead) {
		ret = VM_FAULT_SIGBUS;
		goto out_unlock;
	}
	if (seg->huge) {
		ret = seg_fault_huge(vmf, seg, first, nr);
		if (ret & VM_FAULT_ERROR)
			clshm_count(part, CLSHM_C_ERRORS, 1);
		goto out_unlock;
	}
	err = seg->backend->seg_populate(seg, first, nr);
	if (!err && fresh) {
		err = seg->backend->seg_map(seg, vma, vma->vm_pgoff,
					    vma_pages(vma));
		/* Racing faults of other threads may do this twice: harmless. */
		WRITE_ONCE(vma->vm_private_data, seg);
	} else if (!err) {
		err = seg->backend->seg_map(seg, vma, mfirst, mend - mfirst);
	}
	if (err) {
		clshm_count(part, CLSHM_C_ERRORS, 1);
		ret = err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	}
out_unlock:
	mutex_unlock(&seg->pages_lock);
	clshm_count(part, CLSHM_C_FAULTS, 1);
	trace_clshm_fault(seg->shmid, vmf->address, first, nr,
			  (__force unsigned int)ret);
	return ret;
}

static const struct vm_operations_struct clshm_vm_ops = {
	.open = clshm_vm_open,
	.close = clshm_vm_close,
	.fault = clshm_vm_fault,
};

/*
 * The flags, operations and private data of a VMA that maps @seg: an
 * attach (clshm_seg_attach_vma()) or a remap_file_pages() piece.  A
 * read-only one stays read-only for good.
 */
static void seg_vma_setup(struct clshm_seg *seg, struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_WRITE))
		clshm_vm_flags_clear(vma, VM_MAYWRITE);
	/*
	 * Huge folios are mapped by the page cache's fault path, which needs
	 * an ordinary shared file mapping: VM_MIXEDMAP would make the kernel
	 * treat their PMDs as special and never drop their references.
	 */
	clshm_vm_flags_set(vma, VM_DONTEXPAND |
			   (seg->huge ? 0 : seg->backend->vm_flags));
	vma->vm_ops = &clshm_vm_ops;
	vma->vm_private_data = (void *)((unsigned long)seg |
					(seg->huge ? 0 : CLSHM_VMA_FRESH));
}

/**
 * clshm_seg_attach_vma - make @vma an attach of @seg
 * @seg: the segment, checked by the caller (part->lock held)
 * @vma: a VMA in ->mmap
 *
 * The attach's first fault maps the memory.
 *
 * Return: 0, or -ENOMEM if the segment's mapping file cannot be made.
 */
int clshm_seg_attach_vma(struct clshm_seg *seg, struct vm_area_struct *vma)
{
	int err;

	lockdep_assert_held(&seg->part->lock);
	err = seg_get_file(seg);
	if (err)
		return err;
	/* Commit: nothing below fails. */
	seg_vma_setup(seg, vma);
	vma_set_file(vma, seg->file);
	vma->vm_pgoff = 0;
	seg->nattch++;
	seg->atime = ktime_get_real_seconds();
	seg->lpid = task_tgid_vnr(current);
	clshm_event_seg(seg, CLSHM_NL_CMD_EV_ATTACHED, seg->lpid,
			seg->part->partid);
	trace_clshm_attach(seg->shmid, vma->vm_start, vma->vm_end,
			   !(vma->vm_flags & VM_WRITE), seg->nattch);
	clshm_count(seg->part, CLSHM_C_ATTACHES_LIVE, 1);
	clshm_count(seg->part, CLSHM_C_ATTACH_TOTAL, 1);
	return 0;
}

/*
 * remap_file_pages(): the kernel unmaps the range and mmaps the VMA's file
 * (seg->file) there at the new offset.  The new VMA is one more attach
 * of the same segment, as System V's shm_mmap() counts it.  Its
 * protection comes from the VMA it replaces; a read-only one stays
 * read-only for good, as a SHM_RDONLY attach is.
 */
static int clshm_seg_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct clshm_seg *seg = file->private_data;
	struct clshm_part *part = seg->part;
	int err = 0;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&part->lock);
	if (vma->vm_pgoff >= seg->npages ||
	    vma_pages(vma) > seg->npages - vma->vm_pgoff)
		err = -EINVAL;
	else if (seg->state & CLSHM_SEG_DEAD)
		err = -EIDRM;
	if (err)
		goto out_unlock;
	seg_vma_setup(seg, vma);
	seg_vma_added(seg);
	trace_clshm_attach(seg->shmid, vma->vm_start, vma->vm_end,
			   !(vma->vm_flags & VM_WRITE), seg->nattch);
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/* ---------------------------------------------------------------------
 * The System V operations on an owned segment, for a local process or
 * for a request from another partition (remote.c): part->lock held
 */

/**
 * clshm_seg_get - shmget(2) of a key this partition owns (or IPC_PRIVATE)
 * @part: the local partition (part->lock held)
 * @who: the requester
 * @key: the key, 0 for IPC_PRIVATE
 * @size: size in bytes, 0 for a plain lookup
 * @flags: CLSHM_GET_* and mode bits
 * @shmid: out: the segment
 * @created: out: whether this call created it
 *
 * Return: 0 or a negative errno, as CLSHM_IOC_SHMGET documents.
 */
int clshm_seg_get(struct clshm_part *part, const struct clshm_who *who,
		  u32 key, u64 size, u32 flags, u32 *shmid, bool *created)
{
	struct clshm_seg *seg;
	u32 serial;

	lockdep_assert_held(&part->lock);
	*created = false;
	if (part->state != CLSHM_STATE_UP)
		return -ENODEV;
	if (!key)
		goto create;
	if (CLSHM_ID_PART(key) != part->partid)
		return -ENOENT;
	seg = xa_load(&part->keys, key);
	if (!seg) {
		serial = CLSHM_ID_SERIAL(key);
		/*
		 * A minted key creates on use with a size, even without
		 * IPC_CREAT (IRIX); with size 0 it is a plain lookup.
		 */
		if ((flags & CLSHM_GET_CREAT) ||
		    (size && !(serial & CLSHM_KEY_PATH_BIT) && serial &&
		     serial < part->mint_next))
			goto create;
		return -ENOENT;
	}
	if ((flags & CLSHM_GET_CREAT) && (flags & CLSHM_GET_EXCL))
		return -EEXIST;
	if (!clshm_seg_perm_ok(seg, who, flags & CLSHM_GET_MODE_MASK))
		return -EACCES;
	if (size > seg->size)
		return -EINVAL;
	*shmid = seg->shmid;
	return 0;

create:
	*created = true;
	return seg_create(part, who, key, size, flags, shmid);
}

/*
 * What IPC_STAT shows of an owned segment (part->lock held), with ids as
 * the calling process's namespace sees them.
 */
static void seg_fill_ds(struct clshm_seg *seg, struct clshm_ds *ds)
{
	struct user_namespace *ns = current_user_ns();

	lockdep_assert_held(&seg->part->lock);
	memset(ds, 0, sizeof(*ds));
	ds->size = seg->size;
	ds->atime = seg->atime;
	ds->dtime = seg->dtime;
	ds->ctime = seg->ctime;
	/* A report, not a decision: no need for pages_lock. */
	ds->pages_resident = READ_ONCE(seg->nr_resident);
	ds->key = seg->key;
	ds->shmid = seg->shmid;
	ds->uid = from_kuid_munged(ns, seg->uid);
	ds->gid = from_kgid_munged(ns, seg->gid);
	ds->cuid = from_kuid_munged(ns, seg->cuid);
	ds->cgid = from_kgid_munged(ns, seg->cgid);
	ds->mode = seg->mode;
	ds->state = seg->state;
	ds->cpid = seg->cpid;
	ds->lpid = seg->lpid;
	ds->nattch = seg_nattch_total(seg);
	ds->owner_part = CLSHM_ID_PART(seg->shmid);
}

/* An owned segment by shmid, or why there is none (part->lock held). */
static int seg_lookup(struct clshm_part *part, u32 shmid,
		      struct clshm_seg **segp)
{
	lockdep_assert_held(&part->lock);
	*segp = clshm_seg_find(part, shmid);
	if (*segp)
		return 0;
	return seg_find_err(part);
}

int clshm_seg_stat(struct clshm_part *part, const struct clshm_who *who,
		   u32 shmid, struct clshm_ds *ds)
{
	struct clshm_seg *seg;
	int err;

	err = seg_lookup(part, shmid, &seg);
	if (err)
		return err;
	if (!clshm_seg_perm_ok(seg, who, 0444))
		return -EACCES;
	seg_fill_ds(seg, ds);
	return 0;
}

/**
 * clshm_seg_stat_index - SHM_STAT and SHM_STAT_ANY: by table index
 * @part: the local partition
 * @who: the requester
 * @idx: the index (a shmid serial of this partition)
 * @any: SHM_STAT_ANY: no read permission needed
 * @ds: out: the segment's description (ds->shmid is its shmid)
 *
 * Return: 0, -EINVAL (nothing at @idx), -EACCES, -ENODEV (shut down).
 */
int clshm_seg_stat_index(struct clshm_part *part, const struct clshm_who *who,
			 u32 idx, bool any, struct clshm_ds *ds)
{
	struct clshm_seg *seg = NULL;
	int err = 0;

	mutex_lock(&part->lock);
	if (part->state != CLSHM_STATE_UP)
		err = -ENODEV;
	else if (idx && idx <= CLSHM_ID_SERIAL_MASK)
		seg = xa_load(&part->segs, idx);
	if (!err && !seg)
		err = -EINVAL;
	else if (!err && !any && !clshm_seg_perm_ok(seg, who, 0444))
		err = -EACCES;
	if (!err)
		seg_fill_ds(seg, ds);
	mutex_unlock(&part->lock);
	return err;
}

/* Pages of this partition's segments locked (SHM_LOCK) by @uid. */
static unsigned long segs_locked_by(struct clshm_part *part, kuid_t uid)
{
	struct clshm_seg *seg;
	unsigned long idx, n = 0;

	lockdep_assert_held(&part->lock);
	xa_for_each(&part->segs, idx, seg)
		if ((seg->state & CLSHM_SEG_LOCKED) &&
		    uid_eq(seg->mlock_uid, uid))
			n += seg->npages;
	return n;
}

/**
 * clshm_seg_lock - SHM_LOCK and SHM_UNLOCK of an owned segment
 * @part: the local partition
 * @shmid: the segment
 * @lock: SHM_LOCK (true) or SHM_UNLOCK
 *
 * The memory is pinned anyway; this keeps the flag and the accounting of
 * shmctl(2): without CAP_IPC_LOCK only the owner or creator (EPERM), and
 * SHM_LOCK only with a nonzero RLIMIT_MEMLOCK (EPERM) that the pages the
 * caller's uid locked here fit in (ENOMEM).
 *
 * Return: 0 or a negative errno.
 */
int clshm_seg_lock(struct clshm_part *part, u32 shmid, bool lock)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK);
	bool cap = capable(CAP_IPC_LOCK);
	kuid_t euid = current_euid();
	struct clshm_seg *seg;
	int err;

	mutex_lock(&part->lock);
	err = seg_lookup(part, shmid, &seg);
	if (err)
		goto out_unlock;
	if (!cap && ((!uid_eq(euid, seg->uid) && !uid_eq(euid, seg->cuid)) ||
		     (lock && !limit))) {
		err = -EPERM;
		goto out_unlock;
	}
	/* As for System V's hugetlb segments: nothing to lock, no flag. */
	if (seg->state & CLSHM_SEG_HUGETLB)
		goto out_unlock;
	if (!lock) {
		seg->state &= ~CLSHM_SEG_LOCKED;
		goto out_unlock;
	}
	if (seg->state & CLSHM_SEG_LOCKED)
		goto out_unlock;
	if (!cap && limit != RLIM_INFINITY &&
	    segs_locked_by(part, current_uid()) + seg->npages >
	    limit >> PAGE_SHIFT) {
		err = -ENOMEM;
		goto out_unlock;
	}
	seg->state |= CLSHM_SEG_LOCKED;
	seg->mlock_uid = current_uid();
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/* An owned segment @who may change or remove (IPC_SET, IPC_RMID). */
static int seg_lookup_owner(struct clshm_part *part,
			    const struct clshm_who *who, u32 shmid,
			    struct clshm_seg **segp)
{
	int err = seg_lookup(part, shmid, segp);

	if (err)
		return err;
	return seg_may_change(*segp, who) ? 0 : -EPERM;
}

int clshm_seg_set(struct clshm_part *part, const struct clshm_who *who,
		  u32 shmid, kuid_t uid, kgid_t gid, u32 mode)
{
	struct clshm_seg *seg;
	int err;

	err = seg_lookup_owner(part, who, shmid, &seg);
	if (err)
		return err;
	seg->uid = uid;
	seg->gid = gid;
	seg->mode = mode;
	seg->ctime = ktime_get_real_seconds();
	return 0;
}

/*
 * IPC_RMID, or IPC_AUTORMID (CLSHM_RMID_AUTO).  The daemon hears of a
 * removal once: a segment destroyed at once by a DESTROY that names the
 * requester, an attached one by an RMID now and a DESTROY at its last
 * detach, and an IPC_AUTORMID of an attached one by the DESTROY at its
 * last detach (seg_detached_owned()).
 */
int clshm_seg_rmid(struct clshm_part *part, const struct clshm_who *who,
		   u32 shmid, u32 flags)
{
	struct clshm_seg *seg;
	int err;

	err = seg_lookup_owner(part, who, shmid, &seg);
	if (err)
		return err;
	if (!seg_nattch_total(seg)) {
		/* Destroyed now: one DESTROY says it all. */
		seg_rmid(seg, CLSHM_DESTROY_RMID |
			      (flags & CLSHM_RMID_AUTO ? CLSHM_DESTROY_AUTO : 0),
			 who);
		return 0;
	}
	if (flags & CLSHM_RMID_AUTO) {
		seg->state |= CLSHM_SEG_AUTORMID;
		return 0;
	}
	clshm_ring_post_who(part, CLSHM_MSG_SEG_RMID, flags, seg, who,
			    who->pid, who->part, 0);
	seg_rmid(seg, 0, who);	/* attached: not destroyed now */
	return 0;
}

/* Mint a key of this partition (part->lock held). */
int clshm_seg_mintkey(struct clshm_part *part, u32 *key)
{
	lockdep_assert_held(&part->lock);
	if (part->state != CLSHM_STATE_UP)
		return -ENODEV;
	if (part->mint_next >= CLSHM_KEY_PATH_BIT)
		return -ENOSPC;
	*key = CLSHM_ID_MAKE(part->partid, part->mint_next++);
	if (part->xops)
		part->xops->ids_changed(part);
	return 0;
}

/**
 * clshm_segs_list - IPC_INFO-style listing of owned segments
 * @part: the local partition
 * @start: first shmid serial to report
 * @ds: room for @max entries
 * @max: at most this many
 * @next: out: the serial to continue from, 0 at the end
 *
 * Return: entries filled.
 */
int clshm_segs_list(struct clshm_part *part, u32 start, struct clshm_ds *ds,
		    u32 max, u32 *next)
{
	struct clshm_seg *seg;
	unsigned long idx;
	u32 n = 0;

	*next = 0;
	mutex_lock(&part->lock);
	xa_for_each_start(&part->segs, idx, seg, max_t(u32, start, 1)) {
		if (n == max) {
			*next = idx;
			break;
		}
		seg_fill_ds(seg, &ds[n++]);
	}
	mutex_unlock(&part->lock);
	return n;
}

/**
 * clshm_segs_walk - the owned segments a requester may read, in order
 * @part: the local partition (part->lock not held; taken here)
 * @who: the requester: segments it may not read are skipped
 * @pos: in: first shmid serial; out: where to continue, 0 at the end
 * @fn: called for each with its description (part->lock held); a
 *      nonzero return stops the walk before that segment
 * @arg: for @fn
 *
 * Return: ENODEV if the partition is down, else 0.  Resuming from *@pos
 * never repeats a segment, and never skips one that existed throughout.
 */
int clshm_segs_walk(struct clshm_part *part, const struct clshm_who *who,
		    u32 *pos, int (*fn)(void *arg, const struct clshm_ds *ds),
		    void *arg)
{
	struct clshm_seg *seg;
	struct clshm_ds ds;
	unsigned long idx;
	int err = 0;

	mutex_lock(&part->lock);
	if (part->state != CLSHM_STATE_UP) {
		err = -ENODEV;
		goto out;
	}
	xa_for_each_start(&part->segs, idx, seg, max_t(u32, *pos, 1)) {
		if (!clshm_seg_perm_ok(seg, who, 0444))
			continue;
		seg_fill_ds(seg, &ds);
		if (fn(arg, &ds)) {
			*pos = idx;
			goto out;
		}
	}
	*pos = 0;
out:
	mutex_unlock(&part->lock);
	return err;
}

/* ---------------------------------------------------------------------
 * The local owner: the operations above for processes of this kernel
 */

static int local_get(struct clshm_part *part, const struct clshm_who *who,
		     u32 key, u64 size, u32 flags, u32 *shmid, bool *created)
{
	int err;

	mutex_lock(&part->lock);
	err = clshm_seg_get(part, who, key, size, flags, shmid, created);
	mutex_unlock(&part->lock);
	return err;
}

static int local_stat(struct clshm_part *part, const struct clshm_who *who,
		      u32 shmid, struct clshm_ds *ds)
{
	int err;

	mutex_lock(&part->lock);
	err = clshm_seg_stat(part, who, shmid, ds);
	mutex_unlock(&part->lock);
	return err;
}

static int local_set(struct clshm_part *part, const struct clshm_who *who,
		     u32 shmid, kuid_t uid, kgid_t gid, u32 mode)
{
	int err;

	mutex_lock(&part->lock);
	err = clshm_seg_set(part, who, shmid, uid, gid, mode);
	mutex_unlock(&part->lock);
	return err;
}

static int local_rmid(struct clshm_part *part, const struct clshm_who *who,
		      u32 shmid, u32 flags)
{
	int err;

	mutex_lock(&part->lock);
	err = clshm_seg_rmid(part, who, shmid, flags);
	mutex_unlock(&part->lock);
	return err;
}

static int local_mintkey(struct clshm_part *part, const struct clshm_who *who,
			 u32 owner, u32 *key)
{
	int err;

	mutex_lock(&part->lock);
	/* Another partition, without a fabric to reach it: not up. */
	err = part->state == CLSHM_STATE_UP ? -ENOENT : -ENODEV;
	if (owner == part->partid)
		err = clshm_seg_mintkey(part, key);
	mutex_unlock(&part->lock);
	return err;
}

/*
 * The checks of shmat(2) for @who wanting @want of segment @shmid, of
 * @len bytes if @len is not 0 (part->lock held).
 */
static int seg_attachable(struct clshm_part *part, const struct clshm_who *who,
			  u32 shmid, u32 want, unsigned long len,
			  struct clshm_seg **segp)
{
	struct clshm_seg *seg;

	lockdep_assert_held(&part->lock);
	if (part->state != CLSHM_STATE_UP)
		return -ENODEV;
	seg = clshm_seg_find(part, shmid);
	if (!seg)
		return -EINVAL;
	if (seg->state & CLSHM_SEG_DEST)
		return -EIDRM;
	if (len && len != seg->npages << PAGE_SHIFT)
		return -EINVAL;
	if (!clshm_seg_perm_ok(seg, who, want))
		return -EACCES;
	*segp = seg;
	return 0;
}

/*
 * Attach an owned segment: checks like shmat(2), then the VMA becomes an
 * attach; its first fault maps every page the segment holds.
 */
static int local_attach(struct clshm_part *part, const struct clshm_who *who,
			struct vm_area_struct *vma, u32 want)
{
	struct clshm_seg *seg;
	int err;

	mutex_lock(&part->lock);
	err = seg_attachable(part, who, vma->vm_pgoff, want,
			     vma->vm_end - vma->vm_start, &seg);
	/* As for System V's hugetlb segments: on a huge page boundary. */
	if (!err && (seg->state & CLSHM_SEG_HUGETLB) &&
	    !IS_ALIGNED(vma->vm_start, PMD_SIZE))
		err = -EINVAL;
	if (!err)
		err = clshm_seg_attach_vma(seg, vma);
	mutex_unlock(&part->lock);
	return err;
}

/* CLSHM_IOC_SHMAT before its mmap: the checks of local_attach(), and the size. */
static int local_attach_prepare(struct clshm_part *part,
				const struct clshm_who *who, u32 shmid,
				u32 want, u64 *size)
{
	struct clshm_seg *seg;
	int err;

	mutex_lock(&part->lock);
	err = seg_attachable(part, who, shmid, want, 0, &seg);
	if (!err)
		*size = (u64)seg->npages << PAGE_SHIFT;
	mutex_unlock(&part->lock);
	return err;
}

/* Nothing was counted before the mmap. */
static void local_attach_abort(struct clshm_part *part, u32 shmid)
{
}

/*
 * An owned segment lost an attach here or elsewhere (part->lock held): a
 * removed segment goes with its last attach, and an IPC_AUTORMID one is
 * removed then (and announced: its RMID names the last detacher).
 */
static void seg_detached_owned(struct clshm_seg *seg)
{
	lockdep_assert_held(&seg->part->lock);
	if (seg_nattch_total(seg) || !seg->in_table ||
	    !(seg->state & (CLSHM_SEG_DEST | CLSHM_SEG_AUTORMID)))
		return;
	seg_rmid(seg, seg->state & CLSHM_SEG_DEST ? 0 : CLSHM_DESTROY_AUTO,
		 NULL);
}

const struct clshm_owner_ops clshm_local_owner = {
	.get = local_get,
	.stat = local_stat,
	.set = local_set,
	.rmid = local_rmid,
	.attach = local_attach,
	.attach_prepare = local_attach_prepare,
	.attach_abort = local_attach_abort,
	.mintkey = local_mintkey,
	.detached = seg_detached_owned,
};

/* ---------------------------------------------------------------------
 * Finding an attach from an address (detach, wait and wake)
 */

/*
 * The next piece of the attach made at @addr, from @from on: a VMA of
 * @seg (any segment if NULL) that maps the page its distance from @addr
 * names, as shmdt(2) recognises them.  Its range goes to @start and @end,
 * and the segment to @segp with a reference on its mapping file.
 */
static int seg_next_piece(struct mm_struct *mm, unsigned long addr,
			  unsigned long from, unsigned long limit,
			  struct clshm_seg **segp, unsigned long *start,
			  unsigned long *end)
{
	struct vm_area_struct *vma;
	struct clshm_seg *seg;
	VMA_ITERATOR(vmi, mm, from);

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for_each_vma_range(vmi, vma, limit) {
		seg = vma_seg(vma);
		if (!seg || (*segp && seg != *segp) ||
		    vma->vm_start - addr != vma->vm_pgoff << PAGE_SHIFT)
			continue;
		if (!*segp) {
			get_file(seg->file);
			*segp = seg;
		}
		*start = vma->vm_start;
		*end = vma->vm_end;
		mmap_read_unlock(mm);
		return 0;
	}
	mmap_read_unlock(mm);
	return -ENOENT;
}

/**
 * clshm_seg_detach - shmdt(2): unmap the attach made at @addr
 * @addr: page aligned, below TASK_SIZE
 *
 * As System V: every VMA of the segment within the segment's size from
 * @addr that maps the page of the segment its distance from @addr names
 * is unmapped (all the pieces of an attach that was split, even if its
 * first page was unmapped), and nothing else.
 *
 * Return: 0, -EINVAL if no such piece exists, -EINTR.
 */
int clshm_seg_detach(unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	unsigned long from = addr, limit = TASK_SIZE, start, end;
	struct clshm_seg *seg = NULL;
	int err, found = 0;

	for (;;) {
		err = seg_next_piece(mm, addr, from, limit, &seg, &start,
				     &end);
		if (err)
			break;
		if (!found)
			limit = min_t(unsigned long, TASK_SIZE,
				      addr + (seg->npages << PAGE_SHIFT));
		found = 1;
		/*
		 * vm_munmap() takes mmap_lock for writing itself, and no
		 * kernel clshm builds for exports a munmap that runs under
		 * it.  Only the caller's own threads could change this range
		 * in between, as with any munmap(2) racing an mmap(2).
		 */
		err = vm_munmap(start, end - start);
		/* A whole attach (the common case) needs no second look. */
		if (err || end >= limit)
			break;
		from = end;
	}
	if (seg)
		fput(seg->file);
	if (err == -ENOENT)
		err = found ? 0 : -EINVAL;
	return err;
}

/**
 * clshm_seg_at - the segment attached at @addr in the caller's mm
 * @addr: an address inside an attach
 * @end: out: the attach's end address
 *
 * Return: the segment with a reference on its mapping file (fput() it),
 * ERR_PTR(-EINVAL) if @addr is in no attach, or ERR_PTR(-EINTR).
 */
struct clshm_seg *clshm_seg_at(unsigned long addr, unsigned long *end)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct clshm_seg *seg = NULL;

	if (mmap_read_lock_killable(mm))
		return ERR_PTR(-EINTR);
	vma = vma_lookup(mm, addr);
	if (vma)
		seg = vma_seg(vma);
	if (seg) {
		get_file(seg->file);
		*end = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return seg ?: ERR_PTR(-EINVAL);
}

/* ---------------------------------------------------------------------
 * Who attaches: CLSHM_NL_CMD_ATT_GET
 *
 * No record of an attach is kept besides its VMA, and the kernel does not
 * let a module walk a file's rmap, so the attaches are found as
 * /proc/PID/maps finds mappings: process by process, in pid order, each
 * one's VMAs read at once under its mmap_lock, with part->lock inside it
 * (the order every attach takes them in) for the segments' permissions.
 * Then the other partitions' counts of the owned segments, by shmid.
 */

/* Does @seg pass the requester's filter and may it read @seg? */
static bool seg_att_wanted(struct clshm_seg *seg, const struct clshm_who *who,
			   u32 only)
{
	lockdep_assert_held(&seg->part->lock);
	return (!only || seg->shmid == only) &&
	       clshm_seg_perm_ok(seg, who, 0444);
}

/* Attaches of @mm from @*addr on into @att (at most @max); @*addr moves. */
static unsigned int seg_mm_atts(struct clshm_part *part,
				const struct clshm_who *who,
				struct mm_struct *mm, unsigned long *addr,
				u32 only, struct clshm_att *att,
				unsigned int max)
{
	struct vm_area_struct *vma;
	unsigned int n = 0;

	if (mmap_read_lock_killable(mm)) {
		*addr = 0;		/* being killed: the dump is over */
		return 0;
	}
	mutex_lock(&part->lock);
	for (vma = find_vma(mm, *addr); vma && n < max;
	     vma = find_vma(mm, vma->vm_end)) {
		struct clshm_seg *seg = vma_seg(vma);

		*addr = vma->vm_end;
		if (!seg || !seg_att_wanted(seg, who, only))
			continue;
		att[n].shmid = seg->shmid;
		att[n].start = vma->vm_start;
		att[n].end = vma->vm_end;
		att[n].rdonly = !(vma->vm_flags & VM_WRITE);
		att[n].part = part->partid;
		att[n].nattch = 1;
		n++;
	}
	if (!vma)
		*addr = 0;
	mutex_unlock(&part->lock);
	mmap_read_unlock(mm);
	return n;
}

/*
 * The mm of @task's thread group: the leader's, or, when the leader has
 * exited while other threads live on (it stays a zombie until they are
 * gone), the first live thread's.  NULL for a group that has none.
 */
static struct mm_struct *tgid_get_mm(struct task_struct *task)
{
	struct mm_struct *mm = get_task_mm(task);
	struct task_struct *t;

	if (mm)
		return mm;
	rcu_read_lock();
	for_each_thread(task, t) {
		mm = get_task_mm(t);
		if (mm)
			break;
	}
	rcu_read_unlock();
	return mm;
}

/**
 * clshm_atts_read - the next attaches a requester may see
 * @part: the local partition (part->lock not held; taken here)
 * @who: the requester (current): attaches of segments it may not read
 *       are left out
 * @cur: where the walk is (zeroed to start); moved past what is returned
 * @only: 0, or the one shmid wanted
 * @att: out: the attaches
 * @max: room in @att
 *
 * Returns the attaches of one process (or those of a few processes'
 * worth of scanning, or of other partitions) at a time: one entry per
 * VMA of a process of this kernel, with its pid as the requester's pid
 * namespace sees it and its command, then one per other partition that
 * attaches an owned segment (pid 0, @nattch its count there).  A process
 * that attaches or detaches while the walk passes it may be seen either
 * way; one that holds its attaches throughout is reported once.
 *
 * Return: the number of entries (0 and cur->done at the end); -ENODEV
 * while shut down.
 */
int clshm_atts_read(struct clshm_part *part, const struct clshm_who *who,
		    struct clshm_att_cursor *cur, u32 only,
		    struct clshm_att *att, unsigned int max)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	unsigned int n = 0, scanned;
	struct clshm_seg *seg;
	unsigned long idx;

	if (READ_ONCE(part->state) != CLSHM_STATE_UP)
		return -ENODEV;
	/* Processes: pid order, resumed at cur->pid, cur->addr. */
	for (scanned = 0; !cur->remote && !n && scanned < 64; scanned++) {
		struct task_struct *task;
		struct mm_struct *mm;
		struct pid *pid;

		rcu_read_lock();
		pid = find_ge_pid(max_t(pid_t, cur->pid, 1), ns);
		task = pid ? pid_task(pid, PIDTYPE_TGID) : NULL;
		if (task)
			get_task_struct(task);
		if (!pid)
			cur->remote = true;
		else if (!task)
			cur->pid = pid_nr_ns(pid, ns) + 1;
		else
			cur->pid = pid_nr_ns(pid, ns);
		rcu_read_unlock();
		if (!task)
			continue;
		mm = tgid_get_mm(task);
		if (mm) {
			n = seg_mm_atts(part, who, mm, &cur->addr, only, att,
					max);
			mmput(mm);
		} else {
			cur->addr = 0;
		}
		if (n) {
			unsigned int i;

			get_task_comm(att[0].comm, task);
			for (i = 0; i < n; i++) {
				att[i].pid = cur->pid;
				memcpy(att[i].comm, att[0].comm,
				       sizeof(att->comm));
			}
		}
		put_task_struct(task);
		if (!cur->addr)
			cur->pid++;
		cond_resched();
	}
	if (n || !cur->remote)
		return n;

	/* Other partitions' counts of owned segments: shmid order. */
	mutex_lock(&part->lock);
	xa_for_each_start(&part->segs, idx, seg, max_t(u32, cur->serial, 1)) {
		unsigned int i, k = 0;

		if (!seg->x || !seg->rnattch || !seg_att_wanted(seg, who, only))
			continue;
		for (i = 0; i < CLSHM_FAB_MAX_PARTS; i++)
			k += !!seg->x->rattach[i];
		if (n + k > max) {
			cur->serial = idx;
			break;
		}
		for (i = 0; i < CLSHM_FAB_MAX_PARTS; i++) {
			if (!seg->x->rattach[i])
				continue;
			att[n].shmid = seg->shmid;
			att[n].part = i;
			att[n++].nattch = seg->x->rattach[i];
		}
		cur->serial = idx + 1;
	}
	if (!seg)
		cur->done = true;
	mutex_unlock(&part->lock);
	return n;
}
