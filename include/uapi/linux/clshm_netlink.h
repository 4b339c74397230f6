/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * clshm_netlink.h - the clshm generic netlink family
 *
 * The driver registers the generic netlink family CLSHM_GENL_NAME
 * ("clshm", version CLSHM_GENL_VERSION) in the initial network namespace.
 * Every request's attributes are validated strictly against the family's
 * policy: an attribute of the wrong type or length, out of its range, or
 * one this header does not define fails the request with EINVAL (with an
 * extended ACK naming the attribute).
 *
 * Reading follows ipcs(1): a dump shows only the segments the caller may
 * read (read permission, or CAP_IPC_OWNER).  Changing follows IPC_RMID:
 * the segment's owner or creator, or CAP_SYS_ADMIN.
 *
 * Events go to the multicast group CLSHM_GENL_MCGRP_EVENTS ("events"),
 * one message per event, its command naming the event, in the order they
 * happened.  The driver sends them in batches, a tick or so after they
 * happen: a datagram may carry several messages (read with a buffer of at
 * least 8 KiB and walk every message of it).  A listener that falls behind
 * gets ENOBUFS once and loses what did not fit; it should dump again.
 * They name every user's segments and the processes that use them, so
 * joining the group needs CAP_SYS_ADMIN (EPERM otherwise).
 */
#ifndef _UAPI_LINUX_CLSHM_NETLINK_H
#define _UAPI_LINUX_CLSHM_NETLINK_H

#define CLSHM_GENL_NAME		"clshm"
#define CLSHM_GENL_VERSION	1
#define CLSHM_GENL_MCGRP_EVENTS	"events"

