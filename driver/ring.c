// SPDX-License-Identifier: GPL-2.0
/*
 * ring.c - the kernel-to-daemon ring, daemon registration and requests
 *
 * The ring is maxdpgs zeroed pages, allocated at startup, mapped into the
 * kernel with vmap() and into the daemon with vm_insert_pages().  The
 * layout is struct clshm_ring_hdr followed by a power-of-two array of
 * struct clshm_msg (see the uapi header).  The kernel produces, the
 * daemon consumes.
 *
 * The daemon can write the whole mapping, so nothing the kernel reads
 * back from it is trusted: the producer position and the drop count live
 * in struct clshm_ring and are only copied out; the daemon's tail is
 * checked against them on every use, and a tail that makes no sense
 * counts an error and makes the ring look full.
 *
 * A request (a message that needs an answer, e.g. GETHOSTNAME) waits on
 * a struct clshm_req in ring->reqs until the daemon's REPLY ioctl, its
 * timeout, a signal, the daemon going away or shutdown.
 *
 * Calls no other clshm file: it is the bottom of the driver.
 *
 * Locking: ring->lock (spinlock) protects the producer state, the header
 * pointer and the request list; it is the innermost clshm lock.  The
 * daemon binding (part->daemon) is under part->lock.  User memory is
 * never touched with either held.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "clshm.h"
#include "trace.h"

/* Entries start after the header, in their own cache lines. */
#define CLSHM_RING_ENTRIES_OFF	128
/*
 * Notifications wake the daemon at most this late, so a burst of them
 * (thousands of creates) costs one wake-up instead of one each.
 */
#define CLSHM_RING_WAKE_DELAY_MS	10

static void ring_wake_timer(struct timer_list *t)
{
	struct clshm_ring *ring = timer_container_of(ring, t, wake_timer);

	wake_up_interruptible(&ring->wait);
}

/*
 * Wake the daemon after a post (ring->lock held): at once for what it
 * must act on (requests, shutdown) or when the ring is half full, else
 * within CLSHM_RING_WAKE_DELAY_MS.
 */
static void ring_wake(struct clshm_ring *ring, bool now)
{
	lockdep_assert_held(&ring->lock);
	if (!now && ring->hdr &&
	    ring->head - READ_ONCE(ring->hdr->tail) > ring->nentries / 2)
		now = true;
	if (now)
		wake_up_interruptible(&ring->wait);
	else if (!timer_pending(&ring->wake_timer))
		mod_timer(&ring->wake_timer,
			  jiffies + msecs_to_jiffies(CLSHM_RING_WAKE_DELAY_MS));
}

/**
 * clshm_ring_alloc - allocate and format the ring (part->lock held)
 * @part: the partition being started
 *
 * Return: 0 or -ENOMEM.
 */
int clshm_ring_alloc(struct clshm_part *part)
{
	struct clshm_ring *ring = &part->ring;
	unsigned int i, n = part->maxdpgs;
	struct clshm_ring_hdr *hdr;
	struct page **pages;
	void *vaddr;
	u32 nent;

	lockdep_assert_held(&part->lock);
	BUILD_BUG_ON(sizeof(struct clshm_ring_hdr) > CLSHM_RING_ENTRIES_OFF);
	BUILD_BUG_ON(sizeof(struct clshm_msg) != 64);

	pages = kcalloc(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pages[i])
			goto err_free_pages;
	}
	vaddr = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		goto err_free_pages;

	nent = rounddown_pow_of_two(((size_t)n * PAGE_SIZE -
				     CLSHM_RING_ENTRIES_OFF) /
				    sizeof(struct clshm_msg));
	hdr = vaddr;
	hdr->magic = CLSHM_RING_MAGIC;
	hdr->version = CLSHM_RING_VERSION;
	hdr->entry_size = sizeof(struct clshm_msg);
	hdr->nentries = nent;
	hdr->entries_off = CLSHM_RING_ENTRIES_OFF;
	hdr->partid = part->partid;

	timer_setup(&ring->wake_timer, ring_wake_timer, 0);
	spin_lock(&ring->lock);
	ring->pages = pages;
	ring->npages = n;
	ring->hdr = hdr;
	ring->ents = vaddr + CLSHM_RING_ENTRIES_OFF;
	ring->nentries = nent;
	ring->head = 0;
	ring->dropped = 0;
	ring->hup = false;
	spin_unlock(&ring->lock);

	clshm_count(part, CLSHM_C_PAGES_ALLOC, n);
	clshm_count(part, CLSHM_C_PAGES_PINNED, n);
	return 0;

