// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem-server: the host side of QEMU's ivshmem-doorbell device.
 *
 * Debian's QEMU ships no server, so the VM harness (vm/run --doorbell)
 * uses this one.  It speaks the protocol of QEMU's ivshmem specification
 * ("The ivshmem Client-Server Protocol", version 0) on a UNIX stream
 * socket.  The connection is one-way: every message is one little-endian
 * signed 64-bit number, sent with one sendmsg(), and may carry one file
 * descriptor (SCM_RIGHTS).  When a client connects the server sends:
 *
 *   1. 0 (the protocol version), no fd
 *   2. the client's id (the lowest free one, 0 first), no fd
 *   3. -1 with the fd of the shared memory file
 *   4. for every other client P already connected: P's id, N times, each
 *      with one of P's eventfds (vector 0..N-1, in order)
 *   5. the client's own id, N times, each with one of its own eventfds
 *
 * and then tells every other client about it (its id N times with its
 * eventfds).  A client that closes its socket or sends anything is
 * disconnected: the server sends its bare id (no fd) to all others and
 * frees the id.  QEMU runs steps 1-3 synchronously when the device is
 * realized, so clients started one after the other get ids 0, 1, 2, ...
 *
 * -K (keep ids) departs from that for QEMU's sake: QEMU (7.2, and later
 * versions as far as we know) frees its table of a peer's eventfds when
 * the peer disconnects but keeps using it when a peer with the same id
 * connects again, so reusing an id corrupts the heap of every QEMU that
 * saw the disconnect (a "double free" abort when the id disconnects the
 * second time).  With -K a disconnected client's id stays assigned,
 * with its eventfds, and nobody is told: it is "vacant", as if its QEMU
 * were still there but deaf.  The next client takes the lowest vacant or
 * free id; on a vacant id it gets that id's eventfds, which every other
 * client already has, so there is nothing to announce.  Doorbells rung at
 * a vacant id wait in its eventfd and reach the next holder (a spurious
 * interrupt at worst).
 *
 * Object model: one struct peer per id in use, connected or vacant, in
 * the peers[] array (unordered); ids_used is a bitmap of the ids in use.
 * Everything runs in one thread around ppoll(); SIGTERM, SIGINT and
 * SIGHUP are blocked except inside ppoll(), so they are seen only there.
 * A client whose socket does not take a message within SEND_TIMEOUT_MS
 * (a client that stopped reading), or fails in any other way, is dropped
 * like one that disconnected; it never blocks the server for longer
 * than that.
 *
 * Usage: ivshmem-server -S SOCKET -m FILE [-l SIZE] [-n VECTORS]
 *                       [-p PIDFILE] [-K] [-F] [-v]
 * See usage() and Documentation/vm-harness.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <endian.h>

#include "clshm-common.h"

#define PROTOCOL_VERSION	0
#define MAX_ID			65535	/* the doorbell register has 16 bits */
#define MAX_VECTORS		64
#define SEND_TIMEOUT_MS		2000
#define DEFAULT_SIZE		(4u << 20)

struct peer {
	int sock;		/* -1 while vacant (-K) */
	unsigned int id;
	pid_t pid;		/* from SO_PEERCRED, for the log */
	bool dead;		/* gone or failed: to be disconnected */
	int efd[MAX_VECTORS];	/* one eventfd per vector */
};

static struct peer **peers;
static unsigned int npeers, peers_cap;
static uint64_t ids_used[(MAX_ID + 1) / 64];

static const char *sock_path;
static const char *shm_path;
static const char *pid_path;
static unsigned int nvectors = 1;
static int shm_fd = -1;
static uint64_t shm_size;
static int listen_fd = -1;
static int spare_fd = -1;	/* given up to accept() and drop a client on EMFILE */
static bool verbose, foreground, use_syslog, keep_ids;
static volatile sig_atomic_t stop_signal;

