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
#define XP_VERSION_MINOR	0

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

#ifdef __cplusplus
}
#endif

#endif /* XP_SHM_H */
