/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * clshm_fabric.h - layout of a clshm fabric (version 1)
 *
 * A fabric is a block of memory that every partition (kernel) maps: today
 * BAR2 of QEMU's ivshmem device (PCI 1af4:1110), shared by several
 * virtual machines.  This file is the contract between kernels, not
 * between a kernel and its user space; it is a uapi header so tools (and
 * the hostile-partition test) can read and write a fabric from user space
 * through /sys/bus/pci/devices/.../resource2.  Documentation/fabric.md
 * describes the protocol that runs on it.
 *
 * All fields are little-endian, naturally aligned, and written with
 * single aligned 32- or 64-bit stores.  The only read-modify-write
 * operations are compare-and-swap on hdr.format and slot.claim (which is
 * why guests under TCG need -accel tcg,thread=multi and 2+ vCPUs).  Every
 * other word has exactly one writer, named below.  A reader trusts
 * nothing: every value read from the fabric is checked before use.
 *
 *   offset 0                     struct clshm_fab_hdr (one 4 KiB page;
 *                                bytes 2048..4095 of it are never used
 *                                by kernels: test tools coordinate there)
 *   slots_off                    nparts x struct clshm_fab_slot
 *   mbox_off                     nparts x nparts mailboxes: the one from
 *                                partition f to partition t is at
 *                                mbox_off + (f * nparts + t) * mbox_size
 *   zones_off                    nparts zones of zone_size bytes: the
 *                                memory of the segments partition i owns
 *                                is in zone i
 *
 * The geometry is a pure function of (size, nparts, page size): every
 * partition recomputes it with clshm_fab_geometry() rules (see
 * Documentation/fabric.md) and refuses a header that disagrees.
 */
#ifndef _UAPI_LINUX_CLSHM_FABRIC_H
#define _UAPI_LINUX_CLSHM_FABRIC_H

#include <linux/types.h>

#define CLSHM_FAB_MAGIC		0x4241464d48534c43ull	/* "CLSHMFAB" */
#define CLSHM_FAB_MAJOR		1
#define CLSHM_FAB_MINOR		0

#define CLSHM_FAB_MAX_PARTS	64	/* slots a layout may have */
#define CLSHM_FAB_HDR_SIZE	4096
#define CLSHM_FAB_SLOT_SIZE	16384
#define CLSHM_FAB_MSG_SIZE	256
#define CLSHM_FAB_MBOX_NENTS	16
#define CLSHM_FAB_MBOX_HDR	128
#define CLSHM_FAB_MBOX_SIZE	(CLSHM_FAB_MBOX_HDR + \
				 CLSHM_FAB_MBOX_NENTS * CLSHM_FAB_MSG_SIZE)
#define CLSHM_FAB_ZONE_ALIGN	(2u << 20)	/* zones start 2 MiB aligned */

/* clshm_fab_hdr.format */
#define CLSHM_FAB_UNFORMATTED	0	/* all-zero memory */
#define CLSHM_FAB_FORMATTING	1	/* a partition is writing the layout */
#define CLSHM_FAB_READY		2	/* magic and layout are valid */

/**
 * struct clshm_fab_hdr - fabric header, at offset 0
 * @magic: CLSHM_FAB_MAGIC, written last when formatting
 * @major: CLSHM_FAB_MAJOR of the formatter; a different major is refused
 * @minor: CLSHM_FAB_MINOR of the formatter
 * @format: CLSHM_FAB_* formatting state, claimed with compare-and-swap
 * @formatter: partition id of the formatter
 * @size: bytes of the fabric (the BAR size)
 * @format_stamp: incarnation of the formatter (for the log)
 * @page_size: page size of the layout; partitions with another refuse it
 * @nparts: number of partition slots (2..CLSHM_FAB_MAX_PARTS)
 * @slot_size: CLSHM_FAB_SLOT_SIZE
 * @msg_size: CLSHM_FAB_MSG_SIZE
 * @mbox_nents: CLSHM_FAB_MBOX_NENTS
 * @mbox_size: CLSHM_FAB_MBOX_SIZE
 * @slots_off: byte offset of slot 0 (CLSHM_FAB_HDR_SIZE)
 * @mbox_off: byte offset of the first mailbox
 * @zones_off: byte offset of zone 0
 * @zone_size: bytes per zone, a multiple of the page size
 *
 * Written once, by the formatter, while @format is FORMATTING.
 */
