// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sysv.c - libxp-sysv: shmget(), shmat(), shmdt() and shmctl() of an
 * unmodified program on clshm
 *
 * Built twice from this one file:
 *
 *  - libxp-sysv.so.1 (XP_SYSV_PRELOAD): LD_PRELOAD=libxp-sysv.so.1 puts
 *    these four functions in front of glibc's, with glibc's symbol
 *    versions (libxp-sysv.map), and holds its own copy of libxp, so it
 *    needs nothing else.  What does not go to clshm goes to the next
 *    definition, glibc's, found with dlvsym(RTLD_NEXT).
 *  - libxp-sysv.a (XP_SYSV_WRAP): __wrap_shmget() and friends, for a
 *    program linked with -Wl,--wrap=shmget,--wrap=shmat,--wrap=shmdt,
 *    --wrap=shmctl (a static program, or one that cannot be preloaded);
 *    the fall-back is __real_shmget() and friends, and libxp comes from
 *    -lxp.
 *
 * Which keys go to clshm: the environment variable CLSHM_SYSV_KEYS, read
 * once per process image (so at every exec), a comma-separated list of
 *
 *   all        every key, and IPC_PRIVATE (the default when unset)
 *   none       nothing: the program runs on the kernel's System V
 *   private    IPC_PRIVATE
 *   KEY        one key (strtoul base 0: 0x1234, 4660)
 *   LO-HI      the keys LO to HI, both included
 *   @FILE      the items of FILE, one or more a line, '#' to end of line
 *
 * A System V key becomes a clshm key of partition CLSHM_SYSV_OWNER (0
 * by default; every partition that shares a key must name the same
 * owner) with the path bit set (it behaves like a System V key: it needs
 * IPC_CREAT to be created) and a 23-bit serial: the key itself when it
 * is below 2^23, else the key folded to 23 bits (two such keys may then
 * name one segment; libxp-sysv(3) says so).  IPC_STAT shows the System V
 * key: exactly below 2^23, and for larger keys this process used.
 *
 * shmids: an id clshm knows (IPC_STAT answers anything but EINVAL) is
 * clshm's, any other the kernel's; except that an id the kernel gave this
 * process (the last KERNEL_IDS of them are remembered) stays the
 * kernel's, so with a mixed policy a kernel id that happens to equal a
 * clshm shmid still reaches the right segment in the process that got it.  The table walks (IPC_INFO, SHM_INFO,
 * SHM_STAT, SHM_STAT_ANY) see clshm's table when the policy is "all",
 * the kernel's otherwise.
 *
 * Threads: the policy is parsed once (pthread_once) and read-only after;
 * libxp itself is thread safe.  fork(): nothing here depends on the pid,
 * and the child inherits the parsed policy and libxp's descriptor.
 * exec(): LD_PRELOAD and CLSHM_SYSV_* pass on in the environment, and the
 * new image parses them again.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <linux/clshm.h>

#include "xp_shm.h"

#define SYSV_API	__attribute__((visibility("default")))

/* The shmget flags Linux looks at; it ignores any other bit. */
#define SYSV_GET_FLAGS	(IPC_CREAT | IPC_EXCL | 0777 | SHM_HUGETLB | \
			 CLSHM_GET_HUGE_MASK)

/* ---- the fall-back: the kernel's System V --------------------------------- */

#ifdef XP_SYSV_PRELOAD

#define SYSV_NAME(f)	f

typedef int (*shmget_fn)(key_t, size_t, int);
typedef void *(*shmat_fn)(int, const void *, int);
typedef int (*shmdt_fn)(const void *);
typedef int (*shmctl_fn)(int, int, struct shmid_ds *);

static struct {
	shmget_fn get;
	shmat_fn at;
	shmdt_fn dt;
	shmctl_fn ctl;
} real;

