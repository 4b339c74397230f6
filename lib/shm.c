// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * shm.c - xp_shmget(), xp_shmat(), xp_shmdt(), xp_shmctl()
 *
 * Each call is one ioctl of the shm device; xp_shmat() is
 * CLSHM_IOC_SHMAT, which maps the segment in the kernel, as shmat(2) does
 * (Documentation/architecture.md, "Attach").
 *
 * shmids and keys are 32-bit values whose top byte is the owner
 * partition, so for partitions 128..255 they are negative as an int; they
 * are always converted through __u32, never sign-extended.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "xp_internal.h"

_Static_assert(IPC_CREAT == CLSHM_GET_CREAT, "IPC_CREAT != CLSHM_GET_CREAT");
_Static_assert(IPC_EXCL == CLSHM_GET_EXCL, "IPC_EXCL != CLSHM_GET_EXCL");

_Static_assert(SHM_HUGETLB == CLSHM_GET_HUGETLB, "SHM_HUGETLB != CLSHM_GET_HUGETLB");

/* The only shmflg bits xp_shmget() accepts (SHM_HUGE_* since 1.1). */
#define XP_SHMGET_FLAGS		(IPC_CREAT | IPC_EXCL | 0777 | SHM_HUGETLB | \
				 CLSHM_GET_HUGE_MASK)
/* The only shmflg bits xp_shmat() accepts (SHM_EXEC since 1.1). */
#define XP_SHMAT_FLAGS		(SHM_RDONLY | SHM_RND | SHM_EXEC)

XP_API int xp_shmget(key_t key, size_t size, int shmflg)
{
	struct clshm_shmget get = {
		.size = (__u64)size,
		.key = (__u32)key,
		.flags = (__u32)shmflg,
	};
	int err;

	if (shmflg & ~XP_SHMGET_FLAGS)
		return xp_fail(EINVAL);
	/* Linux reads the huge page size only with SHM_HUGETLB. */
	if (!(shmflg & SHM_HUGETLB))
		get.flags &= ~CLSHM_GET_HUGE_MASK;

	err = xp_dev_ioctl(CLSHM_IOC_SHMGET, &get);
	if (err)
		return xp_fail(-err);
	return (int)get.shmid;
}

static int xp_stat(int shmid, __u32 flags, struct clshm_ds *ds)
{
	struct clshm_stat st = { .shmid = (__u32)shmid, .flags = flags };
	int err;

	err = xp_dev_ioctl(CLSHM_IOC_STAT, &st);
	if (err)
		return err;
	*ds = st.ds;
	return 0;
}

/*
 * Attach: one CLSHM_IOC_SHMAT, which checks, maps and says where.
 * Returns 0 and the address in *out, or -errno.
 */
static int xp_attach(int shmid, uintptr_t addr, int shmflg, void **out)
{
	struct clshm_shmat at = {
		.addr = (__u64)addr,
		.shmid = (__u32)shmid,
		.flags = ((shmflg & SHM_RDONLY) ? CLSHM_SHMAT_RDONLY : 0) |
			 ((shmflg & SHM_EXEC) ? CLSHM_SHMAT_EXEC : 0),
	};
	int err;

	err = xp_dev_ioctl(CLSHM_IOC_SHMAT, &at);
	if (err)
		return err;
	*out = (void *)(uintptr_t)at.addr;
	return 0;
}

XP_API void *xp_shmat(int shmid, const void *shmaddr, int shmflg)
{
	uintptr_t addr = (uintptr_t)shmaddr;
	int saved_errno = errno;
	void *p = NULL;
	int err;

	if (shmflg & ~XP_SHMAT_FLAGS)
		goto einval;
	if (addr & (SHMLBA - 1)) {
		if (!(shmflg & SHM_RND))
			goto einval;
		addr &= ~(uintptr_t)(SHMLBA - 1);
		/* Rounded down to page 0, which can never be mapped. */
		if (!addr)
			goto einval;
	}

	err = xp_attach(shmid, addr, shmflg, &p);
	if (err) {
		errno = -err;
		return (void *)-1;
	}
	errno = saved_errno;	/* a failed munmap() must not show */
	return p;

einval:
	errno = EINVAL;
	return (void *)-1;
}

XP_API int xp_shmdt(const void *shmaddr)
{
	struct clshm_shmdt dt = { .addr = (__u64)(uintptr_t)shmaddr };
	int err;

	/* An attach starts on a page boundary, and never at 0. */
	if (!shmaddr || ((uintptr_t)shmaddr & ((uintptr_t)sysconf(_SC_PAGESIZE) - 1)))
		return xp_fail(EINVAL);

	err = xp_dev_ioctl(CLSHM_IOC_SHMDT, &dt);
	if (err)
		return xp_fail(-err);
	return 0;
}

