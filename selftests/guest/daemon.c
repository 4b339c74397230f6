// SPDX-License-Identifier: GPL-2.0
/*
 * daemon - clshmd and clshmctl as a user sees them
 *
 * The daemon's registration and signals (HUP clears, TERM exits, USR1
 * dumps), what survives its death (every segment and attach) and what
 * needs it (part_gethostname: ENOTCONN without it), and clshmctl's
 * commands, output and exit codes (clshmctl(8): 0 ok, 1 error, 2 usage,
 * 3 already started, 4 busy, 5 driver missing, 6 not root; clshmd(8):
 * 3 another daemon is registered).
 *
 * The rest of the daemon suite is guest/daemon.sh (run right after this
 * binary): what clshmd logs, a hostile ring, messages about other
 * partitions, ring overflow.  A check both used to make lives here only.
 */
#include <sys/utsname.h>

#include "common.h"

CLSHM_FIXTURE(daemon)

static uint32_t daemon_pid(void)
{
	struct clshm_cfg c;

	if (get_cfg(&c))
		return 0;
	return c.daemon_pid;
}

/* A process is gone (or a zombie nobody reaps: init is a shell). */
static int wait_gone(pid_t pid, int ms)
{
	char s;

	for (;;) {
		s = proc_state(pid);
		if (s == 0 || s == 'Z' || s == 'X')
			return 0;
		if (ms <= 0)
			return -1;
		sleep_ms(20);
		ms -= 20;
	}
}

/* Run clshmd with argv, output to a file, as a child. */
struct clshmd_run {
	const char *args[4];	/* after "clshmd" */
	char out[64];		/* file for its stdout and stderr */
};

static int exec_clshmd(void *arg)
{
	struct clshmd_run *r = arg;
	const char *argv[6] = { "clshmd" };
	int fd, nul, i;

	for (i = 0; i < 4 && r->args[i]; i++)
		argv[i + 1] = r->args[i];
	fd = open(r->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || nul < 0)
		return 126;
	dup2(nul, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	execv(clshmd_path(), (char **)argv);
	return 127;
}

static pid_t start_clshmd(struct clshmd_run *r, int uid)
{
	test_file(r->out, sizeof(r->out), "clshmd.out");
	unlink(r->out);
	return start_child(uid, exec_clshmd, r);
}

/* The output of a clshmd run, NUL-terminated. */
static const char *clshmd_output(struct clshmd_run *r)
{
	static char buf[8192];
	ssize_t n;
	int fd = open(r->out, O_RDONLY | O_CLOEXEC);

	buf[0] = 0;
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* Run clshmd to its end (60 s at most): the wait status. */
static int clshmd_status(struct clshmd_run *r, int uid)
{
	pid_t pid = start_clshmd(r, uid);

	if (pid < 0)
		return -1;
	track_pid(pid);
	return wait_child(pid, 60000);
}

TEST_F(daemon, running_after_startup)
{
	char path[64], comm[64] = "";
	uint32_t pid = daemon_pid();
	FILE *f;

	ASSERT_NE(0, pid);
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f) TH_LOG("daemon pid %u has no %s", pid, path);
	ASSERT_NE(NULL, fgets(comm, sizeof(comm), f));
	fclose(f);
	EXPECT_STREQ("clshmd\n", comm);
}

TEST_F(daemon, second_daemon_already_running)
{
	struct clshmd_run r = { .args = { "-f", "0" } };
	uint32_t pid = daemon_pid();
	char want[32];
	int status;

	ASSERT_NE(0, pid);
	status = clshmd_status(&r, -1);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("clshmd: %s", status_str(status));
	EXPECT_EQ(CTL_EXIT_STARTED, WEXITSTATUS(status)) TH_LOG("%s", clshmd_output(&r));
	snprintf(want, sizeof(want), "%u", pid);
	EXPECT_NE(NULL, strstr(clshmd_output(&r), want))
		TH_LOG("the message does not name pid %s: %s", want,
		       clshmd_output(&r));
	/* the first daemon is untouched */
	EXPECT_EQ(pid, daemon_pid());
	EXPECT_NE(0, proc_state(pid));
	EXPECT_NE('Z', proc_state(pid));
}

TEST_F(daemon, clshmd_as_user_6)
{
	struct clshmd_run r = { .args = { "-f", "0" } };
	int status = clshmd_status(&r, TEST_UID);

	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("clshmd: %s", status_str(status));
	EXPECT_EQ(CTL_EXIT_PERM, WEXITSTATUS(status)) TH_LOG("%s", clshmd_output(&r));
}

TEST_F(daemon, clshmd_bad_partition_2)
{
	static const char *const parts[] = { "7", "1" };
	unsigned int i;

	/* any partition but this one's (0) is a usage error */
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		struct clshmd_run r = { .args = { "-f", parts[i] } };
		int status = clshmd_status(&r, -1);

		ASSERT_TRUE(WIFEXITED(status))
			TH_LOG("clshmd %s: %s", parts[i], status_str(status));
		EXPECT_EQ(2, WEXITSTATUS(status))
			TH_LOG("clshmd %s: %s", parts[i], clshmd_output(&r));
	}
}

