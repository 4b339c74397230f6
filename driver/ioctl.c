// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl.c - the ioctl table, and attach
 *
 * Every ioctl of both devices is one row of clshm_ioctls[]: its number,
 * the devices that accept it, what the caller must be, and a handler.
 * clshm_ioctl() does what every ioctl shares: it finds the row, checks
 * privilege, copies the argument in (the size the caller's ioctl number
 * carries), calls the handler with a kernel copy, and copies the result
 * out.  Handlers validate, then call the layers below; they never touch
 * user memory themselves, except to follow a pointer inside the argument.
 *
 * Rows marked extensible accept any caller size from their first ABI's
 * size on: a shorter (older) caller gets the fields it knows, a longer
 * (newer) one must leave what this driver does not know zero, and fields
 * are only ever appended.
 *
 * Owners.  An operation on a key or shmid picks its implementation once,
 * from the partition the id names (owner_of()): this partition's
 * (seg.c) or another's (remote.c).  No handler asks "is it remote?"
 * again, and the implementations check again what they rely on under
 * part->lock.
 *
 * Locking: none held here; part->lock is taken briefly by owner_of() and
 * by the handlers of reports.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/personality.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "clshm.h"

/* At most this many entries per CLSHM_IOC_LIST call. */
#define CLSHM_LIST_MAX	256

/**
 * struct clshm_ucmd - one ioctl call, as a handler sees it
 * @part: the local partition
 * @file: the device file
 * @ubuf: the caller's argument (for pointers inside it, and write-back)
 * @usize: the size of the caller's argument
 * @arg: the kernel copy of the argument (the driver's size, zero-filled)
 */
struct clshm_ucmd {
	struct clshm_part *part;
	struct file *file;
	void __user *ubuf;
	u32 usize;
	void *arg;
};

/* Row flags. */
#define IOF_ADMIN	0x1	/* needs CAP_SYS_ADMIN (before anything) */
#define IOF_DAEMON	0x2	/* only the registered daemon's ctl file */
#define IOF_EXT		0x4	/* extensible: struct clshm_ext_hdr first */
#define IOF_OWNOUT	0x8	/* the handler copies out itself */

/**
 * struct clshm_ioctl_op - one row of the table
 * @cmd: the ioctl number
 * @size: the argument's size in this driver
 * @devs: CLSHM_DEV_* bits of the devices that accept it
 * @flags: IOF_*
 * @fn: the handler: 0 (the argument is copied out if the ioctl reads) or
 *      a negative errno
 */
struct clshm_ioctl_op {
	unsigned int cmd;
	u32 size;
	u8 devs;
	u8 flags;
	int (*fn)(struct clshm_ucmd *u);
};

/* ---------------------------------------------------------------------
 * Who and whose
 */

/*
 * The owner operations for partition @id's keys and shmids, or
 * ERR_PTR(@absent) if @id is another partition that is not up.  Without
 * a fabric, or for our own id, no lock is needed: the local owner checks
 * under part->lock that the id is ours and the partition up (partid and
 * fab only change while it is down).
 */
static const struct clshm_owner_ops *owner_of(struct clshm_part *part,
					      u32 id, int absent)
{
	const struct clshm_owner_ops *ops = &clshm_local_owner;

	if (!READ_ONCE(part->fab) || id == READ_ONCE(part->partid))
		return ops;
	mutex_lock(&part->lock);
	/* Shut down: the local owner answers ENODEV. */
	if (part->state == CLSHM_STATE_UP && id != part->partid) {
		if (clshm_part_reachable(part, id))
			ops = ERR_PTR(absent);
		else
			ops = part->remote_owner;
	}
	mutex_unlock(&part->lock);
	return ops;
}

/**
 * clshm_owner_of - the owner operations for partition @id (netlink.c)
 * @part: the local partition
 * @id: the partition a key or shmid names
 * @absent: the errno when @id is not up
 *
 * Return: the table, or ERR_PTR(@absent).
 */
