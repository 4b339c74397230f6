// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle - how segments and attaches live and die
 *
 * Removal (IPC_RMID, IPC_AUTORMID), attach counting through fork, exit,
 * kill -9, munmap and mremap, large segments shared between processes,
 * process-shared mutexes and futexes inside a segment, and the page-fault
 * cost of attaching (pages that exist are mapped at attach time; new
 * pages come in batches); segments in huge folios, mapped by PMD.
 */
#include <poll.h>
#include <pthread.h>
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "common.h"

CLSHM_FIXTURE(life)

/* A path key nobody else uses (minted keys create on lookup). */
static key_t path_key(int id)
{
	char path[64];
	int fd;

	test_file(path, sizeof(path), "keyfile");
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return xp_ftok(path, id);
}

static int new_seg(size_t pages)
{
	return xp_shmget(IPC_PRIVATE, pages * page_size(), IPC_CREAT | 0600);
}

/* Pipes to hold children at a point: the child signals, then waits. */
struct gate {
	int up[2];	/* child -> parent: "I am there" */
	int down[2];	/* parent -> child: "go on" */
};

static int gate_init(struct gate *g)
{
	if (pipe2(g->up, O_CLOEXEC))
		return -1;
	return pipe2(g->down, O_CLOEXEC);
}

static void gate_close(struct gate *g)
{
	close(g->up[0]);
	close(g->up[1]);
	close(g->down[0]);
	close(g->down[1]);
}

/* Read one byte from fd within ms: 0, or -1. */
static int read_byte(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* Child side: say "there", wait for "go". */
static int gate_child(struct gate *g)
{
	if (write(g->up[1], "u", 1) != 1)
		return -1;
	return read_byte(g->down[0], 300000);
}

/* Parent side: wait for n children to be there. */
static int gate_wait(struct gate *g, int n)
{
	while (n--)
		if (read_byte(g->up[0], 120000))
			return -1;
	return 0;
}

static int gate_open(struct gate *g, int n)
{
	while (n--)
		if (write(g->down[1], "d", 1) != 1)
			return -1;
	return 0;
}

static void fill(uint64_t *p, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (i + seed) * 0x9e3779b97f4a7c15ull;
}

/* Index of the first word that differs, or n. */
static size_t check(const uint64_t *p, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (i + seed) * 0x9e3779b97f4a7c15ull)
			return i;
	return n;
}

/* ---------------------------------------------------------------- */
/* Removal                                                            */

