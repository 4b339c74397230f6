// SPDX-License-Identifier: GPL-2.0
/*
 * abi - the raw ioctl ABI of /dev/clshm/0/shm and /dev/clshm/0/ctl
 *
 * Every rejected argument (nonzero pad, unknown flag bits, values out of
 * range, wrong state, missing privilege) is one variant of the "badarg"
 * fixture, so each error path is its own test line.  The other tests
 * check the values the read-only ioctls report, the device nodes, the
 * attach mmap contract and the daemon-only ioctls.
 */
#include <sys/utsname.h>

#include "common.h"

/* Any ioctl argument. */
union abi_arg {
	struct clshm_version version;
	struct clshm_mintkey mintkey;
	struct clshm_shmget shmget;
	struct clshm_stat stat;
	struct clshm_set set;
	struct clshm_rmid rmid;
	struct clshm_shmdt shmdt;
	struct clshm_lock lock;
	struct clshm_list list;
	struct clshm_partlist partlist;
	struct clshm_hostname hostname;
	struct clshm_cfg cfg;
	struct clshm_startup startup;
	struct clshm_shutdown shutdown;
	struct clshm_hello hello;
	struct clshm_reply reply;
	struct clshm_clear clear;
	char raw[256];
};

/* What a bad-argument test needs around its ioctl. */
struct badarg_env {
	uint32_t shmid;		/* a 1-page mode 0600 segment (when up) */
	char namebuf[CLSHM_HOSTNAME_MAX];
	struct clshm_ds dsbuf[4];
	struct clshm_part_info partbuf[4];
	struct clshm_cfg cfg;	/* configuration before the ioctl */
};

FIXTURE(abi) {
	struct clshm_ctx ctx;
	int shm;
	int ctl;
};

FIXTURE_SETUP(abi)
{
	CTX_SETUP(&self->ctx);
	self->shm = shm_dev();
	ASSERT_LE(0, self->shm);
	self->ctl = ctl_dev();
	ASSERT_LE(0, self->ctl);
}

FIXTURE_TEARDOWN(abi)
{
	if (self->shm > 0)
		close(self->shm);
	if (self->ctl > 0)
		close(self->ctl);
	CTX_TEARDOWN(&self->ctx);
}

/* A segment by raw SHMGET; the shmid or -1. */
static int raw_shmget(int fd, uint32_t key, uint64_t size, uint32_t flags)
{
	struct clshm_shmget g;

	memset(&g, 0, sizeof(g));
	g.key = key;
	g.size = size;
	g.flags = flags;
	if (ioctl(fd, CLSHM_IOC_SHMGET, &g))
		return -1;
	return (int)g.shmid;
}

TEST_F(abi, version_on_both_devices)
{
	struct clshm_version v;
	struct clshm_cfg c;

	ASSERT_EQ(0, get_cfg(&c));
	memset(&v, 0xff, sizeof(v));
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_VERSION, &v));
	EXPECT_EQ(CLSHM_ABI_MAJOR, v.major);
	EXPECT_EQ(CLSHM_ABI_MINOR, v.minor);
	EXPECT_EQ(CLSHM_RING_VERSION, v.ring_version);
	EXPECT_EQ(c.partid, v.partid);
	memset(&v, 0xff, sizeof(v));
	ASSERT_EQ(0, ioctl(self->ctl, CLSHM_IOC_VERSION, &v));
	EXPECT_EQ(CLSHM_ABI_MAJOR, v.major);
	EXPECT_EQ(CLSHM_ABI_MINOR, v.minor);
	EXPECT_EQ(CLSHM_RING_VERSION, v.ring_version);
	EXPECT_EQ(c.partid, v.partid);
}

/* Numbers the driver does not know, including known numbers with the
 * wrong size or direction. */
static const unsigned long unknown_cmds[] = {
	_IO(CLSHM_IOC_TYPE, 0x7f),
	_IOR(CLSHM_IOC_TYPE, 0x05, struct clshm_info),
	_IOR(CLSHM_IOC_TYPE, 0x30, struct clshm_cfg),
	_IOWR(CLSHM_IOC_TYPE, 0x11, struct { char x[40]; }),	/* SHMGET size */
	_IOW(CLSHM_IOC_TYPE, 0x00, struct clshm_version),	/* VERSION dir */
	_IOR('x', 0x00, struct clshm_version),			/* other type */
	0,
};

TEST_F(abi, unknown_ioctl_shm_enotty)
{
	union abi_arg a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown_cmds); i++) {
		memset(&a, 0, sizeof(a));
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->shm, unknown_cmds[i], &a))
			TH_LOG("cmd 0x%lx accepted", unknown_cmds[i]);
		EXPECT_EQ(ENOTTY, errno)
			TH_LOG("cmd 0x%lx: %s", unknown_cmds[i], strerror(errno));
	}
}

TEST_F(abi, unknown_ioctl_ctl_enotty)
{
	union abi_arg a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown_cmds); i++) {
		memset(&a, 0, sizeof(a));
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->ctl, unknown_cmds[i], &a))
			TH_LOG("cmd 0x%lx accepted", unknown_cmds[i]);
		EXPECT_EQ(ENOTTY, errno)
			TH_LOG("cmd 0x%lx: %s", unknown_cmds[i], strerror(errno));
	}
}

static void check_node(struct __test_metadata *_metadata, const char *path,
		       mode_t mode)
{
	struct stat st;

	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
	EXPECT_TRUE(S_ISCHR(st.st_mode)) TH_LOG("%s is not a char device", path);
	EXPECT_EQ(mode, st.st_mode & 07777) TH_LOG("%s mode %o", path,
						   st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid) TH_LOG("%s owner %u", path, st.st_uid);
}

