// SPDX-License-Identifier: GPL-2.0
/*
 * api_errno - every error path of every libxp call (xp_shm.h), and the
 * success cases that those errors are the other side of
 *
 * One error per test.  Permission errors run in a child that has become
 * TEST_UID (root has CAP_IPC_OWNER and CAP_SYS_ADMIN).  The bad arguments
 * that need no setup are a table at the end (BADCALL: the call and its
 * errno on one line, one TAP line each).
 */
#include <limits.h>
#include <sys/utsname.h>

#include "common.h"

CLSHM_FIXTURE(api)

/* A fresh file for path keys (the teardown removes it). */
static void tmp_path(char *buf, size_t len, const char *tag)
{
	int fd;

	test_file(buf, len, tag);
	fd = open(buf, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

/* An address range that is free now: n pages. */
static char *free_range(size_t n)
{
	char *p = mmap(NULL, n * page_size(), PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, n * page_size());
	return p;
}

/* ---------------------------------------------------------------- */
/* xp_shmget                                                          */

TEST_F(api, shmget_over_maxpgs_einval)
{
	struct clshm_info i;

	ASSERT_EQ(0, get_info(&i));
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE,
				(size_t)(i.maxpgs + 1) * page_size(),
				IPC_CREAT | 0600));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(api, shmget_larger_than_existing_einval)
{
	key_t k = xp_ftok(NULL, 1);
	int id;

	ASSERT_NE(-1, k);
	id = xp_shmget(k, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, xp_shmget(k, 2 * page_size(), 0600));
	EXPECT_EQ(EINVAL, errno);
	/* smaller or equal (or 0) finds it */
	EXPECT_EQ(id, xp_shmget(k, page_size(), 0600));
	EXPECT_EQ(id, xp_shmget(k, 1, 0600));
	EXPECT_EQ(id, xp_shmget(k, 0, 0600));
}

TEST_F(api, shmget_excl_eexist)
{
	key_t k = xp_ftok(NULL, 1);

	ASSERT_NE(-1, k);
	ASSERT_LE(0, xp_shmget(k, page_size(), IPC_CREAT | 0600));
	EXPECT_EQ(-1, xp_shmget(k, page_size(), IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(api, shmget_no_segment_enoent)
{
	char path[64];
	key_t k;

	tmp_path(path, sizeof(path), "noent");
	k = xp_ftok(path, 3);
	ASSERT_NE(-1, k);
	EXPECT_EQ(-1, xp_shmget(k, page_size(), 0600));
	EXPECT_EQ(ENOENT, errno);
	unlink(path);
}

struct get_req {
	key_t key;
	int flags;
	int expect_errno;	/* 0: must succeed */
};

static int shmget_as_user(void *arg)
{
	struct get_req *r = arg;
	int id = xp_shmget(r->key, 0, r->flags);

	if (!r->expect_errno) {
		CHILD_CHECK(id >= 0);
	} else {
		CHILD_CHECK(id == -1);
		CHILD_CHECK(errno == r->expect_errno);
	}
	return 0;
}

TEST_F(api, shmget_mode0_other_user_eacces)
{
	struct get_req r = { .flags = 0400, .expect_errno = EACCES };

	r.key = xp_ftok(NULL, 1);
	ASSERT_NE(-1, r.key);
	ASSERT_LE(0, xp_shmget(r.key, page_size(), IPC_CREAT | 0));
	ASSERT_CHILD_OK(run_child(TEST_UID, shmget_as_user, &r));
}

TEST_F(api, shmget_mode_bits_other_user_eacces)
{
	struct get_req r = { .flags = 0400, .expect_errno = 0 };

	r.key = xp_ftok(NULL, 1);
	ASSERT_NE(-1, r.key);
	ASSERT_LE(0, xp_shmget(r.key, page_size(), IPC_CREAT | 0604));
	/* read is granted to others ... */
	ASSERT_CHILD_OK(run_child(TEST_UID, shmget_as_user, &r));
	/* ... write is not */
	r.flags = 0600;
	r.expect_errno = EACCES;
	ASSERT_CHILD_OK(run_child(TEST_UID, shmget_as_user, &r));
}

struct order_req {
	key_t key;
	size_t size;
	int flags;
	int expect_errno;
};

static int shmget_order_as_user(void *arg)
{
	struct order_req *r = arg;

	CHILD_CHECK(xp_shmget(r->key, r->size, r->flags) == -1);
	CHILD_CHECK(errno == r->expect_errno);
	return 0;
}

TEST_F(api, shmget_order_eexist_before_eacces)
{
	struct order_req r = { .size = page_size(),
			       .flags = IPC_CREAT | IPC_EXCL | 0600,
			       .expect_errno = EEXIST };

	r.key = xp_ftok(NULL, 1);
	ASSERT_NE(-1, r.key);
	ASSERT_LE(0, xp_shmget(r.key, page_size(), IPC_CREAT | 0600));
	ASSERT_CHILD_OK(run_child(TEST_UID, shmget_order_as_user, &r));
}

TEST_F(api, shmget_order_eacces_before_einval)
{
	struct order_req r = { .size = 4 * page_size(), .flags = 0600,
			       .expect_errno = EACCES };

	r.key = xp_ftok(NULL, 1);
	ASSERT_NE(-1, r.key);
	ASSERT_LE(0, xp_shmget(r.key, page_size(), IPC_CREAT | 0600));
	ASSERT_CHILD_OK(run_child(TEST_UID, shmget_order_as_user, &r));
}

TEST_F(api, shmget_page_limit_enomem)
{
	struct clshm_info i;
	uint64_t left;
	long ps = page_size();

	ASSERT_EQ(0, get_info(&i));
	ASSERT_LE(i.pages_reserved, i.maxpgs);
	left = i.maxpgs - i.pages_reserved;
	if (left < 4)
		SKIP(return, "only %llu pages left", (unsigned long long)left);
	/* all but one page reserved (never touched: nothing allocated) */
	ASSERT_LE(0, xp_shmget(IPC_PRIVATE, (size_t)(left - 1) * ps,
			       IPC_CREAT | 0600));
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, 2 * ps, IPC_CREAT | 0600));
	EXPECT_EQ(ENOMEM, errno);
	/* the last page is still there */
	EXPECT_LE(0, xp_shmget(IPC_PRIVATE, ps, IPC_CREAT | 0600));
}

TEST_F(api, shmget_segment_limit_enospc)
{
	struct clshm_cfg want = self->ctx.cfg;
	struct clshm_info i;
	int n;

	/* room for exactly two more segments */
	want.maxsegs = self->ctx.nkeep + 2;
	ASSERT_EQ(0, ensure_cfg(&want));
	ASSERT_EQ(0, get_info(&i));
	ASSERT_EQ(want.maxsegs, i.maxsegs);
	for (n = 0; n < 2; n++) {
		ASSERT_LE(0, xp_shmget(IPC_PRIVATE, page_size(),
				       IPC_CREAT | 0600));
	}
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600));
	EXPECT_EQ(ENOSPC, errno);
	/* teardown restores the limit */
}

