// SPDX-License-Identifier: GPL-2.0
/*
 * netlink - the clshm generic netlink family, over raw netlink sockets
 *
 * Dumps (exactly once, racing with creates and removes), SEG_DEL by
 * shmid, key, uid and orphans, privilege and visibility for an
 * unprivileged user, strict attribute validation, the attach, partition
 * and counter dumps, and the "events" group: a scripted lifecycle in
 * order, partition, daemon and limit events, and the overflow (ENOBUFS).
 */
#include <sys/mman.h>
#include <time.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/clshm_netlink.h>

#include "clshm-rawnl.h"
#include "common.h"

CLSHM_FIXTURE(netlink)

/* Datagrams the last nl_answer() read (a dump's parts). */
static int nl_parts;

/*
 * Answers in 4 KiB reads: they keep the kernel's dump parts at 4 KiB
 * (about 30 segments), so a dump of a few hundred has many parts.
 */
static int nl_answer(int fd, void (*fn)(struct nlmsghdr *, void *),
		     void *arg, int pause_us)
{
	return rnl_answer(fd, 4096, fn, arg, pause_us, &nl_parts);
}

/* One open socket and the family, in every test. */
struct nl {
	int fd;
	uint32_t ids[2];
};

static int nl_open(struct nl *nl)
{
	nl->fd = rnl_socket();
	if (nl->fd < 0)
		return -1;
	return rnl_family(nl->fd, nl->ids);
}

/* What a dump saw. */
struct seen {
	uint32_t ids[8192];
	int n;
	int bad;		/* messages without a shmid */
};

static void dump_cb(struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a[CLSHM_NL_A_MAX + 1];
	struct seen *s = arg;

	rnl_parse(nh, a, CLSHM_NL_A_MAX);
	if (!a[CLSHM_NL_A_SEG_SHMID] || !a[CLSHM_NL_A_SEG_SIZE] ||
	    !a[CLSHM_NL_A_SEG_MODE] || !a[CLSHM_NL_A_SEG_NATTCH]) {
		s->bad++;
		return;
	}
	if (s->n < (int)(sizeof(s->ids) / sizeof(s->ids[0])))
		s->ids[s->n++] = rnl_u32(a[CLSHM_NL_A_SEG_SHMID]);
}

/* Dump every segment into s: 0 or an errno. */
static int nl_dump(struct nl *nl, struct seen *s, int pause_us)
{
	struct rnl_req r;

	memset(s, 0, sizeof(*s));
	rnl_init(&r, nl->ids[0], CLSHM_NL_CMD_SEG_GET, NLM_F_DUMP | NLM_F_ACK);
	if (rnl_send(nl->fd, &r))
		return errno;
	return nl_answer(nl->fd, dump_cb, s, pause_us);
}

static int count_of(const struct seen *s, uint32_t id)
{
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->ids[i] == id;
	return n;
}

static int has_dups(const struct seen *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (count_of(s, s->ids[i]) != 1)
			return 1;
	return 0;
}

static void count_cb(struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a[CLSHM_NL_A_MAX + 1];

	rnl_parse(nh, a, CLSHM_NL_A_MAX);
	if (a[CLSHM_NL_A_COUNT])
		*(uint32_t *)arg = rnl_u32(a[CLSHM_NL_A_COUNT]);
}

/* SEG_DEL with one u32 selector (ORPHANS: a flag): 0 or an errno. */
static int nl_del(struct nl *nl, uint16_t attr, uint32_t v, uint32_t *count)
{
	uint32_t dummy = ~0u;
	struct rnl_req r;

	rnl_init(&r, nl->ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	if (attr == CLSHM_NL_A_ORPHANS)
		rnl_put(&r, attr, NULL, 0);
	else
		rnl_put_u32(&r, attr, v);
	if (rnl_send(nl->fd, &r))
		return errno;
	return nl_answer(nl->fd, count_cb, count ? count : &dummy, 0);
}

/* Send a prepared request and give the kernel's errno. */
static int nl_call(struct nl *nl, struct rnl_req *r)
{
	if (rnl_send(nl->fd, r))
		return errno;
	return nl_answer(nl->fd, NULL, NULL, 0);
}

/* Refused by validation: EINVAL, or ERANGE for a value out of range. */
#define EXPECT_BAD(call) do {						\
	int __e = (call);						\
	EXPECT_TRUE(__e == EINVAL || __e == ERANGE)			\
		TH_LOG("line %d: got %d (%s)", __LINE__, __e, strerror(__e)); \
} while (0)

static int mkseg(int mode)
{
	return xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | mode);
}

/* ------------------------------------------------------------------ */

TEST_F(netlink, dump_sees_created_once)
{
	struct seen *s = calloc(1, sizeof(*s));
	int ids[5], i;
	struct nl nl;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, nl_open(&nl)) TH_LOG("no clshm family: %s",
					  strerror(errno));
	for (i = 0; i < 5; i++) {
		ids[i] = mkseg(0600);
		ASSERT_LE(0, ids[i]);
	}
	ASSERT_EQ(0, nl_dump(&nl, s, 0));
	EXPECT_EQ(0, s->bad);
	EXPECT_EQ(0, has_dups(s));
	for (i = 0; i < 5; i++) {
		uint32_t id = ids[i];

		EXPECT_EQ(1, count_of(s, id)) TH_LOG("shmid 0x%x", id);
	}
	EXPECT_EQ(s->n, list_shmids(NULL, 0));
	close(nl.fd);
	free(s);
}

/*
 * The child: create segments and remove each 32 creations later, until
 * killed (new shmids land ahead of a dump's cursor, removals on both
 * sides of it).
 */
static int churn(void *arg)
{
	int ring[32], i;

	(void)arg;
	memset(ring, -1, sizeof(ring));
	for (i = 0; ; i = (i + 1) % 32) {
		if (ring[i] >= 0)
			xp_shmctl(ring[i], IPC_RMID, NULL);
		ring[i] = mkseg(0600);
	}
	return 0;
}

