// SPDX-License-Identifier: GPL-2.0
/*
 * fabric.c - the two-guest suite: segments across partitions
 *
 * Runs in both guests of "vm/run --guests 2" at once (bench/run --suite
 * fabric), one partition each.  Guest 1 measures and prints the records;
 * guest 0 owns the shared segments and serves guest 1's requests (the
 * other end of a ping-pong or of a wake-up, a concurrent reader).  Every
 * row has its in-guest baseline measured by guest 1 in the same
 * repetitions, interleaved (rotated order), while guest 0 sleeps:
 *
 *   8  ops        create, lookup, IPC_STAT, attach, detach, remove of an
 *                 untouched segment owned by the other partition
 *                 ("remote") against one owned here ("local") and System V;
 *                 attach + read of a filled 2 MiB segment
 *   9  memcpy     into and out of a remote segment, a local one and
 *                 private memory, 4 KiB to 16 MiB; out of a segment that
 *                 another reader copies from at the same time ("shared":
 *                 the owner guest, or a second process of this guest)
 *   10 pingpong   one cache line between a process in each guest, against
 *                 two processes in this guest (clshm, System V) and two
 *                 threads on private memory
 *   11 wakeup     xp_shmwake in one guest to xp_shmwait returning in the
 *                 other (half a round trip), against eventfd and
 *                 xp_shmwait/xp_shmwake between two processes of one guest
 *
 * The guests coordinate through bytes 3200..4095 of the fabric's header
 * page (BAR2 of the ivshmem device, mapped through sysfs), which the
 * layout leaves to tests and benchmarks: barrier words, and a command
 * channel from guest 1 to guest 0.  A fresh fabric is all zeroes (vm/run
 * makes one per run).  A guest whose clshm-bench fails marks it there, so
 * the other stops waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xp_shm.h>
#include <linux/clshm.h>

#include "bench.h"

#define SYNC_OFF	3200	/* the benchmarks' part of the header page */
#define B_OPS		16	/* operations per timed batch (row 8) */
#define WAIT_MS		600000	/* longest wait for the other guest */

/* The coordination area, in the fabric header page at SYNC_OFF. */
struct bsync {
	uint64_t arrive[2];	/* barrier: last id each guest reached */
	uint64_t failed[2];	/* nonzero: that guest's run failed */
	uint64_t cmd_seq;	/* guest 1 -> 0: a new command */
	uint32_t cmd_op;
	uint32_t cmd_arg;
	uint64_t ack_seq;	/* guest 0: the command has started */
	uint64_t done_seq;	/* guest 0: the command has ended */
	uint64_t stop_seq;	/* guest 1 -> 0: end a looping command */
	uint32_t val[2][8];	/* values a guest publishes (shmids) */
};

_Static_assert(SYNC_OFF + sizeof(struct bsync) <= 4096,
	       "the coordination area must end in the header page");

/* Commands of guest 1 to guest 0. */
enum { OP_PINGPONG = 1, OP_READ, OP_WAKE, OP_EXIT };

/* Published shmids: guest 0's segments. */
enum { V_BW, V_PP };

static volatile struct bsync *sy;
static int me = -1, peer = -1;	/* guest indexes = partition ids */
static int finished;

/* --- the coordination area --------------------------------------------- */

