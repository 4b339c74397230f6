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
	snprintf(want, sizeof(want), "anon_inode:clshm:0x%08x", id);
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
 * Rejected arguments: one variant each.  fill() prepares the argument
 * (env->shmid is a live segment when the partition is up).
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

#define FILL(name) static void fill_##name(				\
	union abi_arg __attribute__((unused)) *a,			\
	struct badarg_env __attribute__((unused)) *env)

FILL(shmget_pad)
{
	(void)env;
	a->shmget.size = page_size();
	a->shmget.flags = CLSHM_GET_CREAT | 0600;
	a->shmget.pad = 1;
}

FILL(shmget_flag_bit)
{
	(void)env;
	a->shmget.size = page_size();
	a->shmget.flags = CLSHM_GET_CREAT | 0600 | 0x4000;
}

FILL(shmget_flag_high)
{
	(void)env;
	a->shmget.size = page_size();
	a->shmget.flags = CLSHM_GET_CREAT | 0600 | 0x80000000u;
}

FILL(shmget_size0_create)
{
	(void)env;
	a->shmget.flags = CLSHM_GET_CREAT | 0600;
}

FILL(shmget_no_key)
{
	(void)env;
	/* a path-style key nobody created */
	a->shmget.key = CLSHM_ID_MAKE(0, CLSHM_KEY_PATH_BIT | 0x7ff123);
	a->shmget.size = page_size();
	a->shmget.flags = 0600;
}

FILL(shmget_other_part)
{
	(void)env;
	a->shmget.key = CLSHM_ID_MAKE(7, 0x123);
	a->shmget.size = page_size();
	a->shmget.flags = CLSHM_GET_CREAT | 0600;
}

FILL(stat_pad)
{
	a->stat.shmid = env->shmid;
	a->stat.pad = 1;
}

FILL(stat_no_shmid)
{
	(void)env;
	a->stat.shmid = CLSHM_ID_MAKE(0, 0xfffff3);
}

FILL(stat_user_no_read)
{
	a->stat.shmid = env->shmid;	/* root's 0600 segment */
}

FILL(set_mode_bits)
{
	a->set.shmid = env->shmid;
	a->set.mode = 01600;
}

FILL(set_user)
{
	a->set.shmid = env->shmid;
	a->set.uid = TEST_UID;
	a->set.gid = TEST_GID;
	a->set.mode = 0666;
}

FILL(set_bad_uid)
{
	a->set.shmid = env->shmid;
	a->set.uid = 0xffffffffu;	/* (uid_t)-1 maps to nobody */
	a->set.gid = 0;
	a->set.mode = 0600;
}

FILL(partlist)
{
	a->partlist.buf = (uintptr_t)env->partbuf;
	a->partlist.max = 4;
}

FILL(hostname)
{
	a->hostname.name = (uintptr_t)env->namebuf;
	a->hostname.len = sizeof(env->namebuf);
	a->hostname.part = 0;
}

FILL(rmid_flags)
{
	a->rmid.shmid = env->shmid;
	a->rmid.flags = 0x2;
}

FILL(rmid_no_shmid)
{
	(void)env;
	a->rmid.shmid = CLSHM_ID_MAKE(0, 0xfffff5);
}

FILL(rmid_user)
{
	a->rmid.shmid = env->shmid;
}

FILL(shmdt_no_attach)
{
	(void)env;
	a->shmdt.addr = 0x10000;
}

FILL(list_pad)
{
	a->list.buf = (uintptr_t)env->dsbuf;
	a->list.count = 4;
	a->list.pad = 1;
}

FILL(partlist_pad)
{
	a->partlist.buf = (uintptr_t)env->partbuf;
	a->partlist.max = 4;
	a->partlist.pad = 1;
}

FILL(mintkey_part_range)
{
	(void)env;
	a->mintkey.part = CLSHM_MAX_PARTS;
}

FILL(mintkey_part_down)
{
	(void)env;
	a->mintkey.part = 5;
}

