/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabric.h - the fabric: memory shared with other kernels
 *
 * Layers
 * ------
 * The fabric is a stack of files, each calling only the ones below it:
 *
 *   source.c   which source the module parameter fabric= names
 *   ivshmem.c  a source: binds QEMU's ivshmem PCI device, maps its
 *              shared memory, rings and receives its doorbells
 *   phys.c     a source: a physical range given by base and size, or a
 *              persistent-memory region found by its resource; polls
 *   bind.c     what every source does: the one-fabric rule, layout,
 *              work items, handing the fabric to the partition, the
 *              polling period and the flush mode
 *   member.c   membership: our slot, heartbeats, peer states, kernel and
 *              daemon hellos, join and leave, the fabric worker
 *   engage.c   engagement: which extents of other zones we map, and which
 *              extents of ours the peers map
 *   mbox.c     mailboxes: sending a message, checking a received one
 *   layout.c   the layout: geometry, header, names (no state of its own)
 *
 * Above the fabric, remote.c and fabmem.c use it.  News goes up only
 * through the client table (struct clshm_fab_client) that remote.c
 * registers at join: a message for the segment layer, a peer that went
 * down, and the worker's periodic tick.  The source is reached through
 * struct clshm_fab_source, so another kind of shared memory only adds a
 * file beside ivshmem.c and phys.c.
 *
 * Memory shared with other kernels
 * --------------------------------
 * Every byte of the fabric may be written by other kernels at any time, so
 * everything read from it is read once (READ_ONCE or one memcpy into a
 * local copy), checked, and only then used.  Ordering between kernels
 * uses the virt_* barriers, which order accesses for another (virtual)
 * machine even on a kernel built without SMP.  Every writer's release has
 * a "pairs with" comment naming the reader's acquire.
 *
 * Locking
 * -------
 * part->lock (mutex) protects the membership: fab->joined, the peers'
 * states, the engagement table and the join epoch; the worker takes it for
 * each change.  fab->tx_lock (spinlock, inside part->lock) protects the
 * send side: our mailbox heads, whether sending is open, and the doorbell
 * targets; clshm_fab_send() runs with or without part->lock.
 * fd->hb_lock (spinlock, inside part->lock) protects the heartbeat's
 * target; the heartbeat never takes part->lock.  The worker's private
 * state is only touched by the worker (one ordered work item).  The full
 * lock order is in ../clshm.h.
 */
#ifndef _CLSHM_FABRIC_H
#define _CLSHM_FABRIC_H

#include <linux/libnvdimm.h>
#include <linux/pci.h>
#include <linux/workqueue.h>
#include <uapi/linux/clshm_fabric.h>

struct clshm_part;

#define FAB_HB_MS		100	/* heartbeat period */
#define FAB_CLAIM_WAIT		3	/* heartbeat periods to watch a held slot */
#define FAB_POLLMS_MAX		FAB_HB_MS
#define FAB_HOT_MS		200	/* fast polling after any traffic... */
#define FAB_SPIN_US		200	/* ...a pass every 200-400 us */
#define FAB_IVPOSITION_MAX	0xffffu

/* Fabric statistics, in the order of the clshm_fabinfo counters. */
enum clshm_fab_stat {
	CLSHM_FS_MSGS_SENT,
	CLSHM_FS_MSGS_RECV,
	CLSHM_FS_MSGS_BAD,
	CLSHM_FS_MBOX_FULL,
	CLSHM_FS_DOORBELLS,
	CLSHM_FS_INTERRUPTS,
	CLSHM_FS_SLOT_BAD,
	CLSHM_FS_HDR_BAD,
	CLSHM_FS_PEERS_UP,
	CLSHM_FS_PEERS_LOST,
	CLSHM_FS_REQS_FAILED,
	CLSHM_FS_NR
};

/**
 * struct clshm_fab_peer - what the local partition knows of another one
 */
struct clshm_fab_peer {
	/* Protected by part->lock (written by the fabric worker). */
	u32 state;			/* CLSHM_PART_*, as seen from here */
	u64 incarnation;		/* of the peer's current boot */
	u64 up_incarnation;		/* of its boot last seen up, 0: none */
	u32 ivposition;			/* doorbell id, valid if doorbell */
	bool doorbell;
	bool refused;			/* by our daemon or for incompatible
					 * versions, until it reboots */
	char hostname[CLSHM_HOSTNAME_MAX];	/* validated, NUL-terminated */
	struct device *dev;		/* /dev/clshm/partition/<hh> */

