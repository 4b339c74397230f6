// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xp_test.c - unit tests of libxp (kselftest harness, TAP on stdout)
 *
 * Three groups:
 *
 *  - host: what the library decides by itself.  Argument checks (EINVAL,
 *    EFAULT) come before the device is opened, so they hold with or
 *    without a driver; the key derivation of key.h; the exported symbols.
 *  - nodev: with no clshm device every call fails with ENODEV and leaks
 *    no descriptor.  Skipped where /dev/clshm/0/shm exists.
 *  - dev: the calls against a started clshm partition (run inside a
 *    guest).  Skipped where the device is absent; the xp_shmwait() and
 *    xp_shmwake() ones also where the driver predates ABI 1.1.
 *
 * Built by "make -C lib tests" (run by selftests/run.sh --host and in
 * the guests), linked against lib/libxp.so.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/clshm.h>

#include "kselftest_harness.h"
#include "key.h"
#include "xp_shm.h"
#include "clshm-common.h"

#define NR_API		12	/* functions exported, all versions */
#define NR_API_1_0	10	/* of them at LIBXP_1.0 */

#ifndef IPC_64
#define IPC_64	0x0100	/* <linux/ipc.h>; glibc adds it for the syscall */
#endif

/*
 * @call must fail: return -1 (or (void *)-1) and set errno to @err.
 * errno is cleared first, so a stale value cannot pass.
 */
#define EXPECT_FAIL(err, call) do { \
	errno = 0; \
	EXPECT_EQ(-1, (intptr_t)(call)) TH_LOG("%s succeeded", #call); \
	EXPECT_EQ(err, errno) TH_LOG("%s: %s", #call, strerror(errno)); \
} while (0)

static int have_device(void)
{
	return access(CLSHM_SHM_PATH, F_OK) == 0;
}

#define REQUIRE_NO_DEVICE() do { \
	if (have_device()) \
		SKIP(return, CLSHM_SHM_PATH " exists: not a no-driver host"); \
} while (0)

#define REQUIRE_DEVICE() do { \
	if (!have_device()) \
		SKIP(return, "no " CLSHM_SHM_PATH ": load clshm.ko and run clshmctl startup"); \
} while (0)

/* Number of open descriptors of this process. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

/*
 * How many descriptors of the shm device this process holds; *first gets
 * the lowest (or -1).
 */
static int device_fds(int *first)
{
	char link[PATH_MAX], target[PATH_MAX];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fd, n = 0;
	ssize_t len;

	*first = -1;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, CLSHM_SHM_PATH) != 0)
			continue;
		fd = atoi(de->d_name);
		if (*first < 0 || fd < *first)
			*first = fd;
		n++;
	}
	closedir(d);
	return n;
}

/* The descriptor of the shm device this process holds, or -1. */
static int find_device_fd(void)
{
	int fd;

	device_fds(&fd);
	return fd;
}

/* ---- host: key derivation -------------------------------------------- */

TEST(key_layout)
{
	__u32 k = xp_path_key(3, 0x803, 123456, 0x41);

	EXPECT_EQ(3u, CLSHM_ID_PART(k));
	EXPECT_EQ(CLSHM_KEY_PATH_BIT, k & CLSHM_KEY_PATH_BIT);
	EXPECT_EQ(0x41u, (k >> XP_KEY_ID_SHIFT) & 0xff);
	EXPECT_EQ(xp_key_hash(0x803, 123456), k & XP_KEY_HASH_MASK);
	/* Only the low 8 bits of id count, as in ftok(3). */
	EXPECT_EQ(k, xp_path_key(3, 0x803, 123456, 0x141));
	EXPECT_EQ(k, xp_path_key(3, 0x803, 123456, -0xbf));	/* 0x...41 */
}

TEST(key_deterministic)
{
	__u32 a = xp_path_key(0, 0x10302, 42, 1);

	EXPECT_EQ(a, xp_path_key(0, 0x10302, 42, 1));
	EXPECT_NE(a, xp_path_key(0, 0x10302, 42, 2));
	EXPECT_NE(a, xp_path_key(0, 0x10302, 43, 1));
	EXPECT_NE(a, xp_path_key(0, 0x10303, 42, 1));
	EXPECT_NE(a, xp_path_key(1, 0x10302, 42, 1));
}

/*
 * The derivation is ABI: keys must not change between library builds.
 * These values pin it down (FNV-1a 32 over dev and ino, folded to 15 bits).
 */
TEST(key_golden_values)
{
	EXPECT_EQ(0x4bd6u, xp_key_hash(0, 0));
	EXPECT_EQ(0x3e76u, xp_key_hash(0x803, 123456));
	EXPECT_EQ(0x423cu, xp_key_hash(0xfd01, 0x123456789abcdefull));
	EXPECT_EQ(0x0080c80bu, xp_path_key(0, 0x803, 2, 1));
}

/* No file gives the key (key_t)-1, which would read as an error. */
TEST(key_never_minus_one)
{
	__u64 ino;
	int found = 0;

	for (ino = 0; ino < (1u << 22) && !found; ino++) {
		if (xp_key_hash(1, ino) != XP_KEY_HASH_MASK)
			continue;
		found = 1;
		EXPECT_EQ(0xfffffffeu, xp_path_key(255, 1, ino, 0xff));
		/* Other owners keep the plain hash. */
		EXPECT_EQ(0xfeffffffu, xp_path_key(254, 1, ino, 0xff));
	}
	ASSERT_TRUE(found);
}

/* ---- host: argument checks (hold with or without the driver) ---------- */

TEST(ftok_bad_id)
{
	EXPECT_FAIL(EINVAL, xp_ftok("/", 0));
	EXPECT_FAIL(EINVAL, xp_ftok("/", 0x100));
	/* The id is checked before the path is looked up. */
	EXPECT_FAIL(EINVAL, xp_ftok("/nonexistent/xp-test", 0));
}

TEST(ftok_bad_path)
{
	EXPECT_FAIL(ENOENT, xp_ftok("/nonexistent/xp-test", 1));
	EXPECT_FAIL(ENOENT, xp_ftok("", 1));
	EXPECT_FAIL(ENOTDIR, xp_ftok("/etc/passwd/x", 1));
}

TEST(ftok_missing_partition_node)
{
	char path[64];
	int part;

	/* A partition that is not up has no node. */
	for (part = 0xfe; part > 0; part--) {
		snprintf(path, sizeof(path), CLSHM_PART_DIR "/%02x", part);
		if (access(path, F_OK) < 0)
			break;
	}
	EXPECT_FAIL(ENOENT, xp_ftok(path, 1));
}

