// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle.c - clshmctl startup and shutdown
 *
 * startup: STARTUP ioctl on a shut-down partition, then start clshmd.
 * clshmd daemonizes itself, but its first process exits only once the
 * daemon has registered with the driver (or failed), with the matching
 * status; we wait for that, then for GETCFG to show the daemon's pid, for
 * 10 s at most.  clshmd is looked for in $CLSHMD, next to our own
 * executable, then in PATH.
 *
 * shutdown: SHUTDOWN ioctl.  The driver posts SHUTDOWN to the ring and
 * hangs up the daemon's poll, so clshmd exits by itself; we wait for the
 * process we saw in GETCFG to go, and end it if it lingers.  When the
 * driver refuses because segments are attached, we say which and who
 * holds them: every attach is a mapping in /proc/PID/maps, named after
 * its segment ("/clshm:0x<shmid> (deleted)"; a mapping of the shm device
 * itself would be at offset shmid * page size).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clshmctl.h"
#include "clshm-util.h"

#define REGISTER_TIMEOUT_MS	10000
#define EXIT_TIMEOUT_MS		5000
#define TERM_TIMEOUT_MS		2000
#define POLL_MS			20

/* ------------------------------------------------------------------ */
/* startup */

/*
 * The fabric refused our partition id: EADDRINUSE (a live partition has
 * it) or ERANGE (the fabric has no slot for it).  With doorbells the id
 * is the device's IVPosition, which the doorbell server hands out.
 */
static void startup_id_hint(int fd, const struct clshm_cfg *cfg, int err)
{
	struct clshm_fabinfo f;
	bool bell = false;
	unsigned int id = cfg->partid, n = 0;

	memset(&f, 0, sizeof(f));
	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	if (ioctl(fd, CLSHM_IOC_FABINFO, &f) == 0) {
		bell = f.flags & CLSHM_FAB_DOORBELL;
		n = f.nparts;
		if (bell)
			id = f.ivposition;
	}
	if (err == EADDRINUSE && bell)
		errmsg("partition id %u (the doorbell server's IVPosition) is in use by a live partition on the fabric: restart this guest so that the server gives it a free id",
		       id);
	else if (err == EADDRINUSE)
		errmsg("partition id %u is in use by a live partition on the fabric (the kernel log names its host): pick a free one with 'clshmctl partid ID', then start again",
		       id);
	else if (bell)
		errmsg("partition id %u (the doorbell server's IVPosition) has no slot in the fabric (%u slots): restart the guests so that ids stay below %u",
		       id, n, n);
	else if (n)
		errmsg("partition id %u has no slot in the fabric (%u slots): pick one from 0 to %u with 'clshmctl partid ID', then start again",
		       id, n, n - 1);
	else
		errmsg("partition id %u has no slot in the fabric: pick a smaller one with 'clshmctl partid ID', then start again",
		       id);
}

/* $CLSHMD, else clshmd next to this executable, else "clshmd" (PATH). */
static const char *find_clshmd(char *buf, size_t len)
{
	const char *env = getenv("CLSHMD");
	char self[PATH_MAX];
	char *slash;
	ssize_t n;
	int r;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			r = snprintf(buf, len, "%s/clshmd", self);
			if (r > 0 && (size_t)r < len && access(buf, X_OK) == 0)
				return buf;
		}
	}
	return "clshmd";
}

static void not_found_hint(const char *path)
{
	errmsg("cannot run %s: install clshmd next to clshmctl or in PATH, or name it in $CLSHMD",
	       path);
}

static int get_daemon_pid(int fd, __u32 *pid)
{
	struct clshm_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	if (ioctl(fd, CLSHM_IOC_GETCFG, &cfg) < 0)
		return -errno;
	*pid = cfg.daemon_pid;
	return 0;
}

/*
 * Run 'clshmd 0' and wait for it to register: the daemon's pid, or 0
 * after a message.
 */
