/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - what every clshm selftest binary includes (once: the
 * kselftest harness defines functions)
 *
 * Every test is a TEST_F of a fixture that embeds struct clshm_ctx:
 * CTX_SETUP skips the test (kselftest SKIP) when there is no
 * /dev/clshm, and otherwise makes sure the partition is up with a daemon
 * and records the
 * configuration, the segments that exist and the driver counters;
 * CTX_TEARDOWN kills the children the test tracked, detaches everything
 * the test process still has attached, removes every segment the test
 * created, restores the configuration and the up state, and then checks
 * that the counters (live segments, live attaches, pinned pages) are back
 * where they started.  Teardown runs even when an ASSERT fails.
 *
 * Children forked by a test must not use ASSERT_* or EXPECT_* (an ASSERT
 * would run the teardown in the child): they use CHILD_CHECK and report
 * through their exit status, which the test then asserts on.
 */
#ifndef CLSHM_SELFTEST_COMMON_H
#define CLSHM_SELFTEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

/*
 * The guest runs under TCG emulation, 10-50 times slower than native:
 * the harness' 30 s default per test is too short.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180

#include "xp_shm.h"
#include "util.h"

struct clshm_ctx {
	struct clshm_counters base;
	struct clshm_cfg cfg;
	uint32_t keep[64];
	int nkeep;
	int ready;
};

#define CTX_SETUP(ctx) do {						\
	if (access(CLSHM_SHM_PATH, F_OK))				\
		CTX_SKIP("no %s: load clshm.ko (the tests run in a "	\
			 "guest: selftests/run.sh --vm)", CLSHM_SHM_PATH); \
	ASSERT_EQ(0, ensure_started())					\
		TH_LOG("cannot start the partition: %s", strerror(errno)); \
	ASSERT_EQ(0, get_cfg(&(ctx)->cfg));				\
	(ctx)->nkeep = list_shmids((ctx)->keep, 64);			\
	ASSERT_LE(0, (ctx)->nkeep);					\
	ASSERT_GE(64, (ctx)->nkeep);					\
	ASSERT_EQ(0, get_counters(&(ctx)->base));			\
	(ctx)->ready = 1;						\
} while (0)

#define CTX_TEARDOWN(ctx) do {						\
	struct clshm_counters __now;					\
	if (!(ctx)->ready)						\
		break;							\
	/* a failed ASSERT leaves the handler flag set: clear it */	\
	_metadata->trigger = 0;						\
	kill_tracked();							\
	remove_tmpdir();						\
	detach_all_self();						\
	remove_segs_except((ctx)->keep, (ctx)->nkeep);			\
	EXPECT_EQ(0, ensure_cfg(&(ctx)->cfg))				\
		TH_LOG("teardown: cannot restore the configuration: %s", \
		       strerror(errno));				\
	EXPECT_EQ(0, counters_settle(&(ctx)->base, &__now, 3000))	\
		TH_LOG("teardown: leak: segs_live %llu -> %llu, "	\
		       "attaches_live %llu -> %llu, "			\
		       "pages_pinned %llu -> %llu",			\
		       (unsigned long long)(ctx)->base.segs_live,	\
		       (unsigned long long)__now.segs_live,		\
		       (unsigned long long)(ctx)->base.attaches_live,	\
		       (unsigned long long)__now.attaches_live,		\
		       (unsigned long long)(ctx)->base.pages_pinned,	\
		       (unsigned long long)__now.pages_pinned);		\
} while (0)

/*
 * Skip the test from its fixture setup: kselftest's SKIP() records the
 * skip, and the jump back into the harness's wrapper leaves out the test
 * body and the teardown (the setup did not complete), where a plain
 * return from the setup would still run the body.
 */
#define CTX_SKIP(fmt, ...)						\
	SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

/* A fixture with nothing but the context. */
#define CLSHM_FIXTURE(name)						\
	FIXTURE(name) { struct clshm_ctx ctx; };			\
	FIXTURE_SETUP(name) { CTX_SETUP(&self->ctx); }			\
	FIXTURE_TEARDOWN(name) { CTX_TEARDOWN(&self->ctx); }

/* A child's wait status must be a normal exit with status 0. */
#define ASSERT_CHILD_OK(status)						\
	ASSERT_EQ(0, (status)) TH_LOG("child: %s", status_str(status))
#define EXPECT_CHILD_OK(status)						\
	EXPECT_EQ(0, (status)) TH_LOG("child: %s", status_str(status))

/* xp_shmat's failure value */
#define XP_FAILED ((void *)-1)

#endif /* CLSHM_SELFTEST_COMMON_H */
