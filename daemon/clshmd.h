/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshmd.h - internals of the clshm daemon
 *
 * clshmd.c: options, daemonizing, registration and the event loop.
 * ring.c: the ring, the messages, the segment table and the state dump.
 * peers.c: the other partitions of the fabric, the hello between daemons
 * and its retries.  log.c: where log and dump lines go.  One struct
 * clshmd holds all of the daemon's state; the daemon is single-threaded,
 * so nothing in it needs a lock.
 *
 * Calls go one way, down this list, never up or back:
 *
 *   clshmd.c -> ring.c -> peers.c -> log.c -> common/libclshm-common.a
 *
 * (clshmd.c also calls peers.c and log.c directly.)  What a lower file
 * has to tell a higher one comes back as a return value.
 * Documentation/architecture.md ("User space layers") says how to check.
 */
#ifndef CLSHMD_H
#define CLSHMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <linux/clshm.h>
#include "clshm-exit.h"

/* Exit status: the table shared with clshmctl (common/clshm-exit.h). */
enum {
	EXIT_OK = CLSHM_EXIT_OK,		/* signal or partition shut down */
	EXIT_RUNTIME = CLSHM_EXIT_ERROR,	/* runtime error */
	EXIT_USAGE = CLSHM_EXIT_USAGE,		/* bad command line */
	EXIT_RUNNING = CLSHM_EXIT_RUNNING,	/* another clshmd is registered */
	EXIT_NODRIVER = CLSHM_EXIT_NODRIVER,	/* not loaded, or not started */
	EXIT_VERSION = CLSHM_EXIT_VERSION,	/* ABI/ring mismatch, bad ring */
	EXIT_PERM = CLSHM_EXIT_PERM,		/* not root */
};

/* Highest CLSHM_MSG_* type the daemon knows. */
#define MSG_TYPE_MAX	CLSHM_MSG_PEER_HELLO

/*
 * What the daemon knows of one other partition (peers.c).  Everything
 * below the state is about the partition's current incarnation and is
 * forgotten when it changes or the partition goes down.
 */
struct peer {
	__u64 incarnation;		/* last one the driver reported */
	uint32_t state;			/* CLSHM_PART_* as last seen */

	/* Our hello to it. */
	bool hello_sent;
	__u64 hello_sent_ms;		/* when (monotonic ms) */
	__u64 hello_due_ms;		/* next attempt; 0: none */
	bool hello_unanswered;		/* the attempt due is a resend */
	unsigned int hello_tries;	/* EAGAINs in a row */
	unsigned int hello_resends;	/* sent again for want of an answer */

	/* Its hello to us. */
	bool hello_seen;
	bool refused;			/* we refused it (CLSHM_PEER_REFUSE) */
	uint32_t abi_major, abi_minor;
	__u64 page_size;
	char host[CLSHM_HOSTNAME_MAX];	/* "" while unknown */
};

struct clshmd {
	unsigned int instance;		/* PARTITION argument: /dev/clshm/N */
	char ctl_path[64];
	bool foreground;
	int fd;				/* the ctl device: we are its daemon */
	int shm_fd;			/* the shm device (GETHOSTNAME), or -1 */

	/* The ring mapping, checked by ring_attach(). */
	struct clshm_ring_hdr *hdr;
	size_t map_len;
	const unsigned char *entries;	/* hdr + entries_off */
	uint32_t nentries;		/* a power of two */
	uint32_t partid;
	__u64 tail;			/* our copy of hdr->tail */
	__u64 dropped_seen;		/* hdr->dropped when last looked at */
	unsigned int idle_wakeups;	/* POLLIN with nothing in the ring */
	bool hup;			/* the driver hung up: shut down */
	bool bad_head;			/* hdr->head does not fit our tail */

	/* The segment table: the daemon's view, sorted by shmid. */
	struct clshm_ds *segs;
	size_t nsegs, segs_cap;

	/* The other partitions, by id (the local one's entry is unused). */
	struct peer peers[CLSHM_MAX_PARTS];
	long page_size;			/* ours, sent in every hello */
	bool peer_unsupported;		/* the driver knows no CLSHM_IOC_PEER */

	/* Statistics for the dump. */
	__u64 handled[MSG_TYPE_MAX + 1];
	__u64 skipped;		/* bad seq, unknown type, bad request */
	__u64 resyncs;
	__u64 replies;
	__u64 hellos_sent;
	__u64 hellos_refused;
};

/* Logging (log.c): where lines go, as clshmd.c's options say. */
struct log_cfg {
	bool to_syslog;
	bool to_stderr;
	bool debug;		/* LOG_DEBUG lines too */
	bool journal;		/* stderr is systemd's journal: "<N>" prefixes */
	int stderr_max;		/* least urgent priority for stderr */
	bool dump_to_stdout;	/* state dump lines on stdout, not logged */
};
void log_set(const struct log_cfg *cfg);
void logmsg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A line of the state dump: stdout in the foreground, else the log. */
void dumpline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ring.c */
int ring_attach(struct clshmd *d, uint32_t ring_pages);
void ring_detach(struct clshmd *d);
/* Handle everything in the ring: 1 when the daemon must exit, else 0. */
int ring_drain(struct clshmd *d);
/* Rebuild the segment table from CLSHM_IOC_LIST: 0 or -errno. */
int resync(struct clshmd *d, bool quiet);
/*
 * After messages may have been missed (start, drops, a bad head): the
 * segment table and the partition table from the driver, and the hellos
 * that are owed.
 */
void resync_all(struct clshmd *d, bool initial);
void dump_state(struct clshmd *d, const char *why);
void segs_free(struct clshmd *d);

/* peers.c */
void peers_init(struct clshmd *d);
void peers_fini(struct clshmd *d);
/*
 * Rebuild the partition table from CLSHM_IOC_PARTLIST and say hello to
 * every peer that is up and has not had ours (initial: to every one, as
 * a restarted daemon does).
 */
void peers_resync(struct clshmd *d, bool initial);
/*
 * CLSHM_MSG_PART_UP, CLSHM_MSG_PART_DOWN, CLSHM_MSG_PEER_HELLO; m->part
 * is below CLSHM_MAX_PARTS.  peer_hello() is false for a hello it had to
 * ignore (counted as skipped).
 */
void peer_up(struct clshmd *d, const struct clshm_msg *m);
void peer_down(struct clshmd *d, const struct clshm_msg *m);
bool peer_hello(struct clshmd *d, const struct clshm_msg *m);
/* Milliseconds until a retried hello is due, or -1 when none is. */
int peers_timeout(struct clshmd *d);
/* Send the hellos that are due. */
void peers_retry(struct clshmd *d);
/* The fabric and the partitions, for the state dump. */
void dump_fabric(struct clshmd *d);
void dump_partitions(struct clshmd *d);
/* Log the fabric once at start. */
void log_fabric(struct clshmd *d);

#endif /* CLSHMD_H */