TEST_F(netlink, dump_racing_creates_and_removes)
{
	struct seen *s = calloc(1, sizeof(*s));
	int stable[300], i, round, churned = 0;
	struct nl nl;
	pid_t pid;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, nl_open(&nl));
	for (i = 0; i < 300; i++) {
		stable[i] = mkseg(0600);
		ASSERT_LE(0, stable[i]);
		/* every other one removed again: holes the churn refills */
		if (i & 1)
			ASSERT_EQ(0, xp_shmctl(stable[i], IPC_RMID, NULL));
	}
	pid = start_child(-1, churn, NULL);
	ASSERT_LT(0, pid);
	track_pid(pid);
	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, nl_dump(&nl, s, 2000));
		EXPECT_EQ(0, has_dups(s));
		for (i = 0; i < 300; i += 2) {
			uint32_t id = stable[i];

			EXPECT_EQ(1, count_of(s, id))
				TH_LOG("round %d shmid 0x%x", round, id);
		}
		/* the dump came in parts: the churn ran between them */
		EXPECT_LT(3, nl_parts);
		churned += s->n - 150 - self->ctx.nkeep;
	}
	/* and its segments were seen: the race was on */
	EXPECT_LT(0, churned);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(nl.fd);
	free(s);
}

TEST_F(netlink, del_by_shmid)
{
	uint32_t count = 0;
	struct clshm_ds ds;
	struct nl nl;
	int id;

	ASSERT_EQ(0, nl_open(&nl));
	id = mkseg(0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, nl_del(&nl, CLSHM_NL_A_SEG_SHMID, id, &count));
	EXPECT_EQ(1, count);
	EXPECT_EQ(-1, seg_stat(id, &ds));
	EXPECT_EQ(ENOENT, nl_del(&nl, CLSHM_NL_A_SEG_SHMID, id, NULL));
	close(nl.fd);
}

TEST_F(netlink, del_attached_goes_at_detach)
{
	struct clshm_ds ds;
	struct nl nl;
	char *p;
	int id;

	ASSERT_EQ(0, nl_open(&nl));
	id = mkseg(0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, nl_del(&nl, CLSHM_NL_A_SEG_SHMID, id, NULL));
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_TRUE(ds.state & CLSHM_SEG_DEST);
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(-1, seg_stat(id, &ds));
	close(nl.fd);
}

TEST_F(netlink, del_by_key)
{
	key_t key = xp_ftok(NULL, 1);
	uint32_t count = 0;
	struct nl nl;
	int id;

	ASSERT_EQ(0, nl_open(&nl));
	ASSERT_NE(-1, key);
	id = xp_shmget(key, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, nl_del(&nl, CLSHM_NL_A_SEG_KEY, key, &count));
	EXPECT_EQ(1, count);
	EXPECT_EQ(-1, xp_shmget(key, 0, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(ENOENT, nl_del(&nl, CLSHM_NL_A_SEG_KEY, key, NULL));
	close(nl.fd);
}

/* As TEST_UID: make three segments. */
static int make_three(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 3; i++)
		CHILD_CHECK(mkseg(0600) >= 0);
	return 0;
}

TEST_F(netlink, del_by_uid)
{
	struct seen *s = calloc(1, sizeof(*s));
	uint32_t count = 0;
	struct nl nl;
	int mine, i;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, nl_open(&nl));
	mine = mkseg(0600);
	ASSERT_LE(0, mine);
	ASSERT_CHILD_OK(run_child(TEST_UID, make_three, NULL));
	ASSERT_EQ(0, nl_del(&nl, CLSHM_NL_A_SEG_UID, TEST_UID, &count));
	EXPECT_EQ(3, count);
	ASSERT_EQ(0, nl_dump(&nl, s, 0));
	EXPECT_EQ(1, count_of(s, mine));
	for (i = 0; i < s->n; i++) {
		struct clshm_ds ds;

		ASSERT_EQ(0, seg_stat(s->ids[i], &ds));
		EXPECT_NE(TEST_UID, ds.uid);
	}
	close(nl.fd);
	free(s);
}

/* A child that creates a segment and exits: its creator is gone. */
static int make_one(void *arg)
{
	int id = mkseg(0600);

	CHILD_CHECK(id >= 0);
	CHILD_CHECK(write(*(int *)arg, &id, sizeof(id)) == sizeof(id));
	return 0;
}

static int orphan(int *id)
{
	int fd[2], ret;

	if (pipe(fd))
		return -1;
	ret = run_child(-1, make_one, &fd[1]);
	if (!ret && read(fd[0], id, sizeof(*id)) != sizeof(*id))
		ret = -1;
	close(fd[0]);
	close(fd[1]);
	return ret;
}

TEST_F(netlink, del_orphans)
{
	int gone, gone_attached, alive;
	uint32_t count = 0;
	struct clshm_ds ds;
	struct nl nl;
	char *p;

	ASSERT_EQ(0, nl_open(&nl));
	ASSERT_EQ(0, orphan(&gone));
	ASSERT_EQ(0, orphan(&gone_attached));
	alive = mkseg(0600);
	ASSERT_LE(0, alive);
	p = xp_shmat(gone_attached, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, nl_del(&nl, CLSHM_NL_A_ORPHANS, 0, &count));
	EXPECT_LE(1, count);
	EXPECT_EQ(-1, seg_stat(gone, &ds));
	ASSERT_EQ(0, seg_stat(gone_attached, &ds));
	EXPECT_FALSE(ds.state & CLSHM_SEG_DEST);
	ASSERT_EQ(0, seg_stat(alive, &ds));
	EXPECT_FALSE(ds.state & CLSHM_SEG_DEST);
	ASSERT_EQ(0, xp_shmdt(p));
	close(nl.fd);
}

