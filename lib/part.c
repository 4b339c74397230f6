// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * part.c - the part_* calls: which partitions exist and who they are
 *
 * part_getcount() and part_getlist() report the partitions that are up,
 * the local one included, as IRIX did; the driver's list also holds the
 * ones that are joining or leaving the fabric, which are left out here.
 */
#include <errno.h>
#include <stdint.h>

#include "xp_internal.h"

XP_API partid_t part_getid(void)
{
	struct clshm_version ver = { 0 };
	int err;

	/* CLSHM_IOC_VERSION answers in any state, even while shut down. */
	err = xp_dev_ioctl(CLSHM_IOC_VERSION, &ver);
	if (err)
		return xp_fail(-err);
	return (partid_t)ver.partid;
}

/*
 * The ids of the partitions that are up, in ascending order, into
 * ids[CLSHM_MAX_PARTS]: their number, or -errno.  The driver lists every
 * partition that is not down, with its state (ABI 1.1; a 1.0 driver lists
 * only the local one); joining and leaving ones do not count as up.
 * Entries with an id out of range or listed twice are ignored.
 */
static int xp_parts_up(partid_t *ids)
{
	struct clshm_part_info info[CLSHM_MAX_PARTS];
	struct clshm_partlist pl = {
		.buf = (__u64)(uintptr_t)info,
		.max = CLSHM_MAX_PARTS,
	};
	unsigned char up[CLSHM_MAX_PARTS] = { 0 };
	unsigned int n, i;
	int err, count = 0;

	err = xp_dev_ioctl(CLSHM_IOC_PARTLIST, &pl);
	if (err)
		return err;
	n = pl.count < CLSHM_MAX_PARTS ? pl.count : CLSHM_MAX_PARTS;
	for (i = 0; i < n; i++)
		if (info[i].id < CLSHM_MAX_PARTS &&
		    info[i].state == CLSHM_PART_UP)
			up[info[i].id] = 1;
	/* Ascending order of id for free: walk the id space. */
	for (i = 0; i < CLSHM_MAX_PARTS; i++)
		if (up[i])
			ids[count++] = (partid_t)i;
	return count;
}

XP_API int part_getcount(void)
{
	partid_t ids[CLSHM_MAX_PARTS];
	int n;

	n = xp_parts_up(ids);
	if (n < 0)
		return xp_fail(-n);
	return n;
}

XP_API int part_getlist(partid_t *part_list, int max_parts)
{
	partid_t ids[CLSHM_MAX_PARTS];
	int n, i;

	if (max_parts < 0 || (!part_list && max_parts > 0))
		return xp_fail(EINVAL);

	/*
	 * Always ask for every partition, so that a short list holds the
	 * lowest ids rather than whichever the driver reported first.
	 */
	n = xp_parts_up(ids);
	if (n < 0)
		return xp_fail(-n);
	if (n > max_parts)
		n = max_parts;
	for (i = 0; i < n; i++)
		part_list[i] = ids[i];
	return n;
}

XP_API int part_gethostname(partid_t part, char *name, int max_len)
{
	struct clshm_hostname hn = {
		.name = (__u64)(uintptr_t)name,
		.len = (__u32)max_len,
		.part = (__u32)part,
	};
	int err;

	if (part < 0 || part >= CLSHM_MAX_PARTS || max_len < 1)
		return xp_fail(EINVAL);
	if (!name)
		return xp_fail(EFAULT);

	err = xp_dev_ioctl(CLSHM_IOC_GETHOSTNAME, &hn);
	if (err)
		return xp_fail(-err);
	return 0;
}

XP_API partid_t part_getpart(int shmid)
{
	int saved_errno = errno;
	int err;

	/*
	 * The owner is written in the shmid, but only a shmid that exists
	 * has one.  EACCES means it exists and we may not read it.
	 */
	err = xp_shm_exists(shmid);
	if (err && err != -EACCES)
		return xp_fail(-err);
	errno = saved_errno;	/* the EACCES was no failure of ours */
	return (partid_t)CLSHM_ID_PART(shmid);
}
