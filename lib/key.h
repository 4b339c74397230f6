/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * key.h - how xp_ftok() derives a key from a file
 *
 * A path key (Documentation/architecture.md, "Keys and shmids") is
 *
 *   bits 31..24  owner: the local partition id
 *   bit  23      CLSHM_KEY_PATH_BIT (never set in a minted key)
 *   bits 22..15  id & 0xff (nonzero)
 *   bits 14..0   a 15-bit hash of the file's st_dev and st_ino
 *
 * The hash is 32-bit FNV-1a over the eight bytes of st_dev and then the
 * eight bytes of st_ino, each taken least significant byte first, folded
 * to 15 bits by xor-ing its 15-bit slices.  It is part of the library's
 * ABI: programs linked against different builds of libxp must agree on
 * the key of a file, so it must never change.
 *
 * One value is avoided: the key 0xffffffff would read as (key_t)-1, the
 * error return.  It can only come from partition 255 with id & 0xff ==
 * 0xff and hash 0x7fff; that hash is replaced by 0x7ffe.
 *
 * This is a header (not a library function) so that the host unit tests
 * can check the derivation without a driver.
 */
#ifndef XP_KEY_H
#define XP_KEY_H

#include <linux/clshm.h>
#include <linux/types.h>

#define XP_KEY_ID_SHIFT		15
#define XP_KEY_HASH_MASK	0x7fffu

static inline __u32 xp_key_hash(__u64 dev, __u64 ino)
{
	__u32 h = 2166136261u;		/* FNV-1a 32-bit offset basis */
	int i;

	for (i = 0; i < 8; i++) {
		h ^= (__u32)(dev >> (8 * i)) & 0xff;
		h *= 16777619u;		/* FNV-1a 32-bit prime */
	}
	for (i = 0; i < 8; i++) {
		h ^= (__u32)(ino >> (8 * i)) & 0xff;
		h *= 16777619u;
	}
	return (h ^ (h >> 15) ^ (h >> 30)) & XP_KEY_HASH_MASK;
}

/* The key of file (dev, ino) for xp_ftok(path, id), owned by @owner. */
static inline __u32 xp_path_key(__u32 owner, __u64 dev, __u64 ino, int id)
{
	__u32 hash = xp_key_hash(dev, ino);
	__u32 key;

	key = CLSHM_ID_MAKE(owner, CLSHM_KEY_PATH_BIT |
			    ((__u32)(id & 0xff) << XP_KEY_ID_SHIFT) | hash);
	if (key == 0xffffffffu)
		key ^= 1;
	return key;
}

#endif /* XP_KEY_H */
