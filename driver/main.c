// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - clshm: CrayLink-style shared memory segments for Linux
 *
 * The module is one partition (struct clshm_part, see clshm.h) with two
 * character devices:
 *
 *   /dev/clshm/0/ctl  (0600)  configuration, startup and shutdown
 *                             (clshmctl), and the daemon ring (clshmd)
 *   /dev/clshm/0/shm  (0666)  the segment API (libxp) and attach by mmap
 *
 * and /dev/clshm/partition/<hh> (0444) while partition hh is up.
 *
 * State machine: the partition is DOWN after load and after shutdown
 * (limits may change, the segment API answers ENODEV) and UP after
 * startup (limits frozen: EBUSY).  Startup allocates the ring; shutdown
 * removes every segment (refused while attached unless forced), tells
 * the daemon to go, and frees the ring.
 *
 * This file holds the module parameters, device setup and the ctl
 * ioctls; segments are in seg.c, the ring in ring.c, memory in local.c.
 * Locking: part->lock (see clshm.h) for everything here.
 */
#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "clshm.h"
#include "fabric.h"

/* Minors: ctl, shm, then one per partition node. */
#define CLSHM_MINOR_CTL		0
#define CLSHM_MINOR_SHM		1
#define CLSHM_MINOR_PART0	2
#define CLSHM_MINORS		(CLSHM_MINOR_PART0 + CLSHM_MAX_PARTS)

/* Sanity ceiling for maxpgs: 2^36 pages is 256 TiB of 4 KiB pages. */
#define CLSHM_MAXPGS_MAX	(1ULL << 36)

static unsigned long maxpgs = 262144;		/* 1 GiB of 4 KiB pages */
module_param(maxpgs, ulong, 0444);
MODULE_PARM_DESC(maxpgs, "Default page limit for all segments (pages)");

static unsigned int maxsegs = 32768;
module_param(maxsegs, uint, 0444);
MODULE_PARM_DESC(maxsegs, "Default segment count limit");

static unsigned int maxdpgs = 16;
module_param(maxdpgs, uint, 0444);
MODULE_PARM_DESC(maxdpgs, "Default daemon ring size (pages)");

static unsigned int timeout = 5000;
module_param(timeout, uint, 0444);
MODULE_PARM_DESC(timeout, "Default request timeout (ms)");

static unsigned int partid;
module_param(partid, uint, 0444);
MODULE_PARM_DESC(partid, "Default partition id (0..255)");

struct clshm_part *clshm_local;
static struct class *clshm_class;

/* Range checks shared by the module parameters and SETCFG. */
static int cfg_check(const struct clshm_cfg *c, u32 mask)
{
	if ((mask & CLSHM_CFG_MAXPGS) &&
	    (!c->maxpgs || c->maxpgs > CLSHM_MAXPGS_MAX))
		return -EINVAL;
	if ((mask & CLSHM_CFG_MAXSEGS) &&
	    (!c->maxsegs || c->maxsegs > CLSHM_ID_SERIAL_MASK))
		return -EINVAL;
	if ((mask & CLSHM_CFG_MAXDPGS) &&
	    (c->maxdpgs < CLSHM_MAXDPGS_MIN || c->maxdpgs > CLSHM_MAXDPGS_MAX))
		return -EINVAL;
	if ((mask & CLSHM_CFG_TIMEOUT) &&
	    (c->timeout_ms < CLSHM_TIMEOUT_MIN ||
	     c->timeout_ms > CLSHM_TIMEOUT_MAX))
		return -EINVAL;
	if ((mask & CLSHM_CFG_PARTID) && c->partid >= CLSHM_MAX_PARTS)
		return -EINVAL;
	return 0;
}

/* ---------------------------------------------------------------------
 * Device nodes
 */

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static char *clshm_devnode(struct device *dev, umode_t *mode)
#else
static char *clshm_devnode(const struct device *dev, umode_t *mode)
#endif
{
	unsigned int minor = MINOR(dev->devt);

	if (minor == CLSHM_MINOR_CTL) {
		if (mode)
			*mode = 0600;
		return kasprintf(GFP_KERNEL, "clshm/0/ctl");
	}
	if (minor == CLSHM_MINOR_SHM) {
		if (mode)
			*mode = 0666;
		return kasprintf(GFP_KERNEL, "clshm/0/shm");
	}
	if (mode)
		*mode = 0444;
	return kasprintf(GFP_KERNEL, "clshm/partition/%02x",
			 minor - CLSHM_MINOR_PART0);
}