TEST_F(daemon, clshmd_shut_down_5)
{
	struct clshmd_run r = { .args = { "-f", "0" } };
	int status;

	ASSERT_EQ(0, ensure_down());
	status = clshmd_status(&r, -1);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("clshmd: %s", status_str(status));
	EXPECT_EQ(CTL_EXIT_NODRIVER, WEXITSTATUS(status)) TH_LOG("%s", clshmd_output(&r));
	/* and says what to do */
	EXPECT_NE(NULL, strstr(clshmd_output(&r), "clshmctl startup"))
		TH_LOG("%s", clshmd_output(&r));
}

/* Replace the registered daemon by a foreground one we are parent of. */
static pid_t own_daemon(struct __test_metadata *_metadata,
			struct clshmd_run *r)
{
	uint32_t old = daemon_pid(), now = 0;
	pid_t pid;

	EXPECT_NE(0, old);
	EXPECT_EQ(0, kill(old, SIGTERM));
	EXPECT_EQ(0, wait_daemon(0, 0, 10000, NULL));
	pid = start_clshmd(r, -1);
	EXPECT_LT(0, pid);
	track_pid(pid);
	EXPECT_EQ(0, wait_daemon(1, 0, 20000, &now));
	EXPECT_EQ((uint32_t)pid, now);
	return pid;
}

TEST_F(daemon, clshmd_foreground_usr1_dump_and_term)
{
	struct clshmd_run r = { .args = { "-f", "0" } };
	size_t before;
	pid_t pid;
	int status, tries, id;

	id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	pid = own_daemon(_metadata, &r);
	ASSERT_LT(0, pid);
	sleep_ms(200);
	before = strlen(clshmd_output(&r));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	for (tries = 0; tries < 250; tries++) {
		if (strlen(clshmd_output(&r)) > before)
			break;
		sleep_ms(20);
	}
	EXPECT_LT(before, strlen(clshmd_output(&r)))
		TH_LOG("no dump on stdout after SIGUSR1");
	EXPECT_NE(NULL, strstr(clshmd_output(&r), "state dump (SIGUSR1)"))
		TH_LOG("%s", clshmd_output(&r));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	status = wait_child(pid, 20000);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("clshmd after SIGTERM: %s", status_str(status));
	EXPECT_EQ(0, daemon_pid());
	EXPECT_EQ(0, seg_stat(id, NULL));
}

TEST_F(daemon, clshmd_exits_0_on_shutdown)
{
	struct clshmd_run r = { .args = { "-f", "0" } };
	char out[1024];
	pid_t pid;
	int status;

	pid = own_daemon(_metadata, &r);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "shutdown")) TH_LOG("%s", out);
	status = wait_child(pid, 20000);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("clshmd after shutdown: %s", status_str(status));
}

TEST_F(daemon, startup_twice_exit_3)
{
	uint32_t pid = daemon_pid();
	char out[1024], want[64];

	ASSERT_NE(0, pid);
	EXPECT_EQ(CTL_EXIT_STARTED, clshmctl(out, sizeof(out), "startup"))
		TH_LOG("output: %s", out);
	/* it names the running daemon */
	snprintf(want, sizeof(want), "already started (clshmd pid %u)", pid);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("output: %s", out);
	EXPECT_EQ(pid, daemon_pid());
}

TEST_F(daemon, startup_after_shutdown)
{
	char out[1024], want[64];
	uint32_t old = daemon_pid(), pid;

	ASSERT_NE(0, old);
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "shutdown")) TH_LOG("%s", out);
	/* the daemon exits with the partition */
	EXPECT_EQ(0, wait_gone(old, 10000));
	EXPECT_EQ(0, daemon_pid());
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "startup")) TH_LOG("%s", out);
	pid = daemon_pid();
	EXPECT_NE(0, pid);
	EXPECT_NE(old, pid);
	snprintf(want, sizeof(want), "%u", pid);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("output: %s", out);
}

