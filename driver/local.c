// SPDX-License-Identifier: GPL-2.0
/*
 * local.c - the local-pages backend: segment memory from kernel pages
 *
 * A segment's memory is a shmem file private to the driver (never
 * visible in any filesystem).  Pages come from its page cache, so they
 * are zeroed, refcounted, and have a mapping and an index: shared futexes
 * (process-shared pthread mutexes) key on them exactly as on System V
 * shm.  The driver pins every page it makes resident (one reference in
 * the page array) until the segment's memory is released, marks the
 * mapping unevictable, and allocates without __GFP_MOVABLE because the
 * pages are held for the segment's whole life.
 *
 * Pages are made resident lazily, in fault batches, so creating a large
 * segment costs no more than creating a small one; attach maps every
 * resident page at once with vm_insert_pages().
 *
 * Huge pages (module parameter hugepages, on by default).  The shmem
 * files then live on a private tmpfs mount with huge=within_size (as i915
 * does for its objects), so every naturally aligned 2 MiB of a segment
 * that the segment's size covers is one transparent huge folio: one
 * allocation and one fault per 2 MiB on first touch instead of 512 and
 * 32.  Such a segment is seg->huge: its attaches are ordinary shared file
 * mappings (no VM_MIXEDMAP), and a fault hands the kernel one page of a
 * folio, which the page cache's own fault path maps with one PMD entry
 * where the attach covers the aligned 2 MiB around it, and with PTEs
 * where it does not (a split attach, the segment's tail).  The pages keep
 * their refcount, rmap and mapping, so futexes and GUP work as on small
 * pages.  Off, without THP, or if the mount fails, segments use the
 * kernel's internal shmem mount, small pages and vm_insert_pages().
 *
 * SHM_HUGETLB asks for the same per segment: the mount exists whenever
 * THP does, and a segment made with SHM_HUGETLB (CLSHM_SEG_HUGETLB, its
 * size rounded up to 2 MiB by seg.c) lives on it whatever hugepages says.
 *
 * Locking: populate, map and release run under seg->pages_lock
 * (asserted), which protects struct clshm_local_seg's page chunks; init
 * and free run before the segment is published and after its last
 * reference.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "clshm.h"

static struct vfsmount *local_mnt;	/* huge=within_size tmpfs, or NULL */

/*
 * On by default: a 2 MiB folio costs one fault and one PMD entry to map,
 * where 4 KiB pages cost 32 faults and 512 PTEs (Documentation/benchmarks.md).
 */
static bool hugepages = true;
module_param(hugepages, bool, 0444);
MODULE_PARM_DESC(hugepages, "Back segments of 2 MiB or more with transparent huge folios mapped by PMD (default on)");

/**
 * clshm_local_init - mount the private tmpfs for segment memory
 *
 * Without it (no THP, or the mount fails) clshm falls back to the
 * kernel's shmem mount and small pages.
 */
void clshm_local_init(void)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	char opts[] = "huge=within_size";
	struct file_system_type *type;
	struct vfsmount *mnt;

	type = get_fs_type("tmpfs");
	if (!type)
		return;
	/* tmpfs is built in: get_fs_type() took no module reference. */
	mnt = vfs_kern_mount(type, SB_KERNMOUNT, type->name, opts);
	if (IS_ERR(mnt)) {
		pr_info("no huge-page tmpfs (%ld): segments use small pages\n",
			PTR_ERR(mnt));
		return;
	}
	local_mnt = mnt;
#endif
}

/* Can a segment have huge folios (SHM_HUGETLB)? */
bool clshm_local_huge(void)
{
	return local_mnt;
}

void clshm_local_exit(void)
{
	if (local_mnt)
		kern_unmount(local_mnt);
	local_mnt = NULL;
}

/* Pages of one PMD-sized huge folio (2 MiB on x86-64). */
#define LOCAL_HUGE_PAGES	(PMD_SIZE >> PAGE_SHIFT)

/* Page pointers per chunk: one page of pointers maps 2 MiB of memory. */
#define LOCAL_CHUNK_PAGES	(PAGE_SIZE / sizeof(struct page *))

/**
 * struct clshm_local_seg - backend data of one segment
 * @shmem: the shmem file holding the memory; lives until seg_free
 * @chunks: chunk c (an array of LOCAL_CHUNK_PAGES page pointers) holds one
 *          pinned page per resident index c * LOCAL_CHUNK_PAGES + i (NULL
 *          where not resident); a chunk appears when its first page becomes
 *          resident, so a segment costs the same to create at any size
 *
 * Allocated with the segment (clshm_seg_priv()), and freed with it.
 */
struct clshm_local_seg {
	struct file *shmem;
	struct xarray chunks;
};