/* glibc's own version of the four on this architecture, or the default. */
static void *next_sym(const char *name)
{
	void *p = dlvsym(RTLD_NEXT, name, SYSV_GLIBC_VERSION);

	return p ? p : dlsym(RTLD_NEXT, name);
}

static void real_init(void)
{
	real.get = (shmget_fn)next_sym("shmget");
	real.at = (shmat_fn)next_sym("shmat");
	real.dt = (shmdt_fn)next_sym("shmdt");
	real.ctl = (shmctl_fn)next_sym("shmctl");
}

#define REAL_CHECK(f, fail)					\
	do {							\
		if (!real.f) {					\
			errno = ENOSYS;				\
			return fail;				\
		}						\
	} while (0)
#define REAL_GET(k, s, f)	real.get(k, s, f)
#define REAL_AT(i, a, f)	real.at(i, a, f)
#define REAL_DT(a)		real.dt(a)
#define REAL_CTL(i, c, b)	real.ctl(i, c, b)

#else /* XP_SYSV_WRAP */

#define SYSV_NAME(f)	__wrap_##f

int __real_shmget(key_t key, size_t size, int shmflg);
void *__real_shmat(int shmid, const void *shmaddr, int shmflg);
int __real_shmdt(const void *shmaddr);
int __real_shmctl(int shmid, int cmd, struct shmid_ds *buf);

static void real_init(void)
{
}

#define REAL_CHECK(f, fail)	do { } while (0)
#define REAL_GET(k, s, f)	__real_shmget(k, s, f)
#define REAL_AT(i, a, f)	__real_shmat(i, a, f)
#define REAL_DT(a)		__real_shmdt(a)
#define REAL_CTL(i, c, b)	__real_shmctl(i, c, b)

#endif

SYSV_API int SYSV_NAME(shmget)(key_t key, size_t size, int shmflg);
SYSV_API void *SYSV_NAME(shmat)(int shmid, const void *shmaddr, int shmflg);
SYSV_API int SYSV_NAME(shmdt)(const void *shmaddr);
SYSV_API int SYSV_NAME(shmctl)(int shmid, int cmd, struct shmid_ds *buf);

/* ---- the key policy --------------------------------------------------------- */

struct key_range {
	uint32_t lo, hi;
};

static struct {
	int all;
	int private_;
	uint32_t owner;
	size_t nranges;
	struct key_range *ranges;
} policy;

static pthread_once_t policy_once = PTHREAD_ONCE_INIT;

static void policy_warn(const char *what, const char *item)
{
	fprintf(stderr, "libxp-sysv: CLSHM_SYSV_KEYS: %s '%s' ignored\n",
		what, item);
}

static void policy_add(uint32_t lo, uint32_t hi)
{
	struct key_range *r;

	r = realloc(policy.ranges, (policy.nranges + 1) * sizeof(*r));
	if (!r)
		return;
	policy.ranges = r;
	r[policy.nranges].lo = lo;
	r[policy.nranges].hi = hi;
	policy.nranges++;
}

static int parse_key(const char *s, uint32_t *key)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX)
		return -1;
	*key = (uint32_t)v;
	return 0;
}

static void policy_file(const char *path, int depth);

/* One item of the list (modified in place). */
static void policy_item(char *item, int depth)
{
	uint32_t lo, hi;
	char *dash;

	item += strspn(item, " \t");
	item[strcspn(item, " \t\r\n")] = '\0';
	if (!*item)
		return;
	if (!strcmp(item, "all")) {
		policy.all = policy.private_ = 1;
	} else if (!strcmp(item, "none")) {
		policy.all = policy.private_ = 0;
		policy.nranges = 0;
	} else if (!strcmp(item, "private")) {
		policy.private_ = 1;
	} else if (item[0] == '@') {
		if (depth < 4)
			policy_file(item + 1, depth + 1);
	} else if ((dash = strchr(item + 1, '-'))) {
		*dash = '\0';
		if (parse_key(item, &lo) || parse_key(dash + 1, &hi) || lo > hi)
			policy_warn("bad range", item);
		else
			policy_add(lo, hi);
	} else if (!parse_key(item, &lo)) {
		policy_add(lo, lo);
	} else {
		policy_warn("bad item", item);
	}
}