TEST_F(daemon, shutdown_when_down_is_ok)
{
	char out[1024];

	ASSERT_EQ(0, ensure_down());
	EXPECT_EQ(0, clshmctl(out, sizeof(out), "shutdown")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "not started")) TH_LOG("%s", out);
}

TEST_F(daemon, kill9_segments_and_attaches_survive)
{
	uint32_t old = daemon_pid(), pid = 0;
	size_t words = 8 * page_size() / 8, i;
	struct clshm_ds ds;
	uint64_t *p;
	char out[1024];
	int id, id2;

	ASSERT_NE(0, old);
	id = xp_shmget(IPC_PRIVATE, 8 * page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	for (i = 0; i < words; i++)
		p[i] = i ^ 0x5a5a;
	ASSERT_EQ(0, kill(old, SIGKILL));
	ASSERT_EQ(0, wait_daemon(0, 0, 10000, NULL))
		TH_LOG("the driver still lists daemon pid %u", daemon_pid());
	/* everything is still there */
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(1, ds.nattch);
	EXPECT_EQ(0, ds.state);
	for (i = 0; i < words; i++)
		if (p[i] != (i ^ 0x5a5a))
			break;
	EXPECT_EQ(words, i);
	/* the segment API works without a daemon */
	id2 = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	EXPECT_LE(0, id2);
	EXPECT_EQ(0, xp_shmctl(id2, IPC_RMID));
	/* a restarted daemon */
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "startup")) TH_LOG("%s", out);
	ASSERT_EQ(0, wait_daemon(1, old, 10000, &pid));
	EXPECT_NE(old, pid);
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(1, ds.nattch);
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(daemon, gethostname_without_daemon_enotconn)
{
	char name[XP_HOSTNAME_MAX];
	uint32_t old = daemon_pid();

	ASSERT_NE(0, old);
	ASSERT_EQ(0, kill(old, SIGKILL));
	ASSERT_EQ(0, wait_daemon(0, 0, 10000, NULL));
	EXPECT_EQ(-1, part_gethostname(0, name, sizeof(name)));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(daemon, gethostname_after_restart)
{
	char name[XP_HOSTNAME_MAX], out[1024];
	struct utsname u;
	uint32_t old = daemon_pid();

	ASSERT_EQ(0, uname(&u));
	ASSERT_NE(0, old);
	ASSERT_EQ(0, kill(old, SIGKILL));
	ASSERT_EQ(0, wait_daemon(0, 0, 10000, NULL));
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "startup")) TH_LOG("%s", out);
	ASSERT_EQ(0, wait_daemon(1, old, 10000, NULL));
	ASSERT_EQ(0, part_gethostname(0, name, sizeof(name)))
		TH_LOG("part_gethostname: %s", strerror(errno));
	EXPECT_STREQ(u.nodename, name);
}

TEST_F(daemon, sighup_clears_segments)
{
	uint32_t pid = daemon_pid();
	struct clshm_ds ds;
	int a, b, tries;
	char *p;

	ASSERT_NE(0, pid);
	a = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	b = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	p = xp_shmat(b, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[0] = 'h';
	ASSERT_EQ(0, kill(pid, SIGHUP));
	for (tries = 0; tries < 500 && seg_stat(a, NULL) == 0; tries++)
		sleep_ms(20);
	/* the unattached one is gone, the attached one removed */
	EXPECT_EQ(-1, seg_stat(a, NULL));
	ASSERT_EQ(0, seg_stat(b, &ds));
	EXPECT_TRUE(ds.state & CLSHM_SEG_DEST);
	EXPECT_EQ('h', p[0]);
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(-1, seg_stat(b, NULL));
	/* and the daemon carries on */
	EXPECT_EQ(pid, daemon_pid());
}

TEST_F(daemon, sigterm_exits_cleanly)
{
	uint32_t pid = daemon_pid();
	struct clshm_cfg c;
	int id;

	ASSERT_NE(0, pid);
	id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, kill(pid, SIGTERM));
	EXPECT_EQ(0, wait_gone(pid, 10000));
	EXPECT_EQ(0, wait_daemon(0, 0, 10000, NULL));
	/* the partition and its segments stay */
	ASSERT_EQ(0, get_cfg(&c));
	EXPECT_EQ(CLSHM_STATE_UP, c.state);
	EXPECT_EQ(0, seg_stat(id, NULL));
}

TEST_F(daemon, sigusr1_dumps_and_runs_on)
{
	uint32_t pid = daemon_pid();

	ASSERT_NE(0, pid);
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	sleep_ms(500);
	EXPECT_EQ(pid, daemon_pid());
	EXPECT_NE(0, proc_state(pid));
	EXPECT_NE('Z', proc_state(pid));
}