err_free_pages:
	while (i--)
		__free_page(pages[i]);
	kfree(pages);
	return -ENOMEM;
}

/* Fail every pending request with @status (ring->lock held). */
static void ring_fail_reqs(struct clshm_ring *ring, int status)
{
	struct clshm_req *req, *tmp;

	lockdep_assert_held(&ring->lock);
	list_for_each_entry_safe(req, tmp, &ring->reqs, node) {
		list_del_init(&req->node);
		req->status = status;
		complete(&req->done);
	}
}

/**
 * clshm_ring_free - tear the ring down at shutdown (part->lock held)
 * @part: the partition
 *
 * The daemon's mapping keeps its own page references, so it can still
 * read the SHUTDOWN message; poll tells it POLLHUP.
 */
void clshm_ring_free(struct clshm_part *part)
{
	struct clshm_ring *ring = &part->ring;
	struct clshm_ring_hdr *hdr;
	struct page **pages;
	unsigned int i, n;

	lockdep_assert_held(&part->lock);
	spin_lock(&ring->lock);
	pages = ring->pages;
	n = ring->npages;
	hdr = ring->hdr;
	ring->hdr = NULL;
	ring->ents = NULL;
	ring->pages = NULL;
	ring->npages = 0;
	ring->hup = true;
	ring_fail_reqs(ring, -ENODEV);
	spin_unlock(&ring->lock);
	timer_delete_sync(&ring->wake_timer);
	wake_up_interruptible_all(&ring->wait);

	if (hdr)
		vunmap(hdr);
	for (i = 0; i < n; i++)
		__free_page(pages[i]);
	kfree(pages);
	clshm_count(part, CLSHM_C_PAGES_FREED, n);
	clshm_count(part, CLSHM_C_PAGES_PINNED, -(s64)n);
}

/*
 * Put one message on the ring (ring->lock held).  0 or -EAGAIN.
 *
 * The last free slot is kept for SHUTDOWN, so the daemon always learns
 * of a shutdown even when a forced one overflows the ring with DESTROYs.
 */
static int ring_put(struct clshm_part *part, struct clshm_msg *msg)
{
	struct clshm_ring *ring = &part->ring;
	u64 tail, used, room;

	lockdep_assert_held(&ring->lock);
	if (!ring->hdr)
		goto drop;
	/* Whatever the daemon wrote there, head is ours. */
	WRITE_ONCE(ring->hdr->head, ring->head);
	tail = READ_ONCE(ring->hdr->tail);
	used = ring->head - tail;
	if (used > ring->nentries) {
		clshm_count(part, CLSHM_C_ERRORS, 1);
		pr_warn_ratelimited("daemon ring tail %llu is not within %u of head %llu; treating the ring as full\n",
				    tail, ring->nentries, ring->head);
		goto drop;
	}
	room = ring->nentries - (msg->type == CLSHM_MSG_SHUTDOWN ? 0 : 1);
	if (used >= room)
		goto drop;

	msg->seq = ring->head;
	ring->ents[ring->head & (ring->nentries - 1)] = *msg;
	ring->head++;
	smp_store_release(&ring->hdr->head, ring->head);
	clshm_count(part, CLSHM_C_MSGS_POSTED, 1);
	trace_clshm_ring_msg(msg->type, msg->flags, msg->shmid, msg->seq,
			     false);
	return 0;

drop:
	/* A refused request is the requester's EAGAIN, not a lost notice. */
	if (msg->req)
		return -EAGAIN;
	ring->dropped++;
	if (ring->hdr)
		WRITE_ONCE(ring->hdr->dropped, ring->dropped);
	clshm_count(part, CLSHM_C_MSGS_DROPPED, 1);
	trace_clshm_ring_msg(msg->type, msg->flags, msg->shmid, ring->head,
			     true);
	return -EAGAIN;
}

static void msg_init(struct clshm_msg *msg, struct clshm_part *part,
		     u32 type, u32 flags, struct clshm_seg *seg)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	msg->flags = flags;
	msg->part = part->partid;
	msg->uid = from_kuid(&init_user_ns, current_euid());
	if (seg) {
		msg->shmid = seg->shmid;
		msg->key = seg->key;
	}
}

