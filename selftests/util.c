// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - plain helpers of the clshm selftests; see util.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

const char *clshmctl_path(void)
{
	const char *p = getenv("CLSHMCTL");

	return p && *p ? p : CLSHMCTL_DEFAULT;
}

const char *clshmd_path(void)
{
	const char *p = getenv("CLSHMD");

	return p && *p ? p : CLSHMD_DEFAULT;
}

int shm_dev(void)
{
	return open(CLSHM_SHM_PATH, O_RDWR | O_CLOEXEC);
}

int ctl_dev(void)
{
	return open(CLSHM_CTL_PATH, O_RDWR | O_CLOEXEC);
}

/* One ioctl on a fresh fd of path; keeps the ioctl's errno. */
static int dev_ioctl(const char *path, unsigned long cmd, void *arg)
{
	int fd, ret, err;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, cmd, arg);
	err = errno;
	close(fd);
	errno = err;
	return ret < 0 ? -1 : 0;
}

int get_counters(struct clshm_counters *c)
{
	memset(c, 0, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	return dev_ioctl(CLSHM_SHM_PATH, CLSHM_IOC_COUNTERS, c);
}

int get_info(struct clshm_info *i)
{
	memset(i, 0, sizeof(*i));
	memset(i, 0, sizeof(*i));
	i->size = sizeof(*i);
	return dev_ioctl(CLSHM_SHM_PATH, CLSHM_IOC_INFO, i);
}

int get_cfg(struct clshm_cfg *c)
{
	memset(c, 0, sizeof(*c));
	return dev_ioctl(CLSHM_CTL_PATH, CLSHM_IOC_GETCFG, c);
}

int set_cfg(const struct clshm_cfg *c)
{
	struct clshm_cfg tmp = *c;

	return dev_ioctl(CLSHM_CTL_PATH, CLSHM_IOC_SETCFG, &tmp);
}

int seg_stat(int shmid, struct clshm_ds *ds)
{
	struct clshm_stat st;

	memset(&st, 0, sizeof(st));
	st.shmid = (uint32_t)shmid;
	if (dev_ioctl(CLSHM_SHM_PATH, CLSHM_IOC_STAT, &st))
		return -1;
	if (ds)
		*ds = st.ds;
	return 0;
}

long seg_nattch(int shmid)
{
	struct clshm_ds ds;

	if (seg_stat(shmid, &ds))
		return -1;
	return ds.nattch;
}

int list_shmids(uint32_t *ids, int max)
{
	struct clshm_ds buf[32];
	struct clshm_list l;
	int fd, n = 0, err;
	uint32_t i;

	fd = shm_dev();
	if (fd < 0)
		return -1;
	memset(&l, 0, sizeof(l));
	do {
		l.buf = (uintptr_t)buf;
		l.count = 32;
		if (ioctl(fd, CLSHM_IOC_LIST, &l)) {
			err = errno;
			close(fd);
			errno = err;
			return -1;
		}
		for (i = 0; i < l.count && i < 32; i++, n++)
			if (n < max)
				ids[n] = buf[i].shmid;
		if (l.next && l.next <= l.start)
			break;		/* a driver bug; do not loop forever */
		l.start = l.next;
	} while (l.next);
	close(fd);
	return n;
}

int counters_settle(const struct clshm_counters *base,
		    struct clshm_counters *now, int ms)
{
	for (;;) {
		if (get_counters(now))
			return -1;
		if (now->segs_live == base->segs_live &&
		    now->attaches_live == base->attaches_live &&
		    now->pages_pinned == base->pages_pinned)
			return 0;
		if (ms <= 0)
			return 1;
		sleep_ms(20);
		ms -= 20;
	}
}

int become_user(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL))
		return -1;
	if (setresgid(gid, gid, gid))
		return -1;
	return setresuid(uid, uid, uid);
}

