/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshm.h - the clshm driver's objects, layers and locks
 *
 * Object model
 * ------------
 * A loaded driver is one partition, struct clshm_part.  It owns the
 * configuration, the up/down state, the segment tables, the accounting
 * and the daemon ring.  A segment, struct clshm_seg, lives in the tables
 * from creation until it is destroyed (removed and no longer attached,
 * or torn down by force).  A segment of another partition that processes
 * here attach is a *proxy*: a struct clshm_seg of its own, in the fabric
 * side's table, whose attaches work exactly like those of an owned one.
 *
 * Each segment has a "mapping file" (seg->file, made at its first attach,
 * whose f_mapping is the address space of the segment's memory).  Every
 * attach is a VMA whose vm_file is that file, so the VMA's file reference
 * keeps the segment structure and the module alive, rmap sees every
 * mapping, and unmap_mapping_range() reaches every attach.
 *
 * Layers (each file calls only the files below it; news goes up only
 * through the tables of operations named on the right)
 * ------
 *   main.c        module, devices, file operations
 *   netlink.c     the generic netlink commands (dumps, remove)
 *   ioctl.c       the ioctl table: copy in, check, call, copy out; attach
 *   part.c        the partition's life: configuration, startup, shutdown
 *   remote.c      segments owned elsewhere, and serving other
 *                 partitions (struct clshm_owner_ops for remote owners,
 *                 struct clshm_fab_client, struct clshm_xops)
 *   wait.c        wait and wake on a word of a segment
 *   seg.c         System V segments: keys, ids, permissions, nattch,
 *                 attach (struct clshm_owner_ops for local owners)
 *   local.c       memory from kernel pages   } struct clshm_backend_ops
 *   fabmem.c      memory from the fabric     }
 *   fabric/       the fabric: memory shared with other kernels (its own
 *                 stack, see fabric/fabric.h)
 *   ring.c        the daemon's ring
 *   nodes.c       device nodes
 *   events.c      the generic netlink family and its events, which every
 *                 layer announces where it sees them; the tracepoints
 * scripts/driver-calls.sh checks that no two files call each other.
 *
 * Locks, outermost first
 * ----------------------
 *   mmap_lock          (the kernel's) attach, fault, detach
 *   fab_bind_lock      mutex, fabric/bind.c: one fabric bound at a time
 *   part->lock         mutex: the partition's state, configuration, tables,
 *                      accounting, daemon binding, every segment's metadata
 *                      (owner, mode, key, state, nattch, times), the fabric
 *                      side (proxies, requests, zone, zombies) and the
 *                      fabric's membership (peer states, engagement)
 *   seg->pages_lock    mutex: a segment's resident memory (backend data,
 *                      nr_resident, dead); faults take only this one
 *   ring->lock         spinlock: the ring's producer state and requests
 *   fab->tx_lock       spinlock: the mailboxes' send side
 *   fd->hb_lock        spinlock: the heartbeat's target
 * The three spinlocks are never nested in one another.  seg->waitq's own
 * lock is taken alone (waiters hold no clshm lock).  No clshm lock is held
 * while taking mmap_lock, and user memory is only touched with no clshm
 * lock held.
 */
#ifndef _CLSHM_INTERNAL_H
#define _CLSHM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <uapi/linux/clshm.h>
#include <uapi/linux/clshm_fabric.h>
#include <uapi/linux/clshm_netlink.h>

#include "compat.h"

#define CLSHM_NAME		"clshm"
/* Minors: ctl, shm, then one per partition node. */
#define CLSHM_MINOR_CTL		0
#define CLSHM_MINOR_SHM		1
#define CLSHM_MINOR_PART0	2
#define CLSHM_MINORS		(CLSHM_MINOR_PART0 + CLSHM_MAX_PARTS)
/* Sanity ceiling for maxpgs: 2^36 pages is 256 TiB of 4 KiB pages. */
#define CLSHM_MAXPGS_MAX	(1ULL << 36)
/* Pages a fault populates and maps at once: 64 KiB. */
#define CLSHM_FAULT_BATCH	16

