// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * part.c - the part_* calls: which partitions exist and who they are
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

XP_API int part_getcount(void)
{
	struct clshm_partlist pl = { .buf = 0, .max = 0 };
	int err;

	err = xp_dev_ioctl(CLSHM_IOC_PARTLIST, &pl);
	if (err)
		return xp_fail(-err);
	return (int)pl.count;
}

XP_API int part_getlist(partid_t *part_list, int max_parts)
{
	struct clshm_part_info info[CLSHM_MAX_PARTS];
	struct clshm_partlist pl = {
		.buf = (__u64)(uintptr_t)info,
		.max = CLSHM_MAX_PARTS,
	};
	unsigned int n, i, j;
	int err;

	if (max_parts < 0 || (!part_list && max_parts > 0))
		return xp_fail(EINVAL);

	/*
	 * Always ask for every partition, so that a short list holds the
	 * lowest ids rather than whichever the driver reported first.
	 */
	err = xp_dev_ioctl(CLSHM_IOC_PARTLIST, &pl);
	if (err)
		return xp_fail(-err);
	n = pl.count < CLSHM_MAX_PARTS ? pl.count : CLSHM_MAX_PARTS;

	/* Ascending order of id (insertion sort: n <= 256). */
	for (i = 1; i < n; i++) {
		struct clshm_part_info cur = info[i];

		for (j = i; j > 0 && info[j - 1].id > cur.id; j--)
			info[j] = info[j - 1];
		info[j] = cur;
	}

	if (n > (unsigned int)max_parts)
		n = (unsigned int)max_parts;
	for (i = 0; i < n; i++)
		part_list[i] = (partid_t)info[i].id;
	return (int)n;
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