	/* Private to the fabric worker. */
	u64 last_hb;
	unsigned long hb_seen;		/* jiffies when last_hb changed */
	u64 rx_tail;			/* our position in its mailbox to us */
	bool khello_sent;
};

struct clshm_fabric;

/**
 * struct clshm_fab_client - how the fabric tells the layer above
 * @recv: a message from @from, a peer that is up; its header is checked,
 *        its arguments are not (no lock held)
 * @peer_down: peer @id went down; its state is DOWN already (part->lock
 *             held)
 * @tick: the worker's periodic pass is done (no lock held)
 */
struct clshm_fab_client {
	void (*recv)(struct clshm_part *part, u32 from,
		     const struct clshm_fab_msg *msg);
	void (*peer_down)(struct clshm_part *part, u32 id);
	void (*tick)(struct clshm_part *part);
};

/**
 * struct clshm_fab_source - where the fabric's memory comes from
 * @name: shown in logs and by clshm_fabinfo users ("ivshmem", "phys",
 *        "pmem")
 * @doorbell: interrupt partition @bell (a doorbell id); called with
 *            fab->tx_lock held, after the message it announces is visible;
 *            NULL for a source without doorbells (fab->doorbell false)
 * @irq_setup: optional; make the source's interrupt kick the worker,
 *             called by clshm_fab_bind() once the work items exist
 */
struct clshm_fab_source {
	const char *name;
	void (*doorbell)(struct clshm_fabric *fab, s32 bell);
	int (*irq_setup)(struct clshm_fabric *fab);
};

/**
 * struct clshm_fabric - a bound fabric and the layout on it
 */
struct clshm_fabric {
	/* Immutable after bind. */
	const struct clshm_fab_source *src;
	struct device *dev;		/* or NULL (phys.c) */
	const char *name;		/* for logs: device or resource */
	void *base;			/* the memory, mapped write-back */
	phys_addr_t phys;		/* its bus address */
	u64 size;
	u32 nparts;
	u64 slots_off;
	u64 mbox_off;
	u64 zones_off;
	u64 zone_size;
	bool doorbell;			/* the source has doorbells */
	bool flush;			/* not coherent: write back, invalidate */
	u32 ivposition;			/* our doorbell id */

	/* Protected by part->lock. */
	bool joined;			/* our slot is claimed and beating */
	const struct clshm_fab_client *client;	/* set at join */
	u32 nengaged;			/* entries in our slot's table */
	struct clshm_fab_peer peers[CLSHM_FAB_MAX_PARTS];

	/* Protected by tx_lock. */
	spinlock_t tx_lock;
	u64 tx_head[CLSHM_FAB_MAX_PARTS];	/* our head in mailbox to i */

	/* The fabric worker. */
	struct workqueue_struct *wq;
	struct delayed_work work;

	atomic64_t stats[CLSHM_FS_NR];
};

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

/*
 * The bound fabric with the state only the fabric's own files use.  The
 * rest of the driver sees struct clshm_fabric.
 */
struct clshm_fab_dev {
	struct clshm_fabric fab;

	/* Immutable after bind. */
	struct clshm_part *part;		/* clshm_local */
	unsigned long period;			/* worker period, jiffies */

	/* Polling: set by clshm_fab_send(), cleared by the worker. */
	atomic_t sent;				/* messages sent since a pass */
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
	bool rx_busy;				/* a message came this pass */
	unsigned long hot_until;		/* poll fast until then */
	bool hdr_bad;				/* the header differs... */
	struct clshm_fab_hdr hdr_seen;		/* ...and looked like this */
};

static inline struct clshm_fab_dev *to_fdev(struct clshm_fabric *fab)
{
	return container_of(fab, struct clshm_fab_dev, fab);
}

static inline void clshm_fab_stat(struct clshm_fabric *fab,
				  enum clshm_fab_stat s, s64 n)
{
	atomic64_add(n, &fab->stats[s]);
}

/*
 * The flush mode (see "Coherence" above): write back @len bytes at @p
 * that we wrote, before publishing them; invalidate @len bytes at @p that
 * another kernel writes, before reading them.  Nothing when coherent.
 */
static inline void clshm_fab_wb(struct clshm_fabric *fab, void *p, size_t len)
{
	if (fab->flush) {
		arch_wb_cache_pmem(p, len);	/* clwb (x86) */
		wmb();	/* the write-backs before what publishes them */
	}
}

static inline void clshm_fab_inv(struct clshm_fabric *fab, void *p, size_t len)
{
	if (fab->flush)
		arch_invalidate_pmem(p, len);	/* clflush(opt), fenced */
}

