// SPDX-License-Identifier: GPL-2.0
/*
 * sysv_conform.c - System V shared memory behaviour, observed
 *
 * A plain System V program: it calls shmget(2), shmat(2), shmdt(2) and
 * shmctl(2) of the C library and knows nothing of clshm.  Each test does
 * something and prints one line, "NAME<TAB>OBSERVATION", where the
 * observation is everything a program could see of the outcome (return
 * values, errnos, shmid_ds fields, signals).  sysv-conform.sh runs it
 * twice in one guest, against the kernel's System V and with
 * LD_PRELOAD=libxp-sysv.so.1 against clshm, and compares the two
 * observations of every test: the table it prints is the conformance
 * result.  Observations never contain ids, addresses or times, only
 * what must be the same on both.
 *
 * Run as root (tests that need an unprivileged caller fork and drop to
 * uid/gid 65534).  Exit status 0 if every test could run; the
 * comparison is the script's.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SHM_HUGE_SHIFT
#define SHM_HUGE_SHIFT	26
#endif
#define HUGE_2MB	(21 << SHM_HUGE_SHIFT)
#define HUGE_1GB	(30 << SHM_HUGE_SHIFT)
#define NOBODY		65534

/*
 * Keys below 2^23: the preload maps them one to one.  SYSV_CONFORM_KEYBASE
 * moves them (two runs at once); with SYSV_CONFORM_KEYED=1, the segments
 * the tests would make with IPC_PRIVATE get keys of their own too, so
 * that with CLSHM_SYSV_OWNER naming another partition every segment is
 * owned there and attached here through the fabric.
 */
static key_t key_base = 0x5ec000;
static int keyed, next_key = 0x100;
#define KEY(n)		((key_t)(key_base + (n)))

static long pg;
static char obs[1024];
static char *scratch;	/* shared with the children: what they saw */

/* Append to the current test's observation. */
static void see(const char *fmt, ...)
{
	size_t len = strlen(obs);
	va_list ap;

	if (len && len < sizeof(obs) - 1)
		obs[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(obs + len, sizeof(obs) - len, fmt, ap);
	va_end(ap);
}

static const char *en(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOMEM: return "ENOMEM";
	case ENOSPC: return "ENOSPC";
	case EIDRM: return "EIDRM";
	case EFAULT: return "EFAULT";
	case ENODEV: return "ENODEV";
	case ENOSYS: return "ENOSYS";
	default: return strerror(e);
	}
}

/* A call's outcome: "ok" or its errno. */
static void see_rc(const char *what, long rc)
{
	see("%s=%s", what, rc < 0 ? en(errno) : "ok");
}

static void see_at(const char *what, void *p)
{
	see("%s=%s", what, p == (void *)-1 ? en(errno) : "ok");
}

static int nattch(int id)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds) < 0)
		return -errno;
	return (int)ds.shm_nattch;
}

static int new_seg(key_t key, size_t size, int mode)
{
	int id;

	if (key == IPC_PRIVATE && keyed)
		key = KEY(next_key++);
	id = shmget(key, size, IPC_CREAT | IPC_EXCL | mode);

	if (id < 0 && errno == EEXIST) {
		/* Left over from an earlier run: start afresh. */
		shmctl(shmget(key, 0, 0), IPC_RMID, NULL);
		id = shmget(key, size, IPC_CREAT | IPC_EXCL | mode);
	}
	if (id < 0) {
		fprintf(stderr, "sysv_conform: shmget: %s\n", strerror(errno));
		exit(1);
	}
	return id;
}

static void rm(int id)
{
	shmctl(id, IPC_RMID, NULL);
}

/*
 * Run @fn(@arg) in a child as uid/gid 65534 (if @drop) and return what it
 * returned (an errno, 0, or 100 + a signal).
 */