static uint64_t ld64(volatile uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st64(volatile uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* At exit (die() exits 1): tell the other guest unless we finished. */
static void mark_failed(void)
{
	if (sy && !finished && me >= 0)
		st64(&sy->failed[me], 1);
}

static void check_peer(void)
{
	if (ld64(&sy->failed[peer])) {
		errno = EPIPE;
		die("guest %d's clshm-bench failed (see its output)", peer);
	}
}

/* Map the header page of the ivshmem device (1af4:1110). */
static void map_sync(void)
{
	void *p = ivshmem_map(NULL, 0, 4096);

	if (!p)
		die(errno == ENODEV ?
		    "no ivshmem device (run under vm/run --guests 2)" :
		    "mapping the fabric's header page (BAR2 of the ivshmem device)");
	sy = (volatile struct bsync *)((char *)p + SYNC_OFF);
}

/* Both guests reach barrier @id (ids grow through the run). */
static void barrier(uint64_t id)
{
	double deadline = now_ns() + WAIT_MS * 1e6;

	st64(&sy->arrive[me], id);
	while (ld64(&sy->arrive[peer]) < id) {
		check_peer();
		if (now_ns() > deadline) {
			errno = ETIMEDOUT;
			die("barrier %llu: guest %d did not come", (unsigned long long)id, peer);
		}
		usleep(2000);
	}
}

static void wait_seq(volatile uint64_t *p, uint64_t v, const char *what)
{
	double deadline = now_ns() + WAIT_MS * 1e6;

	while (ld64(p) < v) {
		check_peer();
		if (now_ns() > deadline) {
			errno = ETIMEDOUT;
			die("guest %d: %s", peer, what);
		}
		usleep(500);
	}
}

/* Guest 1: start a command in guest 0 and wait until it has started. */
static uint64_t cmd_seq;

static uint64_t cmd(int op, uint32_t arg)
{
	sy->cmd_op = (uint32_t)op;
	sy->cmd_arg = arg;
	st64(&sy->cmd_seq, ++cmd_seq);
	wait_seq(&sy->ack_seq, cmd_seq, "command not taken");
	return cmd_seq;
}

static void cmd_stop(uint64_t seq)
{
	st64(&sy->stop_seq, seq);
}

static void cmd_wait(uint64_t seq)
{
	wait_seq(&sy->done_seq, seq, "command did not end");
}

/* --- clshm helpers -------------------------------------------------------- */

static int fabinfo(struct clshm_fabinfo *fi)
{
	static int fd = -1;

	if (fd < 0)
		fd = open(CLSHM_SHM_PATH, O_RDONLY | O_CLOEXEC);
	memset(fi, 0, sizeof(*fi));
	memset(fi, 0, sizeof(*fi));
	fi->size = sizeof(*fi);
	return fd < 0 ? -1 : ioctl(fd, CLSHM_IOC_FABINFO, fi);
}

/* A key owned by partition @part (the local one for -1). */
static key_t mint(int part)
{
	char node[64];
	key_t k;

	if (part < 0)
		k = xp_ftok(NULL, 1);
	else {
		snprintf(node, sizeof(node), CLSHM_PART_DIR "/%02x", part);
		k = xp_ftok(node, 1);
	}
	if (k == (key_t)-1)
		die("xp_ftok for partition %d", part);
	return k;
}

static void *attach(int shmid, size_t size)
{
	void *p = xp_shmat(shmid, NULL, 0);

	if (p == (void *)-1)
		die("xp_shmat(0x%x, %zu bytes)", shmid, size);
	return p;
}

/* Wait until the other partition is up here: 0, or die. */
static void wait_peer_up(void)
{
	double deadline = now_ns() + 120e9;
	partid_t ids[XP_MAX_PARTITIONS];
	int n, i;

	for (;;) {
		n = part_getlist(ids, XP_MAX_PARTITIONS);
		for (i = 0; i < n; i++)
			if (ids[i] == peer)
				return;
		if (now_ns() > deadline) {
			errno = ETIMEDOUT;
			die("partition %d is not up here", peer);
		}
		usleep(20000);
	}
}

static void copy_loop(char *dst, const char *src, size_t size, long iters)
{
	long it;

	for (it = 0; it < iters; it++) {
		memcpy(dst, src, size);
		__asm__ __volatile__("" ::: "memory");
	}
}

/* Copy out of @src until *@stop holds @until (a reader beside another). */
static void read_until(char *dst, const char *src, size_t size,
		       volatile uint64_t *stop, uint64_t until,
		       volatile uint64_t *started, uint64_t mark)
{
	long n = 0;

	do {
		memcpy(dst, src, size);
		__asm__ __volatile__("" ::: "memory");
		if (++n == 1)
			st64(started, mark);
	} while (ld64(stop) < until);
}

/* --- the wake-up protocol (row 11) ------------------------------------- */

/*
 * Round trip i: the pinger stores 2i+1 and wakes, the responder (waiting
 * while the word is 2i) stores 2i+2 and wakes.  The word starts at 0.
 */
static void xw_wait_while(volatile uint32_t *w, uint32_t v)
{
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == v) {
		if (xp_shmwait(w, v, 1000) && errno != ETIMEDOUT && errno != EINTR)
			die("xp_shmwait");
		if (sy)
			check_peer();
	}
}

static void xw_respond(volatile uint32_t *w, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		xw_wait_while(w, (uint32_t)(2 * i));
		__atomic_store_n(w, (uint32_t)(2 * i + 2), __ATOMIC_RELEASE);
		if (xp_shmwake(w) < 0)
			die("xp_shmwake");
	}
}

