// SPDX-License-Identifier: GPL-2.0
/*
 * time.c - the monotonic clock and sleeping (see clshm-common.h)
 */
#include <errno.h>
#include <time.h>

#include "clshm-common.h"

static struct timespec monotonic(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

int64_t now_ms(void)
{
	struct timespec ts = monotonic();

	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_ns(void)
{
	struct timespec ts = monotonic();

	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