static void vlog(int prio, const char *fmt, va_list ap)
{
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
		return;
	}
	fputs("ivshmem-server: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2))) err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

/* Connect and disconnect lines: always logged (vm/run reads them). */
static void __attribute__((format(printf, 1, 2))) info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2))) dbg(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: ivshmem-server -S SOCKET -m FILE [-l SIZE] [-n VECTORS] [-p PIDFILE]\n"
"                      [-K] [-F] [-v]\n"
"\n"
"Serve QEMU ivshmem-doorbell devices (-device ivshmem-doorbell,chardev=ID\n"
"-chardev socket,path=SOCKET,id=ID): hand each the shared memory FILE, an id\n"
"(the lowest free, 0 first) and the eventfds of every peer.\n"
"\n"
"  -S SOCKET   UNIX socket to listen on (a stale socket file is replaced)\n"
"  -m FILE     the shared memory file, e.g. /dev/shm/NAME; created if\n"
"              missing, resized to SIZE if -l is given\n"
"  -l SIZE     size in bytes, a power of two (suffixes K, M, G); default:\n"
"              the size of an existing FILE, else 4M\n"
"  -n VECTORS  interrupt vectors per client, 1..%d (default 1); must match\n"
"              the devices' vectors= property\n"
"  -p PIDFILE  write the server's pid here once it is listening\n"
"  -K          keep ids: do not announce disconnects; the next client takes\n"
"              a departed client's id and eventfds.  Needed when clients\n"
"              come back: QEMU's ivshmem corrupts its heap when a peer id\n"
"              it saw disconnect connects again\n"
"  -F          stay in the foreground and log to stderr (default: detach\n"
"              and log to syslog)\n"
"  -v          verbose: log every message sent\n"
"  -h          this text\n"
"\n"
"Connects (\"peer ID connected (pid PID)...\") and disconnects (\"peer ID\n"
"disconnected...\") are always logged.  SIGTERM or SIGINT stops the server; it\n"
"removes SOCKET and PIDFILE but leaves FILE.  Exit status: 0 after a signal,\n"
"1 on a runtime error, 2 on bad usage.\n", MAX_VECTORS);
}

/* --- sending -------------------------------------------------------------- */

/* send_msg: one 64-bit little-endian value, with fd unless fd < 0. */
static int send_msg(struct peer *p, int64_t value, int fd)
{
	uint64_t le = htole64((uint64_t)value);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (p->dead || p->sock < 0)
		return -1;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(p->sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(le)) {
		dbg("to peer %u: %lld%s", p->id, (long long)value,
		    fd >= 0 ? " + fd" : "");
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		err("peer %u does not read its socket (%d ms): dropping it",
		    p->id, SEND_TIMEOUT_MS);
	else if (n < 0 && errno != EPIPE && errno != ECONNRESET)
		err("sending to peer %u: %s: dropping it", p->id, strerror(errno));
	else if (n >= 0)
		err("short send to peer %u: dropping it", p->id);
	p->dead = true;
	return -1;
}

/* send_vectors: tell "to" about "about" (its id with each eventfd). */
static int send_vectors(struct peer *to, const struct peer *about)
{
	unsigned int v;

	for (v = 0; v < nvectors; v++)
		if (send_msg(to, about->id, about->efd[v]) < 0)
			return -1;
	return 0;
}

/* --- peers ---------------------------------------------------------------- */

static void id_set(unsigned int id, bool used)
{
	if (used)
		ids_used[id / 64] |= 1ull << (id % 64);
	else
		ids_used[id / 64] &= ~(1ull << (id % 64));
}

/* lowest_free_id: the lowest unused id, or -1 if all are in use. */
static int lowest_free_id(void)
{
	unsigned int w;

	for (w = 0; w < sizeof(ids_used) / sizeof(ids_used[0]); w++)
		if (~ids_used[w])
			return (int)(w * 64 + __builtin_ctzll(~ids_used[w]));
	return -1;
}

static void free_peer(struct peer *p)
{
	unsigned int v;

	for (v = 0; v < nvectors; v++)
		if (p->efd[v] >= 0)
			close(p->efd[v]);
	if (p->sock >= 0)
		close(p->sock);
	id_set(p->id, false);
	free(p);
}

/* alloc_peer: a new peer with id and fresh eventfds, not in peers[]. */
static struct peer *alloc_peer(unsigned int id)
{
	struct peer *p;
	unsigned int v;

	if (npeers == peers_cap) {
		unsigned int cap = peers_cap ? peers_cap * 2 : 16;
		struct peer **np = realloc(peers, cap * sizeof(*np));

		if (!np) {
			err("refusing a client: out of memory");
			return NULL;
		}
		peers = np;
		peers_cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		err("refusing a client: out of memory");
		return NULL;
	}
	p->sock = -1;
	p->id = id;
	for (v = 0; v < MAX_VECTORS; v++)
		p->efd[v] = -1;
	id_set(id, true);
	for (v = 0; v < nvectors; v++) {
		p->efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->efd[v] < 0) {
			err("refusing a client: eventfd: %s", strerror(errno));
			free_peer(p);
			return NULL;
		}
	}
	return p;
}