/* @warm + @n round trips; ns per one-way wake-up (half a round trip). */
static double xw_ping(volatile uint32_t *w, long warm, long n)
{
	double t0 = 0;
	long i;

	for (i = 0; i < warm + n; i++) {
		if (i == warm)
			t0 = now_ns();
		__atomic_store_n(w, (uint32_t)(2 * i + 1), __ATOMIC_RELEASE);
		if (xp_shmwake(w) < 0)
			die("xp_shmwake");
		xw_wait_while(w, (uint32_t)(2 * i + 1));
	}
	return (now_ns() - t0) / n / 2;
}

static void ev_write(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		die("eventfd write");
}

static void ev_read(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		die("eventfd read");
}

/* --- guest 0: the owner and the other end ------------------------------- */

static void serve(char *bw, size_t bw_size, char *pp)
{
	char *buf = anon(bw_size + NOALIAS_SPAN), *dst = noalias(buf, bw);
	uint64_t last = 0;

	pin_cpu(1);
	for (;;) {
		uint64_t seq;
		uint32_t op, arg;

		while ((seq = ld64(&sy->cmd_seq)) == last) {
			check_peer();
			usleep(2000);
		}
		last = seq;
		op = sy->cmd_op;
		arg = sy->cmd_arg;
		switch (op) {
		case OP_PINGPONG:
			st64(&sy->ack_seq, seq);
			pp_responder((uint64_t *)pp);
			break;
		case OP_READ:
			read_until(dst, bw, arg, &sy->stop_seq, seq, &sy->ack_seq, seq);
			break;
		case OP_WAKE:
			st64(&sy->ack_seq, seq);
			xw_respond((volatile uint32_t *)(pp + 2048), arg);
			break;
		case OP_EXIT:
			st64(&sy->ack_seq, seq);
			st64(&sy->done_seq, seq);
			munmap(buf, bw_size + NOALIAS_SPAN);
			return;
		default:
			errno = EINVAL;
			die("unknown command %u", op);
		}
		st64(&sy->done_seq, seq);
	}
}

/* --- guest 1: row 8, operations on remote and local segments ------------ */

enum fkind { F_REMOTE, F_LOCAL, F_SYSV, NF8 };
static const char *const fk_name[] = { "remote", "local", "sysv" };

struct fcount {
	double sent, recv, bells, irqs;
};

static void fi_delta(struct fcount *c, const struct clshm_fabinfo *a,
		     const struct clshm_fabinfo *b)
{
	c->sent += (double)(b->msgs_sent - a->msgs_sent);
	c->recv += (double)(b->msgs_recv - a->msgs_recv);
	c->bells += (double)(b->doorbells - a->doorbells);
	c->irqs += (double)(b->interrupts - a->interrupts);
}

static void rec_counts(struct rec *rc, const struct fcount *c, double per)
{
	rc->msgs_sent = c->sent / per;
	rc->msgs_recv = c->recv / per;
	rc->doorbells = c->bells / per;
	rc->irqs = c->irqs / per;
}

static const char *const op8[] = {
	"get(create)", "get(lookup)", "stat", "attach", "detach", "remove",
	"attach+detach"
};
#define NOP8 7

static int f_get(enum fkind k, key_t key, size_t size, int flags)
{
	if (k == F_SYSV)
		return shmget(key, size, flags);
	return xp_shmget(key, size, flags);
}

