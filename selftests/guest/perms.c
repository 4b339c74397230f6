// SPDX-License-Identifier: GPL-2.0
/*
 * perms - permissions of segments between users, and read-only attaches
 *
 * Root (the test process) creates segments; a child that has become
 * TEST_UID tries to use them.  Read-only attaches must fault on write
 * and must not be made writable with mprotect().
 */
#include <setjmp.h>

#include "common.h"

CLSHM_FIXTURE(perms)

/* What the user child does with a segment. */
struct user_op {
	int shmid;
	int flags;		/* xp_shmat flags */
	int expect_errno;	/* 0: the attach must work */
	int write;		/* write 'marker' at offset 0 after attaching */
	int read;		/* expect 'marker' at offset 0 */
	char marker;
};

static int attach_as_user(void *arg)
{
	struct user_op *op = arg;
	char *p = xp_shmat(op->shmid, NULL, op->flags);

	if (op->expect_errno) {
		CHILD_CHECK(p == XP_FAILED);
		CHILD_CHECK(errno == op->expect_errno);
		return 0;
	}
	CHILD_CHECK(p != XP_FAILED);
	if (op->read)
		CHILD_CHECK(p[0] == op->marker);
	if (op->write)
		p[0] = op->marker;
	CHILD_CHECK(xp_shmdt(p) == 0);
	return 0;
}

static int make_seg(int mode)
{
	return xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | mode);
}

TEST_F(perms, mode0600_other_user_rw_eacces)
{
	struct user_op op = { .expect_errno = EACCES };

	op.shmid = make_seg(0600);
	ASSERT_LE(0, op.shmid);
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &op));
	EXPECT_EQ(0, seg_nattch(op.shmid));
}

TEST_F(perms, mode0600_other_user_ro_eacces)
{
	struct user_op op = { .flags = SHM_RDONLY, .expect_errno = EACCES };

	op.shmid = make_seg(0600);
	ASSERT_LE(0, op.shmid);
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &op));
}

TEST_F(perms, mode0644_other_user_ro_works)
{
	struct user_op op = { .flags = SHM_RDONLY, .read = 1, .marker = 'r' };
	char *p;

	op.shmid = make_seg(0644);
	ASSERT_LE(0, op.shmid);
	p = xp_shmat(op.shmid, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[0] = 'r';
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &op));
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(perms, mode0644_other_user_rw_eacces)
{
	struct user_op op = { .expect_errno = EACCES };

	op.shmid = make_seg(0644);
	ASSERT_LE(0, op.shmid);
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &op));
}

TEST_F(perms, mode0666_other_user_rw_works)
{
	struct user_op op = { .write = 1, .marker = 'w' };
	char *p;

	op.shmid = make_seg(0666);
	ASSERT_LE(0, op.shmid);
	p = xp_shmat(op.shmid, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &op));
	/* the user's write is visible to root */
	EXPECT_EQ('w', p[0]);
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(perms, group_bits_grant_group)
{
	struct user_op op = { .write = 1, .marker = 'g' };
	struct shmid_ds ds;

	op.shmid = make_seg(0060);
	ASSERT_LE(0, op.shmid);
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_STAT, &ds));
	ds.shm_perm.gid = TEST_GID;	/* owner stays root */
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_SET, &ds));
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &op));
}

TEST_F(perms, owner_bits_do_not_fall_through)
{
	/* owner with mode 0066: the owner bits say no, even though others
	 * may (System V checks only the owner class for the owner) */
	struct user_op op = { .expect_errno = EACCES };
	struct shmid_ds ds;

	op.shmid = make_seg(0066);
	ASSERT_LE(0, op.shmid);
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_STAT, &ds));
	ds.shm_perm.uid = TEST_UID;
	ds.shm_perm.gid = TEST_GID;
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_SET, &ds));
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &op));
}

TEST_F(perms, root_overrides_mode)
{
	int id = make_seg(0);
	char *p;

	ASSERT_LE(0, id);
	/* CAP_IPC_OWNER: mode 0 is no obstacle for root */
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[0] = 1;
	EXPECT_EQ(0, xp_shmdt(p));
}

TEST_F(perms, ipc_set_gives_ownership)
{
	struct user_op op = { .write = 1, .marker = 'o' };
	struct shmid_ds ds;

	op.shmid = make_seg(0600);
	ASSERT_LE(0, op.shmid);
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_STAT, &ds));
	ds.shm_perm.uid = TEST_UID;
	ds.shm_perm.gid = TEST_GID;
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_SET, &ds));
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_STAT, &ds));
	EXPECT_EQ(TEST_UID, ds.shm_perm.uid);
	EXPECT_EQ(TEST_GID, ds.shm_perm.gid);
	EXPECT_EQ(0, ds.shm_perm.cuid);
	/* the new owner may attach through the owner bits */
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &op));
}

static int set_mode_as_user(void *arg)
{
	struct user_op *op = arg;
	struct shmid_ds ds;

	CHILD_CHECK(xp_shmctl(op->shmid, IPC_STAT, &ds) == 0);
	ds.shm_perm.mode = 0640;
	if (op->expect_errno) {
		CHILD_CHECK(xp_shmctl(op->shmid, IPC_SET, &ds) == -1);
		CHILD_CHECK(errno == op->expect_errno);
	} else {
		CHILD_CHECK(xp_shmctl(op->shmid, IPC_SET, &ds) == 0);
	}
	return 0;
}

