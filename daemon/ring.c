// SPDX-License-Identifier: GPL-2.0
/*
 * ring.c - clshmd's half of the kernel-to-daemon ring
 *
 * The driver is the only producer and the daemon the only consumer (see
 * the ring comment in <linux/clshm.h>).  The driver writes entry
 * head % nentries, then publishes head + 1 with release semantics; we
 * read head with acquire semantics, copy each entry tail..head-1 out of
 * the shared mapping before looking at it, and publish the new tail with
 * release semantics once an entry is handled.
 *
 * Nothing in the mapping is trusted, not even from the kernel: the header
 * is checked once at attach time (and we keep our own copies of the
 * geometry, so a later change of the header cannot move our reads out of
 * the mapping), head is checked against our tail on every pass, and every
 * entry must carry its own position as seq.  A bad entry is logged and
 * skipped; a head that does not fit our tail is ignored until the driver
 * publishes a good one, and we resynchronise.
 *
 * When the ring overflows the driver drops notifications and counts them
 * in hdr->dropped; the segment table is then rebuilt from
 * CLSHM_IOC_LIST, and the partition table from CLSHM_IOC_PARTLIST
 * ("resynchronising").  The segment table is the daemon's view of the
 * partition's segments: what the state dump shows and what lifecycle
 * lines are checked against.  The messages about other partitions
 * (PART_UP, PART_DOWN, PEER_HELLO) are handled in peers.c.
 *
 * Calls go one way: clshmd.c -> ring.c -> peers.c -> log.c.  This file
 * is called by clshmd.c only; it hands the partition messages, the
 * partition half of a resynchronisation and of the state dump down to
 * peers.c, and never calls clshmd.c (log lines go through log.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clshmd.h"
#include "clshm-util.h"

/* POLLIN wakeups with an empty ring before we suspect the driver. */
#define IDLE_WAKEUPS_WARN	1000

static const char *const msg_names[MSG_TYPE_MAX + 1] = {
	[0] = "unknown",
	[CLSHM_MSG_STARTUP] = "startup",
	[CLSHM_MSG_SHUTDOWN] = "shutdown",
	[CLSHM_MSG_SEG_CREATE] = "create",
	[CLSHM_MSG_SEG_RMID] = "rmid",
	[CLSHM_MSG_SEG_DESTROY] = "destroy",
	[CLSHM_MSG_GETHOSTNAME] = "gethostname",
	[CLSHM_MSG_CLEAR] = "clear",
	[CLSHM_MSG_PART_UP] = "part_up",
	[CLSHM_MSG_PART_DOWN] = "part_down",
	[CLSHM_MSG_PEER_HELLO] = "peer_hello",
};

/* ------------------------------------------------------------------ */
/* Attaching the ring */

