// SPDX-License-Identifier: GPL-2.0
/*
 * part.c - the partition's life: configuration, startup, shutdown
 *
 * The partition is DOWN after load and after shutdown (limits may change,
 * the segment API answers ENODEV) and UP after startup (limits frozen:
 * EBUSY).  Startup joins the fabric if there is one (remote.c), allocates
 * the daemon ring and publishes the partition's node; shutdown removes
 * every segment (refused while attached unless forced), leaves the
 * fabric, tells the daemon to go and frees the ring.
 *
 * Locking: part->lock (see clshm.h) for everything here.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/kernel.h>

#include "clshm.h"

/**
 * clshm_cfg_check - range checks of a configuration
 * @c: the values
 * @mask: CLSHM_CFG_* bits naming the values to check
 *
 * Shared by the module parameters and CLSHM_IOC_SETCFG.
 *
 * Return: 0 or -EINVAL.
 */
int clshm_cfg_check(const struct clshm_cfg *c, u32 mask)
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

/**
 * clshm_part_setcfg - change the limits (while shut down)
 * @part: the partition
 * @c: checked values; c->mask says which
 *
 * Return: 0, or -EBUSY while started.
 */
int clshm_part_setcfg(struct clshm_part *part, const struct clshm_cfg *c)
{
	int err = -EBUSY;

	mutex_lock(&part->lock);
	if (part->state != CLSHM_STATE_DOWN)
		goto out_unlock;
	if (c->mask & CLSHM_CFG_MAXPGS)
		part->maxpgs = c->maxpgs;
	if (c->mask & CLSHM_CFG_MAXSEGS)
		part->maxsegs = c->maxsegs;
	if (c->mask & CLSHM_CFG_MAXDPGS)
		part->maxdpgs = c->maxdpgs;
	if (c->mask & CLSHM_CFG_TIMEOUT)
		part->timeout_ms = c->timeout_ms;
	if (c->mask & CLSHM_CFG_PARTID)
		part->partid = c->partid;
	if (c->mask & (CLSHM_CFG_MAXPGS | CLSHM_CFG_MAXSEGS))
		clshm_event_limits(part);
	err = 0;
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/**
 * clshm_part_startup - start the partition
 * @part: the partition
 *
 * Return: 0; -EBUSY if started; what joining the fabric or allocating the
 * ring gives.
 */
int clshm_part_startup(struct clshm_part *part)
{
	struct device *dev;
	int err;

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
	}
	err = clshm_ring_alloc(part);
	if (err)
		goto err_leave;
	dev = clshm_node_create(part, part->partid);
	err = PTR_ERR_OR_ZERO(dev);
	if (err)
		goto err_free_ring;
	part->part_dev = dev;
	part->state = CLSHM_STATE_UP;
	clshm_ring_post(part, CLSHM_MSG_STARTUP, 0, NULL, part->maxpgs, 0);
	clshm_event_part(CLSHM_NL_CMD_EV_PART_UP, part->partid,
			 part->incarnation);
	pr_info("partition %u started (maxpgs %llu, maxsegs %u, ring %u pages)\n",
		part->partid, part->maxpgs, part->maxsegs, part->maxdpgs);
	mutex_unlock(&part->lock);
	return 0;

err_free_ring:
	clshm_ring_free(part);
err_leave:
	if (part->fab)
		clshm_remote_leave(part, true);
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/**
 * clshm_part_shutdown_locked - shut the partition down
 * @part: a started partition (part->lock held)
 * @force: destroy attached segments too; without it the caller made sure
 *         nothing is attached
 */
void clshm_part_shutdown_locked(struct clshm_part *part, bool force)
{
	lockdep_assert_held(&part->lock);
	clshm_segs_clear(part, force);
	if (part->fab)
		clshm_remote_leave(part, force);
	clshm_ring_post(part, CLSHM_MSG_SHUTDOWN, force, NULL, 0, 0);
	if (part->daemon)
		clshm_event_daemon(CLSHM_NL_CMD_EV_DAEMON_DOWN, part->partid,
				   part->daemon_pid);
	clshm_event_part(CLSHM_NL_CMD_EV_PART_DOWN, part->partid,
			 part->incarnation);
	part->state = CLSHM_STATE_DOWN;
	part->daemon = NULL;
	part->daemon_pid = 0;
	clshm_ring_free(part);
	clshm_node_remove(part, part->part_dev);
	part->part_dev = NULL;
	pr_info("partition %u shut down%s\n", part->partid,
		force ? " by force" : "");
}

/**
 * clshm_part_shutdown - CLSHM_IOC_SHUTDOWN
 * @part: the partition
 * @force: also with attached segments (they are zapped)
 *
 * Return: 0; -EALREADY if shut down; -EBUSY if attached and not @force.
 */
int clshm_part_shutdown(struct clshm_part *part, bool force)
{
	int err;

	mutex_lock(&part->lock);
	err = -EALREADY;
	if (part->state == CLSHM_STATE_DOWN)
		goto out_unlock;
	err = -EBUSY;
	if (!force && (clshm_segs_attached(part) ||
		       clshm_remote_proxies_attached(part)))
		goto out_unlock;
	clshm_part_shutdown_locked(part, force);
	err = 0;
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

/**
 * clshm_part_clear - remove every segment (clshmd's SIGHUP)
 * @part: the partition
 * @flags: CLSHM_CLEAR_*
 * @removed: out: how many segments were removed
 *
 * Return: 0, or -ENODEV while shut down.
 */
int clshm_part_clear(struct clshm_part *part, u32 flags, u32 *removed)
{
	int err = -ENODEV;

	mutex_lock(&part->lock);
	if (part->state == CLSHM_STATE_UP) {
		*removed = clshm_segs_clear(part, flags & CLSHM_CLEAR_FORCE);
		clshm_ring_post(part, CLSHM_MSG_CLEAR, flags, NULL, *removed, 0);
		err = 0;
	}
	mutex_unlock(&part->lock);
	return err;
}

/**
 * clshm_part_list - the partitions that are not down, the local one first
 * @part: the local partition
 * @info: out: CLSHM_FAB_MAX_PARTS + 1 entries
 *
 * What CLSHM_IOC_PARTLIST and CLSHM_NL_CMD_PART_GET report.
 *
 * Return: the number of entries; -ENODEV while shut down.
 */
int clshm_part_list(struct clshm_part *part, struct clshm_part_info *info)
{
	int n = 0;
	u32 i;

	mutex_lock(&part->lock);
	if (part->state != CLSHM_STATE_UP) {
		n = -ENODEV;
		goto out_unlock;
	}
	info[n].id = part->partid;
	info[n].state = CLSHM_PART_UP;
	info[n++].incarnation = part->incarnation;
	for (i = 0; part->fab && i < part->fab->nparts; i++) {
		struct clshm_fab_peer *peer = &part->fab->peers[i];

		if (i == part->partid || peer->state == CLSHM_PART_DOWN)
			continue;
		info[n].id = i;
		info[n].state = peer->state;
		info[n++].incarnation = peer->incarnation;
	}
out_unlock:
	mutex_unlock(&part->lock);
	return n;
}

/**
 * clshm_part_counters - read the counters
 * @part: the partition
 * @out: CLSHM_NR_COUNTERS values, in the order of enum clshm_counter
 */
void clshm_part_counters(struct clshm_part *part, u64 *out)
{
	int i;

	for (i = 0; i < CLSHM_NR_COUNTERS; i++)
		out[i] = atomic64_read(&part->counters[i]);
}