/* Counters, in the order of struct clshm_counters. */
enum clshm_counter {
	CLSHM_C_SEGS_LIVE,
	CLSHM_C_SEGS_CREATED,
	CLSHM_C_SEGS_DESTROYED,
	CLSHM_C_PAGES_PINNED,
	CLSHM_C_PAGES_ALLOC,
	CLSHM_C_PAGES_FREED,
	CLSHM_C_ATTACHES_LIVE,
	CLSHM_C_ATTACH_TOTAL,
	CLSHM_C_DETACH_TOTAL,
	CLSHM_C_FAULTS,
	CLSHM_C_MSGS_POSTED,
	CLSHM_C_MSGS_DROPPED,
	CLSHM_C_REPLIES,
	CLSHM_C_ERRORS,
	CLSHM_NR_COUNTERS
};

struct clshm_seg;
struct clshm_part;
struct clshm_fabric;
struct clshm_fab_engage;

/**
 * struct clshm_backend_ops - where a partition's segment memory comes from
 * @name: shown in logs
 * @vm_flags: VMA flags an attach gets (VM_MIXEDMAP for pages with a
 *            struct page, VM_PFNMAP | VM_IO for fabric memory)
 * @priv_size: bytes of backend data allocated with each segment (after
 *             struct clshm_seg, zeroed; clshm_seg_priv())
 * @seg_init: reserve backing for seg->npages pages and set
 *            seg->mapping and seg->memfile; nothing resident yet
 * @seg_populate: make pages [first, first + nr) resident (pages_lock held)
 * @seg_map: map the resident pages of [first, first + nr), a range @vma
 *           maps, at their addresses in @vma (clshm_vma_addr(); pages_lock
 *           held; mmap_lock held)
 * @seg_page: the resident page at @index, for a segment whose memory
 *            comes in PMD-size folios (seg->huge; pages_lock held)
 * @seg_release: unpin and free all resident memory; no user PTE maps
 *               the segment any more (pages_lock held)
 * @seg_free: free what seg_init set up; called once, from the release of
 *            seg->file, so no mapping of the segment exists any more
 */
struct clshm_backend_ops {
	const char *name;
	unsigned long vm_flags;
	size_t priv_size;
	int (*seg_init)(struct clshm_seg *seg);
	int (*seg_populate)(struct clshm_seg *seg, pgoff_t first,
			    unsigned long nr);
	int (*seg_map)(struct clshm_seg *seg, struct vm_area_struct *vma,
		       pgoff_t first, unsigned long nr);
	struct page *(*seg_page)(struct clshm_seg *seg, pgoff_t index);
	void (*seg_release)(struct clshm_seg *seg);
	void (*seg_free)(struct clshm_seg *seg);
};


/**
 * struct clshm_who - on whose behalf an operation runs
 * @uid: effective uid (init_user_ns)
 * @gid: effective gid (init_user_ns)
 * @part: the requesting partition
 * @caps: CLSHM_FAB_CAP_* the requesting kernel vouches for (remote only;
 *        a local requester's capabilities are checked when needed)
 * @local: a process of this kernel (current): permission checks use its
 *         credentials (supplementary groups, capabilities) directly
 * @pid: the requesting process in this kernel, 0 for a remote request
 */
struct clshm_who {
	kuid_t uid;
	kgid_t gid;
	u32 part;
	u32 caps;
	bool local;
	pid_t pid;
};

/**
 * struct clshm_req - a request waiting for the daemon's reply
 * @node: in ring->reqs, under ring->lock
 * @id: the request id posted in clshm_msg.req
 * @done: completed by the reply or by the daemon going away
 * @status: 0 or a negative errno, set before @done completes
 * @len: payload length, set before @done completes
 * @data: payload, set before @done completes
 */
struct clshm_req {
	struct list_head node;
	u64 id;
	struct completion done;
	int status;
	u32 len;
	char data[CLSHM_HOSTNAME_MAX];
};