int ring_attach(struct clshmd *d, uint32_t ring_pages)
{
	long page = sysconf(_SC_PAGESIZE);
	struct clshm_ring_hdr h;
	__u64 need, head, tail;
	void *map;

	if (page <= 0)
		page = 4096;
	if (ring_pages < CLSHM_MAXDPGS_MIN || ring_pages > CLSHM_MAXDPGS_MAX) {
		logmsg(LOG_ERR, "the driver reports a ring of %u pages; expected %d to %d",
		       ring_pages, CLSHM_MAXDPGS_MIN, CLSHM_MAXDPGS_MAX);
		return -EPROTO;
	}
	d->map_len = (size_t)ring_pages * (size_t)page;
	map = mmap(NULL, d->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		   d->fd, 0);
	if (map == MAP_FAILED) {
		int err = errno;

		logmsg(LOG_ERR, "cannot map the ring (%zu bytes) of %s: %s",
		       d->map_len, d->ctl_path, strerror(err));
		return -err;
	}
	d->hdr = map;

	/* One copy of the header, checked field by field. */
	memcpy(&h, map, sizeof(h));
	if (h.magic != CLSHM_RING_MAGIC) {
		logmsg(LOG_ERR, "bad ring magic 0x%08x (expected 0x%08x)",
		       h.magic, CLSHM_RING_MAGIC);
		goto err_unmap;
	}
	if (h.version != CLSHM_RING_VERSION) {
		logmsg(LOG_ERR, "ring protocol version %u in the ring header, clshmd speaks %d",
		       h.version, CLSHM_RING_VERSION);
		goto err_unmap;
	}
	if (h.entry_size != sizeof(struct clshm_msg)) {
		logmsg(LOG_ERR, "ring entries of %u bytes; expected %zu",
		       h.entry_size, sizeof(struct clshm_msg));
		goto err_unmap;
	}
	if (!h.nentries || (h.nentries & (h.nentries - 1))) {
		logmsg(LOG_ERR, "ring of %u entries: not a power of two",
		       h.nentries);
		goto err_unmap;
	}
	need = (__u64)h.entries_off + (__u64)h.nentries * h.entry_size;
	if (h.entries_off < sizeof(struct clshm_ring_hdr) ||
	    h.entries_off % sizeof(__u64) || need > d->map_len) {
		logmsg(LOG_ERR, "ring entries at offset %u (%u x %u bytes) do not fit the %zu-byte mapping after its header",
		       h.entries_off, h.nentries, h.entry_size, d->map_len);
		goto err_unmap;
	}
	if (h.partid != d->partid) {
		logmsg(LOG_ERR, "the ring belongs to partition %u, the driver says it is partition %u",
		       h.partid, d->partid);
		goto err_unmap;
	}
	d->entries = (const unsigned char *)map + h.entries_off;
	d->nentries = h.nentries;

	/*
	 * A restarted daemon takes over where the last one stopped: the
	 * tail in the ring is where it was.  If that is not a sane place,
	 * start at the head; the resynchronisation that follows covers
	 * whatever we skip.
	 */
	head = __atomic_load_n(&d->hdr->head, __ATOMIC_ACQUIRE);
	tail = __atomic_load_n(&d->hdr->tail, __ATOMIC_RELAXED);
	if (head - tail > d->nentries) {
		logmsg(LOG_WARNING, "ring tail %llu does not fit head %llu; starting at the head",
		       tail, head);
		tail = head;
		__atomic_store_n(&d->hdr->tail, tail, __ATOMIC_RELEASE);
	}
	d->tail = tail;
	d->dropped_seen = __atomic_load_n(&d->hdr->dropped, __ATOMIC_ACQUIRE);
	logmsg(LOG_DEBUG, "ring: %u entries at offset %u, head %llu, tail %llu, %llu dropped",
	       d->nentries, h.entries_off, head, tail, d->dropped_seen);
	if (d->dropped_seen)
		logmsg(LOG_NOTICE, "%llu messages were dropped before this daemon started",
		       d->dropped_seen);
	return 0;

err_unmap:
	logmsg(LOG_ERR, "refusing the ring of %s: clshmd and clshm.ko do not match; install the clshmd built with the loaded module",
	       d->ctl_path);
	ring_detach(d);
	return -EPROTO;
}

void ring_detach(struct clshmd *d)
{
	if (d->hdr)
		munmap(d->hdr, d->map_len);
	d->hdr = NULL;
	d->entries = NULL;
}

/* ------------------------------------------------------------------ */
/* The segment table */

static int cmp_ds(const void *a, const void *b)
{
	uint32_t x = ((const struct clshm_ds *)a)->shmid;
	uint32_t y = ((const struct clshm_ds *)b)->shmid;

	return x < y ? -1 : x > y;
}

static struct clshm_ds *seg_find(struct clshmd *d, uint32_t shmid)
{
	struct clshm_ds key = { .shmid = shmid };

	if (!d->nsegs)
		return NULL;
	return bsearch(&key, d->segs, d->nsegs, sizeof(*d->segs), cmp_ds);
}

/* The entry for shmid, inserted zeroed if absent; NULL if out of memory. */
static struct clshm_ds *seg_get(struct clshmd *d, uint32_t shmid)
{
	struct clshm_ds *s = seg_find(d, shmid);
	size_t i;