static void row8_ops(const struct opts *o)
{
	static const size_t sizes[] = { 4 * KiB, 2 * MiB };
	int R = o->quick ? 3 : 15, z, r, i, j, op;
	static key_t sysv_next = 0x5eb20000;

	for (z = 0; z < 2; z++) {
		size_t size = sizes[z];
		double *t[NOP8][NF8];
		long fl[NOP8][NF8] = { { 0 } };
		struct fcount fc[NOP8][NF8];

		memset(fc, 0, sizeof(fc));
		progress("row 8: create/lookup/stat/attach/detach/remove, remote against local, %zu KiB, %d x %d ops",
			 size / KiB, R, B_OPS);
		for (op = 0; op < NOP8; op++)
			for (i = 0; i < NF8; i++)
				t[op][i] = samples(R);
		for (r = -1; r < R; r++) {
			for (i = 0; i < NF8; i++) {
				enum fkind k = (enum fkind)rot(r + 1, i, NF8);
				key_t keys[B_OPS];
				int ids[B_OPS];
				void *at[B_OPS];
				double ts[7];
				long fs[7];
				struct clshm_fabinfo fa, fb;
				struct shmid_ds ds;

				for (j = 0; j < B_OPS; j++)
					keys[j] = k == F_SYSV ? sysv_next++ :
						  mint(k == F_REMOTE ? peer : -1);
				for (op = 0; op < 6; op++) {
					fabinfo(&fa);
					fs[op] = minflt();
					ts[op] = now_ns();
					for (j = 0; j < B_OPS; j++) {
						int err = 0;

						switch (op) {
						case 0:
							ids[j] = f_get(k, keys[j], size,
								       IPC_CREAT | IPC_EXCL | 0600);
							err = ids[j] == -1;
							break;
						case 1:
							err = f_get(k, keys[j], 0, 0) != ids[j];
							break;
						case 2:
							err = k == F_SYSV ? shmctl(ids[j], IPC_STAT, &ds) :
							      xp_shmctl(ids[j], IPC_STAT, &ds);
							break;
						case 3:
							at[j] = k == F_SYSV ? shmat(ids[j], NULL, 0) :
								xp_shmat(ids[j], NULL, 0);
							err = at[j] == (void *)-1;
							break;
						case 4:
							err = k == F_SYSV ? shmdt(at[j]) : xp_shmdt(at[j]);
							break;
						case 5:
							err = k == F_SYSV ? shmctl(ids[j], IPC_RMID, NULL) :
							      xp_shmctl(ids[j], IPC_RMID);
							break;
						}
						if (err)
							die("row 8 %s (%s, %zu bytes)", op8[op], fk_name[k], size);
					}
					ts[op + 1] = now_ns();
					fs[op + 1] = minflt();
					fabinfo(&fb);
					if (r >= 0) {
						t[op][k][r] = (ts[op + 1] - ts[op]) / B_OPS;
						fl[op][k] += fs[op + 1] - fs[op];
						fi_delta(&fc[op][k], &fa, &fb);
					}
				}
				if (r >= 0) {
					t[6][k][r] = t[3][k][r] + t[4][k][r];
					fl[6][k] += (fs[5] - fs[4]) + (fs[4] - fs[3]);
					fc[6][k].sent = fc[3][k].sent + fc[4][k].sent;
					fc[6][k].recv = fc[3][k].recv + fc[4][k].recv;
					fc[6][k].bells = fc[3][k].bells + fc[4][k].bells;
					fc[6][k].irqs = fc[3][k].irqs + fc[4][k].irqs;
				}
			}
		}
		for (op = 0; op < NOP8; op++) {
			for (i = 0; i < NF8; i++) {
				struct rec rc;

				rec_init(&rc, "8", op8[op], fk_name[i], size, "ns/op");
				rc.v = t[op][i];
				rc.n = R;
				rc.faults = (double)fl[op][i] / (R * B_OPS);
				if (i != F_SYSV)
					rec_counts(&rc, &fc[op][i], R * B_OPS);
				emit(&rc);
				free(t[op][i]);
			}
		}
	}
}

/* Attach + read every page of a filled 2 MiB segment, after a detach. */
static void row8_attach_read(const struct opts *o)
{
	const size_t size = 2 * MiB, pages = size / PAGE;
	int R = o->quick ? 3 : 15, r, i;
	int ids[NF8];
	double *t[NF8];
	long fl[NF8] = { 0 };
	struct fcount fc[NF8];

	memset(fc, 0, sizeof(fc));
	progress("row 8: attach + read a filled 2 MiB segment, remote against local, %d reps", R);
	for (i = 0; i < NF8; i++) {
		char *p;

		ids[i] = f_get((enum fkind)i, i == F_SYSV ? IPC_PRIVATE :
			       i == F_REMOTE ? mint(peer) : IPC_PRIVATE, size,
			       IPC_CREAT | IPC_EXCL | 0600);
		if (ids[i] == -1)
			die("row 8 attach+read: get (%s)", fk_name[i]);
		p = i == F_SYSV ? shmat(ids[i], NULL, 0) : xp_shmat(ids[i], NULL, 0);
		if (p == (void *)-1)
			die("row 8 attach+read: attach (%s)", fk_name[i]);
		memset(p, 1, size);
		if (i == F_SYSV ? shmdt(p) : xp_shmdt(p))
			die("row 8 attach+read: detach (%s)", fk_name[i]);
		t[i] = samples(R);
	}
	for (r = 0; r < R; r++) {
		for (i = 0; i < NF8; i++) {
			enum fkind k = (enum fkind)rot(r, i, NF8);
			struct clshm_fabinfo fa, fb;
			double t0, t1;
			long f0, f1;
			char *p;

			fabinfo(&fa);
			f0 = minflt();
			t0 = now_ns();
			p = k == F_SYSV ? shmat(ids[k], NULL, SHM_RDONLY) :
			    xp_shmat(ids[k], NULL, SHM_RDONLY);
			if (p == (void *)-1)
				die("row 8 attach+read: attach (%s)", fk_name[k]);
			read_pages(p, size);
			t1 = now_ns();
			f1 = minflt();
			if (k == F_SYSV ? shmdt(p) : xp_shmdt(p))
				die("row 8 attach+read: detach (%s)", fk_name[k]);
			fabinfo(&fb);
			t[k][r] = (t1 - t0) / pages;
			fl[k] += f1 - f0;
			fi_delta(&fc[k], &fa, &fb);
		}
	}
	for (i = 0; i < NF8; i++) {
		struct rec rc;

		rec_init(&rc, "8", "attach+read", fk_name[i], size, "ns/page");
		rc.v = t[i];
		rc.n = R;
		rc.faults = (double)fl[i] / R / pages;
		rc.faults_total = (double)fl[i] / R;
		if (i != F_SYSV)
			rec_counts(&rc, &fc[i], R);
		emit(&rc);
		free(t[i]);
		if (i == F_SYSV ? shmctl(ids[i], IPC_RMID, NULL) : xp_shmctl(ids[i], IPC_RMID))
			die("row 8 attach+read: remove (%s)", fk_name[i]);
	}
}