TEST_F(life, rmid_attached_data_intact)
{
	size_t words = 16 * page_size() / 8;
	uint64_t *p;
	int id = new_seg(16);

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	fill(p, words, 1);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	EXPECT_EQ(words, check(p, words, 1));
	/* still writable */
	fill(p, words, 2);
	EXPECT_EQ(words, check(p, words, 2));
	EXPECT_EQ(1, seg_nattch(id));
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(life, rmid_attached_key_gone)
{
	key_t k = path_key(1);
	int id;
	void *p;

	ASSERT_NE(-1, k);
	id = xp_shmget(k, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	EXPECT_EQ(-1, xp_shmget(k, 0, 0600));
	EXPECT_EQ(ENOENT, errno);
	/* the key is free for a new segment */
	EXPECT_LE(0, xp_shmget(k, page_size(), IPC_CREAT | IPC_EXCL | 0600));
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(life, rmid_attached_stat_shows_dest)
{
	struct clshm_ds ds;
	struct shmid_ds sds;
	key_t k = path_key(2);
	int id;
	void *p;

	ASSERT_NE(-1, k);
	id = xp_shmget(k, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_TRUE(ds.state & CLSHM_SEG_DEST);
	EXPECT_EQ(0, ds.key);
	EXPECT_EQ(1, ds.nattch);
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &sds));
	EXPECT_EQ(SHM_DEST, sds.shm_perm.mode & SHM_DEST);
	EXPECT_EQ(0600, sds.shm_perm.mode & 0777);
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(life, rmid_attached_freed_at_last_detach)
{
	struct clshm_counters k;
	int id = new_seg(32);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	memset(p, 3, 32 * page_size());
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.pages_pinned + 32, k.pages_pinned);
	EXPECT_EQ(self->ctx.base.segs_live + 1, k.segs_live);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	/* still held while attached */
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.pages_pinned + 32, k.pages_pinned);
	ASSERT_EQ(0, xp_shmdt(p));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.pages_pinned, k.pages_pinned);
	EXPECT_EQ(self->ctx.base.segs_live, k.segs_live);
	EXPECT_EQ(self->ctx.base.pages_freed + 32, k.pages_freed);
	EXPECT_EQ(-1, seg_stat(id, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(life, rmid_unattached_frees_now)
{
	struct clshm_counters k;
	int id = new_seg(16);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	memset(p, 3, 16 * page_size());
	ASSERT_EQ(0, xp_shmdt(p));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.pages_pinned + 16, k.pages_pinned);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.pages_pinned, k.pages_pinned);
	EXPECT_EQ(-1, seg_stat(id, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(life, autormid_unattached_removes_now)
{
	key_t k = path_key(3);
	int id;

	ASSERT_NE(-1, k);
	id = xp_shmget(k, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, xp_shmctl(id, IPC_AUTORMID));
	EXPECT_EQ(-1, seg_stat(id, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, xp_shmget(k, 0, 0600));
	EXPECT_EQ(ENOENT, errno);
}

static int hold_until_told(void *arg)
{
	struct gate *g = arg;

	/* the attach is inherited from the parent */
	return gate_child(g) ? 1 : 0;
}

TEST_F(life, autormid_attached_removes_at_last_detach)
{
	struct clshm_ds ds;
	struct gate g;
	key_t k = path_key(4);
	pid_t pid;
	int id, status;
	char *p;

	ASSERT_NE(-1, k);
	ASSERT_EQ(0, gate_init(&g));
	id = xp_shmget(k, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	pid = start_child(-1, hold_until_told, &g);
	ASSERT_LT(0, pid);
	track_pid(pid);
	ASSERT_EQ(0, gate_wait(&g, 1));
	ASSERT_EQ(0, xp_shmctl(id, IPC_AUTORMID));
	/* attached twice: still there, with its key */
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(2, ds.nattch);
	EXPECT_TRUE(ds.state & CLSHM_SEG_AUTORMID);
	EXPECT_EQ(id, xp_shmget(k, 0, 0600));
	/* the child exits: one attach left */
	ASSERT_EQ(0, gate_open(&g, 1));
	status = wait_child(pid, 60000);
	ASSERT_CHILD_OK(status);
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(1, ds.nattch);
	/* the last detach removes it */
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(-1, seg_stat(id, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, xp_shmget(k, 0, 0600));
	EXPECT_EQ(ENOENT, errno);
	gate_close(&g);
}

/* ---------------------------------------------------------------- */
/* Attach counting                                                    */

struct fork_arg {
	struct gate g;
	int shmid;
	char *p;
};

static int check_count_in_child(void *arg)
{
	struct fork_arg *a = arg;

	CHILD_CHECK(seg_nattch(a->shmid) == 2);
	CHILD_CHECK(a->p[0] == 'f');
	a->p[1] = 'c';
	return gate_child(&a->g) ? 1 : 0;
}

TEST_F(life, fork_counts_attach)
{
	struct fork_arg a;
	pid_t pid;

	ASSERT_EQ(0, gate_init(&a.g));
	a.shmid = new_seg(1);
	ASSERT_LE(0, a.shmid);
	a.p = xp_shmat(a.shmid, NULL, 0);
	ASSERT_NE(XP_FAILED, a.p);
	a.p[0] = 'f';
	EXPECT_EQ(1, seg_nattch(a.shmid));
	pid = start_child(-1, check_count_in_child, &a);
	ASSERT_LT(0, pid);
	track_pid(pid);
	ASSERT_EQ(0, gate_wait(&a.g, 1));
	EXPECT_EQ(2, seg_nattch(a.shmid));
	EXPECT_EQ('c', a.p[1]);
	ASSERT_EQ(0, gate_open(&a.g, 1));
	ASSERT_CHILD_OK(wait_child(pid, 60000));
	EXPECT_EQ(1, seg_nattch(a.shmid));
	ASSERT_EQ(0, xp_shmdt(a.p));
	EXPECT_EQ(0, seg_nattch(a.shmid));
	gate_close(&a.g);
}

static int detach_inherited(void *arg)
{
	struct fork_arg *a = arg;

	CHILD_CHECK(xp_shmdt(a->p) == 0);
	CHILD_CHECK(seg_nattch(a->shmid) == 1);
	return 0;
}

TEST_F(life, fork_child_detaches_own_copy)
{
	struct fork_arg a;

	a.shmid = new_seg(1);
	ASSERT_LE(0, a.shmid);
	a.p = xp_shmat(a.shmid, NULL, 0);
	ASSERT_NE(XP_FAILED, a.p);
	a.p[0] = 1;
	ASSERT_CHILD_OK(run_child(-1, detach_inherited, &a));
	EXPECT_EQ(1, seg_nattch(a.shmid));
	/* the parent's attach is unaffected */
	EXPECT_EQ(1, a.p[0]);
	ASSERT_EQ(0, xp_shmdt(a.p));
}

static int attach_and_exit(void *arg)
{
	int *shmid = arg;
	char *p = xp_shmat(*shmid, NULL, 0);

	CHILD_CHECK(p != XP_FAILED);
	p[0] = 'e';
	return 0;	/* no detach */
}

TEST_F(life, exit_without_detach)
{
	struct clshm_counters k;
	int id = new_seg(4);
	char *p;

	ASSERT_LE(0, id);
	ASSERT_CHILD_OK(run_child(-1, attach_and_exit, &id));
	EXPECT_EQ(0, seg_nattch(id));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.attaches_live, k.attaches_live);
	/* the segment and its data outlive the process */
	p = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, p);
	EXPECT_EQ('e', p[0]);
	ASSERT_EQ(0, xp_shmdt(p));
}

struct kill_arg {
	struct gate g;
	int shmid;
};

static int attach_and_wait(void *arg)
{
	struct kill_arg *a = arg;
	char *p = xp_shmat(a->shmid, NULL, 0);

	CHILD_CHECK(p != XP_FAILED);
	p[getpid() % page_size()] = 1;
	gate_child(&a->g);
	for (;;)
		pause();
	return 0;
}

TEST_F(life, kill9_children_drop_attaches)
{
	struct clshm_counters k;
	struct kill_arg a;
	pid_t pids[6];
	int i, status;

	ASSERT_EQ(0, gate_init(&a.g));
	a.shmid = new_seg(1);
	ASSERT_LE(0, a.shmid);
	for (i = 0; i < 6; i++) {
		pids[i] = start_child(-1, attach_and_wait, &a);
		ASSERT_LT(0, pids[i]);
		track_pid(pids[i]);
	}
	ASSERT_EQ(0, gate_wait(&a.g, 6));
	EXPECT_EQ(6, seg_nattch(a.shmid));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.attaches_live + 6, k.attaches_live);
	for (i = 0; i < 6; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < 6; i++) {
		status = wait_child(pids[i], 60000);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("child %d: %s", i, status_str(status));
	}
	EXPECT_EQ(0, seg_nattch(a.shmid));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.attaches_live, k.attaches_live);
	gate_close(&a.g);
}

TEST_F(life, kill9_removed_segment_freed)
{
	struct clshm_counters k;
	struct kill_arg a;
	pid_t pid;
	int status;

	ASSERT_EQ(0, gate_init(&a.g));
	a.shmid = new_seg(8);
	ASSERT_LE(0, a.shmid);
	pid = start_child(-1, attach_and_wait, &a);
	ASSERT_LT(0, pid);
	track_pid(pid);
	ASSERT_EQ(0, gate_wait(&a.g, 1));
	ASSERT_EQ(0, xp_shmctl(a.shmid, IPC_RMID));
	EXPECT_EQ(0, seg_stat(a.shmid, NULL));
	kill(pid, SIGKILL);
	status = wait_child(pid, 60000);
	EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("%s", status_str(status));
	/* the dying process held the last attach: all freed */
	EXPECT_EQ(-1, seg_stat(a.shmid, NULL));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.segs_live, k.segs_live);
	EXPECT_EQ(self->ctx.base.pages_pinned, k.pages_pinned);
	gate_close(&a.g);
}

TEST_F(life, multiple_attaches_one_process)
{
	int id = new_seg(2);
	char *p[3];
	int i;

	ASSERT_LE(0, id);
	for (i = 0; i < 3; i++) {
		p[i] = xp_shmat(id, NULL, 0);
		ASSERT_NE(XP_FAILED, p[i]);
	}
	EXPECT_NE(p[0], p[1]);
	EXPECT_EQ(3, seg_nattch(id));
	p[0][100] = 'x';
	EXPECT_EQ('x', p[1][100]);
	EXPECT_EQ('x', p[2][100]);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, xp_shmdt(p[i]));
		EXPECT_EQ(2 - i, seg_nattch(id));
	}
}