FILL(mintkey)
{
	(void)env;
	a->mintkey.part = 0;
}

FILL(hostname_len0)
{
	a->hostname.name = (uintptr_t)env->namebuf;
	a->hostname.len = 0;
	a->hostname.part = 0;
}

FILL(hostname_part_range)
{
	a->hostname.name = (uintptr_t)env->namebuf;
	a->hostname.len = sizeof(env->namebuf);
	a->hostname.part = CLSHM_MAX_PARTS;
}

FILL(hostname_part_down)
{
	a->hostname.name = (uintptr_t)env->namebuf;
	a->hostname.len = sizeof(env->namebuf);
	a->hostname.part = 9;
}

FILL(shutdown_flags)
{
	(void)env;
	a->shutdown.flags = 0x2;
}

FILL(shutdown_pad)
{
	(void)env;
	a->shutdown.pad = 1;
}

FILL(shutdown)
{
	(void)env;
}

FILL(clear_flags)
{
	(void)env;
	a->clear.flags = 0x2;
}

FILL(clear)
{
	(void)env;
}

FILL(startup_flags)
{
	(void)env;
	a->startup.flags = 1;
}

FILL(startup_pad)
{
	(void)env;
	a->startup.pad = 1;
}

FILL(startup)
{
	(void)env;
}

/* A valid SETCFG (the current values) for the variants to spoil. */
static void cfg_base(union abi_arg *a, struct badarg_env *env)
{
	(void)env;
	get_cfg(&a->cfg);
	a->cfg.mask = CLSHM_CFG_ALL;
	a->cfg.state = 0;
	a->cfg.daemon_pid = 0;
	a->cfg.pad = 0;
}

FILL(setcfg_mask)
{
	cfg_base(a, env);
	a->cfg.mask = 0x20;
}

FILL(setcfg_pad)
{
	cfg_base(a, env);
	a->cfg.pad = 1;
}

FILL(setcfg_state)
{
	cfg_base(a, env);
	a->cfg.state = 1;
}

FILL(setcfg_daemon_pid)
{
	cfg_base(a, env);
	a->cfg.daemon_pid = 1;
}

FILL(setcfg_maxsegs_0)
{
	cfg_base(a, env);
	a->cfg.maxsegs = 0;
}

FILL(setcfg_maxsegs_big)
{
	cfg_base(a, env);
	a->cfg.maxsegs = CLSHM_ID_SERIAL_MASK + 1;
}

FILL(setcfg_maxdpgs_0)
{
	cfg_base(a, env);
	a->cfg.maxdpgs = CLSHM_MAXDPGS_MIN - 1;
}

FILL(setcfg_maxdpgs_big)
{
	cfg_base(a, env);
	a->cfg.maxdpgs = CLSHM_MAXDPGS_MAX + 1;
}

FILL(setcfg_timeout_low)
{
	cfg_base(a, env);
	a->cfg.timeout_ms = CLSHM_TIMEOUT_MIN - 1;
}

FILL(setcfg_timeout_high)
{
	cfg_base(a, env);
	a->cfg.timeout_ms = CLSHM_TIMEOUT_MAX + 1;
}

FILL(setcfg_partid)
{
	cfg_base(a, env);
	a->cfg.partid = CLSHM_MAX_PARTS;
}

FILL(setcfg_up)
{
	cfg_base(a, env);
	a->cfg.mask = CLSHM_CFG_TIMEOUT;
}

static void hello_base(union abi_arg *a)
{
	a->hello.major = CLSHM_ABI_MAJOR;
	a->hello.minor = CLSHM_ABI_MINOR;
	a->hello.ring_version = CLSHM_RING_VERSION;
}

FILL(hello_flags)
{
	(void)env;
	hello_base(a);
	a->hello.flags = 1;
}

FILL(hello_pad)
{
	(void)env;
	hello_base(a);
	a->hello.pad = 1;
}

FILL(hello_major)
{
	(void)env;
	hello_base(a);
	a->hello.major = CLSHM_ABI_MAJOR + 1;
}

