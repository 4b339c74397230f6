// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xp_pair.c - two halves of an xp_shmwait()/xp_shmwake() test that run in
 * different partitions (selftests/fabric/daemon-fabric.sh, two guests)
 *
 *   xp_pair create            mint a key of this partition, create a
 *                             one-page segment under it, print the key
 *   xp_pair wait KEY SECS     attach, raise the ready flag (word 1), then
 *                             xp_shmwait() on word 0 while it holds 0, for
 *                             SECS at most; succeeds when it returned 0
 *                             and word 0 is 1
 *   xp_pair wake KEY SECS     attach (retrying for SECS while the segment
 *                             does not exist yet), wait for the ready
 *                             flag, store 1 in word 0 and xp_shmwake()
 *   xp_pair timeout KEY MS    attach, xp_shmwait() on word 2 (0) for MS:
 *                             succeeds on ETIMEDOUT after about MS
 *   xp_pair rm KEY            IPC_RMID
 *
 * Exit status 0 on success, 1 with a message on failure, 2 for usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xp_shm.h"
#include "clshm-common.h"

static int fail(const char *what)
{
	fprintf(stderr, "xp_pair: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Attach the segment of key, retrying for secs: its words, or NULL. */
static uint32_t *attach(key_t key, int secs)
{
	long long end = now_ms() + secs * 1000LL;
	int shmid;
	void *p;

	for (;;) {
		shmid = xp_shmget(key, 0, 0);
		if (shmid != -1) {
			p = xp_shmat(shmid, NULL, 0);
			if (p != (void *)-1)
				return p;
		}
		if (now_ms() >= end)
			return NULL;
		usleep(100000);
	}
}

int main(int argc, char **argv)
{
	uint32_t *w;
	long long t0;
	key_t key;
	int r, n;

	if (argc == 2 && !strcmp(argv[1], "create")) {
		key = xp_ftok(NULL, 0);
		if (key == -1)
			return fail("xp_ftok");
		if (xp_shmget(key, (size_t)sysconf(_SC_PAGESIZE), 0600) == -1)
			return fail("xp_shmget");
		printf("0x%08x\n", (unsigned int)key);
		return 0;
	}
	if (argc != 4 && !(argc == 3 && !strcmp(argv[1], "rm"))) {
		fprintf(stderr, "usage: xp_pair create | wait|wake KEY SECS | timeout KEY MS | rm KEY\n");
		return 2;
	}
	key = (key_t)strtoul(argv[2], NULL, 0);

	if (!strcmp(argv[1], "rm")) {
		r = xp_shmget(key, 0, 0);
		if (r == -1 || xp_shmctl(r, IPC_RMID) == -1)
			return fail("rm");
		return 0;
	}
	n = atoi(argv[3]);
	w = attach(key, !strcmp(argv[1], "timeout") ? 30 : n);
	if (!w)
		return fail("attach");

	if (!strcmp(argv[1], "wait")) {
		__atomic_store_n(&w[1], 1, __ATOMIC_SEQ_CST);
		t0 = now_ms();
		r = xp_shmwait(&w[0], 0, n * 1000);
		if (r == -1)
			return fail("xp_shmwait");
		printf("woken after %lld ms, word %u\n", now_ms() - t0,
		       __atomic_load_n(&w[0], __ATOMIC_SEQ_CST));
		return __atomic_load_n(&w[0], __ATOMIC_SEQ_CST) == 1 ? 0 : 1;
	}
	if (!strcmp(argv[1], "wake")) {
		t0 = now_ms();
		while (!__atomic_load_n(&w[1], __ATOMIC_SEQ_CST)) {
			if (now_ms() - t0 > n * 1000LL) {
				errno = ETIMEDOUT;
				return fail("waiting for the waiter");
			}
			usleep(10000);
		}
		usleep(300000);		/* let it fall asleep */
		__atomic_store_n(&w[0], 1, __ATOMIC_SEQ_CST);
		r = xp_shmwake(&w[0]);
		if (r == -1)
			return fail("xp_shmwake");
		printf("woke %d local waiters\n", r);
		return 0;
	}
	if (!strcmp(argv[1], "timeout")) {
		t0 = now_ms();
		r = xp_shmwait(&w[2], 0, n);
		if (r != -1 || errno != ETIMEDOUT) {
			fprintf(stderr, "xp_pair: xp_shmwait gave %d (%s), not ETIMEDOUT\n",
				r, strerror(errno));
			return 1;
		}
		printf("timed out after %lld ms\n", now_ms() - t0);
		return 0;
	}
	fprintf(stderr, "xp_pair: bad command '%s'\n", argv[1]);
	return 2;
}