/**
 * clshm_node_create - publish /dev/clshm/partition/<hh>
 * @part: the local partition (part->lock held)
 * @id: the partition the node names (the local one or a peer)
 *
 * Return: the device, or an ERR_PTR.
 */
struct device *clshm_node_create(struct clshm_part *part, u32 id)
{
	lockdep_assert_held(&part->lock);
	return device_create(clshm_class, NULL,
			     MKDEV(MAJOR(part->devt), CLSHM_MINOR_PART0 + id),
			     part, "clshm-part%02x", id);
}

/* Take a node of clshm_node_create() away again (part->lock held). */
void clshm_node_remove(struct clshm_part *part, struct device *dev)
{
	lockdep_assert_held(&part->lock);
	if (dev)
		device_destroy(clshm_class, dev->devt);
}

static int part_node_create(struct clshm_part *part)
{
	struct device *dev = clshm_node_create(part, part->partid);

	if (IS_ERR(dev))
		return PTR_ERR(dev);
	part->part_dev = dev;
	return 0;
}

static void part_node_remove(struct clshm_part *part)
{
	clshm_node_remove(part, part->part_dev);
	part->part_dev = NULL;
}

/* ---------------------------------------------------------------------
 * ctl ioctls
 */

static int clshm_ioc_getcfg(struct clshm_part *part, void __user *argp)
{
	struct clshm_cfg c = { .mask = CLSHM_CFG_ALL };

	mutex_lock(&part->lock);
	c.maxpgs = part->maxpgs;
	c.maxsegs = part->maxsegs;
	c.maxdpgs = part->maxdpgs;
	c.timeout_ms = part->timeout_ms;
	c.partid = part->partid;
	c.state = part->state;
	c.daemon_pid = part->daemon_pid;
	mutex_unlock(&part->lock);
	return copy_to_user(argp, &c, sizeof(c)) ? -EFAULT : 0;
}