int run_cmd(char *out, size_t outlen, int uid, const char *fmt, ...)
{
	char tmpl[] = "/tmp/clshm-selftest-XXXXXX";
	char cmd[1024];
	va_list ap;
	int fd, status;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (out && outlen)
		out[0] = 0;

	/*
	 * Output goes to an unlinked file, not a pipe: a daemon started by
	 * the command may keep it open for ever.
	 */
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		return -1;
	unlink(tmpl);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		setsid();
		if (nul >= 0)
			dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (uid >= 0 && become_user(uid, TEST_GID))
			_exit(126);
		setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	if (out && outlen > 1) {
		ssize_t n = pread(fd, out, outlen - 1, 0);

		out[n > 0 ? n : 0] = 0;
	}
	close(fd);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int clshmctl(char *out, size_t outlen, const char *args)
{
	return run_cmd(out, outlen, -1, "%s %s", clshmctl_path(), args);
}

int wait_daemon(int running, uint32_t not_pid, int ms, uint32_t *pid)
{
	struct clshm_cfg c;

	for (;;) {
		if (get_cfg(&c))
			return -1;
		if (pid)
			*pid = c.daemon_pid;
		if (running ? (c.daemon_pid && c.daemon_pid != not_pid)
			    : !c.daemon_pid)
			return 0;
		if (ms <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		sleep_ms(20);
		ms -= 20;
	}
}

int ensure_started(void)
{
	struct clshm_cfg c;
	char out[512];
	int rc;

	if (get_cfg(&c))
		return -1;
	if (c.state == CLSHM_STATE_UP && c.daemon_pid)
		return 0;
	rc = clshmctl(out, sizeof(out), "startup");
	if (rc != 0)
		fprintf(stderr, "# clshmctl startup: exit %d: %s\n", rc, out);
	if (get_cfg(&c))
		return -1;
	if (c.state != CLSHM_STATE_UP) {
		errno = EIO;
		return -1;
	}
	return wait_daemon(1, 0, 20000, NULL);
}

int ensure_down(void)
{
	struct clshm_cfg c;
	char out[512];
	int rc;

	if (get_cfg(&c))
		return -1;
	if (c.state == CLSHM_STATE_DOWN)
		return 0;
	rc = clshmctl(out, sizeof(out), "shutdown");
	if (rc != 0)
		fprintf(stderr, "# clshmctl shutdown: exit %d: %s\n", rc, out);
	if (get_cfg(&c))
		return -1;
	if (c.state != CLSHM_STATE_DOWN) {
		errno = EBUSY;
		return -1;
	}
	/* Let the old daemon go before anything starts a new one. */
	wait_daemon(0, 0, 10000, NULL);
	return 0;
}

int ensure_cfg(const struct clshm_cfg *want)
{
	struct clshm_cfg c, set;

	if (get_cfg(&c))
		return -1;
	if (c.maxpgs != want->maxpgs || c.maxsegs != want->maxsegs ||
	    c.maxdpgs != want->maxdpgs || c.timeout_ms != want->timeout_ms ||
	    c.partid != want->partid) {
		if (ensure_down())
			return -1;
		memset(&set, 0, sizeof(set));
		set.mask = CLSHM_CFG_ALL;
		set.maxpgs = want->maxpgs;
		set.maxsegs = want->maxsegs;
		set.maxdpgs = want->maxdpgs;
		set.timeout_ms = want->timeout_ms;
		set.partid = want->partid;
		if (set_cfg(&set))
			return -1;
	}
	return ensure_started();
}

pid_t start_child(int uid, int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		if (uid >= 0 && become_user(uid, TEST_GID)) {
			fprintf(stderr, "# child: cannot become uid %d: %s\n",
				uid, strerror(errno));
			_exit(99);
		}
		_exit(fn(arg));
	}
	return pid;
}

int wait_child(pid_t pid, int ms)
{
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (ms <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			errno = ETIMEDOUT;
			return -1;
		}
		sleep_ms(5);
		ms -= 5;
	}
}

pid_t call_in_child(int (*fn)(void *), void *arg, int fd[2])
{
	struct call_outcome o;
	int64_t t0;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid) {
		if (pid > 0)
			close(fd[1]);
		return pid;
	}
	close(fd[0]);
	t0 = now_ms();
	o.ret = fn(arg);
	o.err = errno;
	o.ms = (long)(now_ms() - t0);
	_exit(write(fd[1], &o, sizeof(o)) == sizeof(o) ? 0 : 2);
}

int call_outcome(pid_t pid, int fd[2], struct call_outcome *o)
{
	ssize_t n = read(fd[0], o, sizeof(*o));

	close(fd[0]);
	return wait_child(pid, 30000) == 0 && n == sizeof(*o) ? 0 : -1;
}

int run_child(int uid, int (*fn)(void *), void *arg)
{
	pid_t pid = start_child(uid, fn, arg);

	if (pid < 0)
		return -1;
	return wait_child(pid, 120000);
}

const char *status_str(int status)
{
	static char buf[64];

	if (status == -1)
		snprintf(buf, sizeof(buf), "no status (timeout or error)");
	else if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}

int detach_all_self(void)
{
	unsigned long start[256], end[256];
	char line[512];
	int n = 0, i;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -1;
	while (n < 256 && fgets(line, sizeof(line), f)) {
		int off = 0;

		/*
		 * Attaches map a segment's own file ("/clshm:0x... (deleted)")
		 * or the shm device.  Match the path field exactly: the
		 * test binaries themselves live under /opt/clshm/.
		 */
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start[n],
			   &end[n], &off) < 2 || !off)
			continue;
		if (!strncmp(line + off, "/clshm:0x", 9) ||
		    !strncmp(line + off, "/dev/clshm/", 11))
			n++;
	}
	fclose(f);
	for (i = 0; i < n; i++)
		munmap((void *)start[i], end[i] - start[i]);
	return n;
}

