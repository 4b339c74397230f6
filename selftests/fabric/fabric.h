/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabric.h - what every multi-guest (fabric) selftest binary includes,
 * once, instead of common.h
 *
 * The same binary runs in every guest of "vm/run --guests N"; each guest
 * takes the role its $CLSHM_GUEST gives it (guest g is partition g) and
 * prints its own TAP.  Every test is a TEST_F of a fixture that embeds
 * struct fab_ctx:
 *
 *   FAB_SETUP      as CTX_SETUP (partition up, configuration, segments
 *                  and counters recorded), plus FABINFO recorded, then a
 *                  barrier of the guests of ctx->mask (default: all) and
 *                  a wait until they are all UP in PARTLIST
 *   FAB_SYNC       a barrier inside the test: every guest calls it the
 *                  same number of times, in the same order (never inside
 *                  a role-dependent branch); it fails at once when
 *                  another guest has failed the test (its teardown says
 *                  so), so one guest's failure does not make the others
 *                  wait
 *   FAB_TEARDOWN   kill children, detach everything, barrier, remove the
 *                  segments this partition owns that the test created
 *                  (whoever asked for them), barrier, restore the
 *                  configuration, then the leak check: driver counters
 *                  (segs_live, attaches_live, pages_pinned) and FABINFO
 *                  zone_used back where they were (waiting for the other
 *                  partitions' detaches to arrive)
 *
 * Barrier ids are FAB_ID(binary, test number, step); the test number is
 * the test's position in the binary, the same in every guest.
 */
#ifndef CLSHM_SELFTEST_FABRIC_H
#define CLSHM_SELFTEST_FABRIC_H

#include "common.h"
#include "fabutil.h"

/* Limits, generous for 4 guests under TCG on 2 host cores. */
#define FAB_SYNC_MS	120000	/* a barrier inside a test */
#define FAB_SETUP_MS	170000	/* the setup barrier (others are slow) */
#define FAB_TD_MS	120000	/* teardown barriers */
#define FAB_UP_MS	30000	/* all UP after the setup barrier */
#define FAB_SETTLE_MS	10000	/* counters back after all detached */

struct fab_ctx {
	struct clshm_ctx ctx;
	struct fab f;
	struct clshm_fabinfo fi0;	/* FABINFO at setup */
	uint32_t mask;			/* guests of setup/teardown barriers */
	int ready;
};

/* Position of the running test in the binary (1, 2, ...). */
static inline uint32_t fab_test_number(struct __test_metadata *m)
{
	struct __fixture_metadata *fx;
	struct __test_metadata *t;
	uint32_t n = 0;

	for (fx = __fixture_list; fx; fx = fx->next)
		for (t = fx->tests; t; t = t->next) {
			n++;
			if (t == m)
				return n;
		}
	return 0;
}

static inline int fab_step_mask(struct fab_ctx *fc, uint32_t mask)
{
	fc->f.step++;
	return fab_barrier(&fc->f, fc->f.base + fc->f.step, mask, FAB_SYNC_MS,
			   1);
}

static inline const char *fab_why(const struct fab *f)
{
	return f->err == EPIPE ? "left the test (it failed)" :
	       f->err == ETIMEDOUT ? "did not arrive in time" : "?";
}

#define FAB_SYNC_MASK(fc, mask)						\
	ASSERT_EQ(0, fab_step_mask(fc, mask))				\
		TH_LOG("barrier %u of the test: guest %d %s",		\
		       (fc)->f.step, (fc)->f.bad_guest, fab_why(&(fc)->f))
#define FAB_SYNC(fc)	FAB_SYNC_MASK(fc, (fc)->mask)

/* Guest index and partition id of this guest. */
#define ME(fc)		((fc)->f.guest)
#define NG(fc)		((fc)->f.nguests)

#define FAB_SETUP(fc, bin) do {						\
	ASSERT_EQ(0, fab_open(&(fc)->f))				\
		TH_LOG("no fabric: %s (run in vm/run --guests N)",	\
		       strerror(errno));				\
	(fc)->f.base = FAB_ID(bin, fab_test_number(_metadata), 0);	\
	if (!(fc)->mask)						\
		(fc)->mask = (fc)->f.all;				\
	CTX_SETUP(&(fc)->ctx);						\
	ASSERT_EQ(0, fab_info(&(fc)->fi0))				\
		TH_LOG("FABINFO: %s", strerror(errno));			\
	fab_clear_vals(&(fc)->f);					\
	(fc)->f.step = 1;						\
	ASSERT_EQ(0, fab_barrier(&(fc)->f, (fc)->f.base + 1, (fc)->mask, \
				 FAB_SETUP_MS, 0))			\
		TH_LOG("setup barrier: guest %d %s", (fc)->f.bad_guest,	\
		       fab_why(&(fc)->f));				\
	(fc)->ready = 1;						\
	ASSERT_EQ(0, fab_wait_up((fc)->mask, FAB_UP_MS))		\
		TH_LOG("the partitions of mask 0x%x are not all UP after %d ms", \
		       (fc)->mask, FAB_UP_MS);				\
} while (0)

