/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xp_internal.h - libxp internals shared by the library's source files
 *
 * Conventions inside the library:
 *
 *  - Internal helpers return 0 (or a value >= 0) on success and -errno on
 *    failure; only the public entry points turn that into -1 and errno
 *    (xp_fail()).  A public call therefore sets errno only when it fails.
 *  - Internal helpers leave errno as they found it when they succeed, even
 *    if a syscall failed on the way (a retry after a stale descriptor).
 *  - Arguments the library can judge by itself are checked before the
 *    device is opened, so EINVAL and EFAULT for bad arguments do not
 *    depend on whether the driver is loaded.
 *  - Every exported function is marked XP_API and listed in libxp.map;
 *    everything else is hidden (-fvisibility=hidden).
 */
#ifndef XP_INTERNAL_H
#define XP_INTERNAL_H

#include <errno.h>
#include <linux/clshm.h>

#include "xp_shm.h"

#define XP_API	__attribute__((visibility("default")))

/* device.c: the library's descriptor of CLSHM_SHM_PATH */
int xp_dev_fd(void);
int xp_dev_stale(int fd, int err);
int xp_dev_ioctl(unsigned long req, void *arg);

/* shm.c */
int xp_shm_exists(int shmid);

/* Fail a public call: set errno and return -1. */
static inline int xp_fail(int err)
{
	errno = err;
	return -1;
}

#endif /* XP_INTERNAL_H */
