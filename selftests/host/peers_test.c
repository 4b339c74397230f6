// SPDX-License-Identifier: GPL-2.0
/*
 * peers_test.c - host tests of clshmd's partition handling (peers.c)
 *
 * No driver is needed: the test links peers.c and common/ with
 * ioctl(2), clock_gettime(2) and gethostname(2) wrapped (ld --wrap) by a
 * small simulation of partitions that share a fabric.  Each simulated
 * partition has a kernel (up or down, an incarnation, a ring of messages
 * for its daemon, the host names it learnt from hellos) and a daemon
 * (a struct clshmd driven through the functions of peers.c, as ring.c
 * would drive it).  A hello sent with CLSHM_IOC_PEER lands in the other
 * partition's ring as CLSHM_MSG_PEER_HELLO, PARTLIST lists the partitions
 * that are up, time only moves when a test moves it.
 *
 * What is checked: daemons that meet log "joined" once each and send one
 * hello each; a restarted daemon says hello again and gets an answer; no
 * pair of daemons answers each other for ever; a hello of another ABI
 * major or page size is refused; a full mailbox is retried with growing
 * delays and given up on; down reasons; hellos from unknown or stale
 * incarnations are ignored.
 *
 * Built by "make -C daemon tests", run by selftests/run.sh --host
 * (kselftest harness, TAP).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "clshmd.h"

#define NSIM		3
#define QLEN		256
#define LOGLEN		65536
#define MAX_STEPS	1000

struct sim {
	/* the kernel */
	bool up;
	__u64 inc;
	struct clshm_msg q[QLEN];
	unsigned int qh, qt;
	char names[NSIM][CLSHM_HOSTNAME_MAX];	/* learnt from hellos */
	int eagain;		/* fail this many hellos with EAGAIN */
	unsigned int refused[NSIM];
	unsigned int hellos_out;
	/* the daemon */
	bool running;
	struct clshmd d;
	char host[CLSHM_HOSTNAME_MAX];
	char log[LOGLEN];
	size_t loglen;
};

static struct sim sim[NSIM];
static int cur = -1;		/* the daemon whose code runs */
static __u64 fake_ms;
static bool fake_clock;

/* ---- the daemon's surroundings --------------------------------------- */

void logmsg(int prio, const char *fmt, ...)
{
	struct sim *s;
	va_list ap;
	int r;

	(void)prio;
	if (cur < 0)
		return;
	s = &sim[cur];
	va_start(ap, fmt);
	r = vsnprintf(s->log + s->loglen, LOGLEN - s->loglen, fmt, ap);
	va_end(ap);
	if (r > 0 && s->loglen + r + 1 < LOGLEN) {
		s->loglen += r;
		s->log[s->loglen++] = '\n';
		s->log[s->loglen] = '\0';
	}
}

void dumpline(const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	logmsg(LOG_INFO, "%s", buf);
}

int __real_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (!fake_clock || clk != CLOCK_MONOTONIC)
		return __real_clock_gettime(clk, ts);
	ts->tv_sec = (time_t)(fake_ms / 1000);
	ts->tv_nsec = (long)(fake_ms % 1000) * 1000000;
	return 0;
}

int __wrap_gethostname(char *name, size_t len);
int __wrap_gethostname(char *name, size_t len)
{
	snprintf(name, len, "%s", cur >= 0 ? sim[cur].host : "nobody");
	return 0;
}

static void post(int to, uint32_t type, uint32_t flags, uint32_t part,
		 __u64 a0, __u64 a1, __u64 a2)
{
	struct sim *s = &sim[to];
	struct clshm_msg *m = &s->q[s->qh++ % QLEN];

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = flags;
	m->part = part;
	m->arg[0] = a0;
	m->arg[1] = a1;
	m->arg[2] = a2;
}

