// SPDX-License-Identifier: GPL-2.0
/*
 * engage.c - engagement: who maps which extent of whose zone
 *
 * A partition that maps an extent of another partition's zone (an attach
 * of a remote segment) publishes it in the engagement table of its own
 * slot before it uses it, and clears the entry when it no longer maps it.
 * The owner of the zone reads the tables of every partition it does not
 * consider down before it hands pages out again, so memory is never reused
 * while another kernel still maps it (also across the owner's reboot).
 * The local table has a shadow bitmap (fd->engaged) so no entry is ever
 * read back from the fabric.
 *
 * Locking: part->lock protects the table and its shadow.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/kernel.h>

#include "../clshm.h"
#include "fabric.h"

/**
 * clshm_fab_engage - publish that we map an extent of @owner's zone
 * @part: the local partition (part->lock held)
 * @owner: the partition whose zone it is
 * @first: first page of the extent in that zone
 * @npages: pages
 *
 * Return: the entry's index (for clshm_fab_disengage()), -ENOSPC if the
 * table is full, -EINVAL for a bad extent, -ENODEV if not joined.
 */
int clshm_fab_engage(struct clshm_part *part, u32 owner, u64 first,
		     u32 npages)
{
	struct clshm_fabric *fab = part->fab;
	struct clshm_fab_engage *e;
	struct clshm_fab_dev *fd;
	unsigned long idx;

	lockdep_assert_held(&part->lock);
	if (!fab || !fab->joined)
		return -ENODEV;
	fd = to_fdev(fab);
	if (owner >= fab->nparts || owner == part->partid || !npages ||
	    first >= clshm_fab_zone_pages(fab) ||
	    npages > clshm_fab_zone_pages(fab) - first)
		return -EINVAL;
	idx = find_first_zero_bit(fd->engaged, CLSHM_FAB_NENGAGE);
	if (idx >= CLSHM_FAB_NENGAGE)
		return -ENOSPC;

	e = &clshm_fab_slot(fab, part->partid)->engaged[idx];
	WRITE_ONCE(e->first, first);
	WRITE_ONCE(e->npages, npages);
	if (idx >= fab->nengaged) {
		fab->nengaged = idx + 1;
		WRITE_ONCE(clshm_fab_slot(fab, part->partid)->nengaged, fab->nengaged);
	}
	/*
	 * The extent before the owner that makes the entry count: pairs with
	 * the acquire of owner in the owner's clshm_fab_foreign_engaged().
	 */
	virt_store_release(&e->owner, owner + 1);
	clshm_fab_wb(fab, e, sizeof(*e));
	clshm_fab_wb(fab, &clshm_fab_slot(fab, part->partid)->nengaged,
		     sizeof(u32));
	__set_bit(idx, fd->engaged);
	return idx;
}

/**
 * clshm_fab_disengage - we no longer map the extent of entry @idx
 * @part: the local partition (part->lock held)
 * @idx: a return value of clshm_fab_engage() in this join
 */
void clshm_fab_disengage(struct clshm_part *part, int idx)
{
	struct clshm_fabric *fab = part->fab;
	struct clshm_fab_slot *slot;
	struct clshm_fab_dev *fd;
	unsigned long last;

	lockdep_assert_held(&part->lock);
	if (!fab || !fab->joined || idx < 0 || idx >= CLSHM_FAB_NENGAGE)
		return;
	fd = to_fdev(fab);
	if (!test_bit(idx, fd->engaged))
		return;
	slot = clshm_fab_slot(fab, part->partid);
	virt_store_release(&slot->engaged[idx].owner, 0);	/* as above */
	clshm_fab_wb(fab, &slot->engaged[idx], sizeof(slot->engaged[idx]));
	__clear_bit(idx, fd->engaged);
	last = find_last_bit(fd->engaged, CLSHM_FAB_NENGAGE);
	fab->nengaged = last >= CLSHM_FAB_NENGAGE ? 0 : last + 1;
	WRITE_ONCE(slot->nengaged, fab->nengaged);
	clshm_fab_wb(fab, &slot->nengaged, sizeof(u32));
}

/**
 * clshm_fab_foreign_engaged - extents of our zone that peers map
 * @part: the local partition (part->lock held)
 * @out: filled with the extents (owner is the engaging partition's id)
 * @max: capacity of @out
 *
 * Reads the tables of the peers we do not consider down (a peer declared
 * down has let go, whatever its table says), and, until the worker has
 * judged them, of the claimed slots of peers we have not seen yet since
 * we joined: right after a restart they may still map extents of our
 * zone from our earlier boot (orphans), and they are only judged live or
 * dead after a heartbeat, or the timeout.  Entries that make no sense are
 * counted and skipped.
 *
 * Return: entries filled (at most @max).
 */
int clshm_fab_foreign_engaged(struct clshm_part *part,
			      struct clshm_fab_engage *out, int max)
{
	struct clshm_fabric *fab = part->fab;
	u64 zpages, first;
	u32 i, j, n, owner, npages;
	int count = 0;

	lockdep_assert_held(&part->lock);
	if (!fab || !fab->joined)
		return 0;
	zpages = clshm_fab_zone_pages(fab);
	for (i = 0; i < fab->nparts && count < max; i++) {
		struct clshm_fab_slot *slot;

		if (i == part->partid)
			continue;
		slot = clshm_fab_slot(fab, i);
		clshm_fab_inv(fab, slot, CLSHM_FAB_SLOT_SIZE);
		if (fab->peers[i].state == CLSHM_PART_DOWN &&
		    (!(to_fdev(fab)->undecided & BIT_ULL(i)) ||
		     !READ_ONCE(slot->claim)))
			continue;
		n = min_t(u32, READ_ONCE(slot->nengaged), CLSHM_FAB_NENGAGE);
		for (j = 0; j < n && count < max; j++) {
			struct clshm_fab_engage *e = &slot->engaged[j];

			/* Pairs with the release in clshm_fab_engage(). */
			owner = virt_load_acquire(&e->owner);
			if (owner != part->partid + 1)
				continue;
			first = READ_ONCE(e->first);
			npages = READ_ONCE(e->npages);
			if (!npages || first >= zpages ||
			    npages > zpages - first) {
				clshm_fab_stat(fab, CLSHM_FS_SLOT_BAD, 1);
				pr_warn_ratelimited("partition %u engages pages %llu+%u of our zone of %llu pages; ignored\n",
						    i, first, npages, zpages);
				continue;
			}
			out[count].owner = i;
			out[count].npages = npages;
			out[count].first = first;
			count++;
		}
	}
	return count;
}

/**
 * clshm_fab_disengage_all - empty our engagement table
 * @fd: the fabric, leaving (part->lock held)
 *
 * Engagement indexes handed out before are invalid afterwards.
 */
void clshm_fab_disengage_all(struct clshm_fab_dev *fd)
{
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_fab_slot *slot = clshm_fab_slot(fab, fd->part->partid);
	u32 i;

	lockdep_assert_held(&fd->part->lock);
	for (i = 0; i < fab->nengaged; i++)
		virt_store_release(&slot->engaged[i].owner, 0);	/* as above */
	WRITE_ONCE(slot->nengaged, 0);
	clshm_fab_wb(fab, slot, CLSHM_FAB_SLOT_SIZE);
	bitmap_zero(fd->engaged, CLSHM_FAB_NENGAGE);
	fab->nengaged = 0;
}
