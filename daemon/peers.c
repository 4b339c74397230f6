// SPDX-License-Identifier: GPL-2.0
/*
 * peers.c - the other partitions of the fabric, as clshmd sees them, and
 * the hello between daemons
 *
 * The driver watches the fabric and tells the daemon when a partition
 * comes up (CLSHM_MSG_PART_UP, with its incarnation) and when it goes
 * down (CLSHM_MSG_PART_DOWN, with the reason).  To every peer that comes
 * up the daemon sends its hello through the driver (CLSHM_IOC_PEER, op
 * HELLO): its ABI version, its page size and its host name.  The peer's
 * daemon receives it as CLSHM_MSG_PEER_HELLO, checks that the ABI major
 * and the page size are its own, and refuses the partition (op REFUSE)
 * when they are not: the driver then treats it as down until it comes
 * back with a new incarnation.
 *
 * When a hello is sent:
 *
 *  - on PART_UP of a peer, once per incarnation;
 *  - at start, to every peer that is up: a restarted daemon has lost
 *    track of what it sent, and its peers learn that it is back;
 *  - after a resynchronisation (messages were dropped): to every peer
 *    that is up and has not had ours for its current incarnation;
 *  - in answer to a peer's hello, when we have not sent ours to it yet
 *    (its hello overtook our PART_UP), or when the peer says hello a
 *    second time for the same incarnation (its daemon restarted and has
 *    not heard ours) and ours is older than HELLO_ECHO_MS.  That last
 *    condition keeps two daemons from answering each other for ever: an
 *    answer is itself a hello sent just now, which the other side does
 *    not answer;
 *  - again, when the peer's hello has not come HELLO_ANSWER_MS after
 *    ours (the peer heard ours while its own last hello to us was too
 *    recent to repeat: both daemons restarted close together), at most
 *    HELLO_RESENDS times per incarnation.  A resend is a repeat to the
 *    peer, which answers it once its own last hello is old enough.
 *
 * A hello that finds the peer's mailbox full (EAGAIN) is retried after a
 * delay that doubles from HELLO_RETRY_MIN_MS to HELLO_RETRY_MAX_MS,
 * HELLO_TRIES times at most.  Retries and resends are due at
 * hello_due_ms and sent from the event loop (peers_timeout(),
 * peers_retry()); a peer that goes down takes them with it.
 *
 * Nothing in a message is trusted: ring.c range-checks the partition id,
 * a hello from an incarnation we do not know is checked against the
 * driver's partition list, and host names are printed with anything
 * unprintable replaced.
 *
 * Calls go one way: clshmd.c -> ring.c -> peers.c -> log.c.  This file
 * is called by ring.c (the messages, resynchronisation, the dump) and by
 * clshmd.c (start, stop, the poll timeout and retries); it calls only
 * log.c and common/, never back up.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clshmd.h"
#include "clshm-util.h"

#define HELLO_RETRY_MIN_MS	20
#define HELLO_RETRY_MAX_MS	2000
#define HELLO_TRIES		20
#define HELLO_ECHO_MS		2000
#define HELLO_ANSWER_MS		5000
#define HELLO_RESENDS		3

void peers_init(struct clshmd *d)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[64];
	int fd;

	d->page_size = page > 0 ? page : 4096;
	/* Host names of other partitions are asked on the shm device. */
	snprintf(path, sizeof(path), CLSHM_DEV_DIR "/%u/shm", d->instance);
	fd = cu_open(path);
	if (fd < 0) {
		logmsg(LOG_WARNING, "cannot open %s: %s: the host names of other partitions will not be known",
		       path, strerror(-fd));
		fd = -1;
	}
	d->shm_fd = fd;
}

void peers_fini(struct clshmd *d)
{
	if (d->shm_fd >= 0)
		close(d->shm_fd);
	d->shm_fd = -1;
}

/* Forget what belongs to the peer's last incarnation. */
static void peer_forget(struct peer *p)
{
	__u64 inc = p->incarnation;
	uint32_t state = p->state;

	memset(p, 0, sizeof(*p));
	p->incarnation = inc;
	p->state = state;
}

