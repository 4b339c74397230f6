// SPDX-License-Identifier: GPL-2.0
/*
 * local.c - the one-guest suite: clshm against System V shm and memfd
 *
 * Rows (Documentation/benchmarks.md has the table and what each means):
 *   1 ops        create, attach, detach, remove of untouched segments
 *   2 attach     a second process attaches a filled segment, reads every page
 *   3 populate   touching every page of fresh memory, MADV_POPULATE_WRITE,
 *                huge pages
 *   4 teardown   detach and remove of filled segments
 *   5 memcpy     bandwidth into and out of a segment against private memory
 *   6 pingpong   one cache line between two processes
 *   7 churn      10,000 attach/detach cycles; get and attach with 10 to
 *                10,000 live segments
 *  12 dump       listing 100,000 segments: clshm's netlink dump and ioctl
 *                against /proc/sysvipc/shm
 *  13 monitor    row 1's cycle with and without a listener of clshm's
 *                events (clshmctl monitor, a raw reader, a full socket)
 *
 * Every repetition visits every kind once, in an order rotated by the
 * repetition number, so slow drifts of the host hit all kinds alike.
 * Rows 8 to 11, across two partitions, are the fabric suite (fabric.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xp_shm.h>
#include <linux/clshm.h>
#include <linux/clshm_netlink.h>

#include "bench.h"
#include "clshm-rawnl.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define B_OPS	16	/* operations per timed batch */

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

double *samples(int n)
{
	double *v = calloc((size_t)n, sizeof(double));

	if (!v)
		die("calloc");
	return v;
}

void rec_init(struct rec *r, const char *row, const char *test,
	      const char *kind, size_t size, const char *unit)
{
	memset(r, 0, sizeof(*r));
	r->row = row;
	r->test = test;
	r->kind = kind;
	r->variant = "";
	r->size = size;
	r->level = -1;
	r->unit = unit;
	r->faults = -1;
	r->faults_total = -1;
	r->syscalls = -1;
	r->msgs_sent = -1;
	r->msgs_recv = -1;
	r->doorbells = -1;
	r->irqs = -1;
}

/* Read every page (one byte of each), or write one byte of each. */
long read_pages(const char *p, size_t size)
{
	const volatile char *v = p;
	long sum = 0;
	size_t off;

	for (off = 0; off < size; off += PAGE)
		sum += v[off];
	return sum;
}

static void write_pages(char *p, size_t size)
{
	volatile char *v = p;
	size_t off;

	for (off = 0; off < size; off += PAGE)
		v[off] = 1;
}

void must(int err, const char *what, enum kind k, size_t size)
{
	if (err)
		die("%s (%s, %zu bytes)", what, kind_name[k], size);
}

/* --- row 1: untouched create, attach, detach, remove ------------------- */

struct opctx {
	enum kind k;
	size_t size;
	struct seg s;
};

static void c_get(void *a) { struct opctx *c = a; seg_get(&c->s, c->k, c->size, 0); }
static void c_at(void *a) { struct opctx *c = a; seg_at(&c->s, 0); }
static void c_dt(void *a) { struct opctx *c = a; seg_dt(&c->s); }
static void c_rm(void *a) { struct opctx *c = a; seg_rm(&c->s); }
static void c_get_at(void *a) { c_get(a); c_at(a); }
static void c_get_at_dt(void *a) { c_get(a); c_at(a); c_dt(a); }
static void c_dt_rm(void *a) { c_dt(a); c_rm(a); }

static const char *const op_name[5] = { "get", "attach", "detach", "remove", "cycle" };

/* Syscalls per op of kind @k, counted once (they do not vary). */
static void count_ops(enum kind k, size_t size, struct sysc sc[5])
{
	struct opctx c = { .k = k, .size = size };
	int i;

	if (count_syscalls(NULL, c_get, c_rm, &c, &sc[0]) ||
	    count_syscalls(c_get, c_at, c_dt_rm, &c, &sc[1]) ||
	    count_syscalls(c_get_at, c_dt, c_rm, &c, &sc[2]) ||
	    count_syscalls(c_get_at_dt, c_rm, NULL, &c, &sc[3])) {
		for (i = 0; i < 5; i++)
			sc[i].n = -1;
		return;
	}
	sc[4].n = sc[0].n + sc[1].n + sc[2].n + sc[3].n;
	snprintf(sc[4].names, sizeof(sc[4].names), "%s;%s;%s;%s",
		 sc[0].names, sc[1].names, sc[2].names, sc[3].names);
}