static void policy_list(char *list, int depth)
{
	char *save = NULL, *item;

	for (item = strtok_r(list, ",", &save); item;
	     item = strtok_r(NULL, ",", &save))
		policy_item(item, depth);
}

static void policy_file(const char *path, int depth)
{
	char line[512];
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		policy_warn("cannot read file", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#")] = '\0';
		policy_list(line, depth);
	}
	fclose(f);
}

static void policy_init(void)
{
	const char *keys = getenv("CLSHM_SYSV_KEYS");
	const char *owner = getenv("CLSHM_SYSV_OWNER");
	uint32_t id;
	char *copy;

	real_init();
	if (owner && !parse_key(owner, &id) && id < CLSHM_MAX_PARTS)
		policy.owner = id;
	else if (owner)
		fprintf(stderr, "libxp-sysv: CLSHM_SYSV_OWNER '%s' is not a partition id: using 0\n",
			owner);
	if (!keys) {
		policy.all = policy.private_ = 1;
		return;
	}
	copy = strdup(keys);
	if (copy)
		policy_list(copy, 0);
	free(copy);
}

static void sysv_init(void)
{
	pthread_once(&policy_once, policy_init);
}

static int key_is_clshm(key_t key)
{
	uint32_t k = (uint32_t)key;
	size_t i;

	if (key == IPC_PRIVATE)
		return policy.private_;
	if (policy.all)
		return 1;
	for (i = 0; i < policy.nranges; i++)
		if (k >= policy.ranges[i].lo && k <= policy.ranges[i].hi)
			return 1;
	return 0;
}

/* A System V key as a clshm key of the owner partition (see the top). */
static key_t key_to_clshm(key_t key)
{
	uint32_t k = (uint32_t)key;
	uint32_t serial = (k ^ (k >> 23)) & (CLSHM_KEY_PATH_BIT - 1);

	return (key_t)CLSHM_ID_MAKE(policy.owner, CLSHM_KEY_PATH_BIT | serial);
}

/*
 * Keys of 2^23 and more this process mapped, so that IPC_STAT can show
 * them as they were: a ring of (clshm key << 32 | System V key), 0 for
 * empty, lock-free like kernel_ids below.
 */
#define BIG_KEYS	64
static uint64_t big_keys[BIG_KEYS];
static unsigned int big_keys_next;

static void big_key_add(key_t key, key_t clkey)
{
	uint64_t e = (uint64_t)(uint32_t)clkey << 32 | (uint32_t)key;
	unsigned int i;

	for (i = 0; i < BIG_KEYS; i++)
		if (__atomic_load_n(&big_keys[i], __ATOMIC_RELAXED) == e)
			return;
	i = __atomic_fetch_add(&big_keys_next, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&big_keys[i % BIG_KEYS], e, __ATOMIC_RELAXED);
}

/* The System V key a clshm key of ours came from, as far as it is known. */
static key_t key_from_clshm(key_t key)
{
	uint32_t k = (uint32_t)key;
	unsigned int i;
	uint64_t e;

	if (!k || CLSHM_ID_PART(k) != policy.owner || !(k & CLSHM_KEY_PATH_BIT))
		return key;
	for (i = 0; i < BIG_KEYS; i++) {
		e = __atomic_load_n(&big_keys[i], __ATOMIC_RELAXED);
		if (e && (uint32_t)(e >> 32) == k)
			return (key_t)(uint32_t)e;
	}
	return (key_t)(k & (CLSHM_KEY_PATH_BIT - 1));
}

/*
 * Kernel shmids this process got from shmget(), a ring of the last
 * KERNEL_IDS (-1: empty).  Lock-free, so a fork() in the middle of an
 * update cannot leave the child a held lock; a racing update can at worst
 * lose an entry, which only makes that id be looked up in clshm first.
 */