#define FAB_TEARDOWN(fc) do {						\
	struct clshm_counters __now;					\
	uint64_t __zu = 0;						\
	if (!(fc)->ready)						\
		break;							\
	/* tell the others not to wait for us at their barriers */	\
	if (!_metadata->passed)						\
		fab_failed(&(fc)->f);					\
	_metadata->trigger = 0;						\
	kill_tracked();							\
	remove_tmpdir();						\
	detach_all_self();						\
	EXPECT_EQ(0, fab_barrier(&(fc)->f, (fc)->f.base +		\
				 FAB_STEP_TEARDOWN + 1, (fc)->mask,	\
				 FAB_TD_MS, 0))				\
		TH_LOG("teardown: guest %d did not detach in time",	\
		       (fc)->f.bad_guest);				\
	remove_segs_except((fc)->ctx.keep, (fc)->ctx.nkeep);		\
	EXPECT_EQ(0, fab_barrier(&(fc)->f, (fc)->f.base +		\
				 FAB_STEP_TEARDOWN + 2, (fc)->mask,	\
				 FAB_TD_MS, 0))				\
		TH_LOG("teardown: guest %d did not clean up in time",	\
		       (fc)->f.bad_guest);				\
	EXPECT_EQ(0, ensure_cfg(&(fc)->ctx.cfg))			\
		TH_LOG("teardown: cannot restore the configuration: %s", \
		       strerror(errno));				\
	EXPECT_EQ(0, counters_settle(&(fc)->ctx.base, &__now,		\
				     FAB_SETTLE_MS))			\
		TH_LOG("teardown: leak: segs_live %llu -> %llu, "	\
		       "attaches_live %llu -> %llu, "			\
		       "pages_pinned %llu -> %llu",			\
		       (unsigned long long)(fc)->ctx.base.segs_live,	\
		       (unsigned long long)__now.segs_live,		\
		       (unsigned long long)(fc)->ctx.base.attaches_live, \
		       (unsigned long long)__now.attaches_live,		\
		       (unsigned long long)(fc)->ctx.base.pages_pinned,	\
		       (unsigned long long)__now.pages_pinned);		\
	EXPECT_EQ(0, fab_wait_zone_used((fc)->fi0.zone_used,		\
					FAB_SETTLE_MS, &__zu))		\
		TH_LOG("teardown: leak: FABINFO zone_used %llu -> %llu", \
		       (unsigned long long)(fc)->fi0.zone_used,		\
		       (unsigned long long)__zu);			\
	fab_close(&(fc)->f);						\
} while (0)

#define FAB_FIXTURE(name, bin)						\
	FIXTURE(name) { struct fab_ctx fc; };				\
	FIXTURE_SETUP(name) { FAB_SETUP(&self->fc, bin); }		\
	FIXTURE_TEARDOWN(name) { FAB_TEARDOWN(&self->fc); }

/*
 * main() of a fabric test binary: outside a multi-guest run (no
 * $CLSHM_GUESTS >= 2, no ivshmem device) the whole binary is skipped with
 * a TAP plan "1..0 # SKIP" and exit status 4, as run.sh expects.
 */
static inline int fab_main(int argc, char **argv)
{
	struct fab f;

	if (fab_open(&f) || f.nguests < 2) {
		printf("TAP version 13\n1..0 # SKIP needs a multi-guest run "
		       "(vm/run --guests N, N >= 2): %s\n",
		       f.nguests < 2 && f.hdr ? "one guest" : strerror(errno));
		return 4;
	}
	fab_close(&f);
	return test_harness_run(argc, argv);
}

/* A size that is not a page multiple: npages pages less 100 bytes. */
static inline size_t odd_size(size_t npages)
{
	return npages * page_size() - 100;
}

#endif /* CLSHM_SELFTEST_FABRIC_H */