/* Our host name for a hello: what the driver accepts, or "unnamed". */
static void local_hostname(char *buf, size_t len)
{
	static bool warned;

	if (gethostname(buf, len) < 0)
		buf[0] = '\0';
	buf[len - 1] = '\0';
	if (cu_hostname_ok(buf))
		return;
	if (!warned)
		logmsg(LOG_WARNING, "host name \"%s\" is empty or not printable ASCII without blanks; other partitions are told \"unnamed\"",
		       buf);
	warned = true;
	snprintf(buf, len, "unnamed");
}

/*
 * The host name of partition id into buf (CLSHM_HOSTNAME_MAX bytes): 0 or
 * -errno.  The local one is ours: asking the driver would post the
 * question to this very daemon, which would wait for itself.
 */
static int part_hostname(struct clshmd *d, uint32_t id, char *buf, size_t len)
{
	struct clshm_hostname h;

	buf[0] = '\0';
	if (id == d->partid) {
		if (gethostname(buf, len) < 0)
			return -errno;
		buf[len - 1] = '\0';
		return 0;
	}
	if (d->shm_fd < 0)
		return -ENODEV;
	memset(&h, 0, sizeof(h));
	h.name = (uintptr_t)buf;
	h.len = (__u32)len;
	h.part = id;
	if (ioctl(d->shm_fd, CLSHM_IOC_GETHOSTNAME, &h) < 0) {
		buf[0] = '\0';
		return -errno;
	}
	buf[len - 1] = '\0';
	return 0;
}

/* " (host NAME)" for log lines, or "" while the name is unknown. */
static const char *host_part(const struct peer *p, char *buf, size_t len)
{
	char shown[CLSHM_HOSTNAME_MAX];

	if (!p->host[0]) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, " (host %s)",
		 cu_hostname_print(p->host, shown, sizeof(shown)));
	return buf;
}

static void hello_send(struct clshmd *d, uint32_t id, const char *why)
{
	struct peer *p = &d->peers[id];
	char name[CLSHM_HOSTNAME_MAX];
	struct clshm_peer a;
	unsigned int shift;
	__u64 delay;
	int err;

	if (d->peer_unsupported)
		return;
	local_hostname(name, sizeof(name));
	memset(&a, 0, sizeof(a));
	a.op = CLSHM_PEER_HELLO;
	a.part = id;
	a.major = CLSHM_ABI_MAJOR;
	a.minor = CLSHM_ABI_MINOR;
	a.page_size = (__u32)d->page_size;
	a.len = (__u32)strlen(name) + 1;
	a.name = (uintptr_t)name;
	p->hello_due_ms = 0;
	p->hello_unanswered = false;
	if (ioctl(d->fd, CLSHM_IOC_PEER, &a) == 0) {
		p->hello_sent = true;
		p->hello_sent_ms = now_ms();
		p->hello_tries = 0;
		d->hellos_sent++;
		logmsg(LOG_INFO, "hello sent to partition %02x (%s)", id, why);
		/* Expect its hello; say ours again if it does not come. */
		if (!p->hello_seen && p->hello_resends < HELLO_RESENDS) {
			p->hello_due_ms = p->hello_sent_ms + HELLO_ANSWER_MS;
			p->hello_unanswered = true;
		}
		return;
	}
	err = errno;
	switch (err) {
	case EAGAIN:
		if (++p->hello_tries > HELLO_TRIES) {
			logmsg(LOG_WARNING, "partition %02x: its mailbox stayed full through %d tries; giving up on our hello (is its kernel stuck? see its console)",
			       id, HELLO_TRIES);
			p->hello_tries = 0;
			return;
		}
		shift = p->hello_tries - 1 < 10 ? p->hello_tries - 1 : 10;
		delay = (__u64)HELLO_RETRY_MIN_MS << shift;
		if (delay > HELLO_RETRY_MAX_MS)
			delay = HELLO_RETRY_MAX_MS;
		p->hello_due_ms = now_ms() + delay;
		logmsg(LOG_DEBUG, "hello to partition %02x: its mailbox is full; retrying in %llu ms",
		       id, delay);
		return;
	case ENOENT:
		logmsg(LOG_INFO, "hello to partition %02x not sent: it is not up any more",
		       id);
		return;
	case ENODEV:
		logmsg(LOG_INFO, "hello to partition %02x not sent: no fabric, or this partition is shutting down",
		       id);
		return;
	case ENOTTY:
		d->peer_unsupported = true;
		logmsg(LOG_WARNING, "the driver does not know CLSHM_IOC_PEER (a clshm.ko older than this clshmd): no hellos to other partitions; install the clshm.ko built with this clshmd");
		return;
	case EPERM:
		logmsg(LOG_ERR, "the driver refused our hello to partition %02x: it does not take this process for its daemon",
		       id);
		return;
	default:
		logmsg(LOG_WARNING, "hello to partition %02x failed: %s", id,
		       strerror(err));
		return;
	}
}

