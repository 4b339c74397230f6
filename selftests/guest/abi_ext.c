// SPDX-License-Identifier: GPL-2.0
/*
 * abi_ext.c - the extensible structures: older and newer callers
 *
 * CLSHM_IOC_INFO, CLSHM_IOC_COUNTERS and CLSHM_IOC_FABINFO take a
 * structure that starts with __u32 size, __u32 pad and may grow.  A
 * program built against an older header passes a shorter structure (and
 * ioctl number), one built against a newer header a longer one.  Each is
 * tried here on both devices, with the size in the ioctl number and in
 * the structure agreeing, as a real program's would.
 */
#include "common.h"

/* A caller's buffer: room for any size tried, with a canary after it. */
#define BUF_MAX		1024
#define CANARY		0xa5

struct ext_ioctl {
	const char *name;
	unsigned int nr;
	size_t size;		/* this header's sizeof */
};

static const struct ext_ioctl ext_ioctls[] = {
	{ "info", _IOC_NR(CLSHM_IOC_INFO), sizeof(struct clshm_info) },
	{ "counters", _IOC_NR(CLSHM_IOC_COUNTERS),
	  sizeof(struct clshm_counters) },
	{ "fabinfo", _IOC_NR(CLSHM_IOC_FABINFO), sizeof(struct clshm_fabinfo) },
};

/* The ioctl number of extensible ioctl @nr for a structure of @size. */
static unsigned long ext_cmd(unsigned int nr, size_t size)
{
	return _IOC(_IOC_READ | _IOC_WRITE, CLSHM_IOC_TYPE, nr, size);
}

/*
 * Call @e with a structure of @size bytes in @buf (zero but the header,
 * canary after it): the ioctl's result, errno in *err.
 */
static int ext_call(int fd, const struct ext_ioctl *e, size_t size,
		    unsigned char *buf, int *err)
{
	uint32_t hdr[2] = { (uint32_t)size, 0 };
	int ret;

	memset(buf, CANARY, BUF_MAX);
	memset(buf, 0, size);
	memcpy(buf, hdr, size < sizeof(hdr) ? size : sizeof(hdr));
	ret = ioctl(fd, ext_cmd(e->nr, size), buf);
	*err = errno;
	return ret;
}

static uint32_t buf_size(const unsigned char *buf)
{
	uint32_t size;

	memcpy(&size, buf, sizeof(size));
	return size;
}

static int canary_intact(const unsigned char *buf, size_t from)
{
	size_t i;

	for (i = from; i < BUF_MAX; i++)
		if (buf[i] != CANARY)
			return 0;
	return 1;
}

FIXTURE(ext)
{
	struct clshm_ctx ctx;
	unsigned char buf[BUF_MAX];
	int fds[2];
};

FIXTURE_VARIANT(ext)
{
	int which;	/* index in ext_ioctls */
};

FIXTURE_VARIANT_ADD(ext, info) { .which = 0 };
FIXTURE_VARIANT_ADD(ext, counters) { .which = 1 };
FIXTURE_VARIANT_ADD(ext, fabinfo) { .which = 2 };

FIXTURE_SETUP(ext)
{
	CTX_SETUP(&self->ctx);
	self->fds[0] = shm_dev();
	self->fds[1] = ctl_dev();
	ASSERT_LE(0, self->fds[0]);
	ASSERT_LE(0, self->fds[1]);
}

FIXTURE_TEARDOWN(ext)
{
	CTX_TEARDOWN(&self->ctx);
}

/* This header's size: the whole structure, size written back the same. */
TEST_F(ext, same_size)
{
	const struct ext_ioctl *e = &ext_ioctls[variant->which];
	int d, err;

	for (d = 0; d < 2; d++) {
		ASSERT_EQ(0, ext_call(self->fds[d], e, e->size, self->buf, &err))
			TH_LOG("%s: %s", e->name, strerror(err));
		EXPECT_EQ(e->size, buf_size(self->buf));
		EXPECT_TRUE(canary_intact(self->buf, e->size));
	}
}