/* As TEST_UID: what the user may see and remove. */
static int monitor_open(struct nl *nl);

struct user_view {
	int hidden;	/* root's 0600 segment */
	int visible;	/* root's 0644 segment */
};

static int user_checks(void *arg)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct user_view *v = arg;
	struct nl nl;

	CHILD_CHECK(s);
	CHILD_CHECK(nl_open(&nl) == 0);
	CHILD_CHECK(nl_del(&nl, CLSHM_NL_A_SEG_SHMID, v->hidden, NULL) ==
		    EPERM);
	CHILD_CHECK(nl_del(&nl, CLSHM_NL_A_SEG_SHMID, v->visible, NULL) ==
		    EPERM);
	/* uid 0's segments it can see (the 0644 one) all refuse. */
	CHILD_CHECK(nl_del(&nl, CLSHM_NL_A_SEG_UID, 0, NULL) == EPERM);
	CHILD_CHECK(nl_dump(&nl, s, 0) == 0);
	CHILD_CHECK(count_of(s, v->hidden) == 0);
	CHILD_CHECK(count_of(s, v->visible) == 1);
	close(nl.fd);
	/* the event stream names everybody's segments: admins only */
	CHILD_CHECK(monitor_open(&nl) == -1 && errno == EPERM);
	free(s);
	return 0;
}

TEST_F(netlink, unprivileged_user)
{
	struct user_view v;
	struct clshm_ds ds;

	v.hidden = mkseg(0600);
	v.visible = mkseg(0644);
	ASSERT_LE(0, v.hidden);
	ASSERT_LE(0, v.visible);
	ASSERT_CHILD_OK(run_child(TEST_UID, user_checks, &v));
	ASSERT_EQ(0, seg_stat(v.hidden, &ds));
	EXPECT_FALSE(ds.state & CLSHM_SEG_DEST);
	ASSERT_EQ(0, seg_stat(v.visible, &ds));
	EXPECT_FALSE(ds.state & CLSHM_SEG_DEST);
}

TEST_F(netlink, malformed_attributes)
{
	uint64_t wide = 1;
	uint16_t narrow = 1;
	char big[64] = { 0 };
	struct rnl_req r;
	struct seen *s = calloc(1, sizeof(*s));
	struct nl nl;
	int id;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, nl_open(&nl));
	id = mkseg(0600);
	ASSERT_LE(0, id);

	/* no selector */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	EXPECT_BAD(nl_call(&nl, &r));
	/* two selectors */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_SEG_SHMID, id);
	rnl_put(&r, CLSHM_NL_A_ORPHANS, NULL, 0);
	EXPECT_BAD(nl_call(&nl, &r));
	/* wrong type: a u64 shmid, a u16 shmid */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put(&r, CLSHM_NL_A_SEG_SHMID, &wide, sizeof(wide));
	EXPECT_BAD(nl_call(&nl, &r));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put(&r, CLSHM_NL_A_SEG_SHMID, &narrow, sizeof(narrow));
	EXPECT_BAD(nl_call(&nl, &r));
	/* oversized */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put(&r, CLSHM_NL_A_SEG_SHMID, big, sizeof(big));
	EXPECT_BAD(nl_call(&nl, &r));
	/* a flag with a payload */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_ORPHANS, 1);
	EXPECT_BAD(nl_call(&nl, &r));
	/* out of range: key 0 */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_SEG_KEY, 0);
	EXPECT_BAD(nl_call(&nl, &r));
	/* reply-only attribute in a request */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_SEG_SHMID, id);
	rnl_put_u32(&r, CLSHM_NL_A_SEG_GID, 0);
	EXPECT_BAD(nl_call(&nl, &r));
	/* unknown attribute, alone and with a good selector */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_MAX + 5, 1);
	EXPECT_BAD(nl_call(&nl, &r));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_DEL, NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_SEG_SHMID, id);
	rnl_put_u32(&r, CLSHM_NL_A_MAX + 5, 1);
	EXPECT_BAD(nl_call(&nl, &r));
	/* SEG_GET without its shmid; a dump with an unknown attribute */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_GET, NLM_F_ACK);
	EXPECT_BAD(nl_call(&nl, &r));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_GET, NLM_F_DUMP | NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_MAX + 5, 1);
	EXPECT_BAD(nl_call(&nl, &r));
	/* an unknown command */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_MAX + 1, NLM_F_ACK);
	EXPECT_EQ(EOPNOTSUPP, nl_call(&nl, &r));

	/* none of it removed anything; the good request still works */
	ASSERT_EQ(0, nl_dump(&nl, s, 0));
	EXPECT_EQ(1, count_of(s, id));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_SEG_GET, NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_SEG_SHMID, id);
	EXPECT_EQ(0, nl_call(&nl, &r));
	close(nl.fd);
	free(s);
}

/* Events: a monitor socket joined to "events". */
static int monitor_open(struct nl *nl)
{
	uint32_t grp;

	if (nl_open(nl))
		return -1;
	grp = nl->ids[1];
	return setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
			  sizeof(grp));
}

struct event {
	int cmd;
	uint32_t shmid;
	uint32_t pid;
	uint32_t part;
	uint32_t nattch;
	uint64_t time;
};

/*
 * The next event within ms: its message, or NULL (errno: ETIMEDOUT,
 * ENOBUFS...).  A datagram may carry several events (the driver sends
 * them in batches): the next call returns the next one of the same
 * datagram.  Valid until the next call.
 */
static struct nlmsghdr *next_msg(int fd, int ms)
{
	static char buf[65536] __attribute__((aligned(8)));
	static struct nlmsghdr *next;
	static int left, from = -1;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct nlmsghdr *nh;
	ssize_t n;