TEST_F(api, shmget_private_always_new)
{
	int a, b, c;

	a = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	b = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	c = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	EXPECT_NE(a, b);
	EXPECT_NE(b, c);
	EXPECT_NE(a, c);
}

TEST_F(api, shmget_minted_key_creates_without_creat)
{
	struct shmid_ds ds;
	key_t k = xp_ftok(NULL, 1);
	int id;

	ASSERT_NE(-1, k);
	id = xp_shmget(k, 3 * page_size(), 0640);
	ASSERT_LE(0, id) TH_LOG("xp_shmget: %s", strerror(errno));
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(k, ds.shm_perm.__key);
	EXPECT_EQ((size_t)3 * page_size(), ds.shm_segsz);
	EXPECT_EQ(0640, ds.shm_perm.mode & 0777);
	/* the second get finds the same segment */
	EXPECT_EQ(id, xp_shmget(k, 3 * page_size(), 0640));
}

TEST_F(api, shmget_minted_key_size0_enoent)
{
	key_t k = xp_ftok(NULL, 1);

	ASSERT_NE(-1, k);
	/* size 0 is a plain lookup: it creates nothing */
	EXPECT_EQ(-1, xp_shmget(k, 0, 0600));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, xp_shmget(k, 0, IPC_CREAT | 0600));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(api, shmget_path_key_needs_creat)
{
	char path[64];
	key_t k;
	int id;

	tmp_path(path, sizeof(path), "creat");
	k = xp_ftok(path, 5);
	ASSERT_NE(-1, k);
	EXPECT_EQ(-1, xp_shmget(k, page_size(), 0600));
	EXPECT_EQ(ENOENT, errno);
	id = xp_shmget(k, page_size(), IPC_CREAT | 0600);
	EXPECT_LE(0, id);
	EXPECT_EQ(id, xp_shmget(k, page_size(), 0600));
	unlink(path);
}

