// SPDX-License-Identifier: GPL-2.0
/*
 * clshmd - the clshm daemon
 *
 * One clshmd per partition.  It opens the partition's ctl device, says
 * hello to the driver (version check; the driver takes one daemon per
 * partition, a second hello fails with EBUSY), maps the kernel-to-daemon
 * ring, rebuilds its segment table from CLSHM_IOC_LIST, says hello to the
 * daemons of the other partitions that are up (peers.c) and then waits in
 * poll(2) for two things: ring messages (POLLIN on the ctl device) and
 * signals (a signalfd, so that no work happens in a signal handler).  The
 * poll also times out when a hello that found a full mailbox is due to be
 * sent again.
 * POLLHUP on the ctl device means the partition was shut down: exit.
 *
 * Started by 'clshmctl startup', it daemonizes itself (double fork) but
 * only lets its first process exit once the grandchild has registered
 * with the driver or failed: the exit status of 'clshmd 0' is that of
 * the registration, and its error message reaches the terminal.  With
 * --foreground (systemd: ExecStart=clshmctl startup -f) it stays attached
 * and tells systemd when it is ready (sd_notify protocol, no library).
 *
 * Calls go one way: clshmd.c -> ring.c -> peers.c -> log.c (and
 * common/).  This file is the top: it calls ring.c, peers.c and log.c,
 * and nothing calls it.  News comes back up only as return values
 * (ring_drain() says when to exit, peers_timeout() when to wake up).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clshmd.h"
#include "clshm-util.h"

/* Where log lines go: changed as the daemon starts, then log_set(). */
static struct log_cfg lg = { .to_stderr = true, .stderr_max = LOG_DEBUG };

/* ------------------------------------------------------------------ */
/* systemd readiness (the sd_notify datagram protocol) */

static void sd_notify_state(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	int s;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		logmsg(LOG_DEBUG, "sd_notify: socket: %s", strerror(errno));
		return;
	}
	if (sendto(s, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		logmsg(LOG_DEBUG, "sd_notify %s: %s", state, strerror(errno));
	close(s);
}

/* ------------------------------------------------------------------ */
/* Daemonizing */

/*
 * Double fork.  The first process waits on a pipe for the grandchild's
 * verdict (one byte: the exit status) and exits with it; EOF means the
 * grandchild died before it could say.  Returns the write end of the
 * pipe in the grandchild.
 */
static int daemonize(void)
{
	unsigned char code;
	int p[2], status;
	ssize_t r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		logmsg(LOG_ERR, "pipe: %s", strerror(errno));
		exit(EXIT_RUNTIME);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		logmsg(LOG_ERR, "fork: %s", strerror(errno));
		exit(EXIT_RUNTIME);
	}
	if (pid > 0) {
		close(p[1]);
		do
			r = read(p[0], &code, 1);
		while (r < 0 && errno == EINTR);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (r == 1)
			_exit(code);
		fprintf(stderr, "clshmd: error: the daemon died while starting; run 'clshmd -f' to see why\n");
		_exit(EXIT_RUNTIME);
	}

	close(p[0]);
	if (setsid() < 0) {
		logmsg(LOG_ERR, "setsid: %s", strerror(errno));
		_exit(EXIT_RUNTIME);
	}
	pid = fork();
	if (pid < 0) {
		logmsg(LOG_ERR, "fork: %s", strerror(errno));
		_exit(EXIT_RUNTIME);
	}
	if (pid > 0)
		_exit(EXIT_OK);
	if (chdir("/") < 0)
		logmsg(LOG_WARNING, "chdir /: %s", strerror(errno));
	return p[1];
}

/* Tell the waiting first process how registration went. */
static void report(int *ready_fd, int code)
{
	unsigned char c = (unsigned char)code;
	ssize_t r;

	if (*ready_fd < 0)
		return;
	do
		r = write(*ready_fd, &c, 1);
	while (r < 0 && errno == EINTR);
	close(*ready_fd);
	*ready_fd = -1;
}