/**
 * enum clshm_nl_cmd - commands and events of the clshm family
 * @CLSHM_NL_CMD_UNSPEC: not used
 * @CLSHM_NL_CMD_SEG_GET: with NLM_F_DUMP: one message per segment the
 *	caller may read, in shmid order, each with the CLSHM_NL_A_SEG_*
 *	attributes.  The dump resumes after the last shmid it reported, so
 *	a segment that exists throughout a dump is reported exactly once,
 *	even while others are created and removed.  Takes no attributes.
 *	Without NLM_F_DUMP: the segment CLSHM_NL_A_SEG_SHMID names (ENOENT
 *	if none, EACCES without read permission).
 * @CLSHM_NL_CMD_SEG_DEL: remove segments as IPC_RMID does.  Exactly one
 *	selector: CLSHM_NL_A_SEG_SHMID (one segment), CLSHM_NL_A_SEG_KEY
 *	(the segment of that key), CLSHM_NL_A_SEG_UID (every segment that
 *	uid owns) or CLSHM_NL_A_ORPHANS (every segment whose creator process
 *	is gone and that nobody attaches).  The reply carries
 *	CLSHM_NL_A_COUNT, the number removed.  Errors: EINVAL (no selector,
 *	or more than one), ENOENT (no such shmid or key), EPERM (not the
 *	owner, creator or CAP_SYS_ADMIN; for uid and orphans: when every
 *	match was refused), ENODEV (partition down).
 * @CLSHM_NL_CMD_EV_CREATED: event: a segment was created (SEG_* of it,
 *	CLSHM_NL_A_PID the creator)
 * @CLSHM_NL_CMD_EV_REMOVED: event: a segment was removed (IPC_RMID,
 *	IPC_AUTORMID at its time, clear); it is destroyed at once or at its
 *	last detach
 * @CLSHM_NL_CMD_EV_DESTROYED: event: a segment's memory was freed
 * @CLSHM_NL_CMD_EV_ATTACHED: event: a process attached a segment
 *	(CLSHM_NL_A_PID, CLSHM_NL_A_PART: where the process runs)
 * @CLSHM_NL_CMD_EV_DETACHED: event: an attach went away (CLSHM_NL_A_PID:
 *	the process that detached, 0 if a kernel thread did it for it)
 * @CLSHM_NL_CMD_ATT_GET: with NLM_F_DUMP: the attaches of the segments
 *	the caller may read, one message per mapping: CLSHM_NL_A_SEG_SHMID,
 *	CLSHM_NL_A_PID, CLSHM_NL_A_COMM, CLSHM_NL_A_PART (this partition),
 *	CLSHM_NL_A_ATT_START, CLSHM_NL_A_ATT_END, CLSHM_NL_A_ATT_RDONLY
 *	(flag).  A process that maps one attach in pieces (partial munmap,
 *	mprotect) has one message per piece.  For a segment this partition
 *	owns, attaches in other partitions come as one message per partition
 *	with CLSHM_NL_A_PART and CLSHM_NL_A_SEG_NATTCH, and no pid: ask that
 *	partition for its processes.  Optional CLSHM_NL_A_SEG_SHMID in the
 *	request: only that segment's attaches (it may be another
 *	partition's segment attached here).  The processes come in pid
 *	order, each one's attaches read at once, then the other partitions'
 *	counts in shmid order: a process that holds its attaches throughout
 *	the dump is reported once, with all of them.  The pid is as the
 *	caller's pid namespace sees it (0 and no command: it cannot).
 * @CLSHM_NL_CMD_PART_GET: with NLM_F_DUMP: one message per partition
 *	that is not down, the local one first: CLSHM_NL_A_PART,
 *	CLSHM_NL_A_PART_STATE (CLSHM_PART_*), CLSHM_NL_A_PART_INCARNATION,
 *	CLSHM_NL_A_PART_LOCAL (flag, on the local one).  Anyone may read it.
 * @CLSHM_NL_CMD_COUNTERS_GET: the driver's counters (what
 *	CLSHM_IOC_COUNTERS returns): one reply holding the nest
 *	CLSHM_NL_A_COUNTERS, whose attributes are u64 values numbered by
 *	enum clshm_nl_counter.  Anyone may read them.
 * @CLSHM_NL_CMD_EV_PART_UP: event: a partition came up (CLSHM_NL_A_PART,
 *	CLSHM_NL_A_PART_INCARNATION); the local one when clshmd starts it
 * @CLSHM_NL_CMD_EV_PART_DOWN: event: a partition went down (its segments
 *	are orphaned here)
 * @CLSHM_NL_CMD_EV_PART_REJOINED: event: a partition came back with a
 *	new incarnation (it rebooted; what it had is gone)
 * @CLSHM_NL_CMD_EV_DAEMON_UP: event: clshmd registered (CLSHM_NL_A_PID)
 * @CLSHM_NL_CMD_EV_DAEMON_DOWN: event: clshmd went away (its ring file
 *	was closed; CLSHM_NL_A_PID the pid it had)
 * @CLSHM_NL_CMD_EV_LIMITS: event: the limits changed (CLSHM_IOC_SETCFG):
 *	CLSHM_NL_A_LIMIT_MAXPGS, CLSHM_NL_A_LIMIT_MAXSEGS
 * @CLSHM_NL_CMD_EV_LIMIT_REFUSED: event: a shmget was refused by a limit
 *	(CLSHM_NL_A_LIMIT names which, CLSHM_NL_A_SEG_SIZE what was asked,
 *	CLSHM_NL_A_SEG_KEY, CLSHM_NL_A_SEG_UID, CLSHM_NL_A_PID)
 * @__CLSHM_NL_CMD_MAX: number of commands
 * @CLSHM_NL_CMD_MAX: highest command
 *
 * Every segment event (CREATED .. DETACHED) carries CLSHM_NL_A_SEG_SHMID,
 * CLSHM_NL_A_SEG_KEY (0 once removed), CLSHM_NL_A_SEG_NATTCH (after the
 * event), CLSHM_NL_A_PID and CLSHM_NL_A_PART.  For ATTACHED and DETACHED
 * on the owner of an attach made in another partition, CLSHM_NL_A_PART
 * is that partition and CLSHM_NL_A_PID is 0.  Every event carries
 * CLSHM_NL_A_TIME, when it happened.
 */
