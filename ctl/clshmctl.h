/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshmctl.h - internals of the clshm admin command
 *
 * clshmctl.c: the command table, option parsing, help, and the commands
 * that read or set state (getcfg, the limits, status, ipcs).
 * lifecycle.c: startup and shutdown, which also start and stop clshmd
 * and name the processes that hold segments.
 * netlink.c: rm and monitor, on the clshm generic netlink family.
 */
#ifndef CLSHMCTL_H
#define CLSHMCTL_H

#include <stdbool.h>
#include <linux/clshm.h>
#include "clshm-exit.h"

/* Exit status: the table shared with clshmd (common/clshm-exit.h). */
enum {
	EX_OK = CLSHM_EXIT_OK,
	EX_ERROR = CLSHM_EXIT_ERROR,
	EX_USAGE = CLSHM_EXIT_USAGE,
	EX_STARTED = CLSHM_EXIT_RUNNING,
	EX_BUSY = CLSHM_EXIT_BUSY,
	EX_NODRIVER = CLSHM_EXIT_NODRIVER,
	EX_PERM = CLSHM_EXIT_PERM,
	EX_VERSION = CLSHM_EXIT_VERSION,
	EX_NODAEMON = CLSHM_EXIT_NODAEMON,
};

struct ctx {
	bool json;
	bool array;		/* JSON objects printed as one array */
	unsigned int nprinted;	/* objects in it so far */
};

struct command;
typedef int cmd_fn(struct ctx *c, const struct command *cmd, int argc,
		   char **argv);

struct command {
	const char *name;
	cmd_fn *fn;
	const char *args;	/* synopsis after the name */
	const char *summary;	/* one line for the command list */
	const char *help;	/* the rest of 'clshmctl help NAME' */
	/* limit commands: which clshm_cfg field */
	unsigned int cfg_mask;
};

/* Messages to stderr, prefixed "clshmctl: ". */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Open the ctl device and check the ABI version: EX_OK and *fd, or an
 * exit status after a message.
 */
int open_ctl(int *fd);

/* Report a failed ioctl (what: "CLSHM_IOC_..." in words): an exit status. */
int ioc_fail(const char *what, int err);

/* The synopsis (to stderr), or the whole help of a command (stdout). */
void cmd_usage(const struct command *cmd, bool to_stderr);

/*
 * Parse a command's options (argv[0] is the command's name; set optind
 * to 0 before the first call).  OPT_NEXT: *opt is the next option for the
 * command to handle.  OPT_DONE: no more options, optind indexes the
 * operands.  Anything else is an exit status: -h/--help printed the help
 * (EX_OK), a bad option printed the synopsis (EX_USAGE).
 */
struct option;
#define OPT_DONE	(-1)
#define OPT_NEXT	(-2)
int cmd_getopt(const struct command *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts, int *opt);

/*
 * The persistent configuration (config.c): module options in
 * CLSHM_MODPROBE_CONF, or in $CLSHM_MODPROBE_CONF when set.
 */
#define CLSHM_MODPROBE_CONF	"/etc/modprobe.d/clshm.conf"
const char *config_path(void);
/* Set NAME=VALUE on the "options clshm" line: 0 or -errno. */
int config_save(const char *name, unsigned long long value);

int cmd_startup(struct ctx *c, const struct command *cmd, int argc,
		char **argv);
int cmd_shutdown(struct ctx *c, const struct command *cmd, int argc,
		 char **argv);

/* netlink.c: the commands on the clshm generic netlink family */
int cmd_rm(struct ctx *c, const struct command *cmd, int argc, char **argv);
int cmd_show(struct ctx *c, const struct command *cmd, int argc, char **argv);
int cmd_top(struct ctx *c, const struct command *cmd, int argc, char **argv);
int open_any(int *fd, bool *is_ctl);
struct clshm_ds;
void ipcs_text(const struct clshm_ds *segs, size_t n);
int parse_u32(const char *cmd, const char *what, const char *s,
	      unsigned int *v);
int parse_user(const char *cmd, const char *s, unsigned int *uid);
int cmd_monitor(struct ctx *c, const struct command *cmd, int argc,
		char **argv);

#endif /* CLSHMCTL_H */