	if (next && from == fd && NLMSG_OK(next, left)) {
		nh = next;
		next = NLMSG_NEXT(next, left);
		return nh;
	}
	next = NULL;
	if (poll(&pfd, 1, ms) != 1) {
		errno = ETIMEDOUT;
		return NULL;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return NULL;
	nh = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(nh, n)) {
		errno = EPROTO;
		return NULL;
	}
	left = (int)n;
	from = fd;
	next = NLMSG_NEXT(nh, left);
	return nh;
}

/* The next event about shmid within ms: 0, or -1 (errno: ENOBUFS...). */
static int next_event(int fd, uint32_t shmid, struct event *ev, int ms)
{
	for (;;) {
		struct nlattr *a[CLSHM_NL_A_MAX + 1];
		struct nlmsghdr *nh = next_msg(fd, ms);

		if (!nh)
			return -1;
		rnl_parse(nh, a, CLSHM_NL_A_MAX);
		if (!a[CLSHM_NL_A_SEG_SHMID] ||
		    rnl_u32(a[CLSHM_NL_A_SEG_SHMID]) != shmid)
			continue;
		ev->cmd = ((struct genlmsghdr *)NLMSG_DATA(nh))->cmd;
		ev->shmid = shmid;
		ev->pid = a[CLSHM_NL_A_PID] ? rnl_u32(a[CLSHM_NL_A_PID]) : ~0u;
		ev->part = a[CLSHM_NL_A_PART] ? rnl_u32(a[CLSHM_NL_A_PART]) : ~0u;
		ev->nattch = a[CLSHM_NL_A_SEG_NATTCH] ?
			     rnl_u32(a[CLSHM_NL_A_SEG_NATTCH]) : ~0u;
		ev->time = a[CLSHM_NL_A_TIME] ? rnl_u64(a[CLSHM_NL_A_TIME]) : 0;
		return 0;
	}
}

#define NSEC	1000000000ull

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

TEST_F(netlink, monitor_lifecycle_in_order)
{
	static const struct { int cmd; int nattch; } want[] = {
		{ CLSHM_NL_CMD_EV_CREATED, 0 },
		{ CLSHM_NL_CMD_EV_ATTACHED, 1 },
		{ CLSHM_NL_CMD_EV_REMOVED, 1 },
		{ CLSHM_NL_CMD_EV_DETACHED, 0 },
		{ CLSHM_NL_CMD_EV_DESTROYED, 0 },
	};
	uint64_t last = 0;
	struct event ev;
	struct nl mon;
	unsigned int i;
	char *p;
	int id;

	ASSERT_EQ(0, monitor_open(&mon));
	id = mkseg(0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID, NULL));
	ASSERT_EQ(0, xp_shmdt(p));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ASSERT_EQ(0, next_event(mon.fd, id, &ev, 5000))
			TH_LOG("event %u: %s", i, strerror(errno));
		EXPECT_EQ(want[i].cmd, ev.cmd) TH_LOG("event %u", i);
		EXPECT_EQ((uint32_t)want[i].nattch, ev.nattch)
			TH_LOG("event %u", i);
		EXPECT_EQ(self->ctx.cfg.partid, ev.part);
		/* stamped, within a minute of now, and in order */
		EXPECT_GT(ev.time + 60 * NSEC, realtime_ns()) TH_LOG("event %u", i);
		EXPECT_LT(ev.time, realtime_ns() + 60 * NSEC);
		EXPECT_LE(last, ev.time);
		last = ev.time;
		if (ev.cmd != CLSHM_NL_CMD_EV_DESTROYED)
			EXPECT_EQ((uint32_t)getpid(), ev.pid)
				TH_LOG("event %u", i);
	}
	close(mon.fd);
}

TEST_F(netlink, monitor_overflow_enobufs)
{
	int small = 1024, i, id;
	struct event ev;
	struct nl mon;

	ASSERT_EQ(0, monitor_open(&mon));
	ASSERT_EQ(0, setsockopt(mon.fd, SOL_SOCKET, SO_RCVBUF, &small,
				sizeof(small)));
	for (i = 0; i < 200; i++) {
		id = mkseg(0600);
		ASSERT_LE(0, id);
		ASSERT_EQ(0, xp_shmctl(id, IPC_RMID, NULL));
	}
	/*
	 * The socket overflowed: the first read says so; events sent while
	 * it stays full are lost; once read empty, delivery resumes.
	 */
	EXPECT_EQ(-1, next_event(mon.fd, ~0u, &ev, 2000));
	EXPECT_EQ(ENOBUFS, errno);
	/* The last batches may overflow it again while they arrive. */
	while (!next_event(mon.fd, ~0u, &ev, 300) || errno == ENOBUFS)
		;
	EXPECT_EQ(ETIMEDOUT, errno);
	id = mkseg(0600);
	ASSERT_LE(0, id);
	for (;;) {
		ASSERT_EQ(0, next_event(mon.fd, id, &ev, 5000))
			TH_LOG("after ENOBUFS: %s", strerror(errno));
		if (ev.cmd == CLSHM_NL_CMD_EV_CREATED)
			break;
	}
	close(mon.fd);
}

/* ------------------------------------------------------------------
 * ATT_GET, PART_GET, COUNTERS_GET
 */

/* One attach as ATT_GET reported it. */
struct att {
	uint32_t shmid, pid, part, nattch;
	uint64_t start, end;
	int rdonly;
	char comm[16];
};

struct atts {
	struct att a[4096];
	int n;
	int bad;	/* a message that breaks the format */
};