enum clshm_nl_cmd {
	CLSHM_NL_CMD_UNSPEC,
	CLSHM_NL_CMD_SEG_GET,
	CLSHM_NL_CMD_SEG_DEL,
	CLSHM_NL_CMD_EV_CREATED,
	CLSHM_NL_CMD_EV_REMOVED,
	CLSHM_NL_CMD_EV_DESTROYED,
	CLSHM_NL_CMD_EV_ATTACHED,
	CLSHM_NL_CMD_EV_DETACHED,
	CLSHM_NL_CMD_ATT_GET,
	CLSHM_NL_CMD_PART_GET,
	CLSHM_NL_CMD_COUNTERS_GET,
	CLSHM_NL_CMD_EV_PART_UP,
	CLSHM_NL_CMD_EV_PART_DOWN,
	CLSHM_NL_CMD_EV_PART_REJOINED,
	CLSHM_NL_CMD_EV_DAEMON_UP,
	CLSHM_NL_CMD_EV_DAEMON_DOWN,
	CLSHM_NL_CMD_EV_LIMITS,
	CLSHM_NL_CMD_EV_LIMIT_REFUSED,
	__CLSHM_NL_CMD_MAX,
	CLSHM_NL_CMD_MAX = __CLSHM_NL_CMD_MAX - 1
};

/**
 * enum clshm_nl_attr - attributes of the clshm family
 * @CLSHM_NL_A_UNSPEC: not used
 * @CLSHM_NL_A_PAD: padding for 64-bit attributes
 * @CLSHM_NL_A_SEG_SHMID: u32, the segment's shmid
 * @CLSHM_NL_A_SEG_KEY: u32, its key (0: IPC_PRIVATE or removed); in a
 *	request, nonzero
 * @CLSHM_NL_A_SEG_UID: u32, owner uid (as the caller's namespace sees it)
 * @CLSHM_NL_A_SEG_GID: u32, owner gid
 * @CLSHM_NL_A_SEG_MODE: u32, permission bits (0..0777)
 * @CLSHM_NL_A_SEG_SIZE: u64, size in bytes
 * @CLSHM_NL_A_SEG_NATTCH: u32, attaches in every partition
 * @CLSHM_NL_A_SEG_CPID: u32, creator pid (0: created by another partition)
 * @CLSHM_NL_A_SEG_LPID: u32, pid of the last attach or detach
 * @CLSHM_NL_A_SEG_OWNER: u32, owner partition (bits 31..24 of the shmid)
 * @CLSHM_NL_A_SEG_STATE: u32, CLSHM_SEG_* flags (removed, autormid, dead)
 * @CLSHM_NL_A_ORPHANS: flag, SEG_DEL selector: segments whose creator
 *	process is gone and that nobody attaches
 * @CLSHM_NL_A_COUNT: u32, SEG_DEL reply: how many segments were removed
 * @CLSHM_NL_A_PID: u32, event: the process concerned
 * @CLSHM_NL_A_PART: u32, event: the partition it runs in; ATT_GET: where
 *	the attach is; PART_GET: the partition
 * @CLSHM_NL_A_COMM: string (at most 15 bytes and the NUL), the command
 *	name of CLSHM_NL_A_PID
 * @CLSHM_NL_A_ATT_START: u64, first address of the mapping
 * @CLSHM_NL_A_ATT_END: u64, address just past the mapping
 * @CLSHM_NL_A_ATT_RDONLY: flag, the mapping is read-only (SHM_RDONLY)
 * @CLSHM_NL_A_PART_STATE: u32, CLSHM_PART_*
 * @CLSHM_NL_A_PART_INCARNATION: u64, the partition's boot stamp
 * @CLSHM_NL_A_PART_LOCAL: flag, the local partition
 * @CLSHM_NL_A_COUNTERS: nest of u64 counters, numbered by
 *	enum clshm_nl_counter
 * @CLSHM_NL_A_LIMIT_MAXPGS: u64, page limit of the partition
 * @CLSHM_NL_A_LIMIT_MAXSEGS: u32, segment count limit
 * @CLSHM_NL_A_LIMIT: u32, CLSHM_NL_LIMIT_*: which limit refused
 * @CLSHM_NL_A_TIME: u64, event: CLOCK_REALTIME in nanoseconds, at the
 *	resolution of the kernel's tick (as audit's records)
 * @__CLSHM_NL_A_MAX: number of attributes
 * @CLSHM_NL_A_MAX: highest attribute
 */