static int clshm_ioc_setcfg(struct clshm_part *part, void __user *argp)
{
	struct clshm_cfg c;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if ((c.mask & ~CLSHM_CFG_ALL) || c.state || c.daemon_pid || c.pad)
		return -EINVAL;
	err = cfg_check(&c, c.mask);
	if (err)
		return err;

	mutex_lock(&part->lock);
	err = -EBUSY;
	if (part->state != CLSHM_STATE_DOWN)
		goto out_unlock;
	if (c.mask & CLSHM_CFG_MAXPGS)
		part->maxpgs = c.maxpgs;
	if (c.mask & CLSHM_CFG_MAXSEGS)
		part->maxsegs = c.maxsegs;
	if (c.mask & CLSHM_CFG_MAXDPGS)
		part->maxdpgs = c.maxdpgs;
	if (c.mask & CLSHM_CFG_TIMEOUT)
		part->timeout_ms = c.timeout_ms;
	if (c.mask & CLSHM_CFG_PARTID)
		part->partid = c.partid;
	err = 0;
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

static int clshm_ioc_startup(struct clshm_part *part, void __user *argp)
{
	struct clshm_startup a;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad)
		return -EINVAL;

	mutex_lock(&part->lock);
	err = -EBUSY;
	if (part->state != CLSHM_STATE_DOWN)
		goto out_unlock;
	if (part->fab) {
		/*
		 * Joining sets partid from IVPosition on doorbell fabrics, so
		 * it comes before anything that records partid (the ring).
		 */
		err = clshm_remote_join(part);
		if (err)
			goto out_unlock;
		err = clshm_fab_join(part);
		if (err)
			goto err_remote_leave;
		clshm_remote_ids_resume(part);
	}
	err = clshm_ring_alloc(part);
	if (err)
		goto err_fab_leave;
	err = part_node_create(part);
	if (err)
		goto err_free_ring;
	part->state = CLSHM_STATE_UP;
	clshm_ring_post(part, CLSHM_MSG_STARTUP, 0, NULL, part->maxpgs, 0);
	pr_info("clshm: partition %u started (maxpgs %llu, maxsegs %u, ring %u pages)\n",
		part->partid, part->maxpgs, part->maxsegs, part->maxdpgs);
	mutex_unlock(&part->lock);
	return 0;

err_free_ring:
	clshm_ring_free(part);
err_fab_leave:
	if (part->fab)
		clshm_fab_leave(part, true);
err_remote_leave:
	if (part->fab)
		clshm_remote_leave(part);
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/* Shut the partition down (part->lock held). */
static void part_shutdown(struct clshm_part *part, bool force)
{
	lockdep_assert_held(&part->lock);
	/* Without force the caller made sure nothing is attached. */
	clshm_segs_clear(part, force);
	if (part->fab) {
		clshm_remote_proxies_kill(part);
		clshm_fab_leave(part, force);
		clshm_remote_leave(part);
	}
	clshm_ring_post(part, CLSHM_MSG_SHUTDOWN, force, NULL, 0, 0);
	part->state = CLSHM_STATE_DOWN;
	part->daemon = NULL;
	part->daemon_pid = 0;
	clshm_ring_free(part);
	part_node_remove(part);
	pr_info("clshm: partition %u shut down%s\n", part->partid,
		force ? " by force" : "");
}

static int clshm_ioc_shutdown(struct clshm_part *part, void __user *argp)
{
	struct clshm_shutdown a;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~CLSHM_SHUTDOWN_FLAGS_ALL) || a.pad)
		return -EINVAL;

	mutex_lock(&part->lock);
	err = -EALREADY;
	if (part->state == CLSHM_STATE_DOWN)
		goto out_unlock;
	err = -EBUSY;
	if (!(a.flags & CLSHM_SHUTDOWN_FORCE) && clshm_segs_attached(part))
		goto out_unlock;
	part_shutdown(part, a.flags & CLSHM_SHUTDOWN_FORCE);
	err = 0;
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

static int clshm_ioc_clear(struct clshm_part *part, void __user *argp)
{
	struct clshm_clear a;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~CLSHM_CLEAR_FLAGS_ALL)
		return -EINVAL;

	mutex_lock(&part->lock);
	err = -ENODEV;
	if (part->state == CLSHM_STATE_UP) {
		a.removed = clshm_segs_clear(part,
					     a.flags & CLSHM_CLEAR_FORCE);
		clshm_ring_post(part, CLSHM_MSG_CLEAR, a.flags, NULL,
				a.removed, 0);
		err = 0;
	}
	mutex_unlock(&part->lock);
	if (err)
		return err;
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}

static long clshm_ctl_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct clshm_part *part = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case CLSHM_IOC_GETCFG:
		return clshm_ioc_getcfg(part, argp);
	case CLSHM_IOC_SETCFG:
		return clshm_ioc_setcfg(part, argp);
	case CLSHM_IOC_STARTUP:
		return clshm_ioc_startup(part, argp);
	case CLSHM_IOC_SHUTDOWN:
		return clshm_ioc_shutdown(part, argp);
	case CLSHM_IOC_HELLO:
		return clshm_ring_hello(part, file, argp);
	case CLSHM_IOC_REPLY:
		return clshm_ring_reply(part, file, argp);
	case CLSHM_IOC_CLEAR:
		return clshm_ioc_clear(part, argp);
	case CLSHM_IOC_PEER:
		return clshm_fab_peer_ioctl(part, file, argp);
	default:
		return clshm_common_ioctl(part, cmd, argp);
	}
}

/* ---------------------------------------------------------------------
 * File operations
 */

static int clshm_open(struct inode *inode, struct file *file)
{
	file->private_data = clshm_local;
	return nonseekable_open(inode, file);
}

static int clshm_ctl_release(struct inode *inode, struct file *file)
{
	clshm_ring_daemon_gone(file->private_data, file);
	return 0;
}