static void refuse(struct clshmd *d, uint32_t id)
{
	struct peer *p = &d->peers[id];
	struct clshm_peer a;

	p->hello_due_ms = 0;
	p->hello_unanswered = false;
	memset(&a, 0, sizeof(a));
	a.op = CLSHM_PEER_REFUSE;
	a.part = id;
	if (ioctl(d->fd, CLSHM_IOC_PEER, &a) < 0) {
		if (errno == ENOENT || errno == ENODEV)
			logmsg(LOG_NOTICE, "partition %02x is not up here (any more): nothing to refuse",
			       id);
		else
			logmsg(LOG_ERR, "cannot refuse partition %02x: %s; it stays up here: do not share segments with it",
			       id, strerror(errno));
		return;
	}
	p->refused = true;
	d->hellos_refused++;
	logmsg(LOG_NOTICE, "partition %02x refused: it counts as down here until it comes back with a new incarnation",
	       id);
}

void peers_resync(struct clshmd *d, bool initial)
{
	struct clshm_part_info parts[CLSHM_MAX_PARTS];
	bool listed[CLSHM_MAX_PARTS] = { false };
	uint32_t n, local, i, id;
	struct peer *p;
	int err;

	err = cu_partlist(d->fd, parts, CLSHM_MAX_PARTS, &n, &local);
	if (err) {
		/* ENODEV: shut down under our feet; POLLHUP follows. */
		if (err != -ENODEV)
			logmsg(LOG_WARNING, "cannot list the partitions: %s",
			       err == -EPROTO ? "the driver's answer is inconsistent" :
			       strerror(-err));
		return;
	}

	for (i = 0; i < n; i++) {
		id = parts[i].id;
		listed[id] = true;
		if (id == d->partid)
			continue;
		p = &d->peers[id];
		if (p->state == CLSHM_PART_DOWN && !initial &&
		    parts[i].state == CLSHM_PART_UP)
			logmsg(LOG_NOTICE, "partition %02x is up, incarnation %llu (its message was missed)",
			       id, parts[i].incarnation);
		else if (p->state != CLSHM_PART_DOWN &&
			 p->incarnation != parts[i].incarnation)
			logmsg(LOG_NOTICE, "partition %02x came back with incarnation %llu (was %llu; its messages were missed)",
			       id, parts[i].incarnation, p->incarnation);
		if (p->state == CLSHM_PART_DOWN ||
		    p->incarnation != parts[i].incarnation) {
			p->incarnation = parts[i].incarnation;
			peer_forget(p);
		}
		p->state = parts[i].state;
	}
	for (id = 0; id < CLSHM_MAX_PARTS; id++) {
		p = &d->peers[id];
		if (listed[id] || id == d->partid || p->state == CLSHM_PART_DOWN)
			continue;
		logmsg(LOG_NOTICE, "partition %02x is down (its message was missed)",
		       id);
		peer_forget(p);
		p->state = CLSHM_PART_DOWN;
	}

	for (id = 0; id < CLSHM_MAX_PARTS; id++) {
		p = &d->peers[id];
		if (id == d->partid || p->state != CLSHM_PART_UP ||
		    p->hello_due_ms)
			continue;
		if (initial || !p->hello_sent)
			hello_send(d, id, initial ? "this daemon started" :
				   "resynchronised");
	}
	logmsg(initial ? LOG_INFO : LOG_DEBUG, "partitions: %u up of %u listed (local %02x)",
	       cu_parts_up(parts, n), n, local);
}