static void row1_ops(const struct opts *o)
{
	static const size_t sizes[] = { 4 * KiB, 2 * MiB, 64 * MiB };
	int R = o->quick ? 3 : 21, z, r, i, j, op;

	for (z = 0; z < 3; z++) {
		size_t size = sizes[z];
		double *t[5][NKINDS], *ta[2][NKINDS];
		long fl[5][NKINDS] = { { 0 } }, fla[2][NKINDS] = { { 0 } };
		struct sysc sc[NKINDS][5];

		progress("row 1: create/attach/detach/remove, untouched, %zu KiB, %d x %d ops",
			 size / KiB, R, B_OPS);
		for (op = 0; op < 5; op++)
			for (i = 0; i < NKINDS; i++)
				t[op][i] = samples(R);
		for (i = 0; i < NKINDS; i++) {
			ta[0][i] = samples(R);
			ta[1][i] = samples(R);
			count_ops((enum kind)i, size, sc[i]);
		}

		/* Repetition -1 warms the caches and slabs up; not recorded. */
		for (r = -1; r < R; r++) {
			for (i = 0; i < NKINDS; i++) {
				enum kind k = (enum kind)rot(r + 1, i, NKINDS);
				struct seg s[B_OPS];
				double t0, t1, t2, t3, t3a, t3b, t4;
				long f0, f1, f2, f3, f3a, f3b, f4;

				f0 = minflt(); t0 = now_ns();
				for (j = 0; j < B_OPS; j++)
					must(seg_get(&s[j], k, size, 0), "get", k, size);
				t1 = now_ns(); f1 = minflt();
				for (j = 0; j < B_OPS; j++)
					must(seg_at(&s[j], 0), "attach", k, size);
				t2 = now_ns(); f2 = minflt();
				for (j = 0; j < B_OPS; j++)
					must(seg_dt(&s[j]), "detach", k, size);
				t3 = now_ns(); f3 = minflt();
				/*
				 * Attach and detach once more: clshm makes a
				 * segment's mapping file at its first attach, so
				 * a later attach costs less.  Not in the cycle.
				 */
				for (j = 0; j < B_OPS; j++)
					must(seg_at(&s[j], 0), "attach", k, size);
				t3a = now_ns(); f3a = minflt();
				for (j = 0; j < B_OPS; j++)
					must(seg_dt(&s[j]), "detach", k, size);
				t3b = now_ns(); f3b = minflt();
				for (j = 0; j < B_OPS; j++)
					must(seg_rm(&s[j]), "remove", k, size);
				t4 = now_ns(); f4 = minflt();
				if (r < 0)
					continue;
				t[0][k][r] = (t1 - t0) / B_OPS;
				t[1][k][r] = (t2 - t1) / B_OPS;
				t[2][k][r] = (t3 - t2) / B_OPS;
				t[3][k][r] = (t4 - t3b) / B_OPS;
				t[4][k][r] = (t3 - t0 + t4 - t3b) / B_OPS;
				ta[0][k][r] = (t3a - t3) / B_OPS;
				ta[1][k][r] = (t3b - t3a) / B_OPS;
				fl[0][k] += f1 - f0;
				fl[1][k] += f2 - f1;
				fl[2][k] += f3 - f2;
				fl[3][k] += f4 - f3b;
				fl[4][k] += f3 - f0 + f4 - f3b;
				fla[0][k] += f3a - f3;
				fla[1][k] += f3b - f3a;
			}
		}
		for (op = 0; op < 5; op++) {
			for (i = 0; i < NKINDS; i++) {
				struct rec rc;

				rec_init(&rc, "1", op_name[op], kind_name[i], size, "ns/op");
				rc.v = t[op][i];
				rc.n = R;
				rc.faults = (double)fl[op][i] / (R * B_OPS);
				if (sc[i][op].n >= 0) {
					rc.syscalls = sc[i][op].n;
					rc.syscall_names = sc[i][op].names;
				}
				emit(&rc);
				free(t[op][i]);
			}
		}
		for (op = 0; op < 2; op++) {
			for (i = 0; i < NKINDS; i++) {
				struct rec rc;

				rec_init(&rc, "1", op ? "detach(again)" : "attach(again)",
					 kind_name[i], size, "ns/op");
				rc.v = ta[op][i];
				rc.n = R;
				rc.faults = (double)fla[op][i] / (R * B_OPS);
				emit(&rc);
				free(ta[op][i]);
			}
		}
	}
}

/*
 * The split of clshm's attach: xp_shmat is a CLSHM_IOC_STAT ioctl (to learn
 * the size) and an mmap of the device; time each alone.
 */