static int child(int drop, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		exit(1);
	if (!pid) {
		if (drop && (setgroups(0, NULL) || setgid(NOBODY) ||
			     setuid(NOBODY)))
			_exit(99);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) < 0)
		return 98;
	if (WIFSIGNALED(status))
		return 100 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static const char *cn(int r)
{
	static char buf[32];

	if (r >= 100) {
		snprintf(buf, sizeof(buf), "sig%d", r - 100);
		return buf;
	}
	return en(r);
}

/* ---- the tests ------------------------------------------------------------- */

static void t_get_errors(void)
{
	int id;

	see_rc("size0", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
	see_rc("absent", shmget(KEY(1), pg, 0600));
	id = new_seg(KEY(1), 2 * pg, 0600);
	see_rc("excl", shmget(KEY(1), pg, IPC_CREAT | IPC_EXCL | 0600));
	see_rc("bigger", shmget(KEY(1), 3 * pg, 0600));
	see_rc("smaller", shmget(KEY(1), pg, 0600));
	see_rc("lookup0", shmget(KEY(1), 0, 0));
	see("same_id=%d", shmget(KEY(1), 0, 0) == id);
	rm(id);
	see_rc("after_rmid", shmget(KEY(1), 0, 0));
}

static void t_get_ignored_flags(void)
{
	/* Linux ignores bits it does not know, and SHM_NORESERVE. */
	int id = shmget(IPC_PRIVATE, pg, IPC_CREAT | 0600 | SHM_NORESERVE |
			0x100000);

	see_rc("get", id);
	if (id >= 0)
		rm(id);
	/* A huge page size without SHM_HUGETLB means nothing. */
	id = shmget(IPC_PRIVATE, pg, IPC_CREAT | 0600 | HUGE_2MB);
	see_rc("huge_size_alone", id);
	if (id >= 0)
		rm(id);
}

static void t_limits(void)
{
	struct shminfo si;
	int max, id;

	max = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	see_rc("ipc_info", max);
	see("shmmin=%lu", si.shmmin);
	see("shmmni_pos=%d", si.shmmni > 0);
	see("shmall_pos=%d", si.shmall > 0);
	id = shmget(IPC_PRIVATE, si.shmmax + 1, IPC_CREAT | 0600);
	see_rc("over_shmmax", id);
	if (id >= 0)
		rm(id);
}

static void t_stat_fields(void)
{
	time_t t0 = time(NULL);
	struct shmid_ds ds;
	char *p;
	int id;

	id = new_seg(KEY(2), pg + 100, 0640);
	see_rc("stat", shmctl(id, IPC_STAT, &ds));
	see("key=%d", ds.shm_perm.__key == KEY(2));
	see("segsz=%zu", (size_t)ds.shm_segsz - (size_t)pg);
	see("mode=%04o", ds.shm_perm.mode);
	see("uid=%d", ds.shm_perm.uid == geteuid() && ds.shm_perm.cuid == geteuid());
	see("gid=%d", ds.shm_perm.gid == getegid() && ds.shm_perm.cgid == getegid());
	see("cpid=%d", ds.shm_cpid == getpid());
	see("lpid0=%d", ds.shm_lpid == 0);
	see("nattch=%lu", (unsigned long)ds.shm_nattch);
	see("atime0=%d dtime0=%d", ds.shm_atime == 0, ds.shm_dtime == 0);
	see("ctime=%d", ds.shm_ctime >= t0 && ds.shm_ctime <= time(NULL));
	p = shmat(id, NULL, 0);
	see_at("at", p);
	shmctl(id, IPC_STAT, &ds);
	see("nattch=%lu atime=%d lpid=%d", (unsigned long)ds.shm_nattch,
	    ds.shm_atime >= t0, ds.shm_lpid == getpid());
	shmdt(p);
	shmctl(id, IPC_STAT, &ds);
	see("nattch=%lu dtime=%d", (unsigned long)ds.shm_nattch,
	    ds.shm_dtime >= t0);
	rm(id);
}

/* A key as ftok(3) makes them, far above 2^23. */
static void t_big_key(void)
{
	key_t big = (key_t)(0x41000000u | (uint32_t)KEY(0x7e));
	struct shmid_ds ds;
	int id = new_seg(big, pg, 0600);

	see("lookup=%d", shmget(big, 0, 0) == id);
	see_rc("stat", shmctl(id, IPC_STAT, &ds));
	see("key=%d", ds.shm_perm.__key == big);
	see_rc("other_key", shmget(big + 1, 0, 0));
	rm(id);
}

static int as_nobody_set(void *arg)
{
	struct shmid_ds ds;
	int id = *(int *)arg;

	if (shmctl(id, IPC_STAT, &ds) < 0)
		return errno;
	if (shmctl(id, IPC_SET, &ds) < 0)
		return errno;
	return 0;
}

static void t_ipc_set(void)
{
	struct shmid_ds ds;
	int id = new_seg(KEY(3), pg, 0600);

	shmctl(id, IPC_STAT, &ds);
	ds.shm_perm.mode = 0644 | 01000;	/* only the low 9 bits count */
	ds.shm_perm.uid = NOBODY;
	see_rc("set", shmctl(id, IPC_SET, &ds));
	shmctl(id, IPC_STAT, &ds);
	see("mode=%04o uid=%d cuid=%d", ds.shm_perm.mode,
	    ds.shm_perm.uid == NOBODY, ds.shm_perm.cuid == 0);
	/* nobody is the owner now and may set. */
	see("nobody=%s", cn(child(1, as_nobody_set, &id)));
	ds.shm_perm.uid = 0;
	ds.shm_perm.mode = 0600;
	shmctl(id, IPC_SET, &ds);
	see("nobody_again=%s", cn(child(1, as_nobody_set, &id)));
	rm(id);
}

struct perm_arg {
	int id;
	key_t key;
};

static int as_nobody_perms(void *arg)
{
	struct perm_arg *a = arg;
	struct shmid_ds ds;
	int r[5];

	errno = 0;
	r[0] = shmget(a->key, 0, 0) < 0 ? errno : 0;
	r[1] = shmget(a->key, 0, 0400) < 0 ? errno : 0;
	r[2] = shmat(a->id, NULL, SHM_RDONLY) == (void *)-1 ? errno : 0;
	r[3] = shmctl(a->id, IPC_STAT, &ds) < 0 ? errno : 0;
	r[4] = shmctl(a->id, IPC_RMID, NULL) < 0 ? errno : 0;
	snprintf(scratch, 256, "get=%s get_r=%s at=%s stat=%s rmid=%s",
		 en(r[0]), en(r[1]), en(r[2]), en(r[3]), en(r[4]));
	return 0;
}

static void t_permissions(void)
{
	struct perm_arg a = { .key = KEY(4) };
	int r;

	a.id = new_seg(a.key, pg, 0600);
	scratch[0] = 0;
	r = child(1, as_nobody_perms, &a);
	see("child=%s %s", cn(r), scratch);
	rm(a.id);
}

static void t_rmid(void)
{
	struct shmid_ds ds;
	char *p;
	int id = new_seg(KEY(5), pg, 0600);

	p = shmat(id, NULL, 0);
	see_at("at", p);
	p[0] = 'r';
	see_rc("rmid", shmctl(id, IPC_RMID, NULL));
	see_rc("stat", shmctl(id, IPC_STAT, &ds));
	see("dest=%d key0=%d nattch=%lu", !!(ds.shm_perm.mode & SHM_DEST),
	    ds.shm_perm.__key == IPC_PRIVATE, (unsigned long)ds.shm_nattch);
	see_rc("get_key", shmget(KEY(5), 0, 0));
	see("data=%c", p[0]);
	see_rc("dt", shmdt(p));
	see_rc("stat_gone", shmctl(id, IPC_STAT, &ds));
}

static void t_attach_removed(void)
{
	int id = new_seg(KEY(6), pg, 0600);
	char *p, *q;

	p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	q = shmat(id, NULL, 0);
	see_at("at_removed", q);
	if (q != (void *)-1)
		shmdt(q);
	shmdt(p);
}

static void t_attach_errors(void)
{
	int id = new_seg(IPC_PRIVATE, 2 * pg, 0600);
	char *p, *q;

	see_at("bad_id", shmat(-1, NULL, 0));
	p = shmat(id, NULL, 0);
	see_at("at", p);
	see_at("unaligned", shmat(id, p + 1, 0));
	q = shmat(id, (char *)((uintptr_t)p + 1 + 2 * pg), SHM_RND);
	/* Rounded down into the first attach: occupied. */
	see_at("rnd_occupied", q);
	see_at("occupied", shmat(id, p, 0));
	see_rc("dt_unaligned", shmdt(p + 1));
	see_rc("dt_middle", shmdt(p + pg));
	see_rc("dt", shmdt(p));
	see_rc("dt_again", shmdt(p));
	rm(id);
}

static int write_page(void *arg)
{
	*(volatile char *)arg = 1;
	return 0;
}

static void t_rdonly(void)
{
	int id = new_seg(IPC_PRIVATE, pg, 0600);
	char *p = shmat(id, NULL, SHM_RDONLY);

	see_at("at", p);
	see("write=%s", cn(child(0, write_page, p)));
	see_rc("mprotect_w", mprotect(p, pg, PROT_READ | PROT_WRITE));
	shmdt(p);
	rm(id);
}

static void t_partial_munmap(void)
{
	int id = new_seg(IPC_PRIVATE, 4 * pg, 0600);
	char *p = shmat(id, NULL, 0);

	memset(p, 'm', 4 * pg);
	see_rc("munmap_mid", munmap(p + pg, pg));
	see("nattch=%d", nattch(id));
	see("data=%c%c%c", p[0], p[2 * pg], p[4 * pg - 1]);
	see_rc("munmap_first", munmap(p, pg));
	see("nattch=%d", nattch(id));
	see_rc("dt", shmdt(p));
	see("nattch=%d", nattch(id));
	see_rc("dt_again", shmdt(p + 2 * pg));
	rm(id);
}

static void t_partial_mprotect(void)
{
	int id = new_seg(IPC_PRIVATE, 4 * pg, 0600);
	char *p = shmat(id, NULL, 0);

	see_rc("mprotect_mid", mprotect(p + pg, pg, PROT_READ));
	see("nattch=%d", nattch(id));
	see("write_ro=%s", cn(child(0, write_page, p + pg)));
	see("write_rw=%s", cn(child(0, write_page, p + 2 * pg)));
	see_rc("mprotect_back", mprotect(p + pg, pg, PROT_READ | PROT_WRITE));
	see("nattch=%d", nattch(id));
	p[pg] = 'w';
	see_rc("dt", shmdt(p));
	see("nattch=%d", nattch(id));
	rm(id);
}

static void t_madvise(void)
{
	int id = new_seg(IPC_PRIVATE, 4 * pg, 0600);
	char *p = shmat(id, NULL, 0);

	memset(p, 'd', 4 * pg);
	see_rc("dontneed", madvise(p + pg, pg, MADV_DONTNEED));
	see("data=%c", p[pg]);
	see("nattch=%d", nattch(id));
	see_rc("dontfork", madvise(p + pg, 2 * pg, MADV_DONTFORK));
	see("nattch=%d", nattch(id));
	see_rc("dt", shmdt(p));
	see("nattch=%d", nattch(id));
	rm(id);
}

static void t_remap_file_pages(void)
{
	int id = new_seg(IPC_PRIVATE, 4 * pg, 0600);
	char *p = shmat(id, NULL, 0);
	int i;

	for (i = 0; i < 4; i++)
		p[i * pg] = 'A' + i;
	see_rc("remap", syscall(SYS_remap_file_pages, p, pg, 0, 3, 0));
	see("page0=%c page1=%c", p[0], p[pg]);
	see("nattch=%d", nattch(id));
	p[0] = 'Z';
	see("page3=%c", p[3 * pg]);
	see_rc("dt", shmdt(p));
	see("nattch=%d", nattch(id));
	rm(id);
}

static int fork_child_nattch(void *arg)
{
	return nattch(*(int *)arg);
}

static void t_fork(void)
{
	int id = new_seg(IPC_PRIVATE, pg, 0600);
	char *p = shmat(id, NULL, 0);

	see("child_nattch=%d", child(0, fork_child_nattch, &id));
	see("nattch=%d", nattch(id));
	shmdt(p);
	rm(id);
}

struct lock_arg {
	int id;
	rlim_t memlock;
};

static int lock_as_nobody(void *arg)
{
	struct lock_arg *a = arg;
	struct rlimit rl = { a->memlock, a->memlock };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return 97;
	return shmctl(a->id, SHM_LOCK, NULL) < 0 ? errno : 0;
}

static void t_lock_unlock(void)
{
	struct lock_arg a;
	struct shmid_ds ds;
	int id = new_seg(IPC_PRIVATE, 4 * pg, 0600);

	see_rc("lock", shmctl(id, SHM_LOCK, NULL));
	shmctl(id, IPC_STAT, &ds);
	see("locked=%d", !!(ds.shm_perm.mode & SHM_LOCKED));
	see_rc("lock_again", shmctl(id, SHM_LOCK, NULL));
	see_rc("unlock", shmctl(id, SHM_UNLOCK, NULL));
	shmctl(id, IPC_STAT, &ds);
	see("locked=%d", !!(ds.shm_perm.mode & SHM_LOCKED));
	see_rc("unlock_again", shmctl(id, SHM_UNLOCK, NULL));

	a.id = id;
	a.memlock = 64 * pg;
	see("nobody_not_owner=%s", cn(child(1, lock_as_nobody, &a)));
	/* Make nobody the owner. */
	shmctl(id, IPC_STAT, &ds);
	ds.shm_perm.uid = NOBODY;
	shmctl(id, IPC_SET, &ds);
	a.memlock = 0;
	see("owner_rlimit0=%s", cn(child(1, lock_as_nobody, &a)));
	a.memlock = pg;
	see("owner_rlimit_small=%s", cn(child(1, lock_as_nobody, &a)));
	a.memlock = 64 * pg;
	see("owner_rlimit_ok=%s", cn(child(1, lock_as_nobody, &a)));
	shmctl(id, IPC_STAT, &ds);
	see("locked=%d", !!(ds.shm_perm.mode & SHM_LOCKED));
	see_rc("bad_id", shmctl(-1, SHM_LOCK, NULL));
	rm(id);
}

/* A field of /proc/meminfo, -1 if missing. */
static long meminfo(const char *field)
{
	char line[128];
	long v = -1;
	size_t len = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/*
 * Is the memory just touched huge?  System V takes a page of the hugetlb
 * pool (HugePages_Free drops); clshm a transparent huge folio of shmem
 * (ShmemHugePages grows by 2 MiB).
 */
struct huge_snap {
	long pool_free, shmem_huge_kb;
};

static void huge_snap(struct huge_snap *h)
{
	h->pool_free = meminfo("HugePages_Free");
	h->shmem_huge_kb = meminfo("ShmemHugePages");
}

static int huge_used(const struct huge_snap *before)
{
	struct huge_snap now;

	huge_snap(&now);
	return now.pool_free < before->pool_free ||
	       now.shmem_huge_kb >= before->shmem_huge_kb + 2048;
}

static int huge_as_nobody(void *arg)
{
	int id = shmget(IPC_PRIVATE, 2 << 20, IPC_CREAT | SHM_HUGETLB | 0600);

	(void)arg;
	if (id < 0)
		return errno;
	rm(id);
	return 0;
}

static void t_hugetlb(void)
{
	struct shmid_ds ds;
	char *p;
	int id;

	id = shmget(IPC_PRIVATE, 2 << 20, IPC_CREAT | SHM_HUGETLB | 0600);
	see_rc("huge", id);
	if (id >= 0) {
		p = shmat(id, NULL, 0);
		see_at("at", p);
		if (p != (void *)-1) {
			struct huge_snap before;

			huge_snap(&before);
			memset(p, 'h', 2 << 20);
			see("data=%c", p[(2 << 20) - 1]);
			see("huge_backed=%d", huge_used(&before));
			see_rc("lock", shmctl(id, SHM_LOCK, NULL));
			shmctl(id, IPC_STAT, &ds);
			see("locked=%d", !!(ds.shm_perm.mode & SHM_LOCKED));
			shmdt(p);
		}
		rm(id);
	}
	id = shmget(IPC_PRIVATE, pg, IPC_CREAT | SHM_HUGETLB | HUGE_2MB | 0600);
	see_rc("huge_2mb_small", id);
	if (id >= 0) {
		shmctl(id, IPC_STAT, &ds);
		see("segsz=%zu", (size_t)ds.shm_segsz - (size_t)pg);
		rm(id);
	}
	/* EINVAL without a 1 GiB page size, ENOMEM with an empty pool. */
	see("huge_1gb_fails=%d", shmget(IPC_PRIVATE, pg, IPC_CREAT |
					SHM_HUGETLB | HUGE_1GB | 0600) < 0);
	see("nobody=%s", cn(child(1, huge_as_nobody, NULL)));
}

/* A huge segment attached at an address that is not 2 MiB aligned. */
static void t_hugetlb_unaligned(void)
{
	int id = shmget(IPC_PRIVATE, 2 << 20, IPC_CREAT | SHM_HUGETLB | 0600);
	char *p, *q;

	see_rc("huge", id);
	if (id < 0)
		return;
	/* Find 4 MiB of free address space, then try 4 KiB into it. */
	p = mmap(NULL, 4 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, 4 << 20);
	p = (char *)(((uintptr_t)p + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
	q = shmat(id, p + pg, 0);
	see_at("at_unaligned", q);
	if (q != (void *)-1)
		shmdt(q);
	q = shmat(id, p, 0);
	see_at("at_aligned", q);
	if (q != (void *)-1)
		shmdt(q);
	rm(id);
}

static int stat_as_nobody(void *arg)
{
	struct shmid_ds ds;
	int idx = *(int *)arg;
	int a, b;

	a = shmctl(idx, SHM_STAT, &ds) < 0 ? errno : 0;
	b = shmctl(idx, SHM_STAT_ANY, &ds) < 0 ? errno : 0;
	snprintf(scratch, 256, "nobody_stat=%s nobody_stat_any=%s", en(a),
		 en(b));
	return 0;
}

static void t_stat_index(void)
{
	struct shm_info info;
	struct shmid_ds ds;
	int id, max, idx, found = -1, r;

	id = new_seg(KEY(7), 3 * pg, 0600);
	max = shmctl(0, SHM_INFO, (struct shmid_ds *)&info);
	see_rc("shm_info", max);
	see("used_ids_pos=%d", info.used_ids > 0);
	for (idx = 0; idx <= max; idx++) {
		r = shmctl(idx, SHM_STAT, &ds);
		if (r == id && ds.shm_perm.__key == KEY(7)) {
			found = idx;
			see("found=1 segsz=%zu", (size_t)ds.shm_segsz / pg);
		}
	}
	if (found < 0)
		see("found=0");
	see_rc("past_max", shmctl(max + 1, SHM_STAT, &ds));
	see_rc("stat_any", found < 0 ? -1 :
	       (shmctl(found, SHM_STAT_ANY, &ds) == id ? 0 : -1));
	if (found >= 0) {
		scratch[0] = 0;
		r = child(1, stat_as_nobody, &found);
		see("child=%s %s", cn(r), scratch);
	}
	rm(id);
	see_rc("after_rmid", found < 0 ? -1 : shmctl(found, SHM_STAT, &ds));
	/* The highest index goes down when its segment goes. */
	id = new_seg(KEY(8), pg, 0600);
	idx = new_seg(KEY(9), pg, 0600);
	max = shmctl(0, SHM_INFO, (struct shmid_ds *)&info);
	rm(idx);
	see("max_drops=%d", shmctl(0, SHM_INFO, (struct shmid_ds *)&info) < max);
	rm(id);
}

/* Threads create, attach, use, detach and remove segments at once. */
static void *thread_churn(void *arg)
{
	long i, bad = 0;

	(void)arg;
	for (i = 0; i < 50 && !bad; i++) {
		int id = shmget(IPC_PRIVATE, pg, IPC_CREAT | 0600);
		char *p = id < 0 ? (void *)-1 : shmat(id, NULL, 0);

		if (p == (void *)-1) {
			bad = errno;
		} else {
			p[0] = (char)i;
			bad = p[0] != (char)i || shmdt(p) < 0 ? EIO : 0;
		}
		if (id >= 0 && shmctl(id, IPC_RMID, NULL) < 0)
			bad = errno;
	}
	return (void *)bad;
}

static void t_threads(void)
{
	pthread_t th[4];
	void *r;
	int i, bad = 0;

	for (i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, thread_churn, NULL))
			exit(1);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], &r);
		if (r && !bad)
			bad = (int)(long)r;
	}
	see("threads=%s", en(bad));
}

