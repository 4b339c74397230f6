/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshmd.h - internals of the clshm daemon
 *
 * clshmd.c: options, logging, daemonizing, registration and the event
 * loop.  ring.c: the ring, the messages, the segment table and the state
 * dump.  One struct clshmd holds all of the daemon's state; the daemon is
 * single-threaded, so nothing in it needs a lock.
 */
#ifndef CLSHMD_H
#define CLSHMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <linux/clshm.h>

/* Exit status (documented in clshmd(8)). */
enum {
	EXIT_OK = 0,		/* clean exit: signal or partition shut down */
	EXIT_RUNTIME = 1,	/* runtime error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_RUNNING = 3,	/* another clshmd is registered */
	EXIT_NODRIVER = 4,	/* clshm.ko not loaded, or partition not started */
	EXIT_VERSION = 5,	/* ABI or ring version mismatch, bad ring */
	EXIT_PERM = 6,		/* not root */
};

/* Highest CLSHM_MSG_* type the daemon knows. */
#define MSG_TYPE_MAX	CLSHM_MSG_CLEAR

struct clshmd {
	unsigned int instance;		/* PARTITION argument: /dev/clshm/N */
	char ctl_path[64];
	bool foreground;
	int fd;				/* the ctl device: we are its daemon */

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

	/* Statistics for the dump. */
	__u64 handled[MSG_TYPE_MAX + 1];
	__u64 skipped;		/* bad seq, unknown type, bad request */
	__u64 resyncs;
	__u64 replies;
};

/* Logging (clshmd.c). */
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
void dump_state(struct clshmd *d, const char *why);
void segs_free(struct clshmd *d);

#endif /* CLSHMD_H */