static void row1_attach_split(const struct opts *o)
{
	int R = o->quick ? 3 : 21, r, j, fd;
	double *t_stat = samples(R), *t_mmap = samples(R), *t_shmat = samples(R);
	struct seg s;
	struct rec rc;

	fd = open(CLSHM_SHM_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s", CLSHM_SHM_PATH);
	must(seg_get(&s, K_CLSHM, 4 * KiB, 0), "get", K_CLSHM, 4 * KiB);
	for (r = 0; r < R; r++) {
		void *p[B_OPS];
		struct clshm_stat st;
		double t0, t1, t2;

		t0 = now_ns();
		for (j = 0; j < B_OPS; j++) {
			memset(&st, 0, sizeof(st));
			st.shmid = (__u32)s.id;
			if (ioctl(fd, CLSHM_IOC_STAT, &st) < 0)
				die("CLSHM_IOC_STAT");
		}
		t1 = now_ns();
		for (j = 0; j < B_OPS; j++) {
			p[j] = mmap(NULL, 4 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED,
				    fd, (off_t)((__u64)(__u32)s.id * PAGE));
			if (p[j] == MAP_FAILED)
				die("mmap of the clshm device");
		}
		t2 = now_ns();
		for (j = 0; j < B_OPS; j++)
			munmap(p[j], 4 * KiB);
		t_stat[r] = (t1 - t0) / B_OPS;
		t_mmap[r] = (t2 - t1) / B_OPS;
		/* And shmat itself, for the same segment, same repetition. */
		t0 = now_ns();
		for (j = 0; j < B_OPS; j++) {
			p[j] = shmat(-1, NULL, 0);	/* EINVAL: syscall entry cost */
		}
		t1 = now_ns();
		t_shmat[r] = (t1 - t0) / B_OPS;
	}
	seg_rm(&s);
	close(fd);
	rec_init(&rc, "1", "attach:stat-ioctl", "clshm", 4 * KiB, "ns/op");
	rc.v = t_stat; rc.n = R; emit(&rc);
	rec_init(&rc, "1", "attach:mmap", "clshm", 4 * KiB, "ns/op");
	rc.v = t_mmap; rc.n = R; emit(&rc);
	rec_init(&rc, "1", "null-syscall", "sysv", 0, "ns/op");
	rc.note = "shmat(-1): a failing syscall, the floor of any op";
	rc.v = t_shmat; rc.n = R; emit(&rc);
	free(t_stat); free(t_mmap); free(t_shmat);
}

/* --- row 2: a second process attaches a filled segment ----------------- */

static void row2_attach_read(const struct opts *o)
{
	static const size_t sizes[] = { 2 * MiB, 16 * MiB, 64 * MiB };
	int R = o->quick ? 3 : 15, z, r, i, status;

	for (z = 0; z < 3; z++) {
		size_t size = sizes[z], pages = size / PAGE;
		struct seg s[NKINDS];
		pid_t pid;

		progress("row 2: second process attaches a filled %zu MiB segment, %d reps",
			 size / MiB, R);
		for (i = 0; i < NKINDS; i++) {
			must(seg_get(&s[i], (enum kind)i, size, 0), "get", (enum kind)i, size);
			must(seg_at(&s[i], 0), "attach", (enum kind)i, size);
			memset(s[i].addr, 1, size);
			must(seg_dt(&s[i]), "detach", (enum kind)i, size);
		}
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			double *ar[NKINDS], *at[NKINDS], *rd[NKINDS], *dt[NKINDS], *aw[NKINDS];
			long far[NKINDS] = { 0 }, faw[NKINDS] = { 0 };

			for (i = 0; i < NKINDS; i++) {
				ar[i] = samples(R); at[i] = samples(R); rd[i] = samples(R);
				dt[i] = samples(R); aw[i] = samples(R);
			}
			for (r = 0; r < R; r++) {
				for (i = 0; i < NKINDS; i++) {
					enum kind k = (enum kind)rot(r, i, NKINDS);
					double t0, t1, t2, t3;
					long f0, f1;

					f0 = minflt(); t0 = now_ns();
					must(seg_at(&s[k], 1), "attach", k, size);
					t1 = now_ns();
					read_pages(s[k].addr, size);
					t2 = now_ns(); f1 = minflt();
					must(seg_dt(&s[k]), "detach", k, size);
					t3 = now_ns();
					ar[k][r] = (t2 - t0) / pages;
					at[k][r] = t1 - t0;
					rd[k][r] = (t2 - t1) / pages;
					dt[k][r] = (t3 - t2) / pages;
					far[k] += f1 - f0;

					f0 = minflt(); t0 = now_ns();
					must(seg_at(&s[k], 0), "attach", k, size);
					write_pages(s[k].addr, size);
					t1 = now_ns(); f1 = minflt();
					must(seg_dt(&s[k]), "detach", k, size);
					aw[k][r] = (t1 - t0) / pages;
					faw[k] += f1 - f0;
				}
			}
			for (i = 0; i < NKINDS; i++) {
				struct rec rc;
				double fpp = (double)far[i] / R / pages;

				rec_init(&rc, "2", "attach+read", kind_name[i], size, "ns/page");
				rc.v = ar[i]; rc.n = R;
				rc.faults = fpp; rc.faults_total = (double)far[i] / R;
				emit(&rc);
				rec_init(&rc, "2", "attach(filled)", kind_name[i], size, "ns/op");
				rc.v = at[i]; rc.n = R; emit(&rc);
				rec_init(&rc, "2", "read(after attach)", kind_name[i], size, "ns/page");
				rc.v = rd[i]; rc.n = R; emit(&rc);
				rec_init(&rc, "2", "detach(mapped)", kind_name[i], size, "ns/page");
				rc.v = dt[i]; rc.n = R; emit(&rc);
				rec_init(&rc, "2", "attach+write", kind_name[i], size, "ns/page");
				rc.v = aw[i]; rc.n = R;
				rc.faults = (double)faw[i] / R / pages;
				rc.faults_total = (double)faw[i] / R;
				emit(&rc);
			}
			_exit(0);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die("row 2's second process failed");
		for (i = 0; i < NKINDS; i++)
			must(seg_rm(&s[i]), "remove", (enum kind)i, size);
	}
}

/* --- rows 3 and 4: populate fresh memory; tear filled segments down ---- */

struct popvar {
	enum kind k;
	int huge;
	int madv;	/* MADV_POPULATE_WRITE instead of touching */
	int ok;
};

static int probe_variant(struct popvar *v, size_t size)
{
	struct seg s;
	int err = 0;

	if (seg_get(&s, v->k, size, v->huge ? SEG_HUGE : 0))
		return -1;
	if (seg_at(&s, 0)) {
		seg_rm(&s);
		return -1;
	}
	if (v->madv)
		err = madvise(s.addr, size, MADV_POPULATE_WRITE);
	seg_dt(&s);
	seg_rm(&s);
	return err;
}

static void row34_populate(const struct opts *o, size_t size)
{
	struct popvar var[] = {
		{ K_SYSV, 0, 0, 0 }, { K_SYSV, 0, 1, 0 },
		{ K_MEMFD, 0, 0, 0 }, { K_MEMFD, 0, 1, 0 },
		{ K_CLSHM, 0, 0, 0 }, { K_CLSHM, 0, 1, 0 },
		{ K_SYSV, 1, 0, 0 }, { K_SYSV, 1, 1, 0 },
		{ K_MEMFD, 1, 0, 0 }, { K_MEMFD, 1, 1, 0 },
		{ K_CLSHM, 1, 0, 0 }, { K_CLSHM, 1, 1, 0 },
	};
	int nv = (int)(sizeof(var) / sizeof(var[0]));
	int R = o->quick ? 3 : 15, r, i;
	size_t pages = size / PAGE;
	double *pop[16], *dt[16], *rm[16];
	long fl[16] = { 0 };

	progress("row 3/4: populate %zu MiB fresh and tear it down, %d reps", size / MiB, R);
	for (i = 0; i < nv; i++) {
		var[i].ok = probe_variant(&var[i], size) == 0;
		pop[i] = samples(R); dt[i] = samples(R); rm[i] = samples(R);
		if (!var[i].ok) {
			struct rec rc;
			char note[128];

			snprintf(note, sizeof(note), "not available here: %s",
				 var[i].k == K_CLSHM && var[i].huge ?
				 "clshm has no huge-page flag (see the fault counts of its 4 KiB cells)" :
				 strerror(errno));
			rec_init(&rc, "3", var[i].madv ? "populate_write" : "touch",
				 kind_name[var[i].k], size, "ns/page");
			rc.variant = var[i].huge ? "huge" : "";
			rc.note = note;
			rc.n = 0;
			emit(&rc);
		}
	}
	for (r = 0; r < R; r++) {
		for (i = 0; i < nv; i++) {
			struct popvar *v = &var[rot(r, i, nv)];
			int x = rot(r, i, nv);
			double t0, t1, t2, t3;
			struct seg s;
			long f0, f1;

			if (!v->ok)
				continue;
			must(seg_get(&s, v->k, size, v->huge ? SEG_HUGE : 0), "get", v->k, size);
			must(seg_at(&s, 0), "attach", v->k, size);
			f0 = minflt(); t0 = now_ns();
			if (v->madv) {
				if (madvise(s.addr, size, MADV_POPULATE_WRITE))
					die("MADV_POPULATE_WRITE");
			} else {
				write_pages(s.addr, size);
			}
			t1 = now_ns(); f1 = minflt();
			must(seg_dt(&s), "detach", v->k, size);
			t2 = now_ns();
			must(seg_rm(&s), "remove", v->k, size);
			t3 = now_ns();
			pop[x][r] = (t1 - t0) / pages;
			dt[x][r] = (t2 - t1) / pages;
			rm[x][r] = (t3 - t2) / pages;
			fl[x] += f1 - f0;
		}
	}
	for (i = 0; i < nv; i++) {
		struct rec rc;

		if (!var[i].ok)
			continue;
		rec_init(&rc, "3", var[i].madv ? "populate_write" : "touch",
			 kind_name[var[i].k], size, "ns/page");
		rc.variant = var[i].huge ? "huge" : "";
		rc.v = pop[i]; rc.n = R;
		rc.faults = (double)fl[i] / R / pages;
		rc.faults_total = (double)fl[i] / R;
		emit(&rc);
		/* Teardown: the filled state is the same after either method. */
		rec_init(&rc, "4", "detach(filled)", kind_name[var[i].k], size, "ns/page");
		rc.variant = var[i].huge ? "huge" : "";
		if (var[i].madv)
			rc.variant = var[i].huge ? "huge,after_populate" : "after_populate";
		rc.v = dt[i]; rc.n = R; emit(&rc);
		rec_init(&rc, "4", "remove(filled)", kind_name[var[i].k], size, "ns/page");
		rc.variant = var[i].huge ? "huge" : "";
		if (var[i].madv)
			rc.variant = var[i].huge ? "huge,after_populate" : "after_populate";
		rc.v = rm[i]; rc.n = R; emit(&rc);
	}
	for (i = 0; i < nv; i++) {
		free(pop[i]); free(dt[i]); free(rm[i]);
	}
}

/* --- row 5: memcpy bandwidth ------------------------------------------- */

void *anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap of %zu private bytes", size);
	memset(p, 1, size);
	return p;
}