/*
 * An older caller: every shorter structure from the header on works, gets
 * its own size back, and nothing past it is written.  The first field
 * after the header matches what the full call returns for fields that do
 * not move (page size, flags, a counter's running total).
 */
TEST_F(ext, older_caller_gets_a_prefix)
{
	const struct ext_ioctl *e = &ext_ioctls[variant->which];
	unsigned char full[BUF_MAX];
	size_t size;
	int d, err;

	for (d = 0; d < 2; d++) {
		ASSERT_EQ(0, ext_call(self->fds[d], e, e->size, full, &err));
		for (size = 8; size < e->size; size += 8) {
			ASSERT_EQ(0, ext_call(self->fds[d], e, size, self->buf,
					      &err))
				TH_LOG("%s, %zu bytes: %s", e->name, size,
				       strerror(err));
			EXPECT_EQ(size, buf_size(self->buf));
			EXPECT_TRUE(canary_intact(self->buf, size))
				TH_LOG("%s wrote past %zu bytes", e->name, size);
		}
		/* 16 bytes: the header and the first field. */
		ASSERT_EQ(0, ext_call(self->fds[d], e, 16, self->buf, &err));
		if (variant->which != 1)	/* counters move on their own */
			EXPECT_EQ(0, memcmp(self->buf + 8, full + 8, 8));
	}
}

/* A newer caller: the driver fills what it knows and says how much. */
TEST_F(ext, newer_caller_gets_what_the_driver_knows)
{
	const struct ext_ioctl *e = &ext_ioctls[variant->which];
	size_t size = e->size + 64, i;
	int d, err;

	for (d = 0; d < 2; d++) {
		ASSERT_EQ(0, ext_call(self->fds[d], e, size, self->buf, &err))
			TH_LOG("%s: %s", e->name, strerror(err));
		EXPECT_EQ(e->size, buf_size(self->buf));
		for (i = e->size; i < size; i++)
			ASSERT_EQ(0, self->buf[i])
				TH_LOG("%s wrote byte %zu of a newer caller's "
				       "structure", e->name, i);
		EXPECT_TRUE(canary_intact(self->buf, size));
	}
}

/* ... but what it does not know must be zero on the way in. */
TEST_F(ext, newer_caller_nonzero_tail_einval)
{
	const struct ext_ioctl *e = &ext_ioctls[variant->which];
	size_t size = e->size + 64;
	uint32_t hdr[2] = { (uint32_t)size, 0 };

	memset(self->buf, 0, size);
	memcpy(self->buf, hdr, sizeof(hdr));
	self->buf[size - 1] = 1;
	EXPECT_EQ(-1, ioctl(self->fds[0], ext_cmd(e->nr, size), self->buf));
	EXPECT_EQ(EINVAL, errno);
}

/* The size field and the ioctl number must agree; pad must be zero. */
TEST_F(ext, bad_header_einval)
{
	const struct ext_ioctl *e = &ext_ioctls[variant->which];
	static const struct {
		int size_delta;		/* size field minus the ioctl's size */
		uint32_t pad;
		int err;
	} bad[] = {
		{ -8, 0, EINVAL },	/* says shorter than it is */
		{ 8, 0, EINVAL },	/* says longer than it is */
		{ 0, 1, EINVAL },	/* pad set */
	};
	uint32_t hdr[2];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(self->buf, 0, BUF_MAX);
		hdr[0] = (uint32_t)(e->size + bad[i].size_delta);
		hdr[1] = bad[i].pad;
		memcpy(self->buf, hdr, sizeof(hdr));
		EXPECT_EQ(-1, ioctl(self->fds[0], ext_cmd(e->nr, e->size),
				    self->buf)) TH_LOG("case %zu", i);
		EXPECT_EQ(bad[i].err, errno) TH_LOG("case %zu: %s", i,
						    strerror(errno));
	}
}

/* Shorter than the header itself is no such ioctl. */
TEST_F(ext, shorter_than_header_enotty)
{
	const struct ext_ioctl *e = &ext_ioctls[variant->which];
	uint32_t size = 4;

	memcpy(self->buf, &size, sizeof(size));
	EXPECT_EQ(-1, ioctl(self->fds[0], ext_cmd(e->nr, 4), self->buf));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
