/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xp-demo.h - what xp-writer and xp-reader share: the layout of the
 * segment and how they report errors.
 *
 * The writer fills in the greeting and then publishes it by storing
 * XP_DEMO_GREETING into state with release semantics; the reader loads
 * state with acquire semantics before it reads the greeting.  The reply
 * goes back the same way with XP_DEMO_REPLY.  Segment memory is ordinary
 * memory, so C11 atomics are all the synchronisation needed.
 */
#ifndef XP_DEMO_H
#define XP_DEMO_H

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define XP_DEMO_MAGIC		0x58504430u	/* "XPD0" */
#define XP_DEMO_TEXT		256

enum xp_demo_state {
	XP_DEMO_EMPTY = 0,	/* a new segment is zeroed */
	XP_DEMO_GREETING,	/* the writer's greeting is there */
	XP_DEMO_REPLY,		/* the reader's reply is there */
};

struct xp_demo {
	uint32_t magic;			/* XP_DEMO_MAGIC, set with the greeting */
	_Atomic uint32_t state;		/* enum xp_demo_state */
	char greeting[XP_DEMO_TEXT];	/* written by xp-writer */
	char reply[XP_DEMO_TEXT];	/* written by xp-reader */
};

/* Exit codes of both programs. */
#define XP_DEMO_EXIT_OK		0
#define XP_DEMO_EXIT_FAIL	1	/* a clshm call failed */
#define XP_DEMO_EXIT_USAGE	2	/* bad command line */
#define XP_DEMO_EXIT_TIMEOUT	3	/* the other side did not answer */

/* What to do about the errno of a failed libxp call. */
static inline const char *xp_demo_hint(int err)
{
	switch (err) {
	case ENODEV:
		return "is clshm.ko loaded and started? try: clshmctl startup";
	case EPROTO:
		return "libxp and clshm.ko come from different releases: install matching ones";
	case ENOTCONN:
		return "clshmd is not running: try: clshmctl startup";
	case ENOENT:
		return "no such segment (or partition): is xp-writer still running? pass the key it printed";
	case EACCES:
		return "the segment is mode 0600 (run as the writer's user or as root), or /dev/clshm/0/shm refuses you (join group clshm: adduser USER clshm)";
	case EIDRM:
		return "the segment has been removed";
	case ENOMEM:
	case ENOSPC:
		return "clshm limits reached: see clshmctl getcfg, and clshmctl ipcs for segments to remove";
	default:
		return NULL;
	}
}

/* Print "prog: what: strerror" and a hint on stderr; errno is the cause. */
static inline void xp_demo_perror(const char *prog, const char *what)
{
	int err = errno;
	const char *hint = xp_demo_hint(err);

	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	if (hint)
		fprintf(stderr, "%s: hint: %s\n", prog, hint);
}

#endif /* XP_DEMO_H */