static __u32 start_daemon(int fd, const char *path)
{
	char *const args[] = { "clshmd", "0", NULL };
	long long deadline = now_ms() + REGISTER_TIMEOUT_MS;
	__u32 dpid = 0;
	int status = 0, err;
	pid_t pid, w;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		errmsg("fork: %s", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		execvp(path, args);
		if (errno == ENOENT)
			not_found_hint(path);
		else
			errmsg("cannot run %s: %s", path, strerror(errno));
		_exit(127);
	}

	/* clshmd's first process exits once the daemon registered. */
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			errmsg("waitpid: %s", strerror(errno));
			return 0;
		}
		if (now_ms() >= deadline) {
			errmsg("clshmd (pid %d) did not finish starting within %d s",
			       (int)pid, REGISTER_TIMEOUT_MS / 1000);
			return 0;
		}
		sleep_ms(POLL_MS);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			errmsg("clshmd was killed by signal %d",
			       WTERMSIG(status));
		return 0;
	}
	for (;;) {
		err = get_daemon_pid(fd, &dpid);
		if (err) {
			ioc_fail("reading the configuration", -err);
			return 0;
		}
		if (dpid || now_ms() >= deadline)
			return dpid;
		sleep_ms(POLL_MS);
	}
}

int cmd_startup(struct ctx *c, const struct command *cmd, int argc,
		char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char buf[PATH_MAX];
	struct clshm_startup su;
	struct clshm_cfg cfg;
	const char *path;
	bool fg = false;
	int fd, o, r, err;
	__u32 dpid;

	(void)c;
	optind = 0;
	while ((r = cmd_getopt(cmd, argc, argv, "+fh", opts, &o)) != OPT_DONE) {
		if (r != OPT_NEXT)
			return r;
		fg = true;
	}
	if (optind < argc) {
		errmsg("startup: too many arguments");
		cmd_usage(cmd, true);
		return EX_USAGE;
	}

	r = open_ctl(&fd);
	if (r != EX_OK)
		return r;
	memset(&cfg, 0, sizeof(cfg));
	if (ioctl(fd, CLSHM_IOC_GETCFG, &cfg) < 0) {
		r = ioc_fail("reading the configuration", errno);
		goto out;
	}
	if (cfg.state == CLSHM_STATE_UP && cfg.daemon_pid) {
		errmsg("clshm is already started (clshmd pid %u): run 'clshmctl shutdown' first",
		       cfg.daemon_pid);
		r = EX_STARTED;
		goto out;
	}
	if (cfg.state == CLSHM_STATE_UP) {
		printf("clshm is started but clshmd is not running: restarting clshmd\n");
	} else {
		memset(&su, 0, sizeof(su));
		if (ioctl(fd, CLSHM_IOC_STARTUP, &su) < 0) {
			err = errno;
			if (err == EBUSY) {
				/* Someone else started it just now. */
				errmsg("clshm was started meanwhile: run 'clshmctl status' to see its state");
				r = EX_STARTED;
			} else if (err == ENOMEM) {
				errmsg("not enough memory for a daemon ring of %u pages: lower it with 'clshmctl maxdpgs PAGES'",
				       cfg.maxdpgs);
				r = EX_ERROR;
			} else if (err == EADDRINUSE || err == ERANGE) {
				startup_id_hint(fd, &cfg, err);
				r = EX_ERROR;
			} else {
				r = ioc_fail("starting clshm", err);
			}
			goto out;
		}
	}

	path = find_clshmd(buf, sizeof(buf));
	if (fg) {
		char *const args[] = { "clshmd", "-f", "0", NULL };

		close(fd);
		fflush(NULL);
		execvp(path, args);
		if (errno == ENOENT)
			not_found_hint(path);
		else
			errmsg("cannot run %s: %s", path, strerror(errno));
		errmsg("clshm stays started without a daemon: run 'clshmctl startup' again once clshmd can run");
		return EX_ERROR;
	}

	dpid = start_daemon(fd, path);
	if (!dpid) {
		errmsg("clshmd did not register; check its log (journalctl/syslog) or run 'clshmd -f 0'");
		errmsg("clshm stays started without a daemon: run 'clshmctl startup' again once clshmd can run");
		r = EX_ERROR;
		goto out;
	}
	printf("clshm started: clshmd pid %u\n", dpid);
	r = EX_OK;
out:
	close(fd);
	return r;
}