static int sim_of_fd(int fd)
{
	int i;

	for (i = 0; i < NSIM; i++)
		if (sim[i].d.fd == fd || sim[i].d.shm_fd == fd)
			return i;
	return -1;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	int i = sim_of_fd(fd), j;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (i < 0)
		return fail(EBADF);

	if (req == CLSHM_IOC_PARTLIST) {
		struct clshm_partlist *pl = arg;
		struct clshm_part_info *buf = (void *)(uintptr_t)pl->buf;
		uint32_t n = 0;

		if (!sim[i].up)
			return fail(ENODEV);
		for (j = 0; j < NSIM; j++) {
			if (!sim[j].up)
				continue;
			if (n < pl->max) {
				buf[n].id = (uint32_t)j;
				buf[n].state = CLSHM_PART_UP;
				buf[n].incarnation = sim[j].inc;
			}
			n++;
		}
		pl->count = n;
		pl->local = (uint32_t)i;
		return 0;
	}
	if (req == CLSHM_IOC_PEER) {
		struct clshm_peer *a = arg;

		if (a->part >= NSIM || (int)a->part == i || !sim[a->part].up)
			return fail(ENOENT);
		if (a->op == CLSHM_PEER_REFUSE) {
			sim[i].refused[a->part]++;
			return 0;
		}
		if (a->op != CLSHM_PEER_HELLO || a->len < 2 ||
		    a->len > CLSHM_HOSTNAME_MAX)
			return fail(EINVAL);
		if (sim[i].eagain > 0) {
			sim[i].eagain--;
			return fail(EAGAIN);
		}
		memcpy(sim[a->part].names[i], (void *)(uintptr_t)a->name,
		       a->len);
		sim[i].hellos_out++;
		post((int)a->part, CLSHM_MSG_PEER_HELLO, 0, (uint32_t)i,
		     (__u64)a->major << 32 | a->minor, a->page_size,
		     sim[i].inc);
		return 0;
	}
	if (req == CLSHM_IOC_GETHOSTNAME) {
		struct clshm_hostname *h = arg;

		if (h->part >= NSIM || !sim[h->part].up ||
		    !sim[i].names[h->part][0])
			return fail(ENOENT);
		snprintf((char *)(uintptr_t)h->name, h->len, "%s",
			 sim[i].names[h->part]);
		return 0;
	}
	return fail(ENOTTY);
}

/* ---- driving the simulation ------------------------------------------ */

static void reset_all(void)
{
	int i;

	memset(sim, 0, sizeof(sim));
	for (i = 0; i < NSIM; i++)
		snprintf(sim[i].host, sizeof(sim[i].host), "host%d", i);
	fake_ms = 5000000;
	fake_clock = true;
	cur = -1;
}

/* Partition i's kernel joins: everybody up learns of everybody. */
static void kernel_up(int i)
{
	int j;

	sim[i].up = true;
	sim[i].inc = 1000 * (__u64)(i + 1) + (fake_ms % 997);
	memset(sim[i].names, 0, sizeof(sim[i].names));
	for (j = 0; j < NSIM; j++) {
		if (j == i || !sim[j].up)
			continue;
		post(j, CLSHM_MSG_PART_UP, 0, (uint32_t)i, sim[i].inc, 0, 0);
		post(i, CLSHM_MSG_PART_UP, 0, (uint32_t)j, sim[j].inc, 0, 0);
	}
}

static void kernel_down(int i, uint32_t flags)
{
	int j;

	sim[i].up = false;
	for (j = 0; j < NSIM; j++) {
		if (j == i || !sim[j].up)
			continue;
		post(j, CLSHM_MSG_PART_DOWN, flags, (uint32_t)i, sim[i].inc,
		     0, 0);
		sim[j].names[i][0] = '\0';
	}
}

/* Start (or restart) daemon i: a fresh state, as clshmd's do_register. */
static void daemon_start(int i)
{
	struct sim *s = &sim[i];

	memset(&s->d, 0, sizeof(s->d));
	s->d.fd = 100 + i;
	s->d.shm_fd = 200 + i;
	s->d.partid = (uint32_t)i;
	s->d.page_size = 4096;
	s->running = true;
	cur = i;
	peers_resync(&s->d, true);
	cur = -1;
}