/*
 * Put a notification on the ring and wake the daemon (at once for a
 * shutdown); with no room it is dropped and counted (ring_put()).
 */
static void ring_send(struct clshm_part *part, struct clshm_msg *msg)
{
	struct clshm_ring *ring = &part->ring;

	spin_lock(&ring->lock);
	if (!ring_put(part, msg))
		ring_wake(ring, msg->type == CLSHM_MSG_SHUTDOWN);
	spin_unlock(&ring->lock);
}

/**
 * clshm_ring_post - post a notification to the daemon
 * @part: the partition
 * @type: CLSHM_MSG_*
 * @flags: type-specific flags
 * @seg: the segment concerned, or NULL
 * @arg0: first argument
 * @arg1: second argument
 *
 * Never fails: with no room (or no ring) the message is dropped and
 * counted, and the daemon resynchronises from CLSHM_IOC_LIST.
 */
void clshm_ring_post(struct clshm_part *part, u32 type, u32 flags,
		     struct clshm_seg *seg, u64 arg0, u64 arg1)
{
	struct clshm_msg msg;

	lockdep_assert_held(&part->lock);
	msg_init(&msg, part, type, flags, seg);
	msg.arg[0] = arg0;
	msg.arg[1] = arg1;
	ring_send(part, &msg);
}

/**
 * clshm_ring_post_who - post a notification about what a requester did
 * @part: the partition
 * @type: CLSHM_MSG_SEG_RMID or CLSHM_MSG_SEG_DESTROY
 * @flags: type-specific flags
 * @seg: the segment concerned
 * @who: the requester: its uid is the message's
 * @arg0: first argument
 * @arg1: second argument
 * @arg2: third argument
 *
 * Like clshm_ring_post(), never fails.
 */
void clshm_ring_post_who(struct clshm_part *part, u32 type, u32 flags,
			 struct clshm_seg *seg, const struct clshm_who *who,
			 u64 arg0, u64 arg1, u64 arg2)
{
	struct clshm_msg msg;

	lockdep_assert_held(&part->lock);
	msg_init(&msg, part, type, flags, seg);
	msg.uid = from_kuid(&init_user_ns, who->uid);
	msg.arg[0] = arg0;
	msg.arg[1] = arg1;
	msg.arg[2] = arg2;
	ring_send(part, &msg);
}

/**
 * clshm_ring_post_peer - post a notification about another partition
 * @part: the local partition (part->lock held)
 * @type: CLSHM_MSG_PART_UP, CLSHM_MSG_PART_DOWN or CLSHM_MSG_PEER_HELLO
 * @flags: type-specific flags
 * @peer: the partition the message is about (clshm_msg.part)
 * @arg0: first argument
 * @arg1: second argument
 * @arg2: third argument
 *
 * Like clshm_ring_post(), never fails.
 */
void clshm_ring_post_peer(struct clshm_part *part, u32 type, u32 flags,
			  u32 peer, u64 arg0, u64 arg1, u64 arg2)
{
	struct clshm_msg msg;

	lockdep_assert_held(&part->lock);
	msg_init(&msg, part, type, flags, NULL);
	msg.part = peer;
	msg.arg[0] = arg0;
	msg.arg[1] = arg1;
	msg.arg[2] = arg2;
	ring_send(part, &msg);
}

/* ---------------------------------------------------------------------
 * The daemon's side: mmap, poll, hello, reply, going away
 */

static const struct vm_operations_struct clshm_ring_vm_ops = {};

int clshm_ring_mmap(struct clshm_part *part, struct file *file,
		    struct vm_area_struct *vma)
{
	unsigned long n, len = vma->vm_end - vma->vm_start;
	int err;

	if (vma->vm_pgoff || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	mutex_lock(&part->lock);
	err = -ENODEV;
	if (!part->ring.pages)
		goto out_unlock;
	err = -EPERM;
	if (part->daemon != file)
		goto out_unlock;
	err = -EINVAL;
	if (len != (unsigned long)part->ring.npages << PAGE_SHIFT)
		goto out_unlock;
	err = -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		goto out_unlock;
	clshm_vm_flags_clear(vma, VM_MAYEXEC);
	clshm_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTCOPY | VM_DONTDUMP |
			   VM_MIXEDMAP);
	vma->vm_ops = &clshm_ring_vm_ops;
	n = part->ring.npages;
	err = vm_insert_pages(vma, vma->vm_start, part->ring.pages, &n);
out_unlock:
	mutex_unlock(&part->lock);
	return err;
}

