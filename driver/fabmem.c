// SPDX-License-Identifier: GPL-2.0
/*
 * fabmem.c - the fabric-memory backend: segment memory in a fabric zone
 *
 * On a fabric, every segment a partition owns lives in that partition's
 * zone: an extent of zone pages from the zone map.  Its memory is zeroed
 * lazily, as System V's is: a fault of the owner's zeroes the fault batch
 * it falls in (and maps only batches that are zeroed), and an attach from
 * another partition has the owner zero what is left before it answers
 * (clshm_fabmem_zero_all()), so creating a segment costs the same at any
 * size and nobody ever sees what the pages held before.
 * The pages are bus addresses of the fabric with no struct page, mapped
 * VM_PFNMAP with vmf_insert_pfn() (so futexes and get_user_pages do not
 * work on them: wait.c replaces the futex).  A proxy (a segment of
 * another partition attached here) maps the owner's extent the same way.
 * An empty shmem file lends each segment its address space, so attaches
 * are linked in its i_mmap and rmap and unmap_mapping_range() reach them.
 *
 * The zone allocator skips pages that another partition still maps (its
 * engagement table names them, see fabric/engage.c), and pages of a
 * segment destroyed by force stay reserved as a *zombie* until every
 * partition that attached it acknowledged the KILL (remote.c).
 *
 * Locking: part->lock protects the zone (map, used, zombies); populate,
 * map and release run under seg->pages_lock as for every backend.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "clshm.h"

/* Foreign engagements the zone allocator considers at most. */
#define CLSHM_ENGAGED_MAX	4096

/**
 * struct clshm_zombie - zone pages of a segment destroyed by force while
 *                       other partitions had it attached
 * @node: in part->zone.zombies (part->lock)
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

static void zone_buffers_free(struct clshm_zone *z)
{
	bitmap_free(z->map);
	bitmap_free(z->scratch);
	kvfree(z->engaged);
	z->map = NULL;
	z->scratch = NULL;
	z->engaged = NULL;
}

/**
 * clshm_zone_join - set up our zone's allocator at startup
 * @part: the local partition, joining (part->lock held)
 *
 * Segments created from now on live in the fabric.
 *
 * Return: 0 or -ENOMEM.
 */
int clshm_zone_join(struct clshm_part *part)
{
	struct clshm_zone *z = &part->zone;

	lockdep_assert_held(&part->lock);
	z->pages = clshm_fab_zone_pages(part->fab);
	/* The allocator's scratch space is made here, not at every create. */
	z->map = bitmap_zalloc(z->pages, GFP_KERNEL);
	z->scratch = bitmap_alloc(z->pages, GFP_KERNEL);
	z->engaged = kvmalloc_array(CLSHM_ENGAGED_MAX, sizeof(*z->engaged),
				    GFP_KERNEL);
	if (!z->map || !z->scratch || !z->engaged) {
		zone_buffers_free(z);
		return -ENOMEM;
	}
	z->used = 0;
	part->backend = &clshm_fabric_backend;
	return 0;
}

static void zone_free(struct clshm_part *part, u64 first, unsigned long npages)
{
	struct clshm_zone *z = &part->zone;

	lockdep_assert_held(&part->lock);
	if (WARN_ON(!z->map))
		return;
	bitmap_clear(z->map, first, npages);
	z->used -= npages;
}

static void zombie_free(struct clshm_part *part, struct clshm_zombie *zb)
{
	lockdep_assert_held(&part->lock);
	zone_free(part, zb->first, zb->npages);
	list_del(&zb->node);
	kfree(zb);
}

/**
 * clshm_zone_leave - give the zone up at shutdown
 * @part: the local partition (part->lock held), with no owned segment left
 */
void clshm_zone_leave(struct clshm_part *part)
{
	struct clshm_zombie *zb, *tmp;

	lockdep_assert_held(&part->lock);
	list_for_each_entry_safe(zb, tmp, &part->zone.zombies, node)
		zombie_free(part, zb);
	WARN_ON(part->zone.used);
	zone_buffers_free(&part->zone);
	part->backend = &clshm_local_backend;
}