static int local_seg_init(struct clshm_seg *seg)
{
	bool huge = local_mnt && (hugepages || (seg->state & CLSHM_SEG_HUGETLB));
	struct clshm_local_seg *ls;
	struct address_space *mapping;
	char name[24];

	ls = clshm_seg_priv(seg);
	xa_init(&ls->chunks);
	snprintf(name, sizeof(name), "clshm:0x%08x", seg->shmid);
	if (huge)
		ls->shmem = shmem_file_setup_with_mnt(local_mnt, name,
					(loff_t)seg->npages << PAGE_SHIFT,
					CLSHM_SHMEM_NORESERVE);
	else
		ls->shmem = shmem_file_setup(name,
					(loff_t)seg->npages << PAGE_SHIFT,
					CLSHM_SHMEM_NORESERVE);
	if (IS_ERR(ls->shmem))
		return PTR_ERR(ls->shmem);
	mapping = ls->shmem->f_mapping;
	mapping_set_unevictable(mapping);
	mapping_set_gfp_mask(mapping, mapping_gfp_mask(mapping) & ~__GFP_MOVABLE);

	/* Attaches map the segment file; rmap must find them in here. */
	seg->mapping = mapping;
	seg->memfile = ls->shmem;
	/*
	 * With huge folios, a first touch makes the whole 2 MiB resident and
	 * the kernel maps it (clshm_seg_attach_vma(), the fault in seg.c).
	 */
	if (huge && seg->npages >= LOCAL_HUGE_PAGES) {
		seg->fault_batch = LOCAL_HUGE_PAGES;
		seg->huge = true;
	}
	seg->bdata = ls;
	return 0;
}

/*
 * The chunk of page pointers holding @index, made if missing.  A fault
 * batch never crosses a chunk: both are aligned, and a batch is at most
 * a chunk (LOCAL_HUGE_PAGES == LOCAL_CHUNK_PAGES on x86-64).
 */
static struct page **local_chunk(struct clshm_local_seg *ls, pgoff_t index)
{
	unsigned long c = index / LOCAL_CHUNK_PAGES;
	struct page **chunk = xa_load(&ls->chunks, c);
	int err;

	if (chunk)
		return chunk;
	chunk = kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return ERR_PTR(-ENOMEM);
	err = xa_err(xa_store(&ls->chunks, c, chunk, GFP_KERNEL_ACCOUNT));
	if (err) {
		kfree(chunk);
		return ERR_PTR(err);
	}
	return chunk;
}

/*
 * Pages are read from the shmem file one folio at a time: the page at the
 * start of each missing run, then the rest of its folio inside the batch,
 * a pin each, without looking the folio up again (a 2 MiB folio is one
 * lookup, not 512).
 */
static int local_seg_populate(struct clshm_seg *seg, pgoff_t first,
			      unsigned long nr)
{
	struct clshm_local_seg *ls = seg->bdata;
	struct address_space *mapping = ls->shmem->f_mapping;
	pgoff_t base = first - first % LOCAL_CHUNK_PAGES, i, j, end;
	unsigned long made = 0;
	struct page **chunk;
	int err = 0;

	lockdep_assert_held(&seg->pages_lock);
	if (WARN_ON_ONCE((first + nr - 1) / LOCAL_CHUNK_PAGES !=
			 first / LOCAL_CHUNK_PAGES))
		return -EINVAL;
	chunk = local_chunk(ls, first);
	if (IS_ERR(chunk))
		return PTR_ERR(chunk);
	/* A batch fills in order, so its last page there means all are. */
	if (chunk[first + nr - 1 - base])
		return 0;
	for (i = first; i < first + nr; i = end) {
		struct folio *folio;
		struct page *page;
		unsigned long pins = 0;

		end = i + 1;
		if (chunk[i - base])
			continue;
		page = shmem_read_mapping_page_gfp(mapping, i,
						   mapping_gfp_mask(mapping));
		if (IS_ERR(page)) {
			err = PTR_ERR(page);
			break;
		}
		folio = page_folio(page);
		/* Nothing writes it back; keep it from looking clean. */
		folio_mark_dirty(folio);
		chunk[i - base] = page;	/* the reference we got is the pin */
		end = min_t(pgoff_t, folio->index + folio_nr_pages(folio),
			    first + nr);
		for (j = i + 1; j < end; j++) {
			if (chunk[j - base])
				continue;
			chunk[j - base] = folio_page(folio, j - folio->index);
			pins++;
		}
		folio_ref_add(folio, pins);
		made += 1 + pins;
	}
	WRITE_ONCE(seg->nr_resident, seg->nr_resident + made);
	clshm_count(seg->part, CLSHM_C_PAGES_ALLOC, made);
	clshm_count(seg->part, CLSHM_C_PAGES_PINNED, made);
	return err;
}

