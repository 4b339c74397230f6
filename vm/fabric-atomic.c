// SPDX-License-Identifier: GPL-2.0
/*
 * fabric-atomic: are atomic instructions on the ivshmem fabric atomic
 * across guests?  Run in every guest of "vm/run --guests N" (a static
 * program; it needs only sysfs, not clshm).
 *
 * Under QEMU's TCG a guest's locked read-modify-write instructions are
 * atomic with respect to other QEMU processes only with
 * "-accel tcg,thread=multi" and at least 2 possible vCPUs; otherwise they
 * are a plain load and store and concurrent increments get lost.  Each
 * guest adds 1 to one shared 64-bit counter K times with
 * __atomic_fetch_add; guest 0 then checks that the counter is N*K and
 * prints one TAP result.  The other guests print comments and exit 1 if
 * they see a wrong total.
 *
 * Where: BAR2 of the ivshmem device (PCI 1af4:1110, mapped through
 * /sys/bus/pci/devices/.../resource2), in bytes 2048..4095 of the clshm
 * fabric header page, which the fabric layout leaves to tests:
 *
 *   2048  counter      the shared counter (atomic adds)
 *   2056  done         guests that finished adding (atomic adds)
 *   2064  round        set by guest 0 after it zeroed counter and done
 *   2080  arrive[64]   arrive[g] = round: guest g is there
 *   2592  finish[64]   finish[g] = round: guest g finished adding
 *   3104  go[64]       go[g] = round: guest g saw every arrive[]
 *
 * Every word but counter and done has one writer.  Start without a race:
 * guest 0 zeroes counter and done, then publishes round (release); the
 * others wait for round (acquire) before they touch anything, then write
 * arrive[g].  Everyone waits for all arrive[] (polling, as guests may
 * arrive seconds apart and a spinning vCPU takes a host CPU from those
 * still booting), then writes go[g] and spins until all go[] are set, so
 * that the adds start within microseconds of each other: lost updates
 * show only when the adds overlap.  Then each adds, writes finish[g], and
 * waits for all finish[].  Completion is taken from finish[], not from
 * done, so a lost increment of done shows up as a wrong number, not as a
 * hang.
 * round (-r, default 1) must differ from the previous run's in the same
 * fabric; vm/run gives every run a fresh, zeroed fabric.
 *
 * Usage: fabric-atomic [-k ADDS] [-r ROUND] [-t SECONDS] [-g GUEST]
 *                      [-n GUESTS] [-d PCI-DEVICE]
 *        fabric-atomic -i      print the device's IVPosition (BAR0 + 8)
 * GUEST and GUESTS default to $CLSHM_GUEST and $CLSHM_GUESTS.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "clshm-common.h"

#define AREA_OFF	2048	/* the test area of the header page */
#define MAX_GUESTS	64

struct area {
	uint64_t counter;
	uint64_t done;
	uint64_t round;
	uint64_t pad;
	uint64_t arrive[MAX_GUESTS];
	uint64_t finish[MAX_GUESTS];
	uint64_t go[MAX_GUESTS];
};

_Static_assert(AREA_OFF + sizeof(struct area) <= 4096, "test area overflows the page");

static const char *prog = "fabric-atomic";

static void usage(FILE *f)
{
	fprintf(f,
"usage: fabric-atomic [-k ADDS] [-r ROUND] [-t SECONDS] [-g GUEST] [-n GUESTS]\n"
"                     [-d PCI-DEVICE]\n"
"       fabric-atomic -i [-d PCI-DEVICE]\n"
"\n"
"Run in every guest at once: each adds 1 to a shared counter in the ivshmem\n"
"fabric ADDS times (default 2000000) with an atomic instruction; guest 0\n"
"checks the total is GUESTS*ADDS and prints TAP.  -r: a round number other\n"
"than the last run's in the same fabric (default 1); -t: how long to wait\n"
"for the other guests (default 120 s); -g, -n: this guest's index and the\n"
"number of guests (default $CLSHM_GUEST, $CLSHM_GUESTS); -d: the PCI\n"
"device (default: the first 1af4:1110).  -i prints the device's IVPosition\n"
"register and exits.  Exit status 0 if the total was right.\n");
}