TEST_F(abi, node_ctl_0600)
{
	check_node(_metadata, CLSHM_CTL_PATH, 0600);
}

TEST_F(abi, node_shm_0666)
{
	check_node(_metadata, CLSHM_SHM_PATH, 0666);
}

TEST_F(abi, node_partition_0444)
{
	check_node(_metadata, CLSHM_PART_DIR "/00", 0444);
}

static int open_ctl_as_user(void *arg)
{
	(void)arg;
	CHILD_CHECK(open(CLSHM_CTL_PATH, O_RDWR) < 0);
	CHILD_CHECK(errno == EACCES);
	CHILD_CHECK(open(CLSHM_CTL_PATH, O_RDONLY) < 0);
	CHILD_CHECK(errno == EACCES);
	/* ... while the shm device is for everybody */
	CHILD_CHECK(shm_dev() >= 0);
	return 0;
}

TEST_F(abi, ctl_open_as_user_eacces)
{
	ASSERT_CHILD_OK(run_child(TEST_UID, open_ctl_as_user, NULL));
}

TEST_F(abi, getcfg_values)
{
	struct clshm_cfg c;

	memset(&c, 0xff, sizeof(c));
	ASSERT_EQ(0, ioctl(self->ctl, CLSHM_IOC_GETCFG, &c));
	EXPECT_EQ(CLSHM_CFG_ALL, c.mask);
	EXPECT_EQ(CLSHM_STATE_UP, c.state);
	EXPECT_NE(0, c.daemon_pid);
	EXPECT_LT(0, c.maxpgs);
	EXPECT_LE(1, c.maxsegs);
	EXPECT_GE(CLSHM_ID_SERIAL_MASK, c.maxsegs);
	EXPECT_LE(CLSHM_MAXDPGS_MIN, c.maxdpgs);
	EXPECT_GE(CLSHM_MAXDPGS_MAX, c.maxdpgs);
	EXPECT_LE(CLSHM_TIMEOUT_MIN, c.timeout_ms);
	EXPECT_GE(CLSHM_TIMEOUT_MAX, c.timeout_ms);
	EXPECT_GT(CLSHM_MAX_PARTS, c.partid);
	EXPECT_EQ(0, c.pad);
}

TEST_F(abi, info_values)
{
	struct clshm_info i;
	struct clshm_cfg c;
	int id;

	ASSERT_EQ(0, get_cfg(&c));
	id = raw_shmget(self->shm, 0, 3 * page_size(), CLSHM_GET_CREAT | 0600);
	ASSERT_LE(0, id);
	memset(&i, 0xff, sizeof(i));
	memset(&i, 0, sizeof(i));
	i.size = sizeof(i);
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_INFO, &i));
	EXPECT_EQ((uint64_t)page_size(), i.page_size);
	EXPECT_EQ(c.maxpgs, i.maxpgs);
	EXPECT_EQ(c.maxsegs, i.maxsegs);
	EXPECT_EQ(c.maxdpgs, i.maxdpgs);
	EXPECT_EQ(c.timeout_ms, i.timeout_ms);
	EXPECT_EQ(c.partid, i.partid);
	EXPECT_EQ(CLSHM_STATE_UP, i.state);
	EXPECT_EQ(self->ctx.nkeep + 1, (int)i.segs);
	EXPECT_LE(3, i.pages_reserved);
	EXPECT_GE(i.pages_reserved, i.pages_resident);
	EXPECT_LE(CLSHM_ID_SERIAL((uint32_t)id), i.max_serial);
	EXPECT_EQ(0, i.pad);
}

TEST_F(abi, counters_consistent)
{
	struct clshm_counters k;
	struct clshm_info i;
	uint32_t id;
	char *p;
	long ps = page_size();

	/* 40 touched pages: the ring and the segment show in pages_pinned */
	id = raw_shmget(self->shm, 0, 64 * ps, CLSHM_GET_CREAT | 0600);
	ASSERT_LE(0, (int)id);
	p = mmap(NULL, 64 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->shm,
		 (off_t)id * ps);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, 40 * ps);
	ASSERT_EQ(0, get_counters(&k));
	ASSERT_EQ(0, get_info(&i));
	EXPECT_EQ(k.pages_alloc - k.pages_freed, k.pages_pinned);
	EXPECT_EQ(i.pages_resident + i.maxdpgs, k.pages_pinned)
		TH_LOG("pinned pages must be the segments' plus the ring's");
	EXPECT_EQ(k.segs_created - k.segs_destroyed, k.segs_live);
	EXPECT_EQ(i.segs, k.segs_live);
	EXPECT_LE(1, k.attaches_live);
	EXPECT_LE(k.attaches_live, k.attach_total - k.detach_total);
	/* 40 pages touched: at least 40 more resident than before */
	EXPECT_LE(40, (long long)i.pages_resident -
		      (long long)(self->ctx.base.pages_pinned -
				  self->ctx.cfg.maxdpgs));
	ASSERT_EQ(0, munmap(p, 64 * ps));
}

TEST_F(abi, setcfg_while_up_ebusy)
{
	struct clshm_cfg c;

	memset(&c, 0, sizeof(c));
	c.mask = CLSHM_CFG_MAXPGS;
	c.maxpgs = self->ctx.cfg.maxpgs;
	EXPECT_EQ(-1, ioctl(self->ctl, CLSHM_IOC_SETCFG, &c));
	EXPECT_EQ(EBUSY, errno);
}