int remove_segs_except(const uint32_t *keep, int nkeep)
{
	uint32_t ids[256];
	struct clshm_rmid r;
	int n, i, j, fd, removed = 0;

	n = list_shmids(ids, 256);
	if (n < 0)
		return -1;
	if (n > 256)
		n = 256;
	fd = shm_dev();
	if (fd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nkeep; j++)
			if (keep[j] == ids[i])
				break;
		if (j < nkeep)
			continue;
		memset(&r, 0, sizeof(r));
		r.shmid = ids[i];
		if (!ioctl(fd, CLSHM_IOC_RMID, &r))
			removed++;
	}
	close(fd);
	return removed;
}

static char tmpdir[64];

const char *test_file(char *buf, size_t len, const char *name)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/clshm-test-%d",
			 (int)getpid());
		mkdir(tmpdir, 0755);
		chmod(tmpdir, 01777);	/* children may be another user */
	}
	snprintf(buf, len, "%s/%s", tmpdir, name);
	return buf;
}

void remove_tmpdir(void)
{
	char path[320];
	struct dirent *de;
	DIR *d;

	if (!tmpdir[0])
		return;
	d = opendir(tmpdir);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", tmpdir,
				 de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	tmpdir[0] = 0;
}

static pid_t tracked[64];
static int ntracked;

void track_pid(pid_t pid)
{
	if (pid > 0 && ntracked < 64)
		tracked[ntracked++] = pid;
}

void kill_tracked(void)
{
	int i;

	for (i = 0; i < ntracked; i++) {
		kill(tracked[i], SIGKILL);
		waitpid(tracked[i], NULL, 0);
	}
	ntracked = 0;
}

char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

int huge_folios(void)
{
	char buf[8] = "";
	ssize_t n;
	int fd;

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK))
		return 0;
	fd = open("/sys/module/clshm/parameters/hugepages", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] == 'Y';
}

long smaps_kb(const void *addr, const char *field)
{
	char line[256], want[64];
	unsigned long start, end;
	size_t flen = strlen(field);
	int in = 0;
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%s:", field);
	while (fgets(line, sizeof(line), f)) {
		/* a mapping's first line: "start-end perms ..." */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (in)
				break;
			in = start == (unsigned long)addr;
			continue;
		}
		if (in && !strncmp(line, want, flen + 1)) {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* A small recursive-descent JSON checker (RFC 8259 grammar). */
struct jp {
	const char *s;
	int depth;
};

static void j_ws(struct jp *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
		p->s++;
}

static int j_value(struct jp *p);

static int j_string(struct jp *p)
{
	int i;

	if (*p->s != '"')
		return 0;
	p->s++;
	for (;;) {
		unsigned char c = (unsigned char)*p->s;

		if (c == '"') {
			p->s++;
			return 1;
		}
		if (c < 0x20)
			return 0;	/* also the end of the text */
		if (c == '\\') {
			p->s++;
			if (*p->s == 'u') {
				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p->s[i]))
						return 0;
				p->s += 5;
				continue;
			}
			if (!*p->s || !strchr("\"\\/bfnrt", *p->s))
				return 0;
		}
		p->s++;
	}
}

static int j_number(struct jp *p)
{
	const char *s = p->s;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (isdigit((unsigned char)*s))
			s++;
	else
		return 0;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	p->s = s;
	return 1;
}

static int j_container(struct jp *p, char close, int object)
{
	p->s++;
	if (++p->depth > 64)
		return 0;
	j_ws(p);
	if (*p->s == close) {
		p->s++;
		p->depth--;
		return 1;
	}
	for (;;) {
		j_ws(p);
		if (object) {
			if (!j_string(p))
				return 0;
			j_ws(p);
			if (*p->s != ':')
				return 0;
			p->s++;
		}
		if (!j_value(p))
			return 0;
		j_ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s != close)
			return 0;
		p->s++;
		p->depth--;
		return 1;
	}
}

static int j_value(struct jp *p)
{
	j_ws(p);
	switch (*p->s) {
	case '{':
		return j_container(p, '}', 1);
	case '[':
		return j_container(p, ']', 0);
	case '"':
		return j_string(p);
	case 't':
		if (strncmp(p->s, "true", 4))
			return 0;
		p->s += 4;
		return 1;
	case 'f':
		if (strncmp(p->s, "false", 5))
			return 0;
		p->s += 5;
		return 1;
	case 'n':
		if (strncmp(p->s, "null", 4))
			return 0;
		p->s += 4;
		return 1;
	default:
		return j_number(p);
	}
}

int json_valid(const char *s)
{
	struct jp p = { s, 0 };

	if (!j_value(&p))
		return 0;
	j_ws(&p);
	return *p.s == 0;
}

int json_has_key(const char *s, const char *key)
{
	size_t klen = strlen(key);
	const char *q;

	for (q = strchr(s, '"'); q; q = strchr(q + 1, '"')) {
		const char *e;

		if (strncmp(q + 1, key, klen) || q[1 + klen] != '"')
			continue;
		e = q + 2 + klen;
		while (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r')
			e++;
		if (*e == ':')
			return 1;
	}
	return 0;
}