/* Handle what is queued for daemon i: the number of messages handled. */
static int drain(int i)
{
	struct sim *s = &sim[i];
	int n = 0;

	if (!s->running)
		return 0;
	cur = i;
	while (s->qt != s->qh) {
		struct clshm_msg m = s->q[s->qt++ % QLEN];

		n++;
		switch (m.type) {
		case CLSHM_MSG_PART_UP:
			peer_up(&s->d, &m);
			break;
		case CLSHM_MSG_PART_DOWN:
			peer_down(&s->d, &m);
			break;
		case CLSHM_MSG_PEER_HELLO:
			peer_hello(&s->d, &m);
			break;
		}
	}
	peers_retry(&s->d);
	cur = -1;
	return n;
}

/* Deliver until no daemon has anything left: the steps it took. */
static int settle(void)
{
	int steps, i, n;

	for (steps = 0; steps < MAX_STEPS; steps++) {
		n = 0;
		for (i = 0; i < NSIM; i++)
			n += drain(i);
		if (!n)
			return steps;
		fake_ms += 1;
	}
	return MAX_STEPS;
}

/*
 * Let ms of simulated time pass, 100 ms at a time, delivering messages
 * and sending what falls due.
 */
static void pass_time(struct __test_metadata *_metadata, __u64 ms)
{
	__u64 end = fake_ms + ms;
	int i;

	while (fake_ms < end) {
		fake_ms += 100;
		for (i = 0; i < NSIM; i++)
			drain(i);
		ASSERT_GT(MAX_STEPS, settle());
	}
}

static int count(const char *log, const char *what)
{
	int n = 0;

	while ((log = strstr(log, what))) {
		n++;
		log += strlen(what);
	}
	return n;
}

#define LOG_HAS(i, what, times) \
	EXPECT_EQ(times, count(sim[i].log, what)) \
		TH_LOG("daemon %d: \"%s\"\n%s", i, what, sim[i].log)

/* Two partitions up, both daemons running and acquainted. */
static void meet(struct __test_metadata *_metadata)
{
	kernel_up(0);
	daemon_start(0);
	kernel_up(1);
	daemon_start(1);
	ASSERT_GT(MAX_STEPS, settle());
}

/* ---- tests ------------------------------------------------------------ */

FIXTURE(fab) {
	int unused;
};

FIXTURE_SETUP(fab)
{
	reset_all();
}

FIXTURE_TEARDOWN(fab)
{
	fake_clock = false;
}

TEST_F(fab, meet_once)
{
	meet(_metadata);
	LOG_HAS(0, "partition 01 (host host1) joined: daemon ABI", 1);
	LOG_HAS(1, "partition 00 (host host0) joined: daemon ABI", 1);
	EXPECT_EQ(1u, sim[0].hellos_out);
	EXPECT_EQ(1u, sim[1].hellos_out);
	EXPECT_EQ(0u, sim[0].refused[1]);
	EXPECT_EQ(0u, sim[1].refused[0]);
	EXPECT_EQ(-1, peers_timeout(&sim[0].d));
	EXPECT_EQ(-1, peers_timeout(&sim[1].d));
	pass_time(_metadata, 30000);
	EXPECT_EQ(1u, sim[0].hellos_out);
	EXPECT_EQ(1u, sim[1].hellos_out);
}

/* Both daemons run before the kernels meet: PART_UP carries it. */
TEST_F(fab, meet_on_part_up)
{
	kernel_up(0);
	daemon_start(0);
	daemon_start(1);	/* not in the fabric yet: no one to greet */
	EXPECT_EQ(0u, sim[1].hellos_out);
	kernel_up(1);
	ASSERT_GT(MAX_STEPS, settle());
	LOG_HAS(0, "partition 01 is up (incarnation", 1);
	LOG_HAS(1, "partition 00 is up (incarnation", 1);
	LOG_HAS(0, "joined: daemon ABI", 1);
	LOG_HAS(1, "joined: daemon ABI", 1);
	EXPECT_EQ(1u, sim[0].hellos_out);
	EXPECT_EQ(1u, sim[1].hellos_out);
}

