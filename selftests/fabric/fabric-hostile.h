/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabric-hostile.h - the contract between fabric-hostile (the hostile
 * partition, guest 2) and fabric_robust (its victims, guests 0 and 1):
 * barrier steps, the values the victims publish, the phases (the
 * hostile's mark).  See fabric-hostile.c.
 */
#ifndef CLSHM_SELFTEST_FABRIC_HOSTILE_H
#define CLSHM_SELFTEST_FABRIC_HOSTILE_H

#define HOSTILE_PART	2	/* the guest that plays the hostile partition */
#define HOSTILE_BIN	4	/* fabric_robust's barrier id space */
/* The hostile writes the header page below the test area only. */
#define HOSTILE_HDR_BYTES 2048

/* Barrier steps of fabric_robust's one test (1 is FAB_SETUP's). */
enum {
	R_X = 2,	/* guests 0, 1: segment X exists */
	R_BASE,		/* guests 0, 1, 2: ready, the attack starts */
	R_END,		/* guests 0, 1, 2: the attack is over */
	R_FINAL,	/* guests 0, 1: the last checks */
};

/* Values the victims publish (fab_put). */
enum {
	V_SHMID_X,	/* guest 0: segment X, attached by 0 and 1 */
	V_ACK,		/* highest phase whose garbage was counted */
	V_SAW2,		/* state of partition 2 as PARTLIST shows it now */
	V_SAW2DOWN,	/* 1: partition 2 was declared down in phase 8 */
	V_FINAL,	/* guests 0, 1: a segment for the last check */
	V_SEEN,		/* the phase whose start the victim has recorded */
	V_Y0,		/* 4 segments each victim owns and the other maps */
	V_Y_LAST = V_Y0 + 3,
};

/* Engagement entries each victim has (the other's 4 segments, and X). */
#define HOSTILE_NY	4
/* A phase lasts at least this long (ms), so that the victims read it. */
#define HOSTILE_DWELL_MS 1500

/*
 * Phases (the hostile's mark): 1 to 6 in fabric_robust's first test,
 * 7 and 8 in its second; HOSTILE_DONE + n once test n's are over.
 */
#define HOSTILE_PHASES	8
#define HOSTILE_DONE	100

#endif /* CLSHM_SELFTEST_FABRIC_HOSTILE_H */