TEST_F(abi, startup_while_up_ebusy)
{
	struct clshm_startup s;

	memset(&s, 0, sizeof(s));
	EXPECT_EQ(-1, ioctl(self->ctl, CLSHM_IOC_STARTUP, &s));
	EXPECT_EQ(EBUSY, errno);
}

TEST_F(abi, hello_with_daemon_ebusy)
{
	struct clshm_hello h;
	struct clshm_cfg c;

	ASSERT_EQ(0, get_cfg(&c));
	ASSERT_NE(0, c.daemon_pid);
	memset(&h, 0, sizeof(h));
	h.major = CLSHM_ABI_MAJOR;
	h.minor = CLSHM_ABI_MINOR;
	h.ring_version = CLSHM_RING_VERSION;
	EXPECT_EQ(-1, ioctl(self->ctl, CLSHM_IOC_HELLO, &h));
	EXPECT_EQ(EBUSY, errno);
	/* and the daemon is still the registered one */
	ASSERT_EQ(0, get_cfg(&c));
	EXPECT_EQ(self->ctx.cfg.daemon_pid, c.daemon_pid);
}

TEST_F(abi, reply_not_daemon_eperm)
{
	struct clshm_reply r;

	memset(&r, 0, sizeof(r));
	r.req = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, CLSHM_IOC_REPLY, &r));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(abi, partlist_local_only)
{
	struct clshm_part_info pi[4];
	struct clshm_partlist l;

	memset(&l, 0, sizeof(l));
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_PARTLIST, &l));
	EXPECT_EQ(1, l.count);
	EXPECT_EQ(self->ctx.cfg.partid, l.local);
	memset(&l, 0, sizeof(l));
	memset(pi, 0xee, sizeof(pi));
	l.buf = (uintptr_t)pi;
	l.max = 4;
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_PARTLIST, &l));
	ASSERT_EQ(1, l.count);
	EXPECT_EQ(self->ctx.cfg.partid, pi[0].id);
	EXPECT_EQ(CLSHM_PART_UP, pi[0].state);
	/* only max entries are written */
	EXPECT_EQ(0xeeeeeeeeu, pi[1].id);
}

TEST_F(abi, mintkey_fresh_keys)
{
	struct clshm_mintkey m1, m2;

	memset(&m1, 0, sizeof(m1));
	memset(&m2, 0, sizeof(m2));
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_MINTKEY, &m1));
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_MINTKEY, &m2));
	EXPECT_NE(m1.key, m2.key);
	EXPECT_NE(0, m1.key);
	EXPECT_EQ(0, CLSHM_ID_PART(m1.key));
	EXPECT_EQ(0, m1.key & CLSHM_KEY_PATH_BIT);
	EXPECT_EQ(0, m2.key & CLSHM_KEY_PATH_BIT);
}

TEST_F(abi, list_in_batches)
{
	struct clshm_ds ds[2];
	struct clshm_list l;
	uint32_t ids[3];
	int i, seen[3] = { 0 }, total = 0, rounds = 0;

	for (i = 0; i < 3; i++) {
		ids[i] = raw_shmget(self->shm, 0, page_size(),
				    CLSHM_GET_CREAT | 0600);
		ASSERT_LE(0, (int)ids[i]);
	}
	memset(&l, 0, sizeof(l));
	do {
		l.buf = (uintptr_t)ds;
		l.count = 2;
		ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_LIST, &l));
		ASSERT_GE(2, l.count);
		if (l.next) {
			ASSERT_LT(l.start, l.next);
		}
		for (unsigned int j = 0; j < l.count; j++) {
			total++;
			for (i = 0; i < 3; i++)
				if (ds[j].shmid == ids[i]) {
					seen[i]++;
					EXPECT_EQ((uint64_t)page_size(),
						  ds[j].size);
				}
		}
		l.start = l.next;
		ASSERT_GT(100, ++rounds);
	} while (l.next);
	EXPECT_EQ(self->ctx.nkeep + 3, total);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(1, seen[i]) TH_LOG("shmid 0x%x listed %d times",
					     ids[i], seen[i]);
	}
}

TEST_F(abi, shmget_stat_fields)
{
	struct clshm_mintkey m;
	struct clshm_ds ds;
	int id;

	memset(&m, 0, sizeof(m));
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_MINTKEY, &m));
	id = raw_shmget(self->shm, m.key, 5 * page_size(),
			CLSHM_GET_CREAT | CLSHM_GET_EXCL | 0640);
	ASSERT_LE(0, id);
	EXPECT_EQ(0, CLSHM_ID_PART((uint32_t)id));
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ((uint64_t)5 * page_size(), ds.size);
	EXPECT_EQ(m.key, ds.key);
	EXPECT_EQ((uint32_t)id, ds.shmid);
	EXPECT_EQ(0, ds.uid);
	EXPECT_EQ(0, ds.gid);
	EXPECT_EQ(0, ds.cuid);
	EXPECT_EQ(0, ds.cgid);
	EXPECT_EQ(0640, ds.mode);
	EXPECT_EQ(0, ds.state);
	EXPECT_EQ((uint32_t)getpid(), ds.cpid);
	EXPECT_EQ(0, ds.nattch);
	EXPECT_EQ(0, ds.atime);
	EXPECT_EQ(0, ds.dtime);
	EXPECT_NE(0, ds.ctime);
	EXPECT_EQ(0, ds.pages_resident);
	EXPECT_EQ(0, ds.owner_part);
	/* size 0 without CREAT looks the segment up */
	EXPECT_EQ(id, raw_shmget(self->shm, m.key, 0, 0));
}