static const char *self_exe = "/proc/self/exe";

/* The exec'd image: attach @id and check what the parent wrote. */
static int exec_child(int id)
{
	char *p = shmat(id, NULL, SHM_RDONLY);

	if (p == (void *)-1)
		return 2;
	return strcmp(p, "across exec") ? 3 : 0;
}

static void t_exec(void)
{
	int id = new_seg(IPC_PRIVATE, pg, 0600);
	char *p = shmat(id, NULL, 0), arg[16];
	int status;
	pid_t pid;

	strcpy(p, "across exec");
	snprintf(arg, sizeof(arg), "%d", id);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		execl(self_exe, "sysv_conform", "--exec-child", arg, (char *)NULL);
		_exit(4);
	}
	waitpid(pid, &status, 0);
	see("exec_child=%d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	see("nattch=%d", nattch(id));
	shmdt(p);
	rm(id);
}

struct test {
	const char *name;
	void (*fn)(void);
};

static const struct test tests[] = {
	{ "get_errors", t_get_errors },
	{ "get_ignored_flags", t_get_ignored_flags },
	{ "limits", t_limits },
	{ "stat_fields", t_stat_fields },
	{ "big_key", t_big_key },
	{ "ipc_set", t_ipc_set },
	{ "permissions", t_permissions },
	{ "rmid", t_rmid },
	{ "attach_removed", t_attach_removed },
	{ "attach_errors", t_attach_errors },
	{ "rdonly", t_rdonly },
	{ "partial_munmap", t_partial_munmap },
	{ "partial_mprotect", t_partial_mprotect },
	{ "madvise", t_madvise },
	{ "remap_file_pages", t_remap_file_pages },
	{ "fork", t_fork },
	{ "lock_unlock", t_lock_unlock },
	{ "hugetlb", t_hugetlb },
	{ "hugetlb_unaligned", t_hugetlb_unaligned },
	{ "stat_index", t_stat_index },
	{ "threads", t_threads },
	{ "exec", t_exec },
};

int main(int argc, char **argv)
{
	size_t i;

	pg = sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "--exec-child"))
		return exec_child(atoi(argv[2]));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("SYSV_CONFORM_KEYBASE"))
		key_base = (key_t)strtol(getenv("SYSV_CONFORM_KEYBASE"), NULL, 0);
	keyed = getenv("SYSV_CONFORM_KEYED") != NULL;
	scratch = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		return 1;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && strcmp(argv[1], tests[i].name))
			continue;
		obs[0] = 0;
		tests[i].fn();
		printf("%s\t%s\n", tests[i].name, obs);
	}
	return 0;
}