/**
 * struct clshm_ring - the kernel-to-daemon message ring
 *
 * Allocated at startup, freed at shutdown (a daemon's mapping keeps its
 * own page references).
 */
struct clshm_ring {
	/* Protected by ring->lock. */
	spinlock_t lock;
	u64 head;			/* producer position; hdr->head is a copy */
	u64 dropped;			/* hdr->dropped is a copy */
	struct clshm_ring_hdr *hdr;	/* NULL while shut down */
	struct clshm_msg *ents;
	u32 nentries;
	bool hup;			/* shut down: poll reports POLLHUP */
	struct list_head reqs;		/* struct clshm_req */
	u64 next_req;

	/* Written under part->lock and ring->lock; stable under either. */
	struct page **pages;
	unsigned int npages;

	wait_queue_head_t wait;		/* poll(2) of the daemon */
	struct timer_list wake_timer;	/* coalesces notification wake-ups */
};

/**
 * struct clshm_owner_ops - the System V operations, by where the owner is
 * @get: shmget(2) of @key (0: IPC_PRIVATE); CLSHM_GET_* and mode in
 *       @flags; @created says whether this call made the segment
 * @stat: IPC_STAT of @shmid into @ds
 * @set: IPC_SET of @shmid
 * @rmid: IPC_RMID (CLSHM_RMID_AUTO: IPC_AUTORMID) of @shmid
 * @attach: turn @vma (offset = shmid pages) into an attach of the
 *          segment, if @who may have @want (rwx bits)
 * @attach_prepare: CLSHM_IOC_SHMAT before its mmap: check that @who may
 *                  attach @shmid with @want and give its size; the mmap
 *                  that follows in the same call (@attach) uses what this
 *                  learnt
 * @attach_abort: the mmap after @attach_prepare did not reach @attach
 * @mintkey: a fresh key of partition @owner
 * @attached: a VMA of @seg (one of this owner's) was added by fork or
 *            mremap (part->lock held); may be NULL
 * @detached: a VMA of @seg went away (part->lock held)
 *
 * Chosen once per call from the partition a key or shmid names (see
 * ioctl.c); every operation is called with no lock held and checks what
 * it relies on again under part->lock.
 *
 * Return (the int ones): 0 or a negative errno, as the ioctls document.
 */
struct clshm_owner_ops {
	int (*get)(struct clshm_part *part, const struct clshm_who *who,
		   u32 key, u64 size, u32 flags, u32 *shmid, bool *created);
	int (*stat)(struct clshm_part *part, const struct clshm_who *who,
		    u32 shmid, struct clshm_ds *ds);
	int (*set)(struct clshm_part *part, const struct clshm_who *who,
		   u32 shmid, kuid_t uid, kgid_t gid, u32 mode);
	int (*rmid)(struct clshm_part *part, const struct clshm_who *who,
		    u32 shmid, u32 flags);
	int (*attach)(struct clshm_part *part, const struct clshm_who *who,
		      struct vm_area_struct *vma, u32 want);
	int (*attach_prepare)(struct clshm_part *part,
			      const struct clshm_who *who, u32 shmid, u32 want,
			      u64 *size);
	void (*attach_abort)(struct clshm_part *part, u32 shmid);
	int (*mintkey)(struct clshm_part *part, const struct clshm_who *who,
		       u32 owner, u32 *key);
	void (*attached)(struct clshm_seg *seg);
	void (*detached)(struct clshm_seg *seg);
};

/**
 * struct clshm_xops - what segments tell the fabric side (remote.c)
 * @ids_changed: the shmid or key serials moved (part->lock held)
 * @seg_destroyed: an owned segment that other partitions attach is
 *                 destroyed by force; its memory is released right after
 *                 (part->lock and seg->pages_lock held)
 *
 * Set at startup when the partition joins a fabric, NULL otherwise.
 */
struct clshm_xops {
	void (*ids_changed)(struct clshm_part *part);
	void (*seg_destroyed)(struct clshm_seg *seg);
};

