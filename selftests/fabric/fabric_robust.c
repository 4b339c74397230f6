// SPDX-License-Identifier: GPL-2.0
/*
 * fabric_robust - two partitions keep working next to a hostile one
 *
 * For "vm/run --guests 3 --no-start --module-args partid=%g": guests 0
 * and 1 start clshm and run this test, guest 2
 * runs fabric-hostile, which writes garbage into the fabric header, the
 * partition table and the mailboxes, phase after phase (its mark, see
 * fabric-hostile.h): hostile_garbage covers phases 1 to 6, hostile_flood
 * the flood of requests whose replies it never reads and its departure
 * (7 and 8).  Meanwhile partitions 0 and 1 keep doing work with
 * each other (keys, segments created here and there, a segment X they
 * both map) and every round must succeed; for each phase the counters of
 * rejected input (FABINFO hdr_bad, slot_bad, msgs_bad, mbox_full) must
 * grow where that phase aimed, partition 2 must be seen up after its
 * forged hello and down after it stops beating, and at the end a segment
 * of each partition is shared both ways.  vm/run fails the run on any
 * kernel report.
 */
#include "fabric.h"
#include "fabric-hostile.h"

FIXTURE(robust) { struct fab_ctx fc; };
FIXTURE_SETUP(robust)
{
	self->fc.mask = 0x3;	/* guests 0 and 1; the hostile is 2 */
	FAB_SETUP(&self->fc, HOSTILE_BIN);
}
FIXTURE_TEARDOWN(robust) { FAB_TEARDOWN(&self->fc); }

#define SEED_X		0x5858
#define ATTACK_MS	600000

static const char *const phase_name[HOSTILE_PHASES + 1] = {
	"before", "header", "engage", "identity", "junkslot", "messages",
	"indices", "flood", "leave",
};

struct phase_log {
	int seen;			/* the mark was seen */
	struct clshm_fabinfo fi;	/* FABINFO when it was */
	int rounds, fails;
	const char *what;		/* first failure */
	int err;
	int saw2up, saw2down;
};

static uint64_t bad_sum(const struct clshm_fabinfo *fi)
{
	return fi->hdr_bad + fi->slot_bad + fi->msgs_bad + fi->mbox_full;
}

/*
 * One round of work with the peer: a key of its, a segment here, one
 * created there, X still intact and describable.  NULL, or what failed.
 */
static const char *work_round(int me, int x, const char *px)
{
	int peer = 1 - me, id;
	int64_t key;
	char *p;

	key = fab_mintkey(peer);
	if (key == -1)
		return "a key of the peer";
	id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	if (id < 0)
		return "a segment here";
	p = xp_shmat(id, NULL, 0);
	if (p == XP_FAILED) {
		xp_shmctl(id, IPC_RMID);
		return "attaching it";
	}
	fab_fill(p, page_size(), id);
	if (fab_check(p, page_size(), id) != (size_t)page_size()) {
		xp_shmdt(p);
		xp_shmctl(id, IPC_RMID);
		return "its contents";
	}
	xp_shmdt(p);
	if (xp_shmctl(id, IPC_RMID))
		return "removing it";
	id = xp_shmget(key, page_size(), IPC_CREAT | 0600);
	if (id < 0)
		return "a segment on the peer";
	if (CLSHM_ID_PART(id) != (uint32_t)peer)
		return "a segment on the peer: wrong owner";
	if (xp_shmctl(id, IPC_RMID))
		return "removing it on the peer";
	if (fab_check(px, 2 * page_size(), SEED_X) != 2 * (size_t)page_size())
		return "X changed";
	if (fab_stat(x, NULL))
		return "describing X";
	return NULL;
}

/*
 * One attack: the phases first..last of the hostile partition, with
 * work between partitions 0 and 1 all along; then what each phase did,
 * and a last check that 0 and 1 are still partners.
 */