const struct clshm_owner_ops *clshm_owner_of(struct clshm_part *part,
					     u32 id, int absent)
{
	return owner_of(part, id, absent);
}

/* ---------------------------------------------------------------------
 * The segment API (shm device)
 */

static int ioc_mintkey(struct clshm_ucmd *u)
{
	const struct clshm_owner_ops *ops;
	struct clshm_mintkey *a = u->arg;
	struct clshm_who who;

	if (a->part >= CLSHM_MAX_PARTS)
		return -EINVAL;
	ops = owner_of(u->part, a->part, -ENOENT);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	clshm_who_current(&who, u->part);
	return ops->mintkey(u->part, &who, a->part, &a->key);
}

static int ioc_shmget(struct clshm_ucmd *u)
{
	const struct clshm_owner_ops *ops;
	struct clshm_shmget *a = u->arg;
	struct clshm_who who;
	bool created;
	int err;

	if (a->pad || (a->flags & ~CLSHM_GET_FLAGS_ALL))
		return -EINVAL;
	/* A huge page size only with SHM_HUGETLB, and only the PMD size. */
	if ((a->flags & CLSHM_GET_HUGE_MASK) &&
	    (!(a->flags & CLSHM_GET_HUGETLB) ||
	     (a->flags & CLSHM_GET_HUGE_MASK) >> CLSHM_GET_HUGE_SHIFT !=
	     PMD_SHIFT))
		return -EINVAL;
	clshm_who_current(&who, u->part);
	/* IPC_PRIVATE is always local; other keys name their owner. */
	ops = a->key ? owner_of(u->part, CLSHM_ID_PART(a->key), -ENOENT) :
		       &clshm_local_owner;
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	/* Another partition's memory is fabric memory: never huge. */
	if (ops != &clshm_local_owner)
		a->flags &= ~(CLSHM_GET_HUGETLB | CLSHM_GET_HUGE_MASK);
	err = ops->get(u->part, &who, a->key, a->size, a->flags, &a->shmid,
		       &created);
	if (err)
		return err;
	/*
	 * Copied out here, not by clshm_ioctl(): a segment nobody can learn
	 * the shmid of is removed again, as its creator would.
	 */
	if (!copy_to_user(u->ubuf, a, sizeof(*a)))
		return 0;
	if (created)
		ops->rmid(u->part, &who, a->shmid, 0);
	return -EFAULT;
}

/*
 * The owner operations for an existing @shmid: one of a partition that is
 * not up names no segment, so EINVAL, like any unknown shmid.
 */
static const struct clshm_owner_ops *shmid_owner(struct clshm_part *part,
						 u32 shmid)
{
	return owner_of(part, CLSHM_ID_PART(shmid), -EINVAL);
}

static int ioc_stat(struct clshm_ucmd *u)
{
	const struct clshm_owner_ops *ops;
	struct clshm_stat *a = u->arg;
	struct clshm_who who;

	if ((a->flags & ~CLSHM_STAT_FLAGS_ALL) ||
	    a->flags == CLSHM_STAT_ANY)
		return -EINVAL;
	if (a->flags & CLSHM_STAT_INDEX) {
		clshm_who_current(&who, u->part);
		return clshm_seg_stat_index(u->part, &who, a->shmid,
					    a->flags & CLSHM_STAT_ANY, &a->ds);
	}
	ops = shmid_owner(u->part, a->shmid);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	clshm_who_current(&who, u->part);
	return ops->stat(u->part, &who, a->shmid, &a->ds);
}

static int ioc_set(struct clshm_ucmd *u)
{
	struct user_namespace *ns = current_user_ns();
	const struct clshm_owner_ops *ops;
	struct clshm_set *a = u->arg;
	struct clshm_who who;
	kuid_t uid;
	kgid_t gid;

	uid = make_kuid(ns, a->uid);
	gid = make_kgid(ns, a->gid);
	if ((a->mode & ~0777u) || !uid_valid(uid) || !gid_valid(gid))
		return -EINVAL;
	ops = shmid_owner(u->part, a->shmid);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	clshm_who_current(&who, u->part);
	return ops->set(u->part, &who, a->shmid, uid, gid, a->mode);
}

