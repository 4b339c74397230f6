/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * clshm.h - user ABI of the clshm driver (CrayLink-style shared memory)
 *
 * Two character devices per clshm instance:
 *
 *   /dev/clshm/0/shm  (0666)  segment API (libxp) and attach by mmap
 *   /dev/clshm/0/ctl  (0600)  administration (clshmctl) and the daemon
 *                             ring (clshmd)
 *
 * and /dev/clshm/partition/<hh> (0444) for every partition that is up.
 *
 * Every ioctl argument is a fixed-layout structure made of __u32 and __u64
 * fields only; pointers travel as __u64.  Fields named "pad" and flag bits
 * not defined here must be zero, or the ioctl fails with EINVAL.  Unknown
 * ioctl numbers fail with ENOTTY.  All ioctls use type 0xC5.
 *
 * Extensible structures (struct clshm_info, clshm_counters,
 * clshm_fabinfo) start with __u32 size: the caller sets it to the size of
 * the structure it knows, which is also the size in its ioctl number
 * (_IOWR(CLSHM_IOC_TYPE, nr, its struct)).  The driver fills the fields
 * both know and writes back in size how many bytes it filled; it leaves
 * the rest of a longer structure alone.  Fields are only ever appended,
 * so a program built against an older or a newer header keeps working.
 *
 * Keys and shmids are 32-bit values that name their owner partition:
 * bits 31..24 are the owner's partition id, bits 23..0 its serial.
 *
 * Attaching is an mmap(2) of the shm device at file offset
 * shmid * page size with exactly the segment's size; see
 * Documentation/ioctl-abi.md for the whole contract.
 */
#ifndef _UAPI_LINUX_CLSHM_H
#define _UAPI_LINUX_CLSHM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* ABI version: a major mismatch makes the library and the daemon fail
 * with EPROTO; minor versions only add. */
#define CLSHM_ABI_MAJOR		2
#define CLSHM_ABI_MINOR		1

/* Version of the kernel-to-daemon ring protocol (struct clshm_ring_hdr). */
#define CLSHM_RING_VERSION	1

#define CLSHM_IOC_TYPE		0xC5

#define CLSHM_DEV_DIR		"/dev/clshm"
#define CLSHM_CTL_PATH		"/dev/clshm/0/ctl"
#define CLSHM_SHM_PATH		"/dev/clshm/0/shm"
#define CLSHM_PART_DIR		"/dev/clshm/partition"

#define CLSHM_MAX_PARTS		256	/* partition ids are 0..255 */
#define CLSHM_HOSTNAME_MAX	64	/* including the terminating NUL */

/* Key and shmid layout. */
#define CLSHM_ID_PART_SHIFT	24
#define CLSHM_ID_SERIAL_MASK	0x00ffffffu
#define CLSHM_ID_PART(id)	((__u32)(id) >> CLSHM_ID_PART_SHIFT)
#define CLSHM_ID_SERIAL(id)	((__u32)(id) & CLSHM_ID_SERIAL_MASK)
#define CLSHM_ID_MAKE(part, serial) \
	(((__u32)(part) << CLSHM_ID_PART_SHIFT) | ((__u32)(serial) & CLSHM_ID_SERIAL_MASK))
/*
 * Serial bit 23 of a key marks a key derived from a path (xp_ftok with a
 * path other than a partition node).  Keys with the bit clear and a serial
 * below the partition's mint counter were minted by CLSHM_IOC_MINTKEY; a
 * shmget with a nonzero size of such a key that names no segment creates
 * it even without IPC_CREAT.  shmid serials stop at 0xfffffe, so no shmid
 * is -1.
 */
#define CLSHM_KEY_PATH_BIT	0x00800000u

/* Partition (driver instance) states, as in clshm_cfg.state. */
#define CLSHM_STATE_DOWN	0	/* shut down: limits may change */
#define CLSHM_STATE_UP		1	/* started: the segment API works */

/* Partition membership states, as in clshm_part_info.state. */
#define CLSHM_PART_DOWN		0
#define CLSHM_PART_JOINING	1
#define CLSHM_PART_UP		2
#define CLSHM_PART_LEAVING	3

/**
 * struct clshm_version - driver ABI version (CLSHM_IOC_VERSION)
 * @major: CLSHM_ABI_MAJOR of the driver
 * @minor: CLSHM_ABI_MINOR of the driver
 * @ring_version: CLSHM_RING_VERSION of the driver
 * @partid: the local partition id
 *
 * Works on both devices, in any state.
 */
struct clshm_version {
	__u32 major;
	__u32 minor;
	__u32 ring_version;
	__u32 partid;
};

/**
 * struct clshm_mintkey - mint a fresh key (CLSHM_IOC_MINTKEY)
 * @part: in: the partition that will own the key
 * @key: out: the new key
 *
 * Errors: EINVAL (@part out of range), ENOENT (@part is not up),
 * ENOSPC (the partition's 23-bit mint space is used up), ENODEV (shut down).
 */
struct clshm_mintkey {
	__u32 part;
	__u32 key;
};