/*
 * reap_dead: disconnect every connected peer marked dead.  Without -K
 * tell the others and free the id; that may mark more peers dead, so
 * loop until none is left.  With -K the peer only becomes vacant.
 */
static void reap_dead(void)
{
	bool again = true;
	unsigned int i, j;

	while (again) {
		again = false;
		for (i = 0; i < npeers; i++) {
			struct peer *p = peers[i];

			if (!p->dead || p->sock < 0)
				continue;
			if (keep_ids) {
				info("peer %u disconnected (id kept)", p->id);
				close(p->sock);
				p->sock = -1;
				p->dead = false;
				continue;
			}
			peers[i] = peers[--npeers];
			info("peer %u disconnected", p->id);
			for (j = 0; j < npeers; j++)
				if (send_msg(peers[j], p->id, -1) < 0)
					again = true;
			free_peer(p);
			again = true;
			break;
		}
	}
}

/* lowest_vacant: the vacant peer with the lowest id, or NULL. */
static struct peer *lowest_vacant(void)
{
	struct peer *best = NULL;
	unsigned int i;

	for (i = 0; i < npeers; i++)
		if (peers[i]->sock < 0 && (!best || peers[i]->id < best->id))
			best = peers[i];
	return best;
}

/*
 * setup_client: give a freshly accepted socket an id and its messages:
 * the lowest free id (with fresh eventfds, announced to the others) or,
 * with -K, the lowest vacant id if that is lower (its eventfds, which
 * the others have already).
 */