TEST_F(life, munmap_whole_is_detach)
{
	struct clshm_counters k;
	int id = new_seg(4);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, munmap(p, 4 * page_size()));
	EXPECT_EQ(0, seg_nattch(id));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.attaches_live, k.attaches_live);
	EXPECT_EQ(-1, xp_shmdt(p));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * Pieces of an attach count as System V counts them (one per VMA), keep
 * their data, and shmdt() of the start takes them all.
 */
TEST_F(life, partial_munmap)
{
	size_t ps = page_size();
	int id = new_seg(4);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	memset(p, 'a', 4 * ps);
	ASSERT_EQ(0, munmap(p + ps, ps));
	EXPECT_EQ(2, seg_nattch(id));
	EXPECT_EQ('a', p[0]);
	EXPECT_EQ('a', p[2 * ps]);
	EXPECT_EQ('a', p[4 * ps - 1]);
	ASSERT_EQ(0, munmap(p, ps));
	EXPECT_EQ(1, seg_nattch(id));
	/* The first page is gone: shmdt() still finds the rest. */
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(0, seg_nattch(id));
	EXPECT_EQ(-1, xp_shmdt(p));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * /proc/PID/smaps of an attach: the kernel asks shmem for the swap use of
 * the mapping's inode, which must be the segment's shmem inode.
 */
TEST_F(life, smaps_of_an_attach)
{
	size_t ps = page_size();
	int id = new_seg(4);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	memset(p, 1, 4 * ps);
	EXPECT_EQ(16, smaps_kb(p, "Rss"));
	EXPECT_EQ(0, smaps_kb(p, "Swap"));
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(life, partial_mprotect)
{
	size_t ps = page_size();
	int id = new_seg(4);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[ps] = 'b';
	ASSERT_EQ(0, mprotect(p + ps, ps, PROT_READ));
	EXPECT_EQ(3, seg_nattch(id));
	EXPECT_EQ('b', p[ps]);
	p[0] = 1;
	p[4 * ps - 1] = 1;
	ASSERT_EQ(0, mprotect(p + ps, ps, PROT_READ | PROT_WRITE));
	p[ps] = 'c';
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(0, seg_nattch(id));
}

TEST_F(life, mremap_grow_refused)
{
	size_t ps = page_size();
	int id = new_seg(2);
	char *p, *q;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[0] = 'g';
	q = mremap(p, 2 * ps, 4 * ps, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q) TH_LOG("grown to %p", q);
	EXPECT_EQ(1, seg_nattch(id));
	EXPECT_EQ('g', p[0]);
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(life, mremap_move_keeps_count)
{
	size_t ps = page_size();
	struct clshm_counters k;
	int id = new_seg(4);
	char *p, *q, *target;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	memset(p, 'm', 4 * ps);
	target = mmap(NULL, 8 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	q = mremap(p, 4 * ps, 4 * ps, MREMAP_MAYMOVE | MREMAP_FIXED,
		   target + 2 * ps);
	ASSERT_NE(MAP_FAILED, q) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_EQ(target + 2 * ps, q);
	EXPECT_EQ(1, seg_nattch(id));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.attaches_live + 1, k.attaches_live);
	EXPECT_EQ('m', q[0]);
	EXPECT_EQ('m', q[4 * ps - 1]);
	/* the old address is no attach any more, the new one is */
	EXPECT_EQ(-1, xp_shmdt(p));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, xp_shmdt(q));
	EXPECT_EQ(0, seg_nattch(id));
	munmap(target, 8 * ps);
}

static int touch_after_rmid(void *arg)
{
	struct fork_arg *a = arg;

	CHILD_CHECK(a->p[0] == 'r');
	CHILD_CHECK(seg_nattch(a->shmid) == 2);
	a->p[1] = 'k';
	return 0;
}

TEST_F(life, fork_after_rmid)
{
	struct fork_arg a;

	a.shmid = new_seg(1);
	ASSERT_LE(0, a.shmid);
	a.p = xp_shmat(a.shmid, NULL, 0);
	ASSERT_NE(XP_FAILED, a.p);
	a.p[0] = 'r';
	ASSERT_EQ(0, xp_shmctl(a.shmid, IPC_RMID));
	ASSERT_CHILD_OK(run_child(-1, touch_after_rmid, &a));
	EXPECT_EQ('k', a.p[1]);
	EXPECT_EQ(1, seg_nattch(a.shmid));
	ASSERT_EQ(0, xp_shmdt(a.p));
	EXPECT_EQ(-1, seg_stat(a.shmid, NULL));
}

/* ---------------------------------------------------------------- */
/* Races                                                              */

#define RACE_PROCS	4
#define RACE_LOOPS	1000

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

/* Error of an expected kind in a race: the segment went meanwhile. */
static int gone(int err)
{
	return err == EINVAL || err == EIDRM || err == ENOENT;
}

static int racer(void *arg)
{
	key_t key = *(key_t *)arg;
	uint32_t seed = (uint32_t)getpid();
	size_t size = 16 * page_size();
	int i, id, status;
	pid_t pid;
	char *p;

	for (i = 0; i < RACE_LOOPS; i++) {
		id = xp_shmget(key, size, IPC_CREAT | 0600);
		CHILD_CHECK(id >= 0 || gone(errno));
		if (id < 0)
			continue;
		switch (lcg(&seed) % 4) {
		case 0:
			if (xp_shmctl(id, IPC_RMID))
				CHILD_CHECK(gone(errno));
			continue;
		case 1:
			if (xp_shmctl(id, IPC_AUTORMID))
				CHILD_CHECK(gone(errno));
			break;
		default:
			break;
		}
		p = xp_shmat(id, NULL, 0);
		if (p == XP_FAILED) {
			CHILD_CHECK(gone(errno));
			continue;
		}
		p[lcg(&seed) % size] = (char)i;
		switch (lcg(&seed) % 4) {
		case 0:		/* a child inherits the attach and exits */
			pid = fork();
			CHILD_CHECK(pid >= 0);
			if (pid == 0) {
				p[0] = 1;
				_exit(0);
			}
			CHILD_CHECK(waitpid(pid, &status, 0) == pid);
			CHILD_CHECK(WIFEXITED(status) && !WEXITSTATUS(status));
			CHILD_CHECK(xp_shmdt(p) == 0);
			break;
		case 1:
			CHILD_CHECK(munmap(p, size) == 0);
			break;
		case 2:
			if (xp_shmctl(id, IPC_RMID))
				CHILD_CHECK(gone(errno));
			p[1] = 2;	/* still mapped */
			CHILD_CHECK(xp_shmdt(p) == 0);
			break;
		default:
			CHILD_CHECK(xp_shmdt(p) == 0);
		}
	}
	return 0;
}

TEST_F_TIMEOUT(life, race_get_attach_rmid, 900)
{
	pid_t pids[RACE_PROCS];
	key_t key = path_key(9);
	int i, id;

	ASSERT_NE(-1, key);
	for (i = 0; i < RACE_PROCS; i++) {
		pids[i] = start_child(-1, racer, &key);
		ASSERT_LT(0, pids[i]);
		track_pid(pids[i]);
	}
	for (i = 0; i < RACE_PROCS; i++) {
		EXPECT_CHILD_OK(wait_child(pids[i], 800000));
	}
	/* what is left is unattached; removing it frees everything */
	id = xp_shmget(key, 0, 0600);
	if (id >= 0) {
		EXPECT_EQ(0, seg_nattch(id));
		EXPECT_EQ(0, xp_shmctl(id, IPC_RMID));
	}
}

struct touch_arg {
	int shmid;
	int index;
	volatile uint32_t *go;	/* in a shared anonymous page */
};

static int touch_all(void *arg)
{
	struct touch_arg *a = arg;
	size_t ps = page_size(), n;
	char *p = xp_shmat(a->shmid, NULL, 0);

	CHILD_CHECK(p != XP_FAILED);
	__atomic_add_fetch(a->go, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(a->go, __ATOMIC_SEQ_CST) < RACE_PROCS)
		;
	/* everybody faults the same new pages at the same time */
	for (n = 0; n < 1024; n++)
		p[n * ps + a->index] = (char)(a->index + 1);
	CHILD_CHECK(xp_shmdt(p) == 0);
	return 0;
}

TEST_F_TIMEOUT(life, race_first_touch, 600)
{
	struct touch_arg a[RACE_PROCS];
	struct clshm_counters k;
	struct clshm_ds ds;
	volatile uint32_t *go;
	size_t ps = page_size(), n, bad = 0;
	pid_t pids[RACE_PROCS];
	char *p;
	int i, id = new_seg(1024);

	ASSERT_LE(0, id);
	go = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, go);
	for (i = 0; i < RACE_PROCS; i++) {
		a[i].shmid = id;
		a[i].index = i;
		a[i].go = go;
		pids[i] = start_child(-1, touch_all, &a[i]);
		ASSERT_LT(0, pids[i]);
		track_pid(pids[i]);
	}
	for (i = 0; i < RACE_PROCS; i++) {
		EXPECT_CHILD_OK(wait_child(pids[i], 500000));
	}
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(1024, ds.pages_resident);
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.pages_pinned + 1024, k.pages_pinned);
	p = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, p);
	for (n = 0; n < 1024; n++)
		for (i = 0; i < RACE_PROCS; i++)
			bad += p[n * ps + i] != (char)(i + 1);
	EXPECT_EQ(0, bad) TH_LOG("%zu bytes lost", bad);
	ASSERT_EQ(0, xp_shmdt(p));
	munmap((void *)go, ps);
}