/* Flags of struct clshm_shmget; the values equal IPC_CREAT and IPC_EXCL. */
#define CLSHM_GET_MODE_MASK	0000777u
#define CLSHM_GET_CREAT		0001000u
#define CLSHM_GET_EXCL		0002000u
/*
 * Since 2.1: SHM_HUGETLB, and SHM_HUGE_2MB (the page size's log2 in bits
 * 31..26; 0 is the default huge page size, 2 MiB).  Only the PMD size
 * exists; any other size, or a size without CLSHM_GET_HUGETLB, is EINVAL
 * (libxp drops a size without SHM_HUGETLB first, as Linux ignores it).
 */
#define CLSHM_GET_HUGETLB	0004000u
#define CLSHM_GET_HUGE_SHIFT	26
#define CLSHM_GET_HUGE_MASK	(0x3fu << CLSHM_GET_HUGE_SHIFT)
#define CLSHM_GET_FLAGS_ALL	(CLSHM_GET_MODE_MASK | CLSHM_GET_CREAT | \
				 CLSHM_GET_EXCL | CLSHM_GET_HUGETLB | \
				 CLSHM_GET_HUGE_MASK)

/**
 * struct clshm_shmget - look up or create a segment (CLSHM_IOC_SHMGET)
 * @size: in: size in bytes; 0 looks up an existing segment of any size
 * @key: in: key, or 0 (IPC_PRIVATE) for a new private segment
 * @flags: in: CLSHM_GET_* and mode bits
 * @shmid: out: the segment's shmid
 * @pad: must be zero
 *
 * With CLSHM_GET_HUGETLB (2.1) a new segment is backed by 2 MiB huge
 * folios and its size is rounded up to whole 2 MiB for the attach and the
 * accounting (shm_segsz keeps the size asked for); it needs
 * CAP_IPC_LOCK (EPERM) and a partition whose memory can be huge (ENOMEM
 * without transparent huge pages and on fabric memory).  For another
 * partition's key the flag is ignored (its memory is fabric memory).
 *
 * Errors: EINVAL (size 0 on create, size over the per-segment limit, or
 * larger than the existing segment; unknown flags or huge page size;
 * nonzero pad), EEXIST, ENOENT, EACCES, EPERM, ENOMEM (partition page
 * limit, no huge pages), ENOSPC (segment count limit), ENODEV (shut
 * down).
 */
struct clshm_shmget {
	__u64 size;
	__u32 key;
	__u32 flags;
	__u32 shmid;
	__u32 pad;
};

/* Bits of clshm_ds.state. */
#define CLSHM_SEG_DEST		0x1u	/* removed: key gone, freed at nattch 0 */
#define CLSHM_SEG_AUTORMID	0x2u	/* removed at the last detach */
#define CLSHM_SEG_DEAD		0x4u	/* torn down by force: access faults */
#define CLSHM_SEG_LOCKED	0x8u	/* SHM_LOCK (2.1) */
#define CLSHM_SEG_HUGETLB	0x10u	/* made with SHM_HUGETLB (2.1) */

/**
 * struct clshm_ds - description of a segment
 * @size: size in bytes
 * @atime: last attach, seconds since the epoch (0: never)
 * @dtime: last detach, seconds since the epoch (0: never)
 * @ctime: creation or last IPC_SET, seconds since the epoch
 * @pages_resident: pages of memory the segment holds now
 * @key: key (0 for IPC_PRIVATE segments and after removal)
 * @shmid: shmid
 * @uid: owner uid
 * @gid: owner gid
 * @cuid: creator uid
 * @cgid: creator gid
 * @mode: permission bits (low 9 bits)
 * @state: CLSHM_SEG_* bits
 * @cpid: creator pid (in the owner partition)
 * @lpid: pid of the last attach or detach
 * @nattch: attaches, summed over all partitions
 * @owner_part: owner partition id
 */
struct clshm_ds {
	__u64 size;
	__u64 atime;
	__u64 dtime;
	__u64 ctime;
	__u64 pages_resident;
	__u32 key;
	__u32 shmid;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 mode;
	__u32 state;
	__u32 cpid;
	__u32 lpid;
	__u32 nattch;
	__u32 owner_part;
};

/* Flags of struct clshm_stat (since 2.1; 2.0 wanted zero there). */
#define CLSHM_STAT_INDEX	0x1u	/* @shmid is a table index (SHM_STAT) */
#define CLSHM_STAT_ANY		0x2u	/* no read permission needed (SHM_STAT_ANY) */
#define CLSHM_STAT_FLAGS_ALL	(CLSHM_STAT_INDEX | CLSHM_STAT_ANY)

/**
 * struct clshm_stat - describe a segment (CLSHM_IOC_STAT)
 * @shmid: in: the segment; with CLSHM_STAT_INDEX, an index of the local
 *         partition's table (the serial of a shmid, 1 up to the
 *         max_serial of CLSHM_IOC_INFO)
 * @flags: in: CLSHM_STAT_* (the pad of 2.0)
 * @ds: out: its description (ds.shmid is the segment's shmid)
 *
 * Needs read permission unless CLSHM_STAT_ANY.  Errors: EINVAL (no such
 * shmid or index, unknown flags), EACCES.
 */
