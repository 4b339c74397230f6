// SPDX-License-Identifier: GPL-2.0
/*
 * limits - the partition's limits: setting them (SETCFG and clshmctl)
 * only while shut down, what the segment API does while shut down, and
 * ENOMEM / ENOSPC / EINVAL at the limits; IPC_INFO and SHM_INFO
 *
 * Every fixture restores the configuration it found and leaves the
 * partition started (CTX_TEARDOWN).
 */
#include "common.h"

CLSHM_FIXTURE(limits)

static const uint32_t cfg_masks[] = {
	CLSHM_CFG_MAXPGS, CLSHM_CFG_MAXSEGS, CLSHM_CFG_MAXDPGS,
	CLSHM_CFG_TIMEOUT, CLSHM_CFG_PARTID,
};

TEST_F(limits, setcfg_while_up_ebusy)
{
	struct clshm_cfg c, after;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cfg_masks); i++) {
		c = self->ctx.cfg;
		c.mask = cfg_masks[i];
		c.state = 0;
		c.daemon_pid = 0;
		c.pad = 0;
		c.timeout_ms = c.timeout_ms == 1000 ? 2000 : 1000;
		c.maxpgs += 1;
		c.maxsegs = c.maxsegs > 1 ? c.maxsegs - 1 : 2;
		c.maxdpgs = c.maxdpgs > 1 ? c.maxdpgs - 1 : 2;
		EXPECT_EQ(-1, set_cfg(&c)) TH_LOG("mask 0x%x accepted", c.mask);
		EXPECT_EQ(EBUSY, errno) TH_LOG("mask 0x%x", c.mask);
	}
	ASSERT_EQ(0, get_cfg(&after));
	EXPECT_EQ(self->ctx.cfg.maxpgs, after.maxpgs);
	EXPECT_EQ(self->ctx.cfg.maxsegs, after.maxsegs);
	EXPECT_EQ(self->ctx.cfg.maxdpgs, after.maxdpgs);
	EXPECT_EQ(self->ctx.cfg.timeout_ms, after.timeout_ms);
	EXPECT_EQ(CLSHM_STATE_UP, after.state);
}

TEST_F(limits, clshmctl_limit_while_up_busy)
{
	struct clshm_cfg after;
	char out[1024], args[64];

	snprintf(args, sizeof(args), "maxpgs %llu",
		 (unsigned long long)self->ctx.cfg.maxpgs + 1);
	EXPECT_EQ(CTL_EXIT_BUSY, clshmctl(out, sizeof(out), args))
		TH_LOG("output: %s", out);
	EXPECT_NE(NULL, strstr(out, "shutdown")) TH_LOG("output: %s", out);
	ASSERT_EQ(0, get_cfg(&after));
	EXPECT_EQ(self->ctx.cfg.maxpgs, after.maxpgs);
}

TEST_F(limits, clshmctl_limit_show)
{
	char out[1024], want[64];

	ASSERT_EQ(0, clshmctl(out, sizeof(out), "maxpgs")) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "%llu",
		 (unsigned long long)self->ctx.cfg.maxpgs);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("output: %s", out);
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "-j maxsegs")) TH_LOG("%s", out);
	EXPECT_TRUE(json_valid(out)) TH_LOG("not JSON: %s", out);
}

TEST_F(limits, ipc_info_values)
{
	struct clshm_info i;
	struct shminfo si;
	int ret;

	ASSERT_LE(0, xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600));
	memset(&si, 0xff, sizeof(si));
	ret = xp_shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	ASSERT_LE(0, ret) TH_LOG("IPC_INFO: %s", strerror(errno));
	ASSERT_EQ(0, get_info(&i));
	EXPECT_EQ((int)i.max_serial, ret);
	EXPECT_EQ(i.maxpgs * i.page_size, si.shmmax);
	EXPECT_EQ(i.maxsegs, si.shmmni);
	EXPECT_EQ(i.maxpgs, si.shmall);
	EXPECT_LE(1, si.shmmin);
}

