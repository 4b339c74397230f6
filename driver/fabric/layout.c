// SPDX-License-Identifier: GPL-2.0
/*
 * layout.c - the fabric's layout: geometry, header, names
 *
 * The fabric (Documentation/fabric.md) is a header, one slot per
 * partition, one mailbox per ordered pair of partitions and one zone per
 * partition.  The geometry is a pure function of the size, the slot count
 * and the page size.  At bind the header is validated, or written on an
 * all-zero fabric, and the geometry is cached in struct clshm_fabric;
 * nothing is sized or indexed from the fabric after that.  The worker
 * checks now and then that the header still reads the same.
 *
 * This file keeps no state and calls no other clshm file.  Locking: none
 * of its own; the header is written once, before any partition uses it.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "../clshm.h"
#include "fabric.h"

#define FAB_FORMAT_WAIT_MS	5000	/* for another partition's formatting */
#define FAB_FORMAT_POLL_MS	50
#define FAB_MIN_ZONE_PAGES	16

static unsigned int fabparts = 8;
module_param(fabparts, uint, 0444);
MODULE_PARM_DESC(fabparts, "Partition slots when formatting a fabric (2..64)");

/* Is the module parameter in range?  Return: 0 or -EINVAL. */
int clshm_fab_params_check(void)
{
	if (fabparts >= 2 && fabparts <= CLSHM_FAB_MAX_PARTS)
		return 0;
	pr_err("fabparts=%u is out of range (2..%u)\n", fabparts,
	       CLSHM_FAB_MAX_PARTS);
	return -EINVAL;
}

/**
 * struct fab_geom - where things are in a fabric
 * @slots_off: byte offset of slot 0
 * @mbox_off: byte offset of the first mailbox
 * @zones_off: byte offset of zone 0
 * @zone_size: bytes per zone
 */
struct fab_geom {
	u64 slots_off;
	u64 mbox_off;
	u64 zones_off;
	u64 zone_size;
};

/*
 * The geometry rule: the layout is a pure function of the fabric size and
 * the slot count (and PAGE_SIZE).  Metadata (header, slots, mailboxes)
 * first; zones start at the next 2 MiB boundary on fabrics of 32 MiB or
 * more (so huge mappings are possible), at the next page otherwise; the
 * rest is split evenly, each zone a multiple of that alignment.
 *
 * Return: 0, or -EINVAL when @nparts is out of range or the zones would
 * be smaller than FAB_MIN_ZONE_PAGES pages.
 */
static int fab_geometry(u64 size, u32 nparts, struct fab_geom *g)
{
	u64 align = size >= SZ_32M ? CLSHM_FAB_ZONE_ALIGN : PAGE_SIZE;
	u64 meta_end;

	if (nparts < 2 || nparts > CLSHM_FAB_MAX_PARTS)
		return -EINVAL;
	g->slots_off = CLSHM_FAB_HDR_SIZE;
	g->mbox_off = g->slots_off + (u64)nparts * CLSHM_FAB_SLOT_SIZE;
	meta_end = g->mbox_off + (u64)nparts * nparts * CLSHM_FAB_MBOX_SIZE;
	g->zones_off = ALIGN(meta_end, align);
	if (g->zones_off >= size)
		return -EINVAL;
	g->zone_size = ALIGN_DOWN((size - g->zones_off) / nparts, align);
	if (g->zone_size < FAB_MIN_ZONE_PAGES * PAGE_SIZE)
		return -EINVAL;
	return 0;
}

/*
 * Why header copy @h cannot be used on a fabric of @size bytes, or NULL;
 * on NULL, @g holds the geometry.
 */
static const char *fab_hdr_mismatch(const struct clshm_fab_hdr *h, u64 size,
				    struct fab_geom *g)
{
	if (h->magic != CLSHM_FAB_MAGIC)
		return "bad magic";
	if (h->format != CLSHM_FAB_READY)
		return "not in the formatted state";
	if (h->major != CLSHM_FAB_MAJOR)
		return "another layout major version";
	if (h->size != size)
		return "its size is not the BAR size";
	if (h->page_size != PAGE_SIZE)
		return "another page size";
	if (h->nparts < 2 || h->nparts > CLSHM_FAB_MAX_PARTS)
		return "partition count out of range";
	if (h->slot_size != CLSHM_FAB_SLOT_SIZE ||
	    h->msg_size != CLSHM_FAB_MSG_SIZE ||
	    h->mbox_nents != CLSHM_FAB_MBOX_NENTS ||
	    h->mbox_size != CLSHM_FAB_MBOX_SIZE)
		return "other slot, message or mailbox sizes";
	if (fab_geometry(size, h->nparts, g))
		return "its size cannot hold that many partitions";
	if (h->slots_off != g->slots_off || h->mbox_off != g->mbox_off ||
	    h->zones_off != g->zones_off || h->zone_size != g->zone_size)
		return "offsets or zone size break the geometry rule";
	return NULL;
}