FILL(hello_ring_version)
{
	(void)env;
	hello_base(a);
	a->hello.ring_version = CLSHM_RING_VERSION + 1;
}

FILL(hello)
{
	(void)env;
	hello_base(a);
}

FILL(reply)
{
	(void)env;
	a->reply.req = 1;
}

#define BAD_SHM(vname, command, errno_, ...)				\
	FIXTURE_VARIANT_ADD(badarg, vname) {				\
		.cmd = command, .fill = fill_##vname, .expect = errno_,	\
		__VA_ARGS__ }
#define BAD_CTL(vname, command, errno_, ...)				\
	FIXTURE_VARIANT_ADD(badarg, vname) {				\
		.ctl = 1, .cmd = command, .fill = fill_##vname,		\
		.expect = errno_, __VA_ARGS__ }

/* shm device */
BAD_SHM(shmget_pad, CLSHM_IOC_SHMGET, EINVAL);
BAD_SHM(shmget_flag_bit, CLSHM_IOC_SHMGET, EINVAL);
BAD_SHM(shmget_flag_high, CLSHM_IOC_SHMGET, EINVAL);
BAD_SHM(shmget_size0_create, CLSHM_IOC_SHMGET, EINVAL);
BAD_SHM(shmget_no_key, CLSHM_IOC_SHMGET, ENOENT);
BAD_SHM(shmget_other_part, CLSHM_IOC_SHMGET, ENOENT);
BAD_SHM(stat_pad, CLSHM_IOC_STAT, EINVAL);
BAD_SHM(stat_no_shmid, CLSHM_IOC_STAT, EINVAL);
BAD_SHM(stat_user_no_read, CLSHM_IOC_STAT, EACCES, .user = 1);
BAD_SHM(set_mode_bits, CLSHM_IOC_SET, EINVAL);
BAD_SHM(set_user, CLSHM_IOC_SET, EPERM, .user = 1);
BAD_SHM(set_bad_uid, CLSHM_IOC_SET, EINVAL);
BAD_SHM(rmid_flags, CLSHM_IOC_RMID, EINVAL);
BAD_SHM(rmid_no_shmid, CLSHM_IOC_RMID, EINVAL);
BAD_SHM(rmid_user, CLSHM_IOC_RMID, EPERM, .user = 1);
BAD_SHM(shmdt_no_attach, CLSHM_IOC_SHMDT, EINVAL);
BAD_SHM(list_pad, CLSHM_IOC_LIST, EINVAL);
BAD_SHM(partlist_pad, CLSHM_IOC_PARTLIST, EINVAL);
BAD_SHM(mintkey_part_range, CLSHM_IOC_MINTKEY, EINVAL);
BAD_SHM(mintkey_part_down, CLSHM_IOC_MINTKEY, ENOENT);
BAD_SHM(hostname_len0, CLSHM_IOC_GETHOSTNAME, EINVAL);
BAD_SHM(hostname_part_range, CLSHM_IOC_GETHOSTNAME, EINVAL);
BAD_SHM(hostname_part_down, CLSHM_IOC_GETHOSTNAME, ENOENT);
/* shm device, partition shut down: the segment API is off */
FIXTURE_VARIANT_ADD(badarg, mintkey_shut_down) {
	.cmd = CLSHM_IOC_MINTKEY, .fill = fill_mintkey, .expect = ENODEV,
	.down = 1 };
FIXTURE_VARIANT_ADD(badarg, shmget_shut_down) {
	.cmd = CLSHM_IOC_SHMGET, .fill = fill_shmget_no_key, .expect = ENODEV,
	.down = 1 };
FIXTURE_VARIANT_ADD(badarg, stat_shut_down) {
	.cmd = CLSHM_IOC_STAT, .fill = fill_stat_no_shmid, .expect = ENODEV,
	.down = 1 };
FIXTURE_VARIANT_ADD(badarg, rmid_shut_down) {
	.cmd = CLSHM_IOC_RMID, .fill = fill_rmid_no_shmid, .expect = ENODEV,
	.down = 1 };
