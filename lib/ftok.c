// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ftok.c - xp_ftok(): minted keys and path keys
 *
 * xp_ftok(NULL, id) and xp_ftok("/dev/clshm/partition/<hh>", id) ask the
 * driver for a fresh key owned by the local partition or by partition hh
 * (CLSHM_IOC_MINTKEY); id is ignored.  Any other path gives the
 * deterministic key of key.h, owned by the local partition.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "key.h"
#include "xp_internal.h"

/* The local partition id, from CLSHM_IOC_VERSION: id >= 0 or -errno. */
static int xp_local_part(void)
{
	struct clshm_version ver = { 0 };
	int err;

	err = xp_dev_ioctl(CLSHM_IOC_VERSION, &ver);
	if (err)
		return err;
	return (int)ver.partid;
}

static int xp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Is @path exactly CLSHM_PART_DIR "/" followed by two lowercase hex
 * digits?  Return the partition id, or -1 if @path is an ordinary path.
 */
static int xp_partition_node(const char *path)
{
	static const char dir[] = CLSHM_PART_DIR "/";
	int hi, lo;

	if (strncmp(path, dir, sizeof(dir) - 1) != 0)
		return -1;
	path += sizeof(dir) - 1;
	hi = xp_hexval(path[0]);
	if (hi < 0)
		return -1;
	lo = xp_hexval(path[1]);
	if (lo < 0 || path[2] != '\0')
		return -1;
	return hi << 4 | lo;
}

static int xp_mint(int part, key_t *key)
{
	struct clshm_mintkey mint = { 0 };
	int err;

	if (part < 0) {
		part = xp_local_part();
		if (part < 0)
			return part;
	}
	mint.part = (__u32)part;
	err = xp_dev_ioctl(CLSHM_IOC_MINTKEY, &mint);
	if (err)
		return err;
	*key = (key_t)mint.key;
	return 0;
}

XP_API key_t xp_ftok(const char *path, int id)
{
	struct stat st;
	key_t key;
	int part, err;

	if (!path) {
		err = xp_mint(-1, &key);
		return err ? xp_fail(-err) : key;
	}

	part = xp_partition_node(path);
	if (part >= 0) {
		/* The node exists while partition hh is up. */
		if (stat(path, &st) < 0)
			return -1;
		err = xp_mint(part, &key);
		return err ? xp_fail(-err) : key;
	}

	/* A path key: check what we can before looking anything up. */
	if ((id & 0xff) == 0)
		return xp_fail(EINVAL);
	if (stat(path, &st) < 0)
		return -1;
	part = xp_local_part();
	if (part < 0)
		return xp_fail(-part);
	return (key_t)xp_path_key((__u32)part, (__u64)st.st_dev,
				  (__u64)st.st_ino, id);
}