__poll_t clshm_ring_poll(struct clshm_part *part, struct file *file,
			 poll_table *wait)
{
	struct clshm_ring *ring = &part->ring;
	__poll_t mask = 0;

	poll_wait(file, &ring->wait, wait);
	spin_lock(&ring->lock);
	if (ring->hup || !ring->hdr) {
		mask = EPOLLHUP;
	} else {
		WRITE_ONCE(ring->hdr->head, ring->head);
		if (ring->head != READ_ONCE(ring->hdr->tail))
			mask = EPOLLIN | EPOLLRDNORM;
	}
	spin_unlock(&ring->lock);
	return mask;
}

/**
 * clshm_ring_hello - CLSHM_IOC_HELLO: @file becomes the daemon
 * @part: the partition
 * @file: the ctl file
 * @a: the daemon's versions, checked by the caller; filled with ours
 *
 * Return: 0; -ENODEV while shut down; -EBUSY if a daemon is registered.
 */
int clshm_ring_hello(struct clshm_part *part, struct file *file,
		     struct clshm_hello *a)
{
	int err;

	mutex_lock(&part->lock);
	err = -ENODEV;
	if (part->state != CLSHM_STATE_UP)
		goto out_unlock;
	err = -EBUSY;
	if (part->daemon)
		goto out_unlock;
	part->daemon = file;
	part->daemon_pid = task_tgid_vnr(current);
	a->major = CLSHM_ABI_MAJOR;
	a->minor = CLSHM_ABI_MINOR;
	a->ring_version = CLSHM_RING_VERSION;
	a->pid = part->daemon_pid;
	a->partid = part->partid;
	a->ring_pages = part->ring.npages;
	clshm_event_daemon(CLSHM_NL_CMD_EV_DAEMON_UP, part->partid,
			   part->daemon_pid);
	err = 0;
out_unlock:
	mutex_unlock(&part->lock);
	if (!err)
		pr_info("daemon pid %d registered for partition %u\n",
			task_tgid_vnr(current), a->partid);
	return err;
}

/* Is @file the registered daemon's?  (A check before reading more.) */
bool clshm_ring_is_daemon(struct clshm_part *part, struct file *file)
{
	bool ret;

	mutex_lock(&part->lock);
	ret = part->daemon == file;
	mutex_unlock(&part->lock);
	return ret;
}