struct clshm_stat {
	__u32 shmid;
	__u32 flags;
	struct clshm_ds ds;
};

/* Flags of struct clshm_lock. */
#define CLSHM_LOCK_UNLOCK	0x1u	/* SHM_UNLOCK; without it SHM_LOCK */
#define CLSHM_LOCK_FLAGS_ALL	CLSHM_LOCK_UNLOCK

/**
 * struct clshm_lock - SHM_LOCK and SHM_UNLOCK (CLSHM_IOC_LOCK, since 2.1)
 * @shmid: in: a segment of the local partition
 * @flags: in: CLSHM_LOCK_*
 *
 * Segment memory is never swapped, so this only records the lock
 * (CLSHM_SEG_LOCKED) and accounts it as shmctl(2) does: without
 * CAP_IPC_LOCK the caller must be the owner or creator (EPERM), SHM_LOCK
 * needs a nonzero RLIMIT_MEMLOCK (EPERM), and the segments the caller's
 * uid has locked in this partition must fit in it (ENOMEM).  Locking a
 * locked segment or unlocking an unlocked one succeeds.  Errors: EINVAL
 * (no such shmid, unknown flags, a segment of another partition), EPERM,
 * ENOMEM.
 */
struct clshm_lock {
	__u32 shmid;
	__u32 flags;
};

/**
 * struct clshm_set - change owner and mode (CLSHM_IOC_SET)
 * @shmid: in: the segment
 * @uid: in: new owner uid
 * @gid: in: new owner gid
 * @mode: in: new mode (only the low 9 bits may be set)
 *
 * Allowed to the owner, the creator and CAP_SYS_ADMIN.  Errors: EINVAL
 * (no such shmid, bad mode, uid or gid not mapped), EPERM.
 */
struct clshm_set {
	__u32 shmid;
	__u32 uid;
	__u32 gid;
	__u32 mode;
};

/* Flags of struct clshm_rmid. */
#define CLSHM_RMID_AUTO		0x1u	/* IPC_AUTORMID: at the last detach */
#define CLSHM_RMID_FLAGS_ALL	CLSHM_RMID_AUTO

/**
 * struct clshm_rmid - remove a segment (CLSHM_IOC_RMID)
 * @shmid: in: the segment
 * @flags: in: CLSHM_RMID_* flags
 *
 * Without flags: System V IPC_RMID (the key goes at once, the memory when
 * the last attach goes).  With CLSHM_RMID_AUTO: remove at the last detach,
 * or now if nothing is attached.  Allowed to the owner, the creator and
 * CAP_SYS_ADMIN.  Errors: EINVAL, EPERM.
 */
struct clshm_rmid {
	__u32 shmid;
	__u32 flags;
};

/**
 * struct clshm_shmdt - detach (CLSHM_IOC_SHMDT)
 * @addr: in: start address of an attach of the calling process
 *
 * Errors: EINVAL (no clshm attach starts at @addr).
 */
struct clshm_shmdt {
	__u64 addr;
};

/**
 * struct clshm_info - limits and usage (CLSHM_IOC_INFO; extensible)
 * @size: in: sizeof the caller's structure; out: bytes filled
 * @pad0: must be zero
 * @maxpgs: page limit of the partition (all segments together)
 * @pages_reserved: pages reserved by live segments
 * @pages_resident: pages of memory held by live segments
 * @page_size: page size in bytes
 * @maxsegs: segment count limit
 * @segs: live segments (including removed ones still attached)
 * @maxdpgs: daemon ring size in pages
 * @timeout_ms: timeout for requests to daemons and partitions
 * @partid: local partition id
 * @state: CLSHM_STATE_*
 * @max_serial: highest shmid serial in use, 0 if none (IPC_INFO's return;
 *              before 2.1 the highest ever used)
 * @pad: zero
 */
struct clshm_info {
	__u32 size;
	__u32 pad0;
	__u64 maxpgs;
	__u64 pages_reserved;
	__u64 pages_resident;
	__u64 page_size;
	__u32 maxsegs;
	__u32 segs;
	__u32 maxdpgs;
	__u32 timeout_ms;
	__u32 partid;
	__u32 state;
	__u32 max_serial;
	__u32 pad;
};

/**
 * struct clshm_list - list segments (CLSHM_IOC_LIST)
 * @buf: in: user pointer to an array of struct clshm_ds
 * @count: in: capacity of @buf in entries; out: entries filled
 * @start: in: first shmid serial to report (0 to start)
 * @next: out: serial to pass as @start for the next batch, 0 when done
 * @pad: must be zero
 *
 * Like SHM_STAT_ANY: reports every segment without a permission check.
 */
struct clshm_list {
	__u64 buf;
	__u32 count;
	__u32 start;
	__u32 next;
	__u32 pad;
};