static void row5_memcpy(const struct opts *o)
{
	static const size_t sizes[] = { 4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB, 64 * MiB };
	const int nz = 5, nk = NKINDS + 1;
	size_t max = 64 * MiB, per_sample = o->quick ? 1 * MiB : 8 * MiB;
	int R = o->quick ? 2 : 11, r, z, d, i;
	struct seg s[NKINDS];
	char *priv_a = anon(max), *priv_b = anon(max + NOALIAS_SPAN);
	char *partner[NKINDS + 1];
	double *bw[5][2][NKINDS + 1];

	progress("row 5: memcpy into and out of a segment, 4 KiB..64 MiB, %d reps", R);
	for (i = 0; i < NKINDS; i++) {
		must(seg_get(&s[i], (enum kind)i, max, 0), "get", (enum kind)i, max);
		must(seg_at(&s[i], 0), "attach", (enum kind)i, max);
		memset(s[i].addr, 1, max);
		partner[i] = noalias(priv_b, s[i].addr);
	}
	partner[K_PRIVATE] = noalias(priv_b, priv_a);
	for (z = 0; z < nz; z++)
		for (d = 0; d < 2; d++)
			for (i = 0; i < nk; i++)
				bw[z][d][i] = samples(R);

	for (r = 0; r < R; r++) {
		for (z = 0; z < nz; z++) {
			size_t size = sizes[z];
			long iters = (long)(per_sample / size), it;

			if (iters < 1)
				iters = 1;
			for (d = 0; d < 2; d++) {
				for (i = 0; i < nk; i++) {
					int k = rot(r, i, nk);
					char *mem = k == K_PRIVATE ? priv_a : s[k].addr;
					char *dst = d == 0 ? mem : partner[k];
					char *src = d == 0 ? partner[k] : mem;
					double t0, t1;

					t0 = now_ns();
					for (it = 0; it < iters; it++) {
						memcpy(dst, src, size);
						__asm__ __volatile__("" ::: "memory");
					}
					t1 = now_ns();
					/* bytes per ns * 1000 = MB/s */
					bw[z][d][k][r] = (double)iters * size / (t1 - t0) * 1e3;
				}
			}
		}
	}
	for (z = 0; z < nz; z++) {
		for (d = 0; d < 2; d++) {
			for (i = 0; i < nk; i++) {
				struct rec rc;

				rec_init(&rc, "5", d == 0 ? "memcpy-into" : "memcpy-out",
					 kind_name[i], sizes[z], "MB/s");
				rc.v = bw[z][d][i]; rc.n = R;
				emit(&rc);
				free(bw[z][d][i]);
			}
		}
	}
	for (i = 0; i < NKINDS; i++) {
		seg_dt(&s[i]);
		seg_rm(&s[i]);
	}
	munmap(priv_a, max);
	munmap(priv_b, max + NOALIAS_SPAN);
}

/* --- row 6: one-cache-line ping-pong ----------------------------------- */