#define KERNEL_IDS	64
static int kernel_ids[KERNEL_IDS] = { [0 ... KERNEL_IDS - 1] = -1 };
static unsigned int kernel_ids_next;

static void kernel_id_set(int id, int add)
{
	unsigned int i;

	if (add) {
		i = __atomic_fetch_add(&kernel_ids_next, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&kernel_ids[i % KERNEL_IDS], id,
				 __ATOMIC_RELAXED);
		return;
	}
	for (i = 0; i < KERNEL_IDS; i++)
		if (__atomic_load_n(&kernel_ids[i], __ATOMIC_RELAXED) == id)
			__atomic_store_n(&kernel_ids[i], -1, __ATOMIC_RELAXED);
}

static int kernel_id_known(int id)
{
	unsigned int i;

	for (i = 0; i < KERNEL_IDS; i++)
		if (__atomic_load_n(&kernel_ids[i], __ATOMIC_RELAXED) == id)
			return 1;
	return 0;
}

/* Is @shmid one of clshm's?  Anything but "no such shmid" says yes. */
static int id_is_clshm(int shmid)
{
	int saved = errno, yes;
	struct shmid_ds ds;

	if (kernel_id_known(shmid))
		return 0;
	yes = xp_shmctl(shmid, IPC_STAT, &ds) == 0 || errno == EACCES ||
	      errno == EIDRM;
	errno = saved;
	return yes;
}

/* ---- the four calls ------------------------------------------------------------ */

int SYSV_NAME(shmget)(key_t key, size_t size, int shmflg)
{
	sysv_init();
	if (!key_is_clshm(key)) {
		int id;

		REAL_CHECK(get, -1);
		id = REAL_GET(key, size, shmflg);
		if (id >= 0)
			kernel_id_set(id, 1);
		return id;
	}
	if (key != IPC_PRIVATE) {
		key_t clkey = key_to_clshm(key);

		if ((uint32_t)key >= CLSHM_KEY_PATH_BIT)
			big_key_add(key, clkey);
		key = clkey;
	}
	/* Like Linux, ignore the bits it does not know (SHM_NORESERVE...). */
	return xp_shmget(key, size, shmflg & SYSV_GET_FLAGS);
}

void *SYSV_NAME(shmat)(int shmid, const void *shmaddr, int shmflg)
{
	sysv_init();
	if (!id_is_clshm(shmid)) {
		REAL_CHECK(at, (void *)-1);
		return REAL_AT(shmid, shmaddr, shmflg);
	}
	return xp_shmat(shmid, shmaddr, shmflg);
}

int SYSV_NAME(shmdt)(const void *shmaddr)
{
	int saved = errno;

	sysv_init();
	if (!xp_shmdt(shmaddr))
		return 0;
	/* Not an attach of clshm's (EINVAL): maybe the kernel's. */
	if (errno != EINVAL && errno != ENODEV)
		return -1;
	errno = saved;
	REAL_CHECK(dt, -1);
	return REAL_DT(shmaddr);
}

int SYSV_NAME(shmctl)(int shmid, int cmd, struct shmid_ds *buf)
{
	int table = 0, ret;

	sysv_init();
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
	case SHM_STAT:
	case SHM_STAT_ANY:
		table = 1;
		break;
	}
	if (table ? !policy.all : !id_is_clshm(shmid)) {
		REAL_CHECK(ctl, -1);
		ret = REAL_CTL(shmid, cmd, buf);
		if (!ret && cmd == IPC_RMID)
			kernel_id_set(shmid, 0);
		return ret;
	}
	ret = xp_shmctl(shmid, cmd, buf);
	if (ret >= 0 && buf && (cmd == IPC_STAT || cmd == SHM_STAT ||
				cmd == SHM_STAT_ANY))
		buf->shm_perm.__key = key_from_clshm(buf->shm_perm.__key);
	return ret;
}