TEST_F(abi, gethostname_local)
{
	struct clshm_hostname h;
	struct utsname u;
	char name[CLSHM_HOSTNAME_MAX];

	ASSERT_EQ(0, uname(&u));
	memset(name, 0x55, sizeof(name));
	memset(&h, 0, sizeof(h));
	h.name = (uintptr_t)name;
	h.len = sizeof(name);
	h.part = self->ctx.cfg.partid;
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_GETHOSTNAME, &h))
		TH_LOG("GETHOSTNAME: %s", strerror(errno));
	ASSERT_NE(NULL, memchr(name, 0, sizeof(name)));
	EXPECT_STREQ(u.nodename, name);
}

TEST_F(abi, gethostname_short_buffer_enametoolong)
{
	struct clshm_hostname h;
	char name[1];

	memset(&h, 0, sizeof(h));
	h.name = (uintptr_t)name;
	h.len = 1;		/* room for the NUL only */
	h.part = self->ctx.cfg.partid;
	EXPECT_EQ(-1, ioctl(self->shm, CLSHM_IOC_GETHOSTNAME, &h));
	EXPECT_EQ(ENAMETOOLONG, errno);
}

TEST_F(abi, mmap_short_length_einval)
{
	long ps = page_size();
	int id = raw_shmget(self->shm, 0, 2 * ps, CLSHM_GET_CREAT | 0600);
	void *p;

	ASSERT_LE(0, id);
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->shm,
		 (off_t)id * ps);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, seg_nattch(id));
}

TEST_F(abi, mmap_long_length_einval)
{
	long ps = page_size();
	int id = raw_shmget(self->shm, 0, 2 * ps, CLSHM_GET_CREAT | 0600);
	void *p;

	ASSERT_LE(0, id);
	p = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->shm,
		 (off_t)id * ps);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, seg_nattch(id));
}

TEST_F(abi, mmap_no_such_shmid_einval)
{
	long ps = page_size();
	uint32_t bogus = CLSHM_ID_MAKE(0, 0xfffff1);
	void *p;

	ASSERT_NE(0, seg_stat(bogus, NULL));
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->shm,
		 (off_t)bogus * ps);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(abi, mmap_private_einval)
{
	long ps = page_size();
	int id = raw_shmget(self->shm, 0, ps, CLSHM_GET_CREAT | 0600);
	void *p;

	ASSERT_LE(0, id);
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->shm,
		 (off_t)id * ps);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, seg_nattch(id));
}

struct map_req {
	int shmid;
	int prot;
	int expect_errno;
};

static int mmap_as_user(void *arg)
{
	struct map_req *r = arg;
	long ps = page_size();
	int fd = shm_dev();
	void *p;

	CHILD_CHECK(fd >= 0);
	p = mmap(NULL, ps, r->prot, MAP_SHARED, fd, (off_t)r->shmid * ps);
	CHILD_CHECK(p == MAP_FAILED);
	CHILD_CHECK(errno == r->expect_errno);
	return 0;
}

TEST_F(abi, mmap_exec_without_x_eacces)
{
	struct map_req r = { .prot = PROT_READ | PROT_EXEC,
			     .expect_errno = EACCES };

	r.shmid = raw_shmget(self->shm, 0, page_size(),
			     CLSHM_GET_CREAT | 0666);
	ASSERT_LE(0, r.shmid);
	ASSERT_CHILD_OK(run_child(TEST_UID, mmap_as_user, &r));
	EXPECT_EQ(0, seg_nattch(r.shmid));
}

TEST_F(abi, mmap_write_without_w_eacces)
{
	struct map_req r = { .prot = PROT_READ | PROT_WRITE,
			     .expect_errno = EACCES };

	r.shmid = raw_shmget(self->shm, 0, page_size(),
			     CLSHM_GET_CREAT | 0644);
	ASSERT_LE(0, r.shmid);
	ASSERT_CHILD_OK(run_child(TEST_UID, mmap_as_user, &r));
}

TEST_F(abi, mmap_removed_eidrm)
{
	long ps = page_size();
	struct clshm_rmid rm;
	int id = raw_shmget(self->shm, 0, ps, CLSHM_GET_CREAT | 0600);
	char *p, *q;

	ASSERT_LE(0, id);
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->shm,
		 (off_t)id * ps);
	ASSERT_NE(MAP_FAILED, p);
	memset(&rm, 0, sizeof(rm));
	rm.shmid = id;
	ASSERT_EQ(0, ioctl(self->shm, CLSHM_IOC_RMID, &rm));
	q = mmap(NULL, ps, PROT_READ, MAP_SHARED, self->shm, (off_t)id * ps);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EIDRM, errno);
	ASSERT_EQ(0, munmap(p, ps));
}

