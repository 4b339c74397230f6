// SPDX-License-Identifier: GPL-2.0
/*
 * fabutil.c - helpers of the multi-guest (fabric) selftests; see fabutil.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fabutil.h"
#include "util.h"

/* A guest index or count from the environment: 0, or -1 (unset, bad). */
static int env_int(const char *name, int *out)
{
	unsigned long long v;

	if (parse_u64(getenv(name), 255, &v))
		return -1;
	*out = (int)v;
	return 0;
}

int fab_env(struct fab *f)
{
	if (env_int("CLSHM_GUEST", &f->guest) ||
	    env_int("CLSHM_GUESTS", &f->nguests) ||
	    f->nguests < 1 || f->nguests > FAB_MAX_GUESTS ||
	    f->guest >= f->nguests) {
		errno = EINVAL;
		return -1;
	}
	if (env_int("CLSHM_BOOT", &f->boot) || f->boot < 1)
		f->boot = 1;
	f->all = (1u << f->nguests) - 1;
	return 0;
}

int fab_open(struct fab *f)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->bad_guest = -1;
	if (fab_env(f))
		return -1;
	err = ivshmem_find(f->dev, sizeof(f->dev));
	if (err) {
		errno = -err;
		return -1;
	}
	f->hdr = ivshmem_map(f->dev, 0, CLSHM_FAB_HDR_SIZE);
	if (!f->hdr)
		return -1;
	f->sync = (volatile struct fab_sync *)((char *)f->hdr + FAB_SYNC_OFF);
	return 0;
}

void fab_close(struct fab *f)
{
	if (f->hdr)
		munmap(f->hdr, CLSHM_FAB_HDR_SIZE);
	f->hdr = NULL;
	f->sync = NULL;
}

uint64_t fab_arrived(struct fab *f, int guest)
{
	return __atomic_load_n(&f->sync->arrive[guest], __ATOMIC_ACQUIRE);
}

int fab_barrier(struct fab *f, uint64_t id, uint32_t mask, int ms,
		int strict)
{
	int64_t deadline = now_ms() + ms;
	int g;

	f->bad_guest = -1;
	f->err = 0;
	/* Never move backwards: a guest that bailed out may be ahead. */
	if (fab_arrived(f, f->guest) < id)
		__atomic_store_n(&f->sync->arrive[f->guest], id,
				 __ATOMIC_RELEASE);
	for (;;) {
		int missing = -1;

		for (g = 0; g < FAB_MAX_GUESTS; g++) {
			uint64_t a, fl;

			if (!(mask & (1u << g)) || g == f->guest)
				continue;
			/*
			 * failed[g] is stored before the arrive word of g's
			 * teardown: read in the other order.
			 */
			a = fab_arrived(f, g);
			fl = __atomic_load_n(&f->sync->failed[g],
					     __ATOMIC_ACQUIRE);
			if (strict && FAB_ID_TEST(fl) == FAB_ID_TEST(id) &&
			    fl < id) {
				/* it failed before it got here */
				f->bad_guest = g;
				f->err = errno = EPIPE;
				return -1;
			}
			if (a < id && missing < 0)
				missing = g;
		}
		if (missing < 0)
			return 0;
		if (now_ms() >= deadline) {
			f->bad_guest = missing;
			f->err = errno = ETIMEDOUT;
			return -1;
		}
		usleep(2000);
	}
}

void fab_failed(struct fab *f)
{
	__atomic_store_n(&f->sync->failed[f->guest], fab_arrived(f, f->guest),
			 __ATOMIC_RELEASE);
}

void fab_put(struct fab *f, int k, uint32_t v)
{
	__atomic_store_n(&f->sync->val[f->guest][k], v, __ATOMIC_RELEASE);
}

void fab_put64(struct fab *f, int k, uint64_t v)
{
	fab_put(f, k, (uint32_t)v);
	fab_put(f, k + 1, (uint32_t)(v >> 32));
}

void fab_clear_vals(struct fab *f)
{
	int k;

	for (k = 0; k < FAB_NVALS; k++)
		fab_put(f, k, 0);
}

uint32_t fab_get(struct fab *f, int guest, int k)
{
	return __atomic_load_n(&f->sync->val[guest][k], __ATOMIC_ACQUIRE);
}

uint64_t fab_get64(struct fab *f, int guest, int k)
{
	return (uint64_t)fab_get(f, guest, k) |
	       (uint64_t)fab_get(f, guest, k + 1) << 32;
}

void fab_set_mark(struct fab *f, uint64_t v)
{
	__atomic_store_n(&f->sync->mark[f->guest], v, __ATOMIC_RELEASE);
}

uint64_t fab_get_mark(struct fab *f, int guest)
{
	return __atomic_load_n(&f->sync->mark[guest], __ATOMIC_ACQUIRE);
}