/* One copy of the header; format read first, with acquire. */
static void fab_hdr_read(struct clshm_fabric *fab, struct clshm_fab_hdr *h)
{
	u32 format;

	clshm_fab_inv(fab, fab_hdr(fab), sizeof(*h));
	/* Pairs with the release of READY in fab_format(). */
	format = virt_load_acquire(&fab_hdr(fab)->format);
	memcpy(h, fab_hdr(fab), sizeof(*h));
	h->format = format;
}

/*
 * Write the layout on an all-zero fabric whose format word we own (we
 * moved it from UNFORMATTED to FORMATTING).  Only the metadata area is
 * written: the header, the slots and the mailbox headers.
 */
static void fab_format(struct clshm_fabric *fab, const struct fab_geom *g,
		       u32 nparts, u32 formatter, u64 stamp)
{
	struct clshm_fab_hdr *hdr = fab_hdr(fab);
	u32 f, t;

	WRITE_ONCE(hdr->major, CLSHM_FAB_MAJOR);
	WRITE_ONCE(hdr->minor, CLSHM_FAB_MINOR);
	WRITE_ONCE(hdr->formatter, formatter);
	WRITE_ONCE(hdr->size, fab->size);
	WRITE_ONCE(hdr->format_stamp, stamp);
	WRITE_ONCE(hdr->page_size, PAGE_SIZE);
	WRITE_ONCE(hdr->nparts, nparts);
	WRITE_ONCE(hdr->slot_size, CLSHM_FAB_SLOT_SIZE);
	WRITE_ONCE(hdr->msg_size, CLSHM_FAB_MSG_SIZE);
	WRITE_ONCE(hdr->mbox_nents, CLSHM_FAB_MBOX_NENTS);
	WRITE_ONCE(hdr->mbox_size, CLSHM_FAB_MBOX_SIZE);
	WRITE_ONCE(hdr->slots_off, g->slots_off);
	WRITE_ONCE(hdr->mbox_off, g->mbox_off);
	WRITE_ONCE(hdr->zones_off, g->zones_off);
	WRITE_ONCE(hdr->zone_size, g->zone_size);

	memset(fab->base + g->slots_off, 0, (size_t)nparts * CLSHM_FAB_SLOT_SIZE);
	for (f = 0; f < nparts; f++)
		for (t = 0; t < nparts; t++)
			memset(fab->base + g->mbox_off +
			       ((u64)f * nparts + t) * CLSHM_FAB_MBOX_SIZE,
			       0, CLSHM_FAB_MBOX_HDR);
	clshm_fab_wb(fab, fab->base + g->slots_off, g->zones_off - g->slots_off);

	/*
	 * Layout before magic, magic before READY: pairs with the acquire
	 * of format in fab_hdr_read() and clshm_fab_layout() of every
	 * partition.
	 */
	virt_wmb();
	clshm_fab_wb(fab, hdr, sizeof(*hdr));
	WRITE_ONCE(hdr->magic, CLSHM_FAB_MAGIC);
	virt_store_release(&hdr->format, CLSHM_FAB_READY);
	clshm_fab_wb(fab, hdr, sizeof(*hdr));
}

/*
 * Find (or make) a valid layout on the fabric and cache its geometry.
 * Never writes a fabric that is not all-zero in its format and magic
 * words, and never writes the zones.
 */