TEST(shmget_bad_flags)
{
	static const int bad[] = {
		SHM_NORESERVE, 010000, 0x100000, -1,
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FAIL(EINVAL, xp_shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600 | bad[i]));
	}
}

TEST(shmat_bad_flags)
{
	static const int bad[] = { SHM_REMAP, 01, 0x10000000, -1 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* (void *)-1, like shmat(2), never NULL */
		EXPECT_FAIL(EINVAL, xp_shmat(1, NULL, bad[i]));
	}
}

TEST(shmat_bad_address)
{
	long page = sysconf(_SC_PAGESIZE);

	EXPECT_FAIL(EINVAL, xp_shmat(1, (void *)(16 * page + 1), 0));
	/* SHM_RND below SHMLBA would round to address 0. */
	EXPECT_FAIL(EINVAL, xp_shmat(1, (void *)16, SHM_RND));
}

TEST(shmdt_bad_address)
{
	EXPECT_FAIL(EINVAL, xp_shmdt(NULL));
	EXPECT_FAIL(EINVAL, xp_shmdt((void *)(sysconf(_SC_PAGESIZE) * 16 + 8)));
}

TEST(shmctl_bad_cmd)
{
	static const int bad[] = {
		-1, 4, 0x7f, IPC_STAT | IPC_64, IPC_AUTORMID + 1,
		IPC_AUTORMID & ~IPC_64,
	};
	struct shmid_ds ds;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FAIL(EINVAL, xp_shmctl(1, bad[i], &ds));
	}
}

TEST(shmctl_null_buf)
{
	static const int cmds[] = {
		IPC_STAT, IPC_SET, IPC_INFO, SHM_INFO, SHM_STAT, SHM_STAT_ANY,
	};
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		EXPECT_FAIL(EFAULT, xp_shmctl(1, cmds[i], NULL));
	}
}

TEST(autormid_is_not_a_linux_command)
{
	static const int linux_cmds[] = {
		IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO, SHM_LOCK, SHM_UNLOCK,
		SHM_STAT, SHM_INFO, SHM_STAT_ANY,
	};
	unsigned int i;

	for (i = 0; i < sizeof(linux_cmds) / sizeof(linux_cmds[0]); i++) {
		EXPECT_NE(linux_cmds[i], IPC_AUTORMID);
		EXPECT_NE(linux_cmds[i] | IPC_64, IPC_AUTORMID);
	}
}

TEST(part_getlist_bad_args)
{
	partid_t list[4];

	EXPECT_FAIL(EINVAL, part_getlist(list, -1));
	EXPECT_FAIL(EINVAL, part_getlist(NULL, 4));
}

TEST(part_gethostname_bad_args)
{
	char name[XP_HOSTNAME_MAX];

	EXPECT_FAIL(EINVAL, part_gethostname(-1, name, sizeof(name)));
	EXPECT_FAIL(EINVAL, part_gethostname(XP_MAX_PARTITIONS, name, sizeof(name)));
	EXPECT_FAIL(EINVAL, part_gethostname(0, name, 0));
	EXPECT_FAIL(EINVAL, part_gethostname(0, name, -5));
	EXPECT_FAIL(EFAULT, part_gethostname(0, NULL, 64));
}

/* Judged by the library: the same answer with or without a driver. */
TEST(shmwait_bad_args)
{
	uint32_t words[2] = { 0, 0 };

	EXPECT_FAIL(EINVAL, xp_shmwait(NULL, 0, 0));
	EXPECT_FAIL(EINVAL, xp_shmwait(NULL, 0, -1));
	/* Not naturally aligned. */
	EXPECT_FAIL(EINVAL, xp_shmwait((char *)words + 1, 0, 0));
	EXPECT_FAIL(EINVAL, xp_shmwait((char *)words + 2, 0, 0));
	/* -1 is the only negative timeout. */
	EXPECT_FAIL(EINVAL, xp_shmwait(words, 0, -2));
	EXPECT_FAIL(EINVAL, xp_shmwait(words, 0, INT_MIN));
	EXPECT_FAIL(EINVAL, xp_shmwake(NULL));
}

/* ---- host: the shared object's ABI ------------------------------------ */

#define NAME_LEN	64
#define MAX_SYMS	32

struct map_sym {
	char name[NAME_LEN];
	char node[NAME_LEN];	/* the version node that lists it */
};

/*
 * Read the global symbols of libxp.map, each with the node it is listed
 * in; *nodes gets the number of nodes.  Returns the number of symbols.
 */
static int read_map(struct map_sym *syms, int max, int *nodes)
{
	FILE *f = fopen(XP_TEST_MAP, "r");
	char line[256], sym[64], node[NAME_LEN] = "";
	int in_global = 0, n = 0;

	*nodes = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %63[A-Za-z0-9_.] {", sym) == 1 &&
		    strchr(line, '{')) {
			snprintf(node, sizeof(node), "%s", sym);
			(*nodes)++;
			in_global = 0;
			continue;
		}
		if (strstr(line, "global:")) {
			in_global = 1;
			continue;
		}
		if (strstr(line, "local:") || strchr(line, '}')) {
			in_global = 0;
			continue;
		}
		if (in_global && sscanf(line, " %63[A-Za-z0-9_];", sym) == 1 &&
		    n < max) {
			snprintf(syms[n].name, NAME_LEN, "%s", sym);
			snprintf(syms[n].node, NAME_LEN, "%s", node);
			n++;
		}
	}
	fclose(f);
	return n;
}

static const struct map_sym *map_find(const struct map_sym *syms, int n,
				      const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(syms[i].name, name) == 0)
			return &syms[i];
	return NULL;
}