void peer_up(struct clshmd *d, const struct clshm_msg *m)
{
	uint32_t id = m->part;
	struct peer *p = &d->peers[id];
	__u64 inc = m->arg[0];

	if (id == d->partid) {
		logmsg(LOG_INFO, "partition %02x (this one) is up in the fabric, incarnation %llu",
		       id, inc);
		return;
	}
	if (p->state == CLSHM_PART_UP && p->incarnation == inc) {
		/* Already known, from a resynchronisation. */
		logmsg(LOG_DEBUG, "partition %02x is up, incarnation %llu: known already",
		       id, inc);
		if (!p->hello_sent && !p->hello_due_ms)
			hello_send(d, id, "it came up");
		return;
	}
	if (p->state != CLSHM_PART_DOWN && p->incarnation != inc)
		logmsg(LOG_NOTICE, "partition %02x came back with incarnation %llu (was %llu)",
		       id, inc, p->incarnation);
	if (p->state == CLSHM_PART_DOWN || p->incarnation != inc) {
		p->incarnation = inc;
		peer_forget(p);
	}
	p->state = CLSHM_PART_UP;
	logmsg(LOG_NOTICE, "partition %02x is up (incarnation %llu)", id, inc);
	hello_send(d, id, "it came up");
}

/* CLSHM_DOWN_* as words: "heartbeat timeout", "left, rebooted", ... */
static const char *down_reason(uint32_t flags, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *what;
	} reasons[] = {
		{ CLSHM_DOWN_LEFT, "left (shut down cleanly)" },
		{ CLSHM_DOWN_TIMEOUT, "heartbeat timeout" },
		{ CLSHM_DOWN_REBOOT, "rebooted (new incarnation)" },
		{ CLSHM_DOWN_REFUSED, "refused (incompatible versions)" },
	};
	uint32_t known = 0;
	size_t used = 0, i;
	int r;

	buf[0] = '\0';
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		known |= reasons[i].bit;
		if (!(flags & reasons[i].bit))
			continue;
		r = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     reasons[i].what);
		if (r < 0 || (size_t)r >= len - used)
			return buf;
		used += r;
	}
	if (flags & ~known)
		snprintf(buf + used, len - used, "%sflags 0x%x", used ? ", " : "",
			 flags & ~known);
	else if (!flags)
		snprintf(buf, len, "no reason given");
	return buf;
}

void peer_down(struct clshmd *d, const struct clshm_msg *m)
{
	uint32_t id = m->part;
	struct peer *p = &d->peers[id];
	char why[128], host[CLSHM_HOSTNAME_MAX + 16];
	__u64 inc = m->arg[0];
	int prio = LOG_NOTICE;

	down_reason(m->flags, why, sizeof(why));
	if (id == d->partid) {
		logmsg(LOG_NOTICE, "partition %02x (this one) left the fabric: %s",
		       id, why);
		return;
	}
	if (p->state != CLSHM_PART_DOWN && p->incarnation != inc) {
		/* A resynchronisation showed us a later incarnation already. */
		logmsg(LOG_INFO, "partition %02x: down message for incarnation %llu, but it is up with incarnation %llu: ignored (%s)",
		       id, inc, p->incarnation, why);
		return;
	}
	if (m->flags & CLSHM_DOWN_TIMEOUT)
		prio = LOG_WARNING;
	host_part(p, host, sizeof(host));
	if ((m->flags & CLSHM_DOWN_REFUSED) && !p->refused)
		logmsg(LOG_WARNING, "partition %02x%s is down: %s, not by this daemon: see the log of its clshmd (incarnation %llu)",
		       id, host, why, inc);
	else
		logmsg(prio, "partition %02x%s is down: %s (incarnation %llu)",
		       id, host, why, inc);
	p->incarnation = inc;
	peer_forget(p);
	p->state = CLSHM_PART_DOWN;
}

