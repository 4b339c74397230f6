/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshm-exit.h - the one table of exit statuses of clshmd and clshmctl
 *
 * "clshmctl startup -f" execs clshmd, and systemd reads either program's
 * status through the same unit (RestartPreventExitStatus in
 * clshmd.service), so a number means the same thing in both.  The table
 * is written out in clshmd(8) and clshmctl(8) ("EXIT STATUS"); change
 * the three together.
 */
#ifndef CLSHM_EXIT_H
#define CLSHM_EXIT_H

enum clshm_exit {
	CLSHM_EXIT_OK = 0,	 /* success; clshmd: signal or shut down */
	CLSHM_EXIT_ERROR = 1,	 /* anything else that failed (message says) */
	CLSHM_EXIT_USAGE = 2,	 /* bad command line or value */
	CLSHM_EXIT_RUNNING = 3,	 /* already started / a clshmd is registered */
	CLSHM_EXIT_BUSY = 4,	 /* segments attached, or limits while started */
	CLSHM_EXIT_NODRIVER = 5, /* clshm.ko not loaded, or partition down */
	CLSHM_EXIT_PERM = 6,	 /* permission denied */
	CLSHM_EXIT_VERSION = 7,	 /* programs and clshm.ko do not match */
	CLSHM_EXIT_NODAEMON = 8, /* status: the partition is up, no clshmd */
};

#endif /* CLSHM_EXIT_H */
