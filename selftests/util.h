/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - plain helpers of the clshm selftests (no harness in here)
 *
 * Everything a test needs besides assertions: the devices and their
 * read-only ioctls, starting and configuring the partition through
 * clshmctl, running commands and children as another user, detaching
 * and removing whatever a test left behind, and a small JSON checker.
 * Functions return 0 or -1 with errno set unless said otherwise; none of
 * them may be used inside a test's child process to report a failure
 * (children report through their exit status).
 */
#ifndef CLSHM_SELFTEST_UTIL_H
#define CLSHM_SELFTEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/clshm.h>

/* now_ms(), sleep_ms(), parse_u64()...: common/libclshm-common.a */
#include "clshm-common.h"

/* The unprivileged user of the test guest (clshmtest in /etc/passwd). */
#define TEST_UID	1000
#define TEST_GID	1000

/* Where clshmctl and clshmd live in the guest (override: $CLSHMCTL...). */
#define CLSHMCTL_DEFAULT	"/usr/sbin/clshmctl"
#define CLSHMD_DEFAULT		"/usr/sbin/clshmd"

/* clshmctl(8) exit codes. */
#define CTL_EXIT_OK		0
#define CTL_EXIT_ERROR		1
#define CTL_EXIT_USAGE		2
#define CTL_EXIT_STARTED	3
#define CTL_EXIT_BUSY		4
#define CTL_EXIT_NODRIVER	5
#define CTL_EXIT_PERM		6
#define CTL_EXIT_VERSION	7

long page_size(void);
const char *clshmctl_path(void);
const char *clshmd_path(void);

/* open(2) the shm or ctl device O_RDWR | O_CLOEXEC: an fd or -1. */
int shm_dev(void);
int ctl_dev(void);

/* One ioctl on a fresh fd of the shm (or, for cfg, ctl) device. */
int get_counters(struct clshm_counters *c);
int get_info(struct clshm_info *i);
int get_cfg(struct clshm_cfg *c);
int set_cfg(const struct clshm_cfg *c);
int seg_stat(int shmid, struct clshm_ds *ds);
/* nattch of shmid, or -1 with errno. */
long seg_nattch(int shmid);

/*
 * Every segment (CLSHM_IOC_LIST): fills at most max shmids, returns how
 * many exist, or -1.
 */
int list_shmids(uint32_t *ids, int max);

/* Counters that must come back after a test: equal, or wait up to ms. */
int counters_settle(const struct clshm_counters *base,
		    struct clshm_counters *now, int ms);

/*
 * Run a shell command line in a new session with stdin from /dev/null;
 * its stdout and stderr go to out (NUL-terminated, cut to outlen) if out
 * is not NULL.  Returns its exit code, 128 + signal if killed, or -1.
 * uid >= 0 runs it as that user (and TEST_GID).
 */
int run_cmd(char *out, size_t outlen, int uid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* run_cmd of "clshmctl ARGS" */
int clshmctl(char *out, size_t outlen, const char *args);

/*
 * The partition state: up with a daemon (clshmctl startup if it is not),
 * and the configuration *want (if not NULL) in force (shutdown, SETCFG,
 * startup if it differs).  Fails if segments are attached.
 */
int ensure_started(void);
int ensure_cfg(const struct clshm_cfg *want);
/* clshmctl shutdown; fails if it does not reach the down state. */
int ensure_down(void);
/*
 * Wait up to ms for the registered daemon (GETCFG daemon_pid): running
 * != 0 waits for a daemon other than not_pid, running == 0 for none.
 * The pid seen last goes to *pid (if not NULL).
 */
int wait_daemon(int running, uint32_t not_pid, int ms, uint32_t *pid);

/* Drop to uid/gid (no supplementary groups). */
int become_user(uid_t uid, gid_t gid);

/*
 * Fork; the child (as uid if uid >= 0) runs fn(arg) and exits with its
 * return value.  run_child waits and returns the wait status (or -1).
 */
pid_t start_child(int uid, int (*fn)(void *), void *arg);
int run_child(int uid, int (*fn)(void *), void *arg);
int wait_child(pid_t pid, int ms);

/* What a call made in a child returned, its errno and how long it took. */
struct call_outcome {
	int ret;
	int err;
	long ms;
};
/*
 * Fork a child that calls @fn(@arg) and reports a struct call_outcome
 * through a pipe (@fd); the caller may signal the child meanwhile, then
 * collects the outcome with call_outcome().  -1 if the fork fails.
 */
pid_t call_in_child(int (*fn)(void *), void *arg, int fd[2]);
/* The outcome of call_in_child(), the child reaped: 0, or -1. */
int call_outcome(pid_t pid, int fd[2], struct call_outcome *o);
/* A one-line description of a wait status, for logs. */
const char *status_str(int status);

/* Cleanup: unmap every clshm mapping of this process; how many. */
int detach_all_self(void);
/* Remove (IPC_RMID as root) every segment whose shmid is not in keep. */
int remove_segs_except(const uint32_t *keep, int nkeep);

/*
 * A directory of the test's own for files (path keys, outputs), made on
 * first use: "/tmp/clshm-test-PID/NAME" in buf.  remove_tmpdir() (in the
 * teardown) deletes it and what is in it.
 */
const char *test_file(char *buf, size_t len, const char *name);
void remove_tmpdir(void);

/* Children a test starts and wants killed in teardown. */
void track_pid(pid_t pid);
void kill_tracked(void);

/* The state of a process ('R', 'S', ...) from /proc/pid/stat, or 0. */
char proc_state(pid_t pid);
/* Whether clshm backs segments of 2 MiB or more with huge folios. */
int huge_folios(void);
/* A field of /proc/self/smaps (in kB) for the mapping starting at addr, or -1. */
long smaps_kb(const void *addr, const char *field);

/* 1 if s is one valid JSON value (RFC 8259) with nothing after it. */
int json_valid(const char *s);
/* 1 if the JSON text contains the member name "key" somewhere. */
int json_has_key(const char *s, const char *key);

/*
 * Checks inside a test's child process: print what failed to stderr and
 * exit with status 1 (children must never use ASSERT_*).
 */
#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: child %d: check failed: %s"	\
			" (errno %d: %s)\n", __FILE__, __LINE__,	\
			(int)getpid(), #cond, errno, strerror(errno));	\
		fflush(stderr);						\
		_exit(1);						\
	}								\
} while (0)

#endif /* CLSHM_SELFTEST_UTIL_H */