static void att_cb(struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a[CLSHM_NL_A_MAX + 1];
	struct atts *s = arg;
	struct att *t;

	rnl_parse(nh, a, CLSHM_NL_A_MAX);
	if (!a[CLSHM_NL_A_SEG_SHMID] || !a[CLSHM_NL_A_PART] ||
	    s->n == (int)(sizeof(s->a) / sizeof(s->a[0]))) {
		s->bad++;
		return;
	}
	t = &s->a[s->n++];
	memset(t, 0, sizeof(*t));
	t->shmid = rnl_u32(a[CLSHM_NL_A_SEG_SHMID]);
	t->part = rnl_u32(a[CLSHM_NL_A_PART]);
	if (a[CLSHM_NL_A_PID]) {
		/* a process: pid, command and the range, nothing else */
		if (!a[CLSHM_NL_A_COMM] || !a[CLSHM_NL_A_ATT_START] ||
		    !a[CLSHM_NL_A_ATT_END] || a[CLSHM_NL_A_SEG_NATTCH])
			s->bad++;
		t->pid = rnl_u32(a[CLSHM_NL_A_PID]);
		if (a[CLSHM_NL_A_COMM])
			snprintf(t->comm, sizeof(t->comm), "%s",
				 (char *)a[CLSHM_NL_A_COMM] + NLA_HDRLEN);
		if (a[CLSHM_NL_A_ATT_START])
			t->start = rnl_u64(a[CLSHM_NL_A_ATT_START]);
		if (a[CLSHM_NL_A_ATT_END])
			t->end = rnl_u64(a[CLSHM_NL_A_ATT_END]);
		t->rdonly = !!a[CLSHM_NL_A_ATT_RDONLY];
	} else {
		/* another partition: its count */
		if (!a[CLSHM_NL_A_SEG_NATTCH])
			s->bad++;
		else
			t->nattch = rnl_u32(a[CLSHM_NL_A_SEG_NATTCH]);
	}
}

/* ATT_GET dump, of one shmid or (0) all: 0 or an errno. */
static int nl_atts(struct nl *nl, uint32_t shmid, struct atts *s, int pause_us)
{
	struct rnl_req r;

	memset(s, 0, sizeof(*s));
	rnl_init(&r, nl->ids[0], CLSHM_NL_CMD_ATT_GET, NLM_F_DUMP | NLM_F_ACK);
	if (shmid)
		rnl_put_u32(&r, CLSHM_NL_A_SEG_SHMID, shmid);
	if (rnl_send(nl->fd, &r))
		return errno;
	return nl_answer(nl->fd, att_cb, s, pause_us);
}

/* Entries of s for shmid and pid starting at start (0: any). */
static int att_count(const struct atts *s, uint32_t shmid, uint32_t pid,
		     const void *start)
{
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->a[i].shmid == shmid && s->a[i].pid == pid &&
		     (!start || s->a[i].start == (uintptr_t)start);
	return n;
}

/* A child that attaches the shmid it is given and waits to be killed. */
static int hold_attach(void *arg)
{
	int *fd = arg;
	int id;

	CHILD_CHECK(read(fd[0], &id, sizeof(id)) == sizeof(id));
	CHILD_CHECK(xp_shmat(id, NULL, SHM_RDONLY) != XP_FAILED);
	CHILD_CHECK(write(fd[1], &id, sizeof(id)) == sizeof(id));
	pause();
	return 0;
}

/* A child running fn (hold_attach or the like) and its two pipes. */
struct holder {
	int to[2], from[2];
	int fds[2];		/* the child's ends: fds[0] it reads, fds[1] */
	pid_t pid;
};

/* Start the holder: its pid, or -1. */
static pid_t holder_start(struct holder *h, int (*fn)(void *))
{
	if (pipe(h->to) || pipe(h->from))
		return -1;
	h->fds[0] = h->to[0];
	h->fds[1] = h->from[1];
	h->pid = start_child(-1, fn, h->fds);
	if (h->pid > 0)
		track_pid(h->pid);
	return h->pid;
}

/* Give the holder shmid id and wait until it has attached: 0 or -1. */
static int holder_give(struct holder *h, int id)
{
	int back;

	if (write(h->to[1], &id, sizeof(id)) != sizeof(id) ||
	    read(h->from[0], &back, sizeof(back)) != sizeof(back))
		return -1;
	return back == id ? 0 : -1;
}

TEST_F(netlink, att_dump_names_pid_comm_range)
{
	struct atts *s = calloc(1, sizeof(*s));
	struct holder h;
	int id, other, i;
	char *rw, *ro, comm[16] = "";
	struct nl nl;
	pid_t child;
	FILE *f;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, nl_open(&nl));
	id = mkseg(0600);
	other = mkseg(0600);
	ASSERT_LE(0, id);
	ASSERT_LE(0, other);
	/* the child first: it would inherit the attaches made before */
	child = holder_start(&h, hold_attach);
	ASSERT_LT(0, child);
	rw = xp_shmat(id, NULL, 0);
	ro = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, rw);
	ASSERT_NE(XP_FAILED, ro);
	ASSERT_NE(XP_FAILED, xp_shmat(other, NULL, 0));
	ASSERT_EQ(0, holder_give(&h, id));

	ASSERT_EQ(0, nl_atts(&nl, id, s, 0));
	EXPECT_EQ(0, s->bad);
	/* only that segment: ours twice (rw, ro) and the child's */
	EXPECT_EQ(3, s->n);
	EXPECT_EQ(1, att_count(s, id, getpid(), rw));
	EXPECT_EQ(1, att_count(s, id, getpid(), ro));
	EXPECT_EQ(1, att_count(s, id, child, NULL));
	f = fopen("/proc/self/comm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	for (i = 0; i < s->n; i++) {
		struct att *t = &s->a[i];

		EXPECT_EQ(self->ctx.cfg.partid, t->part);
		EXPECT_EQ((uint64_t)page_size(), t->end - t->start);
		EXPECT_EQ(t->pid == (uint32_t)child ||
			  t->start == (uintptr_t)ro, t->rdonly)
			TH_LOG("attach %d (pid %u)", i, t->pid);
		if (t->pid == (uint32_t)getpid())
			EXPECT_STREQ(comm, t->comm);
	}

	/* all of them: the other segment's attach too */
	ASSERT_EQ(0, nl_atts(&nl, 0, s, 0));
	EXPECT_EQ(0, s->bad);
	EXPECT_EQ(3, att_count(s, id, getpid(), NULL) +
		     att_count(s, id, child, NULL));
	EXPECT_EQ(1, att_count(s, other, getpid(), NULL));

	/* an attach unmapped is gone, as nattch counts it */
	ASSERT_EQ(0, munmap(rw, page_size()));
	ASSERT_EQ(0, nl_atts(&nl, id, s, 0));
	EXPECT_EQ(2, s->n);
	EXPECT_EQ(seg_nattch(id), s->n);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ASSERT_EQ(0, nl_atts(&nl, id, s, 0));
	EXPECT_EQ(1, s->n);
	EXPECT_EQ(1, att_count(s, id, getpid(), ro));
	close(nl.fd);
	free(s);
}