/* A host name the daemon sends: printable, NUL-terminated, within @len. */
static bool reply_name_ok(const char *s, u32 len)
{
	u32 i;

	if (!len || s[len - 1])
		return false;
	for (i = 0; i + 1 < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return len > 1;
}

/**
 * clshm_ring_reply - CLSHM_IOC_REPLY: the daemon answers a request
 * @part: the partition
 * @file: the ctl file (must be the daemon's)
 * @a: the answer, its user pointer already copied into @data
 * @data: a->len bytes of payload
 *
 * Return: 0; -EPERM if @file is not the daemon's; -EINVAL for a bad
 * answer; -ENOENT if no such request waits (it timed out).
 */
int clshm_ring_reply(struct clshm_part *part, struct file *file,
		     const struct clshm_reply *a, const char *data)
{
	struct clshm_ring *ring = &part->ring;
	struct clshm_req *req;
	int err;

	/* An answer carries a payload, an error an errno and nothing else. */
	if (a->status ? (a->status > EHWPOISON || a->len) :
			(!a->len || a->len > CLSHM_HOSTNAME_MAX ||
			 !reply_name_ok(data, a->len))) {
		clshm_count(part, CLSHM_C_ERRORS, 1);
		return -EINVAL;
	}

	mutex_lock(&part->lock);
	err = -EPERM;
	if (part->daemon != file)
		goto out_unlock;
	err = -ENOENT;
	spin_lock(&ring->lock);
	list_for_each_entry(req, &ring->reqs, node) {
		if (req->id != a->req)
			continue;
		list_del_init(&req->node);
		req->status = -(int)a->status;
		req->len = a->len;
		memcpy(req->data, data, a->len);
		complete(&req->done);
		err = 0;
		break;
	}
	spin_unlock(&ring->lock);
out_unlock:
	mutex_unlock(&part->lock);
	if (!err)
		clshm_count(part, CLSHM_C_REPLIES, 1);
	return err;
}

/**
 * clshm_ring_daemon_gone - a ctl file is closed
 * @part: the partition
 * @file: the file being released
 *
 * If it was the daemon, the partition goes on without one: segments and
 * attaches stay, notifications queue in the ring, pending requests fail
 * with ENOTCONN.
 */
void clshm_ring_daemon_gone(struct clshm_part *part, struct file *file)
{
	struct clshm_ring *ring = &part->ring;
	pid_t pid = 0;

	mutex_lock(&part->lock);
	if (part->daemon == file) {
		pid = part->daemon_pid;
		clshm_event_daemon(CLSHM_NL_CMD_EV_DAEMON_DOWN, part->partid,
				   pid);
		part->daemon = NULL;
		part->daemon_pid = 0;
		spin_lock(&ring->lock);
		ring_fail_reqs(ring, -ENOTCONN);
		spin_unlock(&ring->lock);
	}
	mutex_unlock(&part->lock);
	if (pid)
		pr_info("daemon pid %d went away\n", pid);
}

/* ---------------------------------------------------------------------
 * Requests
 */

/**
 * clshm_ring_gethostname - the host name of partition @id
 * @part: the local partition
 * @id: the partition asked about (< CLSHM_MAX_PARTS)
 * @name: out: CLSHM_HOSTNAME_MAX bytes; the name with its NUL
 * @len: out: the name's length with the NUL
 *
 * Ours comes from our daemon (a request on the ring), another partition's
 * from what its daemon or its slot told us.
 *
 * Return: 0, or -ENODEV, -ENOENT (@id not up), -ENOTCONN (no daemon, or
 * no name known), -EAGAIN (ring full), -ETIMEDOUT, or an errno the daemon
 * answered.  A signal restarts the call (or gives EINTR with a handler
 * that does not restart).
 */
int clshm_ring_gethostname(struct clshm_part *part, u32 id, char *name,
			   u32 *len)
{
	struct clshm_ring *ring = &part->ring;
	struct clshm_req req;
	struct clshm_msg msg;
	unsigned long timeout;
	long left;
	int err;

	INIT_LIST_HEAD(&req.node);
	init_completion(&req.done);
	req.status = 0;
	req.len = 0;

	mutex_lock(&part->lock);
	err = clshm_part_reachable(part, id);
	if (err)
		goto out_unlock;
	if (id != part->partid) {
		/* Another partition: the name its daemon or its slot gave. */
		*len = strscpy(name, part->fab->peers[id].hostname,
			       CLSHM_HOSTNAME_MAX) + 1;
		mutex_unlock(&part->lock);
		return *len <= 1 ? -ENOTCONN : 0;
	}
	err = -ENOTCONN;
	if (!part->daemon)
		goto out_unlock;
	timeout = msecs_to_jiffies(part->timeout_ms);
	msg_init(&msg, part, CLSHM_MSG_GETHOSTNAME, 0, NULL);
	msg.part = id;
	spin_lock(&ring->lock);
	req.id = ring->next_req++;
	msg.req = req.id;
	err = ring_put(part, &msg);
	if (!err)
		list_add_tail(&req.node, &ring->reqs);
	spin_unlock(&ring->lock);
out_unlock:
	mutex_unlock(&part->lock);
	if (err)
		return err;
	wake_up_interruptible(&ring->wait);

	left = wait_for_completion_interruptible_timeout(&req.done, timeout);
	spin_lock(&ring->lock);
	if (!list_empty(&req.node)) {
		/*
		 * Nobody answered: we are the last user of req.  A signal
		 * restarts the whole request unless a handler runs that does
		 * not restart (then EINTR), as for any slow system call.
		 */
		list_del_init(&req.node);
		req.status = left ? -ERESTARTSYS : -ETIMEDOUT;
	}
	spin_unlock(&ring->lock);
	if (req.status)
		return req.status;
	memcpy(name, req.data, req.len);
	*len = req.len;
	return 0;
}