/* ------------------------------------------------------------------ */
/* shutdown */

struct holder {
	int pid;
	__u32 shmid;
	unsigned int maps;
	char comm[32];
};

/*
 * Which segment a mapping attaches, from its /proc/PID/maps line: the
 * driver names each segment's file "/clshm:0x<shmid> (deleted)"; a plain
 * mapping of /dev/clshm/N/shm is at offset shmid * page size.  1 and
 * *shmid, or 0 for anything else.
 */
static int maps_shmid(const char *path, unsigned long long off,
		      unsigned long long page_size, __u32 *shmid)
{
	static const char seg[] = "/clshm:0x";
	size_t n = strlen(path), dir = strlen(CLSHM_DEV_DIR "/");
	unsigned long v;
	char *end;

	if (!strncmp(path, seg, sizeof(seg) - 1)) {
		errno = 0;
		v = strtoul(path + sizeof(seg) - 1, &end, 16);
		if (errno || (*end && strcmp(end, " (deleted)")) ||
		    v > 0xffffffffUL)
			return 0;
		*shmid = (__u32)v;
		return 1;
	}
	if (n > dir + 4 && !strncmp(path, CLSHM_DEV_DIR "/", dir) &&
	    !strcmp(path + n - 4, "/shm")) {
		*shmid = (__u32)(off / page_size);
		return 1;
	}
	return 0;
}

static void read_comm(int pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static int add_holder(struct holder **h, size_t *n, size_t *cap, int pid,
		      __u32 shmid)
{
	struct holder *tmp;
	size_t i;

	for (i = 0; i < *n; i++) {
		if ((*h)[i].pid == pid && (*h)[i].shmid == shmid) {
			(*h)[i].maps++;
			return 0;
		}
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		tmp = realloc(*h, *cap * sizeof(**h));
		if (!tmp)
			return -ENOMEM;
		*h = tmp;
	}
	tmp = &(*h)[(*n)++];
	tmp->pid = pid;
	tmp->shmid = shmid;
	tmp->maps = 1;
	read_comm(pid, tmp->comm, sizeof(tmp->comm));
	return 0;
}

/* Every (process, segment) attach pair on this system. */
static size_t scan_holders(unsigned long long page_size, struct holder **out)
{
	struct holder *h = NULL;
	size_t n = 0, cap = 0, linecap = 0;
	char *line = NULL;
	struct dirent *de;
	DIR *proc;

	*out = NULL;
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((de = readdir(proc))) {
		char path[300];
		FILE *f;
		int pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%s/maps", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;	/* gone, or not ours to read */
		while (getline(&line, &linecap, f) > 0) {
			unsigned long long off;
			int pos = 0;
			__u32 shmid;
			char *p;

			/* start-end perms offset dev inode path */
			if (sscanf(line, "%*s %*s %llx %*s %*s %n", &off,
				   &pos) < 1 || !pos)
				continue;
			p = line + pos;
			p[strcspn(p, "\n")] = '\0';
			if (!maps_shmid(p, off, page_size, &shmid))
				continue;
			if (add_holder(&h, &n, &cap, pid, shmid))
				break;
		}
		fclose(f);
	}
	closedir(proc);
	free(line);
	*out = h;
	return n;
}

static void report_busy(int fd)
{
	unsigned long long page_size;
	struct clshm_info info;
	struct clshm_ds *segs = NULL;
	struct holder *h;
	size_t nsegs = 0, nh, i;
	int err;

	errmsg("clshm is busy: segments are attached");
	memset(&info, 0, sizeof(info));
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(fd, CLSHM_IOC_INFO, &info) == 0 && info.page_size)
		page_size = info.page_size;
	else
		page_size = (unsigned long long)sysconf(_SC_PAGESIZE);

	err = cu_list(fd, &segs, &nsegs);
	if (err) {
		errmsg("cannot list the segments: %s", strerror(-err));
	} else {
		fprintf(stderr, "  %-10s %-10s %6s\n", "shmid", "key",
			"nattch");
		for (i = 0; i < nsegs; i++)
			if (segs[i].nattch)
				fprintf(stderr, "  0x%08x 0x%08x %6u\n",
					segs[i].shmid, segs[i].key,
					segs[i].nattch);
		free(segs);
	}

	nh = scan_holders(page_size, &h);
	if (nh) {
		fprintf(stderr, "held by:\n  %7s %-16s %-10s %s\n", "pid",
			"command", "shmid", "attaches");
		for (i = 0; i < nh; i++)
			fprintf(stderr, "  %7d %-16s 0x%08x %u\n", h[i].pid,
				h[i].comm, h[i].shmid, h[i].maps);
	} else {
		fprintf(stderr, "no process of this system maps them (held from another partition, or exiting)\n");
	}
	free(h);
	fprintf(stderr, "use 'clshmctl shutdown --force' to tear them down (their processes get SIGBUS at the next access)\n");
}

