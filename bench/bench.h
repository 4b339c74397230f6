/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - the clshm benchmark suite (make bench), shared declarations
 *
 * The suite runs inside a guest.  It measures clshm and its baselines
 * (System V shm, memfd + mmap, and private memory where that is the
 * reference) in the same run, interleaved: every repetition visits every
 * kind once, in an order that rotates from one repetition to the next.
 * It prints one JSON record per measured cell on stdout, lines starting
 * with "@", holding every sample; the host (bench/report.py) turns them
 * into medians, quartiles, ratios, the table and the plots.  Lines
 * starting with "#" are progress for a person.
 */
#ifndef CLSHM_BENCH_H
#define CLSHM_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clshm-common.h"

#define KiB		(1024UL)
#define MiB		(1024UL * 1024)
#define PAGE		4096UL

/* The kinds of shared memory compared. */
enum kind {
	K_SYSV,		/* shmget/shmat/shmdt/shmctl(IPC_RMID) */
	K_MEMFD,	/* memfd_create + ftruncate / mmap / munmap / close */
	K_CLSHM,	/* xp_shmget/xp_shmat/xp_shmdt/xp_shmctl(IPC_RMID) */
	NKINDS,
	K_PRIVATE = NKINDS,	/* private anonymous memory (a reference only) */
};

extern const char *const kind_name[NKINDS + 1];

/* Flags of seg_get(). */
#define SEG_HUGE	1	/* SHM_HUGETLB / MFD_HUGETLB (not clshm) */

/* One segment of any kind. */
struct seg {
	enum kind kind;
	int id;		/* shmid (sysv, clshm) */
	int fd;		/* memfd */
	size_t size;
	char *addr;	/* the attach, or NULL */
};

/* 0 on success, -1 with errno. */
int seg_get(struct seg *s, enum kind k, size_t size, int flags);
/* Look up an existing key (sysv, clshm): 0 or -1 with errno. */
int seg_lookup(enum kind k, key_t key);
/* Create with a key (sysv, clshm) or plain (memfd). */
int seg_get_key(struct seg *s, enum kind k, size_t size, key_t key);
int seg_at(struct seg *s, int rdonly);
int seg_dt(struct seg *s);
int seg_rm(struct seg *s);
/* Attach a segment another process created (after fork): same calls. */

/*
 * Copy partners.  QEMU's TCG translates guest addresses through a software
 * TLB that is direct-mapped by virtual page number: a source and a
 * destination whose addresses differ by a multiple of its span (256 pages
 * here; it resizes with use) evict each other on every access, which made
 * 64 KiB copies 13x slower and 4 KiB and 1 MiB ones 1.7x slower in this
 * guest (Documentation/benchmarks.md).  Mappings made one after the other
 * are often such multiples apart.  noalias() returns the address in @area
 * (which has NOALIAS_SPAN bytes to spare) that lies NOALIAS_OFF bytes past
 * @peer modulo NOALIAS_SPAN, so every kind is measured at the same
 * distance, one that aliases in no TLB of 64 entries or more.
 */
#define NOALIAS_SPAN	(4 * MiB)
#define NOALIAS_OFF	(37 * PAGE)
char *noalias(char *area, const void *peer);

/* Time (now_ns() is common/'s) and counts. */
long minflt(void);
void pin_cpu(int cpu);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A record: one cell (row, test, kind, size, variant). */
struct rec {
	const char *row;	/* "1".."7" */
	const char *test;	/* e.g. "get", "attach+read" */
	const char *kind;
	const char *variant;	/* "" or e.g. "populate_write", "huge" */
	size_t size;		/* bytes, or 0 */
	long level;		/* live segments (row 7), or -1 */
	const char *unit;	/* "ns/op", "ns/page", "MB/s", "ns/rt" */
	const double *v;	/* the samples */
	int n;
	double faults;		/* per unit of work (op or page); <0: none */
	double faults_total;	/* per sample, as counted; <0: none */
	int syscalls;		/* per op, counted with ptrace; <0: none */
	const char *syscall_names;	/* e.g. "ioctl,mmap", or NULL */
	/*
	 * Fabric counters of the measuring partition per unit of work
	 * (CLSHM_IOC_FABINFO deltas); <0: none.
	 */
	double msgs_sent;	/* mailbox messages sent */
	double msgs_recv;	/* mailbox messages received */
	double doorbells;	/* doorbells rung */
	double irqs;		/* doorbell interrupts received */
	const char *note;	/* or NULL */
};

void emit(const struct rec *r);
void emit_meta(const char *key, const char *value);

/* Rotation: the kind visited at position @i of repetition @r. */
static inline int rot(int r, int i, int n)
{
	return (i + r) % n;
}

/* Syscall counting (syscount.c). */
struct sysc {
	int n;
	char names[160];
};
/*
 * Count the system calls @op makes, in a traced child: @setup runs first
 * (not counted), then @op, then @teardown (not counted).  Returns 0, or -1
 * when tracing is not possible here.
 */
int count_syscalls(void (*setup)(void *), void (*op)(void *),
		   void (*teardown)(void *), void *arg, struct sysc *out);

/* The suites. */
struct opts {
	int quick;	/* fewer repetitions: a check that everything runs */
	const char *only;	/* run only this row ("1".."11"), or NULL */
};
int suite_local(const struct opts *o);
/* Row 13's raw listener of clshm's events (clshm-bench --listener). */
int listener_main(int hold);
int suite_fabric(const struct opts *o);
int profile_ops(int n);

/* Helpers of local.c that the fabric suite (fabric.c) shares. */
double *samples(int n);
void rec_init(struct rec *r, const char *row, const char *test,
	      const char *kind, size_t size, const char *unit);
void must(int err, const char *what, enum kind k, size_t size);
long read_pages(const char *p, size_t size);
void *anon(size_t size);		/* private, filled with 1s */
/*
 * One-cache-line ping-pong: the answering side, and the timing side (ns
 * per round trip); pp_once: one sample of kind k in this guest (a fresh
 * segment and a forked responder on CPU 1; the caller on CPU 0).
 */
void pp_responder(uint64_t *x);
double pp_pinger(uint64_t *x, long warm, long n);
double pp_once(int k, long warm, long n);

#endif /* CLSHM_BENCH_H */