/**
 * struct clshm_counters - driver counters (CLSHM_IOC_COUNTERS; extensible)
 * @size: in: sizeof the caller's structure; out: bytes filled
 * @pad: must be zero
 * @segs_live: segments that exist now
 * @segs_created: segments created since load
 * @segs_destroyed: segments destroyed since load
 * @pages_pinned: pages held now (segments and daemon ring)
 * @pages_alloc: pages allocated since load
 * @pages_freed: pages freed since load
 * @attaches_live: attaches (mappings) that exist now
 * @attach_total: attaches since load
 * @detach_total: detaches since load
 * @faults: page faults served since load
 * @msgs_posted: ring messages posted to the daemon
 * @msgs_dropped: ring messages dropped (ring full or no ring)
 * @replies: daemon replies accepted
 * @errors: rejected input (bad ring state, bad replies, ...)
 *
 * pages_pinned == pages_alloc - pages_freed at every instant, and equals
 * the pages held by live segments plus the ring while started.
 */
struct clshm_counters {
	__u32 size;
	__u32 pad;
	__u64 segs_live;
	__u64 segs_created;
	__u64 segs_destroyed;
	__u64 pages_pinned;
	__u64 pages_alloc;
	__u64 pages_freed;
	__u64 attaches_live;
	__u64 attach_total;
	__u64 detach_total;
	__u64 faults;
	__u64 msgs_posted;
	__u64 msgs_dropped;
	__u64 replies;
	__u64 errors;
};

/**
 * struct clshm_hostname - ask a partition's daemon for its host name
 *                         (CLSHM_IOC_GETHOSTNAME)
 * @name: in: user pointer to a buffer for the NUL-terminated name
 * @len: in: size of that buffer (at least 1)
 * @part: in: the partition
 *
 * Errors: EINVAL (bad part or len), ENOENT (partition not up), ENOTCONN
 * (no daemon), EAGAIN (ring full), ETIMEDOUT (no answer within timeout),
 * ENAMETOOLONG (name does not fit in @len), EINTR (a signal handler ran
 * that does not restart calls; other signals restart the request).
 */
struct clshm_hostname {
	__u64 name;
	__u32 len;
	__u32 part;
};

/**
 * struct clshm_part_info - one partition
 * @incarnation: boot stamp of the partition (changes when it reboots)
 * @id: partition id
 * @state: CLSHM_PART_*
 */
struct clshm_part_info {
	__u64 incarnation;
	__u32 id;
	__u32 state;
};

/**
 * struct clshm_partlist - list partitions (CLSHM_IOC_PARTLIST)
 * @buf: in: user pointer to an array of struct clshm_part_info (may be 0
 *       when @max is 0)
 * @max: in: capacity of @buf in entries
 * @count: out: partitions that are not down, the local one first, each
 *         with its state (may exceed @max; only @max filled)
 * @local: out: the local partition id
 * @pad: must be zero
 */
struct clshm_partlist {
	__u64 buf;
	__u32 max;
	__u32 count;
	__u32 local;
	__u32 pad;
};

/* Bits of clshm_cfg.mask. */
#define CLSHM_CFG_MAXPGS	0x1u
#define CLSHM_CFG_MAXSEGS	0x2u
#define CLSHM_CFG_MAXDPGS	0x4u
#define CLSHM_CFG_TIMEOUT	0x8u
#define CLSHM_CFG_PARTID	0x10u
#define CLSHM_CFG_ALL		0x1fu

/* Limits of the settings. */
#define CLSHM_MAXDPGS_MIN	1
#define CLSHM_MAXDPGS_MAX	256
#define CLSHM_TIMEOUT_MIN	10		/* ms */
#define CLSHM_TIMEOUT_MAX	600000		/* ms */

/**
 * struct clshm_cfg - configuration (CLSHM_IOC_GETCFG, CLSHM_IOC_SETCFG)
 * @maxpgs: page limit for all segments of the partition
 * @mask: SETCFG in: which fields to change (CLSHM_CFG_*);
 *        GETCFG out: CLSHM_CFG_ALL
 * @maxsegs: segment count limit (1..16777215)
 * @maxdpgs: daemon ring size in pages
 * @timeout_ms: request timeout in milliseconds
 * @partid: local partition id (0..255)
 * @state: out: CLSHM_STATE_*; must be zero on SETCFG
 * @daemon_pid: out: pid of the registered daemon, 0 if none; zero on SETCFG
 * @pad: must be zero
 *
 * SETCFG needs CAP_SYS_ADMIN and a shut-down partition: EBUSY while
 * started, EINVAL for values out of range.
 */
struct clshm_cfg {
	__u64 maxpgs;
	__u32 mask;
	__u32 maxsegs;
	__u32 maxdpgs;
	__u32 timeout_ms;
	__u32 partid;
	__u32 state;
	__u32 daemon_pid;
	__u32 pad;
};

/**
 * struct clshm_startup - start the partition (CLSHM_IOC_STARTUP)
 * @flags: must be zero
 * @pad: must be zero
 *
 * Allocates the daemon ring and enables the segment API.  Errors: EBUSY
 * (already started), ENOMEM, EPERM.
 */
struct clshm_startup {
	__u32 flags;
	__u32 pad;
};

