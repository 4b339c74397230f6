// SPDX-License-Identifier: GPL-2.0
/*
 * fabric_death - a partition dies and comes back
 *
 * For "vm/run --guests 3 --respawn 2 --module-args 'partid=%g
 * timeout=2000'": guest 2 dies abruptly (sysrq b) and is booted again
 * with CLSHM_BOOT=2.  Roles:
 *
 *   guest 0   owns segment A, attaches guest 2's segment B; after the
 *             death: 2 is declared down within the timeout, a request
 *             to 2 sent before that fails with EIO, A's nattch loses
 *             2's attaches, B stays mapped and usable (an orphan), 2's
 *             keys and shmids are refused; after the rejoin: a new
 *             incarnation, and B's contents untouched while the new 2
 *             fills its zone; after B is detached the new 2 gets those
 *             pages
 *   guest 1   attaches A; sees the same death and rejoin
 *   guest 2   first boot ("fabric_death --victim", not a kselftest:
 *             it cannot report after its death): attaches A twice,
 *             creates and fills B, waits until 0 and 1 are attached,
 *             then dies; second boot: runs the test as the new
 *             incarnation, fills its zone, then takes the pages 0 let go
 *
 * Barrier steps are fixed numbers (S_*), since the roles take different
 * paths; guest 2's first boot uses the same ids.
 */
#include <termios.h>

#include "fabric.h"

#define BIN	3

FIXTURE(death) { struct fab_ctx fc; };
FIXTURE_SETUP(death) { FAB_SETUP(&self->fc, BIN); }
FIXTURE_TEARDOWN(death) { FAB_TEARDOWN(&self->fc); }

#define OWNER	0
#define BYSTANDER 1
#define VICTIM	2
#define M_ALL	0x7u
#define M_LIVE	0x3u

enum { V_A, V_KEYA, V_B, V_KEYB, V_BPAGES, V_INC, V_INC_HI, V_VICTIM_OK };

/* Steps (S_SETUP is FAB_SETUP's). */
enum {
	S_SETUP = 1,
	S_A,		/* A exists */
	S_B,		/* the victim attached A twice, B exists */
	S_READY,	/* 0 and 1 attached: the victim dies after this */
	S_DOWN,		/* 0 and 1 saw it down */
	S_REJOIN,	/* the new incarnation is up */
	S_FILLED,	/* it filled its zone */
	S_LETGO,	/* 0 detached B */
	S_REFILL,	/* the new incarnation got B's pages */
};

#define A_PAGES		2
#define B_PAGES		5
#define SEED_A		0xa0a0
#define SEED_B		0xb0b0
#define SEED_B2		0xb2b2
#define SEED_FILL	0xf000
#define REJOIN_MS	300000	/* reboot, boot, insmod and join under TCG */

static int dsync(struct fab_ctx *fc, int step, uint32_t mask, int ms)
{
	fc->f.step = step;
	return fab_barrier(&fc->f, fc->f.base + step, mask, ms, 1);
}

#define DSYNC(fc, step, mask, ms)					\
	ASSERT_EQ(0, dsync(fc, step, mask, ms))				\
		TH_LOG("barrier %s: guest %d %s", #step, (fc)->f.bad_guest, \
		       fab_why(&(fc)->f))

static int my_incarnation(struct fab *f, uint64_t *inc)
{
	return fab_part_state(f->guest, inc) == CLSHM_PART_UP && *inc ? 0 : -1;
}