TEST_F(api, shmget_other_partition_enoent)
{
	key_t k = (key_t)CLSHM_ID_MAKE(3, 0x1234);

	EXPECT_EQ(-1, xp_shmget(k, page_size(), 0600));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(api, shmget_other_partition_creat_enoent)
{
	key_t k = (key_t)CLSHM_ID_MAKE(3, 0x1234);

	EXPECT_EQ(-1, xp_shmget(k, page_size(), IPC_CREAT | 0600));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(api, shmget_memory_zeroed)
{
	size_t size = 64 * page_size();
	unsigned char *p;
	size_t n, nonzero = 0;
	int id, id2;

	id = xp_shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	for (n = 0; n < size; n++)
		nonzero += p[n] != 0;
	EXPECT_EQ(0, nonzero);
	memset(p, 0xa5, size);
	ASSERT_EQ(0, xp_shmdt(p));
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	/* the freed pages come back zeroed in a new segment */
	id2 = xp_shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	ASSERT_LE(0, id2);
	p = xp_shmat(id2, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	for (n = 0; n < size; n++)
		nonzero += p[n] != 0;
	EXPECT_EQ(0, nonzero);
	ASSERT_EQ(0, xp_shmdt(p));
}

/* ---------------------------------------------------------------- */
/* xp_shmat                                                           */

TEST_F(api, shmat_unaligned_einval)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	char *r = free_range(4);

	ASSERT_LE(0, id);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(XP_FAILED, xp_shmat(id, r + page_size() + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, seg_nattch(id));
}

TEST_F(api, shmat_shm_rnd_rounds_down)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	char *r = free_range(4), *p;

	ASSERT_LE(0, id);
	ASSERT_NE(NULL, r);
	p = xp_shmat(id, r + page_size() + 123, SHM_RND);
	ASSERT_NE(XP_FAILED, p) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(r + page_size(), p);
	EXPECT_EQ(1, seg_nattch(id));
	EXPECT_EQ(0, xp_shmdt(p));
}

TEST_F(api, shmat_at_address)
{
	int id = xp_shmget(IPC_PRIVATE, 2 * page_size(), IPC_CREAT | 0600);
	char *r = free_range(4), *p;

	ASSERT_LE(0, id);
	ASSERT_NE(NULL, r);
	p = xp_shmat(id, r + page_size(), 0);
	ASSERT_NE(XP_FAILED, p) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(r + page_size(), p);
	p[0] = 1;
	p[2 * page_size() - 1] = 1;
	EXPECT_EQ(0, xp_shmdt(p));
}

TEST_F(api, shmat_occupied_range_einval)
{
	int id = xp_shmget(IPC_PRIVATE, 2 * page_size(), IPC_CREAT | 0600);
	char *r;

	ASSERT_LE(0, id);
	r = mmap(NULL, 4 * page_size(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	r[page_size()] = 7;
	/* overlaps the end of the anonymous mapping */
	EXPECT_EQ(XP_FAILED, xp_shmat(id, r + 3 * page_size(), 0));
	EXPECT_EQ(EINVAL, errno);
	/* the anonymous mapping is untouched */
	EXPECT_EQ(7, r[page_size()]);
	EXPECT_EQ(0, seg_nattch(id));
	munmap(r, 4 * page_size());
}

TEST_F(api, shmat_shm_rnd_to_zero_einval)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(XP_FAILED, xp_shmat(id, (void *)1, SHM_RND));
	EXPECT_EQ(EINVAL, errno);
}

static int shmat_low_as_user(void *arg)
{
	uintptr_t *req = arg;	/* shmid, address */

	CHILD_CHECK(xp_shmat((int)req[0], (void *)req[1], 0) == XP_FAILED);
	CHILD_CHECK(errno == EPERM);
	return 0;
}

TEST_F(api, shmat_below_mmap_min_addr_eperm)
{
	unsigned long min_addr = 0;
	uintptr_t req[2];
	FILE *f;
	int id;

	f = fopen("/proc/sys/vm/mmap_min_addr", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &min_addr));
	fclose(f);
	if (min_addr <= (unsigned long)page_size())
		SKIP(return, "vm.mmap_min_addr is %lu: no page below it",
		     min_addr);
	id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0666);
	ASSERT_LE(0, id);
	req[0] = (uintptr_t)id;
	req[1] = (min_addr - page_size()) & ~(uintptr_t)(page_size() - 1);
	/* as a user: root's CAP_SYS_RAWIO may map there */
	ASSERT_CHILD_OK(run_child(TEST_UID, shmat_low_as_user, req));
	EXPECT_EQ(0, seg_nattch(id));
}

TEST_F(api, shmat_unknown_flag_einval)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(XP_FAILED, xp_shmat(id, NULL, 040000 /* SHM_REMAP */));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(XP_FAILED, xp_shmat(id, NULL, 0x40000000));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, seg_nattch(id));
}