	if (s)
		return s;
	if (d->nsegs == d->segs_cap) {
		size_t cap = d->segs_cap ? d->segs_cap * 2 : 64;
		struct clshm_ds *n = realloc(d->segs, cap * sizeof(*n));

		if (!n)
			return NULL;
		d->segs = n;
		d->segs_cap = cap;
	}
	for (i = d->nsegs; i > 0 && d->segs[i - 1].shmid > shmid; i--)
		;
	memmove(&d->segs[i + 1], &d->segs[i],
		(d->nsegs - i) * sizeof(*d->segs));
	memset(&d->segs[i], 0, sizeof(*d->segs));
	d->segs[i].shmid = shmid;
	d->nsegs++;
	return &d->segs[i];
}

static bool seg_remove(struct clshmd *d, uint32_t shmid)
{
	struct clshm_ds *s = seg_find(d, shmid);
	size_t i;

	if (!s)
		return false;
	i = s - d->segs;
	memmove(s, s + 1, (d->nsegs - i - 1) * sizeof(*s));
	d->nsegs--;
	return true;
}

void segs_free(struct clshmd *d)
{
	free(d->segs);
	d->segs = NULL;
	d->nsegs = d->segs_cap = 0;
}

int resync(struct clshmd *d, bool quiet)
{
	struct clshm_ds *segs;
	size_t n;
	int err;

	err = cu_list(d->fd, &segs, &n);
	if (err) {
		logmsg(LOG_WARNING, "cannot resynchronise: listing segments failed: %s",
		       strerror(-err));
		return err;
	}
	if (n)
		qsort(segs, n, sizeof(*segs), cmp_ds);
	free(d->segs);
	d->segs = segs;
	d->nsegs = d->segs_cap = n;
	d->resyncs++;
	logmsg(quiet ? LOG_DEBUG : LOG_INFO, "resynchronised: %zu segments", n);
	return 0;
}

void resync_all(struct clshmd *d, bool initial)
{
	resync(d, false);
	peers_resync(d, initial);
}

/* ------------------------------------------------------------------ */
/* Messages */

static void reply_hostname(struct clshmd *d, const struct clshm_msg *m)
{
	char name[CLSHM_HOSTNAME_MAX];
	struct clshm_reply r;

	memset(&r, 0, sizeof(r));
	r.req = m->req;
	if (m->part != d->partid) {
		/* Other partitions' daemons answer for themselves. */
		r.status = ENOENT;
	} else if (gethostname(name, sizeof(name)) < 0) {
		r.status = errno;
	} else {
		name[sizeof(name) - 1] = '\0';
		if (cu_hostname_ok(name)) {
			r.data = (uintptr_t)name;
			r.len = (__u32)strlen(name) + 1;
		} else {
			logmsg(LOG_WARNING, "host name \"%s\" is empty or not printable ASCII without blanks; answering EILSEQ",
			       name);
			r.status = EILSEQ;
		}
	}
	if (ioctl(d->fd, CLSHM_IOC_REPLY, &r) < 0) {
		if (errno == ENOENT)
			logmsg(LOG_WARNING, "host name request %llu timed out before clshmd answered (raise it with 'clshmctl timeout MS')",
			       m->req);
		else
			logmsg(LOG_ERR, "cannot answer host name request %llu: %s",
			       m->req, strerror(errno));
		return;
	}
	d->replies++;
	if (r.status)
		logmsg(LOG_DEBUG, "host name request %llu for partition %u: %s",
		       m->req, m->part, strerror(r.status));
	else
		logmsg(LOG_DEBUG, "host name request %llu: \"%s\"",
		       m->req, name);
}

