// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * device.c - libxp's one descriptor of the clshm shm device
 *
 * Every call of the library talks to the driver through one file
 * descriptor of CLSHM_SHM_PATH, opened on first use with O_RDWR|O_CLOEXEC
 * and kept for the life of the process.  The driver keeps no per-open
 * state the library relies on (attaches are counted by the mappings
 * themselves), so any descriptor of the device will do.
 *
 * The model:
 *
 *  - The descriptor lives in one atomic int, -1 while there is none.  The
 *    fast path is a single acquire load.  Threads that find -1 each open
 *    the device and check its ABI version (CLSHM_IOC_VERSION, major must
 *    match: EPROTO otherwise); one compare-and-swap installs a descriptor
 *    and the losers close theirs.  No lock is ever taken.
 *  - Failure to open is not remembered: the next call tries again, so a
 *    program started before "clshmctl startup" works once it has run.
 *  - fork(2): the child inherits the descriptor and the cached number, and
 *    both stay valid; nothing else (no pid, no lock) is cached.  exec(2)
 *    closes the descriptor (O_CLOEXEC) along with the old library image.
 *  - A program may close our descriptor behind our back (closefrom() in a
 *    daemon, a careless dup2()).  An operation then fails with EBADF, or
 *    with ENOTTY or ENODEV if the number now names another file.  On such
 *    an error xp_dev_stale() checks with fstat() whether the number still
 *    names the shm device; if not, it forgets the number (never closing
 *    it: it is not ours any more) and the caller retries once with a
 *    freshly opened descriptor.  Errors our own driver returns are never
 *    retried, since the number still names the device then.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xp_internal.h"

static atomic_int xp_fd = -1;

/* Open the device and check that it speaks our ABI: fd or -errno. */
static int xp_dev_open(void)
{
	struct clshm_version ver;
	struct stat st;
	int fd, nfd, err;

	fd = open(CLSHM_SHM_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		/* No node (or no driver behind it): clshm is not loaded. */
		if (err == ENOENT || err == ENXIO || err == ENODEV ||
		    err == ENOTDIR)
			return -ENODEV;
		return -err;
	}

	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
		err = ENODEV;
		goto err_close;
	}
	if (ioctl(fd, CLSHM_IOC_VERSION, &ver) < 0) {
		/* Something else sits at the path. */
		err = errno == ENOTTY ? ENODEV : errno;
		goto err_close;
	}
	if (ver.major != CLSHM_ABI_MAJOR) {
		err = EPROTO;
		goto err_close;
	}

	/*
	 * Keep clear of 0, 1 and 2: a program that closed its standard
	 * streams would otherwise find our device behind printf().
	 */
	if (fd <= STDERR_FILENO) {
		nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		if (nfd < 0) {
			err = errno;
			goto err_close;
		}
		close(fd);
		fd = nfd;
	}
	return fd;

err_close:
	close(fd);
	return -err;
}

/**
 * xp_dev_fd() - the library's descriptor of the shm device
 *
 * Return: the descriptor, or -ENODEV (no driver), -EPROTO (ABI major
 * mismatch) or another -errno of open(2).  errno is left alone on success.
 */
int xp_dev_fd(void)
{
	int saved_errno = errno;
	int fd, cur;

	fd = atomic_load_explicit(&xp_fd, memory_order_acquire);
	if (fd >= 0)
		return fd;

	fd = xp_dev_open();
	if (fd < 0)
		return fd;

	cur = -1;
	if (!atomic_compare_exchange_strong_explicit(&xp_fd, &cur, fd,
						     memory_order_acq_rel,
						     memory_order_acquire)) {
		/* Another thread installed one first: use it. */
		close(fd);
		fd = cur;
	}
	errno = saved_errno;
	return fd;
}

/**
 * xp_dev_stale() - after an error, has our descriptor been taken away?
 * @fd: the descriptor the failed operation used
 * @err: the positive errno it failed with
 *
 * Only EBADF, ENOTTY and ENODEV can mean that @fd no longer names the shm
 * device.  If it does not (closed, or a different file now), forget it so
 * that the next xp_dev_fd() opens the device again.  @fd is not closed:
 * if it is open, it belongs to someone else now.
 *
 * If another thread recycles the same number between our check and our
 * compare-and-swap, we may forget a good descriptor; that leaks one
 * descriptor in a program that already closes descriptors it does not
 * own, and is harmless otherwise.
 *
 * Return: 1 if the caller should retry with a new descriptor, 0 if the
 * error is the driver's own answer.  errno is left alone.
 */
int xp_dev_stale(int fd, int err)
{
	int saved_errno = errno;
	struct stat st, dev;
	int cur = fd;

	if (err != EBADF && err != ENOTTY && err != ENODEV)
		return 0;

	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		/*
		 * A character device: ours unless the node says otherwise.
		 * If the node cannot be looked at, trust the descriptor.
		 */
		if (stat(CLSHM_SHM_PATH, &dev) < 0 || st.st_rdev == dev.st_rdev) {
			errno = saved_errno;
			return 0;
		}
	}

	atomic_compare_exchange_strong_explicit(&xp_fd, &cur, -1,
						memory_order_acq_rel,
						memory_order_acquire);
	errno = saved_errno;
	return 1;
}

/**
 * xp_dev_ioctl() - issue one ioctl on the shm device
 * @req: CLSHM_IOC_*
 * @arg: its argument structure
 *
 * Opens the device if needed and retries once on a stale descriptor.
 * Every clshm ioctl is safe to retry then, because the driver never saw
 * the first attempt.
 *
 * Return: 0, or -errno (the driver's answer, or xp_dev_fd()'s).
 */
int xp_dev_ioctl(unsigned long req, void *arg)
{
	int saved_errno = errno;
	int fd, err, tries;

	for (tries = 0; ; tries++) {
		fd = xp_dev_fd();
		if (fd < 0)
			return fd;
		if (ioctl(fd, req, arg) >= 0)
			break;
		err = errno;
		if (tries || !xp_dev_stale(fd, err))
			return -err;
	}
	errno = saved_errno;
	return 0;
}