/**
 * struct clshm_remote - the fabric side of the partition (remote.c)
 *
 * Lives as long as the partition (orphaned proxies outlive a shutdown).
 */
struct clshm_remote {
	/* Protected by part->lock. */
	struct xarray proxies;		/* shmid -> proxy of a remote seg */
	struct list_head proxy_list;	/* proxies holding a table ref */
	struct list_head rreqs;		/* struct clshm_rreq in flight */
	struct list_head grants;	/* struct clshm_grant (SHMAT) */
	u64 next_rreq;
};

/**
 * struct clshm_zone - our zone of the fabric (fabmem.c)
 */
struct clshm_zone {
	/* Protected by part->lock; allocated at join, freed at leave. */
	unsigned long *map;		/* pages that hold segments */
	unsigned long *scratch;		/* the allocator's working copy */
	struct clshm_fab_engage *engaged;	/* and its engagement list */
	struct list_head zombies;	/* struct clshm_zombie */
	u64 pages;
	u64 used;
};

/**
 * struct clshm_part - one partition (one loaded driver)
 */
struct clshm_part {
	/* Immutable after init. */
	u64 incarnation;		/* boot stamp: load time in ns */
	dev_t devt;
	struct cdev ctl_cdev;
	struct cdev shm_cdev;
	struct cdev part_cdev;
	struct device *ctl_dev;
	struct device *shm_dev;

	/* Protected by lock. */
	struct mutex lock;
	const struct clshm_backend_ops *backend;	/* local or fabric */
	const struct clshm_owner_ops *remote_owner;	/* NULL off a fabric */
	const struct clshm_xops *xops;			/* NULL off a fabric */
	struct device *part_dev;	/* /dev/clshm/partition/<hh> */
	u32 state;			/* CLSHM_STATE_* */
	u64 maxpgs;
	u32 maxsegs;
	u32 maxdpgs;
	u32 timeout_ms;
	u32 partid;
	struct xarray keys;		/* key -> seg, live keys only */
	struct xarray segs;		/* shmid serial -> seg until destroyed */
	u32 serial_next;		/* cursor of xa_alloc_cyclic */
	u32 max_serial;
	u32 mint_next;			/* next minted key serial */
	u32 nsegs;
	u64 pages_reserved;
	struct file *daemon;		/* ctl file that said hello */
	pid_t daemon_pid;
	struct clshm_remote remote;
	struct clshm_zone zone;

	struct clshm_ring ring;

	/*
	 * The fabric, NULL on a machine without one.  Set when the fabric's
	 * device binds and cleared when it goes, both under lock while the
	 * partition is down; stable while it is up.
	 */
	struct clshm_fabric *fab;

	atomic64_t counters[CLSHM_NR_COUNTERS];
};

/**
 * struct clshm_seg - one segment
 */
struct clshm_seg {
	/* Immutable after creation. */
	struct clshm_part *part;
	const struct clshm_backend_ops *backend;
	const struct clshm_owner_ops *owner;	/* local, or remote (proxy) */
	struct address_space *mapping;	/* the backend's, set by seg_init */
	struct file *memfile;		/* the backend's shmem file, whose
					 * inode the mapping file shares (set
					 * by seg_init, the backend's ref) */
	u32 shmid;
	u64 size;
	unsigned long npages;
	unsigned int fault_batch;	/* pages a fault populates (set by
					 * seg_init; CLSHM_FAULT_BATCH) */
	bool huge;			/* memory in PMD-size folios, mapped
					 * by the page-cache fault path (set
					 * by seg_init; seg.c) */
	kuid_t cuid;
	kgid_t cgid;
	pid_t cpid;