#define PP_READY	2ULL
#define PP_STOP		1ULL

static inline void relax(void)
{
	__builtin_ia32_pause();
}

/* The other side: answer every odd value v with v + 1, until PP_STOP. */
void pp_responder(uint64_t *x)
{
	uint64_t last = PP_READY, v;

	__atomic_store_n(x, PP_READY, __ATOMIC_RELEASE);
	for (;;) {
		while ((v = __atomic_load_n(x, __ATOMIC_ACQUIRE)) == last)
			relax();
		if (v == PP_STOP)
			return;
		last = v + 1;
		__atomic_store_n(x, last, __ATOMIC_RELEASE);
	}
}

/* This side: @n round trips after @warm ones; returns ns per round trip. */
double pp_pinger(uint64_t *x, long warm, long n)
{
	uint64_t v = PP_READY;
	double t0 = 0;
	long i;

	while (__atomic_load_n(x, __ATOMIC_ACQUIRE) != PP_READY)
		relax();
	for (i = 0; i < warm + n; i++) {
		if (i == warm)
			t0 = now_ns();
		__atomic_store_n(x, v + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(x, __ATOMIC_ACQUIRE) != v + 2)
			relax();
		v += 2;
	}
	t0 = (now_ns() - t0) / n;
	__atomic_store_n(x, PP_STOP, __ATOMIC_RELEASE);
	return t0;
}

static void *pp_thread(void *arg)
{
	pin_cpu(1);
	pp_responder(arg);
	return NULL;
}

/* One sample of kind @k: a fresh segment and a fresh second process. */
double pp_once(int k, long warm, long n)
{
	double rt;

	if (k == K_PRIVATE) {
		uint64_t *line = anon(PAGE);
		pthread_t th;

		*line = 0;
		if (pthread_create(&th, NULL, pp_thread, line))
			die("pthread_create");
		rt = pp_pinger(line, warm, n);
		pthread_join(th, NULL);
		munmap(line, PAGE);
	} else {
		struct seg s;
		pid_t pid;
		int status;

		must(seg_get(&s, (enum kind)k, PAGE, 0), "get", (enum kind)k, PAGE);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			pin_cpu(1);
			if (seg_at(&s, 0))
				_exit(1);
			pp_responder((uint64_t *)s.addr);
			seg_dt(&s);
			_exit(0);
		}
		must(seg_at(&s, 0), "attach", (enum kind)k, PAGE);
		rt = pp_pinger((uint64_t *)s.addr, warm, n);
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die("ping-pong responder failed");
		seg_dt(&s);
		seg_rm(&s);
	}
	return rt;
}

static void row6_pingpong(const struct opts *o)
{
	const int nk = NKINDS + 1;
	int R = o->quick ? 3 : 11, r, i;
	double *rt[NKINDS + 1], cal;
	long n;
	cpu_set_t all;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		progress("row 6: skipped (one CPU)");
		return;
	}
	sched_getaffinity(0, sizeof(all), &all);
	pin_cpu(0);
	/* Calibrate on private memory: a sample of about 50 ms (10 ms quick). */
	cal = pp_once(K_PRIVATE, 200, 2000);
	n = (long)((o->quick ? 10e6 : 50e6) / cal);
	if (n < 1000)
		n = 1000;
	progress("row 6: ping-pong, %ld round trips a sample (%.0f ns each), %d reps",
		 n, cal, R);
	for (i = 0; i < nk; i++)
		rt[i] = samples(R);
	for (r = 0; r < R; r++)
		for (i = 0; i < nk; i++) {
			int k = rot(r, i, nk);

			rt[k][r] = pp_once(k, n / 10, n);
		}
	for (i = 0; i < nk; i++) {
		struct rec rc;

		rec_init(&rc, "6", "pingpong", kind_name[i], 64, "ns/rt");
		if (i == K_PRIVATE)
			rc.note = "two threads of one process";
		rc.v = rt[i]; rc.n = R;
		emit(&rc);
		free(rt[i]);
	}
	sched_setaffinity(0, sizeof(all), &all);
}

/* --- row 7: churn, and costs with many live segments ------------------- */

