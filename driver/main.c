// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - clshm: CrayLink-style shared memory segments for Linux
 *
 * The module is one partition (struct clshm_part, see clshm.h, which also
 * draws the driver's layers) with two character devices:
 *
 *   /dev/clshm/0/ctl  configuration, startup and shutdown (clshmctl), and
 *                     the daemon ring (clshmd)
 *   /dev/clshm/0/shm  the segment API (libxp) and attach by mmap
 *
 * and /dev/clshm/partition/<hh> while partition hh is up (nodes.c).
 *
 * This file holds the module parameters, the partition's allocation and
 * the file operations, which hand every ioctl to ioctl.c.  Locking:
 * part->lock (see clshm.h) for the partition; nothing else here.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "clshm.h"

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

static long clshm_ctl_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	return clshm_ioctl(file, CLSHM_DEV_CTL, cmd, arg);
}

static long clshm_shm_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	return clshm_ioctl(file, CLSHM_DEV_SHM, cmd, arg);
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * Attaches of 2 MiB or more start on a 2 MiB boundary, so that a segment's
 * huge folios can each be mapped with one PMD entry (local.c).  The mmap
 * offset names a segment, not a place in it (an attach maps it from its
 * start), so it plays no part in the alignment.
 */
static unsigned long clshm_get_unmapped_area(struct file *file,
					     unsigned long addr,
					     unsigned long len,
					     unsigned long pgoff,
					     unsigned long flags)
{
	return thp_get_unmapped_area(file, addr, len, 0, flags);
}
#else
#define clshm_get_unmapped_area	NULL
#endif

static const struct file_operations clshm_ctl_fops = {
	.owner = THIS_MODULE,
	.open = clshm_open,
	.release = clshm_ctl_release,
	.unlocked_ioctl = clshm_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = clshm_ctl_mmap,
	.poll = clshm_ctl_poll,
};

static const struct file_operations clshm_shm_fops = {
	.owner = THIS_MODULE,
	.open = clshm_open,
	.unlocked_ioctl = clshm_shm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = clshm_attach,
	.get_unmapped_area = clshm_get_unmapped_area,
};

/* Partition nodes only name a partition (for xp_ftok). */
static const struct file_operations clshm_part_fops = {
	.owner = THIS_MODULE,
	.open = clshm_open,
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
	xa_init(&part->remote.proxies);
	INIT_LIST_HEAD(&part->remote.rreqs);
	INIT_LIST_HEAD(&part->remote.grants);
	INIT_LIST_HEAD(&part->remote.proxy_list);
	part->remote.next_rreq = 1;
	INIT_LIST_HEAD(&part->zone.zombies);
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
	xa_destroy(&part->remote.proxies);
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

	if (clshm_cfg_check(&defaults, CLSHM_CFG_ALL)) {
		pr_err("a module parameter is out of range (maxpgs 1..%llu, maxsegs 1..%u, maxdpgs %u..%u, timeout %u..%u ms, partid 0..%u)\n",
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

	cdev_init(&part->ctl_cdev, &clshm_ctl_fops);
	err = cdev_add(&part->ctl_cdev, MKDEV(MAJOR(devt), CLSHM_MINOR_CTL), 1);
	if (err)
		goto err_unregister_region;
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
	err = clshm_nodes_init(part);
	if (err)
		goto err_del_part_cdev;

	/* Binds a fabric if there is one (sets part->fab). */
	err = clshm_fabric_init();
	if (err)
		goto err_nodes_exit;
	err = clshm_netlink_init();
	if (err)
		goto err_fabric_exit;

	pr_info("loaded: partition %u, %s, ABI %u.%u\n",
		part->partid, part->fab ? "fabric" : "local pages",
		CLSHM_ABI_MAJOR, CLSHM_ABI_MINOR);
	return 0;

err_fabric_exit:
	clshm_fabric_exit();
err_nodes_exit:
	clshm_nodes_exit(part);
err_del_part_cdev:
	cdev_del(&part->part_cdev);
err_del_shm_cdev:
	cdev_del(&part->shm_cdev);
err_del_ctl_cdev:
	cdev_del(&part->ctl_cdev);
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

	clshm_netlink_exit();
	mutex_lock(&part->lock);
	if (part->state == CLSHM_STATE_UP)
		clshm_part_shutdown_locked(part, false);
	mutex_unlock(&part->lock);
	clshm_fabric_exit();
	clshm_nodes_exit(part);
	cdev_del(&part->part_cdev);
	cdev_del(&part->shm_cdev);
	cdev_del(&part->ctl_cdev);
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
MODULE_VERSION(CLSHM_VERSION);	/* the top-level VERSION file (Kbuild) */