struct clshm_fab_hdr {
	__u64 magic;
	__u32 major;
	__u32 minor;
	__u32 format;
	__u32 formatter;
	__u64 size;
	__u64 format_stamp;
	__u32 page_size;
	__u32 nparts;
	__u32 slot_size;
	__u32 msg_size;
	__u32 mbox_nents;
	__u32 mbox_size;
	__u64 slots_off;
	__u64 mbox_off;
	__u64 zones_off;
	__u64 zone_size;
};

/* clshm_fab_slot.flags */
#define CLSHM_FAB_SLOT_DOORBELL	0x1u	/* @ivposition takes doorbells */

/**
 * struct clshm_fab_engage - an extent of another partition's zone that
 *                           this partition maps (engaged)
 * @owner: owner partition id + 1; 0 marks a free entry
 * @npages: length of the extent in pages
 * @first: first page of the extent, counted from the start of the
 *         owner's zone
 *
 * Written only by the slot's partition.  An owner (also a rebooted one)
 * does not reuse an extent that a partition it considers alive lists.
 */
struct clshm_fab_engage {
	__u32 owner;
	__u32 npages;
	__u64 first;
};

#define CLSHM_FAB_HOSTNAME_MAX	64
#define CLSHM_FAB_SLOT_HDR	256
#define CLSHM_FAB_NENGAGE	((CLSHM_FAB_SLOT_SIZE - CLSHM_FAB_SLOT_HDR) / \
				 sizeof(struct clshm_fab_engage))

/**
 * struct clshm_fab_slot - one partition's entry in the partition table
 * @claim: incarnation of the partition holding the slot, 0 if free;
 *         taken with compare-and-swap (a second live claimant is an id
 *         clash and is refused)
 * @incarnation: the holder's boot stamp (equals @claim while it is up)
 * @heartbeat: incremented by the holder every heartbeat period
 * @state: CLSHM_PART_* as the holder declares it
 * @id: the slot's own index (a check)
 * @ivposition: the holder's doorbell id (IVPosition)
 * @flags: CLSHM_FAB_SLOT_* bits
 * @abi_major: the holder's CLSHM_ABI_MAJOR
 * @abi_minor: the holder's CLSHM_ABI_MINOR
 * @fab_major: the holder's CLSHM_FAB_MAJOR
 * @page_size: the holder's page size
 * @hostname: the holder's host name, NUL-terminated
 * @nengaged: entries of @engaged in use are below this index
 * @serial_next: the holder's next shmid serial; a rebooted holder
 *               continues from it, so shmids of its previous incarnation
 *               do not name its new segments (until 2^24 wrap around)
 * @mint_next: the same for minted keys
 * @pad: zero
 * @engaged: extents of other zones this partition maps
 *
 * Written only by the holder.
 */
struct clshm_fab_slot {
	__u64 claim;
	__u64 incarnation;
	__u64 heartbeat;
	__u32 state;
	__u32 id;
	__u32 ivposition;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__u32 fab_major;
	__u32 page_size;
	__u64 hostname[CLSHM_FAB_HOSTNAME_MAX / 8];
	__u32 nengaged;
	__u32 serial_next;
	__u32 mint_next;
	__u32 pad[31];
	struct clshm_fab_engage engaged[CLSHM_FAB_NENGAGE];
};

/**
 * struct clshm_fab_mbox - header of a mailbox (one per ordered pair)
 * @head: written by the sender: next position to fill (free running)
 * @pad0: keeps @tail in its own cache line
 * @tail: written by the receiver: next position to read (free running)
 * @pad1: to CLSHM_FAB_MBOX_HDR bytes
 *
 * The sender writes entry (head % nents) and then publishes head + 1
 * (release); the receiver reads head (acquire), handles entries from tail
 * and then publishes tail.  head - tail > nents means a broken sender:
 * the receiver counts it and skips to head.
 */