static int counters(struct clshm_counters *c)
{
	int fd = open(CLSHM_SHM_PATH, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -1;
	memset(c, 0, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	err = ioctl(fd, CLSHM_IOC_COUNTERS, c);
	close(fd);
	return err;
}

static void row7_churn(const struct opts *o)
{
	const size_t size = 2 * MiB;
	int blocks = o->quick ? 2 : 10, per = o->quick ? 100 : 1000, b, i, j;
	double *t[NKINDS];
	long fl[NKINDS] = { 0 };
	struct clshm_counters c0, c1;
	struct seg s[NKINDS];
	int have_c;

	progress("row 7: churn, %d attach/touch/detach cycles of a 2 MiB segment per kind",
		 blocks * per);
	for (i = 0; i < NKINDS; i++) {
		must(seg_get(&s[i], (enum kind)i, size, 0), "get", (enum kind)i, size);
		t[i] = samples(blocks);
	}
	have_c = counters(&c0) == 0;
	for (b = 0; b < blocks; b++) {
		for (i = 0; i < NKINDS; i++) {
			enum kind k = (enum kind)rot(b, i, NKINDS);
			double t0;
			long f0 = minflt();

			t0 = now_ns();
			for (j = 0; j < per; j++) {
				must(seg_at(&s[k], 0), "attach", k, size);
				s[k].addr[0] = 1;
				must(seg_dt(&s[k]), "detach", k, size);
			}
			t[k][b] = (now_ns() - t0) / per;
			fl[k] += minflt() - f0;
		}
	}
	if (have_c)
		have_c = counters(&c1) == 0;
	for (i = 0; i < NKINDS; i++) {
		struct rec rc;
		char note[160] = "";

		if (i == K_CLSHM && have_c)
			snprintf(note, sizeof(note),
				 "driver counters after the churn: attaches_live %+lld, pages_pinned %+lld, attach_total %+lld, detach_total %+lld",
				 (long long)(c1.attaches_live - c0.attaches_live),
				 (long long)(c1.pages_pinned - c0.pages_pinned),
				 (long long)(c1.attach_total - c0.attach_total),
				 (long long)(c1.detach_total - c0.detach_total));
		rec_init(&rc, "7", "churn(at+touch+dt)", kind_name[i], size, "ns/cycle");
		rc.v = t[i]; rc.n = blocks;
		rc.faults = (double)fl[i] / (blocks * per);
		if (note[0])
			rc.note = note;
		emit(&rc);
		free(t[i]);
		seg_rm(&s[i]);
	}
}

static unsigned long rnd_state = 12345;

static unsigned long rnd(unsigned long n)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return (rnd_state >> 33) % n;
}

static const char *const scale_name[5] = {
	"get(create)", "get(lookup)", "attach", "detach", "remove"
};

static void row7_scaling(const struct opts *o)
{
	static const long levels_full[] = { 10, 1000, 10000 };
	static const long levels_quick[] = { 10, 100 };
	const long *levels = o->quick ? levels_quick : levels_full;
	int nl = o->quick ? 2 : 3, R = o->quick ? 3 : 15, l, r, i, j, m;
	long maxl = levels[nl - 1], live = 0;
	struct seg *lv[NKINDS];
	key_t *keys[NKINDS];

	for (i = 0; i < NKINDS; i++) {
		lv[i] = calloc((size_t)maxl, sizeof(struct seg));
		keys[i] = calloc((size_t)maxl, sizeof(key_t));
		if (!lv[i] || !keys[i])
			die("calloc");
	}
	for (l = 0; l < nl; l++) {
		double *t[5][NKINDS];
		long fl[5][NKINDS] = { { 0 } }, nops[NKINDS] = { 0 };
		int np;

		progress("row 7: get/attach with %ld live segments per kind, %d x %d ops",
			 levels[l], R, B_OPS);
		/* Grow every kind to this level (4 KiB untouched segments). */
		for (; live < levels[l]; live++) {
			for (i = 0; i < NKINDS; i++) {
				key_t key = 0;

				if (i == K_SYSV)
					key = (key_t)(0x5eb00000 + live);
				else if (i == K_CLSHM)
					key = xp_ftok(NULL, 1);
				keys[i][live] = key;
				must(seg_get_key(&lv[i][live], (enum kind)i, 4 * KiB, key),
				     "get(key)", (enum kind)i, 4 * KiB);
				/*
				 * Attach once, untimed: clshm makes a segment's
				 * mapping file at its first attach, so without
				 * this the timed attaches would be first ones
				 * at 1,000 and 10,000 live segments and mostly
				 * repeated ones at 10 (row 1 times first ones).
				 */
				must(seg_at(&lv[i][live], 0), "attach", (enum kind)i, 4 * KiB);
				must(seg_dt(&lv[i][live]), "detach", (enum kind)i, 4 * KiB);
			}
		}
		np = live < B_OPS ? (int)live : B_OPS;
		for (m = 0; m < 5; m++)
			for (i = 0; i < NKINDS; i++)
				t[m][i] = samples(R);
		for (r = 0; r < R; r++) {
			for (i = 0; i < NKINDS; i++) {
				enum kind k = (enum kind)rot(r, i, NKINDS);
				struct seg fresh[B_OPS], *pick[B_OPS];
				double t0, t1, t2, t3, t4, t5;
				long f0, f1, f2, f3, f4, f5;

				/* np distinct live segments, each attached once */
				for (j = 0; j < np; j++) {
					int q;

					do {
						pick[j] = &lv[k][rnd((unsigned long)live)];
						for (q = 0; q < j && pick[q] != pick[j]; q++)
							;
					} while (q < j);
				}
				f0 = minflt(); t0 = now_ns();
				for (j = 0; j < B_OPS; j++)
					must(seg_get(&fresh[j], k, 4 * KiB, 0), "get", k, 4 * KiB);
				t1 = now_ns(); f1 = minflt();
				if (k != K_MEMFD)
					for (j = 0; j < np; j++)
						if (seg_lookup(k, keys[k][pick[j] - lv[k]]) == -1)
							die("lookup");
				t2 = now_ns(); f2 = minflt();
				for (j = 0; j < np; j++)
					must(seg_at(pick[j], 0), "attach", k, 4 * KiB);
				t3 = now_ns(); f3 = minflt();
				for (j = 0; j < np; j++)
					must(seg_dt(pick[j]), "detach", k, 4 * KiB);
				t4 = now_ns(); f4 = minflt();
				for (j = 0; j < B_OPS; j++)
					must(seg_rm(&fresh[j]), "remove", k, 4 * KiB);
				t5 = now_ns(); f5 = minflt();
				t[0][k][r] = (t1 - t0) / B_OPS;
				t[1][k][r] = (t2 - t1) / np;
				t[2][k][r] = (t3 - t2) / np;
				t[3][k][r] = (t4 - t3) / np;
				t[4][k][r] = (t5 - t4) / B_OPS;
				fl[0][k] += f1 - f0; fl[1][k] += f2 - f1;
				fl[2][k] += f3 - f2; fl[3][k] += f4 - f3;
				fl[4][k] += f5 - f4;
				nops[k] += np;
			}
		}
		for (m = 0; m < 5; m++) {
			for (i = 0; i < NKINDS; i++) {
				struct rec rc;

				if (!(m == 1 && i == K_MEMFD)) {
					rec_init(&rc, "7", scale_name[m], kind_name[i], 4 * KiB, "ns/op");
					rc.level = levels[l];
					rc.v = t[m][i]; rc.n = R;
					rc.faults = (double)fl[m][i] /
						    (m == 0 || m == 4 ? R * B_OPS : nops[i]);
					emit(&rc);
				}
				free(t[m][i]);
			}
		}
	}
	progress("row 7: removing %ld live segments per kind", live);
	for (i = 0; i < NKINDS; i++) {
		for (j = 0; j < live; j++)
			must(seg_rm(&lv[i][j]), "remove", (enum kind)i, 4 * KiB);
		free(lv[i]);
		free(keys[i]);
	}
}

/* --- row 12: dumping 100,000 segments ---------------------------------- */

/* The System V table as ipcs reads it: /proc/sysvipc/shm, 64 KiB reads. */
static long dump_proc(void)
{
	static char buf[65536];
	long lines = 0;
	ssize_t n;
	int fd = open("/proc/sysvipc/shm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("/proc/sysvipc/shm: %s", strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf, *end = buf + n;

		while ((p = memchr(p, '\n', (size_t)(end - p)))) {
			lines++;
			p++;
		}
	}
	if (n < 0)
		die("/proc/sysvipc/shm: %s", strerror(errno));
	close(fd);
	return lines - 1;	/* the header line */
}

/* clshm's table through CLSHM_IOC_LIST, as many as it takes at a time. */
static long dump_ioctl(int fd)
{
	static struct clshm_ds ds[256];
	struct clshm_list l;
	__u32 start = 0;
	long n = 0;

	do {
		memset(&l, 0, sizeof(l));
		l.buf = (uintptr_t)ds;
		l.count = sizeof(ds) / sizeof(ds[0]);
		l.start = start;
		if (ioctl(fd, CLSHM_IOC_LIST, &l))
			die("CLSHM_IOC_LIST: %s", strerror(errno));
		n += l.count;
		start = l.next;
	} while (start);
	return n;
}

static void count_msg(struct nlmsghdr *nh, void *arg)
{
	(void)nh;
	(*(long *)arg)++;
}

/* clshm's table through the netlink dump (SEG_GET), 32 KiB reads. */
static long dump_netlink(int fd, uint16_t family)
{
	struct rnl_req r;
	long n = 0;
	int err;

	rnl_init(&r, family, CLSHM_NL_CMD_SEG_GET, NLM_F_DUMP);
	if (rnl_send(fd, &r))
		die("netlink send: %s", strerror(errno));
	err = rnl_answer(fd, 32768, count_msg, &n, 0, NULL);
	if (err)
		die("netlink dump: %s", strerror(err > 0 ? err : errno));
	return n;
}

static void row12_dump(const struct opts *o)
{
	const long want = o->quick ? 1000 : 100000;
	const int R = o->quick ? 3 : 9;
	static const char *const how[3] = { "/proc", "ioctl", "netlink" };
	struct seg *lv[2];
	double *t[3];
	uint32_t ids[2];
	long live, got[3] = { 0 };
	int ctl, nl, r, i, j;

	ctl = open(CLSHM_SHM_PATH, O_RDONLY | O_CLOEXEC);
	nl = rnl_socket();
	if (ctl < 0 || nl < 0 || rnl_family(nl, ids))
		die("row 12: the clshm device or netlink family: %s", strerror(errno));
	progress("row 12: creating %ld untouched 4 KiB segments of System V and clshm", want);
	for (i = 0; i < 2; i++)
		lv[i] = calloc((size_t)want, sizeof(struct seg));
	if (!lv[0] || !lv[1])
		die("calloc");
	for (live = 0; live < want; live++) {
		if (seg_get(&lv[0][live], K_SYSV, 4 * KiB, 0))
			break;	/* shmmni: the row reports how many it had */
		if (seg_get(&lv[1][live], K_CLSHM, 4 * KiB, 0)) {
			seg_rm(&lv[0][live]);
			break;
		}
	}
	if (live < want)
		progress("row 12: stopped at %ld segments: %s", live, strerror(errno));
	for (j = 0; j < 3; j++)
		t[j] = samples(R);
	progress("row 12: dumping %ld segments, %d reps", live, R);
	for (r = 0; r < R; r++) {
		for (i = 0; i < 3; i++) {
			int k = rot(r, i, 3);
			double t0 = now_ns();
			long n;

			n = k == 0 ? dump_proc() : k == 1 ? dump_ioctl(ctl) :
			    dump_netlink(nl, (uint16_t)ids[0]);
			t[k][r] = (now_ns() - t0) / 1e6;
			if (n < live)
				die("row 12: the %s dump listed %ld of %ld segments",
				    how[k], n, live);
			got[k] = n;
		}
	}
	for (j = 1; j < 3; j++) {
		struct rec rs, rc;
		char note[160];

		snprintf(note, sizeof(note),
			 "System V: /proc/sysvipc/shm (%ld lines); clshm: %s (%ld segments)",
			 got[0], j == 1 ? "CLSHM_IOC_LIST, 256 a call" :
			 "generic netlink SEG_GET dump, raw socket", got[j]);
		rec_init(&rs, "12", j == 1 ? "dump(ioctl)" : "dump(netlink)",
			 kind_name[K_SYSV], 4 * KiB, "ms/dump");
		rs.level = live;
		rs.v = t[0]; rs.n = R;
		emit(&rs);
		rc = rs;
		rc.kind = kind_name[K_CLSHM];
		rc.v = t[j];
		rc.note = note;
		emit(&rc);
	}
	progress("row 12: removing %ld segments", live);
	for (j = 0; j < live; j++) {
		must(seg_rm(&lv[0][j]), "remove", K_SYSV, 4 * KiB);
		must(seg_rm(&lv[1][j]), "remove", K_CLSHM, 4 * KiB);
	}
	for (j = 0; j < 3; j++)
		free(t[j]);
	free(lv[0]);
	free(lv[1]);
	close(nl);
	close(ctl);
}

/* --- row 13: what a listening monitor costs ---------------------------- */

/* Who listens to clshm's "events" group while a repetition runs. */
enum listener { L_NONE, L_MONITOR, L_READ, L_HOLD, NLISTENERS };
static const char *const listener_name[NLISTENERS] = {
	"", "monitor", "listen-read", "listen-hold"
};

/*
 * The raw listener (clshm-bench --listener read|hold, started by
 * listener_start()): joins the group, says so on descriptor 3, then reads
 * and drops every datagram, or never reads (its socket fills and the
 * kernel drops the rest).
 */
int listener_main(int hold)
{
	static char buf[65536];
	uint32_t ids[2];
	char c = 0;
	int fd;

	fd = rnl_socket();
	if (fd < 0 || rnl_family(fd, ids) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &ids[1],
		       sizeof(ids[1])) ||
	    write(3, &c, 1) != 1)
		return 1;
	close(3);
	for (;;) {
		if (hold)
			pause();
		else if (recv(fd, buf, sizeof(buf), 0) < 0 &&
			 errno != ENOBUFS && errno != EINTR)
			return 1;
	}
}

