// SPDX-License-Identifier: GPL-2.0
/*
 * signals.c - sleeping calls and signals
 *
 * A call that sleeps (xp_shmwait, part_gethostname) fails with EINTR only
 * when a signal handler ran, as FUTEX_WAIT and slow System V calls do:
 *
 *   - a stop and continue (SIGSTOP, SIGCONT), or any signal without a
 *     handler, restarts the call; a timed wait keeps its deadline, so the
 *     timeout still holds in total, time stopped included;
 *   - a handler without SA_RESTART gives EINTR;
 *   - a handler with SA_RESTART restarts an untimed wait and a host-name
 *     request, and gives EINTR to a timed wait (like a timed FUTEX_WAIT).
 *
 * One table: each row runs the sleeping call in a child (which reports
 * its return value, errno and duration through a pipe), acts on the
 * child 300 ms into the call, and checks the outcome.  A host-name
 * request sleeps because the daemon is stopped meanwhile.
 */
#include "common.h"

enum call { CALL_WAIT, CALL_HOSTNAME };
enum act {
	ACT_STOP_CONT,		/* SIGSTOP, then SIGCONT after stop_ms */
	ACT_CHLD,		/* SIGCHLD: ignored by default, no handler */
	ACT_USR1,		/* SIGUSR1: the child's handler, if any */
};

/* With timeout_ms or min_ms: the partition's request timeout. */
#define PART_TIMEOUT	(-2)

FIXTURE(sig)
{
	struct clshm_ctx ctx;
	volatile uint32_t *word;
	pid_t daemon;		/* stopped for CALL_HOSTNAME */
};

FIXTURE_VARIANT(sig)
{
	enum call call;
	int timeout_ms;		/* CALL_WAIT: -1 for ever */
	int handler;		/* SIGUSR1 has a handler ... */
	int restart;		/* ... with SA_RESTART */
	enum act act;
	int stop_ms;		/* ACT_STOP_CONT */
	int release_ms;		/* then, this long into the call: the word
				 * changes and is woken, or the daemon goes
				 * on (0: never) */
	int want_ret;
	int want_err;
	int min_ms;		/* the call took at least (0: unchecked) */
	int max_ms;		/* and less than (0: unchecked) */
};

/* A timed wait stopped for a second still ends when its 3 s are up. */
FIXTURE_VARIANT_ADD(sig, wait_timed_stop_cont_keeps_deadline) {
	.call = CALL_WAIT, .timeout_ms = 3000, .act = ACT_STOP_CONT,
	.stop_ms = 1000, .want_ret = -1, .want_err = ETIMEDOUT,
	.min_ms = 2900, .max_ms = 3900,
};
/* A signal without a handler changes nothing. */
FIXTURE_VARIANT_ADD(sig, wait_timed_unhandled_signal) {
	.call = CALL_WAIT, .timeout_ms = 1500, .act = ACT_CHLD,
	.want_ret = -1, .want_err = ETIMEDOUT, .min_ms = 1400,
};
/* A handler without SA_RESTART: EINTR at once. */
FIXTURE_VARIANT_ADD(sig, wait_timed_handler_eintr) {
	.call = CALL_WAIT, .timeout_ms = 5000, .handler = 1, .act = ACT_USR1,
	.want_ret = -1, .want_err = EINTR, .max_ms = 4000,
};
/* A timed wait is not restarted after a handler, SA_RESTART or not. */
FIXTURE_VARIANT_ADD(sig, wait_timed_sa_restart_eintr) {
	.call = CALL_WAIT, .timeout_ms = 5000, .handler = 1, .restart = 1,
	.act = ACT_USR1, .want_ret = -1, .want_err = EINTR, .max_ms = 4000,
};
/* An untimed wait with an SA_RESTART handler goes on until woken. */
FIXTURE_VARIANT_ADD(sig, wait_forever_sa_restart_restarts) {
	.call = CALL_WAIT, .timeout_ms = -1, .handler = 1, .restart = 1,
	.act = ACT_USR1, .release_ms = 1000, .want_ret = 0, .min_ms = 900,
};
/* ... and stopped and continued, too. */
FIXTURE_VARIANT_ADD(sig, wait_forever_stop_cont_restarts) {
	.call = CALL_WAIT, .timeout_ms = -1, .act = ACT_STOP_CONT,
	.stop_ms = 300, .release_ms = 1200, .want_ret = 0, .min_ms = 1100,
};
/* An untimed wait with a handler without SA_RESTART: EINTR. */
FIXTURE_VARIANT_ADD(sig, wait_forever_handler_eintr) {
	.call = CALL_WAIT, .timeout_ms = -1, .handler = 1, .act = ACT_USR1,
	.want_ret = -1, .want_err = EINTR,
};
/* A request to a daemon that does not answer, stopped and continued. */
FIXTURE_VARIANT_ADD(sig, hostname_stop_cont_times_out) {
	.call = CALL_HOSTNAME, .act = ACT_STOP_CONT, .stop_ms = 100,
	.want_ret = -1, .want_err = ETIMEDOUT, .min_ms = PART_TIMEOUT,
};
/* The same request with a handler without SA_RESTART: EINTR. */
FIXTURE_VARIANT_ADD(sig, hostname_handler_eintr) {
	.call = CALL_HOSTNAME, .handler = 1, .act = ACT_USR1,
	.want_ret = -1, .want_err = EINTR, .max_ms = PART_TIMEOUT,
};
/* With SA_RESTART: restarted, and answered once the daemon goes on. */
FIXTURE_VARIANT_ADD(sig, hostname_sa_restart_answered) {
	.call = CALL_HOSTNAME, .handler = 1, .restart = 1, .act = ACT_USR1,
	.release_ms = 600, .want_ret = 0,
};