static int in_list(char names[][NAME_LEN], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Run "nm -D --defined-only" on @lib and check its functions against the
 * map: each one listed, each listed one present.  With @versioned, every
 * symbol must carry @@NODE, NODE being the map node that lists it, and
 * the nodes themselves show as absolute symbols.
 */
static void check_exports(struct __test_metadata *_metadata, const char *lib,
			  int versioned)
{
	char seen[MAX_SYMS][NAME_LEN], cmd[PATH_MAX + 64], line[512];
	char addr[64], type[8], sym[256], *at;
	struct map_sym map[MAX_SYMS];
	const struct map_sym *m;
	int nmap, nodes, nseen = 0, nver = 0, i;
	FILE *p;

	nmap = read_map(map, MAX_SYMS, &nodes);
	ASSERT_EQ(NR_API, nmap);
	ASSERT_EQ(2, nodes);

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s' 2>/dev/null", lib);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, "%63s %7s %255s", addr, type, sym) != 3)
			continue;
		/* The version nodes themselves are absolute symbols. */
		if (strcmp(type, "A") == 0 && versioned &&
		    strncmp(sym, "LIBXP_", 6) == 0) {
			nver++;
			continue;
		}
		/* The linker's own, present in any shared object. */
		if (strcmp(sym, "_init") == 0 || strcmp(sym, "_fini") == 0)
			continue;
		at = strchr(sym, '@');
		if (at)
			*at = '\0';
		m = map_find(map, nmap, sym);
		EXPECT_NE(NULL, m) TH_LOG("%s exported but not in libxp.map", sym);
		if (versioned) {
			EXPECT_NE(NULL, at) TH_LOG("%s: unversioned", sym);
			if (at && m) {
				EXPECT_EQ('@', at[1]) TH_LOG("%s: not the default version", sym);
				EXPECT_STREQ(m->node, at + 1 + (at[1] == '@'))
					TH_LOG("%s: wrong version", sym);
			}
		}
		EXPECT_STREQ("T", type) TH_LOG("%s", sym);
		if (nseen < MAX_SYMS)
			snprintf(seen[nseen++], NAME_LEN, "%.63s", sym);
	}
	EXPECT_EQ(0, pclose(p)) TH_LOG("nm failed on %s", lib);
	for (i = 0; i < nmap; i++)
		EXPECT_TRUE(in_list(seen, nseen, map[i].name)) TH_LOG("%s not exported", map[i].name);
	EXPECT_EQ(NR_API, nseen);
	if (versioned)
		EXPECT_EQ(nodes, nver);
}

static int have_tool(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

TEST(exports_exactly_the_api)
{
	Dl_info info;

	if (!have_tool("nm"))
		SKIP(return, "nm (binutils) not installed");
	if (access(XP_TEST_MAP, F_OK) < 0)
		SKIP(return, "%s not found: not in the build tree", XP_TEST_MAP);
	ASSERT_NE(0, dladdr((void *)xp_shmget, &info));
	TH_LOG("checking %s", info.dli_fname);
	check_exports(_metadata, info.dli_fname, 1);
}

/* The map: the ten IRIX calls at LIBXP_1.0, wait and wake at LIBXP_1.1. */
TEST(map_nodes)
{
	static const char *const v11[] = { "xp_shmwait", "xp_shmwake" };
	struct map_sym map[MAX_SYMS];
	int n, nodes, i, at10 = 0;
	const struct map_sym *m;

	if (access(XP_TEST_MAP, F_OK) < 0)
		SKIP(return, "%s not found: not in the build tree", XP_TEST_MAP);
	n = read_map(map, MAX_SYMS, &nodes);
	ASSERT_EQ(NR_API, n);
	for (i = 0; i < n; i++)
		if (strcmp(map[i].node, "LIBXP_1.0") == 0)
			at10++;
	EXPECT_EQ(NR_API_1_0, at10);
	for (i = 0; i < 2; i++) {
		m = map_find(map, n, v11[i]);
		ASSERT_NE(NULL, m) TH_LOG("%s not in the map", v11[i]);
		EXPECT_STREQ("LIBXP_1.1", m->node);
	}
	/* The header's version is the newest node's. */
	EXPECT_EQ(1, XP_VERSION_MAJOR);
	EXPECT_EQ(1, XP_VERSION_MINOR);
}

/* LIBXP_1.1 inherits LIBXP_1.0 (readelf -V shows the parent). */
TEST(version_node_parent)
{
	char cmd[PATH_MAX + 64], line[512];
	int found = 0, in_11 = 0;
	Dl_info info;
	FILE *p;

	if (!have_tool("readelf"))
		SKIP(return, "readelf (binutils) not installed");
	ASSERT_NE(0, dladdr((void *)xp_shmget, &info));
	snprintf(cmd, sizeof(cmd), "readelf -V '%s'", info.dli_fname);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p)) {
		/* The definitions come before the needs; a need ends them. */
		if (strstr(line, "Version needs"))
			break;
		if (strstr(line, "Name: LIBXP_1.1")) {
			in_11 = 1;
			continue;
		}
		if (in_11 && strstr(line, "Parent 1: LIBXP_1.0"))
			found = 1;
		if (strstr(line, "Name:"))
			in_11 = 0;
	}
	pclose(p);
	EXPECT_TRUE(found) TH_LOG("LIBXP_1.1 does not name LIBXP_1.0 as its parent");
}

/*
 * What a program built against each release binds to: the 1.0 calls at
 * LIBXP_1.0, the new ones at LIBXP_1.1 only.
 */
TEST(versioned_lookup)
{
	void *h = dlopen("libxp.so.1", RTLD_NOW | RTLD_NOLOAD);

	ASSERT_NE(NULL, h) TH_LOG("dlopen: %s", dlerror());
	EXPECT_NE(NULL, dlvsym(h, "xp_shmget", "LIBXP_1.0"));
	EXPECT_EQ(dlsym(h, "xp_shmget"), dlvsym(h, "xp_shmget", "LIBXP_1.0"));
	EXPECT_EQ(dlsym(h, "part_getlist"), dlvsym(h, "part_getlist", "LIBXP_1.0"));
	EXPECT_NE(NULL, dlvsym(h, "xp_shmwait", "LIBXP_1.1"));
	EXPECT_EQ(dlsym(h, "xp_shmwait"), dlvsym(h, "xp_shmwait", "LIBXP_1.1"));
	EXPECT_EQ(dlsym(h, "xp_shmwake"), dlvsym(h, "xp_shmwake", "LIBXP_1.1"));
	EXPECT_EQ(NULL, dlvsym(h, "xp_shmwait", "LIBXP_1.0"));
	EXPECT_EQ(NULL, dlvsym(h, "xp_shmwake", "LIBXP_1.0"));
	EXPECT_EQ(NULL, dlvsym(h, "xp_shmget", "LIBXP_1.1"));
	dlclose(h);
}