/* --- guest 1: row 9, memcpy ------------------------------------------- */

enum { M_REMOTE, M_LOCAL, M_PRIVATE, NM };
static const char *const mk_name[] = { "remote", "local", "private" };

struct reader {
	char *src;
	size_t size;
	volatile uint64_t *ctl;	/* [0] started, [1] stop */
};

static void *reader_thread(void *arg)
{
	struct reader *rd = arg;
	char *buf = anon(rd->size + NOALIAS_SPAN);

	pin_cpu(1);
	read_until(noalias(buf, rd->src), rd->src, rd->size, &rd->ctl[1], 1, &rd->ctl[0], 1);
	munmap(buf, rd->size + NOALIAS_SPAN);
	return NULL;
}

/*
 * One "shared" sample: copy @size out of @src @iters times while another
 * reader copies out of the same bytes: guest 0 (remote), a second process
 * of this guest on the same segment (local), or a second thread (private).
 */
static double shared_sample(int k, char *src, char *dst, size_t size, long iters)
{
	volatile uint64_t *ctl = NULL;
	uint64_t seq = 0;
	pthread_t th;
	pid_t pid = -1;
	double t0, t1;
	int status;

	if (k == M_REMOTE) {
		seq = cmd(OP_READ, (uint32_t)size);
	} else {
		ctl = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (ctl == MAP_FAILED)
			die("mmap");
		ctl[0] = ctl[1] = 0;
		if (k == M_PRIVATE) {
			static struct reader rd;

			rd.src = src;
			rd.size = size;
			rd.ctl = ctl;
			if (pthread_create(&th, NULL, reader_thread, &rd))
				die("pthread_create");
		} else {
			fflush(stdout);
			pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0) {
				char *buf = anon(size + NOALIAS_SPAN);

				pin_cpu(1);
				/* The local segment: inherited attach (xp_shmat's mmap). */
				read_until(noalias(buf, src), src, size, &ctl[1], 1, &ctl[0], 1);
				_exit(0);
			}
		}
		while (!ld64(&ctl[0]))
			usleep(100);
	}
	t0 = now_ns();
	copy_loop(dst, src, size, iters);
	t1 = now_ns();
	if (k == M_REMOTE) {
		cmd_stop(seq);
		cmd_wait(seq);
	} else {
		st64(&ctl[1], 1);
		if (k == M_PRIVATE)
			pthread_join(th, NULL);
		else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
			 WEXITSTATUS(status))
			die("row 9: the second reader failed");
		munmap((void *)ctl, PAGE);
	}
	return (double)iters * size / (t1 - t0) * 1e3;
}