static void on_usr1(int sig)
{
	(void)sig;
}

struct call_arg {
	const FIXTURE_VARIANT(sig) *v;
	volatile uint32_t *word;
};

/* In the child: the handler the row asks for, then the sleeping call. */
static int sleeping_call(void *p)
{
	const struct call_arg *a = p;
	struct sigaction sa = { .sa_handler = on_usr1 };
	char name[XP_HOSTNAME_MAX];

	sa.sa_flags = a->v->restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	if (a->v->handler && sigaction(SIGUSR1, &sa, NULL))
		return -2;
	if (a->v->call == CALL_WAIT)
		return xp_shmwait(a->word, 0, a->v->timeout_ms);
	return part_gethostname(part_getid(), name, sizeof(name));
}

FIXTURE_SETUP(sig)
{
	int id;
	void *p;

	CTX_SETUP(&self->ctx);
	if (variant->call == CALL_HOSTNAME) {
		self->daemon = self->ctx.cfg.daemon_pid;
		if (!self->daemon)
			SKIP(return, "no daemon");
		ASSERT_EQ(0, kill(self->daemon, SIGSTOP));
		return;
	}
	/* A local segment with a zero word, attached: the child inherits it. */
	id = xp_shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID, NULL));
	ASSERT_NE(XP_FAILED, p);
	self->word = p;
}

FIXTURE_TEARDOWN(sig)
{
	if (self->daemon)
		kill(self->daemon, SIGCONT);
	CTX_TEARDOWN(&self->ctx);
}

static int ms_of(int v, const struct clshm_ctx *ctx)
{
	return v == PART_TIMEOUT ? (int)ctx->cfg.timeout_ms : v;
}

TEST_F(sig, call)
{
	struct call_arg arg = { variant, self->word };
	struct call_outcome o = { 1, 0, 0 };
	int fd[2], min, max;
	int64_t t0 = now_ms();
	pid_t pid;

	pid = call_in_child(sleeping_call, &arg, fd);
	ASSERT_LT(0, pid);
	track_pid(pid);

	sleep_ms(300);
	switch (variant->act) {
	case ACT_STOP_CONT:
		ASSERT_EQ(0, kill(pid, SIGSTOP));
		sleep_ms(variant->stop_ms);
		ASSERT_EQ(0, kill(pid, SIGCONT));
		break;
	case ACT_CHLD:
		ASSERT_EQ(0, kill(pid, SIGCHLD));
		break;
	case ACT_USR1:
		ASSERT_EQ(0, kill(pid, SIGUSR1));
		break;
	}
	if (variant->release_ms) {
		if (now_ms() - t0 < variant->release_ms)
			sleep_ms(variant->release_ms - (now_ms() - t0));
		if (variant->call == CALL_WAIT) {
			*self->word = 1;
			ASSERT_LE(0, xp_shmwake(self->word));
		} else {
			ASSERT_EQ(0, kill(self->daemon, SIGCONT));
		}
	}

	ASSERT_EQ(0, call_outcome(pid, fd, &o)) TH_LOG("no outcome");
	EXPECT_EQ(variant->want_ret, o.ret) TH_LOG("errno %s", strerror(o.err));
	if (variant->want_ret)
		EXPECT_EQ(variant->want_err, o.err)
			TH_LOG("errno %s", strerror(o.err));
	min = ms_of(variant->min_ms, &self->ctx);
	max = ms_of(variant->max_ms, &self->ctx);
	if (min)
		EXPECT_LE(min, o.ms);
	if (max)
		EXPECT_GT(max, o.ms) TH_LOG("restarted with a new timeout?");
}

TEST_HARNESS_MAIN