bool peer_hello(struct clshmd *d, const struct clshm_msg *m)
{
	uint32_t id = m->part;
	struct peer *p = &d->peers[id];
	uint32_t major = (uint32_t)(m->arg[0] >> 32);
	uint32_t minor = (uint32_t)m->arg[0];
	__u64 page = m->arg[1], inc = m->arg[2], now;
	char host[CLSHM_HOSTNAME_MAX], shown[CLSHM_HOSTNAME_MAX];
	bool repeat, bad = false;
	int err;

	if (id == d->partid) {
		logmsg(LOG_WARNING, "a daemon hello from this partition itself; ignored");
		return false;
	}
	if (p->state == CLSHM_PART_DOWN || p->incarnation != inc) {
		/* Its PART_UP may have been dropped: ask the driver. */
		peers_resync(d, false);
		if (p->state == CLSHM_PART_DOWN || p->incarnation != inc) {
			logmsg(LOG_WARNING, "hello from partition %02x, incarnation %llu, but the driver has it %s with incarnation %llu: ignored",
			       id, inc, cu_part_state_name(p->state),
			       p->incarnation);
			return false;
		}
	}

	err = part_hostname(d, id, host, sizeof(host));
	if (err)
		logmsg(LOG_DEBUG, "host name of partition %02x: %s", id,
		       strerror(-err));
	cu_hostname_print(host, shown, sizeof(shown));
	repeat = p->hello_seen;
	p->hello_seen = true;
	p->abi_major = major;
	p->abi_minor = minor;
	p->page_size = page;
	memcpy(p->host, host, sizeof(p->host));

	if (major != CLSHM_ABI_MAJOR) {
		logmsg(LOG_ERR, "partition %02x (host %s) runs clshm ABI %u.%u, this partition %d.%d: refusing it; install the same major version of clshm (module, daemon, library) on every partition",
		       id, shown, major, minor, CLSHM_ABI_MAJOR,
		       CLSHM_ABI_MINOR);
		bad = true;
	}
	if (page != (__u64)d->page_size) {
		logmsg(LOG_ERR, "partition %02x (host %s) has %llu-byte pages, this partition %ld-byte pages: refusing it; every partition of a fabric must run a kernel with the same page size",
		       id, shown, page, d->page_size);
		bad = true;
	}
	if (bad) {
		refuse(d, id);
		return true;
	}

	if (repeat)
		logmsg(LOG_NOTICE, "partition %02x (host %s) said hello again (its daemon restarted): daemon ABI %u.%u",
		       id, shown, major, minor);
	else
		logmsg(LOG_NOTICE, "partition %02x (host %s) joined: daemon ABI %u.%u",
		       id, shown, major, minor);
	if (minor != CLSHM_ABI_MINOR)
		logmsg(LOG_INFO, "partition %02x runs ABI minor %u, this one %d: what only the newer one knows is not used between them",
		       id, minor, CLSHM_ABI_MINOR);

	now = now_ms();
	if (p->hello_unanswered) {
		/* Answered: no need to say ours again. */
		p->hello_due_ms = 0;
		p->hello_unanswered = false;
	}
	if (p->hello_due_ms)
		return true;		/* ours waits for room in its mailbox */
	if (!p->hello_sent)
		hello_send(d, id, "answer to its hello");
	else if (repeat && now - p->hello_sent_ms >= HELLO_ECHO_MS)
		hello_send(d, id, "its daemon restarted");
	return true;
}