static int ioc_rmid(struct clshm_ucmd *u)
{
	const struct clshm_owner_ops *ops;
	struct clshm_rmid *a = u->arg;
	struct clshm_who who;

	if (a->flags & ~CLSHM_RMID_FLAGS_ALL)
		return -EINVAL;
	ops = shmid_owner(u->part, a->shmid);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	clshm_who_current(&who, u->part);
	return ops->rmid(u->part, &who, a->shmid, a->flags);
}

/* SHM_LOCK and SHM_UNLOCK: segments of this partition only. */
static int ioc_lock(struct clshm_ucmd *u)
{
	struct clshm_lock *a = u->arg;

	if (a->flags & ~CLSHM_LOCK_FLAGS_ALL)
		return -EINVAL;
	if (shmid_owner(u->part, a->shmid) != &clshm_local_owner)
		return -EINVAL;
	return clshm_seg_lock(u->part, a->shmid,
			      !(a->flags & CLSHM_LOCK_UNLOCK));
}

static int ioc_shmdt(struct clshm_ucmd *u)
{
	struct clshm_shmdt *a = u->arg;

	if (a->addr & ~PAGE_MASK || a->addr >= TASK_SIZE)
		return -EINVAL;
	return clshm_seg_detach(a->addr);
}

static int ioc_gethostname(struct clshm_ucmd *u)
{
	struct clshm_hostname *a = u->arg;
	char name[CLSHM_HOSTNAME_MAX];
	u32 len;
	int err;

	if (!a->len || a->part >= CLSHM_MAX_PARTS)
		return -EINVAL;
	err = clshm_ring_gethostname(u->part, a->part, name, &len);
	if (err)
		return err;
	if (len > a->len)
		return -ENAMETOOLONG;
	return copy_to_user(u64_to_user_ptr(a->name), name, len) ? -EFAULT : 0;
}

static int ioc_wait(struct clshm_ucmd *u)
{
	struct clshm_wait *a = u->arg;
	int err;

	if ((a->flags & ~CLSHM_WAIT_FLAGS_ALL) || a->pad || (a->addr & 3) ||
	    a->addr >= TASK_SIZE)
		return -EINVAL;
	err = clshm_wait(u->part, a);
	/* The deadline, for the restart (see wait.c). */
	if (err == -ERESTARTNOHAND &&
	    copy_to_user(u->ubuf, a, min_t(u32, u->usize, sizeof(*a))))
		return -EFAULT;
	return err;
}

static int ioc_wake(struct clshm_ucmd *u)
{
	struct clshm_wake *a = u->arg;

	if (a->flags || a->addr >= TASK_SIZE)
		return -EINVAL;
	return clshm_wake(u->part, a);
}

/*
 * shmat(2) in one call: the owner checks and tells the size (for another
 * partition's segment, its one ATTACH), then the segment is mapped like
 * an mmap(2) of the device, which uses what the first half learnt.
 */
static int ioc_shmat(struct clshm_ucmd *u)
{
	const struct clshm_owner_ops *ops;
	struct clshm_shmat *a = u->arg;
	unsigned long flags = MAP_SHARED, prot = PROT_READ, addr;
	struct clshm_who who;
	u32 want = 0444;
	u64 size;
	int err;

	if ((a->flags & ~CLSHM_SHMAT_FLAGS_ALL) || (a->addr & ~PAGE_MASK) ||
	    a->addr >= TASK_SIZE)
		return -EINVAL;
	if (!(a->flags & CLSHM_SHMAT_RDONLY)) {
		want |= 0222;
		prot |= PROT_WRITE;
	}
	if (a->flags & CLSHM_SHMAT_EXEC) {
		want |= 0111;
		prot |= PROT_EXEC;
	}
	if (a->addr)
		flags |= MAP_FIXED_NOREPLACE;
	ops = shmid_owner(u->part, a->shmid);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	clshm_who_current(&who, u->part);
	err = ops->attach_prepare(u->part, &who, a->shmid, want, &size);
	if (err)
		return err;
	addr = vm_mmap(u->file, a->addr, size, prot, flags,
		       (unsigned long)a->shmid << PAGE_SHIFT);
	if (IS_ERR_VALUE(addr)) {
		ops->attach_abort(u->part, a->shmid);
		/* An occupied range is EINVAL, as for shmat(2). */
		return addr == -EEXIST ? -EINVAL : (long)addr;
	}
	a->addr = addr;
	a->size = size;
	return 0;
}