static int clshm_ctl_mmap(struct file *file, struct vm_area_struct *vma)
{
	return clshm_ring_mmap(file->private_data, file, vma);
}

static __poll_t clshm_ctl_poll(struct file *file, poll_table *wait)
{
	return clshm_ring_poll(file->private_data, file, wait);
}

static const struct file_operations clshm_ctl_fops = {
	.owner = THIS_MODULE,
	.open = clshm_open,
	.release = clshm_ctl_release,
	.unlocked_ioctl = clshm_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = clshm_ctl_mmap,
	.poll = clshm_ctl_poll,
	.llseek = no_llseek,
};

static const struct file_operations clshm_shm_fops = {
	.owner = THIS_MODULE,
	.open = clshm_open,
	.unlocked_ioctl = clshm_shm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = clshm_shm_mmap,
	.llseek = no_llseek,
};

/* Partition nodes only name a partition (for xp_ftok). */
static const struct file_operations clshm_part_fops = {
	.owner = THIS_MODULE,
	.open = clshm_open,
	.llseek = no_llseek,
};

/* ---------------------------------------------------------------------
 * Module init and exit
 */

static struct clshm_part *part_alloc(void)
{
	struct clshm_part *part;
	int i;

	part = kzalloc(sizeof(*part), GFP_KERNEL);
	if (!part)
		return NULL;
	part->backend = &clshm_local_backend;
	part->incarnation = ktime_get_real_ns();
	mutex_init(&part->lock);
	part->state = CLSHM_STATE_DOWN;
	part->maxpgs = maxpgs;
	part->maxsegs = maxsegs;
	part->maxdpgs = maxdpgs;
	part->timeout_ms = timeout;
	part->partid = partid;
	xa_init(&part->keys);
	xa_init_flags(&part->segs, XA_FLAGS_ALLOC1);
	xa_init(&part->proxies);
	INIT_LIST_HEAD(&part->rreqs);
	INIT_LIST_HEAD(&part->proxy_list);
	INIT_LIST_HEAD(&part->zombies);
	part->next_rreq = 1;
	part->mint_next = 1;
	spin_lock_init(&part->ring.lock);
	INIT_LIST_HEAD(&part->ring.reqs);
	part->ring.next_req = 1;
	init_waitqueue_head(&part->ring.wait);
	for (i = 0; i < CLSHM_NR_COUNTERS; i++)
		atomic64_set(&part->counters[i], 0);
	return part;
}

static void part_free(struct clshm_part *part)
{
	WARN_ON(!xa_empty(&part->segs) || !xa_empty(&part->keys));
	xa_destroy(&part->segs);
	xa_destroy(&part->keys);
	xa_destroy(&part->proxies);
	mutex_destroy(&part->lock);
	kfree(part);
}