/* Handle one message: 1 when the daemon must exit, else 0. */
static int handle(struct clshmd *d, const struct clshm_msg *m, __u64 pos)
{
	struct clshm_ds *s;
	__u32 key;

	if (m->seq != pos) {
		logmsg(LOG_WARNING, "ring entry %llu carries sequence %llu; skipped",
		       pos, m->seq);
		d->skipped++;
		return 0;
	}
	if (m->type == 0 || m->type > MSG_TYPE_MAX) {
		logmsg(LOG_WARNING, "ring entry %llu: unknown message type %u; skipped",
		       pos, m->type);
		d->skipped++;
		return 0;
	}
	logmsg(LOG_DEBUG, "ring entry %llu: %s flags 0x%x part %u shmid 0x%08x key 0x%08x uid %u req %llu args %llu %llu %llu",
	       pos, msg_names[m->type], m->flags, m->part,
	       m->shmid, m->key, m->uid, m->req, m->arg[0], m->arg[1],
	       m->arg[2]);
	if ((m->type == CLSHM_MSG_PART_UP || m->type == CLSHM_MSG_PART_DOWN ||
	     m->type == CLSHM_MSG_PEER_HELLO) && m->part >= CLSHM_MAX_PARTS) {
		logmsg(LOG_WARNING, "ring entry %llu: %s about partition %u (0 to %d expected); skipped",
		       pos, msg_names[m->type], m->part, CLSHM_MAX_PARTS - 1);
		d->skipped++;
		return 0;
	}
	d->handled[m->type]++;

	switch (m->type) {
	case CLSHM_MSG_STARTUP:
		logmsg(LOG_NOTICE, "partition %u started: maxpgs %llu pages",
		       m->part, m->arg[0]);
		break;
	case CLSHM_MSG_SHUTDOWN:
		logmsg(LOG_NOTICE, "partition %u is shutting down; exiting",
		       m->part);
		return 1;
	case CLSHM_MSG_SEG_CREATE:
		logmsg(LOG_INFO, "segment 0x%08x key 0x%08x created: %llu bytes by uid %u pid %llu",
		       m->shmid, m->key, m->arg[0], m->uid, m->arg[1]);
		s = seg_get(d, m->shmid);
		if (!s) {
			logmsg(LOG_WARNING, "out of memory for the segment table; it will be rebuilt at the next dump");
			break;
		}
		s->key = m->key;
		s->size = m->arg[0];
		s->cpid = (uint32_t)m->arg[1];
		s->uid = s->cuid = m->uid;
		s->owner_part = CLSHM_ID_PART(m->shmid);
		s->ctime = (__u64)time(NULL);
		break;
	case CLSHM_MSG_SEG_RMID:
		/* Removed while attached: it goes with its last detach. */
		if (m->arg[1] != m->part)
			logmsg(LOG_INFO, "segment 0x%08x key 0x%08x removed by uid %u of partition %llu; destroyed at its last detach",
			       m->shmid, m->key, m->uid, m->arg[1]);
		else
			logmsg(LOG_INFO, "segment 0x%08x key 0x%08x removed by uid %u pid %llu; destroyed at its last detach",
			       m->shmid, m->key, m->uid, m->arg[0]);
		s = seg_find(d, m->shmid);
		if (s)
			s->state |= CLSHM_SEG_DEST;
		else
			logmsg(LOG_DEBUG, "segment 0x%08x was not in the table",
			       m->shmid);
		break;
	case CLSHM_MSG_SEG_DESTROY:
		/* A removed segment has lost its key: name the one it had. */
		s = seg_find(d, m->shmid);
		key = !m->key && s ? s->key : m->key;
		if ((m->flags & CLSHM_DESTROY_RMID) && m->arg[2] != m->part)
			logmsg(LOG_INFO, "segment 0x%08x key 0x%08x removed%s by uid %u of partition %llu and destroyed: %llu pages freed",
			       m->shmid, key,
			       m->flags & CLSHM_DESTROY_AUTO ? " (IPC_AUTORMID)" : "",
			       m->uid, m->arg[2], m->arg[0]);
		else if (m->flags & CLSHM_DESTROY_RMID)
			logmsg(LOG_INFO, "segment 0x%08x key 0x%08x removed%s by uid %u pid %llu and destroyed: %llu pages freed",
			       m->shmid, key,
			       m->flags & CLSHM_DESTROY_AUTO ? " (IPC_AUTORMID)" : "",
			       m->uid, m->arg[1], m->arg[0]);
		else if (m->flags & CLSHM_DESTROY_AUTO)
			logmsg(LOG_INFO, "segment 0x%08x key 0x%08x removed at its last detach (IPC_AUTORMID) and destroyed: %llu pages freed",
			       m->shmid, key, m->arg[0]);
		else
			logmsg(LOG_INFO, "segment 0x%08x key 0x%08x destroyed: %llu pages freed",
			       m->shmid, key, m->arg[0]);
		if (!seg_remove(d, m->shmid))
			logmsg(LOG_DEBUG, "segment 0x%08x was not in the table",
			       m->shmid);
		break;
	case CLSHM_MSG_GETHOSTNAME:
		if (!m->req) {
			logmsg(LOG_WARNING, "ring entry %llu: host name request without a request id; skipped",
			       pos);
			d->skipped++;
			break;
		}
		reply_hostname(d, m);
		break;
	case CLSHM_MSG_CLEAR:
		logmsg(LOG_NOTICE, "all segments removed: %llu segments",
		       m->arg[0]);
		resync(d, true);
		break;
	case CLSHM_MSG_PART_UP:
		peer_up(d, m);
		break;
	case CLSHM_MSG_PART_DOWN:
		peer_down(d, m);
		break;
	case CLSHM_MSG_PEER_HELLO:
		if (!peer_hello(d, m)) {
			d->handled[m->type]--;
			d->skipped++;
		}
		break;
	}
	return 0;
}

