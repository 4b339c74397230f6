// SPDX-License-Identifier: GPL-2.0
/*
 * shmtool - drive the clshm segment API straight through its ioctls, for
 * the clshmd/clshmctl tests (no libxp needed)
 *
 *   shmtool create KEY SIZE         prints the shmid (0x%08x)
 *   shmtool hold SHMID SIZE SECS    attach, touch every page, sleep
 *   shmtool rmid SHMID [auto]
 *   shmtool churn N                 N creates and removes of 4 KiB
 *                                   segments (a burst of 3N events)
 *   shmtool hostname [PART]         prints the host name the daemon gives
 *   shmtool poke seq|type|head|head2 PID
 *                                   plays a hostile ring writer in the
 *                                   stopped daemon PID's memory: gives the
 *                                   last entry a wrong seq or an unknown
 *                                   type, moves head far ahead, or two
 *                                   entries past what the driver wrote
 *   shmtool poke up|down|hello|hello-major|hello-page|far PID
 *                                   turns the last entry into a message
 *                                   about partition 5, incarnation 77:
 *                                   PART_UP, PART_DOWN (heartbeat
 *                                   timeout), a PEER_HELLO of this ABI
 *                                   and page size, one of the next ABI
 *                                   major, one with 16 times the page
 *                                   size; or a PART_UP of partition 300
 *   shmtool badhello PART           registers as the daemon (no clshmd may
 *                                   run) and sends partition PART the hello
 *                                   of a daemon of the next ABI major
 *
 * Exit status: 0, or 1 with the errno's name on stderr.
 */
#include <errno.h>
#include <stddef.h>
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

/* Where the daemon @pid has the ring mapped: the ctl device in its maps. */
static unsigned long ring_addr(const char *pid)
{
	char path[64], line[512];
	unsigned long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, CLSHM_CTL_PATH) &&
		    sscanf(line, "%lx-", &start) == 1)
			break;
	fclose(f);
	return start;
}

/* The messages about other partitions: 0, or -1 for an unknown name. */
static int peer_msg(const char *what, struct clshm_msg *m)
{
	__u64 page = (__u64)sysconf(_SC_PAGESIZE);
	__u64 abi = (__u64)CLSHM_ABI_MAJOR << 32 | CLSHM_ABI_MINOR;

	m->flags = 0;
	m->part = 5;
	m->shmid = 0;
	m->key = 0;
	m->uid = 0;
	m->req = 0;
	m->arg[0] = 77;
	m->arg[1] = 0;
	m->arg[2] = 0;
	if (!strcmp(what, "up")) {
		m->type = CLSHM_MSG_PART_UP;
	} else if (!strcmp(what, "far")) {
		m->type = CLSHM_MSG_PART_UP;
		m->part = 300;
	} else if (!strcmp(what, "down")) {
		m->type = CLSHM_MSG_PART_DOWN;
		m->flags = CLSHM_DOWN_TIMEOUT;
	} else if (!strncmp(what, "hello", 5)) {
		m->type = CLSHM_MSG_PEER_HELLO;
		m->arg[0] = abi;
		m->arg[1] = page;
		m->arg[2] = 77;
		if (!strcmp(what, "hello-major"))
			m->arg[0] = (__u64)(CLSHM_ABI_MAJOR + 1) << 32;
		else if (!strcmp(what, "hello-page"))
			m->arg[1] = page * 16;
		else if (strcmp(what, "hello"))
			return -1;
	} else {
		return -1;
	}
	return 0;
}

/*
 * Only the daemon may map the ring, so a hostile ring writer goes
 * through the stopped daemon's memory (/proc/PID/mem, as root).
 */
static int poke(const char *what, const char *pid)
{
	struct clshm_ring_hdr h;
	struct clshm_msg m;
	unsigned long base;
	char path[64];
	off_t at;
	int fd;

	base = ring_addr(pid);
	if (!base) {
		errno = ENOENT;
		return fail("the daemon's ring mapping");
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(path);
	if (pread(fd, &h, sizeof(h), (off_t)base) != sizeof(h))
		return fail("read the ring header");
	/* The last entry the driver published (the daemon is stopped). */
	at = (off_t)(base + h.entries_off +
		     ((h.head - 1) & (h.nentries - 1)) * sizeof(m));
	if (pread(fd, &m, sizeof(m), at) != sizeof(m))
		return fail("read the entry");
	if (!strcmp(what, "seq"))
		m.seq += 12345;
	else if (!strcmp(what, "type"))
		m.type = 99;
	else if (!strcmp(what, "head"))
		h.head += 1000000;
	else if (!strcmp(what, "head2"))
		h.head += 2;
	else if (peer_msg(what, &m))
		return 2;
	if (pwrite(fd, &m, sizeof(m), at) != sizeof(m) ||
	    pwrite(fd, &h.head, sizeof(h.head),
		   (off_t)(base + offsetof(struct clshm_ring_hdr, head))) !=
	    sizeof(h.head))
		return fail("write the ring");
	close(fd);
	return 0;
}

/* A daemon of an ABI major we do not have says hello to partition part. */
static int badhello(__u32 part)
{
	static char name[] = "incompatible-daemon";
	struct clshm_hello h = { 0 };
	struct clshm_peer p = { 0 };
	int fd;

	fd = open(CLSHM_CTL_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(CLSHM_CTL_PATH);
	h.major = CLSHM_ABI_MAJOR;
	h.minor = CLSHM_ABI_MINOR;
	h.ring_version = CLSHM_RING_VERSION;
	if (ioctl(fd, CLSHM_IOC_HELLO, &h) < 0)
		return fail("HELLO");
	p.op = CLSHM_PEER_HELLO;
	p.part = part;
	p.major = CLSHM_ABI_MAJOR + 1;
	p.minor = 0;
	p.page_size = (__u32)sysconf(_SC_PAGESIZE);
	p.len = sizeof(name);
	p.name = (uintptr_t)name;
	if (ioctl(fd, CLSHM_IOC_PEER, &p) < 0)
		return fail("PEER");
	sleep(1);
	close(fd);
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
	if (!strcmp(argv[1], "poke") && argc == 4)
		return poke(argv[2], argv[3]);
	if (!strcmp(argv[1], "badhello") && argc == 3)
		return badhello((__u32)strtoul(argv[2], NULL, 0));
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
	if (!strcmp(argv[1], "churn") && argc == 3) {
		long i, n = strtol(argv[2], NULL, 0);

		for (i = 0; i < n; i++) {
			struct clshm_shmget g = { 0 };
			struct clshm_rmid r = { 0 };

			g.size = 4096;
			g.flags = CLSHM_GET_CREAT | 0600;
			if (ioctl(fd, CLSHM_IOC_SHMGET, &g) < 0)
				return fail("SHMGET");
			r.shmid = g.shmid;
			if (ioctl(fd, CLSHM_IOC_RMID, &r) < 0)
				return fail("RMID");
		}
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