/* Where things are: @id, @from, @to < fab->nparts (cached, validated). */
static inline struct clshm_fab_hdr *fab_hdr(struct clshm_fabric *fab)
{
	return fab->base;
}

/* Partition @id's slot (only the holder writes it; others must check). */
static inline struct clshm_fab_slot *clshm_fab_slot(struct clshm_fabric *fab,
						    u32 id)
{
	return fab->base + fab->slots_off + (u64)id * CLSHM_FAB_SLOT_SIZE;
}

/* The mailbox from partition @from to partition @to. */
static inline struct clshm_fab_mbox *fab_mbox(struct clshm_fabric *fab,
					      u32 from, u32 to)
{
	return fab->base + fab->mbox_off +
	       ((u64)from * fab->nparts + to) * CLSHM_FAB_MBOX_SIZE;
}

/* The entry of mailbox @m that position @pos uses. */
static inline struct clshm_fab_msg *fab_mbox_ent(struct clshm_fab_mbox *m,
						 u64 pos)
{
	return (void *)m + CLSHM_FAB_MBOX_HDR +
	       (pos % CLSHM_FAB_MBOX_NENTS) * CLSHM_FAB_MSG_SIZE;
}

/* Pages per zone. */
static inline u64 clshm_fab_zone_pages(struct clshm_fabric *fab)
{
	return fab->zone_size >> PAGE_SHIFT;
}

/* Kernel address and bus address of partition @id's zone. */
static inline void *clshm_fab_zone(struct clshm_fabric *fab, u32 id)
{
	return fab->base + fab->zones_off + (u64)id * fab->zone_size;
}

static inline phys_addr_t clshm_fab_zone_phys(struct clshm_fabric *fab, u32 id)
{
	return fab->phys + fab->zones_off + (u64)id * fab->zone_size;
}

/* layout.c: used by the fabric's own files */
int clshm_fab_layout(struct clshm_fab_dev *fd, u32 formatter);
void clshm_fab_check_hdr(struct clshm_fab_dev *fd);
int clshm_fab_name_len(const char *s, size_t max);
void clshm_fab_local_hostname(char *buf);
void clshm_fab_slot_hostname(struct clshm_fab_slot *s, char *buf);
int clshm_fab_params_check(void);

/* mbox.c: sending (any caller), checking received entries (member.c) */
int clshm_fab_send(struct clshm_part *part, u32 to, struct clshm_fab_msg *msg);
void clshm_fab_ring(struct clshm_fabric *fab, s32 bell);
const char *clshm_fab_msg_bad(const struct clshm_fab_msg *m, u64 pos,
			      u64 inc, u32 from);
void clshm_fab_msg_drop(struct clshm_fabric *fab, u32 from, u64 pos,
			const struct clshm_fab_msg *m, const char *why);

/* engage.c: called by remote.c and fabmem.c (part->lock held) */
int clshm_fab_engage(struct clshm_part *part, u32 owner, u64 first,
		     u32 npages);
void clshm_fab_disengage(struct clshm_part *part, int idx);
void clshm_fab_disengage_all(struct clshm_fab_dev *fd);
int clshm_fab_foreign_engaged(struct clshm_part *part,
			      struct clshm_fab_engage *out, int max);

/* member.c: join and leave (remote.c), the daemon's say (ioctl.c) */
int clshm_fab_join(struct clshm_part *part,
		   const struct clshm_fab_client *client);
void clshm_fab_leave(struct clshm_part *part, bool force);
int clshm_fab_peer(struct clshm_part *part, struct file *file,
		   const struct clshm_peer *a, const char *name);
void clshm_fab_info(struct clshm_part *part, struct clshm_fabinfo *a);
int clshm_fab_start(struct clshm_fab_dev *fd, unsigned long period);
void clshm_fab_stop(struct clshm_fab_dev *fd);
void clshm_fab_kick(struct clshm_fabric *fab);

/* bind.c: called by the sources */
int clshm_fab_bind_params_check(void);
int clshm_fab_bind(struct clshm_fab_dev *fd);
void clshm_fab_unbind(struct clshm_fab_dev *fd);

/* phys.c and ivshmem.c: called by source.c */
int clshm_fab_phys_init(const char *what);
void clshm_fab_phys_exit(void);
int clshm_fab_ivshmem_init(void);
void clshm_fab_ivshmem_exit(void);

/* source.c: called by main.c */
int clshm_fabric_init(void);		/* binds the source fabric= names */
void clshm_fabric_exit(void);

#endif /* _CLSHM_FABRIC_H */