static int __init clshm_init(void)
{
	struct clshm_cfg defaults = {
		.maxpgs = maxpgs, .maxsegs = maxsegs, .maxdpgs = maxdpgs,
		.timeout_ms = timeout, .partid = partid,
	};
	struct clshm_part *part;
	dev_t devt;
	int err;

	if (cfg_check(&defaults, CLSHM_CFG_ALL)) {
		pr_err("clshm: a module parameter is out of range (maxpgs 1..%llu, maxsegs 1..%u, maxdpgs %u..%u, timeout %u..%u ms, partid 0..%u)\n",
		       CLSHM_MAXPGS_MAX, CLSHM_ID_SERIAL_MASK,
		       CLSHM_MAXDPGS_MIN, CLSHM_MAXDPGS_MAX,
		       CLSHM_TIMEOUT_MIN, CLSHM_TIMEOUT_MAX,
		       CLSHM_MAX_PARTS - 1);
		return -EINVAL;
	}

	clshm_local_init();
	part = part_alloc();
	if (!part) {
		clshm_local_exit();
		return -ENOMEM;
	}
	clshm_local = part;

	err = alloc_chrdev_region(&devt, 0, CLSHM_MINORS, CLSHM_NAME);
	if (err)
		goto err_free_part;
	part->devt = devt;

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
	clshm_class = class_create(THIS_MODULE, CLSHM_NAME);
#else
	clshm_class = class_create(CLSHM_NAME);
#endif
	if (IS_ERR(clshm_class)) {
		err = PTR_ERR(clshm_class);
		goto err_unregister_region;
	}
	clshm_class->devnode = clshm_devnode;

	cdev_init(&part->ctl_cdev, &clshm_ctl_fops);
	err = cdev_add(&part->ctl_cdev, MKDEV(MAJOR(devt), CLSHM_MINOR_CTL), 1);
	if (err)
		goto err_destroy_class;
	cdev_init(&part->shm_cdev, &clshm_shm_fops);
	err = cdev_add(&part->shm_cdev, MKDEV(MAJOR(devt), CLSHM_MINOR_SHM), 1);
	if (err)
		goto err_del_ctl_cdev;
	cdev_init(&part->part_cdev, &clshm_part_fops);
	err = cdev_add(&part->part_cdev, MKDEV(MAJOR(devt), CLSHM_MINOR_PART0),
		       CLSHM_MAX_PARTS);
	if (err)
		goto err_del_shm_cdev;

	/* Publish the nodes last. */
	part->ctl_dev = device_create(clshm_class, NULL,
				      MKDEV(MAJOR(devt), CLSHM_MINOR_CTL),
				      part, "clshm0-ctl");
	if (IS_ERR(part->ctl_dev)) {
		err = PTR_ERR(part->ctl_dev);
		goto err_del_part_cdev;
	}
	part->shm_dev = device_create(clshm_class, NULL,
				      MKDEV(MAJOR(devt), CLSHM_MINOR_SHM),
				      part, "clshm0-shm");
	if (IS_ERR(part->shm_dev)) {
		err = PTR_ERR(part->shm_dev);
		goto err_destroy_ctl_dev;
	}

	/* Binds an ivshmem fabric if there is one (sets part->fab). */
	err = clshm_fabric_init();
	if (err)
		goto err_destroy_shm_dev;

	pr_info("clshm: loaded: partition %u, %s, ABI %u.%u\n",
		part->partid, part->fab ? "fabric" : "local pages",
		CLSHM_ABI_MAJOR, CLSHM_ABI_MINOR);
	return 0;

err_destroy_shm_dev:
	device_destroy(clshm_class, part->shm_dev->devt);

err_destroy_ctl_dev:
	device_destroy(clshm_class, part->ctl_dev->devt);
err_del_part_cdev:
	cdev_del(&part->part_cdev);
err_del_shm_cdev:
	cdev_del(&part->shm_cdev);
err_del_ctl_cdev:
	cdev_del(&part->ctl_cdev);
err_destroy_class:
	class_destroy(clshm_class);
err_unregister_region:
	unregister_chrdev_region(devt, CLSHM_MINORS);
err_free_part:
	clshm_local = NULL;
	part_free(part);
	clshm_local_exit();
	return err;
}

/*
 * No file is open (the module reference of every device file and every
 * segment's mapping file prevents unloading), so no segment exists; the
 * partition may still be up with an empty table and a ring.
 */
static void __exit clshm_exit(void)
{
	struct clshm_part *part = clshm_local;

	device_destroy(clshm_class, part->shm_dev->devt);
	device_destroy(clshm_class, part->ctl_dev->devt);
	mutex_lock(&part->lock);
	if (part->state == CLSHM_STATE_UP)
		part_shutdown(part, false);
	mutex_unlock(&part->lock);
	clshm_fabric_exit();
	cdev_del(&part->part_cdev);
	cdev_del(&part->shm_cdev);
	cdev_del(&part->ctl_cdev);
	class_destroy(clshm_class);
	unregister_chrdev_region(part->devt, CLSHM_MINORS);
	clshm_local = NULL;
	part_free(part);
	clshm_local_exit();
}

module_init(clshm_init);
module_exit(clshm_exit);

MODULE_DESCRIPTION("clshm: System V style shared memory across partitions");
MODULE_AUTHOR("The clshm developers");
MODULE_LICENSE("GPL");
MODULE_VERSION("1.0");