/*
 * Start @l: "clshmctl monitor" printing to /dev/null, or this program as
 * a raw listener.  posix_spawn, not fork: a fork would leave this
 * process's pages copy-on-write, and the timed loop would pay a fault for
 * each page it writes.  Returns the child's pid once it listens (for
 * clshmctl: after 100 ms), 0 for L_NONE, -1 when clshmctl is not there.
 */
static pid_t listener_start(enum listener l)
{
	static const char clshmctl[] = "/usr/sbin/clshmctl";
	posix_spawn_file_actions_t fa;
	char *argv[4];
	int p[2] = { -1, -1 };
	char c;
	pid_t pid;

	if (l == L_NONE)
		return 0;
	if (l == L_MONITOR && access(clshmctl, X_OK))
		return -1;
	if (posix_spawn_file_actions_init(&fa))
		die("posix_spawn_file_actions_init");
	if (l == L_MONITOR) {
		argv[0] = "clshmctl";
		argv[1] = "monitor";
		argv[2] = NULL;
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	} else {
		if (pipe(p))
			die("pipe");
		argv[0] = "clshm-bench";
		argv[1] = "--listener";
		argv[2] = l == L_HOLD ? "hold" : "read";
		argv[3] = NULL;
		posix_spawn_file_actions_adddup2(&fa, p[1], 3);
	}
	if (posix_spawn(&pid, l == L_MONITOR ? clshmctl : "/proc/self/exe",
			&fa, NULL, argv, environ))
		die("row 13: cannot start the listener");
	posix_spawn_file_actions_destroy(&fa);
	if (l == L_MONITOR) {
		usleep(100000);		/* it has joined the group */
		return pid;
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		die("row 13: the events listener did not start");
	close(p[0]);
	return pid;
}

static void listener_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Cycles a sample: 16 chunks of 25 per kind, the kinds alternating. */
#define M_CHUNK		25
#define M_CHUNKS	16

static void row13_monitor(const struct opts *o)
{
	const int R = o->quick ? 3 : 25;
	static const enum kind kinds[2] = { K_SYSV, K_CLSHM };
	double *t[NLISTENERS][2];
	int have[NLISTENERS] = { 0 };
	int r, i, k, j, ch;

	progress("row 13: create/attach/detach/remove of 4 KiB with and without an events listener, %d x %d cycles",
		 R, M_CHUNK * M_CHUNKS);
	for (i = 0; i < NLISTENERS; i++)
		for (k = 0; k < 2; k++)
			t[i][k] = samples(R);
	for (r = 0; r < R; r++) {
		for (i = 0; i < NLISTENERS; i++) {
			enum listener l = (enum listener)rot(r, i, NLISTENERS);
			pid_t pid = listener_start(l);

			if (pid < 0)
				continue;
			have[l] = 1;
			usleep(200000);		/* the start has settled */
			for (ch = 0; ch < M_CHUNKS; ch++) {
				for (k = 0; k < 2; k++) {
					enum kind kd = kinds[(k + ch + r) % 2];
					struct seg s;
					double t0 = now_ns();

					for (j = 0; j < M_CHUNK; j++) {
						must(seg_get(&s, kd, 4 * KiB, 0), "get", kd, 4 * KiB);
						must(seg_at(&s, 0), "attach", kd, 4 * KiB);
						must(seg_dt(&s), "detach", kd, 4 * KiB);
						must(seg_rm(&s), "remove", kd, 4 * KiB);
					}
					t[l][kd == K_CLSHM][r] += (now_ns() - t0) /
								 (M_CHUNK * M_CHUNKS);
				}
			}
			listener_stop(pid);
		}
	}
	for (i = 0; i < NLISTENERS; i++) {
		for (k = 0; k < 2; k++) {
			struct rec rc;

			if (have[i]) {
				rec_init(&rc, "13", "cycle", kind_name[kinds[k]], 4 * KiB,
					 "ns/cycle");
				rc.variant = listener_name[i];
				rc.v = t[i][k]; rc.n = R;
				emit(&rc);
			}
			free(t[i][k]);
		}
	}
}

static int want(const struct opts *o, const char *row)
{
	return !o->only || !strcmp(o->only, row);
}

int suite_local(const struct opts *o)
{
	if (want(o, "1")) {
		row1_ops(o);
		row1_attach_split(o);
	}
	if (want(o, "2"))
		row2_attach_read(o);
	if (want(o, "3") || want(o, "4"))
		row34_populate(o, 16 * MiB);
	if (want(o, "5"))
		row5_memcpy(o);
	if (want(o, "6"))
		row6_pingpong(o);
	if (want(o, "7")) {
		row7_churn(o);
		row7_scaling(o);
	}
	if (want(o, "12"))
		row12_dump(o);
	if (want(o, "13"))
		row13_monitor(o);
	return 0;
}