/**
 * clshm_zone_zombie - keep a destroyed segment's pages until acknowledged
 * @seg: an owned segment destroyed by force (part->lock held), before its
 *       memory is released
 * @waiting: the partitions that must acknowledge its KILL
 *
 * Without memory for the zombie the pages stay in use until the partition
 * shuts down, which is safe.
 */
void clshm_zone_zombie(struct clshm_seg *seg, const unsigned long *waiting)
{
	struct clshm_part *part = seg->part;
	struct clshm_zombie *zb;

	lockdep_assert_held(&part->lock);
	seg->x->zombie = true;
	zb = kzalloc(sizeof(*zb), GFP_KERNEL);
	if (!zb) {
		pr_warn("%lu pages of segment 0x%08x stay in use until shutdown\n",
			seg->npages, seg->shmid);
		return;
	}
	zb->shmid = seg->shmid;
	zb->first = seg->x->zfirst;
	zb->npages = seg->npages;
	bitmap_copy(zb->waiting, waiting, CLSHM_FAB_MAX_PARTS);
	list_add(&zb->node, &part->zone.zombies);
}

/**
 * clshm_zone_zombies_release - partition @id acknowledged a KILL, or left
 * @part: the local partition (part->lock held)
 * @id: the partition
 * @shmid: the segment it acknowledged (ignored with @all)
 * @all: @id went down: it acknowledges everything
 */
void clshm_zone_zombies_release(struct clshm_part *part, u32 id, u32 shmid,
				bool all)
{
	struct clshm_zombie *zb, *tmp;

	lockdep_assert_held(&part->lock);
	list_for_each_entry_safe(zb, tmp, &part->zone.zombies, node) {
		if (!all && zb->shmid != shmid)
			continue;
		clear_bit(id, zb->waiting);
		if (bitmap_empty(zb->waiting, CLSHM_FAB_MAX_PARTS))
			zombie_free(part, zb);
	}
}

/*
 * Find room for @npages in our zone (part->lock held).  Pages that a
 * partition we consider alive still maps (its engagement table names
 * them) are skipped even if no segment of ours holds them: they belonged
 * to a segment of our previous incarnation, or to one we destroyed by
 * force.  Return: 0, or -ENOMEM if the zone has no such room.
 */
static int zone_alloc(struct clshm_part *part, unsigned long npages,
		      u64 *first)
{
	struct clshm_zone *z = &part->zone;
	struct clshm_fab_engage *eng = z->engaged;
	unsigned long *map = z->scratch, start;
	int i, n;

	lockdep_assert_held(&part->lock);
	if (!z->map || npages > z->pages)
		return -ENOMEM;
	bitmap_copy(map, z->map, z->pages);
	n = clshm_fab_foreign_engaged(part, eng, CLSHM_ENGAGED_MAX);
	for (i = 0; i < n; i++)	/* checked by engage.c against the zone */
		bitmap_set(map, eng[i].first, eng[i].npages);
	start = bitmap_find_next_zero_area(map, z->pages, 0, npages, 0);
	if (start >= z->pages)
		return -ENOMEM;
	bitmap_set(z->map, start, npages);
	z->used += npages;
	*first = start;
	return 0;
}

/* ---------------------------------------------------------------------
 * The backend
 */

/*
 * An owned segment gets its extent and its fabric side here; a proxy
 * comes with both from remote.c.
 */