static void row9_memcpy(const struct opts *o, char *remote)
{
	static const size_t sizes[] = { 4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB };
	const int nz = 4;
	size_t max = 16 * MiB, per_sample = o->quick ? 1 * MiB : 8 * MiB;
	int R = o->quick ? 2 : 11, r, z, d, i;
	char *mem[NM], *partner[NM], *priv_b = anon(max + NOALIAS_SPAN);
	struct seg local;
	double *bw[4][3][NM];

	progress("row 9: memcpy into and out of a remote segment, a local one and private memory, 4 KiB..16 MiB, %d reps", R);
	must(seg_get(&local, K_CLSHM, max, 0), "get", K_CLSHM, max);
	must(seg_at(&local, 0), "attach", K_CLSHM, max);
	memset(local.addr, 1, max);
	mem[M_REMOTE] = remote;
	mem[M_LOCAL] = local.addr;
	mem[M_PRIVATE] = anon(max);
	for (i = 0; i < NM; i++)
		partner[i] = noalias(priv_b, mem[i]);
	/*
	 * The second reader of a "shared" sample is a forked process: keep
	 * these buffers out of it, or every page of the first copy after the
	 * fork would be a copy-on-write fault in this process.
	 */
	if (madvise(priv_b, max + NOALIAS_SPAN, MADV_DONTFORK) ||
	    madvise(mem[M_PRIVATE], max, MADV_DONTFORK))
		die("madvise(MADV_DONTFORK)");
	for (z = 0; z < nz; z++)
		for (d = 0; d < 3; d++)
			for (i = 0; i < NM; i++)
				bw[z][d][i] = samples(R);
	pin_cpu(0);
	for (r = 0; r < R; r++) {
		for (z = 0; z < nz; z++) {
			size_t size = sizes[z];
			long iters = (long)(per_sample / size);

			if (iters < 1)
				iters = 1;
			for (d = 0; d < 3; d++) {
				for (i = 0; i < NM; i++) {
					int k = rot(r, i, NM);
					char *dst = d == 0 ? mem[k] : partner[k];
					char *src = d == 0 ? partner[k] : mem[k];
					double t0, t1;

					if (d == 2) {
						bw[z][d][k][r] = shared_sample(k, mem[k], partner[k], size, iters);
						continue;
					}
					t0 = now_ns();
					copy_loop(dst, src, size, iters);
					t1 = now_ns();
					bw[z][d][k][r] = (double)iters * size / (t1 - t0) * 1e3;
				}
			}
		}
	}
	for (z = 0; z < nz; z++) {
		for (d = 0; d < 3; d++) {
			for (i = 0; i < NM; i++) {
				struct rec rc;

				rec_init(&rc, "9", d == 0 ? "memcpy-into" : "memcpy-out",
					 mk_name[i], sizes[z], "MB/s");
				if (d == 2)
					rc.variant = "shared";
				if (d == 2 && i == M_REMOTE)
					rc.note = "guest 0 (the owner) copies out of the same bytes meanwhile";
				else if (d == 2 && i == M_LOCAL)
					rc.note = "a second process of this guest copies out of the same bytes meanwhile";
				else if (d == 2)
					rc.note = "a second thread copies out of the same bytes meanwhile";
				rc.v = bw[z][d][i];
				rc.n = R;
				emit(&rc);
				free(bw[z][d][i]);
			}
		}
	}
	seg_dt(&local);
	seg_rm(&local);
	munmap(mem[M_PRIVATE], max);
	munmap(priv_b, max + NOALIAS_SPAN);
}

/* --- guest 1: row 10, ping-pong ----------------------------------------- */

enum { P_REMOTE, P_LOCAL, P_SYSV, P_PRIVATE, NP };
static const char *const pk_name[] = { "remote", "local", "sysv", "private" };
static const int pk_kind[] = { -1, K_CLSHM, K_SYSV, K_PRIVATE };

static double pp_cross(char *pp, long warm, long n)
{
	uint64_t seq = cmd(OP_PINGPONG, 0);
	double rt = pp_pinger((uint64_t *)pp, warm, n);

	cmd_wait(seq);
	return rt;
}

static void row10_pingpong(const struct opts *o, char *pp)
{
	int R = o->quick ? 3 : 11, r, i;
	double *rt[NP], cal_in, cal_x;
	long n_in, n_x, target = o->quick ? 10e6 : 50e6;
	cpu_set_t all;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		progress("row 10: skipped (one CPU)");
		return;
	}
	sched_getaffinity(0, sizeof(all), &all);
	pin_cpu(0);
	cal_in = pp_once(K_PRIVATE, 200, 2000);
	cal_x = pp_cross(pp, 100, 1000);
	n_in = (long)(target / cal_in);
	n_x = (long)(target / cal_x);
	if (n_in < 1000)
		n_in = 1000;
	if (n_x < 500)
		n_x = 500;
	progress("row 10: ping-pong between the guests (%ld round trips a sample, %.0f ns each) and inside this one (%ld, %.0f ns), %d reps",
		 n_x, cal_x, n_in, cal_in, R);
	for (i = 0; i < NP; i++)
		rt[i] = samples(R);
	for (r = 0; r < R; r++)
		for (i = 0; i < NP; i++) {
			int k = rot(r, i, NP);

			if (k == P_REMOTE)
				rt[k][r] = pp_cross(pp, n_x / 10, n_x);
			else
				rt[k][r] = pp_once(pk_kind[k], n_in / 10, n_in);
		}
	for (i = 0; i < NP; i++) {
		struct rec rc;

		rec_init(&rc, "10", "pingpong", pk_name[i], 64, "ns/rt");
		if (i == P_REMOTE)
			rc.note = "a process in guest 0 and one in guest 1, through a segment of partition 0";
		else if (i == P_PRIVATE)
			rc.note = "two threads of one process";
		else
			rc.note = "two processes of guest 1";
		rc.v = rt[i];
		rc.n = R;
		emit(&rc);
		free(rt[i]);
	}
	sched_setaffinity(0, sizeof(all), &all);
}