	/* Protected by part->lock. */
	struct file *file;		/* mapping file, made at the first
					 * attach; its release frees us */
	u32 key;			/* 0 once removed */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	u32 state;			/* CLSHM_SEG_* */
	u32 nattch;			/* attaches in this partition */
	u32 rnattch;			/* attaches in others (owned only) */
	kuid_t mlock_uid;		/* who SHM_LOCKed it (CLSHM_SEG_LOCKED) */
	pid_t lpid;
	time64_t atime;
	time64_t dtime;
	time64_t ctime;
	bool in_table;			/* in part->segs (proxies: ->proxies) */
	struct clshm_xseg *x;		/* the fabric side, or NULL */
	struct rcu_head rcu;		/* freeing */

	/* Own lock (the wait queue's). */
	wait_queue_head_t waitq;	/* CLSHM_IOC_WAIT */
	atomic_t wake_seq;		/* bumped by every wake */
	atomic_t nwaiters;

	/* Protected by pages_lock. */
	struct mutex pages_lock;
	unsigned long nr_resident;	/* also read locklessly for reports */
	bool dead;			/* memory released: faults get SIGBUS */
	void *bdata;			/* backend data, set by seg_init */
};

/*
 * Where page @pgoff of a segment is in @vma, which maps it from
 * vma->vm_pgoff on (a piece of a split attach, or a remap_file_pages()).
 */
static inline unsigned long clshm_vma_addr(struct vm_area_struct *vma,
					   pgoff_t pgoff)
{
	return vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
}

/* The backend data allocated with @seg (backend->priv_size bytes). */
static inline void *clshm_seg_priv(struct clshm_seg *seg)
{
	return seg + 1;
}

/**
 * struct clshm_xseg - the fabric side of a segment (remote.c, fabmem.c)
 * @zfirst: first page of its extent in the owner's zone (immutable)
 * @zombie: owned: its zone pages wait for KILL acknowledgements
 * @orphan: proxy: its owner went down
 * @nattch_dirty: proxy: the owner must still hear our attach count
 * @engage_idx: proxy: its engagement entry, or -1
 * @pnode: proxy: in part->remote.proxy_list
 * @seg: proxy: the segment this is the fabric side of
 * @zeroed: owned: fault batches zeroed so far (under seg->pages_lock)
 * @rattach: owned: attaches per partition (they sum to seg->rnattch)
 *
 * All but @zfirst protected by part->lock.
 */
struct clshm_xseg {
	u64 zfirst;
	bool zombie;
	bool orphan;
	bool nattch_dirty;
	int engage_idx;
	struct list_head pnode;
	struct clshm_seg *seg;
	unsigned long *zeroed;
	u32 rattach[CLSHM_FAB_MAX_PARTS];
};

/**
 * struct clshm_att - one attach, as CLSHM_NL_CMD_ATT_GET reports it
 * @shmid: the segment
 * @start: first address of the VMA (local)
 * @end: address after it (local)
 * @part: partition of the attach
 * @nattch: 1 for a local VMA; another partition's count of attaches
 * @pid: the process (local, as the requester sees it), 0 if none
 * @rdonly: a read-only mapping (local)
 * @comm: the process's command
 */
struct clshm_att {
	u32 shmid;
	u64 start;
	u64 end;
	u32 part;
	u32 nattch;
	pid_t pid;
	bool rdonly;
	char comm[TASK_COMM_LEN];
};

/**
 * struct clshm_att_cursor - where clshm_atts_read() is (zero to start)
 * @pid: the process (in the requester's pid namespace)
 * @addr: the address in it
 * @serial: past the processes: the owned segment's serial
 * @remote: past the processes
 * @done: past everything
 */
struct clshm_att_cursor {
	pid_t pid;
	unsigned long addr;
	u32 serial;
	bool remote;
	bool done;
};

static inline void clshm_count(struct clshm_part *part,
			       enum clshm_counter c, s64 n)
{
	atomic64_add(n, &part->counters[c]);
}

/* main.c */
extern struct clshm_part *clshm_local;

/* netlink.c: called by main.c */
int clshm_netlink_init(void);
void clshm_netlink_exit(void);