struct at_req {
	int shmid;
	int flags;
	int expect_errno;	/* 0: must succeed */
};

static int shmat_as_user(void *arg)
{
	struct at_req *r = arg;
	void *p = xp_shmat(r->shmid, NULL, r->flags);

	if (!r->expect_errno) {
		CHILD_CHECK(p != XP_FAILED);
		CHILD_CHECK(xp_shmdt(p) == 0);
	} else {
		CHILD_CHECK(p == XP_FAILED);
		CHILD_CHECK(errno == r->expect_errno);
	}
	return 0;
}

TEST_F(api, shmat_other_user_eacces)
{
	struct at_req r = { .flags = 0, .expect_errno = EACCES };

	r.shmid = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, r.shmid);
	ASSERT_CHILD_OK(run_child(TEST_UID, shmat_as_user, &r));
	EXPECT_EQ(0, seg_nattch(r.shmid));
}

TEST_F(api, shmat_removed_eidrm)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	EXPECT_EQ(XP_FAILED, xp_shmat(id, NULL, 0));
	EXPECT_EQ(EIDRM, errno);
	EXPECT_EQ(XP_FAILED, xp_shmat(id, NULL, SHM_RDONLY));
	EXPECT_EQ(EIDRM, errno);
	EXPECT_EQ(1, seg_nattch(id));
	ASSERT_EQ(0, xp_shmdt(p));
}

/* ---------------------------------------------------------------- */
/* xp_shmdt                                                           */

TEST_F(api, shmdt_not_an_attach_einval)
{
	char *r = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, r);
	EXPECT_EQ(-1, xp_shmdt(r));
	EXPECT_EQ(EINVAL, errno);
	munmap(r, page_size());
}

TEST_F(api, shmdt_unmapped_einval)
{
	char *r = free_range(1);

	ASSERT_NE(NULL, r);
	EXPECT_EQ(-1, xp_shmdt(r));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(api, shmdt_middle_einval)
{
	int id = xp_shmget(IPC_PRIVATE, 4 * page_size(), IPC_CREAT | 0600);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[page_size()] = 9;
	EXPECT_EQ(-1, xp_shmdt(p + page_size()));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, xp_shmdt(p + 3 * page_size()));
	EXPECT_EQ(EINVAL, errno);
	/* the attach is whole */
	EXPECT_EQ(1, seg_nattch(id));
	EXPECT_EQ(9, p[page_size()]);
	p[4 * page_size() - 1] = 1;
	EXPECT_EQ(0, xp_shmdt(p));
}

TEST_F(api, shmdt_sysv_attach_einval)
{
	int id = shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	void *p;

	ASSERT_LE(0, id) TH_LOG("System V shmget: %s", strerror(errno));
	p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	ASSERT_NE((void *)-1, p);
	EXPECT_EQ(-1, xp_shmdt(p));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, shmdt(p));
}

TEST_F(api, shmdt_twice_einval)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	unsigned char vec;
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, xp_shmdt(p));
	/* unmapped now */
	EXPECT_EQ(-1, mincore(p, page_size(), &vec));
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_EQ(0, seg_nattch(id));
	EXPECT_EQ(-1, xp_shmdt(p));
	EXPECT_EQ(EINVAL, errno);
}

/* ---------------------------------------------------------------- */
/* xp_shmctl                                                          */

TEST_F(api, shmctl_bad_cmd_einval)
{
	struct shmid_ds ds;
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, xp_shmctl(id, 0x7777, &ds));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, xp_shmctl(id, IPC_STAT | 0x1000, &ds));
	EXPECT_EQ(EINVAL, errno);
	/* still there */
	EXPECT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
}