/* find_device: the first (lowest address) PCI device 1af4:1110. */
static int find_device(char *out, size_t len)
{
	int err = ivshmem_find(out, len);

	if (err == -ENODEV)
		fprintf(stderr, "%s: no ivshmem device (PCI 1af4:1110) in %s: "
			"run with vm/run --guests N (or --fabric MB)\n", prog,
			PCI_DEVICES_DIR);
	else if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, PCI_DEVICES_DIR,
			strerror(-err));
	return err;
}

/*
 * The BAR must decode memory.  The firmware enables it; if a driver
 * disabled it again, enable it through sysfs.
 */
static void ensure_enabled(const char *dev)
{
	char path[512];
	unsigned char cmd[2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/config", PCI_DEVICES_DIR, dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (pread(fd, cmd, 2, 4) == 2 && !(cmd[0] & 0x2)) {
		int e;

		close(fd);
		snprintf(path, sizeof(path), "%s/%s/enable", PCI_DEVICES_DIR, dev);
		e = open(path, O_WRONLY | O_CLOEXEC);
		if (e >= 0) {
			if (write(e, "1", 1) != 1)
				fprintf(stderr, "%s: enabling %s: %s\n", prog, dev,
					strerror(errno));
			close(e);
		}
		return;
	}
	close(fd);
}

static void *map_bar(const char *dev, int bar, size_t len)
{
	void *p = pci_map_bar(dev, bar, 0, len);

	if (!p)
		fprintf(stderr, "%s: mmap %s/%s/resource%d (%zu bytes): %s%s\n",
			prog, PCI_DEVICES_DIR, dev, bar, len, strerror(errno),
			errno == ERANGE ? " (the BAR is smaller)" :
			errno == EINVAL ? " (a driver holds the BAR and the kernel "
			"has CONFIG_IO_STRICT_DEVMEM: boot with iomem=relaxed, "
			"as vm/run does)" : "");
	return p;
}

/* Seconds of CLOCK_MONOTONIC. */
static double now(void)
{
	return now_ns() / 1e9;
}

/*
 * wait_all: wait until w[0..n-1] all equal round, polling every pause_us
 * microseconds (0: spin); the count that do.
 */
static int wait_all(uint64_t *w, int n, uint64_t round, double deadline,
		    unsigned int pause_us)
{
	int i, have;

	for (;;) {
		have = 0;
		for (i = 0; i < n; i++)
			have += __atomic_load_n(&w[i], __ATOMIC_ACQUIRE) == round;
		if (have == n || now() > deadline)
			return have;
		if (pause_us)
			usleep(pause_us);
		else
			__builtin_ia32_pause();
	}
}

/* A guest index or count from the environment, or def when unset or bad. */
static int env_int(const char *name, int def)
{
	unsigned long long v;

	return parse_u64(getenv(name), INT_MAX, &v) ? def : (int)v;
}

/* The number of option opt, at most max: 0, or -1 with a message. */
static int opt_num(int opt, const char *arg, unsigned long long max,
		   unsigned long long *v)
{
	if (!parse_u64(arg, max, v))
		return 0;
	fprintf(stderr, "%s: -%c %s: not a number from 0 to %llu\n", prog, opt,
		arg, max);
	return -1;
}