int peers_timeout(struct clshmd *d)
{
	__u64 next = 0, now;
	uint32_t id;

	for (id = 0; id < CLSHM_MAX_PARTS; id++) {
		__u64 due = d->peers[id].hello_due_ms;

		if (due && (!next || due < next))
			next = due;
	}
	if (!next)
		return -1;
	now = now_ms();
	if (next <= now)
		return 0;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

void peers_retry(struct clshmd *d)
{
	__u64 now = now_ms();
	uint32_t id;

	for (id = 0; id < CLSHM_MAX_PARTS; id++) {
		struct peer *p = &d->peers[id];

		if (!p->hello_due_ms || p->hello_due_ms > now)
			continue;
		if (p->state != CLSHM_PART_UP) {
			p->hello_due_ms = 0;
			p->hello_unanswered = false;
		} else if (p->hello_unanswered) {
			p->hello_resends++;
			hello_send(d, id, "no hello from it yet");
		} else {
			hello_send(d, id, "retry");
		}
	}
}

/* ------------------------------------------------------------------ */
/* Logging and dumping */

void log_fabric(struct clshmd *d)
{
	struct clshm_fabinfo f;
	char sum[128];

	memset(&f, 0, sizeof(f));
	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	if (ioctl(d->fd, CLSHM_IOC_FABINFO, &f) < 0) {
		logmsg(LOG_DEBUG, "fabric: cannot read it: %s", strerror(errno));
		return;
	}
	cu_fab_summary(&f, sum, sizeof(sum));
	if (f.flags & CLSHM_FAB_PRESENT)
		logmsg(LOG_INFO, "fabric: %s; partition %02x at IVPosition %u",
		       sum, f.partid, f.ivposition);
	else
		logmsg(LOG_INFO, "fabric: %s", sum);
}

void dump_fabric(struct clshmd *d)
{
	struct clshm_fabinfo f;
	char line[512], sum[128];
	size_t used = 0, i;

	memset(&f, 0, sizeof(f));
	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	if (ioctl(d->fd, CLSHM_IOC_FABINFO, &f) < 0) {
		dumpline("fabric: cannot read it: %s", strerror(errno));
		return;
	}
	dumpline("fabric: %s", cu_fab_summary(&f, sum, sizeof(sum)));
	if (!(f.flags & CLSHM_FAB_PRESENT))
		return;
	dumpline("fabric: partition %02x at IVPosition %u, zone at 0x%llx of %llu bytes, %llu pages used",
		 f.partid, f.ivposition, f.zone_off, f.zone_size, f.zone_used);
	line[0] = '\0';
	for (i = 0; i < cu_nfab_counters; i++) {
		int r = snprintf(line + used, sizeof(line) - used, " %s %llu",
				 cu_fab_counters[i].name,
				 cu_fab_counter_get(&f, &cu_fab_counters[i]));

		if (r > 0 && (size_t)r < sizeof(line) - used)
			used += r;
	}
	dumpline("fabric counters:%s", line);
}

void dump_partitions(struct clshmd *d)
{
	struct clshm_part_info parts[CLSHM_MAX_PARTS];
	char host[CLSHM_HOSTNAME_MAX], shown[CLSHM_HOSTNAME_MAX];
	char extra[160];
	uint32_t n, local, i;
	int err;

	err = cu_partlist(d->fd, parts, CLSHM_MAX_PARTS, &n, &local);
	if (err) {
		dumpline("partitions: cannot list them: %s",
			 err == -EPROTO ? "the driver's answer is inconsistent" :
			 strerror(-err));
		return;
	}
	dumpline("partitions: %u listed, %u up (local %02x); hellos sent %llu, partitions refused %llu",
		 n, cu_parts_up(parts, n), local, d->hellos_sent,
		 d->hellos_refused);
	for (i = 0; i < n; i++) {
		uint32_t id = parts[i].id;
		struct peer *p = &d->peers[id];

		extra[0] = '\0';
		if (id == d->partid) {
			part_hostname(d, id, host, sizeof(host));
			snprintf(extra, sizeof(extra), " (local)");
		} else {
			if (!p->host[0] && parts[i].state == CLSHM_PART_UP &&
			    p->incarnation == parts[i].incarnation)
				part_hostname(d, id, p->host, sizeof(p->host));
			memcpy(host, p->host, sizeof(host));
			if (p->hello_seen)
				snprintf(extra, sizeof(extra),
					 ", daemon ABI %u.%u, page size %llu%s%s",
					 p->abi_major, p->abi_minor,
					 p->page_size,
					 p->refused ? ", refused" : "",
					 p->hello_sent ? ", hello sent" :
					 p->hello_due_ms ? ", hello pending" : "");
			else
				snprintf(extra, sizeof(extra), ", no hello from it yet%s",
					 p->hello_sent ? ", ours sent" :
					 p->hello_due_ms ? ", ours pending" : "");
		}
		dumpline("  partition %02x: %s, incarnation %llu, host %s%s",
			 id, cu_part_state_name(parts[i].state),
			 parts[i].incarnation,
			 cu_hostname_print(host, shown, sizeof(shown)), extra);
	}
}