TEST_F(api, shmctl_stat_null_efault)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, xp_shmctl(id, IPC_STAT, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(api, shmctl_set_null_efault)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(-1, xp_shmctl(id, IPC_SET, NULL));
	EXPECT_EQ(EFAULT, errno);
}

struct ctl_req {
	int shmid;
	int cmd;
	int expect_errno;
};

static int shmctl_as_user(void *arg)
{
	struct ctl_req *r = arg;
	struct shmid_ds ds;

	memset(&ds, 0, sizeof(ds));
	ds.shm_perm.uid = TEST_UID;
	ds.shm_perm.gid = TEST_GID;
	ds.shm_perm.mode = 0666;
	CHILD_CHECK(xp_shmctl(r->shmid, r->cmd, &ds) == -1);
	CHILD_CHECK(errno == r->expect_errno);
	return 0;
}

static void shmctl_user_check(struct __test_metadata *_metadata, int mode,
			      int cmd, int expect_errno)
{
	struct ctl_req r = { .cmd = cmd, .expect_errno = expect_errno };
	struct shmid_ds ds;

	r.shmid = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | mode);
	ASSERT_LE(0, r.shmid);
	ASSERT_CHILD_OK(run_child(TEST_UID, shmctl_as_user, &r));
	/* nothing changed */
	ASSERT_EQ(0, xp_shmctl(r.shmid, IPC_STAT, &ds));
	EXPECT_EQ(0, ds.shm_perm.uid);
	EXPECT_EQ(mode, ds.shm_perm.mode & 0777);
	EXPECT_EQ(0, ds.shm_perm.mode & SHM_DEST);
}

TEST_F(api, shmctl_set_not_owner_eperm)
{
	shmctl_user_check(_metadata, 0666, IPC_SET, EPERM);
}

TEST_F(api, shmctl_rmid_not_owner_eperm)
{
	shmctl_user_check(_metadata, 0666, IPC_RMID, EPERM);
}

TEST_F(api, shmctl_autormid_not_owner_eperm)
{
	shmctl_user_check(_metadata, 0666, IPC_AUTORMID, EPERM);
}

TEST_F(api, shmctl_stat_no_read_eacces)
{
	shmctl_user_check(_metadata, 0600, IPC_STAT, EACCES);
}

TEST_F(api, shmctl_stat_fields)
{
	struct shmid_ds ds;
	key_t k = xp_ftok(NULL, 1);
	int id;
	char *p;

	ASSERT_NE(-1, k);
	id = xp_shmget(k, 2 * page_size(), IPC_CREAT | 0640);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(k, ds.shm_perm.__key);
	EXPECT_EQ(0, ds.shm_perm.uid);
	EXPECT_EQ(0, ds.shm_perm.cuid);
	EXPECT_EQ(0640, ds.shm_perm.mode);
	EXPECT_EQ((size_t)2 * page_size(), ds.shm_segsz);
	EXPECT_EQ(getpid(), ds.shm_cpid);
	EXPECT_EQ(getpid(), ds.shm_lpid);
	EXPECT_EQ(1, ds.shm_nattch);
	EXPECT_NE(0, ds.shm_atime);
	EXPECT_EQ(0, ds.shm_dtime);
	EXPECT_NE(0, ds.shm_ctime);
	ASSERT_EQ(0, xp_shmdt(p));
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(0, ds.shm_nattch);
	EXPECT_NE(0, ds.shm_dtime);
}

TEST_F(api, shmctl_set_unmapped_uid_einval)
{
	struct shmid_ds ds;
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
	ds.shm_perm.uid = (uid_t)-1;
	EXPECT_EQ(-1, xp_shmctl(id, IPC_SET, &ds));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(0, ds.shm_perm.uid);
}

TEST_F(api, shmctl_set_by_owner)
{
	struct shmid_ds ds;
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
	ds.shm_perm.uid = TEST_UID;
	ds.shm_perm.gid = TEST_GID;
	ds.shm_perm.mode = 0640;
	ASSERT_EQ(0, xp_shmctl(id, IPC_SET, &ds));
	memset(&ds, 0, sizeof(ds));
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(TEST_UID, ds.shm_perm.uid);
	EXPECT_EQ(TEST_GID, ds.shm_perm.gid);
	EXPECT_EQ(0640, ds.shm_perm.mode);
	/* the creator stays */
	EXPECT_EQ(0, ds.shm_perm.cuid);
	EXPECT_EQ(0, ds.shm_perm.cgid);
}

/* ---------------------------------------------------------------- */
/* part_*                                                             */