/* --- guest 1: row 11, wake-up latency ------------------------------------ */

enum { W_REMOTE, W_LOCAL, W_EVENTFD, NW };
static const char *const wk_name[] = { "remote", "local", "eventfd" };

/* One sample: ns per one-way wake-up, over @warm + @n round trips. */
static double wake_sample(int k, char *pp, long warm, long n, struct fcount *fc)
{
	struct clshm_fabinfo fa, fb;
	double lat;
	pid_t pid;
	int status;

	if (k == W_REMOTE) {
		volatile uint32_t *w = (volatile uint32_t *)(pp + 2048);
		uint64_t seq;

		__atomic_store_n(w, 0, __ATOMIC_RELEASE);
		seq = cmd(OP_WAKE, (uint32_t)(warm + n));
		fabinfo(&fa);
		lat = xw_ping(w, warm, n);
		fabinfo(&fb);
		cmd_wait(seq);
		if (fc) {
			/* per round trip, warm-up included */
			struct fcount c = { 0 };

			fi_delta(&c, &fa, &fb);
			fc->sent += c.sent / (warm + n);
			fc->recv += c.recv / (warm + n);
			fc->bells += c.bells / (warm + n);
			fc->irqs += c.irqs / (warm + n);
		}
		return lat;
	}
	if (k == W_LOCAL) {
		struct seg s;
		volatile uint32_t *w;

		must(seg_get(&s, K_CLSHM, PAGE, 0), "get", K_CLSHM, PAGE);
		must(seg_at(&s, 0), "attach", K_CLSHM, PAGE);
		w = (volatile uint32_t *)s.addr;
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			pin_cpu(1);
			xw_respond(w, warm + n);
			_exit(0);
		}
		lat = xw_ping(w, warm, n);
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("row 11: the responder failed");
		seg_dt(&s);
		seg_rm(&s);
		return lat;
	} else {
		int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
		double t0 = 0;
		long i;

		if (a < 0 || b < 0)
			die("eventfd");
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			pin_cpu(1);
			for (i = 0; i < warm + n; i++) {
				ev_read(a);
				ev_write(b);
			}
			_exit(0);
		}
		for (i = 0; i < warm + n; i++) {
			if (i == warm)
				t0 = now_ns();
			ev_write(a);
			ev_read(b);
		}
		lat = (now_ns() - t0) / n / 2;
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("row 11: the eventfd responder failed");
		close(a);
		close(b);
		return lat;
	}
}

static void row11_wakeup(const struct opts *o, char *pp, int doorbell)
{
	int R = o->quick ? 3 : 11, r, i;
	double *lat[NW], target = o->quick ? 0.05e9 : 0.3e9;
	long n[NW];
	struct fcount fc = { 0 };
	cpu_set_t all;

	sched_getaffinity(0, sizeof(all), &all);
	pin_cpu(0);
	/* Round trips per sample: about @target ns each (10 to 2000). */
	for (i = 0; i < NW; i++) {
		double one = wake_sample(i, pp, 2, 8, NULL);

		n[i] = (long)(target / (2 * one));
		n[i] = n[i] < 10 ? 10 : n[i] > 2000 ? 2000 : n[i];
		lat[i] = samples(R);
	}
	progress("row 11: wake-up latency across the guests (%s; %ld round trips a sample) and inside this one (xp %ld, eventfd %ld), %d reps",
		 doorbell ? "doorbells" : "polling", n[W_REMOTE], n[W_LOCAL], n[W_EVENTFD], R);
	for (r = 0; r < R; r++)
		for (i = 0; i < NW; i++) {
			int k = rot(r, i, NW);

			lat[k][r] = wake_sample(k, pp, n[k] / 10 + 1, n[k],
						k == W_REMOTE ? &fc : NULL);
		}
	for (i = 0; i < NW; i++) {
		struct rec rc;

		rec_init(&rc, "11", "wakeup", wk_name[i], 0, "ns/wake");
		if (i == W_REMOTE) {
			rc.note = doorbell ?
				"xp_shmwake in one guest to xp_shmwait returning in the other (doorbell interrupts)" :
				"xp_shmwake in one guest to xp_shmwait returning in the other (no doorbells: polling)";
			/* per round trip (two wake-ups, one each way), as guest 1 saw them */
			rec_counts(&rc, &fc, R);
		} else if (i == W_LOCAL) {
			rc.note = "xp_shmwake to xp_shmwait between two processes of one guest";
		} else {
			rc.note = "eventfd write to read between two processes of one guest";
		}
		rc.v = lat[i];
		rc.n = R;
		emit(&rc);
		free(lat[i]);
	}
	sched_setaffinity(0, sizeof(all), &all);
}

