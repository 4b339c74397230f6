// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xp-reader - attach the segment xp-writer created, read its greeting,
 * reply, and describe the segment.
 *
 *   xp-reader KEY
 *
 * KEY is what xp-writer printed (0x... or decimal).
 *
 * Exit status: 0 done, 1 a clshm call failed, 2 usage, 3 no greeting
 * in the segment within 5 seconds.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xp_shm.h>

#include "xp-demo.h"

#define WAIT_MS		5000
#define POLL_MS		10

static const char *prog = "xp-reader";

static int parse_key(const char *s, key_t *key)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > 0xffffffffUL)
		return -1;
	*key = (key_t)(unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	const struct timespec poll_interval = { 0, POLL_MS * 1000000L };
	char host[XP_HOSTNAME_MAX];
	struct shmid_ds ds;
	struct xp_demo *m;
	int shmid, waited, status = XP_DEMO_EXIT_OK;
	partid_t owner;
	key_t key;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || parse_key(argv[1], &key) < 0) {
		fprintf(stderr, "usage: %s KEY   (the key xp-writer printed, e.g. 0x00000001)\n",
			prog);
		return XP_DEMO_EXIT_USAGE;
	}

	/* Size 0 and no flags: look up an existing segment of any size. */
	shmid = xp_shmget(key, 0, 0);
	if (shmid == -1) {
		int err = errno;

		xp_demo_perror(prog, "xp_shmget");
		/* Size 0 is a plain lookup: ENOENT means "no such segment". */
		if (err == ENOENT)
			fprintf(stderr, "%s: hint: no segment has key 0x%08x (removed already?):"
				" is xp-writer still running?\n", prog, (unsigned int)key);
		return XP_DEMO_EXIT_FAIL;
	}
	if (xp_shmctl(shmid, IPC_STAT, &ds) == -1) {
		xp_demo_perror(prog, "xp_shmctl(IPC_STAT)");
		return XP_DEMO_EXIT_FAIL;
	}
	if (ds.shm_segsz < sizeof(*m)) {
		fprintf(stderr, "%s: key 0x%08x is not an xp-writer segment (%zu bytes)\n",
			prog, (unsigned int)key, (size_t)ds.shm_segsz);
		return XP_DEMO_EXIT_FAIL;
	}

	m = xp_shmat(shmid, NULL, 0);
	if (m == (void *)-1) {
		xp_demo_perror(prog, "xp_shmat");
		return XP_DEMO_EXIT_FAIL;
	}

	/* The greeting is there once state says so (acquire). */
	for (waited = 0; ; waited += POLL_MS) {
		if (atomic_load_explicit(&m->state, memory_order_acquire) != XP_DEMO_EMPTY)
			break;
		if (waited >= WAIT_MS) {
			fprintf(stderr, "%s: no greeting in the segment after 5 s\n", prog);
			status = XP_DEMO_EXIT_TIMEOUT;
			goto out_detach;
		}
		nanosleep(&poll_interval, NULL);
	}
	if (m->magic != XP_DEMO_MAGIC) {
		fprintf(stderr, "%s: key 0x%08x is not an xp-writer segment\n",
			prog, (unsigned int)key);
		status = XP_DEMO_EXIT_FAIL;
		goto out_detach;
	}
	printf("reader: writer said: %.*s\n", (int)sizeof(m->greeting), m->greeting);

	/* Reply, then publish the reply (release). */
	if (part_gethostname(part_getid(), host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "an unknown host");
	snprintf(m->reply, sizeof(m->reply), "hello back from pid %d on %s",
		 (int)getpid(), host);
	atomic_store_explicit(&m->state, XP_DEMO_REPLY, memory_order_release);

	/* Describe the segment: both programs are attached now. */
	owner = part_getpart(shmid);
	if (xp_shmctl(shmid, IPC_STAT, &ds) == -1 || owner == -1) {
		xp_demo_perror(prog, owner == -1 ? "part_getpart" : "xp_shmctl(IPC_STAT)");
		status = XP_DEMO_EXIT_FAIL;
		goto out_detach;
	}
	printf("reader: segment 0x%08x: %zu bytes, mode %03o, %lu attached, owner partition %d\n",
	       (unsigned int)shmid, (size_t)ds.shm_segsz,
	       (unsigned int)(ds.shm_perm.mode & 0777),
	       (unsigned long)ds.shm_nattch, owner);

out_detach:
	if (xp_shmdt(m) == -1) {
		xp_demo_perror(prog, "xp_shmdt");
		status = XP_DEMO_EXIT_FAIL;
	}
	return status;
}