TEST_F(api, part_getid_local)
{
	EXPECT_EQ((int)self->ctx.cfg.partid, part_getid());
	EXPECT_EQ(0, part_getid());
}

TEST_F(api, part_getcount_one)
{
	EXPECT_EQ(1, part_getcount());
}

TEST_F(api, part_getlist_local)
{
	partid_t list[XP_MAX_PARTITIONS];

	memset(list, 0xff, sizeof(list));
	ASSERT_EQ(1, part_getlist(list, XP_MAX_PARTITIONS));
	EXPECT_EQ(0, list[0]);
	EXPECT_EQ(-1, list[1]);
	EXPECT_EQ(0, part_getlist(list, 0));
}

TEST_F(api, part_gethostname_local)
{
	char name[XP_HOSTNAME_MAX];
	struct utsname u;

	ASSERT_EQ(0, uname(&u));
	memset(name, 0x55, sizeof(name));
	ASSERT_EQ(0, part_gethostname(0, name, sizeof(name)))
		TH_LOG("part_gethostname: %s", strerror(errno));
	ASSERT_NE(NULL, memchr(name, 0, sizeof(name)));
	EXPECT_STREQ(u.nodename, name);
}

TEST_F(api, part_gethostname_short_enametoolong)
{
	struct utsname u;
	char name[2];

	ASSERT_EQ(0, uname(&u));
	ASSERT_LT(1, strlen(u.nodename));
	EXPECT_EQ(-1, part_gethostname(0, name, sizeof(name)));
	EXPECT_EQ(ENAMETOOLONG, errno);
}

TEST_F(api, part_getlist_short)
{
	partid_t list[1] = { -1 };

	EXPECT_EQ(1, part_getlist(list, 1));
	EXPECT_EQ(0, list[0]);
}

TEST_F(api, part_getpart_owner)
{
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	ASSERT_LE(0, id);
	EXPECT_EQ(0, part_getpart(id));
}

/* ---------------------------------------------------------------- */
/* xp_ftok                                                            */

TEST_F(api, ftok_null_fresh_keys)
{
	key_t a = xp_ftok(NULL, 1), b = xp_ftok(NULL, 1);

	ASSERT_NE(-1, a);
	ASSERT_NE(-1, b);
	EXPECT_NE(a, b);
	EXPECT_NE(IPC_PRIVATE, a);
	EXPECT_EQ(0, CLSHM_ID_PART((uint32_t)a));
	EXPECT_EQ(0, (uint32_t)a & CLSHM_KEY_PATH_BIT);
}

TEST_F(api, ftok_path_deterministic)
{
	char path[64];
	key_t a, b, c;

	tmp_path(path, sizeof(path), "det");
	a = xp_ftok(path, 0x42);
	b = xp_ftok(path, 0x42);
	c = xp_ftok(path, 0x43);
	ASSERT_NE(-1, a);
	EXPECT_EQ(a, b);
	EXPECT_NE(a, c);
	EXPECT_EQ(0, CLSHM_ID_PART((uint32_t)a));
	EXPECT_EQ(CLSHM_KEY_PATH_BIT, (uint32_t)a & CLSHM_KEY_PATH_BIT);
	EXPECT_EQ(0x42, ((uint32_t)a >> 15) & 0xff);
	/* only the low 8 bits of id count */
	EXPECT_EQ(a, xp_ftok(path, 0x142));
	unlink(path);
}

TEST_F(api, ftok_partition_node_mints)
{
	char node[64];
	key_t a, b;

	snprintf(node, sizeof(node), CLSHM_PART_DIR "/%02x",
		 self->ctx.cfg.partid);
	ASSERT_EQ(0, access(node, F_OK)) TH_LOG("%s: %s", node, strerror(errno));
	a = xp_ftok(node, 1);
	b = xp_ftok(node, 1);
	ASSERT_NE(-1, a);
	ASSERT_NE(-1, b);
	EXPECT_NE(a, b);
	EXPECT_EQ(self->ctx.cfg.partid, CLSHM_ID_PART((uint32_t)a));
	EXPECT_EQ(0, (uint32_t)a & CLSHM_KEY_PATH_BIT);
	/* a minted key creates on first use */
	EXPECT_LE(0, xp_shmget(a, page_size(), 0600));
}

/* ---------------------------------------------------------------- */
/* Bad arguments that need no setup: a table, one TAP line a row      */