/* ---------------------------------------------------------------- */
/* Large segments, page faults                                        */

#define BIG_PAGES	16384	/* 64 MiB of 4 KiB pages */

static int big_writer(void *arg)
{
	int *shmid = arg;
	uint64_t *p = xp_shmat(*shmid, NULL, 0);

	CHILD_CHECK(p != XP_FAILED);
	fill(p, (size_t)BIG_PAGES * page_size() / 8, 7);
	CHILD_CHECK(xp_shmdt(p) == 0);
	return 0;
}

TEST_F_TIMEOUT(life, big_segment_across_processes, 900)
{
	size_t words = (size_t)BIG_PAGES * page_size() / 8, bad;
	struct clshm_counters k0, k;
	struct clshm_info i;
	struct clshm_ds ds;
	uint64_t *p;
	int id;

	ASSERT_EQ(4096, page_size());
	ASSERT_EQ(0, get_info(&i));
	if (i.maxpgs - i.pages_reserved < BIG_PAGES)
		SKIP(return, "maxpgs leaves fewer than %d pages", BIG_PAGES);
	id = new_seg(BIG_PAGES);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, get_counters(&k0));
	ASSERT_CHILD_OK(run_child(-1, big_writer, &id));
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(BIG_PAGES, ds.pages_resident);
	EXPECT_EQ(0, ds.nattch);
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(k0.pages_pinned + BIG_PAGES, k.pages_pinned);
	/* first touch comes in batches: far fewer faults than pages */
	TH_LOG("%llu driver faults for %d new pages",
	       (unsigned long long)(k.faults - k0.faults), BIG_PAGES);
	EXPECT_GE(BIG_PAGES / 8, k.faults - k0.faults);
	p = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, p);
	bad = check(p, words, 7);
	EXPECT_EQ(words, bad) TH_LOG("first bad word at byte %zu", bad * 8);
	ASSERT_EQ(0, xp_shmdt(p));
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(k0.pages_pinned, k.pages_pinned);
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static int prefill(void *arg)
{
	int *shmid = arg;
	char *p = xp_shmat(*shmid, NULL, 0);
	size_t off;

	CHILD_CHECK(p != XP_FAILED);
	for (off = 0; off < 1024 * (size_t)page_size(); off += page_size())
		p[off] = 1;
	return 0;
}