static void check_dropped(struct clshmd *d)
{
	__u64 dropped = __atomic_load_n(&d->hdr->dropped, __ATOMIC_ACQUIRE);

	if (dropped == d->dropped_seen)
		return;
	if (dropped > d->dropped_seen)
		logmsg(LOG_WARNING, "%llu messages dropped; resynchronising",
		       dropped - d->dropped_seen);
	else
		logmsg(LOG_WARNING, "the ring's dropped counter went back from %llu to %llu; resynchronising",
		       d->dropped_seen, dropped);
	d->dropped_seen = dropped;
	resync_all(d, false);
}

static void idle_wakeup(struct clshmd *d)
{
	/*
	 * poll says POLLIN while the ring is empty: a driver bug.  Do not
	 * spin on it: warn once, then slow down.
	 */
	if (++d->idle_wakeups < IDLE_WAKEUPS_WARN)
		return;
	if (d->idle_wakeups == IDLE_WAKEUPS_WARN)
		logmsg(LOG_WARNING, "the driver keeps waking clshmd with an empty ring; slowing down");
	sleep_ms(10);
}

/*
 * An entry the driver has not written yet: it still holds the previous
 * lap's message, or nothing (a ring that has not wrapped is zeroed).
 * The driver writes an entry before it publishes the head past it, so a
 * head past such an entry was not written by the driver.
 */
static bool unpublished(const struct clshmd *d, const struct clshm_msg *m,
			__u64 pos)
{
	if (m->seq == pos)
		return false;
	if (m->seq + d->nentries == pos)
		return true;
	return pos < d->nentries && !m->seq && !m->type;
}

/*
 * A head that the driver did not write.  Keep our tail where it is (the
 * driver would stop posting if it found it ahead of its own head) until
 * the driver's next post publishes its real head again; resynchronise
 * once, as anything may have happened meanwhile.
 */
static int ignore_head(struct clshmd *d)
{
	if (!d->bad_head) {
		d->bad_head = true;
		resync_all(d, false);
	}
	__atomic_store_n(&d->hdr->tail, d->tail, __ATOMIC_RELEASE);
	idle_wakeup(d);
	return 0;
}