/* A restarted daemon says hello again and hears the other one's. */
TEST_F(fab, restarted_daemon)
{
	meet(_metadata);
	fake_ms += 10000;
	sim[1].loglen = 0;
	sim[1].log[0] = '\0';
	daemon_start(1);
	ASSERT_GT(MAX_STEPS, settle());
	EXPECT_EQ(2u, sim[1].hellos_out);
	EXPECT_EQ(2u, sim[0].hellos_out);
	LOG_HAS(0, "partition 01 (host host1) said hello again (its daemon restarted)", 1);
	LOG_HAS(1, "partition 00 (host host0) joined: daemon ABI", 1);
}

/*
 * However restarts and resynchronisations interleave, the daemons stop
 * answering each other.
 */
TEST_F(fab, no_endless_answers)
{
	int round;

	meet(_metadata);
	for (round = 0; round < 5; round++) {
		fake_ms += round * 700;
		daemon_start(0);
		daemon_start(1);
		drain(0);
		daemon_start(0);	/* again, with answers in flight */
		cur = 1;
		peers_resync(&sim[1].d, false);
		cur = -1;
		ASSERT_GT(MAX_STEPS, settle());
	}
	/* Resends for want of an answer, and the answers to them. */
	pass_time(_metadata, 60000);
	EXPECT_TRUE(sim[0].d.peers[1].hello_seen);
	EXPECT_TRUE(sim[1].d.peers[0].hello_seen);
	/* Nothing more to send: quiet. */
	EXPECT_EQ(-1, peers_timeout(&sim[0].d));
	EXPECT_EQ(-1, peers_timeout(&sim[1].d));
	/* Each start sends one, each answer or resend one: bounded. */
	EXPECT_GE(40u, sim[0].hellos_out + sim[1].hellos_out);
	TH_LOG("%u hellos in all", sim[0].hellos_out + sim[1].hellos_out);
}

/*
 * Both daemons restart within HELLO_ECHO_MS of each other's hello: the
 * first to hear the other answers nobody, and the resend makes up for it.
 */
TEST_F(fab, close_restarts)
{
	meet(_metadata);
	fake_ms += 10000;
	daemon_start(0);	/* A', hello to B */
	daemon_start(1);	/* B', hello to A' */
	drain(0);		/* A' hears B': joined, has sent: no answer */
	daemon_start(0);	/* A'', hello to B' */
	ASSERT_GT(MAX_STEPS, settle());
	/* B' heard A' then A'' (a repeat, but its own hello is new). */
	EXPECT_FALSE(sim[0].d.peers[1].hello_seen);
	pass_time(_metadata, 20000);
	EXPECT_TRUE(sim[0].d.peers[1].hello_seen);
	LOG_HAS(0, "hello sent to partition 01 (no hello from it yet)", 1);
	EXPECT_EQ(-1, peers_timeout(&sim[0].d));
}

/* A peer without a daemon gets our hello a few times, then no more. */
TEST_F(fab, no_daemon_there)
{
	kernel_up(0);
	daemon_start(0);
	kernel_up(1);		/* no daemon on 1 */
	pass_time(_metadata, 60000);
	EXPECT_EQ(4u, sim[0].hellos_out);
	LOG_HAS(0, "(no hello from it yet)", 3);
	EXPECT_EQ(-1, peers_timeout(&sim[0].d));
}

/* Three partitions: everyone meets everyone, once. */
TEST_F(fab, three)
{
	kernel_up(0);
	daemon_start(0);
	kernel_up(1);
	daemon_start(1);
	kernel_up(2);
	daemon_start(2);
	ASSERT_GT(MAX_STEPS, settle());
	LOG_HAS(0, "joined: daemon ABI", 2);
	LOG_HAS(1, "joined: daemon ABI", 2);
	LOG_HAS(2, "joined: daemon ABI", 2);
	EXPECT_EQ(2u, sim[0].hellos_out);
	EXPECT_EQ(2u, sim[1].hellos_out);
	EXPECT_EQ(2u, sim[2].hellos_out);
}