TEST_F(life, attach_maps_existing_pages)
{
	size_t ps = page_size(), npages = 1024, n;
	struct clshm_counters k0, k1;
	volatile char *p;
	long sum = 0;
	int id = new_seg(npages);

	ASSERT_LE(0, id);
	ASSERT_CHILD_OK(run_child(-1, prefill, &id));
	p = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, p);
	/* the driver's own count: minflt also counts this stack's faults */
	ASSERT_EQ(0, get_counters(&k0));
	for (n = 0; n < npages; n++)
		sum += p[n * ps];
	ASSERT_EQ(0, get_counters(&k1));
	EXPECT_EQ((long)npages, sum);
	/*
	 * The attach's first fault maps every resident page: one in all;
	 * in huge folios, one per 2 MiB (a PMD entry each).
	 */
	EXPECT_GE(huge_folios() ? (long)(npages * ps >> 21) : 1,
		  (long)(k1.faults - k0.faults))
		TH_LOG("%llu faults reading %zu pages",
		       (unsigned long long)(k1.faults - k0.faults), npages);
	ASSERT_EQ(0, xp_shmdt((void *)p));
}

TEST_F(life, first_touch_faults_in_batches)
{
	size_t ps = page_size(), npages = 1024, n;
	struct clshm_ds ds;
	long before, after;
	char *p;
	int id = new_seg(npages);

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	before = minflt();
	for (n = 0; n < npages; n++)
		p[n * ps] = 1;
	after = minflt();
	TH_LOG("%ld minor faults writing %zu new pages", after - before,
	       npages);
	EXPECT_GT((long)npages / 8, after - before);
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(npages, ds.pages_resident);
	ASSERT_EQ(0, xp_shmdt(p));
}