/* A child that attaches, then its main thread exits: a thread lives on. */
static void *hold_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int hold_attach_leaderless(void *arg)
{
	int *fd = arg;
	pthread_t t;
	int id;

	CHILD_CHECK(read(fd[0], &id, sizeof(id)) == sizeof(id));
	CHILD_CHECK(xp_shmat(id, NULL, SHM_RDONLY) != XP_FAILED);
	CHILD_CHECK(pthread_create(&t, NULL, hold_forever, NULL) == 0);
	CHILD_CHECK(write(fd[1], &id, sizeof(id)) == sizeof(id));
	/* exit(2) of this thread alone (pthread_exit would need libgcc_s) */
	syscall(SYS_exit, 0);
	return 1;
}

TEST_F(netlink, att_dump_finds_a_process_whose_main_thread_exited)
{
	struct atts *s = calloc(1, sizeof(*s));
	char path[64], state = 0, line[256];
	struct holder h;
	int id, i;
	struct nl nl;
	pid_t child;
	FILE *f;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, nl_open(&nl));
	id = mkseg(0600);
	ASSERT_LE(0, id);
	child = holder_start(&h, hold_attach_leaderless);
	ASSERT_LT(0, child);
	ASSERT_EQ(0, holder_give(&h, id));
	/* its main thread has left: wait until it is a zombie */
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	for (i = 0; i < 500 && state != 'Z'; i++) {
		f = fopen(path, "r");
		ASSERT_NE(NULL, f);
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "State:", 6))
				sscanf(line, "State: %c", &state);
		fclose(f);
		if (state != 'Z')
			usleep(10000);
	}
	ASSERT_EQ('Z', state) TH_LOG("the main thread did not exit");
	EXPECT_EQ(1, seg_nattch(id));
	ASSERT_EQ(0, nl_atts(&nl, id, s, 0));
	EXPECT_EQ(0, s->bad);
	EXPECT_EQ(1, att_count(s, id, child, NULL));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(nl.fd);
	free(s);
}

/* As TEST_UID: root's 0600 segment's attaches are not shown. */
static int user_atts(void *arg)
{
	struct atts *s = calloc(1, sizeof(*s));
	int *ids = arg;
	struct nl nl;

	CHILD_CHECK(s);
	CHILD_CHECK(nl_open(&nl) == 0);
	CHILD_CHECK(nl_atts(&nl, 0, s, 0) == 0);
	CHILD_CHECK(att_count(s, ids[0], getppid(), NULL) == 0);
	CHILD_CHECK(att_count(s, ids[1], getppid(), NULL) == 1);
	CHILD_CHECK(nl_atts(&nl, ids[0], s, 0) == 0 && s->n == 0);
	close(nl.fd);
	free(s);
	return 0;
}

TEST_F(netlink, att_dump_only_readable)
{
	int ids[2];

	ids[0] = mkseg(0600);
	ids[1] = mkseg(0644);
	ASSERT_LE(0, ids[0]);
	ASSERT_LE(0, ids[1]);
	ASSERT_NE(XP_FAILED, xp_shmat(ids[0], NULL, 0));
	ASSERT_NE(XP_FAILED, xp_shmat(ids[1], NULL, 0));
	ASSERT_CHILD_OK(run_child(TEST_UID, user_atts, ids));
}

/* The child: attach and detach id over and over until killed. */
static int churn_attach(void *arg)
{
	int id = *(int *)arg;

	for (;;) {
		void *p = xp_shmat(id, NULL, 0);

		CHILD_CHECK(p != XP_FAILED);
		CHILD_CHECK(xp_shmdt(p) == 0);
	}
	return 0;
}

TEST_F(netlink, att_dump_racing_attaches)
{
	struct atts *s = calloc(1, sizeof(*s));
	static char *held[200];
	int id, churn_id, i, round, k;
	struct nl nl;
	pid_t pid;

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, nl_open(&nl));
	id = mkseg(0600);
	churn_id = mkseg(0600);
	ASSERT_LE(0, id);
	ASSERT_LE(0, churn_id);
	for (i = 0; i < 200; i++) {
		held[i] = xp_shmat(id, NULL, i & 1 ? SHM_RDONLY : 0);
		ASSERT_NE(XP_FAILED, held[i]);
	}
	pid = start_child(-1, churn_attach, &churn_id);
	ASSERT_LT(0, pid);
	track_pid(pid);
	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, nl_atts(&nl, 0, s, 1000));
		EXPECT_EQ(0, s->bad);
		/* in parts, the churn running between them */
		EXPECT_LT(3, nl_parts);
		for (i = 0; i < 200; i++) {
			k = att_count(s, id, getpid(), held[i]);
			EXPECT_EQ(1, k) TH_LOG("round %d attach %d", round, i);
		}
		/* the churning process: at most its one attach */
		EXPECT_GE(1, att_count(s, churn_id, pid, NULL));
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(nl.fd);
	free(s);
}

struct parts {
	int n, local, bad;
	uint32_t id[65], state[65];
	uint64_t inc[65];
};