int ring_drain(struct clshmd *d)
{
	__u64 head = __atomic_load_n(&d->hdr->head, __ATOMIC_ACQUIRE);
	unsigned int done = 0;

	/* Our tail is our own; a head beyond tail + nentries is not. */
	if (head - d->tail > d->nentries) {
		if (!d->bad_head)
			logmsg(LOG_WARNING, "ring head %llu does not fit tail %llu (%u entries): ignoring it until the driver posts again; resynchronising",
			       head, d->tail, d->nentries);
		return ignore_head(d);
	}
	while (d->tail != head) {
		size_t idx = (size_t)(d->tail & (d->nentries - 1));
		struct clshm_msg m;
		int stop;

		memcpy(&m, d->entries + idx * sizeof(m), sizeof(m));
		/* Use the copy only, never re-read the shared entry. */
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (unpublished(d, &m, d->tail)) {
			/* The head runs ahead of what the driver wrote. */
			if (!d->bad_head)
				logmsg(LOG_WARNING, "ring head %llu runs ahead of the entries the driver wrote (entry %llu holds %llu): ignoring it until the driver posts again; resynchronising",
				       head, d->tail, m.seq);
			return ignore_head(d);
		}
		if (d->bad_head) {
			logmsg(LOG_NOTICE, "ring head %llu is sane again", head);
			d->bad_head = false;
		}
		stop = handle(d, &m, d->tail);
		d->tail++;
		__atomic_store_n(&d->hdr->tail, d->tail, __ATOMIC_RELEASE);
		done++;
		if (stop)
			return 1;
	}
	if (d->hup)
		return 0;	/* nothing to resynchronise with */
	if (done)
		d->idle_wakeups = 0;
	else
		idle_wakeup(d);
	check_dropped(d);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The state dump (SIGUSR1), after PVM's shmd */

static void dump_segments(struct clshmd *d)
{
	char st[32];
	size_t i;

	dumpline("segments: %zu", d->nsegs);
	if (!d->nsegs)
		return;
	dumpline("  %-10s %-10s %-5s %12s %5s %6s %6s %7s %s", "shmid", "key",
		 "owner", "bytes", "mode", "uid", "cpid", "nattch", "state");
	for (i = 0; i < d->nsegs; i++) {
		const struct clshm_ds *s = &d->segs[i];

		dumpline("  0x%08x 0x%08x %02x    %12llu %04o %6u %6u %7u %s",
			 s->shmid, s->key,
			 s->owner_part, s->size, s->mode & 0777, s->uid,
			 s->cpid, s->nattch,
			 cu_seg_state(s->state, st, sizeof(st)));
	}
}

void dump_state(struct clshmd *d, const char *why)
{
	struct clshm_counters c;
	struct clshm_cfg cfg;
	char line[512];
	size_t i, used;
	int t;

	dumpline("state dump (%s)", why);
	dumpline("daemon: pid %ld, partition %u, %s",
		 (long)getpid(), d->partid,
		 d->foreground ? "foreground" : "background");
	dumpline("ring: %u entries, head %llu, tail %llu, dropped %llu",
		 d->nentries, __atomic_load_n(&d->hdr->head, __ATOMIC_ACQUIRE),
		 d->tail, __atomic_load_n(&d->hdr->dropped, __ATOMIC_ACQUIRE));
	used = 0;
	line[0] = '\0';
	for (t = 1; t <= MSG_TYPE_MAX; t++) {
		int r = snprintf(line + used, sizeof(line) - used, " %s %llu",
				 msg_names[t], d->handled[t]);

		if (r > 0 && (size_t)r < sizeof(line) - used)
			used += r;
	}
	dumpline("messages:%s; skipped %llu, replies %llu, resyncs %llu",
		 line, d->skipped, d->replies, d->resyncs);

	memset(&cfg, 0, sizeof(cfg));
	if (ioctl(d->fd, CLSHM_IOC_GETCFG, &cfg) < 0)
		dumpline("config: cannot read it: %s", strerror(errno));
	else
		dumpline("config: maxpgs %llu, maxsegs %u, maxdpgs %u, timeout %u ms, partid %u, state %s, daemon pid %u",
			 (__u64)cfg.maxpgs, cfg.maxsegs, cfg.maxdpgs,
			 cfg.timeout_ms, cfg.partid, cu_state_name(cfg.state),
			 cfg.daemon_pid);

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.pad = 0;
	if (ioctl(d->fd, CLSHM_IOC_COUNTERS, &c) < 0) {
		dumpline("counters: cannot read them: %s", strerror(errno));
	} else {
		used = 0;
		line[0] = '\0';
		for (i = 0; i < cu_ncounters; i++) {
			int r = snprintf(line + used, sizeof(line) - used,
					 " %s %llu", cu_counters[i].name,
					 cu_counter_get(&c, &cu_counters[i]));

			if (r > 0 && (size_t)r < sizeof(line) - used)
				used += r;
		}
		dumpline("counters:%s", line);
	}

	dump_fabric(d);
	dump_partitions(d);
	/* Show the driver's truth, and keep our table in line with it. */
	resync(d, true);
	dump_segments(d);
	dumpline("end of state dump");
}
