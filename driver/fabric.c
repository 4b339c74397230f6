// SPDX-License-Identifier: GPL-2.0
/*
 * fabric.c - the fabric transport: the ivshmem device, the layout on it,
 *            membership, mailboxes and doorbells
 *
 * Object model
 * ------------
 * One ivshmem device (PCI 1af4:1110) binds, and becomes the fabric of the
 * local partition (clshm_local->fab).  It is a struct clshm_fab_dev: the
 * struct clshm_fabric other files see (fabric.h) plus what only this file
 * uses.  BAR2 is the fabric (Documentation/fabric.md): a header, one slot
 * per partition, one mailbox per ordered pair of partitions and one zone
 * per partition.  The geometry is validated (or written, on an all-zero
 * fabric) at bind and cached; nothing is ever sized or indexed from the
 * fabric after that.
 *
 * While the local partition is started it is "joined": it holds its slot
 * (compare-and-swap on slot.claim), a small work item of its own beats in
 * it, and the fabric worker (one delayed work item on an ordered
 * workqueue, so never concurrent with itself) scans the other slots, runs
 * each peer's local state machine (DOWN -> JOINING -> UP -> DOWN), answers
 * kernel hellos and drains the mailboxes addressed to us.  A doorbell
 * interrupt only kicks the worker.
 *
 * Everything read from the fabric is untrusted: other kernels, or anything
 * else that maps the memory, may write any byte at any time.  Every field
 * is read once (READ_ONCE, or one memcpy of a mailbox entry into a local
 * copy), checked, and only then used; bad input is counted in fab->stats,
 * logged with a rate limit, and dropped.
 *
 * Locking
 * -------
 * part->lock (mutex) protects the membership: fab->joined, the peers'
 * states, the engagement table, and the join epoch; the worker takes it
 * for each change.  fab->tx_lock (spinlock, inside part->lock) protects
 * the send side: our mailbox heads, whether sending is open, and the
 * doorbell targets; it lets clshm_fab_send() run with or without
 * part->lock.  fd->hb_lock (spinlock) protects the heartbeat's target; the
 * heartbeat never takes part->lock, so it goes on while the worker or
 * anyone else holds part->lock for long, and part->lock holders may wait
 * for it to stop.  The worker's private state (see struct clshm_fab_dev)
 * is only touched by the worker.
 *
 * Stopping the worker.  Join and leave run with part->lock held, and the
 * worker takes part->lock (and so may remote.c from inside
 * clshm_remote_recv() and clshm_remote_tick()), so nobody waits for the
 * worker while holding part->lock.  Instead every pass checks, under
 * part->lock, that the partition is joined and that the join epoch is the
 * one it started with before it changes anything, and it requeues itself
 * only if still joined.  Leave therefore just clears fab->joined: a pass
 * in flight changes nothing afterwards and ends.  Each join bumps the
 * epoch, so a pass left over from before a leave and a new join is
 * recognised too; the worker's private state is reset at the first pass
 * of an epoch.  Only device removal waits for the worker (without
 * part->lock).
 *
 * Lock order: part->lock -> fab->tx_lock (see fabric.h);
 *             part->lock -> fd->hb_lock.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/workqueue.h>

#include "clshm.h"
#include "fabric.h"

/* ivshmem BAR0 registers (docs/specs/ivshmem-spec.rst in QEMU). */
#define FAB_REGS_SIZE		256
#define FAB_REG_IVPOSITION	8
#define FAB_REG_DOORBELL	12
#define FAB_IVPOSITION_MAX	0xffffu

#define FAB_HB_MS		100	/* heartbeat period */
#define FAB_CLAIM_WAIT		3	/* heartbeat periods to watch a held slot */
#define FAB_FORMAT_WAIT_MS	5000	/* for another partition's formatting */
#define FAB_FORMAT_POLL_MS	50
#define FAB_KHELLO_RESEND_MS	1000	/* while a peer stays JOINING */
#define FAB_MIN_TIMEOUT_MS	500	/* never declare a peer down sooner */
#define FAB_MIN_ZONE_PAGES	16
#define FAB_POLLMS_MAX		FAB_HB_MS

/*
 * Kernel hello payload (CLSHM_FM_KHELLO, len FAB_KHELLO_LEN): data[0] is
 * the sender's hello session with the receiver (counts the times it has
 * started to join the receiver, from 1), data[1] holds FAB_KHELLO_* bits.
 */
#define FAB_KHELLO_LEN		16
#define FAB_KHELLO_ASK		0x1	/* answer with a hello of yours */

static unsigned int fabparts = 8;
module_param(fabparts, uint, 0444);
MODULE_PARM_DESC(fabparts, "Partition slots when formatting a fabric (2..64)");