int fab_wait_mark(struct fab *f, int guest, uint64_t v, int ms)
{
	int64_t deadline = now_ms() + ms;

	while (fab_get_mark(f, guest) < v) {
		if (now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(1000);
	}
	return 0;
}

/* An ioctl on the shm device, kept open for the life of the process. */
static int shm_ioctl(unsigned long cmd, void *arg)
{
	static int fd = -1;

	if (fd < 0)
		fd = shm_dev();
	if (fd < 0)
		return -1;
	return ioctl(fd, cmd, arg) < 0 ? -1 : 0;
}

int fab_info(struct clshm_fabinfo *fi)
{
	memset(fi, 0, sizeof(*fi));
	memset(fi, 0, sizeof(*fi));
	fi->size = sizeof(*fi);
	return shm_ioctl(CLSHM_IOC_FABINFO, fi);
}

int fab_partlist(struct clshm_part_info *buf, int max, uint32_t *local)
{
	struct clshm_partlist pl;

	memset(&pl, 0, sizeof(pl));
	pl.buf = (uintptr_t)buf;
	pl.max = max;
	if (shm_ioctl(CLSHM_IOC_PARTLIST, &pl))
		return -1;
	if (local)
		*local = pl.local;
	return (int)pl.count;
}

int fab_part_state(uint32_t id, uint64_t *inc)
{
	struct clshm_part_info info[CLSHM_FAB_MAX_PARTS + 1];
	int n, i;

	n = fab_partlist(info, CLSHM_FAB_MAX_PARTS + 1, NULL);
	if (n < 0)
		return -1;
	if (n > CLSHM_FAB_MAX_PARTS + 1)
		n = CLSHM_FAB_MAX_PARTS + 1;
	if (inc)
		*inc = 0;
	for (i = 0; i < n; i++) {
		if (info[i].id != id)
			continue;
		if (inc)
			*inc = info[i].incarnation;
		return (int)info[i].state;
	}
	return CLSHM_PART_DOWN;
}

int fab_wait_up(uint32_t mask, int ms)
{
	int64_t deadline = now_ms() + ms;
	uint32_t id;

	for (;;) {
		int all = 1;

		for (id = 0; id < 32 && all; id++) {
			if (!(mask & (1u << id)))
				continue;
			if (fab_part_state(id, NULL) != CLSHM_PART_UP)
				all = 0;
		}
		if (all)
			return 0;
		if (now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(20000);
	}
}

int64_t fab_wait_part(uint32_t id, int up, int ms)
{
	int64_t start = now_ms();

	for (;;) {
		int s = fab_part_state(id, NULL);

		if (s >= 0 && (s == CLSHM_PART_UP) == !!up)
			return now_ms() - start;
		if (now_ms() - start >= ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(10000);
	}
}

const char *fab_part_node(char *buf, size_t len, uint32_t id)
{
	snprintf(buf, len, "%s/%02x", CLSHM_PART_DIR, id);
	return buf;
}

int64_t fab_mintkey(uint32_t part)
{
	struct clshm_mintkey m;

	memset(&m, 0, sizeof(m));
	m.part = part;
	if (shm_ioctl(CLSHM_IOC_MINTKEY, &m))
		return -1;
	return m.key;
}

int fab_stat(uint32_t shmid, struct clshm_ds *ds)
{
	return seg_stat((int)shmid, ds);
}

int fab_wait_nattch(uint32_t shmid, uint32_t want, int ms, long *last)
{
	int64_t deadline = now_ms() + ms;
	struct clshm_ds ds;

	for (;;) {
		if (fab_stat(shmid, &ds)) {
			*last = -1;
		} else {
			*last = ds.nattch;
			if (ds.nattch == want)
				return 0;
		}
		if (now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(10000);
	}
}

int fab_wait_zone_used(uint64_t want, int ms, uint64_t *last)
{
	int64_t deadline = now_ms() + ms;
	struct clshm_fabinfo fi;

	for (;;) {
		if (fab_info(&fi))
			return -1;
		*last = fi.zone_used;
		if (fi.zone_used == want)
			return 0;
		if (now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		usleep(20000);
	}
}

static inline uint64_t pat(uint64_t seed, size_t i)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull ^
		     (i * 0xbf58476d1ce4e5b9ull);

	return x ^ (x >> 29);
}

void fab_fill(void *p, size_t bytes, uint64_t seed)
{
	volatile uint64_t *w = p;
	size_t i;

	for (i = 0; i < bytes / 8; i++)
		w[i] = pat(seed, i);
}

size_t fab_check(const void *p, size_t bytes, uint64_t seed)
{
	const volatile uint64_t *w = p;
	size_t i;

	for (i = 0; i < bytes / 8; i++)
		if (w[i] != pat(seed, i))
			return i * 8;
	return bytes;
}

int fab_run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg, int ms)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (become_user(uid, gid)) {
			fprintf(stderr, "# child: cannot become %d:%d: %s\n",
				(int)uid, (int)gid, strerror(errno));
			_exit(99);
		}
		_exit(fn(arg));
	}
	return wait_child(pid, ms);
}