/* IPC_STAT: struct clshm_ds to struct shmid_ds, as Linux fills it. */
static void xp_fill_shmid_ds(struct shmid_ds *buf, const struct clshm_ds *ds)
{
	memset(buf, 0, sizeof(*buf));
	buf->shm_perm.__key = (key_t)ds->key;
	buf->shm_perm.uid = (uid_t)ds->uid;
	buf->shm_perm.gid = (gid_t)ds->gid;
	buf->shm_perm.cuid = (uid_t)ds->cuid;
	buf->shm_perm.cgid = (gid_t)ds->cgid;
	buf->shm_perm.mode = ds->mode & 0777;
	/* Removed (or torn down): Linux shows SHM_DEST in the mode. */
	if (ds->state & (CLSHM_SEG_DEST | CLSHM_SEG_DEAD))
		buf->shm_perm.mode |= SHM_DEST;
	if (ds->state & CLSHM_SEG_LOCKED)
		buf->shm_perm.mode |= SHM_LOCKED;
	buf->shm_segsz = (size_t)ds->size;
	buf->shm_atime = (time_t)ds->atime;
	buf->shm_dtime = (time_t)ds->dtime;
	buf->shm_ctime = (time_t)ds->ctime;
	buf->shm_cpid = (pid_t)ds->cpid;
	buf->shm_lpid = (pid_t)ds->lpid;
	buf->shm_nattch = (shmatt_t)ds->nattch;
}

/* IPC_INFO and SHM_INFO: fill *buf, return max_serial, or -errno. */
static int xp_info(int cmd, void *buf)
{
	struct clshm_info info = { .size = sizeof(info) };
	int err;

	err = xp_dev_ioctl(CLSHM_IOC_INFO, &info);
	if (err)
		return err;

	if (cmd == IPC_INFO) {
		struct shminfo *si = buf;

		memset(si, 0, sizeof(*si));
		si->shmmax = (unsigned long)(info.maxpgs * info.page_size);
		si->shmmin = 1;
		si->shmmni = info.maxsegs;
		si->shmseg = info.maxsegs;
		si->shmall = (unsigned long)info.maxpgs;
	} else {
		struct shm_info *si = buf;

		memset(si, 0, sizeof(*si));
		si->used_ids = (int)info.segs;
		si->shm_tot = (unsigned long)info.pages_reserved;
		si->shm_rss = (unsigned long)info.pages_resident;
		/* segment memory is never swapped */
	}
	return (int)(info.max_serial & 0x7fffffffu);
}

XP_API int xp_shmctl(int shmid, int cmd, ...)
{
	struct shmid_ds *buf = NULL;
	struct clshm_ds ds;
	va_list ap;
	int err;

	switch (cmd) {
	case IPC_STAT:
	case IPC_SET:
	case IPC_INFO:
	case SHM_INFO:
	case SHM_STAT:
	case SHM_STAT_ANY:
		/* Only these take the third argument: never read it otherwise. */
		va_start(ap, cmd);
		buf = va_arg(ap, struct shmid_ds *);
		va_end(ap);
		if (!buf)
			return xp_fail(EFAULT);
		break;
	case IPC_RMID:
	case IPC_AUTORMID:
	case SHM_LOCK:
	case SHM_UNLOCK:
		break;
	default:
		return xp_fail(EINVAL);
	}

	switch (cmd) {
	case IPC_STAT:
		err = xp_stat(shmid, 0, &ds);
		if (err)
			return xp_fail(-err);
		xp_fill_shmid_ds(buf, &ds);
		return 0;

	case SHM_STAT:
	case SHM_STAT_ANY:
		/* shmid is a table index; the answer is the segment's shmid. */
		err = xp_stat(shmid, CLSHM_STAT_INDEX |
			      (cmd == SHM_STAT_ANY ? CLSHM_STAT_ANY : 0), &ds);
		if (err)
			return xp_fail(-err);
		xp_fill_shmid_ds(buf, &ds);
		return (int)ds.shmid;

	case SHM_LOCK:
	case SHM_UNLOCK: {
		struct clshm_lock lk = {
			.shmid = (__u32)shmid,
			.flags = cmd == SHM_UNLOCK ? CLSHM_LOCK_UNLOCK : 0,
		};

		err = xp_dev_ioctl(CLSHM_IOC_LOCK, &lk);
		/* A driver older than ABI 2.1 does not know the command. */
		if (err == -ENOTTY)
			err = -EINVAL;
		break;
	}

	case IPC_SET: {
		struct clshm_set set = {
			.shmid = (__u32)shmid,
			.uid = (__u32)buf->shm_perm.uid,
			.gid = (__u32)buf->shm_perm.gid,
			.mode = (__u32)buf->shm_perm.mode & 0777,
		};

		err = xp_dev_ioctl(CLSHM_IOC_SET, &set);
		break;
	}

	case IPC_RMID:
	case IPC_AUTORMID: {
		struct clshm_rmid rmid = {
			.shmid = (__u32)shmid,
			.flags = cmd == IPC_AUTORMID ? CLSHM_RMID_AUTO : 0,
		};

		err = xp_dev_ioctl(CLSHM_IOC_RMID, &rmid);
		break;
	}

	default:	/* IPC_INFO, SHM_INFO: shmid is ignored, as on Linux */
		err = xp_info(cmd, buf);
		if (err < 0)
			return xp_fail(-err);
		return err;
	}

	if (err)
		return xp_fail(-err);
	return 0;
}

/* Used by part_getpart(): does shmid exist?  0 or -errno of STAT. */
int xp_shm_exists(int shmid)
{
	struct clshm_ds ds;

	return xp_stat(shmid, 0, &ds);
}
