// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wait.c - xp_shmwait() and xp_shmwake(): sleeping on a word of a segment
 *
 * FUTEX_WAIT needs the struct page behind the word, which a segment on a
 * fabric does not have, so clshm has its own pair: CLSHM_IOC_WAIT sleeps
 * until the word differs from the expected value (the kernel reads it, so
 * a store just before the call is never missed), CLSHM_IOC_WAKE wakes the
 * waiters of the segment in every partition.  Each call is one ioctl;
 * the library checks what it can judge alone (NULL, alignment, the
 * timeout) before the device is opened, and turns ENOTTY from a driver
 * older than ABI 1.1 into ENOSYS.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include "xp_internal.h"

/* The driver's "no such ioctl" means "no such call" to the caller. */
static int xp_wait_err(int err)
{
	return err == -ENOTTY ? -ENOSYS : err;
}

XP_API int xp_shmwait(const volatile void *addr, uint32_t expected,
		      int timeout_ms)
{
	struct clshm_wait w = {
		.addr = (__u64)(uintptr_t)addr,
		.expected = expected,
	};
	int err;

	if (!addr || ((uintptr_t)addr & (sizeof(uint32_t) - 1)) ||
	    timeout_ms < -1)
		return xp_fail(EINVAL);
	w.timeout_ms = timeout_ms == -1 ? CLSHM_WAIT_FOREVER :
		       (__u32)timeout_ms;

	err = xp_wait_err(xp_dev_ioctl(CLSHM_IOC_WAIT, &w));
	if (err)
		return xp_fail(-err);
	return 0;
}

XP_API int xp_shmwake(const volatile void *addr)
{
	struct clshm_wake w = { .addr = (__u64)(uintptr_t)addr };
	int err;

	if (!addr)
		return xp_fail(EINVAL);

	err = xp_wait_err(xp_dev_ioctl(CLSHM_IOC_WAKE, &w));
	if (err)
		return xp_fail(-err);
	return w.woken > INT_MAX ? INT_MAX : (int)w.woken;
}