/* ioctl.c: called by main.c (and netlink.c: clshm_owner_of) */
#define CLSHM_DEV_CTL	0x1	/* /dev/clshm/0/ctl */
#define CLSHM_DEV_SHM	0x2	/* /dev/clshm/0/shm */
long clshm_ioctl(struct file *file, unsigned int dev, unsigned int cmd,
		 unsigned long arg);
int clshm_attach(struct file *file, struct vm_area_struct *vma);
const struct clshm_owner_ops *clshm_owner_of(struct clshm_part *part,
					     u32 id, int absent);

/* part.c: called by ioctl.c and main.c */
int clshm_cfg_check(const struct clshm_cfg *c, u32 mask);
int clshm_part_setcfg(struct clshm_part *part, const struct clshm_cfg *c);
int clshm_part_startup(struct clshm_part *part);
int clshm_part_shutdown(struct clshm_part *part, bool force);
void clshm_part_shutdown_locked(struct clshm_part *part, bool force);
int clshm_part_clear(struct clshm_part *part, u32 flags, u32 *removed);
int clshm_part_list(struct clshm_part *part, struct clshm_part_info *info);
void clshm_part_counters(struct clshm_part *part, u64 *out);

/* remote.c: called by part.c and ioctl.c */
extern const struct clshm_owner_ops clshm_remote_owner;
int clshm_remote_join(struct clshm_part *part);
void clshm_remote_leave(struct clshm_part *part, bool force);
u32 clshm_remote_proxies_attached(struct clshm_part *part);

/* wait.c: called by ioctl.c and remote.c */
int clshm_wait(struct clshm_part *part, struct clshm_wait *a);
int clshm_wake(struct clshm_part *part, struct clshm_wake *a);
void clshm_seg_wake(struct clshm_seg *seg);

/* seg.c: called by the layers above */
extern const struct clshm_owner_ops clshm_local_owner;
void clshm_who_current(struct clshm_who *who, struct clshm_part *part);
int clshm_seg_get(struct clshm_part *part, const struct clshm_who *who,
		  u32 key, u64 size, u32 flags, u32 *shmid, bool *created);
int clshm_seg_stat(struct clshm_part *part, const struct clshm_who *who,
		   u32 shmid, struct clshm_ds *ds);
int clshm_seg_set(struct clshm_part *part, const struct clshm_who *who,
		  u32 shmid, kuid_t uid, kgid_t gid, u32 mode);
int clshm_seg_stat_index(struct clshm_part *part, const struct clshm_who *who,
			 u32 idx, bool any, struct clshm_ds *ds);
int clshm_seg_lock(struct clshm_part *part, u32 shmid, bool lock);
int clshm_seg_rmid(struct clshm_part *part, const struct clshm_who *who,
		   u32 shmid, u32 flags);
int clshm_seg_mintkey(struct clshm_part *part, u32 *key);
struct clshm_seg *clshm_seg_find(struct clshm_part *part, u32 shmid);
bool clshm_seg_perm_ok(struct clshm_seg *seg, const struct clshm_who *who,
		       u32 flag);
void clshm_seg_nattch_changed(struct clshm_seg *seg);
struct clshm_seg *clshm_seg_alloc(struct clshm_part *part, u32 shmid,
				  u64 size, const struct clshm_backend_ops *ops,
				  const struct clshm_owner_ops *owner);
int clshm_seg_attach_vma(struct clshm_seg *seg, struct vm_area_struct *vma);
void clshm_seg_put(struct clshm_seg *seg);
struct clshm_seg *clshm_seg_at(unsigned long addr, unsigned long *end);
int clshm_seg_detach(unsigned long addr);
int clshm_segs_clear(struct clshm_part *part, bool force);
u32 clshm_segs_attached(struct clshm_part *part);
int clshm_segs_list(struct clshm_part *part, u32 start, struct clshm_ds *ds,
		    u32 max, u32 *next);
int clshm_segs_walk(struct clshm_part *part, const struct clshm_who *who,
		    u32 *pos, int (*fn)(void *arg, const struct clshm_ds *ds),
		    void *arg);