TEST_F(abi, mmap_shut_down_enodev)
{
	long ps = page_size();
	void *p;

	ASSERT_EQ(0, ensure_down());
	p = mmap(NULL, ps, PROT_READ, MAP_SHARED, self->shm, ps);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(abi, maps_name_attach)
{
	long ps = page_size();
	int id = raw_shmget(self->shm, 0, ps, CLSHM_GET_CREAT | 0600);
	char want[64], line[512];
	int found = 0;
	FILE *f;
	char *p;

	ASSERT_LE(0, id);
	p = mmap(NULL, ps, PROT_READ, MAP_SHARED, self->shm, (off_t)id * ps);
	ASSERT_NE(MAP_FAILED, p);
	snprintf(want, sizeof(want), "/clshm:0x%08x (deleted)", id);
	f = fopen("/proc/self/maps", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (strtoul(line, NULL, 16) == (unsigned long)p &&
		    strstr(line, want))
			found = 1;
	fclose(f);
	EXPECT_TRUE(found) TH_LOG("no \"%s\" mapping at %p", want, p);
	ASSERT_EQ(0, munmap(p, ps));
}

TEST_F(abi, mmap_counts_attach)
{
	long ps = page_size();
	int id = raw_shmget(self->shm, 0, 2 * ps, CLSHM_GET_CREAT | 0600);
	struct clshm_counters k;
	struct clshm_ds ds;
	char *p;

	ASSERT_LE(0, id);
	p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->shm,
		 (off_t)id * ps);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(1, ds.nattch);
	EXPECT_EQ((uint32_t)getpid(), ds.lpid);
	EXPECT_NE(0, ds.atime);
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.attaches_live + 1, k.attaches_live);
	EXPECT_EQ(self->ctx.base.attach_total + 1, k.attach_total);
	p[0] = 1;
	p[2 * ps - 1] = 2;
	ASSERT_EQ(0, munmap(p, 2 * ps));
	ASSERT_EQ(0, seg_stat(id, &ds));
	EXPECT_EQ(0, ds.nattch);
	EXPECT_NE(0, ds.dtime);
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(self->ctx.base.detach_total + 1, k.detach_total);
}

TEST_F(abi, clear_removes_all)
{
	struct clshm_clear c;
	struct clshm_ds ds;
	int a, b;
	char *p;
	long ps = page_size();

	a = raw_shmget(self->shm, 0, ps, CLSHM_GET_CREAT | 0600);
	b = raw_shmget(self->shm, 0, ps, CLSHM_GET_CREAT | 0600);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->shm,
		 (off_t)b * ps);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 42;
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(0, ioctl(self->ctl, CLSHM_IOC_CLEAR, &c));
	EXPECT_EQ(self->ctx.nkeep + 2, (int)c.removed);
	/* the unattached one is gone, the attached one is removed only */
	EXPECT_EQ(-1, seg_stat(a, NULL));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, seg_stat(b, &ds));
	EXPECT_TRUE(ds.state & CLSHM_SEG_DEST);
	EXPECT_EQ(1, ds.nattch);
	EXPECT_EQ(42, p[0]);
	ASSERT_EQ(0, munmap(p, ps));
	EXPECT_EQ(-1, seg_stat(b, NULL));
}

static int touch_after_force_clear(void *arg)
{
	volatile char *p = arg;

	p[0] = 1;		/* must raise SIGBUS */
	return 0;
}

TEST_F(abi, clear_force_zaps_attaches)
{
	struct clshm_clear c;
	long ps = page_size();
	int id, status;
	char *p;

	id = raw_shmget(self->shm, 0, 4 * ps, CLSHM_GET_CREAT | 0600);
	ASSERT_LE(0, id);
	p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->shm,
		 (off_t)id * ps);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 7, 4 * ps);
	memset(&c, 0, sizeof(c));
	c.flags = CLSHM_CLEAR_FORCE;
	ASSERT_EQ(0, ioctl(self->ctl, CLSHM_IOC_CLEAR, &c));
	EXPECT_LE(1, c.removed);
	/* a child inherits the zapped mapping: its access faults */
	status = run_child(-1, touch_after_force_clear, p);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		TH_LOG("child: %s", status_str(status));
	ASSERT_EQ(0, munmap(p, 4 * ps));
}

/*
 * Rejected arguments: one variant each, from the table BADARG() makes
 * below (after the test).
 */
FIXTURE(badarg) {
	struct clshm_ctx ctx;
	struct badarg_env env;
};

FIXTURE_VARIANT(badarg) {
	int ctl;		/* issue it on the ctl device */
	unsigned long cmd;
	void (*fill)(union abi_arg *a, struct badarg_env *env);
	int expect;		/* errno */
	int user;		/* as TEST_UID, on an fd root opened */
	int down;		/* with the partition shut down */
};

FIXTURE_SETUP(badarg)
{
	struct clshm_shmget g;
	int fd;

	CTX_SETUP(&self->ctx);
	if (variant->down) {
		ASSERT_EQ(0, ensure_down());
		return;
	}
	fd = shm_dev();
	ASSERT_LE(0, fd);
	memset(&g, 0, sizeof(g));
	g.size = page_size();
	g.flags = CLSHM_GET_CREAT | 0600;
	ASSERT_EQ(0, ioctl(fd, CLSHM_IOC_SHMGET, &g));
	self->env.shmid = g.shmid;
	close(fd);
}

FIXTURE_TEARDOWN(badarg)
{
	CTX_TEARDOWN(&self->ctx);
}

struct badarg_call {
	int fd;
	unsigned long cmd;
	union abi_arg *arg;
};

/* The ioctl as TEST_UID: exit status is the errno (0: it succeeded). */
static int badarg_as_user(void *p)
{
	struct badarg_call *c = p;

	if (ioctl(c->fd, c->cmd, c->arg) == 0)
		return 0;
	return errno & 0xff;
}