TEST_F(limits, shm_info_values)
{
	struct clshm_info i;
	struct shm_info si;
	char *p;
	int id, ret;

	id = xp_shmget(IPC_PRIVATE, 40 * page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	ASSERT_LE(0, xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600));
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	p[0] = 1;
	memset(&si, 0xff, sizeof(si));
	ret = xp_shmctl(0, SHM_INFO, (struct shmid_ds *)&si);
	ASSERT_LE(0, ret) TH_LOG("SHM_INFO: %s", strerror(errno));
	ASSERT_EQ(0, get_info(&i));
	EXPECT_EQ((int)i.max_serial, ret);
	EXPECT_EQ((int)i.segs, si.used_ids);
	EXPECT_LE(self->ctx.nkeep + 2, si.used_ids);
	EXPECT_EQ(i.pages_reserved, si.shm_tot);
	EXPECT_LE(41, si.shm_tot);
	EXPECT_EQ(i.pages_resident, si.shm_rss);
	EXPECT_LE(1, si.shm_rss);
	EXPECT_EQ(0, si.shm_swp);
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(limits, shutdown_ioctl_attached_ebusy)
{
	struct clshm_shutdown s;
	struct clshm_cfg c;
	char *p;
	int id, fd;

	id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	fd = ctl_dev();
	ASSERT_LE(0, fd);
	memset(&s, 0, sizeof(s));
	EXPECT_EQ(-1, ioctl(fd, CLSHM_IOC_SHUTDOWN, &s));
	EXPECT_EQ(EBUSY, errno);
	close(fd);
	ASSERT_EQ(0, get_cfg(&c));
	EXPECT_EQ(CLSHM_STATE_UP, c.state);
	EXPECT_EQ(0, seg_stat(id, NULL));
	p[0] = 1;
	ASSERT_EQ(0, xp_shmdt(p));
}

TEST_F(limits, shutdown_removes_unattached)
{
	struct clshm_counters k;
	char out[1024];
	int id;
	char *p;

	id = xp_shmget(IPC_PRIVATE, 8 * page_size(), IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	memset(p, 1, 8 * page_size());
	ASSERT_EQ(0, xp_shmdt(p));
	ASSERT_EQ(0, clshmctl(out, sizeof(out), "shutdown")) TH_LOG("%s", out);
	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(0, k.segs_live);
	EXPECT_EQ(0, k.pages_pinned) TH_LOG("pages held after shutdown");
	ASSERT_EQ(0, ensure_started());
	EXPECT_EQ(-1, seg_stat(id, NULL));
}

/* ---------------------------------------------------------------- */
/* Shut down                                                          */

FIXTURE(down) {
	struct clshm_ctx ctx;
};

FIXTURE_SETUP(down)
{
	CTX_SETUP(&self->ctx);
	ASSERT_EQ(0, ensure_down());
}

FIXTURE_TEARDOWN(down)
{
	CTX_TEARDOWN(&self->ctx);
}

TEST_F(down, state_down)
{
	struct clshm_cfg c;
	struct clshm_info i;

	ASSERT_EQ(0, get_cfg(&c));
	EXPECT_EQ(CLSHM_STATE_DOWN, c.state);
	EXPECT_EQ(0, c.daemon_pid);
	if (get_info(&i) == 0) {
		EXPECT_EQ(CLSHM_STATE_DOWN, i.state);
	}
}

TEST_F(down, partition_node_gone)
{
	char node[64];

	snprintf(node, sizeof(node), CLSHM_PART_DIR "/%02x",
		 self->ctx.cfg.partid);
	EXPECT_EQ(-1, access(node, F_OK));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(down, shmget_enodev)
{
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600));
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(down, ftok_mint_enodev)
{
	EXPECT_EQ(-1, xp_ftok(NULL, 1));
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(down, shmat_enodev)
{
	EXPECT_EQ(XP_FAILED, xp_shmat((int)CLSHM_ID_MAKE(0, 1), NULL, 0));
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(down, part_getid_works)
{
	EXPECT_EQ((int)self->ctx.cfg.partid, part_getid());
}

TEST_F(down, no_ring_pages)
{
	struct clshm_counters k;

	ASSERT_EQ(0, get_counters(&k));
	EXPECT_EQ(0, k.pages_pinned);
	EXPECT_EQ(0, k.segs_live);
}

TEST_F(down, setcfg_applies)
{
	struct clshm_cfg c, got;

	memset(&c, 0, sizeof(c));
	c.mask = CLSHM_CFG_MAXPGS | CLSHM_CFG_MAXSEGS | CLSHM_CFG_MAXDPGS |
		 CLSHM_CFG_TIMEOUT;
	c.maxpgs = 12345;
	c.maxsegs = 77;
	c.maxdpgs = 3;
	c.timeout_ms = 4321;
	ASSERT_EQ(0, set_cfg(&c)) TH_LOG("SETCFG: %s", strerror(errno));
	ASSERT_EQ(0, get_cfg(&got));
	EXPECT_EQ(12345, got.maxpgs);
	EXPECT_EQ(77, got.maxsegs);
	EXPECT_EQ(3, got.maxdpgs);
	EXPECT_EQ(4321, got.timeout_ms);
	EXPECT_EQ(self->ctx.cfg.partid, got.partid);
	EXPECT_EQ(CLSHM_STATE_DOWN, got.state);
}

TEST_F(down, setcfg_mask_selects_fields)
{
	struct clshm_cfg c, got;

	memset(&c, 0, sizeof(c));
	c.mask = CLSHM_CFG_TIMEOUT;
	c.maxpgs = 1;		/* not in the mask: ignored */
	c.maxsegs = 1;
	c.maxdpgs = 1;
	c.timeout_ms = 999;
	ASSERT_EQ(0, set_cfg(&c));
	ASSERT_EQ(0, get_cfg(&got));
	EXPECT_EQ(999, got.timeout_ms);
	EXPECT_EQ(self->ctx.cfg.maxpgs, got.maxpgs);
	EXPECT_EQ(self->ctx.cfg.maxsegs, got.maxsegs);
	EXPECT_EQ(self->ctx.cfg.maxdpgs, got.maxdpgs);
}

TEST_F(down, clshmctl_limits_apply)
{
	struct clshm_cfg got;
	char out[1024];

	EXPECT_EQ(0, clshmctl(out, sizeof(out), "maxpgs 23456"))
		TH_LOG("%s", out);
	EXPECT_EQ(0, clshmctl(out, sizeof(out), "maxsegs 55")) TH_LOG("%s", out);
	EXPECT_EQ(0, clshmctl(out, sizeof(out), "maxdpgs 5")) TH_LOG("%s", out);
	EXPECT_EQ(0, clshmctl(out, sizeof(out), "timeout 777")) TH_LOG("%s", out);
	ASSERT_EQ(0, get_cfg(&got));
	EXPECT_EQ(23456, got.maxpgs);
	EXPECT_EQ(55, got.maxsegs);
	EXPECT_EQ(5, got.maxdpgs);
	EXPECT_EQ(777, got.timeout_ms);
}

TEST_F(down, clshmctl_limit_out_of_range)
{
	struct clshm_cfg got;
	char out[1024];

	EXPECT_EQ(CTL_EXIT_USAGE, clshmctl(out, sizeof(out), "maxdpgs 0"))
		TH_LOG("%s", out);
	EXPECT_EQ(CTL_EXIT_USAGE, clshmctl(out, sizeof(out), "maxdpgs 257"))
		TH_LOG("%s", out);
	EXPECT_EQ(CTL_EXIT_USAGE, clshmctl(out, sizeof(out), "timeout 5"))
		TH_LOG("%s", out);
	EXPECT_EQ(CTL_EXIT_USAGE, clshmctl(out, sizeof(out), "maxsegs lots"))
		TH_LOG("%s", out);
	ASSERT_EQ(0, get_cfg(&got));
	EXPECT_EQ(self->ctx.cfg.maxdpgs, got.maxdpgs);
	EXPECT_EQ(self->ctx.cfg.timeout_ms, got.timeout_ms);
	EXPECT_EQ(self->ctx.cfg.maxsegs, got.maxsegs);
}

TEST_F(down, startup_uses_new_ring_size)
{
	struct clshm_counters k;
	struct clshm_info i;
	struct clshm_cfg c;

	memset(&c, 0, sizeof(c));
	c.mask = CLSHM_CFG_MAXDPGS;
	c.maxdpgs = self->ctx.cfg.maxdpgs == 3 ? 4 : 3;
	ASSERT_EQ(0, set_cfg(&c));
	ASSERT_EQ(0, ensure_started());
	ASSERT_EQ(0, get_counters(&k));
	ASSERT_EQ(0, get_info(&i));
	EXPECT_EQ(c.maxdpgs, i.maxdpgs);
	EXPECT_EQ(i.pages_resident + c.maxdpgs, k.pages_pinned)
		TH_LOG("the ring must hold maxdpgs pages");
	/* the daemon mapped and accepted the new ring */
	EXPECT_EQ(0, wait_daemon(1, 0, 10000, NULL));
}

/* ---------------------------------------------------------------- */
/* Small limits: 64 pages, a few segments                             */

#define SMALL_PGS	64

FIXTURE(small) {
	struct clshm_ctx ctx;
	int maxsegs;
};

FIXTURE_SETUP(small)
{
	struct clshm_cfg want;

	CTX_SETUP(&self->ctx);
	want = self->ctx.cfg;
	want.maxpgs = SMALL_PGS;
	self->maxsegs = self->ctx.nkeep + 3;
	want.maxsegs = self->maxsegs;
	ASSERT_EQ(0, ensure_cfg(&want));
	/* the counters' baseline is taken again by nothing: same ring */
}

FIXTURE_TEARDOWN(small)
{
	CTX_TEARDOWN(&self->ctx);
}

TEST_F(small, info_reflects_limits)
{
	struct clshm_info i;

	ASSERT_EQ(0, get_info(&i));
	EXPECT_EQ(SMALL_PGS, i.maxpgs);
	EXPECT_EQ(self->maxsegs, (int)i.maxsegs);
	EXPECT_EQ(CLSHM_STATE_UP, i.state);
}

TEST_F(small, above_maxpgs_einval)
{
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, (SMALL_PGS + 1) * page_size(),
				IPC_CREAT | 0600));
	EXPECT_EQ(EINVAL, errno);
	/* exactly maxpgs fits */
	EXPECT_LE(0, xp_shmget(IPC_PRIVATE, SMALL_PGS * page_size(),
			       IPC_CREAT | 0600));
}

TEST_F(small, page_limit_enomem)
{
	long ps = page_size();

	ASSERT_LE(0, xp_shmget(IPC_PRIVATE, 60 * ps, IPC_CREAT | 0600));
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, 8 * ps, IPC_CREAT | 0600));
	EXPECT_EQ(ENOMEM, errno);
	/* a partial page counts as a page */
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, 4 * ps + 1, IPC_CREAT | 0600));
	EXPECT_EQ(ENOMEM, errno);
	ASSERT_LE(0, xp_shmget(IPC_PRIVATE, 4 * ps, IPC_CREAT | 0600));
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
	EXPECT_EQ(ENOMEM, errno);
}

