/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xp_shm.h - libxp: System V style shared memory across partitions (clshm)
 *
 * The calls follow IRIX's CrayLink Shared Memory library and System V
 * conventions: failures return -1 ((void *)-1 for xp_shmat) and set errno.
 * See xp_shmget(3) and the other man pages for each call.
 */
#ifndef XP_SHM_H
#define XP_SHM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A partition id: 0..255. */
typedef int partid_t;

#define XP_MAX_PARTITIONS	256
#define XP_HOSTNAME_MAX		64	/* including the NUL */

/*
 * xp_shmctl command: remove the segment after its last detach in every
 * partition, or now if nothing is attached.  The value collides with no
 * Linux IPC_* or SHM_* command (those are below 0x100, and IPC_64 is the
 * 0x100 flag).
 */
#define IPC_AUTORMID		0x4d00

/* Library version (the ABI of libxp.so.1). */
#define XP_VERSION_MAJOR	1
#define XP_VERSION_MINOR	1

key_t	 xp_ftok(const char *path, int id);
int	 xp_shmget(key_t key, size_t size, int shmflg);
void	*xp_shmat(int shmid, const void *shmaddr, int shmflg);
int	 xp_shmdt(const void *shmaddr);
int	 xp_shmctl(int shmid, int cmd, ... /* struct shmid_ds *buf */);

partid_t part_getid(void);
int	 part_getcount(void);
int	 part_getlist(partid_t *part_list, int max_parts);
int	 part_gethostname(partid_t part, char *name, int max_len);
partid_t part_getpart(int shmid);

/* Since libxp 1.1 (symbol version LIBXP_1.1): */

/**
 * xp_shmwait() - wait until a word of an attached segment changes
 * @addr: a naturally aligned 32-bit word inside an attach of the caller
 * @expected: return at once if the word does not hold this value
 * @timeout_ms: give up after this many milliseconds; -1 waits for ever,
 *              0 only looks
 *
 * The way to sleep on shared memory across partitions: FUTEX_WAIT cannot
 * serve a segment on a fabric, whose pages belong to no kernel's page
 * allocator.  It works on local segments too.  The word is looked at by
 * the kernel, so a change made just before the call is never missed.
 * xp_shmwake() from any partition, after a change of the word, wakes the
 * waiter at once; without it the waiter still notices within a few
 * milliseconds.  A waiter returns once it has seen the word differ, even
 * if it has changed back since, so callers loop on their own condition,
 * as with futexes.
 *
 * Return: 0 when the word differs from @expected; -1 with errno ETIMEDOUT
 * (still @expected after @timeout_ms, or at once for 0), EINTR (a signal
 * handler ran), EINVAL (@addr is NULL, unaligned or not inside an attach,
 * or @timeout_ms below -1), EFAULT, ENODEV (no driver), ENOSYS (the
 * loaded clshm.ko predates ABI 1.1).
 */
int	 xp_shmwait(const volatile void *addr, uint32_t expected,
		    int timeout_ms);

/**
 * xp_shmwake() - wake the waiters of a segment
 * @addr: any address inside an attach of the caller
 *
 * Wakes every xp_shmwait() on the segment, in this partition and in the
 * others; each waiter looks at its word again.  Store the new value
 * before calling it.
 *
 * Return: the number of waiters woken in this partition (those in other
 * partitions are woken but not counted), or -1 with errno EINVAL (@addr
 * is NULL or not inside an attach), ENODEV or ENOSYS.
 */
int	 xp_shmwake(const volatile void *addr);

#ifdef __cplusplus
}
#endif

#endif /* XP_SHM_H */