static int fab_seg_init(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;
	bool proxy = clshm_seg_is_proxy(seg);
	struct file *shmem;
	char name[24];
	int err;

	if (!proxy) {
		lockdep_assert_held(&part->lock);
		seg->x = kzalloc(sizeof(*seg->x), GFP_KERNEL_ACCOUNT);
		if (!seg->x)
			return -ENOMEM;
		seg->x->engage_idx = -1;
		seg->x->zeroed = bitmap_zalloc(DIV_ROUND_UP(seg->npages,
							    seg->fault_batch),
					       GFP_KERNEL_ACCOUNT);
		if (!seg->x->zeroed)
			return -ENOMEM;	/* seg->x goes with the segment */
		err = zone_alloc(part, seg->npages, &seg->x->zfirst);
		if (err)
			goto err_free_zeroed;
	}
	snprintf(name, sizeof(name), "clshm:0x%08x", seg->shmid);
	shmem = shmem_file_setup(name, 0, CLSHM_SHMEM_NORESERVE);
	if (IS_ERR(shmem)) {
		err = PTR_ERR(shmem);
		if (proxy)
			return err;
		goto err_zone_free;
	}
	seg->mapping = shmem->f_mapping;
	seg->memfile = shmem;
	seg->bdata = shmem;
	WRITE_ONCE(seg->nr_resident, seg->npages);
	if (!proxy) {
		clshm_count(part, CLSHM_C_PAGES_ALLOC, seg->npages);
		clshm_count(part, CLSHM_C_PAGES_PINNED, seg->npages);
	}
	return 0;

err_zone_free:
	zone_free(part, seg->x->zfirst, seg->npages);
err_free_zeroed:
	/* Without backend data fab_seg_free() never runs: free it here. */
	bitmap_free(seg->x->zeroed);
	seg->x->zeroed = NULL;
	return err;
}

/*
 * Fabric memory is always there, but an owned segment's is zeroed batch by
 * batch, the first time a batch is needed (pages_lock held).  A proxy's
 * owner zeroed all of it before it answered the attach.
 */
static int fab_seg_populate(struct clshm_seg *seg, pgoff_t first,
			    unsigned long nr)
{
	unsigned long b, bsize = seg->fault_batch;
	void *base;

	lockdep_assert_held(&seg->pages_lock);
	if (clshm_seg_is_proxy(seg))
		return 0;
	base = clshm_fab_zone(seg->part->fab, CLSHM_ID_PART(seg->shmid)) +
	       (seg->x->zfirst << PAGE_SHIFT);
	for (b = first / bsize; b * bsize < first + nr; b++) {
		if (test_bit(b, seg->x->zeroed))
			continue;
		memset(base + ((b * bsize) << PAGE_SHIFT), 0,
		       min(bsize, seg->npages - b * bsize) << PAGE_SHIFT);
		/* Flush mode: the zeros reach memory before anyone attaches. */
		clshm_fab_wb(seg->part->fab, base + ((b * bsize) << PAGE_SHIFT),
			     min(bsize, seg->npages - b * bsize) << PAGE_SHIFT);
		__set_bit(b, seg->x->zeroed);
	}
	return 0;
}

/**
 * clshm_fabmem_zero_all - zero what is not zeroed yet of an owned segment
 * @seg: a segment of this partition on the fabric (part->lock held)
 *
 * Before another partition maps it: it maps every page at once.
 */
void clshm_fabmem_zero_all(struct clshm_seg *seg)
{
	mutex_lock(&seg->pages_lock);
	if (!seg->dead)
		fab_seg_populate(seg, 0, seg->npages);
	mutex_unlock(&seg->pages_lock);
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
	      seg->x->zfirst + first;
	for (i = 0; i < nr; i++) {
		/* Not zeroed yet: its own fault will zero and map it. */
		if (!clshm_seg_is_proxy(seg) &&
		    !test_bit((first + i) / seg->fault_batch, seg->x->zeroed))
			continue;
		ret = vmf_insert_pfn(vma, clshm_vma_addr(vma, first + i),
				     pfn + i);
		if (ret & VM_FAULT_ERROR)
			return ret & VM_FAULT_OOM ? -ENOMEM : -EFAULT;
	}
	return 0;
}

static void fab_seg_release(struct clshm_seg *seg)
{
	struct clshm_part *part = seg->part;

	lockdep_assert_held(&seg->pages_lock);
	if (!clshm_seg_is_proxy(seg)) {
		/* A zombie gives the pages back when acknowledged. */
		if (!seg->x->zombie)
			zone_free(part, seg->x->zfirst, seg->npages);
		clshm_count(part, CLSHM_C_PAGES_FREED, seg->npages);
		clshm_count(part, CLSHM_C_PAGES_PINNED, -(s64)seg->npages);
	}
	WRITE_ONCE(seg->nr_resident, 0);
}

static void fab_seg_free(struct clshm_seg *seg)
{
	if (seg->x)
		bitmap_free(seg->x->zeroed);
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