/* Detach stdio after a successful start in the background. */
static void detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0) {
		logmsg(LOG_WARNING, "/dev/null: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	if (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    (!lg.to_stderr && dup2(null, STDERR_FILENO) < 0))
		logmsg(LOG_WARNING, "cannot detach stdio: %s", strerror(errno));
	close(null);
}

/* ------------------------------------------------------------------ */
/* Registration */

static int open_ctl(struct clshmd *d)
{
	const char *hint;
	int fd = cu_open(d->ctl_path);

	if (fd >= 0) {
		d->fd = fd;
		return EXIT_OK;
	}
	switch (-fd) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		logmsg(LOG_ERR, "cannot open %s: %s", d->ctl_path,
		       cu_open_hint(-fd));
		return EXIT_NODRIVER;
	case EACCES:
	case EPERM:
		logmsg(LOG_ERR, "cannot open %s: permission denied: clshmd must run as root",
		       d->ctl_path);
		return EXIT_PERM;
	default:
		hint = cu_open_hint(-fd);
		logmsg(LOG_ERR, "cannot open %s: %s%s%s", d->ctl_path,
		       strerror(-fd), hint ? ": " : "", hint ? hint : "");
		return EXIT_RUNTIME;
	}
}

static int hello_failed(struct clshmd *d, int err)
{
	struct clshm_version v;
	struct clshm_cfg cfg;

	switch (err) {
	case ENODEV:
		logmsg(LOG_ERR, "clshm is shut down: start it with 'clshmctl startup'");
		return EXIT_NODRIVER;
	case EBUSY:
		memset(&cfg, 0, sizeof(cfg));
		if (ioctl(d->fd, CLSHM_IOC_GETCFG, &cfg) == 0 && cfg.daemon_pid)
			logmsg(LOG_ERR, "another clshmd is already running for partition %u (pid %u)",
			       d->instance, cfg.daemon_pid);
		else
			logmsg(LOG_ERR, "another clshmd is already running for partition %u",
			       d->instance);
		return EXIT_RUNNING;
	case EPROTO:
	case ENOTTY:
		if (cu_version(d->fd, &v) != -ENOTTY && v.major)
			logmsg(LOG_ERR, "version mismatch: clshmd speaks ABI %d.%d with ring protocol %d, clshm.ko ABI %u.%u with ring protocol %u: install the clshmd built with the loaded module",
			       CLSHM_ABI_MAJOR, CLSHM_ABI_MINOR, CLSHM_RING_VERSION,
			       v.major, v.minor, v.ring_version);
		else
			logmsg(LOG_ERR, "version mismatch: the driver behind %s does not speak clshmd's ABI %d.%d: install the clshmd built with the loaded module",
			       d->ctl_path, CLSHM_ABI_MAJOR, CLSHM_ABI_MINOR);
		return EXIT_VERSION;
	case EPERM:
	case EACCES:
		logmsg(LOG_ERR, "the driver refused the hello: clshmd must run as root (CAP_SYS_ADMIN)");
		return EXIT_PERM;
	default:
		logmsg(LOG_ERR, "hello to the driver failed: %s",
		       strerror(err));
		return EXIT_RUNTIME;
	}
}

