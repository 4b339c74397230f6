// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xp-writer - create a clshm segment, leave a greeting in it and wait
 * for xp-reader's reply.
 *
 *   xp-writer [-k KEYFILE] [-s SIZE]
 *
 * Prints the segment's key (also written to KEYFILE as 0x%08x); run
 * "xp-reader KEY" with it, in this partition or another one.  Waits up to
 * 30 seconds for the reply, then removes the segment.
 *
 * Exit status: 0 reply received, 1 a clshm call failed, 2 usage,
 * 3 no reply in time (or interrupted).
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xp_shm.h>

#include "xp-demo.h"

#define DEFAULT_SIZE	(64 * 1024)
#define WAIT_MS		30000
#define POLL_MS		10

static const char *prog = "xp-writer";
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-k KEYFILE] [-s SIZE]\n"
		"  -k KEYFILE  also write the key (0x%%08x) to KEYFILE\n"
		"  -s SIZE     segment size in bytes, K or M suffix allowed (default 64K)\n",
		prog);
}

static int parse_size(const char *s, size_t *size)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-' || v > (1ULL << 40))
		return -1;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	if (*end || v < sizeof(struct xp_demo) || v > SIZE_MAX)
		return -1;
	*size = (size_t)v;
	return 0;
}

/* Write the key to @path atomically, so a reader never sees half of it. */
static int write_keyfile(const char *path, key_t key)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "0x%08x\n", (unsigned int)key);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct timespec poll_interval = { 0, POLL_MS * 1000000L };
	const char *keyfile = NULL;
	size_t size = DEFAULT_SIZE;
	char host[XP_HOSTNAME_MAX];
	struct sigaction sa;
	struct xp_demo *m;
	int opt, shmid, waited, status;
	partid_t part;
	key_t key;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "hk:s:")) != -1) {
		switch (opt) {
		case 'k':
			keyfile = optarg;
			break;
		case 's':
			if (parse_size(optarg, &size) < 0) {
				fprintf(stderr, "%s: bad size '%s' (at least %zu bytes)\n",
					prog, optarg, sizeof(struct xp_demo));
				return XP_DEMO_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return XP_DEMO_EXIT_OK;
		default:
			usage(stderr);
			return XP_DEMO_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return XP_DEMO_EXIT_USAGE;
	}

	/* Who are we?  The host name comes from this partition's clshmd. */
	part = part_getid();
	if (part == -1) {
		xp_demo_perror(prog, "part_getid");
		return XP_DEMO_EXIT_FAIL;
	}
	if (part_gethostname(part, host, sizeof(host)) == -1) {
		xp_demo_perror(prog, "part_gethostname (going on without it)");
		snprintf(host, sizeof(host), "partition %d", part);
	}

	/*
	 * A fresh key, owned by this partition.  Its first xp_shmget creates
	 * the segment; IPC_CREAT | IPC_EXCL just says so.  Mode 0600: only
	 * our user and root (which xp-reader runs as in the demo) may attach.
	 */
	key = xp_ftok(NULL, 1);
	if (key == -1) {
		xp_demo_perror(prog, "xp_ftok");
		return XP_DEMO_EXIT_FAIL;
	}
	shmid = xp_shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
	if (shmid == -1) {
		xp_demo_perror(prog, "xp_shmget");
		return XP_DEMO_EXIT_FAIL;
	}
	m = xp_shmat(shmid, NULL, 0);
	if (m == (void *)-1) {
		xp_demo_perror(prog, "xp_shmat");
		xp_shmctl(shmid, IPC_RMID);
		return XP_DEMO_EXIT_FAIL;
	}

	/* Fill in the greeting, then publish it (release). */
	snprintf(m->greeting, sizeof(m->greeting), "hello from pid %d on %s",
		 (int)getpid(), host);
	m->magic = XP_DEMO_MAGIC;
	atomic_store_explicit(&m->state, XP_DEMO_GREETING, memory_order_release);

	/* Keys and shmids are 32-bit values: print them unsigned. */
	if (keyfile && write_keyfile(keyfile, key) < 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, keyfile, strerror(errno));
		status = XP_DEMO_EXIT_FAIL;
		goto out_detach;
	}
	printf("writer: key 0x%08x, shmid 0x%08x, %zu bytes: run xp-reader 0x%08x\n",
	       (unsigned int)key, (unsigned int)shmid, size, (unsigned int)key);

	/* Wait for the reply (acquire: then the reply text is complete). */
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	status = XP_DEMO_EXIT_TIMEOUT;
	for (waited = 0; waited < WAIT_MS && !stop; waited += POLL_MS) {
		if (atomic_load_explicit(&m->state, memory_order_acquire) == XP_DEMO_REPLY) {
			printf("writer: reader replied: %.*s\n",
			       (int)sizeof(m->reply), m->reply);
			status = XP_DEMO_EXIT_OK;
			break;
		}
		nanosleep(&poll_interval, NULL);
	}
	if (status != XP_DEMO_EXIT_OK)
		fprintf(stderr, "%s: %s: no reply from xp-reader\n", prog,
			stop ? "interrupted" : "timed out after 30 s");

out_detach:
	if (xp_shmdt(m) == -1) {
		xp_demo_perror(prog, "xp_shmdt");
		status = XP_DEMO_EXIT_FAIL;
	}
	/* The memory goes when the last attach (the reader's, maybe) goes. */
	if (xp_shmctl(shmid, IPC_RMID) == -1) {
		xp_demo_perror(prog, "xp_shmctl(IPC_RMID)");
		status = XP_DEMO_EXIT_FAIL;
	}
	return status;
}
