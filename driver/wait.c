// SPDX-License-Identifier: GPL-2.0
/*
 * wait.c - wait and wake on a word of a segment
 *
 * The futex of clshm: fabric pages have no struct page, so FUTEX_WAIT
 * cannot key on them; CLSHM_IOC_WAIT and CLSHM_IOC_WAKE work on any
 * segment, local or fabric, in any partition.  A waiter sleeps on its
 * segment's wait queue (the proxy's, in another partition) while the word
 * holds the expected value; a wake bumps the segment's wake sequence,
 * wakes the local waiters and sends a WAKE to every partition that may
 * map the segment, whose remote.c wakes theirs (clshm_seg_wake()).  A
 * waiter also looks at its word on its own every CLSHM_WAIT_POLL_MS, so a
 * lost doorbell or message only delays it.
 *
 * Signals: a wait without a timeout is restarted after a signal (also
 * after an SA_RESTART handler), like FUTEX_WAIT; a timed wait writes its
 * absolute deadline back into the caller's request and is restarted with
 * it when no handler ran (a stop and continue), so the timeout holds in
 * total, and fails with EINTR after a handler, like a timed FUTEX_WAIT.
 *
 * Locking: seg->waitq's own lock only; waiters hold no clshm lock while
 * they sleep or read user memory.  part->lock is taken to look at the
 * peers a wake goes to.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "clshm.h"

/* A waiter looks at its word on its own this often (lost doorbells). */
#define CLSHM_WAIT_POLL_MS	10

/**
 * clshm_seg_wake - wake the waiters of @seg in this partition
 * @seg: the segment or proxy (any context that holds a reference)
 */
void clshm_seg_wake(struct clshm_seg *seg)
{
	atomic_inc(&seg->wake_seq);
	wake_up_all(&seg->waitq);
}

/**
 * clshm_wait - CLSHM_IOC_WAIT
 * @part: the local partition
 * @a: the request, checked by the caller; on -ERESTARTNOHAND it holds
 *     the wait's deadline (CLSHM_WAIT_ABSTIME), for the caller to copy
 *     back so that the restarted call waits until the same time
 *
 * Return: 0 once the word differs; -ETIMEDOUT; -EFAULT; -EINVAL if
 * @a->addr is in no attach; -ERESTARTSYS or -ERESTARTNOHAND on a signal.
 */
int clshm_wait(struct clshm_part *part, struct clshm_wait *a)
{
	bool timed = (a->flags & CLSHM_WAIT_ABSTIME) ||
		     a->timeout_ms != CLSHM_WAIT_FOREVER;
	unsigned long end, left;
	struct clshm_seg *seg;
	u32 __user *uaddr;
	u64 deadline = 0, now;
	u32 val;
	int seq, err;

	seg = clshm_seg_at(a->addr, &end);
	if (IS_ERR(seg))
		return PTR_ERR(seg);
	err = -EINVAL;
	if (a->addr + sizeof(u32) > end)
		goto out_put;
	uaddr = u64_to_user_ptr(a->addr);
	if (a->flags & CLSHM_WAIT_ABSTIME)
		deadline = a->deadline_ns;
	else if (timed)
		deadline = ktime_get_ns() + (u64)a->timeout_ms * NSEC_PER_MSEC;

	atomic_inc(&seg->nwaiters);
	for (;;) {
		/* Read the sequence first: a wake after it ends the sleep. */
		seq = atomic_read(&seg->wake_seq);
		err = -EFAULT;
		if (get_user(val, uaddr))
			break;
		err = 0;
		if (val != a->expected)
			break;
		left = msecs_to_jiffies(CLSHM_WAIT_POLL_MS);
		if (timed) {
			err = -ETIMEDOUT;
			now = ktime_get_ns();
			if (now >= deadline)
				break;
			left = min(left, nsecs_to_jiffies(deadline - now) + 1);
		}
		if (wait_event_interruptible_timeout(seg->waitq,
				atomic_read(&seg->wake_seq) != seq, left) >= 0)
			continue;
		if (!timed) {
			err = -ERESTARTSYS;
		} else {
			/* Restarted until the same deadline. */
			a->flags |= CLSHM_WAIT_ABSTIME;
			a->deadline_ns = deadline;
			err = -ERESTARTNOHAND;
		}
		break;
	}
	atomic_dec(&seg->nwaiters);
out_put:
	fput(seg->file);
	return err;
}

/**
 * clshm_wake - CLSHM_IOC_WAKE
 * @part: the local partition
 * @a: the request, checked by the caller; a->woken is filled in
 *
 * Return: 0, or -EINVAL if @a->addr is in no attach.
 */
int clshm_wake(struct clshm_part *part, struct clshm_wake *a)
{
	struct clshm_fab_msg m;
	struct clshm_seg *seg;
	unsigned long end;
	u32 i;

	seg = clshm_seg_at(a->addr, &end);
	if (IS_ERR(seg))
		return PTR_ERR(seg);
	a->woken = atomic_read(&seg->nwaiters);
	clshm_seg_wake(seg);

	/* Other partitions' waiters: every partition that may map it. */
	mutex_lock(&part->lock);
	if (part->fab && part->state == CLSHM_STATE_UP &&
	    (clshm_seg_is_proxy(seg) || seg->rnattch)) {
		for (i = 0; i < part->fab->nparts; i++) {
			if (i == part->partid || clshm_part_reachable(part, i))
				continue;
			memset(&m, 0, sizeof(m));
			m.type = CLSHM_FM_WAKE;
			m.arg[0] = seg->shmid;
			/* Lost wakes are caught by the waiters' own polling. */
			clshm_fab_send(part, i, &m);
		}
	}
	mutex_unlock(&part->lock);
	fput(seg->file);
	return 0;
}