static int do_register(struct clshmd *d)
{
	struct clshm_hello h;
	int ret;

	ret = open_ctl(d);
	if (ret != EXIT_OK)
		return ret;

	memset(&h, 0, sizeof(h));
	h.major = CLSHM_ABI_MAJOR;
	h.minor = CLSHM_ABI_MINOR;
	h.ring_version = CLSHM_RING_VERSION;
	if (ioctl(d->fd, CLSHM_IOC_HELLO, &h) < 0)
		return hello_failed(d, errno);
	if (h.partid >= CLSHM_MAX_PARTS) {
		logmsg(LOG_ERR, "the driver reports partition id %u (0 to %d expected)",
		       h.partid, CLSHM_MAX_PARTS - 1);
		return EXIT_VERSION;
	}
	d->partid = h.partid;

	ret = ring_attach(d, h.ring_pages);
	if (ret)
		return ret == -EPROTO ? EXIT_VERSION : EXIT_RUNTIME;
	logmsg(LOG_NOTICE, "registered for partition %02x (clshm.ko ABI %u.%u, ring protocol %u, %u ring entries)",
	       d->partid, h.major, h.minor, h.ring_version, d->nentries);

	/*
	 * A restarted daemon has missed everything: start from the truth,
	 * and say hello to the partitions that are up.
	 */
	peers_init(d);
	log_fabric(d);
	resync_all(d, true);
	return EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Signals and the event loop */

static int make_signalfd(void)
{
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		logmsg(LOG_ERR, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		logmsg(LOG_ERR, "signalfd: %s", strerror(errno));
	return sfd;
}

static void clear_all(struct clshmd *d)
{
	struct clshm_clear c;

	memset(&c, 0, sizeof(c));
	if (ioctl(d->fd, CLSHM_IOC_CLEAR, &c) < 0) {
		logmsg(LOG_ERR, "SIGHUP: cannot remove the segments: %s",
		       strerror(errno));
		return;
	}
	logmsg(LOG_NOTICE, "SIGHUP: removed %u segments (attached ones are freed at their last detach)",
	       c.removed);
	/* The CLEAR message that follows in the ring resynchronises. */
}

/* Read every pending signal: an exit status to exit with, or -1. */
static int handle_signals(struct clshmd *d, int sfd)
{
	struct signalfd_siginfo si;
	ssize_t r;

	for (;;) {
		r = read(sfd, &si, sizeof(si));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return -1;
			logmsg(LOG_ERR, "reading signals: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		if (r != sizeof(si)) {
			logmsg(LOG_WARNING, "short read from the signalfd");
			return -1;
		}
		switch (si.ssi_signo) {
		case SIGHUP:
			clear_all(d);
			break;
		case SIGTERM:
		case SIGINT:
			logmsg(LOG_NOTICE, "%s from pid %u: exiting",
			       si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT",
			       si.ssi_pid);
			return EXIT_OK;
		case SIGUSR1:
			dump_state(d, "SIGUSR1");
			break;
		default:
			logmsg(LOG_DEBUG, "ignoring signal %u",
			       si.ssi_signo);
			break;
		}
	}
}

static int event_loop(struct clshmd *d, int sfd)
{
	/* Messages that queued while no daemon was running. */
	if (ring_drain(d))
		return EXIT_OK;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = d->fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		int ret;

		/* Wake up for hellos to retry, too. */
		if (poll(p, 2, peers_timeout(d)) < 0) {
			if (errno == EINTR)
				continue;
			logmsg(LOG_ERR, "poll: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		if (p[1].revents & POLLIN) {
			ret = handle_signals(d, sfd);
			if (ret >= 0)
				return ret;
		}
		if (p[0].revents & POLLNVAL) {
			logmsg(LOG_ERR, "the ctl device descriptor went bad");
			return EXIT_RUNTIME;
		}
		/*
		 * Shut down: the driver has let go of the ring, but our
		 * mapping keeps its pages, so the last messages (SHUTDOWN
		 * among them) can still be read and logged.
		 */
		if (p[0].revents & (POLLHUP | POLLERR)) {
			d->hup = true;
			if (!ring_drain(d))
				logmsg(LOG_NOTICE, "partition %02x was shut down; exiting",
				       d->partid);
			return EXIT_OK;
		}
		if ((p[0].revents & POLLIN) && ring_drain(d))
			return EXIT_OK;
		peers_retry(d);
	}
}

/* ------------------------------------------------------------------ */
/* main */

static void short_usage(void)
{
	fprintf(stderr, "Usage: clshmd [-f] [-s|-e] [-v] [PARTITION]\n"
		"'clshmd --help' tells more.\n");
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: clshmd [OPTION]... [PARTITION]\n"
"The clshm daemon: registers with the clshm driver, answers its requests,\n"
"logs the segments' lifecycle, says hello to the daemons of the other\n"
"partitions and refuses incompatible ones.  Normally started by\n"
"'clshmctl startup'.\n"
"\n"
"  -f, --foreground  stay in the foreground (and log to standard error)\n"
"  -s, --syslog      log to syslog (the default in the background)\n"
"  -e, --stderr      log to standard error (the default in the foreground)\n"
"  -v, --verbose     also log every ring message\n"
"  -h, --help        show this help and exit\n"
"  -V, --version     show the version and exit\n"
"\n"
"PARTITION is the clshm instance: 0, the default and the only one today.\n"
"Signals: HUP removes every segment, TERM or INT exits, USR1 dumps the\n"
"state.  Exit status: 0 clean exit, 1 runtime error, 2 usage, 3 already\n"
"running, 5 driver not loaded or not started, 6 not root, 7 version\n"
"mismatch (the table shared with clshmctl).  See clshmd(8).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "syslog", no_argument, NULL, 's' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* Static: with its partition table it is some 32 KiB. */
	static struct clshmd d = { .fd = -1, .shm_fd = -1 };
	int c, ret, sfd, ready_fd = -1;
	char logto = 0;
	unsigned long long inst = 0;

	while ((c = getopt_long(argc, argv, "fsevhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			d.foreground = true;
			break;
		case 's':
		case 'e':
			logto = (char)c;	/* the last one wins */
			break;
		case 'v':
			lg.debug = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("clshmd (clshm) %s, ABI %d.%d, ring protocol %d\n",
			       CLSHM_VERSION, CLSHM_ABI_MAJOR, CLSHM_ABI_MINOR,
			       CLSHM_RING_VERSION);
			return EXIT_OK;
		default:
			short_usage();
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "clshmd: too many arguments\n");
		short_usage();
		return EXIT_USAGE;
	}
	if (optind < argc) {
		if (parse_u64(argv[optind], CLSHM_MAX_PARTS - 1, &inst)) {
			fprintf(stderr, "clshmd: bad PARTITION '%s': give the clshm instance number, 0\n",
				argv[optind]);
			return EXIT_USAGE;
		}
		if (inst != 0) {
			fprintf(stderr, "clshmd: there is no clshm instance %llu: only instance 0 exists\n",
				inst);
			return EXIT_USAGE;
		}
	}
	d.instance = (unsigned int)inst;
	snprintf(d.ctl_path, sizeof(d.ctl_path), CLSHM_DEV_DIR "/%u/ctl",
		 d.instance);

	if (!logto)
		logto = d.foreground ? 'e' : 's';
	signal(SIGPIPE, SIG_IGN);
	openlog("clshmd", LOG_PID, LOG_DAEMON);
	if (lg.debug)
		setlogmask(LOG_UPTO(LOG_DEBUG));
	lg.to_syslog = logto == 's';
	/*
	 * Until it has registered, a daemon in the background also tells
	 * the terminal what goes wrong.
	 */
	lg.to_stderr = true;
	if (!d.foreground && logto == 's')
		lg.stderr_max = LOG_WARNING;
	lg.journal = logto == 'e' && getenv("JOURNAL_STREAM");
	lg.dump_to_stdout = d.foreground;
	log_set(&lg);

	if (!d.foreground)
		ready_fd = daemonize();

	sfd = make_signalfd();
	if (sfd < 0) {
		report(&ready_fd, EXIT_RUNTIME);
		return EXIT_RUNTIME;
	}
	ret = do_register(&d);
	if (ret != EXIT_OK) {
		report(&ready_fd, ret);
		goto out;
	}

	lg.to_stderr = logto == 'e';
	lg.stderr_max = LOG_DEBUG;
	log_set(&lg);
	if (!d.foreground) {
		detach_stdio();
		report(&ready_fd, EXIT_OK);
	}
	sd_notify_state("READY=1");
	ret = event_loop(&d, sfd);
	sd_notify_state("STOPPING=1");

out:
	ring_detach(&d);
	segs_free(&d);
	peers_fini(&d);
	if (d.fd >= 0)
		close(d.fd);
	close(sfd);
	closelog();
	return ret;
}
