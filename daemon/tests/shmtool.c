// SPDX-License-Identifier: GPL-2.0
/*
 * shmtool - drive the clshm segment API straight through its ioctls, for
 * the clshmd/clshmctl tests (no libxp needed)
 *
 *   shmtool create KEY SIZE         prints the shmid (0x%08x)
 *   shmtool hold SHMID SIZE SECS    attach, touch every page, sleep
 *   shmtool rmid SHMID [auto]
 *   shmtool hostname [PART]         prints the host name the daemon gives
 *   shmtool poke seq|type|head|head2
 *                                   plays a hostile ring writer: gives the
 *                                   last entry a wrong seq or an unknown
 *                                   type, moves head far ahead, or two
 *                                   entries past what the driver wrote
 *
 * Exit status: 0, or 1 with the errno's name on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/clshm.h>

static int fail(const char *what)
{
	fprintf(stderr, "shmtool: %s: %s (errno %d)\n", what, strerror(errno),
		errno);
	return 1;
}

static int poke(const char *what)
{
	long page = sysconf(_SC_PAGESIZE);
	struct clshm_ring_hdr *h;
	struct clshm_msg *m;
	struct clshm_cfg cfg = { 0 };
	__u64 head;
	size_t len;
	int fd;

	fd = open(CLSHM_CTL_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(CLSHM_CTL_PATH);
	if (ioctl(fd, CLSHM_IOC_GETCFG, &cfg) < 0)
		return fail("GETCFG");
	len = (size_t)cfg.maxdpgs * page;
	h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return fail("mmap");
	/* The last entry the driver published (the daemon is stopped). */
	head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	m = (struct clshm_msg *)((char *)h + h->entries_off) +
	    ((head - 1) & (h->nentries - 1));
	if (!strcmp(what, "seq"))
		m->seq += 12345;
	else if (!strcmp(what, "type"))
		m->type = 99;
	else if (!strcmp(what, "head"))
		__atomic_store_n(&h->head, head + 1000000, __ATOMIC_RELEASE);
	else if (!strcmp(what, "head2"))
		__atomic_store_n(&h->head, head + 2, __ATOMIC_RELEASE);
	else
		return 2;
	return 0;
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: shmtool create|hold|rmid|hostname ...\n");
		return 2;
	}
	if (!strcmp(argv[1], "poke") && argc == 3)
		return poke(argv[2]);
	fd = open(CLSHM_SHM_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(CLSHM_SHM_PATH);

	if (!strcmp(argv[1], "create") && argc == 4) {
		struct clshm_shmget g = { 0 };

		g.key = (__u32)strtoul(argv[2], NULL, 0);
		g.size = strtoull(argv[3], NULL, 0);
		g.flags = CLSHM_GET_CREAT | 0600;
		if (ioctl(fd, CLSHM_IOC_SHMGET, &g) < 0)
			return fail("SHMGET");
		printf("0x%08x\n", g.shmid);
		return 0;
	}
	if (!strcmp(argv[1], "hold") && argc == 5) {
		unsigned long shmid = strtoul(argv[2], NULL, 0);
		size_t size = strtoull(argv[3], NULL, 0), i;
		unsigned char *p;

		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)shmid * page);
		if (p == MAP_FAILED)
			return fail("mmap");
		for (i = 0; i < size; i += page)
			p[i] = 1;
		printf("attached\n");
		fflush(stdout);
		sleep((unsigned int)atoi(argv[4]));
		return 0;
	}
	if (!strcmp(argv[1], "rmid") && argc >= 3) {
		struct clshm_rmid r = { 0 };

		r.shmid = (__u32)strtoul(argv[2], NULL, 0);
		if (argc > 3 && !strcmp(argv[3], "auto"))
			r.flags = CLSHM_RMID_AUTO;
		if (ioctl(fd, CLSHM_IOC_RMID, &r) < 0)
			return fail("RMID");
		return 0;
	}
	if (!strcmp(argv[1], "hostname")) {
		char name[CLSHM_HOSTNAME_MAX] = "";
		struct clshm_hostname h = { 0 };

		h.name = (uintptr_t)name;
		h.len = sizeof(name);
		h.part = argc > 2 ? (__u32)strtoul(argv[2], NULL, 0) : 0;
		if (ioctl(fd, CLSHM_IOC_GETHOSTNAME, &h) < 0)
			return fail("GETHOSTNAME");
		printf("%s\n", name);
		return 0;
	}
	fprintf(stderr, "shmtool: bad command\n");
	return 2;
}