/**
 * clshm_attach - mmap of the shm device: attach a segment (shmat)
 * @file: an open shm device
 * @vma: offset = shmid pages, length = the segment's size, MAP_SHARED
 *
 * Return: 0 or a negative errno, as xp_shmat(3) documents.
 */
int clshm_attach(struct file *file, struct vm_area_struct *vma)
{
	struct clshm_part *part = file->private_data;
	const struct clshm_owner_ops *ops;
	struct clshm_who who;
	u32 want = 0444;

	/* VM_MAYSHARE: an O_RDONLY file gives a shared VMA without VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE) || vma->vm_pgoff > U32_MAX)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		want |= 0222;
	/* As shmat(2): exec permission only when asked for, not implied. */
	if ((vma->vm_flags & VM_EXEC) &&
	    !(current->personality & READ_IMPLIES_EXEC))
		want |= 0111;
	ops = shmid_owner(part, vma->vm_pgoff);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	clshm_who_current(&who, part);
	return ops->attach(part, &who, vma, want);
}

/* ---------------------------------------------------------------------
 * Reports (both devices)
 */

static int ioc_version(struct clshm_ucmd *u)
{
	struct clshm_version *v = u->arg;

	v->major = CLSHM_ABI_MAJOR;
	v->minor = CLSHM_ABI_MINOR;
	v->ring_version = CLSHM_RING_VERSION;
	mutex_lock(&u->part->lock);
	v->partid = u->part->partid;
	mutex_unlock(&u->part->lock);
	return 0;
}

static int ioc_info(struct clshm_ucmd *u)
{
	struct clshm_part *part = u->part;
	struct clshm_info *a = u->arg;

	a->page_size = PAGE_SIZE;
	mutex_lock(&part->lock);
	a->maxpgs = part->maxpgs;
	a->pages_reserved = part->pages_reserved;
	/* Pinned pages are the segments' plus the ring's. */
	a->pages_resident =
		atomic64_read(&part->counters[CLSHM_C_PAGES_PINNED]) -
		part->ring.npages;
	a->maxsegs = part->maxsegs;
	a->segs = part->nsegs;
	a->maxdpgs = part->maxdpgs;
	a->timeout_ms = part->timeout_ms;
	a->partid = part->partid;
	a->state = part->state;
	a->max_serial = part->max_serial;
	mutex_unlock(&part->lock);
	return 0;
}

static int ioc_counters(struct clshm_ucmd *u)
{
	struct clshm_counters *c = u->arg;
	__u64 *out = &c->segs_live;

	BUILD_BUG_ON(sizeof(*c) != offsetof(struct clshm_counters, segs_live) +
		     CLSHM_NR_COUNTERS * sizeof(__u64));
	clshm_part_counters(u->part, out);
	return 0;
}

static int ioc_list(struct clshm_ucmd *u)
{
	struct clshm_list *a = u->arg;
	struct clshm_ds *ds;
	int err = 0;

	if (a->pad)
		return -EINVAL;
	a->count = min_t(u32, a->count, CLSHM_LIST_MAX);
	ds = kvcalloc(max_t(u32, a->count, 1), sizeof(*ds), GFP_KERNEL);
	if (!ds)
		return -ENOMEM;
	a->count = clshm_segs_list(u->part, a->start, ds, a->count, &a->next);
	if (a->count && copy_to_user(u64_to_user_ptr(a->buf), ds,
				     a->count * sizeof(*ds)))
		err = -EFAULT;
	kvfree(ds);
	return err;
}