TEST_F(badarg, rejected)
{
	struct badarg_call call;
	struct clshm_cfg after;
	union abi_arg a;
	int ret, err, status;

	memset(&a, 0, sizeof(a));
	variant->fill(&a, &self->env);
	ASSERT_EQ(0, get_cfg(&self->env.cfg));
	call.fd = variant->ctl ? ctl_dev() : shm_dev();
	ASSERT_LE(0, call.fd);
	call.cmd = variant->cmd;
	call.arg = &a;
	if (variant->user) {
		status = run_child(TEST_UID, badarg_as_user, &call);
		ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s", status_str(status));
		ret = WEXITSTATUS(status) ? -1 : 0;
		err = WEXITSTATUS(status);
	} else {
		errno = 0;
		ret = ioctl(call.fd, call.cmd, &a);
		err = errno;
	}
	close(call.fd);
	EXPECT_EQ(-1, ret) TH_LOG("accepted");
	EXPECT_EQ(variant->expect, err) TH_LOG("expected %s, got %s",
					       strerror(variant->expect),
					       strerror(err));
	/* a rejected call changes nothing */
	ASSERT_EQ(0, get_cfg(&after));
	EXPECT_EQ(self->env.cfg.state, after.state);
	EXPECT_EQ(self->env.cfg.maxpgs, after.maxpgs);
	EXPECT_EQ(self->env.cfg.maxsegs, after.maxsegs);
	EXPECT_EQ(self->env.cfg.maxdpgs, after.maxdpgs);
	EXPECT_EQ(self->env.cfg.timeout_ms, after.timeout_ms);
	EXPECT_EQ(self->env.cfg.partid, after.partid);
	EXPECT_EQ(self->env.cfg.daemon_pid, after.daemon_pid);
	if (self->env.shmid) {
		EXPECT_EQ(0, seg_stat(self->env.shmid, NULL))
			TH_LOG("the fixture's segment went away");
	}
}

/*
 * The table: one rejected call a line, its argument and the errno it gets
 * side by side, and one TAP line each (a variant of the fixture above,
 * test name "badarg.NAME.rejected").
 *
 *   BADARG(NAME, DEVICE, IOCTL, ERRNO, WHEN, ARGUMENT...)
 *
 * DEVICE is SHM or CTL.  WHEN is UP (as root, the partition up, env->shmid
 * a live 1-page 0600 segment of root's), USER (the same, but the ioctl is
 * made as TEST_UID on a descriptor root opened) or DOWN (as root, the
 * partition shut down).  ARGUMENT is the statements that fill the
 * zeroed argument a.
 */
enum badarg_dev { SHM, CTL };
enum badarg_when { UP, USER, DOWN };

#define BADARG(vname, dev, command, errno_, when, ...)			\
	static void fill_##vname(union abi_arg *a, struct badarg_env *env) \
	{								\
		(void)a;						\
		(void)env;						\
		__VA_ARGS__						\
	}								\
	FIXTURE_VARIANT_ADD(badarg, vname) {				\
		.ctl = (dev) == CTL, .cmd = command,			\
		.fill = fill_##vname, .expect = errno_,			\
		.user = (when) == USER, .down = (when) == DOWN,		\
	}

/* Valid arguments, for the rows to spoil one field of. */
static void shmget_ok(union abi_arg *a)
{
	a->shmget.size = page_size();
	a->shmget.flags = CLSHM_GET_CREAT | 0600;
}

static void name_arg(union abi_arg *a, struct badarg_env *env, __u32 len,
		     __u32 part)
{
	a->hostname.name = (uintptr_t)env->namebuf;
	a->hostname.len = len;
	a->hostname.part = part;
}

static void partlist_ok(union abi_arg *a, struct badarg_env *env)
{
	a->partlist.buf = (uintptr_t)env->partbuf;
	a->partlist.max = 4;
}

/* SETCFG with the current values (the partition must be down to apply it). */
static void cfg_ok(union abi_arg *a)
{
	get_cfg(&a->cfg);
	a->cfg.mask = CLSHM_CFG_ALL;
	a->cfg.state = 0;
	a->cfg.daemon_pid = 0;
	a->cfg.pad = 0;
}

static void hello_ok(union abi_arg *a)
{
	a->hello.major = CLSHM_ABI_MAJOR;
	a->hello.minor = CLSHM_ABI_MINOR;
	a->hello.ring_version = CLSHM_RING_VERSION;
}