static void setup_client(int sock)
{
	struct timeval tv = {
		.tv_sec = SEND_TIMEOUT_MS / 1000,
		.tv_usec = (SEND_TIMEOUT_MS % 1000) * 1000,
	};
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct peer *p, *vacant;
	unsigned int i;
	int id;

	id = lowest_free_id();
	vacant = lowest_vacant();
	if (vacant && (id < 0 || vacant->id < (unsigned int)id)) {
		p = vacant;
	} else if (id < 0) {
		err("refusing a client: all %d ids are in use", MAX_ID + 1);
		close(sock);
		return;
	} else {
		p = alloc_peer((unsigned int)id);
		if (!p) {
			close(sock);
			return;
		}
		vacant = NULL;
	}
	p->sock = sock;
	p->dead = false;
	p->pid = 0;
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		p->pid = cred.pid;
	if (setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		dbg("SO_SNDTIMEO: %s", strerror(errno));

	/* Steps 1-5 to the new client; it is not announced if they fail. */
	if (send_msg(p, PROTOCOL_VERSION, -1) < 0 ||
	    send_msg(p, p->id, -1) < 0 ||
	    send_msg(p, -1, shm_fd) < 0)
		goto fail;
	for (i = 0; i < npeers; i++)
		if (peers[i] != p && !peers[i]->dead && send_vectors(p, peers[i]) < 0)
			goto fail;
	if (send_vectors(p, p) < 0)
		goto fail;

	if (vacant) {
		info("peer %u connected (pid %ld), taking over the vacant id",
		     p->id, (long)p->pid);
		return;
	}
	peers[npeers++] = p;
	info("peer %u connected (pid %ld)", p->id, (long)p->pid);
	for (i = 0; i < npeers - 1; i++)
		if (peers[i]->sock >= 0)
			send_vectors(peers[i], p);	/* failures are reaped below */
	reap_dead();
	return;
fail:
	err("peer %u (pid %ld) failed during setup; dropped", p->id, (long)p->pid);
	close(p->sock);
	p->sock = -1;
	p->dead = false;
	if (!vacant)
		free_peer(p);
}

static void accept_clients(void)
{
	for (;;) {
		int s = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (s >= 0) {
			setup_client(s);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
			/* Take the client off the queue so poll() calms down. */
			err("out of file descriptors: refusing a client");
			close(spare_fd);
			s = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (s >= 0)
				close(s);
			spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			continue;
		}
		err("accept: %s", strerror(errno));
		return;
	}
}

/* --- setup ---------------------------------------------------------------- */

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int open_shm(uint64_t size, bool size_given)
{
	struct stat st;

	if (size_given && (!pow2(size) || size < 4096)) {
		err("-l %llu: the size must be a power of two of at least 4096 "
		    "(QEMU maps the memory as a PCI BAR)", (unsigned long long)size);
		return -1;
	}
	shm_fd = open(shm_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (shm_fd < 0) {
		err("cannot open the shared memory file %s: %s", shm_path,
		    strerror(errno));
		return -1;
	}
	if (fstat(shm_fd, &st) < 0) {
		err("fstat %s: %s", shm_path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err("%s is not a regular file", shm_path);
		return -1;
	}
	if (!size_given)
		size = st.st_size ? (uint64_t)st.st_size : DEFAULT_SIZE;
	if (!pow2(size) || size < 4096) {
		err("%s: its size %llu is not a power of two of at least 4096 "
		    "(QEMU maps it as a PCI BAR); give one with -l", shm_path,
		    (unsigned long long)size);
		return -1;
	}
	if ((uint64_t)st.st_size != size) {
		if (ftruncate(shm_fd, (off_t)size) < 0) {
			err("cannot resize %s to %llu bytes: %s", shm_path,
			    (unsigned long long)size, strerror(errno));
			return -1;
		}
		dbg("%s resized from %llu to %llu bytes", shm_path,
		    (unsigned long long)st.st_size, (unsigned long long)size);
	}
	shm_size = size;
	return 0;
}

static int open_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		err("socket path too long (at most %zu bytes): %s",
		    sizeof(sa.sun_path) - 1, sock_path);
		return -1;
	}
	strcpy(sa.sun_path, sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0) {
		err("socket: %s", strerror(errno));
		return -1;
	}
	/* Replace a stale socket file, but not a live server's. */
	if (lstat(sock_path, &st) == 0) {
		int probe;

		if (!S_ISSOCK(st.st_mode)) {
			err("%s exists and is not a socket", sock_path);
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			err("%s: another server is listening there", sock_path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(sock_path);
	}
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err("bind %s: %s", sock_path, strerror(errno));
		return -1;
	}
	if (listen(listen_fd, 64) < 0) {
		err("listen %s: %s", sock_path, strerror(errno));
		unlink(sock_path);
		return -1;
	}
	return 0;
}

static int write_pidfile(pid_t pid)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", pid_path) >= (int)sizeof(tmp)) {
		err("pid file path too long: %s", pid_path);
		return -1;
	}
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%ld\n", (long)pid) < 0 || fclose(f) != 0 ||
	    rename(tmp, pid_path) < 0) {
		err("cannot write the pid file %s: %s", pid_path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

int main(int argc, char **argv)
{
	uint64_t size = 0;
	unsigned long long sz, v;
	bool size_given = false;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	struct pollfd *pfd = NULL;
	struct peer **polled = NULL;
	unsigned int pfd_cap = 0;
	int c, status = 0;

	while ((c = getopt(argc, argv, "S:m:l:n:p:KFvh")) != -1) {
		switch (c) {
		case 'S': sock_path = optarg; break;
		case 'm': shm_path = optarg; break;
		case 'l':
			if (parse_size(optarg, UINT64_MAX, &sz) < 0) {
				err("-l: not a size: %s", optarg);
				return 2;
			}
			size = sz;
			size_given = true;
			break;
		case 'n':
			if (parse_u64(optarg, MAX_VECTORS, &v) || v < 1) {
				err("-n: vectors must be 1..%d, not %s", MAX_VECTORS, optarg);
				return 2;
			}
			nvectors = (unsigned int)v;
			break;
		case 'p': pid_path = optarg; break;
		case 'K': keep_ids = true; break;
		case 'F': foreground = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!sock_path || !shm_path) {
		err("-S SOCKET and -m FILE are required (-h for help)");
		return 2;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (open_shm(size, size_given) < 0 || open_socket() < 0)
		return 1;
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (!foreground) {
		pid_t pid;
		int fd;

		fflush(stderr);
		pid = fork();
		if (pid < 0) {
			err("fork: %s", strerror(errno));
			unlink(sock_path);
			return 1;
		}
		if (pid > 0) {
			/* The pid file is there only once the child listens. */
			if (pid_path && write_pidfile(pid) < 0) {
				kill(pid, SIGTERM);
				return 1;
			}
			return 0;
		}
		setsid();
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		openlog("ivshmem-server", LOG_PID, LOG_DAEMON);
		use_syslog = true;
	} else if (pid_path && write_pidfile(getpid()) < 0) {
		unlink(sock_path);
		return 1;
	}
	info("listening on %s: %s, %llu bytes, %u vector(s)", sock_path,
	     shm_path, (unsigned long long)shm_size, nvectors);

	while (!stop_signal) {
		unsigned int i, n = 1;
		int r;

		if (npeers + 1 > pfd_cap) {
			unsigned int cap = (npeers + 1) * 2;
			struct pollfd *np = realloc(pfd, cap * sizeof(*np));
			struct peer **pp = realloc(polled, cap * sizeof(*pp));

			if (np)
				pfd = np;
			if (pp)
				polled = pp;
			if (!np || !pp) {
				err("out of memory");
				status = 1;
				break;
			}
			pfd_cap = cap;
		}
		pfd[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		for (i = 0; i < npeers; i++) {
			if (peers[i]->sock < 0)
				continue;	/* vacant */
			polled[n] = peers[i];
			pfd[n++] = (struct pollfd){ .fd = peers[i]->sock, .events = POLLIN };
		}
		r = ppoll(pfd, n, NULL, &waitmask);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err("poll: %s", strerror(errno));
			status = 1;
			break;
		}
		/*
		 * Clients never send: readable (data or EOF), hung up or in
		 * error all mean the client is gone.  Mark first (the array
		 * is reordered by reap_dead), then accept.
		 */
		for (i = 1; i < n; i++)
			if (pfd[i].revents)
				polled[i]->dead = true;
		reap_dead();
		if (pfd[0].revents & POLLIN)
			accept_clients();
	}
	if (stop_signal)
		info("signal %d: stopping", (int)stop_signal);

	while (npeers)
		free_peer(peers[--npeers]);
	free(peers);
	free(pfd);
	free(polled);
	close(listen_fd);
	unlink(sock_path);
	if (pid_path)
		unlink(pid_path);
	return status;
}
