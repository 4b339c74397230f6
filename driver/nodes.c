// SPDX-License-Identifier: GPL-2.0
/*
 * nodes.c - the device nodes
 *
 * One character device region: minor 0 is /dev/clshm/0/ctl, minor 1
 * /dev/clshm/0/shm, and minor 2 + hh is /dev/clshm/partition/<hh>, which
 * exists while partition hh is up (the local one while started, the
 * others while the fabric sees them up).  The names come from the class's
 * devnode(); the modes of ctl and shm are udev's to set.
 *
 * Locking: the class is set up at module load and torn down at unload;
 * partition nodes change under part->lock (asserted).
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "clshm.h"

static struct class *clshm_class;

static char *clshm_devnode(CLSHM_DEVNODE_CONST struct device *dev,
			   umode_t *mode)
{
	unsigned int minor = MINOR(dev->devt);

	/*
	 * ctl and shm keep devtmpfs's default, 0600 root: who may use clshm
	 * is the administrator's choice, made by udev (packaging/
	 * 60-clshm.rules: shm 0660 group clshm).  The partition nodes only
	 * name partitions (xp_ftok), so everyone may see them.
	 */
	if (minor == CLSHM_MINOR_CTL)
		return kasprintf(GFP_KERNEL, "clshm/0/ctl");
	if (minor == CLSHM_MINOR_SHM)
		return kasprintf(GFP_KERNEL, "clshm/0/shm");
	if (mode)
		*mode = 0444;
	return kasprintf(GFP_KERNEL, "clshm/partition/%02x",
			 minor - CLSHM_MINOR_PART0);
}

/**
 * clshm_nodes_init - create the class and the ctl and shm nodes
 * @part: the partition, whose character devices are added
 *
 * Return: 0 or a negative errno (nothing left behind).
 */
int clshm_nodes_init(struct clshm_part *part)
{
	int err;

	clshm_class = clshm_class_create(CLSHM_NAME);
	if (IS_ERR(clshm_class))
		return PTR_ERR(clshm_class);
	clshm_class->devnode = clshm_devnode;

	part->ctl_dev = device_create(clshm_class, NULL,
				      MKDEV(MAJOR(part->devt), CLSHM_MINOR_CTL),
				      part, "clshm0-ctl");
	if (IS_ERR(part->ctl_dev)) {
		err = PTR_ERR(part->ctl_dev);
		goto err_destroy_class;
	}
	part->shm_dev = device_create(clshm_class, NULL,
				      MKDEV(MAJOR(part->devt), CLSHM_MINOR_SHM),
				      part, "clshm0-shm");
	if (IS_ERR(part->shm_dev)) {
		err = PTR_ERR(part->shm_dev);
		goto err_destroy_ctl_dev;
	}
	return 0;

err_destroy_ctl_dev:
	device_destroy(clshm_class, part->ctl_dev->devt);
err_destroy_class:
	class_destroy(clshm_class);
	return err;
}

/* Take the ctl and shm nodes and the class away (no partition node left). */
void clshm_nodes_exit(struct clshm_part *part)
{
	device_destroy(clshm_class, part->shm_dev->devt);
	device_destroy(clshm_class, part->ctl_dev->devt);
	class_destroy(clshm_class);
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