static void attack(struct __test_metadata *_metadata, struct fab_ctx *fc,
		   int first, int last)
{
	struct phase_log log[HOSTILE_PHASES + 1];
	struct clshm_fabinfo fi, fi_end;
	int cur = first - 1, x, k, s, ack = 0, peer, id;
	uint64_t done = HOSTILE_DONE + (first == 1 ? 1 : 2);
	char *px = NULL, *p, *y[HOSTILE_NY];
	int64_t end;
	long lastn;

	ASSERT_EQ(3, NG(fc)) TH_LOG("run with vm/run --guests 3");
	ASSERT_GT(2, ME(fc)) TH_LOG("guest 2 runs fabric-hostile");
	peer = 1 - ME(fc);
	memset(log, 0, sizeof(log));

	if (ME(fc) == 0) {
		x = xp_shmget(IPC_PRIVATE, 2 * page_size(), IPC_CREAT | 0666);
		ASSERT_LE(0, x);
		px = xp_shmat(x, NULL, 0);
		ASSERT_NE(XP_FAILED, px);
		fab_fill(px, 2 * page_size(), SEED_X);
		fab_put(&fc->f, V_SHMID_X, x);
	}
	/*
	 * Segments the other one maps: live engagement entries in both
	 * slots, for the hostile to scribble on.
	 */
	for (k = 0; k < HOSTILE_NY; k++) {
		id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
		ASSERT_LE(0, id);
		fab_put(&fc->f, V_Y0 + k, id);
	}
	fc->f.step = R_X - 1;
	FAB_SYNC(fc);
	x = fab_get(&fc->f, 0, V_SHMID_X);
	if (ME(fc) == 1) {
		px = xp_shmat(x, NULL, 0);
		ASSERT_NE(XP_FAILED, px);
		ASSERT_EQ(2 * page_size(), fab_check(px, 2 * page_size(),
						      SEED_X));
	}
	for (k = 0; k < HOSTILE_NY; k++) {
		y[k] = xp_shmat(fab_get(&fc->f, peer, V_Y0 + k), NULL, 0);
		ASSERT_NE(XP_FAILED, y[k]) TH_LOG("attach of the peer's Y%d: %s",
						  k, strerror(errno));
	}
	ASSERT_EQ(0, fab_info(&log[cur].fi));
	log[cur].seen = 1;
	ASSERT_EQ(0, fab_barrier(&fc->f, fc->f.base + R_BASE, 0x7,
				 FAB_SETUP_MS, 1))
		TH_LOG("the hostile partition (guest 2) did not start: %s",
		       fab_why(&fc->f));

	/* Work while the hostile partition does its worst. */
	end = now_ms() + ATTACK_MS;
	for (;;) {
		uint64_t m = fab_get_mark(&fc->f, HOSTILE_PART);
		const char *what;

		if (m == done)
			break;
		if (now_ms() > end) {
			TH_LOG("the hostile partition never finished (phase %d)",
			       cur);
			break;
		}
		if (m > (uint64_t)cur && m <= (uint64_t)last) {
			cur = m;
			log[cur].seen = 1;
			EXPECT_EQ(0, fab_info(&log[cur].fi));
			/* the hostile starts once both have recorded this */
			fab_put(&fc->f, V_SEEN, cur);
			TH_LOG("phase %d (%s) begins", cur, phase_name[cur]);
		}
		what = work_round(ME(fc), x, px);
		log[cur].rounds++;
		if (what) {
			if (!log[cur].fails++) {
				log[cur].what = what;
				log[cur].err = errno;
				TH_LOG("phase %s: %s failed: %s",
				       phase_name[cur], what, strerror(errno));
			}
		}
		s = fab_part_state(HOSTILE_PART, NULL);
		if (s >= 0)
			fab_put(&fc->f, V_SAW2, s);
		if (s == CLSHM_PART_UP)
			log[cur].saw2up = 1;
		if (cur == HOSTILE_PHASES && s == CLSHM_PART_DOWN) {
			log[cur].saw2down = 1;
			fab_put(&fc->f, V_SAW2DOWN, 1);
		}
		if (cur > ack && !fab_info(&fi) &&
		    bad_sum(&fi) > bad_sum(&log[cur].fi)) {
			ack = cur;
			fab_put(&fc->f, V_ACK, ack);
		}
		sleep_ms(20);
	}
	ASSERT_EQ(0, fab_info(&fi_end));
	ASSERT_EQ(0, fab_barrier(&fc->f, fc->f.base + R_END, 0x7, FAB_SYNC_MS,
				 1))
		TH_LOG("end of the attack: guest %d %s", fc->f.bad_guest,
		       fab_why(&fc->f));

	/* What each phase did to the counters, and to the work. */
	for (k = first - 1; k <= last; k++) {
		const struct clshm_fabinfo *a = &log[k].fi, *b = &fi_end;
		int n;

		if (!log[k].seen)
			continue;
		for (n = k + 1; n <= last; n++)
			if (log[n].seen) {
				b = &log[n].fi;
				break;
			}
		TH_LOG("phase %d %-8s: %3d rounds, %d failed; hdr_bad +%llu "
		       "slot_bad +%llu msgs_bad +%llu mbox_full +%llu%s%s",
		       k, k < first ? "before" : phase_name[k], log[k].rounds,
		       log[k].fails,
		       (unsigned long long)(b->hdr_bad - a->hdr_bad),
		       (unsigned long long)(b->slot_bad - a->slot_bad),
		       (unsigned long long)(b->msgs_bad - a->msgs_bad),
		       (unsigned long long)(b->mbox_full - a->mbox_full),
		       log[k].saw2up ? ", 2 seen up" : "",
		       log[k].saw2down ? ", 2 seen down" : "");
		EXPECT_EQ(0, log[k].fails)
			TH_LOG("phase %s: the work failed %d times, first: %s: %s",
			       k < first ? "before" : phase_name[k],
			       log[k].fails, log[k].what, strerror(log[k].err));
		if (k < first)
			continue;
		switch (k) {
		case 1:
			EXPECT_LT(a->hdr_bad, b->hdr_bad)
				TH_LOG("a garbage header was not counted");
			break;
		case 2:
		case 3:
		case 4:
			EXPECT_LT(a->slot_bad, b->slot_bad)
				TH_LOG("phase %s: garbage in the partition "
				       "table was not counted", phase_name[k]);
			break;
		case 5:
			EXPECT_TRUE(log[k].saw2up)
				TH_LOG("partition 2 never came up after its "
				       "hello: its messages may not be read");
			EXPECT_LT(a->msgs_bad, b->msgs_bad)
				TH_LOG("bad mailbox entries were not counted");
			break;
		case 6:
			EXPECT_LT(a->msgs_bad + a->mbox_full,
				  b->msgs_bad + b->mbox_full)
				TH_LOG("garbage mailbox indices were not counted");
			break;
		case 7:
			EXPECT_LT(a->mbox_full, b->mbox_full)
				TH_LOG("replies into a full mailbox were not "
				       "counted");
			break;
		case 8:
			EXPECT_TRUE(log[k].saw2down)
				TH_LOG("partition 2 stopped beating and was "
				       "not declared down");
			break;
		}
	}
	EXPECT_NE(0, log[last].seen) TH_LOG("not every phase ran");

	/* Still partners: each one's segment, attached by the other. */
	EXPECT_EQ(CLSHM_PART_UP, fab_part_state(peer, NULL));
	EXPECT_EQ(last == HOSTILE_PHASES ? 2 : 3, part_getcount());
	EXPECT_EQ(2 * page_size(), fab_check(px, 2 * page_size(), SEED_X));
	EXPECT_EQ(0, fab_wait_nattch(x, 2, 5000, &lastn))
		TH_LOG("nattch of X %ld", lastn);
	id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	fab_put(&fc->f, V_FINAL, id);
	fc->f.step = R_FINAL - 1;
	FAB_SYNC(fc);
	p = xp_shmat(fab_get(&fc->f, peer, V_FINAL), NULL, 0);
	ASSERT_NE(XP_FAILED, p) TH_LOG("attach of the peer's segment: %s",
				       strerror(errno));
	fab_fill(p, page_size(), 0xf1 + peer);
	EXPECT_EQ(page_size(), fab_check(p, page_size(), 0xf1 + peer));
	ASSERT_EQ(0, xp_shmdt(p));
	FAB_SYNC(fc);
	p = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, p);
	EXPECT_EQ(page_size(), fab_check(p, page_size(), 0xf1 + ME(fc)))
		TH_LOG("what the peer wrote into our segment");
	ASSERT_EQ(0, xp_shmdt(p));
	ASSERT_EQ(0, xp_shmdt(px));
	for (k = 0; k < HOSTILE_NY; k++)
		ASSERT_EQ(0, xp_shmdt(y[k]));
}

/* Garbage in the header, the partition table and the mailboxes. */
TEST_F_TIMEOUT(robust, hostile_garbage, 900)
{
	attack(_metadata, &self->fc, 1, 6);
}

/*
 * Requests from a partition that never reads the replies (its mailboxes
 * stay full), then it stops beating.
 */
TEST_F_TIMEOUT(robust, hostile_flood, 900)
{
	attack(_metadata, &self->fc, 7, 8);
}

int main(int argc, char **argv)
{
	return fab_main(argc, argv);
}