static void part_cb(struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a[CLSHM_NL_A_MAX + 1];
	struct parts *p = arg;

	rnl_parse(nh, a, CLSHM_NL_A_MAX);
	if (!a[CLSHM_NL_A_PART] || !a[CLSHM_NL_A_PART_STATE] ||
	    !a[CLSHM_NL_A_PART_INCARNATION] || p->n == 65) {
		p->bad++;
		return;
	}
	if (a[CLSHM_NL_A_PART_LOCAL])
		p->local = p->n + 1;
	p->id[p->n] = rnl_u32(a[CLSHM_NL_A_PART]);
	p->state[p->n] = rnl_u32(a[CLSHM_NL_A_PART_STATE]);
	p->inc[p->n++] = rnl_u64(a[CLSHM_NL_A_PART_INCARNATION]);
}

TEST_F(netlink, part_dump_as_partlist)
{
	struct clshm_part_info info[65];
	struct clshm_partlist pl = {
		.buf = (uintptr_t)info, .max = 65,
	};
	struct parts p = { 0 };
	struct rnl_req r;
	struct nl nl;
	int i;

	ASSERT_EQ(0, nl_open(&nl));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_PART_GET, NLM_F_DUMP | NLM_F_ACK);
	ASSERT_EQ(0, rnl_send(nl.fd, &r));
	ASSERT_EQ(0, nl_answer(nl.fd, part_cb, &p, 0));
	EXPECT_EQ(0, p.bad);
	/* the local one first, flagged, up */
	EXPECT_EQ(1, p.local);
	EXPECT_EQ(self->ctx.cfg.partid, p.id[0]);
	EXPECT_EQ(CLSHM_PART_UP, p.state[0]);
	EXPECT_NE(0, p.inc[0]);
	/* the ioctl says the same */
	ASSERT_EQ(0, ioctl(ctl_dev(), CLSHM_IOC_PARTLIST, &pl));
	ASSERT_EQ(pl.count, (uint32_t)p.n);
	for (i = 0; i < p.n; i++) {
		EXPECT_EQ(info[i].id, p.id[i]);
		EXPECT_EQ(info[i].incarnation, p.inc[i]);
	}
	close(nl.fd);
}

static void counters_cb(struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a[CLSHM_NL_A_MAX + 1], *c;
	uint64_t *v = arg;
	int len;

	rnl_parse(nh, a, CLSHM_NL_A_MAX);
	if (!a[CLSHM_NL_A_COUNTERS])
		return;
	c = (struct nlattr *)((char *)a[CLSHM_NL_A_COUNTERS] + NLA_HDRLEN);
	len = a[CLSHM_NL_A_COUNTERS]->nla_len - NLA_HDRLEN;
	while (len >= NLA_HDRLEN && c->nla_len >= NLA_HDRLEN) {
		if (c->nla_type <= CLSHM_NL_C_MAX &&
		    c->nla_len == NLA_HDRLEN + 8)
			v[c->nla_type] = rnl_u64(c);
		len -= NLA_ALIGN(c->nla_len);
		c = (struct nlattr *)((char *)c + NLA_ALIGN(c->nla_len));
	}
}

static int nl_counters(struct nl *nl, uint64_t *v)
{
	struct rnl_req r;

	memset(v, 0xff, sizeof(uint64_t) * (CLSHM_NL_C_MAX + 1));
	rnl_init(&r, nl->ids[0], CLSHM_NL_CMD_COUNTERS_GET, NLM_F_ACK);
	if (rnl_send(nl->fd, &r))
		return errno;
	return nl_answer(nl->fd, counters_cb, v, 0);
}

TEST_F(netlink, counters_as_ioctl)
{
	uint64_t v[CLSHM_NL_C_MAX + 1];
	struct clshm_counters c;
	struct nl nl;
	int id;

	ASSERT_EQ(0, nl_open(&nl));
	ASSERT_EQ(0, nl_counters(&nl, v));
	ASSERT_EQ(0, get_counters(&c));
	/* every counter there */
	for (id = CLSHM_NL_C_SEGS_LIVE; id <= CLSHM_NL_C_MAX; id++)
		EXPECT_NE(~0ull, v[id]) TH_LOG("counter %d", id);
	EXPECT_EQ(c.segs_live, v[CLSHM_NL_C_SEGS_LIVE]);
	EXPECT_EQ(c.segs_created, v[CLSHM_NL_C_SEGS_CREATED]);
	id = mkseg(0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, nl_counters(&nl, v));
	EXPECT_EQ(c.segs_created + 1, v[CLSHM_NL_C_SEGS_CREATED]);
	EXPECT_EQ(c.segs_live + 1, v[CLSHM_NL_C_SEGS_LIVE]);
	close(nl.fd);
}

TEST_F(netlink, new_commands_malformed)
{
	uint64_t wide = 1;
	struct rnl_req r;
	struct nl nl;

	ASSERT_EQ(0, nl_open(&nl));
	/* ATT_GET: a u64 shmid, shmid 0, a reply attribute */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_ATT_GET, NLM_F_DUMP | NLM_F_ACK);
	rnl_put(&r, CLSHM_NL_A_SEG_SHMID, &wide, sizeof(wide));
	EXPECT_BAD(nl_call(&nl, &r));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_ATT_GET, NLM_F_DUMP | NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_SEG_SHMID, 0);
	EXPECT_BAD(nl_call(&nl, &r));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_ATT_GET, NLM_F_DUMP | NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_PID, 1);
	EXPECT_BAD(nl_call(&nl, &r));
	/* ATT_GET and PART_GET are dumps only */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_ATT_GET, NLM_F_ACK);
	EXPECT_EQ(EOPNOTSUPP, nl_call(&nl, &r));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_PART_GET, NLM_F_ACK);
	EXPECT_EQ(EOPNOTSUPP, nl_call(&nl, &r));
	/* PART_GET and COUNTERS_GET: unknown and reply attributes */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_PART_GET, NLM_F_DUMP | NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_PART_STATE, 1);
	EXPECT_BAD(nl_call(&nl, &r));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_COUNTERS_GET, NLM_F_ACK);
	rnl_put_u32(&r, CLSHM_NL_A_MAX + 1, 1);
	EXPECT_BAD(nl_call(&nl, &r));
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_COUNTERS_GET, NLM_F_ACK);
	rnl_put(&r, CLSHM_NL_A_COUNTERS, NULL, 0);
	EXPECT_BAD(nl_call(&nl, &r));
	/* events are not commands */
	rnl_init(&r, nl.ids[0], CLSHM_NL_CMD_EV_LIMITS, NLM_F_ACK);
	EXPECT_EQ(EOPNOTSUPP, nl_call(&nl, &r));
	close(nl.fd);
}

