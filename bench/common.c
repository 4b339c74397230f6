// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - the kinds of shared memory, clocks, and the record format
 *
 * The four calls of each kind, so that every benchmark row runs the same
 * code for clshm and its baselines:
 *
 *   kind    get                      at          dt       rm
 *   sysv    shmget                   shmat       shmdt    shmctl(IPC_RMID)
 *   memfd   memfd_create+ftruncate   mmap        munmap   close
 *   clshm   xp_shmget                xp_shmat    xp_shmdt xp_shmctl(IPC_RMID)
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>
#include <xp_shm.h>

#include "bench.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif

const char *const kind_name[NKINDS + 1] = {
	[K_SYSV] = "sysv",
	[K_MEMFD] = "memfd",
	[K_CLSHM] = "clshm",
	[K_PRIVATE] = "private",
};

int seg_get(struct seg *s, enum kind k, size_t size, int flags)
{
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->size = size;
	s->fd = -1;
	s->id = -1;
	switch (k) {
	case K_SYSV:
		s->id = shmget(IPC_PRIVATE, size,
			       0600 | ((flags & SEG_HUGE) ? SHM_HUGETLB : 0));
		return s->id == -1 ? -1 : 0;
	case K_MEMFD:
		s->fd = memfd_create("bench", MFD_CLOEXEC |
				     ((flags & SEG_HUGE) ? MFD_HUGETLB : 0));
		if (s->fd < 0)
			return -1;
		if (ftruncate(s->fd, (off_t)size) < 0) {
			int e = errno;

			close(s->fd);
			s->fd = -1;
			errno = e;
			return -1;
		}
		return 0;
	case K_CLSHM:
		if (flags & SEG_HUGE) {
			errno = EINVAL;
			return -1;
		}
		s->id = xp_shmget(IPC_PRIVATE, size, 0600);
		return s->id == -1 ? -1 : 0;
	default:
		errno = EINVAL;
		return -1;
	}
}

int seg_get_key(struct seg *s, enum kind k, size_t size, key_t key)
{
	if (k == K_MEMFD)
		return seg_get(s, k, size, 0);
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->size = size;
	s->fd = -1;
	if (k == K_SYSV)
		s->id = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
	else
		s->id = xp_shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
	return s->id == -1 ? -1 : 0;
}

int seg_lookup(enum kind k, key_t key)
{
	int id;

	if (k == K_SYSV)
		id = shmget(key, 0, 0);
	else if (k == K_CLSHM)
		id = xp_shmget(key, 0, 0);
	else {
		errno = EINVAL;
		return -1;
	}
	return id;
}

int seg_at(struct seg *s, int rdonly)
{
	void *p;

	switch (s->kind) {
	case K_SYSV:
		p = shmat(s->id, NULL, rdonly ? SHM_RDONLY : 0);
		break;
	case K_MEMFD:
		p = mmap(NULL, s->size, PROT_READ | (rdonly ? 0 : PROT_WRITE),
			 MAP_SHARED, s->fd, 0);
		if (p == MAP_FAILED)
			p = (void *)-1;
		break;
	case K_CLSHM:
		p = xp_shmat(s->id, NULL, rdonly ? SHM_RDONLY : 0);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (p == (void *)-1)
		return -1;
	s->addr = p;
	return 0;
}

int seg_dt(struct seg *s)
{
	int err;

	switch (s->kind) {
	case K_SYSV:
		err = shmdt(s->addr);
		break;
	case K_MEMFD:
		err = munmap(s->addr, s->size);
		break;
	case K_CLSHM:
		err = xp_shmdt(s->addr);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (!err)
		s->addr = NULL;
	return err;
}

int seg_rm(struct seg *s)
{
	int err;

	switch (s->kind) {
	case K_SYSV:
		err = shmctl(s->id, IPC_RMID, NULL);
		break;
	case K_MEMFD:
		err = close(s->fd);
		s->fd = -1;
		break;
	case K_CLSHM:
		err = xp_shmctl(s->id, IPC_RMID);
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	return err;
}

char *noalias(char *area, const void *peer)
{
	uintptr_t d = ((uintptr_t)area - (uintptr_t)peer) % NOALIAS_SPAN;

	return area + (NOALIAS_OFF + NOALIAS_SPAN - d) % NOALIAS_SPAN;
}

long minflt(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_minflt;
}

void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* One vCPU guests cannot pin to cpu 1: run unpinned. */
	sched_setaffinity(0, sizeof(set), &set);
}

void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	fflush(stdout);
	fprintf(stderr, "clshm-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(1);
}

void progress(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* JSON string: the values here are plain ASCII; escape what JSON needs. */
static void jstr(const char *key, const char *s, int comma)
{
	printf("\"%s\":\"", key);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar((unsigned char)*s < ' ' ? ' ' : *s);	/* tabs, newlines */
	}
	printf("\"%s", comma ? "," : "");
}

void emit(const struct rec *r)
{
	int i;

	printf("@{");
	jstr("row", r->row, 1);
	jstr("test", r->test, 1);
	jstr("kind", r->kind, 1);
	jstr("variant", r->variant ? r->variant : "", 1);
	printf("\"size\":%zu,\"level\":%ld,", r->size, r->level);
	jstr("unit", r->unit, 1);
	if (r->faults >= 0)
		printf("\"faults\":%.6g,", r->faults);
	if (r->faults_total >= 0)
		printf("\"faults_total\":%.6g,", r->faults_total);
	if (r->syscalls >= 0) {
		printf("\"syscalls\":%d,", r->syscalls);
		jstr("syscall_names", r->syscall_names, 1);
	}
	if (r->msgs_sent >= 0)
		printf("\"msgs_sent\":%.6g,", r->msgs_sent);
	if (r->msgs_recv >= 0)
		printf("\"msgs_recv\":%.6g,", r->msgs_recv);
	if (r->doorbells >= 0)
		printf("\"doorbells\":%.6g,", r->doorbells);
	if (r->irqs >= 0)
		printf("\"irqs\":%.6g,", r->irqs);
	if (r->note)
		jstr("note", r->note, 1);
	printf("\"samples\":[");
	for (i = 0; i < r->n; i++)
		printf("%s%.6g", i ? "," : "", r->v[i]);
	printf("]}\n");
	fflush(stdout);
}

void emit_meta(const char *key, const char *value)
{
	printf("@{\"meta\":\"%s\",", key);
	jstr("value", value, 0);
	printf("}\n");
	fflush(stdout);
}