static unsigned int pollms;
module_param(pollms, uint, 0444);
MODULE_PARM_DESC(pollms, "Fabric worker period in ms (0: 20 without doorbells, 100 with; at most 100)");

/* What the worker knows of a peer beyond struct clshm_fab_peer. */
struct fab_wpeer {
	bool tracked;		/* hb_claim and the heartbeat fields are set */
	bool hb_live;		/* its heartbeat moved (or it is a new boot) */
	u64 hb_claim;		/* claim the heartbeat fields belong to */
	unsigned long khello_at;	/* jiffies of the last KHELLO sent */
	const char *bad;	/* why its slot was last found bad */
	u64 bad_inc;
	bool rx_active;		/* drain its mailbox in this pass */
	u64 rx_inc;		/* its incarnation at the start of the pass */
};

/* The bound device: the part fabric.h shows, and ours. */
struct clshm_fab_dev {
	struct clshm_fabric fab;

	/* Immutable after bind. */
	struct clshm_part *part;		/* clshm_local */
	int irq;				/* doorbell vector, or -1 */
	unsigned long period;			/* worker period, jiffies */
	struct clshm_fab_hdr hdr;		/* the header as validated */

	/* Protected by part->lock. */
	u64 epoch;				/* bumped by every join */
	u64 rx_start[CLSHM_FAB_MAX_PARTS];	/* mailbox heads at join */
	DECLARE_BITMAP(engaged, CLSHM_FAB_NENGAGE);	/* our table, shadow */
	u64 sess_tx[CLSHM_FAB_MAX_PARTS];	/* our hello session with i */
	u64 sess_rx[CLSHM_FAB_MAX_PARTS];	/* i's with us while up, or 0 */
	char host[CLSHM_FAB_HOSTNAME_MAX];	/* as written in our slot */
	u64 undecided;				/* peers not judged since join */

	/* Protected by fab.tx_lock (with fab.tx_head). */
	bool tx_open;				/* joined: sending allowed */
	u32 tx_from;				/* our partition id */
	u64 tx_inc;				/* our incarnation */
	s32 tx_bell[CLSHM_FAB_MAX_PARTS];	/* peer's ivposition, or -1 */

	/* The heartbeat: its own work item, never under part->lock. */
	struct workqueue_struct *hb_wq;
	struct delayed_work hb_work;
	spinlock_t hb_lock;
	struct clshm_fab_slot *hb_slot;		/* beating in it, or NULL */
	u64 hb_inc;				/* our claim */
	u64 hb;					/* our heartbeat */

	/* Private to the fabric worker. */
	u64 w_epoch;				/* epoch the state below is for */
	bool own_foreign;			/* our claim word is not ours... */
	unsigned long own_foreign_since;	/* ...since then (jiffies) */
	struct fab_wpeer wp[CLSHM_FAB_MAX_PARTS];
	bool hdr_bad;				/* the header differs... */
	struct clshm_fab_hdr hdr_seen;		/* ...and looked like this */
};

static DEFINE_MUTEX(fab_bind_lock);
static struct clshm_fab_dev *fab_bound;	/* under fab_bind_lock */

static struct clshm_fab_dev *to_fdev(struct clshm_fabric *fab)
{
	return container_of(fab, struct clshm_fab_dev, fab);
}

/* ---------------------------------------------------------------------
 * Layout
 */

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

static struct clshm_fab_hdr *fab_hdr(struct clshm_fabric *fab)
{
	return fab->base;
}

/* Slot @id; @id < fab->nparts (a cached, validated value). */
static struct clshm_fab_slot *fab_slot(struct clshm_fabric *fab, u32 id)
{
	return fab->base + fab->slots_off + (u64)id * CLSHM_FAB_SLOT_SIZE;
}

/* The mailbox from partition @from to partition @to (both < nparts). */
static struct clshm_fab_mbox *fab_mbox(struct clshm_fabric *fab, u32 from,
				       u32 to)
{
	return fab->base + fab->mbox_off +
	       ((u64)from * fab->nparts + to) * CLSHM_FAB_MBOX_SIZE;
}

/* The entry of mailbox @m that position @pos uses. */
static struct clshm_fab_msg *fab_mbox_ent(struct clshm_fab_mbox *m, u64 pos)
{
	return (void *)m + CLSHM_FAB_MBOX_HDR +
	       (pos % CLSHM_FAB_MBOX_NENTS) * CLSHM_FAB_MSG_SIZE;
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
	u32 format = smp_load_acquire(&fab_hdr(fab)->format);

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