FIXTURE_VARIANT_ADD(badarg, partlist_shut_down) {
	.cmd = CLSHM_IOC_PARTLIST, .fill = fill_partlist, .expect = ENODEV,
	.down = 1 };
FIXTURE_VARIANT_ADD(badarg, hostname_shut_down) {
	.cmd = CLSHM_IOC_GETHOSTNAME, .fill = fill_hostname, .expect = ENODEV,
	.down = 1 };
/* ctl device, up */
BAD_CTL(shutdown_flags, CLSHM_IOC_SHUTDOWN, EINVAL);
BAD_CTL(shutdown_pad, CLSHM_IOC_SHUTDOWN, EINVAL);
BAD_CTL(clear_flags, CLSHM_IOC_CLEAR, EINVAL);
BAD_CTL(setcfg_up, CLSHM_IOC_SETCFG, EBUSY);
BAD_CTL(startup, CLSHM_IOC_STARTUP, EBUSY);
BAD_CTL(hello, CLSHM_IOC_HELLO, EBUSY);
BAD_CTL(hello_flags, CLSHM_IOC_HELLO, EINVAL);
BAD_CTL(hello_pad, CLSHM_IOC_HELLO, EINVAL);
BAD_CTL(hello_major, CLSHM_IOC_HELLO, EPROTO);
BAD_CTL(hello_ring_version, CLSHM_IOC_HELLO, EPROTO);
BAD_CTL(reply, CLSHM_IOC_REPLY, EPERM);
/* ctl device as an unprivileged user (fd opened by root) */
FIXTURE_VARIANT_ADD(badarg, user_setcfg) {
	.ctl = 1, .cmd = CLSHM_IOC_SETCFG, .fill = fill_setcfg_up,
	.expect = EPERM, .user = 1 };
FIXTURE_VARIANT_ADD(badarg, user_startup) {
	.ctl = 1, .cmd = CLSHM_IOC_STARTUP, .fill = fill_startup,
	.expect = EPERM, .user = 1 };
FIXTURE_VARIANT_ADD(badarg, user_shutdown) {
	.ctl = 1, .cmd = CLSHM_IOC_SHUTDOWN, .fill = fill_shutdown,
	.expect = EPERM, .user = 1 };
FIXTURE_VARIANT_ADD(badarg, user_clear) {
	.ctl = 1, .cmd = CLSHM_IOC_CLEAR, .fill = fill_clear,
	.expect = EPERM, .user = 1 };
FIXTURE_VARIANT_ADD(badarg, user_hello) {
	.ctl = 1, .cmd = CLSHM_IOC_HELLO, .fill = fill_hello,
	.expect = EPERM, .user = 1 };
/* ctl device, partition shut down */
BAD_CTL(startup_flags, CLSHM_IOC_STARTUP, EINVAL, .down = 1);
BAD_CTL(startup_pad, CLSHM_IOC_STARTUP, EINVAL, .down = 1);
BAD_CTL(shutdown, CLSHM_IOC_SHUTDOWN, EALREADY, .down = 1);
BAD_CTL(setcfg_mask, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_pad, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_state, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_daemon_pid, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_maxsegs_0, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_maxsegs_big, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_maxdpgs_0, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_maxdpgs_big, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_timeout_low, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_timeout_high, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
BAD_CTL(setcfg_partid, CLSHM_IOC_SETCFG, EINVAL, .down = 1);
FIXTURE_VARIANT_ADD(badarg, clear_shut_down) {
	.ctl = 1, .cmd = CLSHM_IOC_CLEAR, .fill = fill_clear,
	.expect = ENODEV, .down = 1 };
FIXTURE_VARIANT_ADD(badarg, hello_shut_down) {
	.ctl = 1, .cmd = CLSHM_IOC_HELLO, .fill = fill_hello,
	.expect = ENODEV, .down = 1 };

TEST_HARNESS_MAIN