/* ---------------------------------------------------------------- */
/* Huge folios (module parameter hugepages, on by default)            */

#define SZ_2M		(2UL << 20)
#define HUGE_SEG_PAGES	1024	/* 4 MiB: two huge folios */

static int fill_pattern(void *arg)
{
	int *shmid = arg;
	char *p = xp_shmat(*shmid, NULL, 0);
	size_t off;

	CHILD_CHECK(p != XP_FAILED);
	for (off = 0; off < HUGE_SEG_PAGES * (size_t)page_size(); off += page_size())
		p[off] = (char)(off >> 12) | 1;
	return 0;
}

/* A 4 MiB segment: two folios, one fault and one PMD entry each. */
TEST_F(life, huge_first_touch_one_pmd_per_2mib)
{
	struct clshm_counters k0, k1;
	size_t off, size = HUGE_SEG_PAGES * page_size();
	char *p;
	int id;

	if (!huge_folios())
		SKIP(return, "clshm runs without huge folios");
	id = new_seg(HUGE_SEG_PAGES);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	EXPECT_EQ(0, (uintptr_t)p % SZ_2M) TH_LOG("attach at %p", p);
	ASSERT_EQ(0, get_counters(&k0));
	for (off = 0; off < size; off += page_size())
		p[off] = 1;
	ASSERT_EQ(0, get_counters(&k1));
	EXPECT_EQ(2, k1.faults - k0.faults);
	EXPECT_EQ(4096, smaps_kb(p, "ShmemPmdMapped"));
	ASSERT_EQ(0, xp_shmdt(p));
}

/* Another process's attach of a filled segment: one fault per 2 MiB. */
TEST_F(life, huge_attach_reads_with_one_fault_per_pmd)
{
	size_t off, size = HUGE_SEG_PAGES * page_size();
	struct clshm_counters k0, k1;
	volatile char *p;
	int id, bad = 0;

	if (!huge_folios())
		SKIP(return, "clshm runs without huge folios");
	id = new_seg(HUGE_SEG_PAGES);
	ASSERT_LE(0, id);
	ASSERT_CHILD_OK(run_child(-1, fill_pattern, &id));
	p = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, get_counters(&k0));
	for (off = 0; off < size; off += page_size())
		bad += p[off] != ((char)(off >> 12) | 1);
	ASSERT_EQ(0, get_counters(&k1));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(2, k1.faults - k0.faults);
	EXPECT_EQ(4096, smaps_kb((void *)p, "ShmemPmdMapped"));
	ASSERT_EQ(0, xp_shmdt((void *)p));
}

/* 2 MiB and 3 pages: one huge folio, then a tail of small pages. */
TEST_F(life, huge_tail_in_small_pages)
{
	size_t ps = page_size(), npages = 512 + 3, n;
	volatile char *p, *q;
	int id, bad = 0;

	if (!huge_folios())
		SKIP(return, "clshm runs without huge folios");
	id = new_seg(npages);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	for (n = 0; n < npages; n++)
		p[n * ps] = (char)n | 1;
	EXPECT_EQ(2048, smaps_kb((void *)p, "ShmemPmdMapped"));
	q = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, q);
	for (n = 0; n < npages; n++)
		bad += q[n * ps] != ((char)n | 1);
	EXPECT_EQ(0, bad);
	ASSERT_EQ(0, xp_shmdt((void *)q));
	ASSERT_EQ(0, xp_shmdt((void *)p));
}

/*
 * Splitting a PMD-mapped attach: unmapping one page inside the first
 * folio turns that folio's PMD into PTEs (the kernel splits the mapping,
 * not the folio) and leaves the second folio's PMD alone; every other
 * byte stays, and what one piece writes another attach reads.
 */