/* Flags of struct clshm_shutdown. */
#define CLSHM_SHUTDOWN_FORCE	0x1u
#define CLSHM_SHUTDOWN_FLAGS_ALL CLSHM_SHUTDOWN_FORCE

/**
 * struct clshm_shutdown - shut the partition down (CLSHM_IOC_SHUTDOWN)
 * @flags: CLSHM_SHUTDOWN_FORCE: tear down attached segments too (their
 *         mappings are zapped and later accesses get SIGBUS)
 * @pad: must be zero
 *
 * Removes every segment, tells the daemon to exit and frees the ring.
 * Errors: EBUSY (a segment is attached and no FORCE), EALREADY (already
 * shut down), EPERM.
 */
struct clshm_shutdown {
	__u32 flags;
	__u32 pad;
};

/**
 * struct clshm_hello - register the daemon (CLSHM_IOC_HELLO)
 * @major: in: daemon's CLSHM_ABI_MAJOR; out: driver's
 * @minor: in: daemon's CLSHM_ABI_MINOR; out: driver's
 * @ring_version: in: daemon's CLSHM_RING_VERSION; out: driver's
 * @pid: out: the registered daemon's pid (the caller's) on success; on
 *       EBUSY nothing is written (GETCFG names the registered daemon)
 * @partid: out: local partition id
 * @ring_pages: out: size of the ring mapping in pages (maxdpgs)
 * @flags: in: must be zero
 * @pad: must be zero
 *
 * The file that says hello is the daemon until it is closed; one daemon
 * per partition.  Errors: EPROTO (major or ring version mismatch), EBUSY
 * (another daemon is registered), ENODEV (shut down), EPERM.
 */
struct clshm_hello {
	__u32 major;
	__u32 minor;
	__u32 ring_version;
	__u32 pid;
	__u32 partid;
	__u32 ring_pages;
	__u32 flags;
	__u32 pad;
};

/**
 * struct clshm_reply - daemon answer to a ring request (CLSHM_IOC_REPLY)
 * @req: in: clshm_msg.req of the request
 * @data: in: user pointer to the answer's payload (may be 0 if @len is 0)
 * @status: in: 0 or a positive errno for the requester
 * @len: in: payload length (at most CLSHM_HOSTNAME_MAX)
 *
 * Only the registered daemon may reply.  With @status 0 the payload of a
 * GETHOSTNAME answer must be at least one byte of printable ASCII without
 * blanks (0x21..0x7e) followed by one NUL, @len counting the NUL.
 * Errors: EINVAL (bad length, payload or status), ENOENT (no such pending
 * request; it timed out), EPERM (not the daemon).
 */
struct clshm_reply {
	__u64 req;
	__u64 data;
	__u32 status;
	__u32 len;
};

/* Flags of struct clshm_clear. */
#define CLSHM_CLEAR_FORCE	0x1u	/* also tear down attached segments */
#define CLSHM_CLEAR_FLAGS_ALL	CLSHM_CLEAR_FORCE

/**
 * struct clshm_clear - remove all segments (CLSHM_IOC_CLEAR)
 * @flags: CLSHM_CLEAR_* flags
 * @removed: out: number of segments removed
 *
 * IPC_RMID on every segment (the daemon's answer to SIGHUP).
 */
struct clshm_clear {
	__u32 flags;
	__u32 removed;
};

/* Bits of clshm_fabinfo.flags. */
#define CLSHM_FAB_PRESENT	0x1u	/* an ivshmem fabric is bound */
#define CLSHM_FAB_DOORBELL	0x2u	/* it has doorbell interrupts */
#define CLSHM_FAB_JOINED	0x4u	/* the local partition is a member */

/**
 * struct clshm_fabinfo - the fabric the partition runs on (CLSHM_IOC_FABINFO;
 *                        extensible)
 * @size: in: sizeof the caller's structure; out: bytes filled
 * @pad: must be zero
 * @flags: out: CLSHM_FAB_* bits; 0 when clshm runs on local pages
 * @nparts: out: partition slots of the fabric layout
 * @fabric_size: out: fabric size in bytes
 * @zone_off: out: byte offset of the local partition's zone
 * @zone_size: out: bytes of every partition's zone
 * @zone_used: out: pages of the local zone held by live segments
 * @ivposition: out: the device's IVPosition register
 * @partid: out: the local partition id
 * @msgs_sent: out: mailbox messages sent
 * @msgs_recv: out: mailbox messages received and accepted
 * @msgs_bad: out: mailbox entries rejected (bad seq, type, sender, args)
 * @mbox_full: out: sends that found the peer's mailbox full
 * @doorbells: out: doorbells rung
 * @interrupts: out: doorbell interrupts received
 * @slot_bad: out: partition table entries found inconsistent
 * @hdr_bad: out: checks that found the fabric header changed
 * @peers_up: out: times a peer was seen coming up
 * @peers_lost: out: times a peer was declared down
 * @reqs_failed: out: requests failed because their peer went down
 * @engaged: out: extents of other partitions' zones mapped here now
 *
 * Works on both devices in any state.
 */