TEST_F(perms, ipc_set_by_new_owner_works)
{
	struct user_op op = { 0 };
	struct shmid_ds ds;

	op.shmid = make_seg(0600);
	ASSERT_LE(0, op.shmid);
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_STAT, &ds));
	ds.shm_perm.uid = TEST_UID;
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_SET, &ds));
	ASSERT_CHILD_OK(run_child(TEST_UID, set_mode_as_user, &op));
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_STAT, &ds));
	EXPECT_EQ(0640, ds.shm_perm.mode & 0777);
}

TEST_F(perms, ipc_set_by_other_eperm)
{
	struct user_op op = { .expect_errno = EPERM };
	struct shmid_ds ds;

	op.shmid = make_seg(0666);
	ASSERT_LE(0, op.shmid);
	ASSERT_CHILD_OK(run_child(TEST_UID, set_mode_as_user, &op));
	ASSERT_EQ(0, xp_shmctl(op.shmid, IPC_STAT, &ds));
	EXPECT_EQ(0666, ds.shm_perm.mode & 0777);
}

static int create_as_user(void *arg)
{
	int *shmid = arg;
	int id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);

	CHILD_CHECK(id >= 0);
	/* hand the shmid back through the shared anonymous page */
	*shmid = id;
	return 0;
}

static int rmid_as_user(void *arg)
{
	int *shmid = arg;

	CHILD_CHECK(xp_shmctl(*shmid, IPC_RMID) == 0);
	return 0;
}

TEST_F(perms, creator_keeps_rights_after_giving_away)
{
	struct shmid_ds ds;
	int *shared;

	shared = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	*shared = -1;
	ASSERT_CHILD_OK(run_child(TEST_UID, create_as_user, shared));
	ASSERT_LE(0, *shared);
	ASSERT_EQ(0, xp_shmctl(*shared, IPC_STAT, &ds));
	EXPECT_EQ(TEST_UID, ds.shm_perm.uid);
	EXPECT_EQ(TEST_UID, ds.shm_perm.cuid);
	/* root takes it over; the creator may still remove it */
	ds.shm_perm.uid = 0;
	ds.shm_perm.gid = 0;
	ASSERT_EQ(0, xp_shmctl(*shared, IPC_SET, &ds));
	ASSERT_CHILD_OK(run_child(TEST_UID, rmid_as_user, shared));
	EXPECT_EQ(-1, xp_shmctl(*shared, IPC_STAT, &ds));
	EXPECT_EQ(EINVAL, errno);
	munmap(shared, sizeof(int));
}

TEST_F(perms, ipc_set_mode_changes_access)
{
	struct user_op deny = { .expect_errno = EACCES };
	struct user_op allow = { .write = 1, .marker = 'm' };
	struct shmid_ds ds;
	int id = make_seg(0600);

	ASSERT_LE(0, id);
	deny.shmid = allow.shmid = id;
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &deny));
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &ds));
	ds.shm_perm.mode = 0666;
	ASSERT_EQ(0, xp_shmctl(id, IPC_SET, &ds));
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &allow));
	ds.shm_perm.mode = 0600;
	ASSERT_EQ(0, xp_shmctl(id, IPC_SET, &ds));
	ASSERT_CHILD_OK(run_child(TEST_UID, attach_as_user, &deny));
}

static int write_readonly(void *arg)
{
	volatile char *p = arg;

	p[0] = 1;		/* must raise SIGSEGV */
	return 0;
}

TEST_F(perms, rdonly_attach_write_faults)
{
	int id = make_seg(0600), status;
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, p);
	EXPECT_EQ(0, p[0]);
	status = run_child(-1, write_readonly, p);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		TH_LOG("child: %s", status_str(status));
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(perms, rdonly_attach_mprotect_write_eacces)
{
	int id = make_seg(0600);
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, page_size(), PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	ASSERT_EQ(0, xp_shmdt(p));
}

static sigjmp_buf segv_env;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_env, 1);
}

/* As the user who may only read: attach read-only, a write faults. */
static int write_faults_as_user(void *arg)
{
	struct user_op *op = arg;
	struct sigaction sa;
	volatile char *p;

	p = xp_shmat(op->shmid, NULL, SHM_RDONLY);
	CHILD_CHECK(p != XP_FAILED);
	CHILD_CHECK(p[0] == op->marker);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	CHILD_CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	if (sigsetjmp(segv_env, 1) == 0) {
		p[0] = 'x';
		CHILD_CHECK(!"the write to a read-only attach did not fault");
	}
	CHILD_CHECK(p[0] == op->marker);
	CHILD_CHECK(xp_shmdt((const void *)p) == 0);
	return 0;
}

TEST_F(perms, rdonly_attach_by_user_write_faults)
{
	struct user_op op = { .marker = 'q' };
	char *p;

	op.shmid = make_seg(0444);
	ASSERT_LE(0, op.shmid);
	p = xp_shmat(op.shmid, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[0] = 'q';
	ASSERT_CHILD_OK(run_child(TEST_UID, write_faults_as_user, &op));
	EXPECT_EQ('q', p[0]);
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(perms, rw_attach_mprotect_whole_range)
{
	int id = xp_shmget(IPC_PRIVATE, 4 * page_size(), IPC_CREAT | 0600);
	int status;
	char *p;

	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[0] = 5;
	/* the whole attach may change protection (no split) */
	ASSERT_EQ(0, mprotect(p, 4 * page_size(), PROT_READ));
	status = run_child(-1, write_readonly, p);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		TH_LOG("child: %s", status_str(status));
	ASSERT_EQ(0, mprotect(p, 4 * page_size(), PROT_READ | PROT_WRITE));
	p[0] = 6;
	EXPECT_EQ(1, seg_nattch(id));
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_HARNESS_MAIN
