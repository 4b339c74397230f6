/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabutil.h - helpers of the multi-guest (fabric) selftests; no harness
 *
 * The fabric tests run in every guest of "vm/run --guests N" at once,
 * each guest being one partition (partition id = guest index, from
 * "--module-args partid=%g" or from IVPosition on a doorbell fabric).
 * The guests coordinate through a small area of the ivshmem BAR that the
 * fabric layout leaves to tests (bytes 3072..4095 of the header page),
 * mapped from user space through /sys/bus/pci/devices/.../resource2, so
 * coordination never depends on clshm itself:
 *
 *   FAB_SYNC_OFF   struct fab_sync: per guest a barrier word (arrive),
 *                  a mark word, the last barrier it reached in a test it
 *                  then failed,
 *                  and FAB_NVALS 32-bit values it publishes
 *
 * Every word has one writer (its guest).  A barrier is "every guest of a
 * mask has published an arrive value >= id" (release store, acquire
 * loads), so values published before a barrier are visible after it.
 * Barrier ids grow monotonically through a run: FAB_ID(binary, test,
 * step), see fabric.h.  A fresh fabric is all zeroes (vm/run makes a new
 * fabric file for every run).
 *
 * Functions return 0 or -1 with errno set unless said otherwise.
 */
#ifndef CLSHM_SELFTEST_FABUTIL_H
#define CLSHM_SELFTEST_FABUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/clshm.h>
#include <linux/clshm_fabric.h>

#include "clshm-common.h"

#define FAB_MAX_GUESTS	8
#define FAB_NVALS	20
/*
 * The test area of the header page is 2048..4095; vm/fabric-atomic uses
 * 2048..3103 at most, these tests 3200..4095.
 */
#define FAB_SYNC_OFF	3200

struct fab_sync {
	uint64_t arrive[FAB_MAX_GUESTS];
	uint64_t mark[FAB_MAX_GUESTS];
	uint64_t failed[FAB_MAX_GUESTS];	/* last barrier id before failing */
	uint32_t val[FAB_MAX_GUESTS][FAB_NVALS];
};

_Static_assert(FAB_SYNC_OFF >= 3072 &&
	       FAB_SYNC_OFF + sizeof(struct fab_sync) <= CLSHM_FAB_HDR_SIZE,
	       "the sync area must stay in bytes 3072..4095 of the header page");

/* Barrier ids: binary (1..), test in the binary (1..), step (1..). */
#define FAB_ID(bin, test, step) \
	(((uint64_t)(bin) << 40) | ((uint64_t)(test) << 20) | (uint64_t)(step))
#define FAB_ID_TEST(id)		((id) >> 20)
#define FAB_ID_STEP(id)		((id) & 0xfffff)
/* Steps from here on belong to a test's teardown. */
#define FAB_STEP_TEARDOWN	0x80000

struct fab {
	int guest;			/* $CLSHM_GUEST */
	int nguests;			/* $CLSHM_GUESTS */
	int boot;			/* $CLSHM_BOOT (1 when unset) */
	char dev[64];			/* PCI address of the ivshmem device */
	void *hdr;			/* the header page, read-write */
	volatile struct fab_sync *sync;	/* in that page */
	uint64_t base;			/* FAB_ID(bin, test, 0) of the test */
	uint32_t step;			/* last step used */
	uint32_t all;			/* mask of the guests of the run */
	int bad_guest;			/* set by a failed barrier */
	int err;			/* its errno */
};

/* Guest, guests and boot from the environment; 0, or -1 (not set). */
int fab_env(struct fab *f);
/*
 * fab_env, the ivshmem device found and its header page mapped (the
 * device and the BAR: ivshmem_find(), ivshmem_map() and pci_bar_size()
 * of common/clshm-common.h).
 */
int fab_open(struct fab *f);
void fab_close(struct fab *f);

/*
 * Publish arrival at id and wait up to ms for every guest of mask to have
 * arrived there or later.  With strict set, fail at once (errno EPIPE,
 * f->bad_guest) if a guest of mask failed this test before it reached id
 * (fab_failed): it left the test and will not come.  ETIMEDOUT names the
 * first guest still missing in f->bad_guest.  Teardown barriers are not
 * strict.  (A guest whose setup failed runs no teardown and says
 * nothing: the others then fail on what it did not do.)
 */
int fab_barrier(struct fab *f, uint64_t id, uint32_t mask, int ms,
		int strict);
/*
 * Say that this guest failed its test after reaching the barrier it
 * arrived at last (its teardown does, before its own barriers).
 */
void fab_failed(struct fab *f);
/* A guest's arrive word. */
uint64_t fab_arrived(struct fab *f, int guest);
/* This guest's values: set one, or clear them all. */
void fab_put(struct fab *f, int k, uint32_t v);
void fab_put64(struct fab *f, int k, uint64_t v);	/* k and k + 1 */
void fab_clear_vals(struct fab *f);
uint32_t fab_get(struct fab *f, int guest, int k);
uint64_t fab_get64(struct fab *f, int guest, int k);
/* The mark word: a flag a guest raises outside any barrier. */
void fab_set_mark(struct fab *f, uint64_t v);
uint64_t fab_get_mark(struct fab *f, int guest);
/* Wait up to ms for guest's mark to be >= v: 0, or -1 ETIMEDOUT. */
int fab_wait_mark(struct fab *f, int guest, uint64_t v, int ms);

/* CLSHM_IOC_FABINFO on the shm device. */
int fab_info(struct clshm_fabinfo *fi);
/* CLSHM_IOC_PARTLIST: fills at most max entries, returns the count. */
int fab_partlist(struct clshm_part_info *buf, int max, uint32_t *local);
/*
 * The state of partition id as PARTLIST reports it (CLSHM_PART_DOWN if it
 * is not listed) and its incarnation (0 if not listed), or -1.
 */
int fab_part_state(uint32_t id, uint64_t *inc);
/* Wait up to ms until every partition of mask is UP: 0, or -1. */
int fab_wait_up(uint32_t mask, int ms);
/*
 * Wait up to ms until partition id is UP (up != 0) or not UP (up == 0):
 * the milliseconds it took, or -1 ETIMEDOUT.
 */
int64_t fab_wait_part(uint32_t id, int up, int ms);
/* "/dev/clshm/partition/<hh>" into buf. */
const char *fab_part_node(char *buf, size_t len, uint32_t id);

/* Mint a key owned by part (CLSHM_IOC_MINTKEY): the key, or -1. */
int64_t fab_mintkey(uint32_t part);
/* Raw STAT of shmid into ds. */
int fab_stat(uint32_t shmid, struct clshm_ds *ds);
/*
 * Wait up to ms until shmid's nattch (raw STAT) is want: 0, or -1 with
 * errno ETIMEDOUT (*last holds the last value seen, -1 if STAT failed).
 */
int fab_wait_nattch(uint32_t shmid, uint32_t want, int ms, long *last);
/* Wait up to ms until FABINFO zone_used is want: 0, or -1 (*last). */
int fab_wait_zone_used(uint64_t want, int ms, uint64_t *last);

/* A pattern that depends on seed and position: fill, and check. */
void fab_fill(void *p, size_t bytes, uint64_t seed);
/* Offset of the first byte that breaks the pattern, or bytes if none. */
size_t fab_check(const void *p, size_t bytes, uint64_t seed);

/*
 * Fork a child that drops to uid/gid (no supplementary groups) and
 * returns fn(arg) as its exit status; wait up to ms for it.  The wait
 * status, or -1.
 */
int fab_run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg, int ms);

#endif /* CLSHM_SELFTEST_FABUTIL_H */