TEST_F(fab, other_major_refused)
{
	meet(_metadata);
	post(0, CLSHM_MSG_PEER_HELLO, 0, 1,
	     (__u64)99 << 32 | 3, 4096, sim[1].inc);	/* never ours */
	drain(0);
	EXPECT_EQ(1u, sim[0].refused[1]);
	LOG_HAS(0, "runs clshm ABI 99.3, this partition", 1);
	LOG_HAS(0, "refusing it; install the same major version", 1);
	LOG_HAS(0, "partition 01 refused:", 1);
	EXPECT_TRUE(sim[0].d.peers[1].refused);
}

TEST_F(fab, other_page_size_refused)
{
	meet(_metadata);
	post(0, CLSHM_MSG_PEER_HELLO, 0, 1,
	     (__u64)CLSHM_ABI_MAJOR << 32 | CLSHM_ABI_MINOR, 65536,
	     sim[1].inc);
	drain(0);
	EXPECT_EQ(1u, sim[0].refused[1]);
	LOG_HAS(0, "has 65536-byte pages, this partition 4096-byte pages: refusing it", 1);
}

/* Another minor version is fine. */
TEST_F(fab, other_minor_accepted)
{
	meet(_metadata);
	post(0, CLSHM_MSG_PEER_HELLO, 0, 1,
	     (__u64)CLSHM_ABI_MAJOR << 32 | (CLSHM_ABI_MINOR + 5), 4096,
	     sim[1].inc);
	drain(0);
	EXPECT_EQ(0u, sim[0].refused[1]);
	EXPECT_EQ((uint32_t)CLSHM_ABI_MINOR + 5, sim[0].d.peers[1].abi_minor);
}

TEST_F(fab, full_mailbox_retried)
{
	int t, tries = 0, last = 0;

	kernel_up(0);
	daemon_start(0);
	sim[0].eagain = 4;
	kernel_up(1);
	drain(0);
	EXPECT_EQ(0u, sim[0].hellos_out);
	while (!sim[0].hellos_out && (t = peers_timeout(&sim[0].d)) > 0 &&
	       tries < 50) {
		/* The delays grow. */
		EXPECT_LE(last, t);
		last = t;
		fake_ms += (__u64)t;
		cur = 0;
		peers_retry(&sim[0].d);
		cur = -1;
		tries++;
	}
	EXPECT_EQ(4, tries);
	EXPECT_EQ(1u, sim[0].hellos_out);
	/* Now it waits for the answer (daemon 1 does not run). */
	EXPECT_EQ(5000, peers_timeout(&sim[0].d));
}

TEST_F(fab, full_mailbox_given_up)
{
	int t, tries = 0;

	kernel_up(0);
	daemon_start(0);
	sim[0].eagain = 1000;
	kernel_up(1);
	drain(0);
	while ((t = peers_timeout(&sim[0].d)) >= 0 && tries < 100) {
		EXPECT_GE(2000, t);
		fake_ms += (__u64)t;
		cur = 0;
		peers_retry(&sim[0].d);
		cur = -1;
		tries++;
	}
	EXPECT_GT(100, tries);
	EXPECT_EQ(0u, sim[0].hellos_out);
	LOG_HAS(0, "its mailbox stayed full", 1);
}

/* A peer that goes down takes its pending retry with it. */
TEST_F(fab, retry_dropped_when_down)
{
	kernel_up(0);
	daemon_start(0);
	sim[0].eagain = 1000;
	kernel_up(1);
	drain(0);
	EXPECT_LT(0, peers_timeout(&sim[0].d));
	kernel_down(1, CLSHM_DOWN_LEFT);
	drain(0);
	EXPECT_EQ(-1, peers_timeout(&sim[0].d));
}