int clshm_fab_layout(struct clshm_fab_dev *fd, u32 formatter)
{
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_fab_hdr *hdr = fab_hdr(fab);
	struct clshm_fab_hdr h;
	struct fab_geom g;
	const char *why;
	u32 format;
	int i;

	clshm_fab_inv(fab, hdr, sizeof(*hdr));
	format = virt_load_acquire(&hdr->format);	/* pairs with fab_format() */
	if (format == CLSHM_FAB_UNFORMATTED && READ_ONCE(hdr->magic) == 0) {
		if (fab_geometry(fab->size, fabparts, &g)) {
			pr_err("a fabric of %llu bytes is too small for %u partitions (zones of at least %u pages); use a larger fabric or a smaller fabparts\n",
			       fab->size, fabparts, FAB_MIN_ZONE_PAGES);
			return -ENOSPC;
		}
		/* Not coherent: the admin makes one partition load first. */
		if (cmpxchg(&hdr->format, CLSHM_FAB_UNFORMATTED,
			    CLSHM_FAB_FORMATTING) == CLSHM_FAB_UNFORMATTED) {
			fab_format(fab, &g, fabparts, formatter,
				   fd->part->incarnation);
			pr_info("formatted a new fabric: %llu MiB, %u partition slots, zones of %llu KiB\n",
				fab->size >> 20, fabparts, g.zone_size >> 10);
		}
		/* Else another partition got there first: wait for it. */
	}

	for (i = 0; i < FAB_FORMAT_WAIT_MS / FAB_FORMAT_POLL_MS; i++) {
		clshm_fab_inv(fab, &hdr->format, sizeof(u32));
		if (virt_load_acquire(&hdr->format) != CLSHM_FAB_FORMATTING)
			break;
		msleep(FAB_FORMAT_POLL_MS);
	}

	fab_hdr_read(fab, &h);
	if (h.format == CLSHM_FAB_FORMATTING) {
		pr_err("partition %u has been formatting the fabric for more than %u s; if it died, recreate the fabric memory (all zeros) and load again\n",
		       h.formatter, FAB_FORMAT_WAIT_MS / 1000);
		return -ETIMEDOUT;
	}
	why = fab_hdr_mismatch(&h, fab->size, &g);
	if (why) {
		pr_err("refusing the fabric: %s (magic %#llx, format %u, layout %u.%u, size %llu of %llu, page size %u, %u slots); it is left untouched and clshm runs locally\n",
		       why, h.magic, h.format, h.major, h.minor, h.size,
		       fab->size, h.page_size, h.nparts);
		return -EINVAL;
	}

	fd->hdr = h;
	fab->nparts = h.nparts;
	fab->slots_off = g.slots_off;
	fab->mbox_off = g.mbox_off;
	fab->zones_off = g.zones_off;
	fab->zone_size = g.zone_size;
	return 0;
}

/*
 * Worker: count a header that no longer matches the one validated at bind,
 * once per change.  The cached geometry stays in use.
 */
void clshm_fab_check_hdr(struct clshm_fab_dev *fd)
{
	struct clshm_fab_hdr h;

	fab_hdr_read(&fd->fab, &h);
	if (!memcmp(&h, &fd->hdr, sizeof(h))) {
		fd->hdr_bad = false;
		return;
	}
	if (fd->hdr_bad && !memcmp(&h, &fd->hdr_seen, sizeof(h)))
		return;
	fd->hdr_bad = true;
	fd->hdr_seen = h;
	clshm_fab_stat(&fd->fab, CLSHM_FS_HDR_BAD, 1);
	pr_err_ratelimited("the fabric header changed (magic %#llx, format %u, %u slots, size %llu); keeping the layout validated at bind\n",
			   h.magic, h.format, h.nparts, h.size);
}

/* ---------------------------------------------------------------------
 * Names
 */

/* Host name characters: printable ASCII without blanks. */
static bool fab_name_char_ok(char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/*
 * Length of the NUL-terminated printable name in @s (at most @max bytes
 * with the NUL), or -1 if there is no NUL or a character is not printable.
 */
int clshm_fab_name_len(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max; i++) {
		if (!s[i])
			return i;
		if (!fab_name_char_ok(s[i]))
			return -1;
	}
	return -1;
}

/* Our host name for the slot: truncated, blanks and the like as '?'. */
void clshm_fab_local_hostname(char *buf)
{
	size_t i;

	memset(buf, 0, CLSHM_FAB_HOSTNAME_MAX);
	strscpy(buf, utsname()->nodename, CLSHM_FAB_HOSTNAME_MAX);
	for (i = 0; i < CLSHM_FAB_HOSTNAME_MAX && buf[i]; i++)
		if (!fab_name_char_ok(buf[i]))
			buf[i] = '?';
}

/* A copy of slot @s's host name that is safe to print. */
void clshm_fab_slot_hostname(struct clshm_fab_slot *s, char *buf)
{
	size_t i;

	memcpy(buf, s->hostname, CLSHM_FAB_HOSTNAME_MAX);
	buf[CLSHM_FAB_HOSTNAME_MAX - 1] = 0;
	for (i = 0; buf[i]; i++)
		if (!fab_name_char_ok(buf[i]))
			buf[i] = '?';
}