	/* Layout before magic, magic before READY. */
	smp_wmb();
	WRITE_ONCE(hdr->magic, CLSHM_FAB_MAGIC);
	smp_store_release(&hdr->format, CLSHM_FAB_READY);
}

/*
 * Find (or make) a valid layout on the fabric and cache its geometry.
 * Never writes a fabric that is not all-zero in its format and magic
 * words, and never writes the zones.
 */
static int fab_layout(struct clshm_fab_dev *fd, u32 formatter)
{
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_fab_hdr *hdr = fab_hdr(fab);
	struct clshm_fab_hdr h;
	struct fab_geom g;
	const char *why;
	u32 format;
	int i;

	format = smp_load_acquire(&hdr->format);
	if (format == CLSHM_FAB_UNFORMATTED && READ_ONCE(hdr->magic) == 0) {
		if (fab_geometry(fab->size, fabparts, &g)) {
			pr_err("a fabric of %llu bytes is too small for %u partitions (zones of at least %u pages); use a larger fabric or a smaller fabparts\n",
			       fab->size, fabparts, FAB_MIN_ZONE_PAGES);
			return -ENOSPC;
		}
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
		if (smp_load_acquire(&hdr->format) != CLSHM_FAB_FORMATTING)
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
static void fab_check_hdr(struct clshm_fab_dev *fd)
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
static int fab_name_len(const char *s, size_t max)
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
static void fab_local_hostname(char *buf)
{
	size_t i;

	memset(buf, 0, CLSHM_FAB_HOSTNAME_MAX);
	strscpy(buf, utsname()->nodename, CLSHM_FAB_HOSTNAME_MAX);
	for (i = 0; i < CLSHM_FAB_HOSTNAME_MAX && buf[i]; i++)
		if (!fab_name_char_ok(buf[i]))
			buf[i] = '?';
}

/* A copy of slot @s's host name that is safe to print. */
static void fab_slot_hostname(struct clshm_fab_slot *s, char *buf)
{
	size_t i;

	memcpy(buf, s->hostname, CLSHM_FAB_HOSTNAME_MAX);
	buf[CLSHM_FAB_HOSTNAME_MAX - 1] = 0;
	for (i = 0; buf[i]; i++)
		if (!fab_name_char_ok(buf[i]))
			buf[i] = '?';
}

/* ---------------------------------------------------------------------
 * Sending
 */

static void fab_ring(struct clshm_fabric *fab, s32 bell)
{
	/* Publish the mailbox before the interrupt. */
	wmb();
	writel((u32)bell << 16, fab->regs + FAB_REG_DOORBELL);
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
	tail = READ_ONCE(m->tail);
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
	fab->tx_head[to] = ++head;
	/* The entry before the head that publishes it. */
	smp_store_release(&m->head, head);
	clshm_fab_stat(fab, CLSHM_FS_MSGS_SENT, 1);
	if (fd->tx_bell[to] >= 0)
		fab_ring(fab, fd->tx_bell[to]);
	err = 0;
out_unlock:
	spin_unlock(&fab->tx_lock);
	return err;
}

/**
 * clshm_fab_doorbell_all - interrupt every peer that has a doorbell
 * @part: the local partition
 *
 * Rings the peers we consider joining or up, if they and we have
 * doorbells; a hint only (their workers also poll).
 */
void clshm_fab_doorbell_all(struct clshm_part *part)
{
	struct clshm_fabric *fab = part->fab;
	struct clshm_fab_dev *fd;
	u32 i;

	if (!fab)
		return;
	fd = to_fdev(fab);
	spin_lock(&fab->tx_lock);
	if (fd->tx_open)
		for (i = 0; i < fab->nparts; i++)
			if (fd->tx_bell[i] >= 0)
				fab_ring(fab, fd->tx_bell[i]);
	spin_unlock(&fab->tx_lock);
}

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
	if (beating && READ_ONCE(fd->hb_slot->claim) == fd->hb_inc) {
		fd->hb++;
		WRITE_ONCE(fd->hb_slot->heartbeat, fd->hb);
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
	peer->state = CLSHM_PART_DOWN;
	fd->sess_rx[id] = 0;
	fab_set_bell(fd, id, -1);
	clshm_remote_peer_down(part, id);
	clshm_node_remove(part, peer->dev);
	peer->dev = NULL;
	if (was_up || reason == CLSHM_DOWN_REFUSED)
		clshm_ring_post_peer(part, CLSHM_MSG_PART_DOWN, reason, id,
				     peer->incarnation, 0, 0);
	if (was_up) {
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

static void fab_slot_read(struct clshm_fab_slot *s, struct fab_slot_view *v)
{
	/* The holder fills its slot, then incarnation, then state (release). */
	v->state = smp_load_acquire(&s->state);
	v->claim = READ_ONCE(s->claim);
	v->inc = READ_ONCE(s->incarnation);
	v->hb = READ_ONCE(s->heartbeat);
	smp_rmb();
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
	if (fab_name_len(v->host, sizeof(v->host)) < 0)
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
	fab_slot_read(fab_slot(fab, id), &v);
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
	struct clshm_fab_slot *slot = fab_slot(fab, part->partid);

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
	smp_wmb();
	WRITE_ONCE(slot->incarnation, part->incarnation);
	smp_store_release(&slot->state, CLSHM_PART_UP);
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
	struct clshm_fab_slot *slot = fab_slot(fab, part->partid);
	u64 claim = READ_ONCE(slot->claim);
	char host[CLSHM_FAB_HOSTNAME_MAX];
	u32 i;

	lockdep_assert_held(&part->lock);
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

	fab_slot_hostname(slot, host);
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

/* ---------------------------------------------------------------------
 * Receiving
 */

/* Why a copied mailbox entry is dropped, or NULL. */
static const char *fab_msg_bad(const struct clshm_fab_msg *m, u64 pos,
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

static void fab_msg_drop(struct clshm_fabric *fab, u32 from, u64 pos,
			 const struct clshm_fab_msg *m, const char *why)
{
	clshm_fab_stat(fab, CLSHM_FS_MSGS_BAD, 1);
	pr_warn_ratelimited("dropped entry %llu from partition %u (type %u): bad %s\n",
			    pos, from, m->type, why);
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
		fab_msg_drop(&fd->fab, from, pos, m, "hello");
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
	n = fab_name_len(name, min_t(u32, m->len, CLSHM_HOSTNAME_MAX));
	if (n < 1) {
		fab_msg_drop(&fd->fab, from, pos, m, "host name");
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

	if (!ok) {
		/* From a peer that is not up (any more): not for us. */
		clshm_fab_stat(&fd->fab, CLSHM_FS_MSGS_BAD, 1);
		pr_debug("entry %llu (type %u) from partition %u, which is not up, dropped\n",
			 pos, m->type, from);
		return;
	}
	clshm_fab_stat(&fd->fab, CLSHM_FS_MSGS_RECV, 1);
	clshm_remote_recv(part, from, m);
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

	head = smp_load_acquire(&mb->head);
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
		memcpy(&msg, fab_mbox_ent(mb, tail), sizeof(msg));
		why = fab_msg_bad(&msg, tail, inc, from);
		if (why)
			fab_msg_drop(fab, from, tail, &msg, why);
		else
			fab_dispatch(fd, from, inc, epoch, tail, &msg);
	}
	if (READ_ONCE(fd->epoch) != epoch)
		return false;
	peer->rx_tail = tail;
	smp_store_release(&mb->tail, tail);
	return n == CLSHM_FAB_MBOX_NENTS;
}

/* ---------------------------------------------------------------------
 * The worker
 */

static void fab_work(struct work_struct *work)
{
	struct clshm_fab_dev *fd = container_of(to_delayed_work(work),
						struct clshm_fab_dev,
						fab.work);
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_part *part = fd->part;
	unsigned long tmo;
	bool more = false;
	u64 epoch;
	u32 i, me;

	fab_check_hdr(fd);

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
	clshm_remote_tick(part);

	mutex_lock(&part->lock);
	if (fab_session_ok(fd, epoch)) {
		if (more)
			mod_delayed_work(fab->wq, &fab->work, 0);
		else
			queue_delayed_work(fab->wq, &fab->work, fd->period);
	}
out_unlock:
	mutex_unlock(&part->lock);
}

static irqreturn_t fab_irq(int irq, void *data)
{
	struct clshm_fabric *fab = data;

	clshm_fab_stat(fab, CLSHM_FS_INTERRUPTS, 1);
	mod_delayed_work(fab->wq, &fab->work, 0);
	return IRQ_HANDLED;
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
	struct clshm_fab_slot *slot = fab_slot(&fd->fab, id);
	char host[CLSHM_FAB_HOSTNAME_MAX];
	u64 old, hb;
	int i;

	lockdep_assert_held(&fd->part->lock);
	old = cmpxchg64(&slot->claim, 0, inc);
	if (!old || old == inc)
		return 0;

	hb = READ_ONCE(slot->heartbeat);
	for (i = 0; i < FAB_CLAIM_WAIT; i++) {
		msleep(FAB_HB_MS);
		if (READ_ONCE(slot->heartbeat) != hb)
			goto clash;
	}
	if (cmpxchg64(&slot->claim, old, inc) != old) {
		pr_err("partition id %u was claimed by another partition at the same time; set a different partid\n",
		       id);
		return -EADDRINUSE;
	}
	fab_slot_hostname(slot, host);
	pr_info("took over slot %u from a partition that stopped (host %s, incarnation %llu)\n",
		id, host, old);
	return 0;

clash:
	fab_slot_hostname(slot, host);
	pr_err("partition id %u is already used by a live partition (host %s, incarnation %llu); set a different partid\n",
	       id, host, READ_ONCE(slot->incarnation));
	return -EADDRINUSE;
}

/* Fill our claimed slot and declare it UP (part->lock held). */
static void fab_slot_fill(struct clshm_fab_dev *fd, u32 id, u64 inc)
{
	struct clshm_fab_slot *slot = fab_slot(&fd->fab, id);
	size_t i;

	lockdep_assert_held(&fd->part->lock);
	fab_local_hostname(fd->host);
	fab_slot_static(fd, slot, id);
	WRITE_ONCE(slot->nengaged, 0);
	memset(slot->pad, 0, sizeof(slot->pad));
	for (i = 0; i < CLSHM_FAB_NENGAGE; i++)
		WRITE_ONCE(slot->engaged[i].owner, 0);
	/* The fields before incarnation, incarnation before state. */
	smp_wmb();
	WRITE_ONCE(slot->incarnation, inc);
	smp_store_release(&slot->state, CLSHM_PART_UP);
	fab_hb_set(fd, slot, inc);
}

/**
 * clshm_fab_join - join the fabric at startup
 * @part: the local partition (part->lock held), before its node exists
 *
 * With doorbells the partition id is the device's IVPosition; without,
 * the configured partid.  Claims that id's slot, fills it, and starts the
 * worker.  Messages queued for an earlier boot of ours are skipped.
 *
 * Return: 0 (also without a fabric); -ERANGE if the id has no slot;
 * -EADDRINUSE if a live partition uses the id; -EBUSY if joined already.
 */
int clshm_fab_join(struct clshm_part *part)
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
		fd->rx_start[i] = i == id ? 0 :
				  READ_ONCE(fab_mbox(fab, i, id)->head);
	}

	spin_lock(&fab->tx_lock);
	for (i = 0; i < fab->nparts; i++) {
		struct clshm_fab_mbox *m = fab_mbox(fab, id, i);
		u64 head = READ_ONCE(m->head), tail = READ_ONCE(m->tail);

		/* Go on after our earlier boot's messages (receivers drop
		 * them by incarnation); restart at the tail if head is junk. */
		fab->tx_head[i] = head - tail > CLSHM_FAB_MBOX_NENTS ? tail : head;
		WRITE_ONCE(m->head, fab->tx_head[i]);
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
	slot = fab_slot(fab, id);
	WRITE_ONCE(slot->state, CLSHM_PART_LEAVING);

	spin_lock(&fab->tx_lock);
	memcpy(bells, fd->tx_bell, sizeof(bells));
	spin_unlock(&fab->tx_lock);
	for (i = 0; i < fab->nparts; i++)
		if (i != id)
			fab_peer_down(fd, i, CLSHM_DOWN_LEFT);

	spin_lock(&fab->tx_lock);
	fd->tx_open = false;
	spin_unlock(&fab->tx_lock);

	for (i = 0; i < fab->nengaged; i++)
		smp_store_release(&slot->engaged[i].owner, 0);
	WRITE_ONCE(slot->nengaged, 0);
	bitmap_zero(fd->engaged, CLSHM_FAB_NENGAGE);
	fab->nengaged = 0;

	fab_hb_set(fd, NULL, 0);
	WRITE_ONCE(slot->state, CLSHM_PART_DOWN);
	smp_store_release(&slot->claim, 0);
	for (i = 0; i < fab->nparts; i++)
		if (bells[i] >= 0)
			fab_ring(fab, bells[i]);
	fab->joined = false;
	pr_info("partition %u left the fabric%s\n", id,
		force ? " (forced shutdown)" : "");
}

/* ---------------------------------------------------------------------
 * Engagement
 */

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

	e = &fab_slot(fab, part->partid)->engaged[idx];
	WRITE_ONCE(e->first, first);
	WRITE_ONCE(e->npages, npages);
	if (idx >= fab->nengaged) {
		fab->nengaged = idx + 1;
		WRITE_ONCE(fab_slot(fab, part->partid)->nengaged, fab->nengaged);
	}
	/* The extent before the owner that makes the entry count. */
	smp_store_release(&e->owner, owner + 1);
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
	slot = fab_slot(fab, part->partid);
	smp_store_release(&slot->engaged[idx].owner, 0);
	__clear_bit(idx, fd->engaged);
	last = find_last_bit(fd->engaged, CLSHM_FAB_NENGAGE);
	fab->nengaged = last >= CLSHM_FAB_NENGAGE ? 0 : last + 1;
	WRITE_ONCE(slot->nengaged, fab->nengaged);
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
		slot = fab_slot(fab, i);
		if (fab->peers[i].state == CLSHM_PART_DOWN &&
		    (!(to_fdev(fab)->undecided & BIT_ULL(i)) ||
		     !READ_ONCE(slot->claim)))
			continue;
		n = min_t(u32, READ_ONCE(slot->nengaged), CLSHM_FAB_NENGAGE);
		for (j = 0; j < n && count < max; j++) {
			struct clshm_fab_engage *e = &slot->engaged[j];

			owner = smp_load_acquire(&e->owner);
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

/* ---------------------------------------------------------------------
 * ioctls
 */

/**
 * clshm_fab_peer_ioctl - CLSHM_IOC_PEER: the daemon's hello or refusal
 * @part: the local partition
 * @file: the ctl file (must be the daemon's)
 * @argp: struct clshm_peer in user memory
 */
int clshm_fab_peer_ioctl(struct clshm_part *part, struct file *file,
			 void __user *argp)
{
	char name[CLSHM_HOSTNAME_MAX] = "";
	struct clshm_fab_msg msg = {};
	struct clshm_fabric *fab;
	struct clshm_peer a;
	int err;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.op != CLSHM_PEER_HELLO && a.op != CLSHM_PEER_REFUSE)
		return -EINVAL;
	if (a.part >= CLSHM_FAB_MAX_PARTS)
		return -EINVAL;
	if (a.op == CLSHM_PEER_HELLO) {
		if (a.len < 2 || a.len > sizeof(name))
			return -EINVAL;
		if (copy_from_user(name, u64_to_user_ptr(a.name), a.len))
			return -EFAULT;
		if (fab_name_len(name, a.len) != a.len - 1)
			return -EINVAL;
	}

	mutex_lock(&part->lock);
	fab = part->fab;
	err = -ENODEV;
	if (!fab || part->state != CLSHM_STATE_UP || !fab->joined)
		goto out_unlock;
	err = -EPERM;
	if (part->daemon != file)
		goto out_unlock;
	err = -EINVAL;
	if (a.part >= fab->nparts || a.part == part->partid)
		goto out_unlock;
	err = -ENOENT;
	if (fab->peers[a.part].state != CLSHM_PART_UP)
		goto out_unlock;

	if (a.op == CLSHM_PEER_HELLO) {
		msg.type = CLSHM_FM_DHELLO;
		msg.arg[0] = (u64)a.major << 32 | a.minor;
		msg.arg[1] = a.page_size;
		msg.len = a.len;
		memcpy(msg.data, name, a.len);
		err = clshm_fab_send(part, a.part, &msg);
	} else {
		pr_warn("our daemon refused partition %u (host %s); it stays down until it restarts\n",
			a.part, fab->peers[a.part].hostname);
		fab->peers[a.part].refused = true;
		fab_peer_down(to_fdev(fab), a.part, CLSHM_DOWN_REFUSED);
		err = 0;
	}
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/**
 * clshm_fab_info - CLSHM_IOC_FABINFO
 * @part: the local partition
 * @argp: struct clshm_fabinfo in user memory
 */
int clshm_fab_info(struct clshm_part *part, void __user *argp)
{
	struct clshm_fabinfo a = {};
	struct clshm_fabric *fab;

	mutex_lock(&part->lock);
	a.partid = part->partid;
	fab = part->fab;
	if (fab) {
		a.flags = CLSHM_FAB_PRESENT;
		if (fab->doorbell)
			a.flags |= CLSHM_FAB_DOORBELL;
		if (fab->joined)
			a.flags |= CLSHM_FAB_JOINED;
		a.nparts = fab->nparts;
		a.size = fab->size;
		if (part->partid < fab->nparts)
			a.zone_off = fab->zones_off +
				     (u64)part->partid * fab->zone_size;
		a.zone_size = fab->zone_size;
		a.zone_used = part->zone_used;	/* remote.c's allocator */
		a.ivposition = fab->ivposition;
		a.msgs_sent = atomic64_read(&fab->stats[CLSHM_FS_MSGS_SENT]);
		a.msgs_recv = atomic64_read(&fab->stats[CLSHM_FS_MSGS_RECV]);
		a.msgs_bad = atomic64_read(&fab->stats[CLSHM_FS_MSGS_BAD]);
		a.mbox_full = atomic64_read(&fab->stats[CLSHM_FS_MBOX_FULL]);
		a.doorbells = atomic64_read(&fab->stats[CLSHM_FS_DOORBELLS]);
		a.interrupts = atomic64_read(&fab->stats[CLSHM_FS_INTERRUPTS]);
		a.slot_bad = atomic64_read(&fab->stats[CLSHM_FS_SLOT_BAD]);
		a.hdr_bad = atomic64_read(&fab->stats[CLSHM_FS_HDR_BAD]);
		a.peers_up = atomic64_read(&fab->stats[CLSHM_FS_PEERS_UP]);
		a.peers_lost = atomic64_read(&fab->stats[CLSHM_FS_PEERS_LOST]);
		a.reqs_failed = atomic64_read(&fab->stats[CLSHM_FS_REQS_FAILED]);
		a.engaged = bitmap_weight(to_fdev(fab)->engaged,
					  CLSHM_FAB_NENGAGE);
	}
	mutex_unlock(&part->lock);
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}

/* ---------------------------------------------------------------------
 * The PCI driver
 */

static int fab_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct clshm_part *part = clshm_local;
	struct clshm_fab_dev *fd;
	struct clshm_fabric *fab;
	u32 formatter;
	int err;

	BUILD_BUG_ON(sizeof(struct clshm_fab_hdr) > CLSHM_FAB_HDR_SIZE);
	BUILD_BUG_ON(sizeof(struct clshm_fab_slot) != CLSHM_FAB_SLOT_SIZE);
	BUILD_BUG_ON(sizeof(struct clshm_fab_mbox) != CLSHM_FAB_MBOX_HDR);
	BUILD_BUG_ON(sizeof(struct clshm_fab_msg) != CLSHM_FAB_MSG_SIZE);
	BUILD_BUG_ON(CLSHM_FAB_HOSTNAME_MAX != CLSHM_HOSTNAME_MAX);

	if (!part)
		return -ENODEV;
	mutex_lock(&fab_bind_lock);
	err = -EBUSY;
	if (fab_bound) {
		pr_info("%s: another ivshmem device is the fabric already; ignoring this one\n",
			pci_name(pdev));
		goto out_unlock;
	}
	err = -ENOMEM;
	fd = kzalloc(sizeof(*fd), GFP_KERNEL);
	if (!fd)
		goto out_unlock;
	fab = &fd->fab;
	fab->pdev = pdev;
	fd->part = part;
	fd->irq = -1;
	spin_lock_init(&fab->tx_lock);
	INIT_DELAYED_WORK(&fab->work, fab_work);
	spin_lock_init(&fd->hb_lock);
	INIT_DELAYED_WORK(&fd->hb_work, fab_hb_work);

	err = pci_enable_device(pdev);
	if (err)
		goto err_free;
	err = pci_request_regions(pdev, CLSHM_NAME);
	if (err)
		goto err_disable;
	err = -ENODEV;
	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 0) < FAB_REGS_SIZE ||
	    !(pci_resource_flags(pdev, 2) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 2) < CLSHM_FAB_HDR_SIZE) {
		pr_err("%s: not an ivshmem device with registers and shared memory\n",
		       pci_name(pdev));
		goto err_release;
	}
	err = -ENOMEM;
	fab->regs = pci_iomap(pdev, 0, FAB_REGS_SIZE);
	if (!fab->regs)
		goto err_release;
	fab->phys = pci_resource_start(pdev, 2);
	fab->size = pci_resource_len(pdev, 2);
	fab->base = memremap(fab->phys, fab->size, MEMREMAP_WB);
	if (!fab->base)
		goto err_iounmap;

	fab->doorbell = pci_find_capability(pdev, PCI_CAP_ID_MSIX);
	fab->ivposition = readl(fab->regs + FAB_REG_IVPOSITION);
	fd->period = msecs_to_jiffies(pollms ? pollms :
				      fab->doorbell ? FAB_HB_MS : 20);
	if (!fd->period)
		fd->period = 1;

	mutex_lock(&part->lock);
	formatter = fab->doorbell ? fab->ivposition : part->partid;
	mutex_unlock(&part->lock);
	err = fab_layout(fd, formatter);
	if (err)
		goto err_memunmap;

	err = -ENOMEM;
	fab->wq = alloc_ordered_workqueue("clshm-fab", WQ_MEM_RECLAIM);
	if (!fab->wq)
		goto err_memunmap;
	fd->hb_wq = alloc_workqueue("clshm-hb", WQ_MEM_RECLAIM | WQ_HIGHPRI, 1);
	if (!fd->hb_wq)
		goto err_destroy_wq;

	if (fab->doorbell) {
		/* MSI-X is a write by the device: it must be a bus master. */
		pci_set_master(pdev);
		err = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
		if (err < 0)
			goto err_destroy_hb_wq;
		fd->irq = pci_irq_vector(pdev, 0);
		err = request_irq(fd->irq, fab_irq, 0, "clshm-fab", fab);
		if (err)
			goto err_free_vectors;
	}

	mutex_lock(&part->lock);
	err = -EBUSY;
	if (part->state == CLSHM_STATE_DOWN && !part->fab) {
		part->fab = fab;
		/* With doorbells the server names us; join insists on it. */
		if (fab->doorbell && fab->ivposition < fab->nparts)
			part->partid = fab->ivposition;
		err = 0;
	}
	mutex_unlock(&part->lock);
	if (err) {
		pr_err("%s: the partition is started; shut it down and rebind the device\n",
		       pci_name(pdev));
		goto err_free_irq;
	}

	pci_set_drvdata(pdev, fd);
	fab_bound = fd;
	mutex_unlock(&fab_bind_lock);
	pr_info("%s: %llu MiB fabric, %u slots, zones of %llu KiB at %#llx, %s (ivposition %u)\n",
		pci_name(pdev), fab->size >> 20, fab->nparts,
		fab->zone_size >> 10, fab->zones_off,
		fab->doorbell ? "doorbells" : "no doorbells, polling",
		fab->ivposition);
	return 0;

err_free_irq:
	if (fd->irq >= 0)
		free_irq(fd->irq, fab);
err_free_vectors:
	if (fab->doorbell)
		pci_free_irq_vectors(pdev);
err_destroy_hb_wq:
	destroy_workqueue(fd->hb_wq);
err_destroy_wq:
	destroy_workqueue(fab->wq);
err_memunmap:
	memunmap(fab->base);
err_iounmap:
	pci_iounmap(pdev, fab->regs);
err_release:
	pci_release_regions(pdev);
err_disable:
	if (fab->doorbell)
		pci_clear_master(pdev);
	pci_disable_device(pdev);
err_free:
	kfree(fd);
out_unlock:
	mutex_unlock(&fab_bind_lock);
	return err;
}

/*
 * The partition should be shut down before the device goes (main.c does
 * that at module exit); if it is not, we leave the fabric here anyway.
 */
static void fab_remove(struct pci_dev *pdev)
{
	struct clshm_fab_dev *fd = pci_get_drvdata(pdev);
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_part *part = fd->part;

	mutex_lock(&fab_bind_lock);
	mutex_lock(&part->lock);
	if (fab->joined) {
		pr_warn("%s: removed while the partition is started\n",
			pci_name(pdev));
		clshm_fab_leave(part, true);
	}
	if (part->fab == fab)
		part->fab = NULL;
	mutex_unlock(&part->lock);

	if (fd->irq >= 0)
		free_irq(fd->irq, fab);
	/* Not joined any more: the worker runs out; wait for it. */
	cancel_delayed_work_sync(&fab->work);
	destroy_workqueue(fab->wq);
	destroy_workqueue(fd->hb_wq);
	if (fab->doorbell)
		pci_free_irq_vectors(pdev);
	memunmap(fab->base);
	pci_iounmap(pdev, fab->regs);
	pci_release_regions(pdev);
	if (fab->doorbell)
		pci_clear_master(pdev);
	pci_disable_device(pdev);
	fab_bound = NULL;
	mutex_unlock(&fab_bind_lock);
	kfree(fd);
	pr_info("%s: fabric released\n", pci_name(pdev));
}

static const struct pci_device_id fab_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },	/* ivshmem */
	{ }
};
/*
 * No MODULE_DEVICE_TABLE: an ivshmem device may serve something else, so
 * clshm is never loaded just because one exists.
 */

static struct pci_driver fab_driver = {
	.name = "clshm-fabric",
	.id_table = fab_ids,
	.probe = fab_probe,
	.remove = fab_remove,
};

/**
 * clshm_fabric_init - register the fabric's PCI driver
 *
 * Called by module init once clshm_local exists.  Without an ivshmem
 * device (or with one that is refused) clshm simply runs locally.
 *
 * Return: 0, -EINVAL for a bad module parameter, or the registration's
 * error.
 */
int clshm_fabric_init(void)
{
	if (fabparts < 2 || fabparts > CLSHM_FAB_MAX_PARTS ||
	    pollms > FAB_POLLMS_MAX) {
		pr_err("a module parameter is out of range (fabparts 2..%u, pollms 0..%u)\n",
		       CLSHM_FAB_MAX_PARTS, FAB_POLLMS_MAX);
		return -EINVAL;
	}
	return pci_register_driver(&fab_driver);
}

/* Unregister the driver; the device's remove runs first. */
void clshm_fabric_exit(void)
{
	pci_unregister_driver(&fab_driver);
}