int clshm_atts_read(struct clshm_part *part, const struct clshm_who *who,
		    struct clshm_att_cursor *cur, u32 only,
		    struct clshm_att *att, unsigned int max);

/* events.c: the generic netlink family, called by netlink.c and seg.c */
struct genl_ops;
struct nla_policy;
struct sk_buff;
int clshm_genl_register(const struct genl_ops *ops, unsigned int n_ops,
			const struct nla_policy *policy);
void clshm_genl_unregister(void);
void *clshm_genl_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		     u8 cmd);
void clshm_event_seg(struct clshm_seg *seg, u8 cmd, pid_t pid, u32 partid);
void clshm_event_part(u8 cmd, u32 id, u64 incarnation);
void clshm_event_daemon(u8 cmd, u32 partid, pid_t pid);
void clshm_event_limits(struct clshm_part *part);
void clshm_event_refused(struct clshm_part *part, u32 limit,
			 const struct clshm_who *who, u32 key, u64 size);

/* local.c and fabmem.c: the backends */
extern const struct clshm_backend_ops clshm_local_backend;
void clshm_local_init(void);
bool clshm_local_huge(void);
void clshm_local_exit(void);
extern const struct clshm_backend_ops clshm_fabric_backend;
int clshm_zone_join(struct clshm_part *part);
void clshm_zone_leave(struct clshm_part *part);
void clshm_zone_zombie(struct clshm_seg *seg, const unsigned long *waiting);
void clshm_zone_zombies_release(struct clshm_part *part, u32 id, u32 shmid,
				bool all);
void clshm_fabmem_zero_all(struct clshm_seg *seg);

/* ring.c */
int clshm_ring_alloc(struct clshm_part *part);
void clshm_ring_free(struct clshm_part *part);
void clshm_ring_post(struct clshm_part *part, u32 type, u32 flags,
		     struct clshm_seg *seg, u64 arg0, u64 arg1);
void clshm_ring_post_who(struct clshm_part *part, u32 type, u32 flags,
			 struct clshm_seg *seg, const struct clshm_who *who,
			 u64 arg0, u64 arg1, u64 arg2);
void clshm_ring_post_peer(struct clshm_part *part, u32 type, u32 flags,
			  u32 peer, u64 arg0, u64 arg1, u64 arg2);
int clshm_ring_mmap(struct clshm_part *part, struct file *file,
		    struct vm_area_struct *vma);
__poll_t clshm_ring_poll(struct clshm_part *part, struct file *file,
			 poll_table *wait);
int clshm_ring_hello(struct clshm_part *part, struct file *file,
		     struct clshm_hello *a);
int clshm_ring_reply(struct clshm_part *part, struct file *file,
		     const struct clshm_reply *a, const char *data);
bool clshm_ring_is_daemon(struct clshm_part *part, struct file *file);
void clshm_ring_daemon_gone(struct clshm_part *part, struct file *file);
int clshm_ring_gethostname(struct clshm_part *part, u32 id, char *name,
			   u32 *len);

/* nodes.c */
int clshm_nodes_init(struct clshm_part *part);
void clshm_nodes_exit(struct clshm_part *part);
struct device *clshm_node_create(struct clshm_part *part, u32 id);
void clshm_node_remove(struct clshm_part *part, struct device *dev);

#include "fabric/fabric.h"

/* Is @seg another partition's segment (a proxy)? */
static inline bool clshm_seg_is_proxy(const struct clshm_seg *seg)
{
	return seg->owner != &clshm_local_owner;
}

/**
 * clshm_part_reachable - may requests go to partition @id?
 * @part: the local partition (part->lock held)
 * @id: the partition asked for
 *
 * Return: 0 (the local partition, or a peer that is up); -ENODEV if the
 * local partition is shut down; -ENOENT if @id is not up.
 */
static inline int clshm_part_reachable(struct clshm_part *part, u32 id)
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

#endif /* _CLSHM_INTERNAL_H */