/* ---------------------------------------------------------------- */
/* clshmctl shutdown with holders                                     */

struct holder {
	int shmid;
	int up[2], down[2];
};

static int hold(void *arg)
{
	struct holder *h = arg;
	volatile char *p = xp_shmat(h->shmid, NULL, 0);
	char c;

	CHILD_CHECK(p != XP_FAILED);
	p[0] = 'x';
	CHILD_CHECK(write(h->up[1], "u", 1) == 1);
	CHILD_CHECK(read(h->down[0], &c, 1) == 1);
	/* after a forced shutdown this access must raise SIGBUS */
	c = p[0];
	p[0] = c + 1;
	return 0;
}

static pid_t start_holder(struct __test_metadata *_metadata,
			  struct holder *h)
{
	pid_t pid;
	char c;

	h->shmid = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	EXPECT_LE(0, h->shmid);
	EXPECT_EQ(0, pipe2(h->up, O_CLOEXEC));
	EXPECT_EQ(0, pipe2(h->down, O_CLOEXEC));
	pid = start_child(-1, hold, h);
	EXPECT_LT(0, pid);
	track_pid(pid);
	EXPECT_EQ(1, read(h->up[0], &c, 1));
	return pid;
}

TEST_F(daemon, shutdown_attached_busy_names_holder)
{
	struct holder h;
	struct clshm_cfg c;
	char out[4096], want[32];
	pid_t pid;

	pid = start_holder(_metadata, &h);
	ASSERT_LT(0, pid);
	EXPECT_EQ(CTL_EXIT_BUSY, clshmctl(out, sizeof(out), "shutdown"))
		TH_LOG("output: %s", out);
	snprintf(want, sizeof(want), "%d", (int)pid);
	EXPECT_NE(NULL, strstr(out, want))
		TH_LOG("holder %d not named: %s", (int)pid, out);
	EXPECT_NE(NULL, strstr(out, "shutdown --force"))
		TH_LOG("no hint at --force: %s", out);
	ASSERT_EQ(0, get_cfg(&c));
	EXPECT_EQ(CLSHM_STATE_UP, c.state);
	EXPECT_EQ(1, seg_nattch(h.shmid));
	/* the holder goes on normally */
	ASSERT_EQ(1, write(h.down[1], "d", 1));
	EXPECT_CHILD_OK(wait_child(pid, 60000));
}

TEST_F(daemon, shutdown_force_holder_gets_sigbus)
{
	struct clshm_counters k;
	struct holder h;
	struct clshm_cfg c;
	char out[4096];
	pid_t pid;
	int status;

	pid = start_holder(_metadata, &h);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, clshmctl(out, sizeof(out), "shutdown --force"))
		TH_LOG("output: %s", out);
	ASSERT_EQ(0, get_cfg(&c));
	EXPECT_EQ(CLSHM_STATE_DOWN, c.state);
	ASSERT_EQ(1, write(h.down[1], "d", 1));
	status = wait_child(pid, 60000);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		TH_LOG("holder: %s", status_str(status));
	/* all memory freed once the holder is gone */
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(0, k.segs_live);
	EXPECT_EQ(0, k.attaches_live);
	EXPECT_EQ(0, k.pages_pinned);
}

/* ---------------------------------------------------------------- */
/* clshmctl output and exit codes                                     */

TEST_F(daemon, clshmctl_getcfg)
{
	char out[4096];

	ASSERT_EQ(0, clshmctl(out, sizeof(out), "getcfg")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "maxpgs")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "up")) TH_LOG("%s", out);
}

TEST_F(daemon, clshmctl_getcfg_json)
{
	static const char *const keys[] = {
		"maxpgs", "maxsegs", "maxdpgs", "partid", "state", "daemon_pid",
	};
	char out[4096];
	unsigned int i;

	ASSERT_EQ(0, clshmctl(out, sizeof(out), "-j getcfg")) TH_LOG("%s", out);
	EXPECT_TRUE(json_valid(out)) TH_LOG("not JSON: %s", out);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		EXPECT_TRUE(json_has_key(out, keys[i]))
			TH_LOG("no \"%s\": %s", keys[i], out);
	}
}

TEST_F(daemon, clshmctl_status)
{
	char out[8192];

	ASSERT_EQ(0, clshmctl(out, sizeof(out), "status")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "up")) TH_LOG("%s", out);
}