TEST_F(fab, down_reasons)
{
	static const struct {
		uint32_t flags;
		const char *says;
	} cases[] = {
		{ CLSHM_DOWN_LEFT, "is down: left (shut down cleanly)" },
		{ CLSHM_DOWN_TIMEOUT, "is down: heartbeat timeout" },
		{ CLSHM_DOWN_REBOOT, "is down: rebooted (new incarnation)" },
		{ CLSHM_DOWN_REFUSED, "refused (incompatible versions), not by this daemon" },
		{ 0x40, "is down: flags 0x40" },
	};
	unsigned int k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		reset_all();
		meet(_metadata);
		kernel_down(1, cases[k].flags);
		ASSERT_GT(MAX_STEPS, settle());
		LOG_HAS(0, cases[k].says, 1);
		LOG_HAS(0, "partition 01 (host host1)", 2);
		EXPECT_EQ(CLSHM_PART_DOWN, sim[0].d.peers[1].state);
		EXPECT_FALSE(sim[0].d.peers[1].hello_seen);
	}
}

/* Back with a new incarnation: met again. */
TEST_F(fab, reboot)
{
	meet(_metadata);
	kernel_down(1, CLSHM_DOWN_REBOOT);
	fake_ms += 3333;
	kernel_up(1);
	daemon_start(1);
	ASSERT_GT(MAX_STEPS, settle());
	LOG_HAS(0, "partition 01 (host host1) joined: daemon ABI", 2);
	EXPECT_EQ(sim[1].inc, sim[0].d.peers[1].incarnation);
	EXPECT_EQ(2u, sim[0].hellos_out);
}

/* A hello from a partition the kernel does not list is ignored. */
TEST_F(fab, hello_from_nowhere)
{
	kernel_up(0);
	daemon_start(0);
	post(0, CLSHM_MSG_PEER_HELLO, 0, 2,
	     (__u64)CLSHM_ABI_MAJOR << 32 | CLSHM_ABI_MINOR, 4096, 99);
	drain(0);
	LOG_HAS(0, "hello from partition 02, incarnation 99, but the driver has it down", 1);
	EXPECT_FALSE(sim[0].d.peers[2].hello_seen);
	EXPECT_EQ(0u, sim[0].hellos_out);
}

/* A hello from an old incarnation is ignored. */
TEST_F(fab, stale_hello)
{
	meet(_metadata);
	post(0, CLSHM_MSG_PEER_HELLO, 0, 1,
	     (__u64)CLSHM_ABI_MAJOR << 32 | CLSHM_ABI_MINOR, 65536,
	     sim[1].inc - 1);
	drain(0);
	LOG_HAS(0, "but the driver has it up with incarnation", 1);
	EXPECT_EQ(0u, sim[0].refused[1]);
}

/* A down message about an older incarnation does not take it down. */
TEST_F(fab, stale_down)
{
	meet(_metadata);
	post(0, CLSHM_MSG_PART_DOWN, CLSHM_DOWN_TIMEOUT, 1, sim[1].inc - 1,
	     0, 0);
	drain(0);
	EXPECT_EQ(CLSHM_PART_UP, sim[0].d.peers[1].state);
	LOG_HAS(0, "ignored (heartbeat timeout)", 1);
}

/* Messages were dropped: the resynchronisation finds who came and went. */
TEST_F(fab, resync_after_drops)
{
	meet(_metadata);
	kernel_up(2);
	/* Daemon 0's ring lost everything. */
	sim[0].qt = sim[0].qh;
	kernel_down(1, CLSHM_DOWN_TIMEOUT);
	sim[0].qt = sim[0].qh;
	cur = 0;
	peers_resync(&sim[0].d, false);
	cur = -1;
	LOG_HAS(0, "partition 02 is up, incarnation", 1);
	LOG_HAS(0, "partition 01 is down (its message was missed)", 1);
	EXPECT_EQ(1u + 1u, sim[0].hellos_out);	/* to 1 at first, now to 2 */
	daemon_start(2);
	ASSERT_GT(MAX_STEPS, settle());
	LOG_HAS(2, "partition 00 (host host0) joined", 1);
	LOG_HAS(0, "partition 02 (host host2) joined", 1);
}

TEST_HARNESS_MAIN