TEST_F(small, rmid_gives_pages_back)
{
	long ps = page_size();
	int id;

	id = xp_shmget(IPC_PRIVATE, 60 * ps, IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, 8 * ps, IPC_CREAT | 0600));
	EXPECT_EQ(ENOMEM, errno);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	EXPECT_LE(0, xp_shmget(IPC_PRIVATE, 8 * ps, IPC_CREAT | 0600));
}

TEST_F(small, removed_attached_still_charged)
{
	long ps = page_size();
	char *p;
	int id;

	id = xp_shmget(IPC_PRIVATE, 60 * ps, IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	/* memory lives until the last detach, and is charged until then */
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, 8 * ps, IPC_CREAT | 0600));
	EXPECT_EQ(ENOMEM, errno);
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_LE(0, xp_shmget(IPC_PRIVATE, 8 * ps, IPC_CREAT | 0600));
}

TEST_F(small, segment_limit_enospc)
{
	int ids[3], i;

	for (i = 0; i < 3; i++) {
		ids[i] = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
		ASSERT_LE(0, ids[i]);
	}
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600));
	EXPECT_EQ(ENOSPC, errno);
	/* a removed segment frees its slot */
	ASSERT_EQ(0, xp_shmctl(ids[1], IPC_RMID));
	EXPECT_LE(0, xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600));
}

TEST_F(small, removed_attached_still_counts_as_segment)
{
	int ids[3], i;
	char *p;

	for (i = 0; i < 3; i++) {
		ids[i] = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
		ASSERT_LE(0, ids[i]);
	}
	p = xp_shmat(ids[0], NULL, 0);
	ASSERT_NE(XP_FAILED, p);
	ASSERT_EQ(0, xp_shmctl(ids[0], IPC_RMID));
	/* "segs: live segments (including removed ones still attached)" */
	EXPECT_EQ(-1, xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, xp_shmdt(p));
	EXPECT_LE(0, xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600));
}

TEST_HARNESS_MAIN
