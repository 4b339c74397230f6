// SPDX-License-Identifier: GPL-2.0
/*
 * huge-populate - first touch of 16 MiB in four kinds of 2 MiB pages
 *
 *   clshm (a segment of huge folios), System V SHM_HUGETLB, System V with
 *   4 KiB pages, and a file on a huge=always tmpfs mounted at DIR (the
 *   kernel's own shmem huge-page fault).  Prints ns per 4 KiB page for
 *   REPS rounds.  Documentation/benchmarks.md explains its use:
 *
 *     vm/run --kernel newest --append "slub_debug=- page_poison=0" \
 *         --copy bench/huge-populate -- sh -c 'echo 16 > \
 *         /proc/sys/vm/nr_hugepages; mkdir -p /mnt/h; mount -t tmpfs \
 *         -o huge=always none /mnt/h; ./huge-populate /mnt/h 5'
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>
#include <xp_shm.h>

#include "clshm-common.h"

#define SZ	(16UL << 20)
#define SZ_2M	(2UL << 20)

/* ns per page to write one byte into every page of p, or -1. */
static double touch(char *p)
{
	unsigned long long t0;
	size_t off;

	if (p == (void *)-1)
		return -1;
	t0 = now_ns();
	for (off = 0; off < SZ; off += 4096)
		p[off] = 1;
	return (double)(now_ns() - t0) / (SZ / 4096);
}

static double sysv(int flags)
{
	int id = shmget(IPC_PRIVATE, SZ, IPC_CREAT | 0600 | flags);
	char *p = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
	double ns = touch(p);

	if (p != (void *)-1)
		shmdt(p);
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
	return ns;
}

static double clshm(void)
{
	int id = xp_shmget(IPC_PRIVATE, SZ, IPC_CREAT | 0600);
	char *p = id < 0 ? (void *)-1 : xp_shmat(id, NULL, 0);
	double ns = touch(p);

	if (p != (void *)-1)
		xp_shmdt(p);
	if (id >= 0)
		xp_shmctl(id, IPC_RMID, NULL);
	return ns;
}

/* A file on the huge tmpfs, mapped at a 2 MiB boundary. */
static double tmpfs(const char *dir)
{
	char path[256], *p, *q;
	double ns = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/huge-populate", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, SZ))
		goto out;
	p = mmap(NULL, SZ + SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		goto out;
	q = (char *)(((unsigned long)p + SZ_2M - 1) & ~(SZ_2M - 1));
	q = mmap(q, SZ, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	ns = touch(q == MAP_FAILED ? (void *)-1 : q);
	munmap(p, SZ + SZ_2M);
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	return ns;
}

int main(int argc, char **argv)
{
	int reps = argc > 2 ? atoi(argv[2]) : 5, i;

	if (argc < 2) {
		fprintf(stderr, "usage: huge-populate TMPFS_DIR [REPS]\n");
		return 2;
	}
	for (i = 0; i < reps; i++)
		printf("ns/page: clshm %.0f  sysv-hugetlb %.0f  sysv-4k %.0f  tmpfs-huge %.0f\n",
		       clshm(), sysv(SHM_HUGETLB), sysv(0), tmpfs(argv[1]));
	return 0;
}
