// SPDX-License-Identifier: GPL-2.0
/*
 * smoke.c - a quick comparison of clshm with System V shm in one guest
 *
 * Not the benchmark suite (that is issue 4's make bench): a smoke run that
 * shows the main effects in a few seconds.  Every row runs System V and
 * clshm interleaved, REPS times, and reports medians, their ratio
 * (clshm / System V: below 1 is faster) and the page faults counted by
 * getrusage, which are exact where times are noisy.
 *
 *   attach+read   a second attach of a filled segment and a read of every
 *                 page, per page
 *   first-touch   writing every page of a fresh segment
 *   get/at/dt/rm  each step of create, attach, detach, remove of an
 *                 untouched segment
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>
#include <xp_shm.h>

#include "clshm-common.h"

#define REPS	15

enum { SYSV, CLSHM, NKINDS };

static const char *const kind_name[NKINDS] = { "sysv", "clshm" };

static long minflt(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_minflt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, REPS, sizeof(*v), cmp_double);
	return v[REPS / 2];
}

/* The four System V calls, by kind. */
static int get(int k, size_t size)
{
	return k == CLSHM ? xp_shmget(IPC_PRIVATE, size, 0600) :
			    shmget(IPC_PRIVATE, size, 0600);
}

static char *at(int k, int id, int flags)
{
	return k == CLSHM ? xp_shmat(id, NULL, flags) : shmat(id, NULL, flags);
}

static void dt(int k, const void *p)
{
	if (k == CLSHM)
		xp_shmdt(p);
	else
		shmdt(p);
}

static void rm(int k, int id)
{
	if (k == CLSHM)
		xp_shmctl(id, IPC_RMID);
	else
		shmctl(id, IPC_RMID, NULL);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Per-page time and faults of one pass over every page of @p. */
static void touch(char *p, size_t size, int write, double *ns, long *faults)
{
	volatile char *v = p;
	long f0 = minflt(), sum = 0;
	double t0 = now_ns();
	size_t i;

	for (i = 0; i < size; i += 4096) {
		if (write)
			v[i] = 1;
		else
			sum += v[i];
	}
	*ns = (now_ns() - t0) / (size / 4096);
	*faults = minflt() - f0;
	(void)sum;
}

static void row(const char *name, double v[NKINDS][REPS], const long *faults,
		const char *unit)
{
	double s = median(v[SYSV]), c = median(v[CLSHM]);

	printf("%-28s sysv %9.1f %-8s clshm %9.1f %-8s ratio %5.2f",
	       name, s, unit, c, unit, c / s);
	if (faults)
		printf("   faults sysv %ld clshm %ld", faults[SYSV],
		       faults[CLSHM]);
	printf("\n");
}

static void attach_read(size_t size)
{
	double t[NKINDS][REPS];
	long faults[NKINDS];
	int id[NKINDS], k, r;
	char name[64];

	for (k = 0; k < NKINDS; k++) {
		char *p;

		id[k] = get(k, size);
		if (id[k] == -1)
			die("shmget");
		p = at(k, id[k], 0);
		if (p == (void *)-1)
			die("shmat");
		memset(p, 1, size);
		dt(k, p);
	}
	for (r = 0; r < REPS; r++) {
		for (k = 0; k < NKINDS; k++) {
			/* The attach is timed too: clshm maps pages there. */
			long f0 = minflt();
			double t0 = now_ns(), read_ns;
			char *p = at(k, id[k], SHM_RDONLY);

			if (p == (void *)-1)
				die("shmat");
			touch(p, size, 0, &read_ns, &faults[k]);
			t[k][r] = (now_ns() - t0) / (size / 4096);
			faults[k] = minflt() - f0;
			dt(k, p);
		}
	}
	for (k = 0; k < NKINDS; k++)
		rm(k, id[k]);
	snprintf(name, sizeof(name), "attach+read %zu KiB", size >> 10);
	row(name, t, faults, "ns/page");
}

static void first_touch(size_t size)
{
	double t[NKINDS][REPS];
	long faults[NKINDS];
	char name[64];
	int k, r;

	for (r = 0; r < REPS; r++) {
		for (k = 0; k < NKINDS; k++) {
			int id = get(k, size);
			char *p;

			if (id == -1)
				die("shmget");
			p = at(k, id, 0);
			if (p == (void *)-1)
				die("shmat");
			touch(p, size, 1, &t[k][r], &faults[k]);
			dt(k, p);
			rm(k, id);
		}
	}
	snprintf(name, sizeof(name), "first-touch %zu KiB", size >> 10);
	row(name, t, faults, "ns/page");
}

static void steps(size_t size)
{
	static const char *const step[4] = { "get", "at", "dt", "rm" };
	double t[4][NKINDS][REPS];
	char name[64];
	int k, r, s;

	for (r = 0; r < REPS; r++) {
		for (k = 0; k < NKINDS; k++) {
			double t0, t1, t2, t3, t4;
			char *p;
			int id;

			t0 = now_ns();
			id = get(k, size);
			t1 = now_ns();
			p = at(k, id, 0);
			t2 = now_ns();
			if (id == -1 || p == (void *)-1)
				die("shmget/shmat");
			dt(k, p);
			t3 = now_ns();
			rm(k, id);
			t4 = now_ns();
			t[0][k][r] = (t1 - t0) / 1e3;
			t[1][k][r] = (t2 - t1) / 1e3;
			t[2][k][r] = (t3 - t2) / 1e3;
			t[3][k][r] = (t4 - t3) / 1e3;
		}
	}
	for (s = 0; s < 4; s++) {
		snprintf(name, sizeof(name), "untouched %s %zu KiB", step[s],
			 size >> 10);
		row(name, t[s], NULL, "us");
	}
}

int main(void)
{
	printf("clshm smoke benchmark: medians of %d interleaved runs; ratio = clshm / sysv\n",
	       REPS);
	printf("%s and %s in the same guest, same run\n", kind_name[SYSV],
	       kind_name[CLSHM]);
	attach_read(16 << 20);
	first_touch(16 << 20);
	steps(4096);
	steps(64 << 20);
	return 0;
}
