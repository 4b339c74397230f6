/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshm.h - internal interfaces of the clshm driver
 *
 * Object model
 * ------------
 * A loaded driver is one partition, struct clshm_part.  It owns the
 * configuration, the up/down state, the segment tables, the accounting
 * and the daemon ring.  A segment, struct clshm_seg, lives in the tables
 * from creation until it is destroyed (removed and no longer attached,
 * or torn down by force).
 *
 * Each segment has a "mapping file" (seg->file, an anon-inode file whose
 * f_mapping is the address space of the segment's memory).  Every attach
 * is a VMA whose vm_file is that file, so the VMA's file reference keeps
 * the segment structure and the module alive, rmap sees every mapping,
 * and unmap_mapping_range() on it reaches every attach.  The tables hold
 * the file's first reference; the segment structure is freed by the
 * file's release, after the last VMA is gone.
 *
 * The memory itself comes from a backend (struct clshm_backend_ops): today
 * the local backend (kernel pages from shmem, pinned while the segment
 * lives); the fabric backend for partitions over ivshmem comes next.
 *
 * Locking
 * -------
 * part->lock (mutex) protects the partition state, configuration, tables,
 * accounting, the daemon binding, and the metadata of every segment
 * (owner, mode, flags, nattch, times).  seg->pages_lock (mutex) protects
 * the segment's resident memory (backend data, nr_resident, dead), so
 * faults never take part->lock.  ring->lock (spinlock) protects the ring
 * producer state and the pending request list; it is innermost and never
 * held while touching user memory.
 *
 * Lock order: mmap_lock -> part->lock -> seg->pages_lock -> ring->lock.
 * No clshm lock is held while taking mmap_lock.
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

#define CLSHM_NAME		"clshm"
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
struct clshm_fabric;

/**
 * struct clshm_backend_ops - where a partition's segment memory comes from
 * @name: shown in logs
 * @vm_flags: VMA flags an attach gets (VM_MIXEDMAP for pages with a
 *            struct page, VM_PFNMAP | VM_IO for fabric memory)
 * @seg_init: reserve backing for seg->npages pages and set
 *            seg->mapping; nothing resident yet
 * @seg_populate: make pages [first, first + nr) resident (pages_lock held)
 * @seg_map: map the resident pages of [first, first + nr) into @vma at the
 *           matching addresses (pages_lock held; mmap_lock held)
 * @seg_release: unpin and free all resident memory; no user PTE maps
 *               the segment any more (pages_lock held)
 * @seg_free: free what seg_init set up; called once, from the release of
 *            seg->file, so no mapping of the segment exists any more
 */
struct clshm_backend_ops {
	const char *name;
	unsigned long vm_flags;
	int (*seg_init)(struct clshm_seg *seg);
	int (*seg_populate)(struct clshm_seg *seg, pgoff_t first,
			    unsigned long nr);
	int (*seg_map)(struct clshm_seg *seg, struct vm_area_struct *vma,
		       pgoff_t first, unsigned long nr);
	void (*seg_release)(struct clshm_seg *seg);
	void (*seg_free)(struct clshm_seg *seg);
};

extern const struct clshm_backend_ops clshm_local_backend;
void clshm_local_init(void);
void clshm_local_exit(void);
extern const struct clshm_backend_ops clshm_fabric_backend;

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
 * struct clshm_part - one partition (one loaded driver)
 */
struct clshm_part {
	/* Immutable after init. */
	const struct clshm_backend_ops *backend;
	u64 incarnation;		/* boot stamp: load time in ns */
	dev_t devt;
	struct cdev ctl_cdev;
	struct cdev shm_cdev;
	struct cdev part_cdev;
	struct device *ctl_dev;
	struct device *shm_dev;
	struct device *part_dev;	/* /dev/clshm/partition/<hh> */

	/* Protected by lock. */
	struct mutex lock;
	u32 state;			/* CLSHM_STATE_* */
	u64 maxpgs;
	u32 maxsegs;
	u32 maxdpgs;
	u32 timeout_ms;
	u32 partid;
	struct xarray keys;		/* key -> seg, live keys only */
	struct xarray proxies;		/* shmid -> proxy of a remote seg */
	struct list_head proxy_list;	/* proxies holding a table ref */
	struct list_head rreqs;		/* struct clshm_rreq in flight */
	u64 next_rreq;
	unsigned long *zone_map;	/* fabric: used pages of our zone */
	unsigned long *zone_scratch;	/* zone allocator's working copy */
	struct clshm_fab_engage *zone_engaged;	/* and its engagement list */
	struct list_head zombies;	/* struct clshm_zombie */
	u64 zone_pages;
	u64 zone_used;
	struct xarray segs;		/* shmid serial -> seg until destroyed */
	u32 serial_next;		/* cursor of xa_alloc_cyclic */
	u32 max_serial;
	u32 mint_next;			/* next minted key serial */
	u32 nsegs;
	u64 pages_reserved;
	struct file *daemon;		/* ctl file that said hello */
	pid_t daemon_pid;

	struct clshm_ring ring;

	/*
	 * The fabric, NULL on a machine without one.  Set when the ivshmem
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
	struct address_space *mapping;	/* the backend's, set by seg_init */

	/* Set under part->lock at the first attach, then immutable. */
	struct file *file;		/* mapping file; its release frees us */
	bool proxy;			/* another partition's segment */
	u32 shmid;
	u64 size;
	unsigned long npages;
	unsigned int fault_batch;	/* pages a fault populates (set by
					 * seg_init; CLSHM_FAULT_BATCH) */
	kuid_t cuid;
	kgid_t cgid;
	pid_t cpid;

	/* Protected by part->lock. */
	u32 key;			/* 0 once removed */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	u32 state;			/* CLSHM_SEG_* */
	u32 nattch;
	pid_t lpid;
	time64_t atime;
	time64_t dtime;
	time64_t ctime;
	bool in_table;			/* in part->segs (proxies: ->proxies) */
	u32 *rattach;			/* fabric: attaches per partition */
	u32 rnattch;			/* fabric: sum of rattach[] */
	bool orphan;			/* proxy whose owner went down */
	bool zombie;			/* its zone pages wait for KILL acks */
	bool nattch_dirty;		/* proxy: owner must hear nattch */
	int engage_idx;			/* proxy: engagement entry, or -1 */
	u64 zfirst;			/* fabric: first page in the zone */
	struct list_head pnode;		/* proxy: in part->proxy_list */
	struct rcu_head rcu;		/* freeing */
	wait_queue_head_t waitq;	/* CLSHM_IOC_WAIT (own lock) */
	atomic_t wake_seq;		/* bumped by every wake */
	atomic_t nwaiters;

	/* Protected by pages_lock. */
	struct mutex pages_lock;
	unsigned long nr_resident;	/* also read locklessly for reports */
	bool dead;			/* memory released: faults get SIGBUS */
	void *bdata;			/* backend data */
};

static inline void clshm_count(struct clshm_part *part,
			       enum clshm_counter c, s64 n)
{
	atomic64_add(n, &part->counters[c]);
}

/**
 * clshm_part_reachable - may requests go to partition @id?
 * @part: the local partition (part->lock held)
 * @id: the partition asked for
 *
 * Return: 0 (the local partition, or a peer that is up); -ENODEV if the
 * local partition is shut down; -ENOENT if @id is not up.
 */
int clshm_part_reachable(struct clshm_part *part, u32 id);

/* main.c */
extern struct clshm_part *clshm_local;
struct device *clshm_node_create(struct clshm_part *part, u32 id);
void clshm_node_remove(struct clshm_part *part, struct device *dev);

/* seg.c */
void clshm_who_current(struct clshm_who *who, struct clshm_part *part);
int clshm_seg_get(struct clshm_part *part, const struct clshm_who *who,
		  u32 key, u64 size, u32 flags, u32 *shmid);
int clshm_seg_stat(struct clshm_part *part, const struct clshm_who *who,
		   u32 shmid, struct clshm_ds *ds);
int clshm_seg_set(struct clshm_part *part, const struct clshm_who *who,
		  u32 shmid, kuid_t uid, kgid_t gid, u32 mode);
int clshm_seg_rmid(struct clshm_part *part, const struct clshm_who *who,
		   u32 shmid, u32 flags);
int clshm_seg_mintkey(struct clshm_part *part, u32 *key);
struct clshm_seg *clshm_seg_find(struct clshm_part *part, u32 shmid);
bool clshm_seg_perm_ok(struct clshm_seg *seg, const struct clshm_who *who,
		       u32 flag);
void clshm_seg_nattch_changed(struct clshm_seg *seg);
void clshm_seg_destroy(struct clshm_seg *seg);
struct clshm_seg *clshm_seg_alloc(struct clshm_part *part, u32 shmid,
				  u64 size, const struct clshm_backend_ops *ops);
int clshm_seg_attach_vma(struct clshm_seg *seg, struct vm_area_struct *vma);
void clshm_seg_put(struct clshm_seg *seg);
struct clshm_seg *clshm_vma_seg(struct vm_area_struct *vma);
long clshm_shm_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int clshm_shm_mmap(struct file *file, struct vm_area_struct *vma);
long clshm_common_ioctl(struct clshm_part *part, unsigned int cmd,
			void __user *argp);
int clshm_segs_clear(struct clshm_part *part, bool force);
u32 clshm_segs_attached(struct clshm_part *part);

/* ring.c */
int clshm_ring_alloc(struct clshm_part *part);
void clshm_ring_free(struct clshm_part *part);
void clshm_ring_post(struct clshm_part *part, u32 type, u32 flags,
		     struct clshm_seg *seg, u64 arg0, u64 arg1);
void clshm_ring_post_peer(struct clshm_part *part, u32 type, u32 flags,
			  u32 peer, u64 arg0, u64 arg1, u64 arg2);
int clshm_ring_mmap(struct clshm_part *part, struct file *file,
		    struct vm_area_struct *vma);
__poll_t clshm_ring_poll(struct clshm_part *part, struct file *file,
			 poll_table *wait);
int clshm_ring_hello(struct clshm_part *part, struct file *file,
		     void __user *argp);
int clshm_ring_reply(struct clshm_part *part, struct file *file,
		     void __user *argp);
void clshm_ring_daemon_gone(struct clshm_part *part, struct file *file);
int clshm_ring_gethostname(struct clshm_part *part, void __user *argp);

/* remote.c */
int clshm_remote_get(struct clshm_part *part, u32 key, u64 size, u32 flags,
		     u32 *shmid);
int clshm_remote_stat(struct clshm_part *part, u32 shmid,
		      struct clshm_ds *ds);
int clshm_remote_set(struct clshm_part *part, u32 shmid, kuid_t uid,
		     kgid_t gid, u32 mode);
int clshm_remote_rmid(struct clshm_part *part, u32 shmid, u32 flags);
int clshm_remote_mintkey(struct clshm_part *part, u32 owner, u32 *key);
int clshm_remote_mmap(struct clshm_part *part, struct vm_area_struct *vma,
		      u32 want);
void clshm_remote_vm_changed(struct clshm_seg *seg);
void clshm_remote_seg_killed(struct clshm_seg *seg);
int clshm_remote_zone_alloc(struct clshm_part *part, unsigned long npages,
			    u64 *first);
void clshm_remote_zone_free(struct clshm_part *part, u64 first,
			    unsigned long npages);
int clshm_remote_join(struct clshm_part *part);
void clshm_remote_ids_resume(struct clshm_part *part);
void clshm_remote_ids_publish(struct clshm_part *part);
void clshm_remote_leave(struct clshm_part *part);
u32 clshm_remote_proxies_attached(struct clshm_part *part);
void clshm_remote_proxies_kill(struct clshm_part *part);
int clshm_ioc_wait(struct clshm_part *part, void __user *argp);
int clshm_ioc_wake(struct clshm_part *part, void __user *argp);

/* compat: 6.3 added vm_flags_set()/vm_flags_clear(). */
#include <linux/version.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void clshm_vm_flags_set(struct vm_area_struct *vma,
				      unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void clshm_vm_flags_clear(struct vm_area_struct *vma,
					unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define clshm_vm_flags_set	vm_flags_set
#define clshm_vm_flags_clear	vm_flags_clear
#endif

#endif /* _CLSHM_INTERNAL_H */