struct clshm_fabinfo {
	__u32 size;
	__u32 pad;
	__u32 flags;
	__u32 nparts;
	__u64 fabric_size;
	__u64 zone_off;
	__u64 zone_size;
	__u64 zone_used;
	__u32 ivposition;
	__u32 partid;
	__u64 msgs_sent;
	__u64 msgs_recv;
	__u64 msgs_bad;
	__u64 mbox_full;
	__u64 doorbells;
	__u64 interrupts;
	__u64 slot_bad;
	__u64 hdr_bad;
	__u64 peers_up;
	__u64 peers_lost;
	__u64 reqs_failed;
	__u64 engaged;
};

#define CLSHM_WAIT_FOREVER	0xffffffffu

/* Flags of struct clshm_wait. */
#define CLSHM_WAIT_ABSTIME	0x1u	/* wait until @deadline_ns */
#define CLSHM_WAIT_FLAGS_ALL	CLSHM_WAIT_ABSTIME

/**
 * struct clshm_wait - wait until a word of a segment changes (CLSHM_IOC_WAIT)
 * @addr: in: address of a naturally aligned 32-bit word inside an attach
 *        of the calling process
 * @expected: in: return at once if the word does not hold this value
 * @timeout_ms: in: give up after this long; CLSHM_WAIT_FOREVER: never;
 *              ignored with CLSHM_WAIT_ABSTIME
 * @flags: in: CLSHM_WAIT_ABSTIME or 0; out, when a signal interrupted a
 *         timed wait: CLSHM_WAIT_ABSTIME
 * @pad: must be zero
 * @deadline_ns: in, with CLSHM_WAIT_ABSTIME: give up at this
 *               CLOCK_MONOTONIC time (ns); out, when a signal interrupted
 *               a timed wait: its deadline
 *
 * The cross-partition replacement for FUTEX_WAIT, which fabric pages
 * cannot serve (they have no struct page).  Returns 0 once the word
 * differs from @expected; a CLSHM_IOC_WAKE on the segment from any
 * partition makes the waiter look again at once, and it also looks on its
 * own every few milliseconds, so a lost doorbell only delays it.  Errors:
 * EINVAL (not an attach, unaligned, nonzero flags or pad), ETIMEDOUT,
 * EINTR, EFAULT.  Signals: a wait without a timeout is restarted after a
 * signal unless a handler without SA_RESTART ran (EINTR); a timed wait
 * writes its deadline into @deadline_ns (and CLSHM_WAIT_ABSTIME into
 * @flags) and is restarted with it unless a handler ran (EINTR), so its
 * timeout holds in total, time stopped included.
 */
struct clshm_wait {
	__u64 addr;
	__u32 expected;
	__u32 timeout_ms;
	__u32 flags;
	__u32 pad;
	__u64 deadline_ns;
};

/**
 * struct clshm_wake - wake the waiters of a segment (CLSHM_IOC_WAKE)
 * @addr: in: an address inside an attach of the calling process
 * @flags: in: must be zero
 * @woken: out: local waiters woken (waiters in other partitions are
 *         woken too, but not counted)
 *
 * Errors: EINVAL (not an attach, nonzero flags).
 */
struct clshm_wake {
	__u64 addr;
	__u32 flags;
	__u32 woken;
};

/* Flags of struct clshm_shmat. */
#define CLSHM_SHMAT_RDONLY	0x1u	/* SHM_RDONLY: map read-only */
#define CLSHM_SHMAT_EXEC	0x2u	/* SHM_EXEC: also executable */
#define CLSHM_SHMAT_FLAGS_ALL	(CLSHM_SHMAT_RDONLY | CLSHM_SHMAT_EXEC)

/**
 * struct clshm_shmat - attach a segment (CLSHM_IOC_SHMAT, since 2.0)
 * @addr: in: page-aligned address to map at, or 0 for any; out: the
 *        attach's address
 * @size: out: the segment's size (the attach's length, rounded up to
 *        whole pages)
 * @shmid: in: the segment
 * @flags: in: CLSHM_SHMAT_*
 *
 * shmat(2) in one call: the driver checks permission, maps the whole
 * segment into the caller (MAP_SHARED; at @addr, MAP_FIXED_NOREPLACE,
 * if given) and returns where.  A segment of another partition costs one
 * request and one reply.  The same attach can be made with mmap(2) of the
 * shm device at offset shmid * page size with exactly the segment's size.
 * Errors: EINVAL (no such shmid, bad flags or address, an occupied
 * range), EIDRM, EACCES, ENOMEM, ENODEV, EIO, ETIMEDOUT.
 */
struct clshm_shmat {
	__u64 addr;
	__u64 size;
	__u32 shmid;
	__u32 flags;
};

/* Operations of struct clshm_peer. */
#define CLSHM_PEER_HELLO	1	/* send the daemon's hello to @part */
#define CLSHM_PEER_REFUSE	2	/* refuse @part: incompatible daemon */