/*     name                 dev  ioctl                  errno      when  argument */
/* shm device, partition up */
BADARG(shmget_pad,          SHM, CLSHM_IOC_SHMGET,      EINVAL,    UP,   shmget_ok(a); a->shmget.pad = 1;);
BADARG(shmget_flag_bit,     SHM, CLSHM_IOC_SHMGET,      EINVAL,    UP,   shmget_ok(a); a->shmget.flags |= 0x4000;);
BADARG(shmget_flag_high,    SHM, CLSHM_IOC_SHMGET,      EINVAL,    UP,   shmget_ok(a); a->shmget.flags |= 0x02000000u;);
BADARG(shmget_huge_1g,      SHM, CLSHM_IOC_SHMGET,      EINVAL,    UP,   shmget_ok(a); a->shmget.flags |= CLSHM_GET_HUGETLB | (30u << CLSHM_GET_HUGE_SHIFT););
BADARG(shmget_huge_no_flag, SHM, CLSHM_IOC_SHMGET,      EINVAL,    UP,   shmget_ok(a); a->shmget.flags |= 21u << CLSHM_GET_HUGE_SHIFT;);
BADARG(shmget_size0_create, SHM, CLSHM_IOC_SHMGET,      EINVAL,    UP,   a->shmget.flags = CLSHM_GET_CREAT | 0600;);
/* a path-style key nobody created */
BADARG(shmget_no_key,       SHM, CLSHM_IOC_SHMGET,      ENOENT,    UP,   a->shmget.key = CLSHM_ID_MAKE(0, CLSHM_KEY_PATH_BIT | 0x7ff123); a->shmget.size = page_size(); a->shmget.flags = 0600;);
BADARG(shmget_other_part,   SHM, CLSHM_IOC_SHMGET,      ENOENT,    UP,   shmget_ok(a); a->shmget.key = CLSHM_ID_MAKE(7, 0x123););
BADARG(stat_pad,            SHM, CLSHM_IOC_STAT,        EINVAL,    UP,   a->stat.shmid = env->shmid; a->stat.flags = 0x80;);
BADARG(stat_no_shmid,       SHM, CLSHM_IOC_STAT,        EINVAL,    UP,   a->stat.shmid = CLSHM_ID_MAKE(0, 0xfffff3););
BADARG(stat_user_no_read,   SHM, CLSHM_IOC_STAT,        EACCES,    USER, a->stat.shmid = env->shmid;);
BADARG(stat_any_alone,      SHM, CLSHM_IOC_STAT,        EINVAL,    UP,   a->stat.shmid = env->shmid; a->stat.flags = CLSHM_STAT_ANY;);
BADARG(stat_index_empty,    SHM, CLSHM_IOC_STAT,        EINVAL,    UP,   a->stat.shmid = 0xfffff3; a->stat.flags = CLSHM_STAT_INDEX;);
BADARG(stat_index_no_read,  SHM, CLSHM_IOC_STAT,        EACCES,    USER, a->stat.shmid = CLSHM_ID_SERIAL(env->shmid); a->stat.flags = CLSHM_STAT_INDEX;);
BADARG(lock_flags,          SHM, CLSHM_IOC_LOCK,        EINVAL,    UP,   a->lock.shmid = env->shmid; a->lock.flags = 0x2;);
BADARG(lock_no_shmid,       SHM, CLSHM_IOC_LOCK,        EINVAL,    UP,   a->lock.shmid = CLSHM_ID_MAKE(0, 0xfffff4););
BADARG(lock_other_part,     SHM, CLSHM_IOC_LOCK,        EINVAL,    UP,   a->lock.shmid = CLSHM_ID_MAKE(7, 1););
BADARG(lock_user,           SHM, CLSHM_IOC_LOCK,        EPERM,     USER, a->lock.shmid = env->shmid;);
BADARG(set_mode_bits,       SHM, CLSHM_IOC_SET,         EINVAL,    UP,   a->set.shmid = env->shmid; a->set.mode = 01600;);
BADARG(set_user,            SHM, CLSHM_IOC_SET,         EPERM,     USER, a->set.shmid = env->shmid; a->set.uid = TEST_UID; a->set.gid = TEST_GID; a->set.mode = 0666;);
/* (uid_t)-1 maps to nobody */
BADARG(set_bad_uid,         SHM, CLSHM_IOC_SET,         EINVAL,    UP,   a->set.shmid = env->shmid; a->set.uid = 0xffffffffu; a->set.mode = 0600;);
BADARG(rmid_flags,          SHM, CLSHM_IOC_RMID,        EINVAL,    UP,   a->rmid.shmid = env->shmid; a->rmid.flags = 0x2;);
BADARG(rmid_no_shmid,       SHM, CLSHM_IOC_RMID,        EINVAL,    UP,   a->rmid.shmid = CLSHM_ID_MAKE(0, 0xfffff5););
BADARG(rmid_user,           SHM, CLSHM_IOC_RMID,        EPERM,     USER, a->rmid.shmid = env->shmid;);
BADARG(shmdt_no_attach,     SHM, CLSHM_IOC_SHMDT,       EINVAL,    UP,   a->shmdt.addr = 0x10000;);
BADARG(list_pad,            SHM, CLSHM_IOC_LIST,        EINVAL,    UP,   a->list.buf = (uintptr_t)env->dsbuf; a->list.count = 4; a->list.pad = 1;);
BADARG(partlist_pad,        SHM, CLSHM_IOC_PARTLIST,    EINVAL,    UP,   partlist_ok(a, env); a->partlist.pad = 1;);
BADARG(mintkey_part_range,  SHM, CLSHM_IOC_MINTKEY,     EINVAL,    UP,   a->mintkey.part = CLSHM_MAX_PARTS;);
BADARG(mintkey_part_down,   SHM, CLSHM_IOC_MINTKEY,     ENOENT,    UP,   a->mintkey.part = 5;);
BADARG(hostname_len0,       SHM, CLSHM_IOC_GETHOSTNAME, EINVAL,    UP,   name_arg(a, env, 0, 0););
BADARG(hostname_part_range, SHM, CLSHM_IOC_GETHOSTNAME, EINVAL,    UP,   name_arg(a, env, sizeof(env->namebuf), CLSHM_MAX_PARTS););
BADARG(hostname_part_down,  SHM, CLSHM_IOC_GETHOSTNAME, ENOENT,    UP,   name_arg(a, env, sizeof(env->namebuf), 9););
/* shm device, partition shut down: the segment API is off */
BADARG(mintkey_shut_down,   SHM, CLSHM_IOC_MINTKEY,     ENODEV,    DOWN, a->mintkey.part = 0;);
BADARG(shmget_shut_down,    SHM, CLSHM_IOC_SHMGET,      ENODEV,    DOWN, a->shmget.key = CLSHM_ID_MAKE(0, CLSHM_KEY_PATH_BIT | 0x7ff123); a->shmget.size = page_size(); a->shmget.flags = 0600;);
BADARG(stat_shut_down,      SHM, CLSHM_IOC_STAT,        ENODEV,    DOWN, a->stat.shmid = CLSHM_ID_MAKE(0, 0xfffff3););
BADARG(rmid_shut_down,      SHM, CLSHM_IOC_RMID,        ENODEV,    DOWN, a->rmid.shmid = CLSHM_ID_MAKE(0, 0xfffff5););
BADARG(partlist_shut_down,  SHM, CLSHM_IOC_PARTLIST,    ENODEV,    DOWN, partlist_ok(a, env););
BADARG(hostname_shut_down,  SHM, CLSHM_IOC_GETHOSTNAME, ENODEV,    DOWN, name_arg(a, env, sizeof(env->namebuf), 0););
/* ctl device, partition up */
BADARG(shutdown_flags,      CTL, CLSHM_IOC_SHUTDOWN,    EINVAL,    UP,   a->shutdown.flags = 0x2;);
BADARG(shutdown_pad,        CTL, CLSHM_IOC_SHUTDOWN,    EINVAL,    UP,   a->shutdown.pad = 1;);
BADARG(clear_flags,         CTL, CLSHM_IOC_CLEAR,       EINVAL,    UP,   a->clear.flags = 0x2;);
BADARG(setcfg_up,           CTL, CLSHM_IOC_SETCFG,      EBUSY,     UP,   cfg_ok(a); a->cfg.mask = CLSHM_CFG_TIMEOUT;);
BADARG(startup,             CTL, CLSHM_IOC_STARTUP,     EBUSY,     UP,   /* a valid startup */);
BADARG(hello,               CTL, CLSHM_IOC_HELLO,       EBUSY,     UP,   hello_ok(a););
BADARG(hello_flags,         CTL, CLSHM_IOC_HELLO,       EINVAL,    UP,   hello_ok(a); a->hello.flags = 1;);
BADARG(hello_pad,           CTL, CLSHM_IOC_HELLO,       EINVAL,    UP,   hello_ok(a); a->hello.pad = 1;);
BADARG(hello_major,         CTL, CLSHM_IOC_HELLO,       EPROTO,    UP,   hello_ok(a); a->hello.major = CLSHM_ABI_MAJOR + 1;);
BADARG(hello_ring_version,  CTL, CLSHM_IOC_HELLO,       EPROTO,    UP,   hello_ok(a); a->hello.ring_version = CLSHM_RING_VERSION + 1;);
BADARG(reply,               CTL, CLSHM_IOC_REPLY,       EPERM,     UP,   a->reply.req = 1;);
/* ctl device as an unprivileged user (fd opened by root) */
BADARG(user_setcfg,         CTL, CLSHM_IOC_SETCFG,      EPERM,     USER, cfg_ok(a); a->cfg.mask = CLSHM_CFG_TIMEOUT;);
BADARG(user_startup,        CTL, CLSHM_IOC_STARTUP,     EPERM,     USER, /* a valid startup */);
BADARG(user_shutdown,       CTL, CLSHM_IOC_SHUTDOWN,    EPERM,     USER, /* a valid shutdown */);
BADARG(user_clear,          CTL, CLSHM_IOC_CLEAR,       EPERM,     USER, /* a valid clear */);
BADARG(user_hello,          CTL, CLSHM_IOC_HELLO,       EPERM,     USER, hello_ok(a););
/* ctl device, partition shut down */
BADARG(startup_flags,       CTL, CLSHM_IOC_STARTUP,     EINVAL,    DOWN, a->startup.flags = 1;);
BADARG(startup_pad,         CTL, CLSHM_IOC_STARTUP,     EINVAL,    DOWN, a->startup.pad = 1;);
BADARG(shutdown,            CTL, CLSHM_IOC_SHUTDOWN,    EALREADY,  DOWN, /* a valid shutdown */);
BADARG(setcfg_mask,         CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.mask = 0x20;);
BADARG(setcfg_pad,          CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.pad = 1;);
BADARG(setcfg_state,        CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.state = 1;);
BADARG(setcfg_daemon_pid,   CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.daemon_pid = 1;);
BADARG(setcfg_maxsegs_0,    CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.maxsegs = 0;);
BADARG(setcfg_maxsegs_big,  CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.maxsegs = CLSHM_ID_SERIAL_MASK + 1;);
BADARG(setcfg_maxdpgs_0,    CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.maxdpgs = CLSHM_MAXDPGS_MIN - 1;);
BADARG(setcfg_maxdpgs_big,  CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.maxdpgs = CLSHM_MAXDPGS_MAX + 1;);
BADARG(setcfg_timeout_low,  CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.timeout_ms = CLSHM_TIMEOUT_MIN - 1;);
BADARG(setcfg_timeout_high, CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.timeout_ms = CLSHM_TIMEOUT_MAX + 1;);
BADARG(setcfg_partid,       CTL, CLSHM_IOC_SETCFG,      EINVAL,    DOWN, cfg_ok(a); a->cfg.partid = CLSHM_MAX_PARTS;);
BADARG(clear_shut_down,     CTL, CLSHM_IOC_CLEAR,       ENODEV,    DOWN, /* a valid clear */);
BADARG(hello_shut_down,     CTL, CLSHM_IOC_HELLO,       ENODEV,    DOWN, hello_ok(a););

TEST_HARNESS_MAIN