/* Every XP_API function is in the map: link without the map and compare. */
TEST(xp_api_matches_map)
{
	if (!have_tool("nm"))
		SKIP(return, "nm (binutils) not installed");
	if (access(XP_TEST_MAP, F_OK) < 0 || access(XP_TEST_NOMAP_SO, F_OK) < 0)
		SKIP(return, "%s not built", XP_TEST_NOMAP_SO);
	check_exports(_metadata, XP_TEST_NOMAP_SO, 0);
}

TEST(soname)
{
	char cmd[PATH_MAX + 64], line[256], soname[128] = "";
	Dl_info info;
	FILE *p;

	if (!have_tool("objdump"))
		SKIP(return, "objdump (binutils) not installed");
	ASSERT_NE(0, dladdr((void *)xp_shmget, &info));
	snprintf(cmd, sizeof(cmd), "objdump -p '%s'", info.dli_fname);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p))
		sscanf(line, " SONAME %127s", soname);
	pclose(p);
	EXPECT_STREQ("libxp.so.1", soname);
}

/* ---- nodev: no driver ------------------------------------------------- */

TEST(nodev_ftok)
{
	int fds = count_fds();

	REQUIRE_NO_DEVICE();
	EXPECT_FAIL(ENODEV, xp_ftok(NULL, 1));
	/* A path key needs the local partition id, hence the driver. */
	EXPECT_FAIL(ENODEV, xp_ftok("/", 1));
	EXPECT_EQ(fds, count_fds());
}