/* --- the suite ----------------------------------------------------------- */

static int want(const struct opts *o, const char *row)
{
	return !o->only || !strcmp(o->only, row);
}

int suite_fabric(const struct opts *o)
{
	const size_t bw_size = 16 * MiB;
	const char *g = getenv("CLSHM_GUEST");
	struct clshm_fabinfo fi;
	char buf[160], *bw = NULL, *pp = NULL;
	int bw_id = -1, pp_id = -1, doorbell;

	if (!g || (strcmp(g, "0") && strcmp(g, "1"))) {
		errno = EINVAL;
		die("the fabric suite runs in guests 0 and 1 of vm/run --guests 2 (CLSHM_GUEST)");
	}
	me = atoi(g);
	peer = 1 - me;
	if (part_getid() != me) {
		errno = EINVAL;
		die("partition id %d is not the guest index %d (--module-args partid=%%g)",
		    part_getid(), me);
	}
	if (fabinfo(&fi) || !(fi.flags & CLSHM_FAB_PRESENT)) {
		errno = ENODEV;
		die("no fabric (CLSHM_IOC_FABINFO)");
	}
	doorbell = !!(fi.flags & CLSHM_FAB_DOORBELL);
	snprintf(buf, sizeof(buf), "%s, %llu MiB, %u slots, zones of %llu MiB, partition %u",
		 doorbell ? "doorbells" : "plain (polling)",
		 (unsigned long long)(fi.fabric_size >> 20), fi.nparts,
		 (unsigned long long)(fi.zone_size >> 20), fi.partid);
	emit_meta(me ? "fabric_g1" : "fabric_g0", buf);
	map_sync();
	/* Only this guest writes its arrive word: nonzero means a used area. */
	if (ld64(&sy->arrive[me])) {
		errno = EEXIST;
		die("the fabric's coordination area was used before: the fabric suite runs once per fabric (vm/run makes a fresh one per run)");
	}
	atexit(mark_failed);
	wait_peer_up();

	/* Guest 0 makes the shared segments and publishes their shmids. */
	if (me == 0) {
		bw_id = xp_shmget(IPC_PRIVATE, bw_size, 0600);
		pp_id = xp_shmget(IPC_PRIVATE, PAGE, 0600);
		if (bw_id == -1 || pp_id == -1)
			die("xp_shmget");
		bw = attach(bw_id, bw_size);
		pp = attach(pp_id, PAGE);
		memset(bw, 1, bw_size);
		sy->val[0][V_BW] = (uint32_t)bw_id;
		sy->val[0][V_PP] = (uint32_t)pp_id;
	}
	barrier(1);
	if (me == 1) {
		bw_id = (int)sy->val[0][V_BW];
		pp_id = (int)sy->val[0][V_PP];
		if (part_getpart(bw_id) != 0 || part_getpart(pp_id) != 0) {
			errno = EINVAL;
			die("the shared segments are not partition 0's");
		}
		bw = attach(bw_id, bw_size);
		pp = attach(pp_id, PAGE);
		progress("fabric suite: guest 1 measures, guest 0 owns the shared segments (%s)",
			 doorbell ? "doorbells" : "no doorbells: polling");
		if (want(o, "8")) {
			row8_ops(o);
			row8_attach_read(o);
		}
		if (want(o, "9"))
			row9_memcpy(o, bw);
		if (want(o, "10"))
			row10_pingpong(o, pp);
		if (want(o, "11"))
			row11_wakeup(o, pp, doorbell);
		cmd_wait(cmd(OP_EXIT, 0));
	} else {
		serve(bw, bw_size, pp);
	}
	barrier(2);
	xp_shmdt(bw);
	xp_shmdt(pp);
	barrier(3);
	if (me == 0) {
		xp_shmctl(bw_id, IPC_RMID);
		xp_shmctl(pp_id, IPC_RMID);
	}
	finished = 1;
	return 0;
}