struct clshm_fab_mbox {
	__u64 head;
	__u64 pad0[7];
	__u64 tail;
	__u64 pad1[7];
};

/* Message types (clshm_fab_msg.type). */
#define CLSHM_FM_REPLY		1	/* answer to @req: status, arg, data */
#define CLSHM_FM_KHELLO		2	/* kernel hello (see below) */
#define CLSHM_FM_DHELLO		3	/* daemon hello, relayed to the daemon */
#define CLSHM_FM_MINTKEY	4	/* -> arg0 = key */
#define CLSHM_FM_GET		5	/* arg0 size, arg1 key, arg2 flags
					 * -> arg0 = shmid */
#define CLSHM_FM_STAT		6	/* arg0 shmid -> data = clshm_ds */
#define CLSHM_FM_SET		7	/* arg0 shmid, arg1 uid, arg2 gid,
					 * arg3 mode */
#define CLSHM_FM_RMID		8	/* arg0 shmid, arg1 CLSHM_RMID_* */
#define CLSHM_FM_ATTACH		9	/* arg0 shmid, arg1 wanted rwx bits
					 * -> arg0 first page in the owner's
					 * zone, arg1 npages, arg2 size */
#define CLSHM_FM_NATTCH		10	/* arg0 shmid, arg1 = attaches the
					 * sender now has (absolute) */
#define CLSHM_FM_KILL		11	/* arg0 shmid: torn down by force,
					 * zap your attaches */
#define CLSHM_FM_WAKE		12	/* arg0 shmid: wake its waiters */
#define CLSHM_FM_MAX		12

/* clshm_fab_msg.caps: capabilities the sending kernel vouches for. */
#define CLSHM_FAB_CAP_IPC_OWNER	0x1u
#define CLSHM_FAB_CAP_SYS_ADMIN	0x2u

#define CLSHM_FAB_MSG_DATA	160	/* bytes of clshm_fab_msg.data */

/**
 * struct clshm_fab_msg - one mailbox entry (CLSHM_FAB_MSG_SIZE bytes)
 * @seq: position of the entry in its mailbox (free running); a receiver
 *       drops an entry whose @seq is not the position it reads
 * @inc: sender's incarnation; entries of an older incarnation are dropped
 * @req: request id; a REPLY carries the id it answers; 0 for one-way
 *       messages
 * @type: CLSHM_FM_*
 * @from: sender's partition id (must match the mailbox)
 * @status: REPLY: 0 or a positive errno
 * @flags: zero
 * @uid: requests: the requester's euid, vouched for by its kernel
 * @gid: requests: the requester's egid, vouched for by its kernel
 * @caps: requests: CLSHM_FAB_CAP_* of the requester
 * @len: bytes of @data in use
 * @arg: type-specific arguments
 * @data: type-specific payload (a struct clshm_ds, a host name)
 * @pad: zero
 *
 * KHELLO: arg0 = CLSHM_ABI_MAJOR << 32 | CLSHM_ABI_MINOR, arg1 = page
 * size, arg2 = CLSHM_FAB_MAJOR, arg3 = the receiver's incarnation as the
 * sender knows it; len 16, data[0] = the sender's hello session with the
 * receiver, data[1] bit 0 = ASK (please answer).  DHELLO: arg0 = daemon major << 32 |
 * minor, arg1 = page size, data = host name.
 */
struct clshm_fab_msg {
	__u64 seq;
	__u64 inc;
	__u64 req;
	__u32 type;
	__u32 from;
	__u32 status;
	__u32 flags;
	__u32 uid;
	__u32 gid;
	__u32 caps;
	__u32 len;
	__u64 arg[4];
	__u64 data[CLSHM_FAB_MSG_DATA / 8];
	__u64 pad;
};

#endif /* _UAPI_LINUX_CLSHM_FABRIC_H */