TEST_F(life, huge_partial_munmap_splits_pmd)
{
	size_t ps = page_size(), off, size = HUGE_SEG_PAGES * ps;
	char *p, *hole, *q;
	int id, bad = 0;

	if (!huge_folios())
		SKIP(return, "clshm runs without huge folios");
	id = new_seg(HUGE_SEG_PAGES);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	for (off = 0; off < size; off += ps)
		p[off] = (char)(off >> 12) | 1;
	ASSERT_EQ(4096, smaps_kb(p, "ShmemPmdMapped"));
	hole = p + (1UL << 20);
	ASSERT_EQ(0, munmap(hole, ps));
	EXPECT_EQ(2, seg_nattch(id));
	EXPECT_EQ(0, smaps_kb(p, "ShmemPmdMapped"));
	EXPECT_EQ(2048, smaps_kb(hole + ps, "ShmemPmdMapped"));
	for (off = 0; off < size; off += ps)
		if (p + off != hole)
			bad += p[off] != ((char)(off >> 12) | 1);
	EXPECT_EQ(0, bad);
	p[ps] = 'x';
	q = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, q);
	EXPECT_EQ('x', q[ps]);
	/* the page under the hole stays in the segment */
	EXPECT_EQ((char)((1UL << 20) >> 12) | 1, q[1UL << 20]);
	ASSERT_EQ(0, xp_shmdt(q));
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(0, seg_nattch(id));
}

static int write_at(void *arg)
{
	volatile char *c = arg;

	*c = 1;		/* SIGSEGV when read-only */
	return 0;
}

/* A read-only page inside a PMD-mapped folio: only that page refuses. */
TEST_F(life, huge_partial_mprotect_splits_pmd)
{
	size_t ps = page_size();
	char *p, *ro;
	int id, status;

	if (!huge_folios())
		SKIP(return, "clshm runs without huge folios");
	id = new_seg(HUGE_SEG_PAGES);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	memset(p, 'a', HUGE_SEG_PAGES * ps);
	ro = p + (3UL << 20);
	ASSERT_EQ(0, mprotect(ro, ps, PROT_READ));
	EXPECT_EQ(3, seg_nattch(id));
	/* the first folio's 2 MiB lie inside the first piece: still a PMD */
	EXPECT_EQ(2048, smaps_kb(p, "ShmemPmdMapped"));
	EXPECT_EQ('a', ro[0]);
	ro[ps] = 'b';
	ro[-1] = 'b';
	status = run_child(-1, write_at, ro);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		TH_LOG("child: %s", status_str(status));
	EXPECT_EQ('a', ro[0]);
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(0, seg_nattch(id));
}

/*
 * get_user_pages on a PMD-mapped folio: vmsplice() takes references to
 * the pages themselves, and what comes out of the pipe is what the
 * segment held when the pages were spliced.
 */
TEST_F(life, huge_gup_vmsplice)
{
	size_t ps = page_size(), off = SZ_2M + 5 * ps;
	char buf[4096];
	struct iovec iov;
	int id, pfd[2];
	char *p;

	if (!huge_folios())
		SKIP(return, "clshm runs without huge folios");
	ASSERT_EQ(sizeof(buf), ps);
	id = new_seg(HUGE_SEG_PAGES);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	memset(p + off, 0x5a, ps);
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	iov.iov_base = p + off;
	iov.iov_len = ps;
	EXPECT_EQ((ssize_t)ps, vmsplice(pfd[1], &iov, 1, 0));
	EXPECT_EQ((ssize_t)ps, read(pfd[0], buf, ps));
	EXPECT_EQ(0x5a, buf[0]);
	EXPECT_EQ(0x5a, buf[ps - 1]);
	/* only the second folio was touched */
	EXPECT_EQ(2048, smaps_kb(p, "ShmemPmdMapped"));
	close(pfd[0]);
	close(pfd[1]);
	ASSERT_EQ(0, xp_shmdt(p));
}

/* ---------------------------------------------------------------- */
/* Synchronisation inside a segment                                   */

struct locked {
	pthread_mutex_t m;
	long counter;
	uint32_t futex;
	uint32_t ready;
};

#define MUTEX_LOOPS	20000

/*
 * Where the synchronisation tests keep their struct locked: at the start
 * of a one-page segment, or (the _huge tests) 3 MiB into a 4 MiB one,
 * inside its second huge folio, mapped with one PMD entry.  Children
 * inherit the choice.
 */
static size_t sync_pages = 1, sync_off;

static struct locked *attach_locked(int shmid)
{
	char *p = xp_shmat(shmid, NULL, 0);

	return p == XP_FAILED ? XP_FAILED : (struct locked *)(p + sync_off);
}

static int detach_locked(struct locked *l)
{
	return xp_shmdt((char *)l - sync_off);
}

static void use_huge_segment(struct __test_metadata *_metadata)
{
	if (!huge_folios())
		SKIP(return, "clshm runs without huge folios (hugepages=0 or no THP)");
	sync_pages = HUGE_SEG_PAGES;
	sync_off = 3 << 20;
}

