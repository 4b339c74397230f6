/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabric.h - the interface between the fabric transport (fabric.c) and
 *            the cross-partition segment code (remote.c)
 *
 * fabric.c owns the ivshmem device, the fabric layout, membership
 * (slots, heartbeats, incarnations, peer states, partition nodes, the
 * kernel hello and the relayed daemon hello), the mailboxes and the
 * doorbells.  remote.c owns everything about segments across partitions:
 * requests and replies, owner-side handling, proxies of remote segments,
 * the zone allocator, engagement, and wait/wake.
 *
 * Locking
 * -------
 * Peer state (struct clshm_fab_peer, the "Protected by part->lock" fields) is
 * written by the fabric worker with part->lock held, so code holding
 * part->lock sees a stable membership.  fab->tx_lock (spinlock) protects
 * the send side of the mailboxes; it nests inside part->lock and nothing
 * is taken under it.  Everything else in struct clshm_fabric is either
 * immutable after bind or private to the fabric worker, which is one
 * ordered work item: receive, membership and heartbeat never run
 * concurrently with themselves.
 *
 * Lock order: mmap_lock -> part->lock -> seg->pages_lock -> fab->tx_lock
 *             (ring->lock and fab->tx_lock are never nested).
 */
#ifndef _CLSHM_FABRIC_H
#define _CLSHM_FABRIC_H

#include <linux/pci.h>
#include <linux/workqueue.h>
#include <uapi/linux/clshm_fabric.h>

struct clshm_part;

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

/**
 * struct clshm_fabric - a bound ivshmem device and the layout on it
 */
struct clshm_fabric {
	/* Immutable after bind. */
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0 */
	void *base;			/* BAR2, memremap(MEMREMAP_WB) */
	phys_addr_t phys;		/* BAR2 bus address */
	u64 size;
	u32 nparts;
	u64 slots_off;
	u64 mbox_off;
	u64 zones_off;
	u64 zone_size;
	bool doorbell;			/* MSI-X doorbell device */
	u32 ivposition;

	/* Protected by part->lock. */
	bool joined;			/* our slot is claimed and beating */
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

/* fabric.c: called by main.c */
int clshm_fabric_init(void);		/* registers the PCI driver */
void clshm_fabric_exit(void);
int clshm_fab_join(struct clshm_part *part);	/* at startup, lock held */
void clshm_fab_leave(struct clshm_part *part, bool force); /* lock held */
int clshm_fab_info(struct clshm_part *part, void __user *argp);
int clshm_fab_peer_ioctl(struct clshm_part *part, struct file *file,
			 void __user *argp);

/* fabric.c: called by remote.c, seg.c and ring.c */
int clshm_fab_send(struct clshm_part *part, u32 to, struct clshm_fab_msg *msg);
void clshm_fab_doorbell_all(struct clshm_part *part);
int clshm_fab_engage(struct clshm_part *part, u32 owner, u64 first,
		     u32 npages);
void clshm_fab_disengage(struct clshm_part *part, int idx);
int clshm_fab_foreign_engaged(struct clshm_part *part,
			      struct clshm_fab_engage *out, int max);

static inline void clshm_fab_stat(struct clshm_fabric *fab,
				  enum clshm_fab_stat s, s64 n)
{
	atomic64_add(n, &fab->stats[s]);
}

/* Partition @id's slot (only the holder writes it; others must check). */
static inline struct clshm_fab_slot *clshm_fab_slot(struct clshm_fabric *fab,
						    u32 id)
{
	return fab->base + fab->slots_off + (u64)id * CLSHM_FAB_SLOT_SIZE;
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

/* remote.c: called by the fabric worker */
void clshm_remote_recv(struct clshm_part *part, u32 from,
		       const struct clshm_fab_msg *msg);
void clshm_remote_peer_down(struct clshm_part *part, u32 id);
void clshm_remote_tick(struct clshm_part *part);

#endif /* _CLSHM_FABRIC_H */
