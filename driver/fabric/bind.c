// SPDX-License-Identifier: GPL-2.0
/*
 * bind.c - what every fabric source does to become the fabric
 *
 * A source (ivshmem.c, phys.c) finds and maps its memory, fills in
 * struct clshm_fabric (base, phys, size, doorbell, src, name) and calls
 * clshm_fab_bind(): the layout is read or formatted, the work items are
 * made, the source's interrupt (if any) is hooked, and the fabric is
 * handed to the local partition.  clshm_fab_unbind() undoes it.  The
 * polling period and the flush mode are chosen here, the same for every
 * source.
 *
 * Locking: fab_bind_lock (mutex) makes "one fabric" hold across sources
 * and probes; part->lock is taken inside it to hand the fabric over.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>

#include "../clshm.h"
#include "fabric.h"

static unsigned int pollms;
module_param(pollms, uint, 0444);
MODULE_PARM_DESC(pollms, "Fabric worker period in ms when idle (0: 20 without doorbells, 100 with; at most 100)");

static bool flush;
module_param(flush, bool, 0444);
MODULE_PARM_DESC(flush, "The fabric is not cache-coherent: write back every header, slot and mailbox write, invalidate before every read (default 0)");

static DEFINE_MUTEX(fab_bind_lock);
static struct clshm_fab_dev *fab_bound;	/* under fab_bind_lock */

/**
 * clshm_fab_bind_params_check - are the module parameters sane?
 *
 * Return: 0 or -EINVAL (logged).
 */
int clshm_fab_bind_params_check(void)
{
	if (clshm_fab_params_check())
		return -EINVAL;
	if (pollms > FAB_POLLMS_MAX) {
		pr_err("pollms=%u is out of range (0..%u)\n", pollms,
		       FAB_POLLMS_MAX);
		return -EINVAL;
	}
	if (flush && !IS_ENABLED(CONFIG_ARCH_HAS_PMEM_API)) {
		pr_err("flush=1 needs cache write-back instructions this architecture's kernel does not offer (CONFIG_ARCH_HAS_PMEM_API)\n");
		return -EINVAL;
	}
	return 0;
}

/**
 * clshm_fab_bind - make a mapped source the local partition's fabric
 * @fd: the source's fabric: fab.src, base, phys, size, doorbell,
 *      ivposition and name filled in, fd->part set; nothing else
 *
 * Return: 0; -EBUSY if another source is the fabric or the partition is
 * started; the layout's or the work items' error.  On error nothing of
 * the fabric is left (the source unmaps its memory).
 */
int clshm_fab_bind(struct clshm_fab_dev *fd)
{
	struct clshm_fabric *fab = &fd->fab;
	struct clshm_part *part = fd->part;
	unsigned long period;
	u32 formatter;
	int err;

	BUILD_BUG_ON(sizeof(struct clshm_fab_hdr) > CLSHM_FAB_HDR_SIZE);
	BUILD_BUG_ON(sizeof(struct clshm_fab_slot) != CLSHM_FAB_SLOT_SIZE);
	BUILD_BUG_ON(sizeof(struct clshm_fab_mbox) != CLSHM_FAB_MBOX_HDR);
	BUILD_BUG_ON(sizeof(struct clshm_fab_msg) != CLSHM_FAB_MSG_SIZE);
	BUILD_BUG_ON(CLSHM_FAB_HOSTNAME_MAX != CLSHM_HOSTNAME_MAX);

	mutex_lock(&fab_bind_lock);
	err = -EBUSY;
	if (fab_bound) {
		pr_info("%s: %s is the fabric already; ignoring this one\n",
			fab->name, fab_bound->fab.name);
		goto out_unlock;
	}
	fab->flush = flush;
	mutex_lock(&part->lock);
	formatter = fab->doorbell ? fab->ivposition : part->partid;
	mutex_unlock(&part->lock);
	err = clshm_fab_layout(fd, formatter);
	if (err)
		goto out_unlock;
	period = msecs_to_jiffies(pollms ? pollms :
				  fab->doorbell ? FAB_HB_MS : 20);
	err = clshm_fab_start(fd, period);
	if (err)
		goto out_unlock;
	if (fab->src->irq_setup) {
		err = fab->src->irq_setup(fab);
		if (err)
			goto err_stop;
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
		pr_err("%s: the partition is started; shut it down and bind the fabric again\n",
		       fab->name);
		goto err_stop;
	}
	fab_bound = fd;
	mutex_unlock(&fab_bind_lock);
	pr_info("%s: %s source, %llu MiB fabric at %pa, %u slots, zones of %llu KiB at %#llx, %s, %s (ivposition %u)\n",
		fab->name, fab->src->name, fab->size >> 20, &fab->phys,
		fab->nparts, fab->zone_size >> 10, fab->zones_off,
		fab->doorbell ? "doorbells" : "no doorbells, polling",
		fab->flush ? "flush mode (not coherent)" : "coherent",
		fab->ivposition);
	return 0;

err_stop:
	clshm_fab_stop(fd);
out_unlock:
	mutex_unlock(&fab_bind_lock);
	return err;
}

/**
 * clshm_fab_unbind - take the fabric away from the partition
 * @fd: a fabric clshm_fab_bind() bound
 *
 * The partition should be shut down first (main.c does that at module
 * exit); if it is not, it leaves the fabric here anyway.  The source
 * frees its interrupt and unmaps its memory after this returns.
 */
void clshm_fab_unbind(struct clshm_fab_dev *fd)
{
	struct clshm_part *part = fd->part;

	mutex_lock(&fab_bind_lock);
	mutex_lock(&part->lock);
	if (fd->fab.joined) {
		pr_warn("%s: removed while the partition is started\n",
			fd->fab.name);
		clshm_fab_leave(part, true);
	}
	if (part->fab == &fd->fab)
		part->fab = NULL;
	mutex_unlock(&part->lock);
	clshm_fab_stop(fd);
	fab_bound = NULL;
	mutex_unlock(&fab_bind_lock);
	pr_info("%s: fabric released\n", fd->fab.name);
}