static int mutex_worker(void *arg)
{
	int *shmid = arg;
	struct locked *l = attach_locked(*shmid);
	int i, r;

	CHILD_CHECK(l != XP_FAILED);
	for (i = 0; i < MUTEX_LOOPS; i++) {
		r = pthread_mutex_lock(&l->m);
		CHILD_CHECK(r == 0);
		l->counter++;
		r = pthread_mutex_unlock(&l->m);
		CHILD_CHECK(r == 0);
	}
	CHILD_CHECK(detach_locked(l) == 0);
	return 0;
}

static int init_mutex(pthread_mutex_t *m, int robust)
{
	pthread_mutexattr_t a;
	int r;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (robust)
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	r = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return r;
}

static void pshared_mutex_test(struct __test_metadata *_metadata)
{
	struct locked *l;
	pid_t a, b;
	int id = new_seg(sync_pages);

	ASSERT_LE(0, id);
	l = attach_locked(id);
	ASSERT_NE(XP_FAILED, l);
	ASSERT_EQ(0, init_mutex(&l->m, 1));
	a = start_child(-1, mutex_worker, &id);
	b = start_child(-1, mutex_worker, &id);
	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	track_pid(a);
	track_pid(b);
	EXPECT_CHILD_OK(wait_child(a, 800000));
	EXPECT_CHILD_OK(wait_child(b, 800000));
	EXPECT_EQ(2 * MUTEX_LOOPS, l->counter);
	ASSERT_EQ(0, detach_locked(l));
}

TEST_F_TIMEOUT(life, pshared_mutex_two_processes, 900)
{
	pshared_mutex_test(_metadata);
}

TEST_F_TIMEOUT(life, pshared_mutex_huge, 900)
{
	use_huge_segment(_metadata);
	pshared_mutex_test(_metadata);
}

static int lock_and_die(void *arg)
{
	int *shmid = arg;
	struct locked *l = xp_shmat(*shmid, NULL, 0);

	CHILD_CHECK(l != XP_FAILED);
	CHILD_CHECK(pthread_mutex_lock(&l->m) == 0);
	l->counter = 42;
	_exit(0);	/* holding the lock */
}

TEST_F(life, robust_mutex_owner_dies)
{
	struct locked *l;
	int id = new_seg(1);

	ASSERT_LE(0, id);
	l = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, l);
	ASSERT_EQ(0, init_mutex(&l->m, 1));
	ASSERT_CHILD_OK(run_child(-1, lock_and_die, &id));
	EXPECT_EQ(42, l->counter);
	/* the kernel walked the dead owner's robust list in the segment */
	ASSERT_EQ(EOWNERDEAD, pthread_mutex_lock(&l->m));
	EXPECT_EQ(0, pthread_mutex_consistent(&l->m));
	EXPECT_EQ(0, pthread_mutex_unlock(&l->m));
	EXPECT_EQ(0, pthread_mutex_lock(&l->m));
	EXPECT_EQ(0, pthread_mutex_unlock(&l->m));
	ASSERT_EQ(0, xp_shmdt(l));
}

static long futex(uint32_t *uaddr, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static int futex_waiter(void *arg)
{
	int *shmid = arg;
	struct timespec ts = { 60, 0 };
	struct locked *l = attach_locked(*shmid);	/* its own address */
	long r;

	CHILD_CHECK(l != XP_FAILED);
	__atomic_store_n(&l->ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&l->futex, __ATOMIC_SEQ_CST) == 0) {
		r = futex(&l->futex, FUTEX_WAIT, 0, &ts);
		CHILD_CHECK(r == 0 || errno == EAGAIN || errno == EINTR);
	}
	CHILD_CHECK(l->futex == 1);
	return 0;
}

static void futex_wake_test(struct __test_metadata *_metadata)
{
	struct locked *l;
	pid_t pid;
	long woken = 0;
	int id = new_seg(sync_pages), tries;

	ASSERT_LE(0, id);
	l = attach_locked(id);
	ASSERT_NE(XP_FAILED, l);
	pid = start_child(-1, futex_waiter, &id);
	ASSERT_LT(0, pid);
	track_pid(pid);
	/* wait until the child sleeps in FUTEX_WAIT */
	for (tries = 0; tries < 6000; tries++) {
		if (__atomic_load_n(&l->ready, __ATOMIC_SEQ_CST) &&
		    proc_state(pid) == 'S')
			break;
		sleep_ms(10);
	}
	ASSERT_EQ('S', proc_state(pid));
	sleep_ms(50);
	__atomic_store_n(&l->futex, 1, __ATOMIC_SEQ_CST);
	woken = futex(&l->futex, FUTEX_WAKE, 1, NULL);
	EXPECT_EQ(1, woken) TH_LOG("FUTEX_WAKE: %ld (%s)", woken,
				   woken < 0 ? strerror(errno) : "no waiter");
	ASSERT_CHILD_OK(wait_child(pid, 60000));
	ASSERT_EQ(0, detach_locked(l));
}

TEST_F(life, futex_wake_across_processes)
{
	futex_wake_test(_metadata);
}

TEST_F(life, futex_wake_huge)
{
	use_huge_segment(_metadata);
	futex_wake_test(_metadata);
}

TEST_HARNESS_MAIN