/*
 *   BADCALL(NAME, ERRNO, FAILED)
 *
 * FAILED is the call with its bad argument, compared with the call's
 * failure value; the row passes if that is true and errno is ERRNO.  The
 * test is "api_bad.NAME.fails".  Errors that need a segment, another
 * user or a particular state are the TEST_Fs above.
 */
FIXTURE(api_bad) { struct clshm_ctx ctx; };
FIXTURE_SETUP(api_bad) { CTX_SETUP(&self->ctx); }
FIXTURE_TEARDOWN(api_bad) { CTX_TEARDOWN(&self->ctx); }

FIXTURE_VARIANT(api_bad) {
	int (*call)(void);	/* 1 if the call failed as it should */
	int expect;		/* errno */
};

TEST_F(api_bad, fails)
{
	int failed;

	errno = 0;
	failed = variant->call();
	EXPECT_TRUE(failed) TH_LOG("the call did not fail");
	EXPECT_EQ(variant->expect, errno) TH_LOG("expected %s, got %s",
						  strerror(variant->expect),
						  strerror(errno));
}

#define BADCALL(vname, errno_, ...)					\
	static int call_##vname(void)					\
	{								\
		char name[XP_HOSTNAME_MAX] __attribute__((unused));	\
		partid_t list[4] __attribute__((unused));		\
		struct shmid_ds ds __attribute__((unused));		\
		int failed = (__VA_ARGS__);				\
		int err = errno;					\
									\
		errno = err;						\
		return failed;						\
	}								\
	FIXTURE_VARIANT_ADD(api_bad, vname) {				\
		.call = call_##vname, .expect = errno_,			\
	}

#define BAD_ID(serial) ((int)CLSHM_ID_MAKE(0, serial))	/* no such shmid */

/*      name                         errno         the failing call */
BADCALL(shmget_size0_create,         EINVAL,       xp_shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600) == -1);
BADCALL(shmget_size_max,             EINVAL,       xp_shmget(IPC_PRIVATE, SIZE_MAX, IPC_CREAT | 0600) == -1);
BADCALL(shmget_huge_1gb,             EINVAL,       xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600 | SHM_HUGETLB | (30 << 26)) == -1);
BADCALL(shmat_no_such_shmid,         EINVAL,       xp_shmat(BAD_ID(0xfffff7), NULL, 0) == XP_FAILED);
BADCALL(shmat_minus_one,             EINVAL,       xp_shmat(-1, NULL, 0) == XP_FAILED);
BADCALL(shmdt_null,                  EINVAL,       xp_shmdt(NULL) == -1);
BADCALL(shmctl_stat_no_such_shmid,   EINVAL,       xp_shmctl(BAD_ID(0xfffff9), IPC_STAT, &ds) == -1);
BADCALL(shmctl_rmid_no_such_shmid,   EINVAL,       xp_shmctl(BAD_ID(0xfffff9), IPC_RMID) == -1);
BADCALL(part_getlist_null,           EINVAL,       part_getlist(NULL, 4) == -1);
BADCALL(part_getlist_negative,       EINVAL,       part_getlist(list, -1) == -1);
BADCALL(part_gethostname_not_up,     ENOENT,       part_gethostname(1, name, sizeof(name)) == -1);
BADCALL(part_gethostname_part_max,   EINVAL,       part_gethostname(XP_MAX_PARTITIONS, name, sizeof(name)) == -1);
BADCALL(part_gethostname_part_neg,   EINVAL,       part_gethostname(-1, name, sizeof(name)) == -1);
BADCALL(part_gethostname_len0,       EINVAL,       part_gethostname(0, name, 0) == -1);
BADCALL(part_gethostname_null,       EFAULT,       part_gethostname(0, NULL, XP_HOSTNAME_MAX) == -1);
BADCALL(part_getpart_no_such_shmid,  EINVAL,       part_getpart(BAD_ID(0xfffffb)) == -1);
BADCALL(ftok_partition_not_up,       ENOENT,       xp_ftok(CLSHM_PART_DIR "/05", 1) == -1);
BADCALL(ftok_no_such_path,           ENOENT,       xp_ftok("/nonexistent/clshm/path", 1) == -1);
BADCALL(ftok_id_over_8_bits,         EINVAL,       xp_ftok("/tmp", 0x100) == -1);
BADCALL(ftok_id_zero,                EINVAL,       xp_ftok("/tmp", 0) == -1);

TEST_HARNESS_MAIN