int main(int argc, char **argv)
{
	long adds = 2000000;
	uint64_t round = 1;
	double timeout = 120, t0, t_start, t_end, deadline;
	int guest = env_int("CLSHM_GUEST", -1);
	int guests = env_int("CLSHM_GUESTS", -1);
	int ivpos = 0, c, have, g;
	char dev[256] = "";
	struct area *a;
	uint64_t total, done, want;
	unsigned long long v;
	void *page;

	while ((c = getopt(argc, argv, "k:r:t:g:n:d:ih")) != -1) {
		switch (c) {
		case 'k':
			if (opt_num(c, optarg, LONG_MAX, &v))
				return 2;
			adds = (long)v;
			break;
		case 'r':
			if (opt_num(c, optarg, UINT64_MAX, &v))
				return 2;
			round = v;
			break;
		case 't': timeout = atof(optarg); break;
		case 'g':
		case 'n':
			if (opt_num(c, optarg, MAX_GUESTS, &v))
				return 2;
			*(c == 'g' ? &guest : &guests) = (int)v;
			break;
		case 'd': snprintf(dev, sizeof(dev), "%s", optarg); break;
		case 'i': ivpos = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!dev[0] && find_device(dev, sizeof(dev)) < 0)
		return 2;
	ensure_enabled(dev);

	if (ivpos) {
		volatile uint32_t *regs = map_bar(dev, 0, 256);

		if (!regs)
			return 2;
		printf("%u\n", regs[2]);	/* IVPosition, offset 8 */
		return 0;
	}

	if (adds < 1 || round == 0 || timeout <= 0 || guests < 1 ||
	    guests > MAX_GUESTS || guest < 0 || guest >= guests) {
		fprintf(stderr, "%s: need -k > 0, -r > 0, -t > 0 and 0 <= GUEST < "
			"GUESTS <= %d (have guest %d of %d; set -g/-n or "
			"CLSHM_GUEST/CLSHM_GUESTS)\n", prog, MAX_GUESTS, guest, guests);
		usage(stderr);
		return 2;
	}

	page = map_bar(dev, 2, 4096);
	if (!page)
		return 2;
	a = (struct area *)((char *)page + AREA_OFF);
	want = (uint64_t)guests * (uint64_t)adds;
	t0 = now();
	deadline = t0 + timeout;

	if (guest == 0) {
		printf("1..1\n");
		__atomic_store_n(&a->round, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&a->counter, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&a->done, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&a->round, round, __ATOMIC_RELEASE);
	} else {
		while (__atomic_load_n(&a->round, __ATOMIC_ACQUIRE) != round) {
			if (now() > deadline) {
				printf("# guest %d: guest 0 did not start round %llu "
				       "within %.0f s\n", guest,
				       (unsigned long long)round, timeout);
				return 1;
			}
			usleep(1000);
		}
	}
	printf("# guest %d of %d: %s, %ld atomic adds, round %llu\n", guest,
	       guests, dev, adds, (unsigned long long)round);
	fflush(stdout);

	__atomic_store_n(&a->arrive[guest], round, __ATOMIC_RELEASE);
	have = wait_all(a->arrive, guests, round, deadline, 1000);
	if (have == guests) {
		__atomic_store_n(&a->go[guest], round, __ATOMIC_RELEASE);
		have = wait_all(a->go, guests, round, deadline, 0);
	}
	if (have != guests) {
		printf("%s - cross-guest atomic counter # only %d of %d guests "
		       "arrived within %.0f s\n", guest ? "# not ok" : "not ok 1",
		       have, guests, timeout);
		return 1;
	}

	t_start = now();
	for (long i = 0; i < adds; i++)
		__atomic_fetch_add(&a->counter, 1, __ATOMIC_SEQ_CST);
	t_end = now();
	__atomic_fetch_add(&a->done, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&a->finish[guest], round, __ATOMIC_RELEASE);

	have = wait_all(a->finish, guests, round, deadline, 1000);
	total = __atomic_load_n(&a->counter, __ATOMIC_ACQUIRE);
	done = __atomic_load_n(&a->done, __ATOMIC_ACQUIRE);
	printf("# guest %d: %ld adds in %.3f s; counter %llu, done %llu, "
	       "%d of %d finished\n", guest, adds, t_end - t_start,
	       (unsigned long long)total, (unsigned long long)done, have, guests);
	if (have != guests) {
		printf("%s - cross-guest atomic counter # only %d of %d guests "
		       "finished within %.0f s\n", guest ? "# not ok" : "not ok 1",
		       have, guests, timeout);
		return 1;
	}
	g = total == want && done == (uint64_t)guests;
	if (guest == 0) {
		printf("%s 1 - cross-guest atomic counter: %llu %s %d*%ld",
		       g ? "ok" : "not ok", (unsigned long long)total,
		       total == want ? "==" : "!=", guests, adds);
		if (total != want)
			printf(" # %llu increments lost: atomics are not atomic "
			       "across guests (TCG needs thread=multi and 2+ vCPUs)",
			       (unsigned long long)(want - total));
		else if (done != (uint64_t)guests)
			printf(" # done counter %llu != %d", (unsigned long long)done,
			       guests);
		printf("\n");
	} else if (!g) {
		printf("# guest %d: wrong total: %llu != %d*%ld (done %llu)\n", guest,
		       (unsigned long long)total, guests, adds,
		       (unsigned long long)done);
	}
	return g ? 0 : 1;
}