/* The survivors: guests 0 and 1. */
static void survivor(struct __test_metadata *_metadata, struct fab_ctx *fc)
{
	uint32_t to = fc->ctx.cfg.timeout_ms;
	struct clshm_fabinfo fi, fi1;
	uint64_t inc1 = 0, inc2 = 0, inc;
	char *pa = NULL, *pb = NULL, node[64], name[64];
	int64_t t_mark, t0, dt;
	struct clshm_ds ds;
	size_t bsize = 0;
	key_t keyb;
	int a, b, rc, err, i;
	long last;
	struct stat st;

	TH_LOG("timeout %u ms", to);
	if (ME(fc) == OWNER) {
		key_t k = xp_ftok(NULL, 1);

		ASSERT_NE(-1, k);
		a = xp_shmget(k, A_PAGES * page_size(), IPC_CREAT | 0666);
		ASSERT_LE(0, a);
		pa = xp_shmat(a, NULL, 0);
		ASSERT_NE(XP_FAILED, pa);
		fab_fill(pa, A_PAGES * page_size(), SEED_A);
		fab_put(&fc->f, V_A, a);
		fab_put(&fc->f, V_KEYA, k);
	}
	ASSERT_EQ(0, my_incarnation(&fc->f, &inc));
	fab_put64(&fc->f, V_INC, inc);
	DSYNC(fc, S_A, M_ALL, FAB_SYNC_MS);
	a = fab_get(&fc->f, OWNER, V_A);
	DSYNC(fc, S_B, M_ALL, FAB_SYNC_MS);
	ASSERT_EQ(1, fab_get(&fc->f, VICTIM, V_VICTIM_OK))
		TH_LOG("the victim could not set up (see its output)");
	b = fab_get(&fc->f, VICTIM, V_B);
	keyb = fab_get(&fc->f, VICTIM, V_KEYB);
	bsize = (size_t)fab_get(&fc->f, VICTIM, V_BPAGES) * page_size();
	inc1 = fab_get64(&fc->f, VICTIM, V_INC);
	ASSERT_EQ(VICTIM, CLSHM_ID_PART(b));
	ASSERT_EQ(B_PAGES * page_size(), bsize);
	ASSERT_EQ(CLSHM_PART_UP, fab_part_state(VICTIM, &inc));
	EXPECT_EQ(inc1, inc);
	if (ME(fc) == OWNER) {
		pb = xp_shmat(b, NULL, 0);
		ASSERT_NE(XP_FAILED, pb) TH_LOG("attach of 2's segment: %s",
						strerror(errno));
		EXPECT_EQ(bsize, fab_check(pb, bsize, SEED_B));
		fab_put(&fc->f, V_BPAGES, B_PAGES);
	} else {
		pa = xp_shmat(a, NULL, 0);
		ASSERT_NE(XP_FAILED, pa);
	}
	EXPECT_EQ(0, fab_wait_nattch(a, 4, 5000, &last))
		TH_LOG("nattch of A %ld, want 4 (0: 1, 1: 1, 2: 2)", last);
	ASSERT_EQ(0, fab_info(&fi));
	DSYNC(fc, S_READY, M_ALL, FAB_SYNC_MS);

	/* The victim dies now. */
	ASSERT_EQ(0, fab_wait_mark(&fc->f, VICTIM, 1, 120000))
		TH_LOG("guest 2 never said it was dying");
	t_mark = now_ms();
	if (ME(fc) == OWNER) {
		/*
		 * A request sent well after the last heartbeat of 2 but
		 * before it is declared down is pending when that happens:
		 * EIO, before its own timeout.
		 */
		sleep_ms(to / 3);
		t0 = now_ms();
		rc = fab_stat(b, &ds);
		err = errno;
		dt = now_ms() - t0;
		EXPECT_EQ(-1, rc);
		EXPECT_EQ(EIO, err) TH_LOG("a request pending on a partition "
					   "that died: %s after %lld ms",
					   strerror(err), (long long)dt);
		EXPECT_GT(to, dt) TH_LOG("the request took %lld ms",
					 (long long)dt);
	} else {
		/* At once: answered, EIO or a timeout, all fine; say which. */
		rc = fab_stat(b, &ds);
		TH_LOG("a request right after the death: %s after %lld ms",
		       rc ? strerror(errno) : "answered",
		       (long long)(now_ms() - t_mark));
	}

	/* Declared down within the timeout (plus TCG margin), not before. */
	dt = fab_wait_part(VICTIM, 0, to + 30000);
	ASSERT_LE(0, dt) TH_LOG("partition 2 still up %u ms after its death",
				to + 30000);
	dt = now_ms() - t_mark;
	EXPECT_GE((int64_t)to + 3000, dt)
		TH_LOG("declared down %lld ms after the death (timeout %u)",
		       (long long)dt, to);
	EXPECT_LE((int64_t)to / 2, dt)
		TH_LOG("declared down after %lld ms, before the timeout %u",
		       (long long)dt, to);
	TH_LOG("partition 2 declared down %lld ms after its death",
	       (long long)dt);
	for (i = 0; i < 200 && !stat(fab_part_node(node, sizeof(node), VICTIM),
				    &st); i++)
		sleep_ms(10);
	EXPECT_EQ(-1, stat(node, &st)) TH_LOG("%s still there", node);
	EXPECT_EQ(2, part_getcount());

	ASSERT_EQ(0, fab_info(&fi1));
	EXPECT_LT(fi.peers_lost, fi1.peers_lost);
	if (ME(fc) == OWNER)
		EXPECT_LT(fi.reqs_failed, fi1.reqs_failed);

	/* 2's attaches of A are gone. */
	EXPECT_EQ(0, fab_wait_nattch(a, 2, 5000, &last))
		TH_LOG("nattch of A %ld after 2's death, want 2", last);

	/* 2's keys and shmids are refused; its B stays mapped here. */
	EXPECT_EQ(-1, xp_shmget(keyb, 0, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, fab_stat(b, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fab_mintkey(VICTIM));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(XP_FAILED, xp_shmat(b, NULL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, part_gethostname(VICTIM, name, sizeof(name)));
	EXPECT_EQ(ENOENT, errno);
	if (ME(fc) == OWNER) {
		EXPECT_EQ(bsize, fab_check(pb, bsize, SEED_B))
			TH_LOG("the orphan changed when its owner died");
		fab_fill(pb, bsize, SEED_B2);
		EXPECT_EQ(bsize, fab_check(pb, bsize, SEED_B2));
		EXPECT_EQ(A_PAGES * page_size(),
			  fab_check(pa, A_PAGES * page_size(), SEED_A));
	}
	DSYNC(fc, S_DOWN, M_LIVE, FAB_SYNC_MS);

	/* The new incarnation joins. */
	DSYNC(fc, S_REJOIN, M_ALL, REJOIN_MS);
	ASSERT_EQ(CLSHM_PART_UP, fab_part_state(VICTIM, &inc2));
	EXPECT_NE(inc1, inc2) TH_LOG("a rebooted partition kept its incarnation");
	EXPECT_EQ(fab_get64(&fc->f, VICTIM, V_INC), inc2);
	EXPECT_EQ(0, stat(fab_part_node(node, sizeof(node), VICTIM), &st));
	EXPECT_EQ(3, part_getcount());
	EXPECT_EQ(0, part_gethostname(VICTIM, name, sizeof(name)));
	EXPECT_STREQ("clshm-g2", name);
	ASSERT_EQ(0, fab_info(&fi));
	EXPECT_LT(fi1.peers_up, fi.peers_up);
	/* B is no more, even with its owner back. */
	EXPECT_EQ(-1, xp_shmget(keyb, 0, 0));
	EXPECT_EQ(ENOENT, errno);

	DSYNC(fc, S_FILLED, M_ALL, FAB_SYNC_MS);
	/* Noted, not judged: does the old shmid of B name something now? */
	if (!fab_stat(b, &ds))
		TH_LOG("note: B's old shmid %#x now names a segment of the new "
		       "incarnation (%llu bytes, cpid %u): shmids restart "
		       "with an incarnation", b,
		       (unsigned long long)ds.size, ds.cpid);
	if (ME(fc) == OWNER) {
		EXPECT_EQ(bsize, fab_check(pb, bsize, SEED_B2))
			TH_LOG("the new incarnation reused the pages of an orphan");
		EXPECT_EQ(A_PAGES * page_size(),
			  fab_check(pa, A_PAGES * page_size(), SEED_A));
		ASSERT_EQ(0, xp_shmdt(pb));
		pb = NULL;
	}
	DSYNC(fc, S_LETGO, M_ALL, FAB_SYNC_MS);
	/* 0 and 1 still hold A (the new 2 never attached it) */
	EXPECT_EQ(2, seg_nattch(a));
	DSYNC(fc, S_REFILL, M_ALL, FAB_SYNC_MS);
	ASSERT_EQ(0, xp_shmdt(pa));
}

/* The second boot of guest 2. */
static void reborn(struct __test_metadata *_metadata, struct fab_ctx *fc)
{
	int ids[1024], n = 0, i, id, g;
	uint64_t zone_pages, chunk, inc, used;
	int64_t end;
	struct clshm_fabinfo fi;
	uint32_t bpages;
	char *p;

	ASSERT_EQ(0, my_incarnation(&fc->f, &inc));
	fab_put64(&fc->f, V_INC, inc);
	ASSERT_EQ(0, fab_info(&fi));
	EXPECT_EQ(0, fi.zone_used);
	DSYNC(fc, S_REJOIN, M_ALL, REJOIN_MS);
	for (g = 0; g < 2; g++) {
		ASSERT_EQ(CLSHM_PART_UP, fab_part_state(g, &inc));
		EXPECT_EQ(fab_get64(&fc->f, g, V_INC), inc)
			TH_LOG("partition %d changed its incarnation", g);
	}
	bpages = fab_get(&fc->f, OWNER, V_BPAGES);
	EXPECT_EQ(B_PAGES, bpages);

	/* Fill the zone: big segments first, down to single pages. */
	zone_pages = fi.zone_size / page_size();
	ASSERT_LT(B_PAGES, zone_pages);
	for (chunk = zone_pages / 8; chunk; chunk /= 2) {
		while (n < 1024) {
			id = xp_shmget(IPC_PRIVATE, chunk * page_size(),
				       IPC_CREAT | 0600);
			if (id < 0)
				break;
			p = xp_shmat(id, NULL, 0);
			ASSERT_NE(XP_FAILED, p);
			fab_fill(p, chunk * page_size(), SEED_FILL + n);
			ASSERT_EQ(0, xp_shmdt(p));
			ids[n++] = id;
		}
		ASSERT_EQ(ENOMEM, errno) TH_LOG("filling the zone: %s after %d "
						"segments", strerror(errno), n);
	}
	ASSERT_EQ(0, fab_info(&fi));
	used = fi.zone_used;
	TH_LOG("zone of %llu pages: %llu used by %d segments",
	       (unsigned long long)zone_pages, (unsigned long long)used, n);
	EXPECT_EQ(zone_pages - bpages, used)
		TH_LOG("the pages partition 0 still maps are %u", bpages);
	DSYNC(fc, S_FILLED, M_ALL, FAB_SYNC_MS);
	DSYNC(fc, S_LETGO, M_ALL, FAB_SYNC_MS);

	/* Partition 0 let go of the orphan: those pages are ours again. */
	end = now_ms() + 10000;
	do {
		id = xp_shmget(IPC_PRIVATE, bpages * page_size(),
			       IPC_CREAT | 0600);
		if (id >= 0 || errno != ENOMEM)
			break;
		sleep_ms(50);
	} while (now_ms() < end);
	EXPECT_LE(0, id) TH_LOG("the pages let go of: %s", strerror(errno));
	ASSERT_EQ(0, fab_info(&fi));
	EXPECT_EQ(zone_pages, fi.zone_used);
	/* and every segment still holds what we wrote */
	for (i = 0; i < n; i++) {
		struct clshm_ds ds;

		ASSERT_EQ(0, fab_stat(ids[i], &ds));
		p = xp_shmat(ids[i], NULL, SHM_RDONLY);
		ASSERT_NE(XP_FAILED, p);
		EXPECT_EQ(ds.size, fab_check(p, ds.size, SEED_FILL + i))
			TH_LOG("segment %d", i);
		ASSERT_EQ(0, xp_shmdt(p));
	}
	DSYNC(fc, S_REFILL, M_ALL, FAB_SYNC_MS);
}

TEST_F_TIMEOUT(death, death_and_rejoin, 900)
{
	struct fab_ctx *fc = &self->fc;

	ASSERT_EQ(3, NG(fc)) TH_LOG("run with vm/run --guests 3 --respawn 2");
	if (ME(fc) == VICTIM) {
		ASSERT_EQ(2, fc->f.boot)
			TH_LOG("guest 2's first boot runs fabric_death --victim");
		reborn(_metadata, fc);
	} else {
		survivor(_metadata, fc);
	}
}

/*
 * Guest 2's first boot.  Prints one TAP result before it dies; the
 * console line must be out before the reset, hence tcdrain().
 */
static int victim(void)
{
	char *pa1, *pa2, *pb;
	struct fab f;
	uint64_t base, inc = 0;
	const char *why = NULL;
	key_t kb;
	int a, b, fd;

	printf("TAP version 13\n1..1\n");
	fflush(stdout);
	if (fab_open(&f)) {
		printf("not ok 1 fabric_death victim: no fabric: %s\n",
		       strerror(errno));
		return 1;
	}
	base = FAB_ID(BIN, 1, 0);
	fab_clear_vals(&f);
	if (ensure_started())
		why = "clshm is not up";
	if (!why && fab_barrier(&f, base + S_SETUP, M_ALL, FAB_SETUP_MS, 0))
		why = "setup barrier";
	if (!why && fab_wait_up(M_ALL, FAB_UP_MS))
		why = "partitions 0 and 1 not up";
	if (!why && fab_part_state(VICTIM, &inc) != CLSHM_PART_UP)
		why = "not up itself";
	fab_put64(&f, V_INC, inc);
	if (!why && fab_barrier(&f, base + S_A, M_ALL, FAB_SYNC_MS, 1))
		why = "barrier S_A";
	a = fab_get(&f, OWNER, V_A);
	pa1 = why ? XP_FAILED : xp_shmat(a, NULL, 0);
	pa2 = why ? XP_FAILED : xp_shmat(a, NULL, SHM_RDONLY);
	if (!why && (pa1 == XP_FAILED || pa2 == XP_FAILED))
		why = "attach of partition 0's segment";
	if (!why && fab_check(pa2, A_PAGES * page_size(), SEED_A) !=
		    (size_t)(A_PAGES * page_size()))
		why = "partition 0's segment holds something else";
	kb = why ? -1 : xp_ftok(NULL, 1);
	b = kb == -1 ? -1 : xp_shmget(kb, B_PAGES * page_size(),
				      IPC_CREAT | 0666);
	if (!why && b < 0)
		why = "creating B";
	pb = why ? XP_FAILED : xp_shmat(b, NULL, 0);
	if (!why && pb == XP_FAILED)
		why = "attaching B";
	if (!why) {
		fab_fill(pb, B_PAGES * page_size(), SEED_B);
		xp_shmdt(pb);
		fab_put(&f, V_B, b);
		fab_put(&f, V_KEYB, kb);
		fab_put(&f, V_BPAGES, B_PAGES);
		fab_put(&f, V_VICTIM_OK, 1);
	}
	if (fab_barrier(&f, base + S_B, M_ALL, FAB_SYNC_MS, 1) && !why)
		why = "barrier S_B";
	if (fab_barrier(&f, base + S_READY, M_ALL, FAB_SYNC_MS, 1) && !why)
		why = "barrier S_READY";

	if (why)
		printf("not ok 1 fabric_death victim: %s (%s); dying anyway\n",
		       why, strerror(errno));
	else
		printf("ok 1 fabric_death victim: A attached twice, B "
		       "%#x created; dying now\n", b);
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	sync();
	fab_set_mark(&f, 1);
	fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "b", 1) != 1) {
		fprintf(stderr, "# cannot reboot through sysrq: %s\n",
			strerror(errno));
		return 1;
	}
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--victim"))
		return victim();
	return fab_main(argc, argv);
}