static int ioc_partlist(struct clshm_ucmd *u)
{
	struct clshm_partlist *a = u->arg;
	struct clshm_part_info *info;
	int n, err = 0;

	if (a->pad)
		return -EINVAL;
	info = kcalloc(CLSHM_FAB_MAX_PARTS + 1, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	n = clshm_part_list(u->part, info);
	if (n < 0) {
		err = n;
		n = 0;
	} else {
		a->local = info[0].id;
	}
	a->count = n;
	if (!err && a->max &&
	    copy_to_user(u64_to_user_ptr(a->buf), info,
			 min_t(u32, a->max, n) * sizeof(*info)))
		err = -EFAULT;
	kfree(info);
	return err;
}

static int ioc_fabinfo(struct clshm_ucmd *u)
{
	struct clshm_fabinfo *a = u->arg;
	struct clshm_part *part = u->part;

	mutex_lock(&part->lock);
	a->partid = part->partid;
	clshm_fab_info(part, a);
	a->zone_used = part->zone.used;
	mutex_unlock(&part->lock);
	return 0;
}

/* ---------------------------------------------------------------------
 * Administration and the daemon (ctl device)
 */

static int ioc_getcfg(struct clshm_ucmd *u)
{
	struct clshm_part *part = u->part;
	struct clshm_cfg *c = u->arg;

	c->mask = CLSHM_CFG_ALL;
	mutex_lock(&part->lock);
	c->maxpgs = part->maxpgs;
	c->maxsegs = part->maxsegs;
	c->maxdpgs = part->maxdpgs;
	c->timeout_ms = part->timeout_ms;
	c->partid = part->partid;
	c->state = part->state;
	c->daemon_pid = part->daemon_pid;
	mutex_unlock(&part->lock);
	return 0;
}

static int ioc_setcfg(struct clshm_ucmd *u)
{
	struct clshm_cfg *c = u->arg;
	int err;

	if ((c->mask & ~CLSHM_CFG_ALL) || c->state || c->daemon_pid || c->pad)
		return -EINVAL;
	err = clshm_cfg_check(c, c->mask);
	if (err)
		return err;
	return clshm_part_setcfg(u->part, c);
}

static int ioc_startup(struct clshm_ucmd *u)
{
	struct clshm_startup *a = u->arg;

	if (a->flags || a->pad)
		return -EINVAL;
	return clshm_part_startup(u->part);
}

static int ioc_shutdown(struct clshm_ucmd *u)
{
	struct clshm_shutdown *a = u->arg;

	if ((a->flags & ~CLSHM_SHUTDOWN_FLAGS_ALL) || a->pad)
		return -EINVAL;
	return clshm_part_shutdown(u->part, a->flags & CLSHM_SHUTDOWN_FORCE);
}

static int ioc_clear(struct clshm_ucmd *u)
{
	struct clshm_clear *a = u->arg;

	if (a->flags & ~CLSHM_CLEAR_FLAGS_ALL)
		return -EINVAL;
	return clshm_part_clear(u->part, a->flags, &a->removed);
}

static int ioc_hello(struct clshm_ucmd *u)
{
	struct clshm_hello *a = u->arg;

	if (a->flags || a->pad)
		return -EINVAL;
	if (a->major != CLSHM_ABI_MAJOR || a->ring_version != CLSHM_RING_VERSION)
		return -EPROTO;
	/* If the copy out fails the daemon cannot run; its close undoes it. */
	return clshm_ring_hello(u->part, u->file, a);
}

static int ioc_reply(struct clshm_ucmd *u)
{
	struct clshm_reply *a = u->arg;
	char data[CLSHM_HOSTNAME_MAX];

	if (a->len > sizeof(data)) {
		clshm_count(u->part, CLSHM_C_ERRORS, 1);
		return -EINVAL;
	}
	if (a->len && copy_from_user(data, u64_to_user_ptr(a->data), a->len))
		return -EFAULT;
	return clshm_ring_reply(u->part, u->file, a, data);
}

static int ioc_peer(struct clshm_ucmd *u)
{
	char name[CLSHM_HOSTNAME_MAX] = "";
	struct clshm_peer *a = u->arg;

	if (a->op != CLSHM_PEER_HELLO && a->op != CLSHM_PEER_REFUSE)
		return -EINVAL;
	if (a->part >= CLSHM_FAB_MAX_PARTS)
		return -EINVAL;
	if (a->op == CLSHM_PEER_HELLO) {
		if (a->len < 2 || a->len > sizeof(name))
			return -EINVAL;
		if (copy_from_user(name, u64_to_user_ptr(a->name), a->len))
			return -EFAULT;
		if (clshm_fab_name_len(name, a->len) != a->len - 1)
			return -EINVAL;
	}
	return clshm_fab_peer(u->part, u->file, a, name);
}

/* ---------------------------------------------------------------------
 * The table
 */

#define BOTH	(CLSHM_DEV_CTL | CLSHM_DEV_SHM)
#define CTL	CLSHM_DEV_CTL
#define SHM	CLSHM_DEV_SHM

#define IOCTL_OP(_cmd, _type, _devs, _flags, _fn)			\
	[_IOC_NR(_cmd)] = {						\
		.cmd = _cmd, .size = sizeof(_type), .devs = _devs,	\
		.flags = _flags, .fn = _fn,				\
	}

static const struct clshm_ioctl_op clshm_ioctls[] = {
	IOCTL_OP(CLSHM_IOC_VERSION, struct clshm_version, BOTH, 0, ioc_version),
	IOCTL_OP(CLSHM_IOC_INFO, struct clshm_info, BOTH, IOF_EXT, ioc_info),
	IOCTL_OP(CLSHM_IOC_COUNTERS, struct clshm_counters, BOTH, IOF_EXT,
		 ioc_counters),
	IOCTL_OP(CLSHM_IOC_LIST, struct clshm_list, BOTH, 0, ioc_list),
	IOCTL_OP(CLSHM_IOC_PARTLIST, struct clshm_partlist, BOTH, 0,
		 ioc_partlist),
	IOCTL_OP(CLSHM_IOC_FABINFO, struct clshm_fabinfo, BOTH, IOF_EXT,
		 ioc_fabinfo),
	IOCTL_OP(CLSHM_IOC_MINTKEY, struct clshm_mintkey, SHM, 0, ioc_mintkey),
	IOCTL_OP(CLSHM_IOC_SHMGET, struct clshm_shmget, SHM, IOF_OWNOUT,
		 ioc_shmget),
	IOCTL_OP(CLSHM_IOC_STAT, struct clshm_stat, SHM, 0, ioc_stat),
	IOCTL_OP(CLSHM_IOC_SET, struct clshm_set, SHM, 0, ioc_set),
	IOCTL_OP(CLSHM_IOC_RMID, struct clshm_rmid, SHM, 0, ioc_rmid),
	IOCTL_OP(CLSHM_IOC_SHMDT, struct clshm_shmdt, SHM, 0, ioc_shmdt),
	IOCTL_OP(CLSHM_IOC_GETHOSTNAME, struct clshm_hostname, SHM, 0,
		 ioc_gethostname),
	IOCTL_OP(CLSHM_IOC_WAIT, struct clshm_wait, SHM, 0, ioc_wait),
	IOCTL_OP(CLSHM_IOC_WAKE, struct clshm_wake, SHM, 0, ioc_wake),
	IOCTL_OP(CLSHM_IOC_SHMAT, struct clshm_shmat, SHM, 0, ioc_shmat),
	IOCTL_OP(CLSHM_IOC_LOCK, struct clshm_lock, SHM, 0, ioc_lock),
	IOCTL_OP(CLSHM_IOC_GETCFG, struct clshm_cfg, CTL, 0, ioc_getcfg),
	IOCTL_OP(CLSHM_IOC_SETCFG, struct clshm_cfg, CTL, IOF_ADMIN,
		 ioc_setcfg),
	IOCTL_OP(CLSHM_IOC_STARTUP, struct clshm_startup, CTL, IOF_ADMIN,
		 ioc_startup),
	IOCTL_OP(CLSHM_IOC_SHUTDOWN, struct clshm_shutdown, CTL, IOF_ADMIN,
		 ioc_shutdown),
	IOCTL_OP(CLSHM_IOC_HELLO, struct clshm_hello, CTL, IOF_ADMIN,
		 ioc_hello),
	IOCTL_OP(CLSHM_IOC_REPLY, struct clshm_reply, CTL, IOF_DAEMON,
		 ioc_reply),
	IOCTL_OP(CLSHM_IOC_CLEAR, struct clshm_clear, CTL, IOF_ADMIN,
		 ioc_clear),
	IOCTL_OP(CLSHM_IOC_PEER, struct clshm_peer, CTL, 0, ioc_peer),
};

/*
 * The head of every extensible argument: the caller's size in, the bytes
 * filled out.
 */
struct clshm_ext_hdr {
	__u32 size;
	__u32 pad;
};

/* The largest argument of any row: the kernel copy lives on the stack. */
#define CLSHM_IOCTL_ARG_MAX	256

/**
 * clshm_ioctl - every ioctl of both devices
 * @file: the device file
 * @dev: CLSHM_DEV_CTL or CLSHM_DEV_SHM
 * @cmd: the ioctl number
 * @arg: the user pointer to its argument
 *
 * Return: 0, or a negative errno: -ENOTTY for an ioctl this device does
 * not know, -EPERM, -EFAULT, or the handler's.
 */
long clshm_ioctl(struct file *file, unsigned int dev, unsigned int cmd,
		 unsigned long arg)
{
	u64 buf[CLSHM_IOCTL_ARG_MAX / sizeof(u64)];
	const struct clshm_ioctl_op *op;
	struct clshm_ucmd u = {
		.part = file->private_data,
		.file = file,
		.ubuf = (void __user *)arg,
		.usize = _IOC_SIZE(cmd),
		.arg = buf,
	};
	unsigned int nr = _IOC_NR(cmd);
	int err;

	if (_IOC_TYPE(cmd) != CLSHM_IOC_TYPE || nr >= ARRAY_SIZE(clshm_ioctls))
		return -ENOTTY;
	op = &clshm_ioctls[nr];
	if (!op->fn || !(op->devs & dev) ||
	    _IOC_DIR(cmd) != _IOC_DIR(op->cmd))
		return -ENOTTY;
	if (op->flags & IOF_EXT ? u.usize < sizeof(struct clshm_ext_hdr) :
				  cmd != op->cmd)
		return -ENOTTY;
	BUILD_BUG_ON(sizeof(struct clshm_stat) > sizeof(buf));
	BUILD_BUG_ON(sizeof(struct clshm_fabinfo) > sizeof(buf));

	if ((op->flags & IOF_ADMIN) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((op->flags & IOF_DAEMON) && !clshm_ring_is_daemon(u.part, file))
		return -EPERM;
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		err = copy_struct_from_user(buf, op->size, u.ubuf, u.usize);
		if (err)
			return err == -E2BIG ? -EINVAL : err;
	} else {
		memset(buf, 0, op->size);
	}
	if (op->flags & IOF_EXT) {
		struct clshm_ext_hdr *h = u.arg;

		if (h->size != u.usize || h->pad)
			return -EINVAL;
	}
	err = op->fn(&u);
	if (err)
		return err;
	if (op->flags & IOF_EXT)
		((struct clshm_ext_hdr *)u.arg)->size = min(u.usize, op->size);
	if ((_IOC_DIR(cmd) & _IOC_READ) && !(op->flags & IOF_OWNOUT) &&
	    copy_to_user(u.ubuf, buf, min_t(u32, u.usize, op->size)))
		return -EFAULT;
	return 0;
}