/* The next event of command cmd within ms, its attributes copied to a. */
struct ev_attrs {
	uint32_t part, pid, limit, maxsegs, key;
	uint64_t inc, size, maxpgs, time;
};

static int next_cmd(int fd, int cmd, struct ev_attrs *e, int ms)
{
	for (;;) {
		struct nlattr *a[CLSHM_NL_A_MAX + 1];
		struct nlmsghdr *nh = next_msg(fd, ms);

		if (!nh)
			return -1;
		if (((struct genlmsghdr *)NLMSG_DATA(nh))->cmd != cmd)
			continue;
		rnl_parse(nh, a, CLSHM_NL_A_MAX);
		memset(e, 0xff, sizeof(*e));
#define GET(f, attr, w) if (a[attr]) e->f = rnl_##w(a[attr])
		GET(part, CLSHM_NL_A_PART, u32);
		GET(pid, CLSHM_NL_A_PID, u32);
		GET(limit, CLSHM_NL_A_LIMIT, u32);
		GET(maxsegs, CLSHM_NL_A_LIMIT_MAXSEGS, u32);
		GET(key, CLSHM_NL_A_SEG_KEY, u32);
		GET(inc, CLSHM_NL_A_PART_INCARNATION, u64);
		GET(size, CLSHM_NL_A_SEG_SIZE, u64);
		GET(maxpgs, CLSHM_NL_A_LIMIT_MAXPGS, u64);
		GET(time, CLSHM_NL_A_TIME, u64);
#undef GET
		return 0;
	}
}

TEST_F(netlink, monitor_limit_refused)
{
	struct ev_attrs e;
	struct nl mon;
	uint64_t big;

	ASSERT_EQ(0, monitor_open(&mon));
	big = (self->ctx.cfg.maxpgs + 1) * page_size();
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, big, IPC_CREAT | 0600));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, next_cmd(mon.fd, CLSHM_NL_CMD_EV_LIMIT_REFUSED, &e, 5000));
	EXPECT_EQ(CLSHM_NL_LIMIT_SIZE, e.limit);
	EXPECT_EQ(big, e.size);
	EXPECT_EQ((uint32_t)getpid(), e.pid);
	EXPECT_EQ(0, e.key);
	EXPECT_EQ(self->ctx.cfg.partid, e.part);
	EXPECT_NE(~0ull, e.time);
	close(mon.fd);
}

TEST_F(netlink, monitor_partition_daemon_limits)
{
	struct clshm_cfg c = self->ctx.cfg;
	struct clshm_info info;
	struct ev_attrs e;
	struct nl mon;

	ASSERT_EQ(0, get_info(&info));
	ASSERT_EQ(0, monitor_open(&mon));
	ASSERT_EQ(0, ensure_down());
	ASSERT_EQ(0, next_cmd(mon.fd, CLSHM_NL_CMD_EV_PART_DOWN, &e, 5000));
	EXPECT_EQ(c.partid, e.part);
	memset(&c, 0, sizeof(c));
	c.mask = CLSHM_CFG_MAXSEGS;
	c.maxsegs = self->ctx.cfg.maxsegs + 1;
	ASSERT_EQ(0, set_cfg(&c)) TH_LOG("SETCFG: %s", strerror(errno));
	ASSERT_EQ(0, next_cmd(mon.fd, CLSHM_NL_CMD_EV_LIMITS, &e, 5000));
	EXPECT_EQ(c.maxsegs, e.maxsegs);
	EXPECT_EQ(self->ctx.cfg.maxpgs, e.maxpgs);
	ASSERT_EQ(0, ensure_started());
	ASSERT_EQ(0, next_cmd(mon.fd, CLSHM_NL_CMD_EV_PART_UP, &e, 5000));
	EXPECT_EQ(self->ctx.cfg.partid, e.part);
	EXPECT_NE(0, e.inc);
	ASSERT_EQ(0, next_cmd(mon.fd, CLSHM_NL_CMD_EV_DAEMON_UP, &e, 20000));
	ASSERT_EQ(0, get_cfg(&c));
	EXPECT_EQ(c.daemon_pid, e.pid);
	EXPECT_NE(0, e.pid);
	close(mon.fd);
}

TEST_F(netlink, monitor_daemon_down)
{
	struct clshm_cfg c;
	struct ev_attrs e;
	struct nl mon;

	ASSERT_EQ(0, get_cfg(&c));
	ASSERT_NE(0, c.daemon_pid);
	ASSERT_EQ(0, monitor_open(&mon));
	ASSERT_EQ(0, kill(c.daemon_pid, SIGKILL));
	ASSERT_EQ(0, next_cmd(mon.fd, CLSHM_NL_CMD_EV_DAEMON_DOWN, &e, 10000));
	EXPECT_EQ(c.daemon_pid, e.pid);
	EXPECT_EQ(c.partid, e.part);
	close(mon.fd);
	ASSERT_EQ(0, ensure_started());
}

TEST_HARNESS_MAIN
