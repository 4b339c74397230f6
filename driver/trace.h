/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - the clshm driver's tracepoints (events/clshm/ in tracefs)
 *
 * What perf and bpftrace may watch: attaches and detaches, fault
 * batches, messages to the daemon's ring, messages on the fabric and the
 * peers' state changes.  Each is a TRACE_EVENT, defined once in events.c
 * (CREATE_TRACE_POINTS); Documentation/tracing.md shows how to use them.
 * A tracepoint costs a patched-out branch while nobody traces it.
 *
 * Arguments are plain values copied at the call site, so a tracepoint
 * may be hit under any of the driver's locks, spinlocks too.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM clshm

#if !defined(_CLSHM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CLSHM_TRACE_H

#include <linux/tracepoint.h>

/* An attach (a VMA) of segment @shmid came or went; @nattch: after it. */
DECLARE_EVENT_CLASS(clshm_vma,
	TP_PROTO(u32 shmid, unsigned long start, unsigned long end,
		 bool rdonly, u32 nattch),
	TP_ARGS(shmid, start, end, rdonly, nattch),
	TP_STRUCT__entry(
		__field(u32, shmid)
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(bool, rdonly)
		__field(u32, nattch)
	),
	TP_fast_assign(
		__entry->shmid = shmid;
		__entry->start = start;
		__entry->end = end;
		__entry->rdonly = rdonly;
		__entry->nattch = nattch;
	),
	TP_printk("shmid=0x%08x start=%#lx end=%#lx %s nattch=%u",
		  __entry->shmid, __entry->start, __entry->end,
		  __entry->rdonly ? "ro" : "rw", __entry->nattch)
);

DEFINE_EVENT(clshm_vma, clshm_attach,
	TP_PROTO(u32 shmid, unsigned long start, unsigned long end,
		 bool rdonly, u32 nattch),
	TP_ARGS(shmid, start, end, rdonly, nattch));

DEFINE_EVENT(clshm_vma, clshm_detach,
	TP_PROTO(u32 shmid, unsigned long start, unsigned long end,
		 bool rdonly, u32 nattch),
	TP_ARGS(shmid, start, end, rdonly, nattch));

/* A fault at @address populated and mapped pages [first, first + nr). */
TRACE_EVENT(clshm_fault,
	TP_PROTO(u32 shmid, unsigned long address, unsigned long first,
		 unsigned long nr, unsigned int ret),
	TP_ARGS(shmid, address, first, nr, ret),
	TP_STRUCT__entry(
		__field(u32, shmid)
		__field(unsigned long, address)
		__field(unsigned long, first)
		__field(unsigned long, nr)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->shmid = shmid;
		__entry->address = address;
		__entry->first = first;
		__entry->nr = nr;
		__entry->ret = ret;
	),
	TP_printk("shmid=0x%08x address=%#lx pages=%lu+%lu ret=%#x",
		  __entry->shmid, __entry->address, __entry->first,
		  __entry->nr, __entry->ret)
);

/* A message (CLSHM_MSG_*) for the daemon was queued at @seq, or dropped. */
TRACE_EVENT(clshm_ring_msg,
	TP_PROTO(u32 type, u32 flags, u32 shmid, u64 seq, bool dropped),
	TP_ARGS(type, flags, shmid, seq, dropped),
	TP_STRUCT__entry(
		__field(u32, type)
		__field(u32, flags)
		__field(u32, shmid)
		__field(u64, seq)
		__field(bool, dropped)
	),
	TP_fast_assign(
		__entry->type = type;
		__entry->flags = flags;
		__entry->shmid = shmid;
		__entry->seq = seq;
		__entry->dropped = dropped;
	),
	TP_printk("type=%u flags=%#x shmid=0x%08x seq=%llu%s", __entry->type,
		  __entry->flags, __entry->shmid, __entry->seq,
		  __entry->dropped ? " dropped" : "")
);

/* A fabric message (CLSHM_FM_*) to or from partition @peer. */
DECLARE_EVENT_CLASS(clshm_fab_msg,
	TP_PROTO(u32 peer, u32 type, u64 seq, int err),
	TP_ARGS(peer, type, seq, err),
	TP_STRUCT__entry(
		__field(u32, peer)
		__field(u32, type)
		__field(u64, seq)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->peer = peer;
		__entry->type = type;
		__entry->seq = seq;
		__entry->err = err;
	),
	TP_printk("peer=%u type=%u seq=%llu err=%d", __entry->peer,
		  __entry->type, __entry->seq, __entry->err)
);

/* Sent to @peer (@err: 0 or why not). */
DEFINE_EVENT(clshm_fab_msg, clshm_fab_send,
	TP_PROTO(u32 peer, u32 type, u64 seq, int err),
	TP_ARGS(peer, type, seq, err));

/* Received from @peer (@err: 0, or -EPROTO when dropped as not for us). */
DEFINE_EVENT(clshm_fab_msg, clshm_fab_recv,
	TP_PROTO(u32 peer, u32 type, u64 seq, int err),
	TP_ARGS(peer, type, seq, err));

/* Peer @peer moved from @old to @new (CLSHM_PART_*), for @reason. */
TRACE_EVENT(clshm_peer_state,
	TP_PROTO(u32 peer, u32 old, u32 new, u64 incarnation, u32 reason),
	TP_ARGS(peer, old, new, incarnation, reason),
	TP_STRUCT__entry(
		__field(u32, peer)
		__field(u32, old)
		__field(u32, new)
		__field(u64, incarnation)
		__field(u32, reason)
	),
	TP_fast_assign(
		__entry->peer = peer;
		__entry->old = old;
		__entry->new = new;
		__entry->incarnation = incarnation;
		__entry->reason = reason;
	),
	TP_printk("peer=%u %u->%u incarnation=%llu reason=%u", __entry->peer,
		  __entry->old, __entry->new, __entry->incarnation,
		  __entry->reason)
);

#endif /* _CLSHM_TRACE_H */

/* define_trace.h finds this file by these (the directory: Kbuild's -I). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