/**
 * struct clshm_peer - daemon-to-daemon membership (CLSHM_IOC_PEER)
 * @op: in: CLSHM_PEER_*
 * @part: in: the partition concerned
 * @major: in (HELLO): the daemon's CLSHM_ABI_MAJOR
 * @minor: in (HELLO): the daemon's CLSHM_ABI_MINOR
 * @page_size: in (HELLO): the page size of the daemon's partition
 * @len: in (HELLO): size of the host name at @name, NUL included (2..64)
 * @name: in (HELLO): user pointer to the NUL-terminated host name
 *
 * Only the registered daemon may call this.  HELLO travels through the
 * fabric to the daemon of @part, which sees CLSHM_MSG_PEER_HELLO; REFUSE
 * marks @part down here (logged) until it comes back with a new
 * incarnation.  Errors: EPERM (not the daemon), EINVAL, ENOENT (@part is
 * not up), EAGAIN (its mailbox is full), ENODEV (no fabric, or shut down).
 */
struct clshm_peer {
	__u32 op;
	__u32 part;
	__u32 major;
	__u32 minor;
	__u32 page_size;
	__u32 len;
	__u64 name;
};

/* ioctls on both devices */
#define CLSHM_IOC_VERSION	_IOR(CLSHM_IOC_TYPE, 0x00, struct clshm_version)
#define CLSHM_IOC_INFO		_IOWR(CLSHM_IOC_TYPE, 0x01, struct clshm_info)
#define CLSHM_IOC_COUNTERS	_IOWR(CLSHM_IOC_TYPE, 0x02, struct clshm_counters)
#define CLSHM_IOC_LIST		_IOWR(CLSHM_IOC_TYPE, 0x03, struct clshm_list)
#define CLSHM_IOC_PARTLIST	_IOWR(CLSHM_IOC_TYPE, 0x04, struct clshm_partlist)
#define CLSHM_IOC_FABINFO	_IOWR(CLSHM_IOC_TYPE, 0x05, struct clshm_fabinfo)
/* ioctls on the shm device */
#define CLSHM_IOC_MINTKEY	_IOWR(CLSHM_IOC_TYPE, 0x10, struct clshm_mintkey)
#define CLSHM_IOC_SHMGET	_IOWR(CLSHM_IOC_TYPE, 0x11, struct clshm_shmget)
#define CLSHM_IOC_STAT		_IOWR(CLSHM_IOC_TYPE, 0x12, struct clshm_stat)
#define CLSHM_IOC_SET		_IOW(CLSHM_IOC_TYPE, 0x13, struct clshm_set)
#define CLSHM_IOC_RMID		_IOW(CLSHM_IOC_TYPE, 0x14, struct clshm_rmid)
#define CLSHM_IOC_SHMDT		_IOW(CLSHM_IOC_TYPE, 0x15, struct clshm_shmdt)
#define CLSHM_IOC_GETHOSTNAME	_IOW(CLSHM_IOC_TYPE, 0x16, struct clshm_hostname)
#define CLSHM_IOC_WAIT		_IOW(CLSHM_IOC_TYPE, 0x17, struct clshm_wait)
#define CLSHM_IOC_WAKE		_IOWR(CLSHM_IOC_TYPE, 0x18, struct clshm_wake)
#define CLSHM_IOC_SHMAT		_IOWR(CLSHM_IOC_TYPE, 0x19, struct clshm_shmat)
#define CLSHM_IOC_LOCK		_IOW(CLSHM_IOC_TYPE, 0x1a, struct clshm_lock)
/* ioctls on the ctl device (all but GETCFG need CAP_SYS_ADMIN) */
#define CLSHM_IOC_GETCFG	_IOR(CLSHM_IOC_TYPE, 0x20, struct clshm_cfg)
#define CLSHM_IOC_SETCFG	_IOW(CLSHM_IOC_TYPE, 0x21, struct clshm_cfg)
#define CLSHM_IOC_STARTUP	_IOW(CLSHM_IOC_TYPE, 0x22, struct clshm_startup)
#define CLSHM_IOC_SHUTDOWN	_IOW(CLSHM_IOC_TYPE, 0x23, struct clshm_shutdown)
#define CLSHM_IOC_HELLO		_IOWR(CLSHM_IOC_TYPE, 0x24, struct clshm_hello)
#define CLSHM_IOC_REPLY		_IOW(CLSHM_IOC_TYPE, 0x25, struct clshm_reply)
#define CLSHM_IOC_CLEAR		_IOWR(CLSHM_IOC_TYPE, 0x26, struct clshm_clear)
#define CLSHM_IOC_PEER		_IOW(CLSHM_IOC_TYPE, 0x27, struct clshm_peer)