/*
 * Is pid still a live clshmd?  A zombie is gone, and so is a pid whose
 * command is no longer clshmd (reused).
 */
static bool clshmd_alive(int pid)
{
	char path[64], buf[512], *open, *close_paren;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	open = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open || !close_paren || close_paren < open ||
	    close_paren[1] != ' ')
		return false;
	*close_paren = '\0';
	if (strcmp(open + 1, "clshmd"))
		return false;
	return close_paren[2] != 'Z' && close_paren[2] != 'X';
}

static bool wait_gone(int pid, long ms)
{
	long long deadline = now_ms() + ms;

	while (clshmd_alive(pid)) {
		if (now_ms() >= deadline)
			return false;
		sleep_ms(POLL_MS);
	}
	return true;
}

/* clshmd exits when the partition hangs up; end it if it lingers. */
static void wait_daemon_exit(int pid)
{
	if (!pid || wait_gone(pid, EXIT_TIMEOUT_MS))
		return;
	errmsg("clshmd (pid %d) did not exit within %d s: sending SIGTERM",
	       pid, EXIT_TIMEOUT_MS / 1000);
	if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
		errmsg("kill %d: %s", pid, strerror(errno));
	if (wait_gone(pid, TERM_TIMEOUT_MS))
		return;
	errmsg("clshmd (pid %d) ignored SIGTERM: sending SIGKILL", pid);
	if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
		errmsg("kill %d: %s", pid, strerror(errno));
	if (!wait_gone(pid, TERM_TIMEOUT_MS))
		errmsg("clshmd (pid %d) is still there", pid);
}

int cmd_shutdown(struct ctx *c, const struct command *cmd, int argc,
		 char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct clshm_shutdown sd;
	bool force = false;
	int fd, o, r, err;
	__u32 dpid = 0;

	(void)c;
	optind = 0;
	while ((r = cmd_getopt(cmd, argc, argv, "+fh", opts, &o)) != OPT_DONE) {
		if (r != OPT_NEXT)
			return r;
		force = true;
	}
	if (optind < argc) {
		errmsg("shutdown: too many arguments");
		cmd_usage(cmd, true);
		return EX_USAGE;
	}

	r = open_ctl(&fd);
	if (r != EX_OK)
		return r;
	err = get_daemon_pid(fd, &dpid);
	if (err) {
		r = ioc_fail("reading the configuration", -err);
		goto out;
	}
	memset(&sd, 0, sizeof(sd));
	sd.flags = force ? CLSHM_SHUTDOWN_FORCE : 0;
	if (ioctl(fd, CLSHM_IOC_SHUTDOWN, &sd) < 0) {
		err = errno;
		if (err == EALREADY) {
			printf("clshm is not started; nothing to shut down\n");
			r = EX_OK;
		} else if (err == EBUSY) {
			report_busy(fd);
			r = EX_BUSY;
		} else {
			r = ioc_fail("shutting clshm down", err);
		}
		goto out;
	}
	close(fd);
	fd = -1;
	wait_daemon_exit((int)dpid);
	printf("clshm shut down\n");
	r = EX_OK;
out:
	if (fd >= 0)
		close(fd);
	return r;
}