/* Map the resident pages among [first, end) of one chunk. */
static int map_chunk(struct vm_area_struct *vma, struct page **chunk,
		     pgoff_t base, pgoff_t first, pgoff_t end)
{
	pgoff_t i = first;

	while (i < end) {
		unsigned long run, left;
		struct folio *folio;
		pgoff_t j;
		int err;

		if (!chunk[i - base]) {
			i++;
			continue;
		}
		/* A run of resident pages, all of one folio if it is large. */
		folio = page_folio(chunk[i - base]);
		for (j = i; j < end && chunk[j - base]; j++)
			if (folio_test_large(folio) &&
			    page_folio(chunk[j - base]) != folio)
				break;
		run = j - i;
		left = run;
		/*
		 * PTE-mapping part of a huge folio needs the folio lock (rmap
		 * marks it double-mapped), as in the page cache's own faults.
		 */
		if (folio_test_large(folio))
			folio_lock(folio);
		err = vm_insert_pages(vma, clshm_vma_addr(vma, i),
				      &chunk[i - base], &left);
		if (folio_test_large(folio))
			folio_unlock(folio);
		if (!err) {
			i = j;
			continue;
		}
		/* -EBUSY: that page is already mapped; go on after it. */
		if (err != -EBUSY)
			return err;
		i += run - left + 1;
	}
	return 0;
}

static int local_seg_map(struct clshm_seg *seg, struct vm_area_struct *vma,
			 pgoff_t first, unsigned long nr)
{
	struct clshm_local_seg *ls = seg->bdata;
	pgoff_t i = first, end = first + nr;

	lockdep_assert_held(&seg->pages_lock);
	while (i < end) {
		unsigned long c = i / LOCAL_CHUNK_PAGES;
		pgoff_t base = c * LOCAL_CHUNK_PAGES;
		pgoff_t stop = min_t(pgoff_t, end, base + LOCAL_CHUNK_PAGES);
		struct page **chunk = xa_load(&ls->chunks, c);
		int err;

		if (chunk) {
			err = map_chunk(vma, chunk, base, i, stop);
			if (err)
				return err;
		}
		i = stop;
	}
	return 0;
}

static struct page *local_seg_page(struct clshm_seg *seg, pgoff_t index)
{
	struct clshm_local_seg *ls = seg->bdata;
	struct page **chunk;

	lockdep_assert_held(&seg->pages_lock);
	chunk = xa_load(&ls->chunks, index / LOCAL_CHUNK_PAGES);
	return chunk ? chunk[index % LOCAL_CHUNK_PAGES] : NULL;
}

static void local_seg_release(struct clshm_seg *seg)
{
	struct clshm_local_seg *ls = seg->bdata;
	unsigned long c, freed = 0, n;
	struct page **chunk;
	pgoff_t i;

	lockdep_assert_held(&seg->pages_lock);
	xa_for_each(&ls->chunks, c, chunk) {
		for (i = 0; i < LOCAL_CHUNK_PAGES; i += n) {
			struct folio *folio;

			n = 1;
			if (!chunk[i])
				continue;
			/* The pins of a run in one folio go at once. */
			folio = page_folio(chunk[i]);
			while (i + n < LOCAL_CHUNK_PAGES && chunk[i + n] &&
			       page_folio(chunk[i + n]) == folio)
				n++;
			folio_put_refs(folio, n);
			freed += n;
		}
		xa_erase(&ls->chunks, c);
		kfree(chunk);
	}
	/* No PTE maps the segment any more: give the page cache back. */
	if (freed)
		shmem_truncate_range(file_inode(ls->shmem), 0, (loff_t)-1);
	WRITE_ONCE(seg->nr_resident, 0);
	clshm_count(seg->part, CLSHM_C_PAGES_FREED, freed);
	clshm_count(seg->part, CLSHM_C_PAGES_PINNED, -(s64)freed);
}

static void local_seg_free(struct clshm_seg *seg)
{
	struct clshm_local_seg *ls = seg->bdata;

	fput(ls->shmem);
	xa_destroy(&ls->chunks);
	seg->bdata = NULL;
}

const struct clshm_backend_ops clshm_local_backend = {
	.name = "local",
	.vm_flags = VM_MIXEDMAP,
	.priv_size = sizeof(struct clshm_local_seg),
	.seg_init = local_seg_init,
	.seg_populate = local_seg_populate,
	.seg_map = local_seg_map,
	.seg_page = local_seg_page,
	.seg_release = local_seg_release,
	.seg_free = local_seg_free,
};