enum clshm_nl_attr {
	CLSHM_NL_A_UNSPEC,
	CLSHM_NL_A_PAD,
	CLSHM_NL_A_SEG_SHMID,
	CLSHM_NL_A_SEG_KEY,
	CLSHM_NL_A_SEG_UID,
	CLSHM_NL_A_SEG_GID,
	CLSHM_NL_A_SEG_MODE,
	CLSHM_NL_A_SEG_SIZE,
	CLSHM_NL_A_SEG_NATTCH,
	CLSHM_NL_A_SEG_CPID,
	CLSHM_NL_A_SEG_LPID,
	CLSHM_NL_A_SEG_OWNER,
	CLSHM_NL_A_SEG_STATE,
	CLSHM_NL_A_ORPHANS,
	CLSHM_NL_A_COUNT,
	CLSHM_NL_A_PID,
	CLSHM_NL_A_PART,
	CLSHM_NL_A_COMM,
	CLSHM_NL_A_ATT_START,
	CLSHM_NL_A_ATT_END,
	CLSHM_NL_A_ATT_RDONLY,
	CLSHM_NL_A_PART_STATE,
	CLSHM_NL_A_PART_INCARNATION,
	CLSHM_NL_A_PART_LOCAL,
	CLSHM_NL_A_COUNTERS,
	CLSHM_NL_A_LIMIT_MAXPGS,
	CLSHM_NL_A_LIMIT_MAXSEGS,
	CLSHM_NL_A_LIMIT,
	CLSHM_NL_A_TIME,
	__CLSHM_NL_A_MAX,
	CLSHM_NL_A_MAX = __CLSHM_NL_A_MAX - 1
};

/* Values of CLSHM_NL_A_LIMIT: which limit refused a shmget. */
#define CLSHM_NL_LIMIT_MAXSEGS	1	/* segment count (ENOSPC) */
#define CLSHM_NL_LIMIT_MAXPGS	2	/* pages of all segments (ENOMEM) */
#define CLSHM_NL_LIMIT_SIZE	3	/* one segment over maxpgs (EINVAL) */

/**
 * enum clshm_nl_counter - attributes of the CLSHM_NL_A_COUNTERS nest
 *
 * Each is a u64 and means what the field of the same name in struct
 * clshm_counters (clshm.h) means.  A reader skips numbers it does not
 * know: later versions may add counters at the end.
 */
enum clshm_nl_counter {
	CLSHM_NL_C_UNSPEC,
	CLSHM_NL_C_PAD,
	CLSHM_NL_C_SEGS_LIVE,
	CLSHM_NL_C_SEGS_CREATED,
	CLSHM_NL_C_SEGS_DESTROYED,
	CLSHM_NL_C_PAGES_PINNED,
	CLSHM_NL_C_PAGES_ALLOC,
	CLSHM_NL_C_PAGES_FREED,
	CLSHM_NL_C_ATTACHES_LIVE,
	CLSHM_NL_C_ATTACH_TOTAL,
	CLSHM_NL_C_DETACH_TOTAL,
	CLSHM_NL_C_FAULTS,
	CLSHM_NL_C_MSGS_POSTED,
	CLSHM_NL_C_MSGS_DROPPED,
	CLSHM_NL_C_REPLIES,
	CLSHM_NL_C_ERRORS,
	__CLSHM_NL_C_MAX,
	CLSHM_NL_C_MAX = __CLSHM_NL_C_MAX - 1
};

#endif /* _UAPI_LINUX_CLSHM_NETLINK_H */