TEST_F(daemon, clshmctl_status_json)
{
	static const char *const keys[] = {
		"state", "partid", "daemon_pid", "limits", "usage", "counters",
		"partitions", "segs_live", "pages_pinned",
	};
	char out[8192];
	unsigned int i;

	ASSERT_EQ(0, clshmctl(out, sizeof(out), "-j status")) TH_LOG("%s", out);
	EXPECT_TRUE(json_valid(out)) TH_LOG("not JSON: %s", out);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		EXPECT_TRUE(json_has_key(out, keys[i]))
			TH_LOG("no \"%s\": %s", keys[i], out);
	}
}

TEST_F(daemon, clshmctl_ipcs)
{
	char out[8192], want[32];
	int id = xp_shmget(IPC_PRIVATE, 3 * page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "ipcs")) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "%08x", (unsigned int)id);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("shmid %s missing: %s",
						  want, out);
}

TEST_F(daemon, clshmctl_ipcs_json)
{
	char out[8192], want[32];
	int id = xp_shmget(IPC_PRIVATE, 3 * page_size(), IPC_CREAT | 0640);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "-j ipcs")) TH_LOG("%s", out);
	EXPECT_TRUE(json_valid(out)) TH_LOG("not JSON: %s", out);
	EXPECT_TRUE(json_has_key(out, "segments")) TH_LOG("%s", out);
	EXPECT_TRUE(json_has_key(out, "nattch")) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "\"0x%08x\"", (unsigned int)id);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("shmid %s missing: %s",
						  want, out);
	EXPECT_NE(NULL, strstr(out, "\"0640\"")) TH_LOG("%s", out);
}

TEST_F(daemon, clshmctl_ipcs_json_empty)
{
	char out[8192];

	ASSERT_EQ(0, self->ctx.nkeep);
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "-j ipcs")) TH_LOG("%s", out);
	EXPECT_TRUE(json_valid(out)) TH_LOG("not JSON: %s", out);
}

TEST_F(daemon, clshmctl_unknown_command_2)
{
	char out[1024];

	EXPECT_EQ(CTL_EXIT_USAGE, clshmctl(out, sizeof(out), "frobnicate"))
		TH_LOG("%s", out);
	EXPECT_NE(0, out[0]) TH_LOG("no message");
}

TEST_F(daemon, clshmctl_no_command_2)
{
	char out[1024];

	EXPECT_EQ(CTL_EXIT_USAGE, clshmctl(out, sizeof(out), ""))
		TH_LOG("%s", out);
}

TEST_F(daemon, clshmctl_bad_option_2)
{
	char out[1024];

	EXPECT_EQ(CTL_EXIT_USAGE, clshmctl(out, sizeof(out), "--bogus status"))
		TH_LOG("%s", out);
	EXPECT_EQ(CTL_EXIT_USAGE, clshmctl(out, sizeof(out), "shutdown --bogus"))
		TH_LOG("%s", out);
}

TEST_F(daemon, clshmctl_help_0)
{
	char out[4096];

	EXPECT_EQ(0, clshmctl(out, sizeof(out), "--help")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "startup")) TH_LOG("%s", out);
	EXPECT_EQ(0, clshmctl(out, sizeof(out), "help shutdown"))
		TH_LOG("%s", out);
}

TEST_F(daemon, clshmctl_as_user_6)
{
	struct clshm_cfg c;
	char out[1024];

	/* looking is for everyone (without the daemon's pid) ... */
	EXPECT_EQ(0, run_cmd(out, sizeof(out), TEST_UID, "%s getcfg",
			     clshmctl_path()))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "daemon pid  unknown")) TH_LOG("%s", out);
	/* ... changing is root's */
	EXPECT_EQ(CTL_EXIT_PERM, run_cmd(out, sizeof(out), TEST_UID,
					  "%s maxsegs 100", clshmctl_path()))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "run clshmctl as root")) TH_LOG("%s", out);
	EXPECT_EQ(CTL_EXIT_PERM, run_cmd(out, sizeof(out), TEST_UID,
					  "%s shutdown", clshmctl_path()))
		TH_LOG("%s", out);
	ASSERT_EQ(0, get_cfg(&c));
	EXPECT_EQ(CLSHM_STATE_UP, c.state);
}

TEST_F(daemon, clshmctl_status_as_user_0)
{
	char out[4096];

	/* status and ipcs work for every user */
	EXPECT_EQ(0, run_cmd(out, sizeof(out), TEST_UID, "%s status",
			     clshmctl_path())) TH_LOG("%s", out);
	EXPECT_EQ(0, run_cmd(out, sizeof(out), TEST_UID, "%s -j ipcs",
			     clshmctl_path())) TH_LOG("%s", out);
	EXPECT_TRUE(json_valid(out)) TH_LOG("not JSON: %s", out);
}

TEST_HARNESS_MAIN