/*
 * The daemon ring (protocol version CLSHM_RING_VERSION).
 *
 * The daemon, after CLSHM_IOC_HELLO on the same file, maps the ctl device
 * at offset 0 with exactly maxdpgs pages, PROT_READ | PROT_WRITE,
 * MAP_SHARED (other files: EPERM).  The mapping starts with struct
 * clshm_ring_hdr; the entries start at hdr->entries_off and there are
 * hdr->nentries (a power of two) of hdr->entry_size bytes each.
 *
 * The kernel is the only producer: it writes entry (head % nentries),
 * then publishes head + 1 with release semantics and wakes poll(2)
 * (POLLIN).  The daemon is the only consumer: it reads head with acquire
 * semantics, handles entries tail..head-1 (each entry's seq equals its
 * position), then stores the new tail.  The kernel treats tail as
 * untrusted: a tail behind head - nentries or ahead of head counts an
 * error and the ring is treated as full; head is rewritten from the
 * kernel's own copy on every post and poll.  The last free entry is kept
 * for CLSHM_MSG_SHUTDOWN.  When the ring is full,
 * notifications are dropped and counted in hdr->dropped (the daemon then
 * resynchronises with CLSHM_IOC_LIST); requests fail with EAGAIN.
 * POLLHUP means the partition shut down: the daemon should exit.
 */
#define CLSHM_RING_MAGIC	0x474e5243u	/* "CRNG" */

/**
 * struct clshm_ring_hdr - start of the daemon ring mapping
 * @magic: CLSHM_RING_MAGIC
 * @version: CLSHM_RING_VERSION
 * @entry_size: sizeof(struct clshm_msg)
 * @nentries: number of entries, a power of two
 * @entries_off: byte offset of the first entry
 * @partid: local partition id
 * @pad0: zero
 * @pad1: zero
 * @head: written by the kernel: next position to fill (free running)
 * @dropped: written by the kernel: notifications dropped so far
 * @pad2: keeps @tail in its own cache line
 * @tail: written by the daemon: next position to read (free running)
 */
struct clshm_ring_hdr {
	__u32 magic;
	__u32 version;
	__u32 entry_size;
	__u32 nentries;
	__u32 entries_off;
	__u32 partid;
	__u32 pad0;
	__u32 pad1;
	__u64 head;
	__u64 dropped;
	__u64 pad2[4];
	__u64 tail;
};

/* Message types (clshm_msg.type). */
#define CLSHM_MSG_STARTUP	1	/* partition started; arg0 = maxpgs */
#define CLSHM_MSG_SHUTDOWN	2	/* partition shutting down: exit */
#define CLSHM_MSG_SEG_CREATE	3	/* arg0 = size, arg1 = creator pid */
#define CLSHM_MSG_SEG_RMID	4	/* arg0 = pid (0 from another
					 * partition), arg1 = the requester's
					 * partition (since 1.1); uid = the
					 * requester's; flags = CLSHM_RMID_* */
#define CLSHM_MSG_SEG_DESTROY	5	/* arg0 = pages freed; flags =
					 * CLSHM_DESTROY_*; with RMID: uid =
					 * the remover's, arg1 = its pid (0
					 * from another partition), arg2 =
					 * its partition */
#define CLSHM_MSG_GETHOSTNAME	6	/* request: reply with the host name */
/* 7 was DUMP, which the driver never sent: clshmd dumps on SIGUSR1. */
#define CLSHM_MSG_CLEAR		8	/* arg0 = segments removed */
/* Since ABI 1.1 (a daemon ignores types it does not know): */
#define CLSHM_MSG_PART_UP	9	/* part came up; arg0 = incarnation */
#define CLSHM_MSG_PART_DOWN	10	/* part went down; arg0 = incarnation,
					 * flags = CLSHM_DOWN_* */
#define CLSHM_MSG_PEER_HELLO	11	/* daemon hello from part; arg0 =
					 * major << 32 | minor, arg1 = page
					 * size, arg2 = incarnation; its host
					 * name via CLSHM_IOC_GETHOSTNAME */

/* Flags of CLSHM_MSG_SEG_DESTROY: why it was destroyed now. */
#define CLSHM_DESTROY_RMID	0x1u	/* an IPC_RMID (no RMID message came
					 * before: this one says who) */
#define CLSHM_DESTROY_AUTO	0x2u	/* IPC_AUTORMID, at the last detach
					 * or at once */

/* Flags of CLSHM_MSG_PART_DOWN: why the partition is down. */
#define CLSHM_DOWN_LEFT		0x1u	/* it shut down cleanly */
#define CLSHM_DOWN_TIMEOUT	0x2u	/* its heartbeat stopped */
#define CLSHM_DOWN_REBOOT	0x4u	/* it came back with a new incarnation */
#define CLSHM_DOWN_REFUSED	0x8u	/* refused: incompatible versions */

/**
 * struct clshm_msg - one ring entry (64 bytes)
 * @seq: position of the entry in the ring (free running)
 * @type: CLSHM_MSG_*
 * @flags: type-specific flags
 * @part: partition concerned (requests: the partition asked about)
 * @shmid: segment concerned, or 0
 * @key: key of that segment, or 0
 * @uid: uid of the process that caused the message
 * @req: request id to pass to CLSHM_IOC_REPLY; 0 for notifications
 * @arg: type-specific arguments
 */
struct clshm_msg {
	__u64 seq;
	__u32 type;
	__u32 flags;
	__u32 part;
	__u32 shmid;
	__u32 key;
	__u32 uid;
	__u64 req;
	__u64 arg[3];
};

#endif /* _UAPI_LINUX_CLSHM_H */