TEST(nodev_shm)
{
	long page = sysconf(_SC_PAGESIZE);
	struct shmid_ds ds;
	struct shminfo si;
	struct shm_info sinfo;
	int fds = count_fds();

	REQUIRE_NO_DEVICE();
	EXPECT_FAIL(ENODEV, xp_shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
	EXPECT_FAIL(ENODEV, xp_shmget(0x01000001, 0, 0));
	EXPECT_FAIL(ENODEV, xp_shmat(1, NULL, 0));
	EXPECT_FAIL(ENODEV, xp_shmat(1, (void *)(page * 4096), SHM_RDONLY));
	EXPECT_FAIL(ENODEV, xp_shmdt((void *)(page * 4096)));
	EXPECT_FAIL(ENODEV, xp_shmctl(1, IPC_STAT, &ds));
	memset(&ds, 0, sizeof(ds));
	EXPECT_FAIL(ENODEV, xp_shmctl(1, IPC_SET, &ds));
	EXPECT_FAIL(ENODEV, xp_shmctl(1, IPC_RMID));
	EXPECT_FAIL(ENODEV, xp_shmctl(1, IPC_RMID, NULL));
	EXPECT_FAIL(ENODEV, xp_shmctl(1, IPC_AUTORMID));
	EXPECT_FAIL(ENODEV, xp_shmctl(0, IPC_INFO, (struct shmid_ds *)&si));
	EXPECT_FAIL(ENODEV, xp_shmctl(0, SHM_INFO, (struct shmid_ds *)&sinfo));
	EXPECT_EQ(fds, count_fds());
}

TEST(nodev_part)
{
	char name[XP_HOSTNAME_MAX];
	partid_t list[XP_MAX_PARTITIONS];
	int fds = count_fds();

	REQUIRE_NO_DEVICE();
	EXPECT_FAIL(ENODEV, part_getid());
	EXPECT_FAIL(ENODEV, part_getcount());
	EXPECT_FAIL(ENODEV, part_getlist(list, XP_MAX_PARTITIONS));
	EXPECT_FAIL(ENODEV, part_getlist(NULL, 0));
	EXPECT_FAIL(ENODEV, part_gethostname(0, name, sizeof(name)));
	EXPECT_FAIL(ENODEV, part_getpart(0x00000001));
	EXPECT_EQ(fds, count_fds());
}

TEST(nodev_wait)
{
	uint32_t word = 7;
	int fds = count_fds();

	REQUIRE_NO_DEVICE();
	EXPECT_FAIL(ENODEV, xp_shmwait(&word, 7, 0));
	EXPECT_FAIL(ENODEV, xp_shmwait(&word, 8, -1));
	EXPECT_FAIL(ENODEV, xp_shmwait(&word, 7, 100));
	EXPECT_FAIL(ENODEV, xp_shmwake(&word));
	EXPECT_EQ(fds, count_fds());
}

/* ---- dev: against a started partition ---------------------------------- */

/* A new private segment, mode 0600, for one test; the test removes it. */
static int new_segment(struct __test_metadata *_metadata, size_t size)
{
	int shmid;

	shmid = xp_shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	EXPECT_NE(-1, shmid) TH_LOG("xp_shmget: %s", strerror(errno));
	return shmid;
}

/* A new private segment attached read-write; NULL (and *shmid -1) if not. */
static void *new_attached(struct __test_metadata *_metadata, size_t size,
			  int *shmid)
{
	void *p;

	*shmid = new_segment(_metadata, size);
	if (*shmid == -1)
		return NULL;
	p = xp_shmat(*shmid, NULL, 0);
	EXPECT_NE((void *)-1, p) TH_LOG("xp_shmat: %s", strerror(errno));
	if (p != (void *)-1)
		return p;
	xp_shmctl(*shmid, IPC_RMID);
	*shmid = -1;
	return NULL;
}

TEST(dev_roundtrip)
{
	long page = sysconf(_SC_PAGESIZE);
	struct shmid_ds ds;
	int shmid, i;
	char *p;

	REQUIRE_DEVICE();
	shmid = new_segment(_metadata, 3 * page);
	ASSERT_NE(-1, shmid);

	p = xp_shmat(shmid, NULL, 0);
	ASSERT_NE((void *)-1, p) TH_LOG("xp_shmat: %s", strerror(errno));
	/* Segment memory is zeroed. */
	for (i = 0; i < 3 * page; i++)
		if (p[i])
			break;
	EXPECT_EQ(3 * page, i);
	memset(p, 0x5a, 3 * page);

	memset(&ds, 0xcc, sizeof(ds));
	ASSERT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	EXPECT_EQ((size_t)(3 * page), ds.shm_segsz);
	EXPECT_EQ(1ul, ds.shm_nattch);
	EXPECT_EQ(0600u, ds.shm_perm.mode);
	EXPECT_EQ(IPC_PRIVATE, ds.shm_perm.__key);
	EXPECT_EQ(getuid(), ds.shm_perm.uid);
	EXPECT_EQ(getuid(), ds.shm_perm.cuid);
	EXPECT_EQ(getpid(), ds.shm_cpid);
	EXPECT_EQ(getpid(), ds.shm_lpid);
	EXPECT_NE(0, ds.shm_atime);

	EXPECT_EQ(0, xp_shmdt(p));
	ASSERT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	EXPECT_EQ(0ul, ds.shm_nattch);
	EXPECT_NE(0, ds.shm_dtime);

	/* Data survives a detach. */
	p = xp_shmat(shmid, NULL, SHM_RDONLY);
	ASSERT_NE((void *)-1, p);
	EXPECT_EQ(0x5a, p[3 * page - 1]);
	EXPECT_EQ(0, xp_shmdt(p));

	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
	EXPECT_FAIL(EINVAL, xp_shmctl(shmid, IPC_STAT, &ds));
}

TEST(dev_errno_untouched_on_success)
{
	long page = sysconf(_SC_PAGESIZE);
	struct shmid_ds ds;
	int shmid;
	void *p;

	REQUIRE_DEVICE();
	errno = 4242;
	shmid = xp_shmget(IPC_PRIVATE, page, IPC_CREAT | 0600);
	ASSERT_NE(-1, shmid);
	EXPECT_EQ(4242, errno);
	p = xp_shmat(shmid, NULL, 0);
	ASSERT_NE((void *)-1, p);
	EXPECT_EQ(4242, errno);
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	EXPECT_EQ(4242, errno);
	EXPECT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(4242, errno);
	EXPECT_NE(-1, part_getid());
	EXPECT_EQ(4242, errno);
	EXPECT_LE(1, part_getcount());
	EXPECT_EQ(4242, errno);
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
	EXPECT_EQ(4242, errno);
}

TEST(dev_minted_key_creates)
{
	long page = sysconf(_SC_PAGESIZE);
	struct shmid_ds ds;
	key_t k1, k2;
	int shmid;

	REQUIRE_DEVICE();
	k1 = xp_ftok(NULL, 1);
	ASSERT_NE(-1, k1) TH_LOG("xp_ftok: %s", strerror(errno));
	k2 = xp_ftok(NULL, 1);
	ASSERT_NE(-1, k2);
	EXPECT_NE(k1, k2);	/* every call mints a new key */
	EXPECT_EQ(part_getid(), (partid_t)CLSHM_ID_PART(k1));
	EXPECT_EQ(0u, (__u32)k1 & CLSHM_KEY_PATH_BIT);

	/* A shmget with a size of a minted key creates it, without IPC_CREAT. */
	shmid = xp_shmget(k1, page, 0600);
	ASSERT_NE(-1, shmid) TH_LOG("xp_shmget: %s", strerror(errno));
	EXPECT_EQ(shmid, xp_shmget(k1, 0, 0));
	ASSERT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	EXPECT_EQ(k1, ds.shm_perm.__key);
	EXPECT_FAIL(EEXIST, xp_shmget(k1, page, IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_FAIL(EINVAL, xp_shmget(k1, 2 * page, 0));
	EXPECT_EQ(part_getid(), part_getpart(shmid));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
	/* Size 0 is a plain lookup: the key names no segment now. */
	EXPECT_FAIL(ENOENT, xp_shmget(k1, 0, 0));
	/* With a size, a minted key creates again. */
	shmid = xp_shmget(k1, page, 0600);
	ASSERT_NE(-1, shmid) TH_LOG("xp_shmget: %s", strerror(errno));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

TEST(dev_path_key)
{
	char node[64];
	key_t k, m;

	REQUIRE_DEVICE();
	k = xp_ftok("/", 7);
	ASSERT_NE(-1, k) TH_LOG("xp_ftok: %s", strerror(errno));
	EXPECT_EQ(k, xp_ftok("/", 7));
	EXPECT_EQ(k, xp_ftok("/.", 7));		/* same file, same key */
	EXPECT_NE(k, xp_ftok("/", 8));
	EXPECT_EQ(part_getid(), (partid_t)CLSHM_ID_PART(k));
	EXPECT_EQ(CLSHM_KEY_PATH_BIT, (__u32)k & CLSHM_KEY_PATH_BIT);
	EXPECT_EQ(7u, ((__u32)k >> XP_KEY_ID_SHIFT) & 0xff);

	/* The local partition's node mints keys too; id is ignored. */
	snprintf(node, sizeof(node), CLSHM_PART_DIR "/%02x", part_getid());
	m = xp_ftok(node, 0);
	ASSERT_NE(-1, m) TH_LOG("xp_ftok(%s): %s", node, strerror(errno));
	EXPECT_EQ(0u, (__u32)m & CLSHM_KEY_PATH_BIT);
	EXPECT_EQ(part_getid(), (partid_t)CLSHM_ID_PART(m));
}

TEST(dev_shmat_rdonly_faults)
{
	long page = sysconf(_SC_PAGESIZE);
	int shmid, status;
	pid_t pid;
	char *p;

	REQUIRE_DEVICE();
	shmid = new_segment(_metadata, page);
	ASSERT_NE(-1, shmid);
	p = xp_shmat(shmid, NULL, SHM_RDONLY);
	EXPECT_NE((void *)-1, p);
	if (p != (void *)-1) {
		EXPECT_EQ(0, p[0]);
		/* Read-only attaches cannot be made writable. */
		EXPECT_EQ(-1, mprotect(p, page, PROT_READ | PROT_WRITE));
		pid = fork();
		if (pid == 0) {
			*(volatile char *)p = 1;
			_exit(0);
		}
		ASSERT_LT(0, pid);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
		EXPECT_EQ(0, xp_shmdt(p));
	}
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

TEST(dev_shmat_address)
{
	long page = sysconf(_SC_PAGESIZE);
	int shmid;
	char *hole, *p;

	REQUIRE_DEVICE();
	shmid = new_segment(_metadata, 2 * page);
	ASSERT_NE(-1, shmid);

	/* Find a free range, then give it back. */
	hole = mmap(NULL, 4 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	munmap(hole, 4 * page);

	p = xp_shmat(shmid, hole, 0);
	EXPECT_EQ(hole, p) TH_LOG("xp_shmat: %s", strerror(errno));
	/* The range is taken now. */
	EXPECT_FAIL(EINVAL, xp_shmat(shmid, hole, 0));
	/* Not the start of an attach. */
	EXPECT_FAIL(EINVAL, xp_shmdt(hole + page));
	EXPECT_EQ(0, xp_shmdt(hole));
	/* SHM_RND rounds down to SHMLBA. */
	p = xp_shmat(shmid, hole + 2 * page + 17, SHM_RND);
	EXPECT_EQ(hole + 2 * page, p);
	EXPECT_EQ(0, xp_shmdt(hole + 2 * page));
	EXPECT_FAIL(EINVAL, xp_shmdt(hole + 2 * page));	/* already detached */
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

/* IPC_RMID, IPC_AUTORMID while attached, IPC_AUTORMID with no attach. */
TEST(dev_removal)
{
	long page = sysconf(_SC_PAGESIZE);
	struct shmid_ds ds;
	int shmid;
	void *p;

	REQUIRE_DEVICE();
	p = new_attached(_metadata, page, &shmid);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
	/* Still described, marked SHM_DEST, no longer attachable. */
	ASSERT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	EXPECT_EQ((unsigned int)SHM_DEST, ds.shm_perm.mode & SHM_DEST);
	EXPECT_EQ(0600u, ds.shm_perm.mode & 0777);
	EXPECT_EQ(1ul, ds.shm_nattch);
	EXPECT_FAIL(EIDRM, xp_shmat(shmid, NULL, 0));
	/* Gone with the last detach. */
	EXPECT_EQ(0, xp_shmdt(p));
	EXPECT_FAIL(EINVAL, xp_shmctl(shmid, IPC_STAT, &ds));

	/* IPC_AUTORMID waits for the last detach... */
	p = new_attached(_metadata, page, &shmid);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_AUTORMID));
	ASSERT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	EXPECT_EQ(0u, ds.shm_perm.mode & SHM_DEST);
	EXPECT_EQ(0, xp_shmdt(p));
	EXPECT_FAIL(EINVAL, xp_shmctl(shmid, IPC_STAT, &ds));

	/* ...and removes at once when nothing is attached. */
	shmid = new_segment(_metadata, page);
	ASSERT_NE(-1, shmid);
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_AUTORMID));
	EXPECT_FAIL(EINVAL, xp_shmctl(shmid, IPC_STAT, &ds));
}

TEST(dev_ipc_set)
{
	long page = sysconf(_SC_PAGESIZE);
	struct shmid_ds ds;
	int shmid;

	REQUIRE_DEVICE();
	shmid = new_segment(_metadata, page);
	ASSERT_NE(-1, shmid);
	ASSERT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	ds.shm_perm.mode = 01640;	/* bits above 0777 are ignored */
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_SET, &ds));
	ASSERT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	EXPECT_EQ(0640u, ds.shm_perm.mode);
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

TEST(dev_info)
{
	long page = sysconf(_SC_PAGESIZE);
	struct shm_info sinfo;
	struct shminfo si;
	int shmid, ret;

	REQUIRE_DEVICE();
	shmid = new_segment(_metadata, page);
	ASSERT_NE(-1, shmid);
	memset(&si, 0xcc, sizeof(si));
	ret = xp_shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	EXPECT_LE((int)CLSHM_ID_SERIAL(shmid), ret);
	EXPECT_EQ(1ul, si.shmmin);
	EXPECT_EQ(si.shmall * (unsigned long)page, si.shmmax);
	EXPECT_EQ(si.shmmni, si.shmseg);
	EXPECT_LE(1ul, si.shmmni);
	memset(&sinfo, 0xcc, sizeof(sinfo));
	ret = xp_shmctl(0, SHM_INFO, (struct shmid_ds *)&sinfo);
	EXPECT_LE((int)CLSHM_ID_SERIAL(shmid), ret);
	EXPECT_LE(1, sinfo.used_ids);
	EXPECT_LE(1ul, sinfo.shm_tot);
	EXPECT_EQ(0ul, sinfo.shm_swp);
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

TEST(dev_partitions)
{
	partid_t list[XP_MAX_PARTITIONS], me;
	char name[XP_HOSTNAME_MAX];
	int n, i, found = 0;

	REQUIRE_DEVICE();
	me = part_getid();
	ASSERT_LE(0, me);
	ASSERT_GT(XP_MAX_PARTITIONS, me);
	n = part_getcount();
	ASSERT_LE(1, n);
	EXPECT_EQ(n, part_getlist(list, XP_MAX_PARTITIONS));
	for (i = 0; i < n; i++) {
		if (list[i] == me)
			found = 1;
		if (i)
			EXPECT_LT(list[i - 1], list[i]);
	}
	EXPECT_TRUE(found);
	EXPECT_EQ(0, part_getlist(list, 0));
	EXPECT_EQ(1, part_getlist(list, 1));

	memset(name, 0, sizeof(name));
	/* Answered by clshmd; without a daemon: ENOTCONN. */
	if (part_gethostname(me, name, sizeof(name)) == 0) {
		EXPECT_LT(0, (int)strlen(name));
	} else {
		EXPECT_EQ(ENOTCONN, errno) TH_LOG("part_gethostname: %s", strerror(errno));
	}

	EXPECT_FAIL(EINVAL, part_getpart(CLSHM_ID_MAKE(me, 0xfffffe)));
}

/* Without read permission a segment still has an owner. */
TEST(dev_getpart_eacces)
{
	long page = sysconf(_SC_PAGESIZE);
	int shmid, status;
	pid_t pid;

	REQUIRE_DEVICE();
	if (geteuid() != 0)
		SKIP(return, "needs root to drop to another uid");
	shmid = new_segment(_metadata, page);
	ASSERT_NE(-1, shmid);
	pid = fork();
	if (pid == 0) {
		struct shmid_ds ds;
		int bad = 0;

		if (setgid(1000) || setuid(1000))
			_exit(2);
		if (part_getpart(shmid) != part_getid())
			bad |= 4;
		if (xp_shmat(shmid, NULL, 0) != (void *)-1 || errno != EACCES)
			bad |= 8;
		if (xp_shmctl(shmid, IPC_STAT, &ds) != -1 || errno != EACCES)
			bad |= 16;
		if (xp_shmctl(shmid, IPC_RMID) != -1 || errno != EPERM)
			bad |= 32;
		_exit(bad);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

/* part_getcount and part_getlist say what the driver says: its up ones. */
TEST(dev_partitions_match_driver)
{
	struct clshm_part_info info[CLSHM_MAX_PARTS];
	struct clshm_partlist pl = {
		.buf = (__u64)(uintptr_t)info,
		.max = CLSHM_MAX_PARTS,
	};
	partid_t list[XP_MAX_PARTITIONS];
	int up[CLSHM_MAX_PARTS] = { 0 };
	int fd, n, i, want = 0;
	unsigned int k;

	REQUIRE_DEVICE();
	fd = open(CLSHM_SHM_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	memset(info, 0, sizeof(info));
	ASSERT_EQ(0, ioctl(fd, CLSHM_IOC_PARTLIST, &pl)) TH_LOG("PARTLIST: %s", strerror(errno));
	close(fd);
	for (k = 0; k < pl.count && k < CLSHM_MAX_PARTS; k++) {
		ASSERT_GT(CLSHM_MAX_PARTS, info[k].id);
		if (info[k].state == CLSHM_PART_UP && !up[info[k].id]) {
			up[info[k].id] = 1;
			want++;
		}
	}
	TH_LOG("the driver lists %u partitions, %d up", pl.count, want);
	EXPECT_EQ(1, up[pl.local]) TH_LOG("the local partition is not up");

	EXPECT_EQ(want, part_getcount());
	n = part_getlist(list, XP_MAX_PARTITIONS);
	ASSERT_EQ(want, n);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(up[list[i]]) TH_LOG("%d listed but not up", list[i]);
		if (i)
			EXPECT_LT(list[i - 1], list[i]);
	}
}

TEST(dev_fd_cloexec_and_fork)
{
	long page = sysconf(_SC_PAGESIZE);
	struct shmid_ds ds;
	int shmid, fd, status;
	pid_t pid;
	void *p;

	REQUIRE_DEVICE();
	shmid = new_segment(_metadata, page);
	ASSERT_NE(-1, shmid);
	fd = find_device_fd();
	ASSERT_LE(0, fd);
	EXPECT_LT(STDERR_FILENO, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);

	p = xp_shmat(shmid, NULL, 0);
	ASSERT_NE((void *)-1, p);
	pid = fork();
	if (pid == 0) {
		/* The child inherits the attach and can use the library. */
		if (xp_shmctl(shmid, IPC_STAT, &ds) || ds.shm_nattch != 2)
			_exit(1);
		if (xp_shmdt(p))
			_exit(2);
		if (xp_shmctl(shmid, IPC_STAT, &ds) || ds.shm_nattch != 1)
			_exit(3);
		_exit(0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, xp_shmctl(shmid, IPC_STAT, &ds));
	EXPECT_EQ(1ul, ds.shm_nattch);
	EXPECT_EQ(0, xp_shmdt(p));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

static void *first_use(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)part_getid();
}

/* Threads racing for the first open end up sharing one descriptor. */
TEST(dev_threads_share_one_fd)
{
	pthread_t t[8];
	void *ret;
	int i, fd;

	REQUIRE_DEVICE();
	ASSERT_EQ(0, device_fds(&fd)) TH_LOG("the library is open already");
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, first_use, NULL));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_LE(0, (intptr_t)ret);
	}
	EXPECT_EQ(1, device_fds(&fd));
}

/* The program closes our descriptor, then reuses its number. */
TEST(dev_fd_taken_away)
{
	char tmpl[] = "/tmp/xp_test.XXXXXX";
	struct stat before, after;
	int fd, tmp, shmid;

	REQUIRE_DEVICE();
	ASSERT_NE(-1, part_getid());
	fd = find_device_fd();
	ASSERT_LE(0, fd);

	/* Closed: the library opens the device again. */
	ASSERT_EQ(0, close(fd));
	EXPECT_NE(-1, part_getid()) TH_LOG("part_getid: %s", strerror(errno));
	fd = find_device_fd();
	ASSERT_LE(0, fd);

	/* Reused for a file: the library must leave that file alone. */
	tmp = mkstemp(tmpl);
	ASSERT_LE(0, tmp);
	unlink(tmpl);
	ASSERT_EQ(fd, dup2(tmp, fd));
	close(tmp);
	ASSERT_EQ(0, fstat(fd, &before));

	shmid = xp_shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	EXPECT_NE(-1, shmid) TH_LOG("xp_shmget: %s", strerror(errno));
	ASSERT_EQ(0, fstat(fd, &after));
	EXPECT_EQ(before.st_ino, after.st_ino);
	EXPECT_EQ(before.st_dev, after.st_dev);
	EXPECT_LE(0, find_device_fd());
	if (shmid != -1)
		EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
	close(fd);
}

/* ---- dev: xp_shmwait() and xp_shmwake() -------------------------------- */

/* The driver's ABI as major * 1000 + minor, or -1. */
static int driver_abi(void)
{
	struct clshm_version v;
	int fd, r;

	fd = open(CLSHM_SHM_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&v, 0, sizeof(v));
	r = ioctl(fd, CLSHM_IOC_VERSION, &v);
	close(fd);
	return r < 0 ? -1 : (int)(v.major * 1000 + v.minor);
}

#define REQUIRE_WAIT() do { \
	REQUIRE_DEVICE(); \
	if (driver_abi() < 1001) \
		SKIP(return, "clshm.ko predates ABI 1.1: no CLSHM_IOC_WAIT"); \
} while (0)

static uint32_t load32(const uint32_t *w)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

static void store32(uint32_t *w, uint32_t v)
{
	__atomic_store_n(w, v, __ATOMIC_SEQ_CST);
}

/*
 * Another process, with an attach of its own, changes the word and wakes:
 * the parent, waiting for ever, returns 0 and sees the new value.
 */
TEST(dev_wait_wake)
{
	long page = sysconf(_SC_PAGESIZE);
	int shmid, status;
	uint32_t *w;
	pid_t pid;

	REQUIRE_WAIT();
	w = new_attached(_metadata, page, &shmid);
	ASSERT_NE(NULL, w);
	EXPECT_EQ(0u, load32(w));
	/* Nobody waits yet. */
	EXPECT_EQ(0, xp_shmwake(w)) TH_LOG("xp_shmwake: %s", strerror(errno));

	pid = fork();
	if (pid == 0) {
		uint32_t *q = xp_shmat(shmid, NULL, 0);

		if (q == (void *)-1)
			_exit(1);
		sleep_ms(200);
		store32(q, 1);
		_exit(xp_shmwake(q) < 0 ? 2 : 0);
	}
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, xp_shmwait(w, 0, -1)) TH_LOG("xp_shmwait: %s", strerror(errno));
	/* It returned because the word changed, not at once. */
	EXPECT_EQ(1u, load32(w));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* A word that differs already: no waiting at all. */
	EXPECT_EQ(0, xp_shmwait(w, 0, 0));
	EXPECT_EQ(0, xp_shmwait(w, 0, -1));
	EXPECT_EQ(0, xp_shmdt(w));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

struct waiter {
	uint32_t *word;
	uint32_t expected;
	int timeout_ms;
	int ret;
	int err;
	int done;
};

static void *waiter_main(void *arg)
{
	struct waiter *wt = arg;

	wt->ret = xp_shmwait(wt->word, wt->expected, wt->timeout_ms);
	wt->err = errno;
	__atomic_store_n(&wt->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * xp_shmwake() counts the local waiters it wakes; a waiter whose word
 * still holds the expected value goes back to sleep.
 */
TEST(dev_wake_counts_waiters)
{
	long page = sysconf(_SC_PAGESIZE);
	struct waiter wt;
	long long t0;
	pthread_t t;
	int shmid, n = 0;
	uint32_t *w;

	REQUIRE_WAIT();
	w = new_attached(_metadata, page, &shmid);
	ASSERT_NE(NULL, w);
	store32(&w[16], 42);
	memset(&wt, 0, sizeof(wt));
	wt.word = &w[16];
	wt.expected = 42;
	wt.timeout_ms = 20000;
	ASSERT_EQ(0, pthread_create(&t, NULL, waiter_main, &wt));

	/* Wake (through another word of the segment) until it is counted. */
	t0 = now_ms();
	while (now_ms() - t0 < 10000) {
		n = xp_shmwake(&w[100]);
		if (n != 0)
			break;
		sleep_ms(10);
	}
	EXPECT_EQ(1, n) TH_LOG("xp_shmwake: %d (%s)", n, strerror(errno));
	/* The word did not change: the waiter sleeps on. */
	sleep_ms(100);
	EXPECT_EQ(0, __atomic_load_n(&wt.done, __ATOMIC_SEQ_CST));

	store32(&w[16], 43);
	EXPECT_LE(0, xp_shmwake(&w[16]));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, wt.ret) TH_LOG("xp_shmwait: %s", strerror(wt.err));
	EXPECT_EQ(0, xp_shmdt(w));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

TEST(dev_wait_timeout)
{
	long page = sysconf(_SC_PAGESIZE);
	long long t0, el;
	uint32_t *w, *last;
	int shmid;

	REQUIRE_WAIT();
	w = new_attached(_metadata, 2 * page, &shmid);
	ASSERT_NE(NULL, w);
	store32(w, 5);

	t0 = now_ms();
	EXPECT_FAIL(ETIMEDOUT, xp_shmwait(w, 5, 300));
	el = now_ms() - t0;
	TH_LOG("a 300 ms wait took %lld ms", el);
	EXPECT_LE(250, el);
	EXPECT_GT(5000, el);

	/* 0 only looks. */
	t0 = now_ms();
	EXPECT_FAIL(ETIMEDOUT, xp_shmwait(w, 5, 0));
	EXPECT_EQ(0, xp_shmwait(w, 6, 0));
	EXPECT_GT(2000, now_ms() - t0);

	/* All 32 bits count, the sign bit too. */
	store32(w, 0xffffffffu);
	EXPECT_FAIL(ETIMEDOUT, xp_shmwait(w, 0xffffffffu, 0));
	EXPECT_EQ(0, xp_shmwait(w, 0x7fffffffu, 0));
	EXPECT_EQ(0, xp_shmwait(w, 0xfffffffeu, 0));

	/* Any word of the attach: the last one of the second page. */
	last = (uint32_t *)((char *)w + 2 * page - sizeof(uint32_t));
	EXPECT_FAIL(ETIMEDOUT, xp_shmwait(last, 0, 10));
	EXPECT_EQ(0, xp_shmwait(last, 1, 10));
	EXPECT_EQ(0, xp_shmdt(w));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

/* A read-only attach can wait and wake: both only read. */
TEST(dev_wait_rdonly)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t *w, *r;
	int shmid;

	REQUIRE_WAIT();
	w = new_attached(_metadata, page, &shmid);
	ASSERT_NE(NULL, w);
	store32(&w[1], 9);
	r = xp_shmat(shmid, NULL, SHM_RDONLY);
	ASSERT_NE((void *)-1, r);
	EXPECT_FAIL(ETIMEDOUT, xp_shmwait(&r[1], 9, 0));
	EXPECT_EQ(0, xp_shmwait(&r[1], 8, 0));
	EXPECT_LE(0, xp_shmwake(&r[1]));
	EXPECT_EQ(0, xp_shmdt(r));
	EXPECT_EQ(0, xp_shmdt(w));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

TEST(dev_wait_einval)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t local = 3, *w, *anon;
	int shmid;

	REQUIRE_WAIT();
	/* Ordinary memory is no attach, whatever it holds. */
	EXPECT_FAIL(EINVAL, xp_shmwait(&local, 3, 0));
	EXPECT_FAIL(EINVAL, xp_shmwait(&local, 4, 0));
	EXPECT_FAIL(EINVAL, xp_shmwait(&local, 3, 100));
	EXPECT_FAIL(EINVAL, xp_shmwake(&local));
	anon = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_FAIL(EINVAL, xp_shmwait(anon, 0, 0));
	EXPECT_FAIL(EINVAL, xp_shmwake(anon));
	munmap(anon, page);

	w = new_attached(_metadata, page, &shmid);
	ASSERT_NE(NULL, w);
	EXPECT_FAIL(EINVAL, xp_shmwait((char *)w + 2, 0, 0));
	EXPECT_EQ(0, xp_shmdt(w));
	/* Detached: the address is nobody's attach any more. */
	EXPECT_FAIL(EINVAL, xp_shmwait(w, 0, 0));
	EXPECT_FAIL(EINVAL, xp_shmwake(w));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal handler ends the wait with EINTR. */
TEST(dev_wait_eintr)
{
	long page = sysconf(_SC_PAGESIZE);
	struct itimerval it = { .it_value = { 0, 200 * 1000 } };
	struct sigaction sa;
	uint32_t *w;
	int shmid;

	REQUIRE_WAIT();
	w = new_attached(_metadata, page, &shmid);
	ASSERT_NE(NULL, w);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_FAIL(EINTR, xp_shmwait(w, 0, 10000));
	EXPECT_EQ(0, xp_shmdt(w));
	EXPECT_EQ(0, xp_shmctl(shmid, IPC_RMID));
}

TEST_HARNESS_MAIN
