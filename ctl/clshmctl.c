// SPDX-License-Identifier: GPL-2.0
/*
 * clshmctl - administer clshm
 *
 *   clshmctl [-j|--json] [-h|--help] [-V|--version] COMMAND [ARGS]
 *
 * A flat table of commands (IRIX's verbs plus status and listing); each
 * command parses its own options.  Everything goes through the ctl device
 * (root only); the read-only commands status, ipcs, partitions and fabric
 * fall back to the shm device (open to all) so that anyone can look, as
 * with ipcs(1).  Host names are asked on the shm device, the only one
 * that takes CLSHM_IOC_GETHOSTNAME.
 *
 * Text output is for people; -j gives one JSON object per command for
 * getcfg, the limit commands, status, ipcs, partitions and fabric.  In
 * JSON, keys and shmids are strings "0x%08x", modes are strings in octal
 * ("0600"), states are strings, everything else is a number.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clshmctl.h"
#include "clshm-util.h"
#include "json.h"

void errmsg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("clshmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* Opening the devices */

static int open_failed(const char *path, int err)
{
	switch (err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		errmsg("cannot open %s: %s", path, cu_open_hint(err));
		return EX_NODRIVER;
	case EACCES:
	case EPERM:
		if (!strcmp(path, CLSHM_SHM_PATH))
			errmsg("cannot open %s: permission denied: only root and the members of group clshm may use clshm (adduser USER clshm, then log in again)",
			       path);
		else
			errmsg("cannot open %s: permission denied: run clshmctl as root",
			       path);
		return EX_PERM;
	default:
		errmsg("cannot open %s: %s", path, strerror(err));
		return EX_ERROR;
	}
}

static int check_version(int fd)
{
	struct clshm_version v;
	int err = cu_version(fd, &v);

	if (!err)
		return EX_OK;
	if (err == -EPROTO)
		errmsg("clshmctl speaks ABI %d.%d with ring protocol %d, the loaded clshm.ko ABI %u.%u with ring protocol %u: install the clshmctl built with the loaded module",
		       CLSHM_ABI_MAJOR, CLSHM_ABI_MINOR, CLSHM_RING_VERSION,
		       v.major, v.minor, v.ring_version);
	else
		return ioc_fail("reading the driver's version", -err);
	return EX_VERSION;
}

int open_ctl(int *fd)
{
	int ret;

	*fd = cu_open(CLSHM_CTL_PATH);
	if (*fd < 0)
		return open_failed(CLSHM_CTL_PATH, -*fd);
	ret = check_version(*fd);
	if (ret != EX_OK) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

/*
 * For the commands that only look: the ctl device if we may, else the
 * shm device (INFO, COUNTERS, LIST and PARTLIST work on both).
 */
int open_any(int *fd, bool *is_ctl)
{
	int ret;

	*is_ctl = true;
	*fd = cu_open(CLSHM_CTL_PATH);
	if (*fd == -EACCES || *fd == -EPERM) {
		*is_ctl = false;
		*fd = cu_open(CLSHM_SHM_PATH);
		if (*fd < 0)
			return open_failed(CLSHM_SHM_PATH, -*fd);
	} else if (*fd < 0) {
		return open_failed(CLSHM_CTL_PATH, -*fd);
	}
	ret = check_version(*fd);
	if (ret != EX_OK) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

int ioc_fail(const char *what, int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		errmsg("%s: permission denied: run clshmctl as root", what);
		return EX_PERM;
	case ENOTTY:
		errmsg("%s: the driver does not know this request: clshmctl and clshm.ko are from different versions",
		       what);
		return EX_ERROR;
	case ENODEV:
		errmsg("%s: clshm is not started: run 'clshmctl startup'",
		       what);
		return EX_ERROR;
	case EPROTO:
		/* From the cu_* helpers, which check the driver's answers. */
		errmsg("%s: the driver gave an inconsistent answer", what);
		return EX_ERROR;
	default:
		errmsg("%s: %s", what, strerror(err));
		return EX_ERROR;
	}
}

static int get_cfg(int fd, struct clshm_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	if (ioctl(fd, CLSHM_IOC_GETCFG, cfg) < 0)
		return ioc_fail("reading the configuration", errno);
	return EX_OK;
}

/*
 * The configuration from CLSHM_IOC_INFO, which every user may read on
 * the shm device: all of GETCFG's but the daemon's pid.
 */
static int get_cfg_info(int fd, struct clshm_cfg *cfg)
{
	struct clshm_info in;

	memset(&in, 0, sizeof(in));
	in.size = sizeof(in);
	if (ioctl(fd, CLSHM_IOC_INFO, &in) < 0)
		return ioc_fail("reading the configuration", errno);
	memset(cfg, 0, sizeof(*cfg));
	cfg->maxpgs = in.maxpgs;
	cfg->maxsegs = in.maxsegs;
	cfg->maxdpgs = in.maxdpgs;
	cfg->timeout_ms = in.timeout_ms;
	cfg->partid = in.partid;
	cfg->state = in.state;
	return EX_OK;
}

/* ------------------------------------------------------------------ */
/* Option parsing for commands that take none but -h */

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_getopt(const struct command *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts, int *opt)
{
	int o;

	opterr = 0;
	o = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (o == -1)
		return OPT_DONE;
	if (o == 'h') {
		cmd_usage(cmd, false);
		return EX_OK;
	}
	if (o == '?' || o == ':') {
		if (optopt)
			errmsg("%s: unknown option '-%c'", cmd->name, optopt);
		else
			errmsg("%s: unknown option '%s'", cmd->name,
			       argv[optind - 1]);
		cmd_usage(cmd, true);
		return EX_USAGE;
	}
	*opt = o;
	return OPT_NEXT;
}

static int no_options(const struct command *cmd, int argc, char **argv,
		      int max_operands)
{
	int opt, r;

	optind = 0;
	r = cmd_getopt(cmd, argc, argv, "+h", help_only, &opt);
	if (r != OPT_DONE)
		return r == OPT_NEXT ? EX_USAGE : r;	/* only -h exists */
	if (argc - optind > max_operands) {
		errmsg("%s: too many arguments", cmd->name);
		cmd_usage(cmd, true);
		return EX_USAGE;
	}
	return -1;
}

/* Start a command that only looks: no operands, any device. */
static int look_prologue(const struct command *cmd, int argc, char **argv,
			 int *fd, bool *is_ctl)
{
	int ret = no_options(cmd, argc, argv, 0);

	if (ret >= 0)
		return ret;
	ret = open_any(fd, is_ctl);
	return ret == EX_OK ? -1 : ret;
}

/* ------------------------------------------------------------------ */
/* getcfg and the limits */

struct limit {
	const char *name;
	unsigned int mask;
	unsigned long long min, max;
	const char *unit;	/* for text output, may be "" */
	const char *json;	/* key in JSON */
};

static const struct limit limits[] = {
	{ "maxpgs", CLSHM_CFG_MAXPGS, 1, ~0ULL, " pages", "maxpgs" },
	{ "maxsegs", CLSHM_CFG_MAXSEGS, 1, CLSHM_ID_SERIAL_MASK, "",
	  "maxsegs" },
	{ "maxdpgs", CLSHM_CFG_MAXDPGS, CLSHM_MAXDPGS_MIN, CLSHM_MAXDPGS_MAX,
	  " pages", "maxdpgs" },
	{ "timeout", CLSHM_CFG_TIMEOUT, CLSHM_TIMEOUT_MIN, CLSHM_TIMEOUT_MAX,
	  " ms", "timeout_ms" },
	{ "partid", CLSHM_CFG_PARTID, 0, CLSHM_MAX_PARTS - 1, "", "partid" },
};

static unsigned long long limit_get(const struct clshm_cfg *cfg,
				    unsigned int mask)
{
	switch (mask) {
	case CLSHM_CFG_MAXPGS:
		return cfg->maxpgs;
	case CLSHM_CFG_MAXSEGS:
		return cfg->maxsegs;
	case CLSHM_CFG_MAXDPGS:
		return cfg->maxdpgs;
	case CLSHM_CFG_TIMEOUT:
		return cfg->timeout_ms;
	default:
		return cfg->partid;
	}
}

static void limit_set(struct clshm_cfg *cfg, unsigned int mask,
		      unsigned long long v)
{
	switch (mask) {
	case CLSHM_CFG_MAXPGS:
		cfg->maxpgs = v;
		break;
	case CLSHM_CFG_MAXSEGS:
		cfg->maxsegs = (__u32)v;
		break;
	case CLSHM_CFG_MAXDPGS:
		cfg->maxdpgs = (__u32)v;
		break;
	case CLSHM_CFG_TIMEOUT:
		cfg->timeout_ms = (__u32)v;
		break;
	default:
		cfg->partid = (__u32)v;
		break;
	}
	cfg->mask = mask;
}

static const struct limit *limit_of(unsigned int mask)
{
	size_t i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (limits[i].mask == mask)
			return &limits[i];
	return NULL;
}

static void range_hint(const struct limit *l)
{
	if (l->max == ~0ULL)
		errmsg("%s: the driver refused the value: give at least %llu (and no more than the machine can hold)",
		       l->name, l->min);
	else
		errmsg("%s: give a value from %llu to %llu%s", l->name, l->min,
		       l->max, l->unit);
}

static int cmd_getcfg(struct ctx *c, const struct command *cmd, int argc,
		      char **argv)
{
	struct clshm_cfg cfg;
	struct json j;
	bool is_ctl;
	size_t i;
	int fd, ret;

	ret = no_options(cmd, argc, argv, 0);
	if (ret >= 0)
		return ret;
	/* Every user may look, as at status; only root sees the pid. */
	ret = open_any(&fd, &is_ctl);
	if (ret != EX_OK)
		return ret;
	ret = is_ctl ? get_cfg(fd, &cfg) : get_cfg_info(fd, &cfg);
	close(fd);
	if (ret != EX_OK)
		return ret;

	if (c->json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
			json_uint(&j, limits[i].json,
				  limit_get(&cfg, limits[i].mask));
		json_str(&j, "state", cu_state_name(cfg.state));
		if (is_ctl)
			json_uint(&j, "daemon_pid", cfg.daemon_pid);
		else
			json_null(&j, "daemon_pid");
		json_obj_end(&j);
		return EX_OK;
	}
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		printf("%-11s %llu%s\n", limits[i].name,
		       limit_get(&cfg, limits[i].mask), limits[i].unit);
	printf("%-11s %s\n", "state", cu_state_name(cfg.state));
	if (!is_ctl)
		printf("%-11s unknown (only root may read it)\n", "daemon pid");
	else if (cfg.daemon_pid)
		printf("%-11s %u\n", "daemon pid", cfg.daemon_pid);
	else
		printf("%-11s none\n", "daemon pid");
	return EX_OK;
}

static int cmd_limit(struct ctx *c, const struct command *cmd, int argc,
		     char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "save", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const struct limit *l = limit_of(cmd->cfg_mask);
	struct clshm_cfg cfg, set;
	unsigned long long v = 0, old;
	bool save = false;
	struct json j;
	int fd, ret, err, opt;

	if (!l)
		return EX_ERROR;	/* a command table bug */
	optind = 0;
	while ((ret = cmd_getopt(cmd, argc, argv, "hs", opts, &opt)) ==
	       OPT_NEXT)
		save = true;	/* the only option left is -s */
	if (ret != OPT_DONE)
		return ret;
	if (argc - optind > 1 || (save && optind == argc)) {
		errmsg("%s: %s", l->name, save ? "--save needs a value" :
					      "too many arguments");
		cmd_usage(cmd, true);
		return EX_USAGE;
	}
	if (optind < argc) {
		err = parse_u64(argv[optind], l->max, &v);
		if (err == -EINVAL) {
			errmsg("%s: '%s' is not a number", l->name,
			       argv[optind]);
			cmd_usage(cmd, true);
			return EX_USAGE;
		}
		if (err || v < l->min) {
			range_hint(l);
			return EX_USAGE;
		}
	}

	if (save) {
		err = config_save(l->name, v);
		if (err) {
			errmsg("%s: cannot write %s: %s%s", l->name,
			       config_path(), strerror(-err),
			       err == -EACCES ? " (run it as root)" : "");
			return err == -EACCES ? EX_PERM : EX_ERROR;
		}
		if (!c->json)
			printf("%s %llu%s saved in %s (applies whenever clshm.ko loads)\n",
			       l->name, v, l->unit, config_path());
	}
	if (save && access(CLSHM_CTL_PATH, F_OK))
		return EX_OK;	/* not loaded: the file was the whole job */
	ret = open_ctl(&fd);
	if (ret != EX_OK)
		return ret;
	ret = get_cfg(fd, &cfg);
	if (ret != EX_OK)
		goto out;
	old = limit_get(&cfg, l->mask);

	if (optind < argc) {
		memset(&set, 0, sizeof(set));
		limit_set(&set, l->mask, v);
		if (ioctl(fd, CLSHM_IOC_SETCFG, &set) < 0) {
			err = errno;
			if (err == EBUSY && save) {
				printf("clshm is started: the saved %s applies at its next load (reboot)\n",
				       l->name);
				ret = EX_OK;
			} else if (err == EBUSY) {
				errmsg("clshm is started; limits can change only while it is shut down: run 'clshmctl shutdown' first (or add --save: %s keeps it for the next load)",
				       config_path());
				ret = EX_BUSY;
			} else if (err == EINVAL) {
				range_hint(l);
				ret = EX_ERROR;
			} else {
				ret = ioc_fail("changing the configuration",
					       err);
			}
			goto out;
		}
	}

	if (c->json) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_uint(&j, l->json, optind < argc ? v : old);
		if (optind < argc)
			json_uint(&j, "was", old);
		json_obj_end(&j);
	} else if (optind < argc) {
		printf("%s %llu%s (was %llu)\n", l->name, v, l->unit, old);
	} else {
		printf("%s %llu%s\n", l->name, old, l->unit);
	}
out:
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* status */

struct status {
	struct clshm_version ver;
	struct clshm_info info;
	struct clshm_counters cnt;
	struct clshm_fabinfo fab;
	struct clshm_part_info parts[CLSHM_MAX_PARTS];
	uint32_t nparts, local;
	bool have_parts;
	bool have_fab;
	bool have_pid;
	__u32 daemon_pid;
};

static int cmp_part(const void *a, const void *b)
{
	uint32_t x = ((const struct clshm_part_info *)a)->id;
	uint32_t y = ((const struct clshm_part_info *)b)->id;

	return x < y ? -1 : x > y;
}

/* The fabric's flags as JSON members. */
static void fab_json_flags(struct json *j, const struct clshm_fabinfo *f)
{
	json_bool(j, "present", f->flags & CLSHM_FAB_PRESENT);
	json_bool(j, "doorbell", f->flags & CLSHM_FAB_DOORBELL);
	json_bool(j, "joined", f->flags & CLSHM_FAB_JOINED);
}

static void status_json(const struct status *s)
{
	const struct clshm_info *in = &s->info;
	struct json j;
	uint32_t i;
	size_t k;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "state", cu_state_name(in->state));
	json_uint(&j, "partid", in->partid);
	if (s->have_pid)
		json_uint(&j, "daemon_pid", s->daemon_pid);
	else
		json_null(&j, "daemon_pid");
	json_obj_begin(&j, "abi");
	json_uint(&j, "major", s->ver.major);
	json_uint(&j, "minor", s->ver.minor);
	json_uint(&j, "ring_version", s->ver.ring_version);
	json_obj_end(&j);
	json_obj_begin(&j, "limits");
	json_uint(&j, "maxpgs", in->maxpgs);
	json_uint(&j, "maxsegs", in->maxsegs);
	json_uint(&j, "maxdpgs", in->maxdpgs);
	json_uint(&j, "timeout_ms", in->timeout_ms);
	json_obj_end(&j);
	json_obj_begin(&j, "usage");
	json_uint(&j, "segs", in->segs);
	json_uint(&j, "pages_reserved", in->pages_reserved);
	json_uint(&j, "pages_resident", in->pages_resident);
	json_uint(&j, "page_size", in->page_size);
	json_uint(&j, "max_serial", in->max_serial);
	json_obj_end(&j);
	json_obj_begin(&j, "counters");
	for (k = 0; k < cu_ncounters; k++)
		json_uint(&j, cu_counters[k].name,
			  cu_counter_get(&s->cnt, &cu_counters[k]));
	json_obj_end(&j);
	if (s->have_fab) {
		json_obj_begin(&j, "fabric");
		fab_json_flags(&j, &s->fab);
		json_uint(&j, "nparts", s->fab.nparts);
		json_uint(&j, "size", s->fab.fabric_size);
		json_obj_end(&j);
	} else {
		json_null(&j, "fabric");
	}
	json_uint(&j, "partitions_up", cu_parts_up(s->parts, s->nparts));
	json_arr_begin(&j, "partitions");
	for (i = 0; i < s->nparts; i++) {
		json_obj_begin(&j, NULL);
		json_uint(&j, "id", s->parts[i].id);
		json_str(&j, "state", cu_part_state_name(s->parts[i].state));
		json_big(&j, "incarnation", s->parts[i].incarnation);
		json_bool(&j, "local", s->parts[i].id == s->local);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
}

static void status_text(const struct status *s)
{
	const struct clshm_info *in = &s->info;
	char fab[128];
	uint32_t i;
	size_t k;

	printf("clshm partition %02x: %s\n", in->partid,
	       cu_state_name(in->state));
	if (!s->have_pid)
		printf("  daemon      unknown (run as root to see it)\n");
	else if (s->daemon_pid)
		printf("  daemon      clshmd pid %u\n", s->daemon_pid);
	else if (in->state == CLSHM_STATE_UP)
		printf("  daemon      not running: start it with 'clshmctl startup'\n");
	else
		printf("  daemon      not running\n");
	printf("  driver      ABI %u.%u, ring protocol %u\n", s->ver.major,
	       s->ver.minor, s->ver.ring_version);
	if (s->have_fab)
		printf("  fabric      %s\n",
		       cu_fab_summary(&s->fab, fab, sizeof(fab)));
	else
		printf("  fabric      unknown (the driver predates ABI 1.1)\n");
	printf("  limits      maxpgs %llu pages, maxsegs %u, maxdpgs %u pages, timeout %u ms\n",
	       in->maxpgs, in->maxsegs, in->maxdpgs, in->timeout_ms);
	printf("  segments    %u of %u (highest serial %u)\n", in->segs,
	       in->maxsegs, in->max_serial);
	printf("  pages       %llu reserved of %llu, %llu resident (page size %llu)\n",
	       in->pages_reserved, in->maxpgs,
	       in->pages_resident, in->page_size);
	if (!s->have_parts) {
		printf("  partitions  none (clshm is not started)\n");
	} else {
		printf("  partitions  %u up:", cu_parts_up(s->parts, s->nparts));
		for (i = 0; i < s->nparts; i++)
			printf(" %02x%s%s", s->parts[i].id,
			       s->parts[i].id == s->local ? " (local)" : "",
			       s->parts[i].state == CLSHM_PART_UP ? "" :
			       s->parts[i].state == CLSHM_PART_JOINING ?
			       " (joining)" : " (leaving)");
		printf("\n");
	}
	printf("counters\n");
	for (k = 0; k < cu_ncounters; k++)
		printf("  %-16s %llu\n", cu_counters[k].name,
		       cu_counter_get(&s->cnt, &cu_counters[k]));
}

static int cmd_status(struct ctx *c, const struct command *cmd, int argc,
		      char **argv)
{
	struct status *s;
	struct clshm_cfg cfg;
	bool is_ctl;
	int fd, ret, err;

	ret = look_prologue(cmd, argc, argv, &fd, &is_ctl);
	if (ret >= 0)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s) {
		errmsg("out of memory");
		close(fd);
		return EX_ERROR;
	}
	ret = EX_ERROR;
	if (ioctl(fd, CLSHM_IOC_VERSION, &s->ver) < 0) {
		ret = ioc_fail("reading the driver's version", errno);
		goto out;
	}
	s->info.size = sizeof(s->info);
	if (ioctl(fd, CLSHM_IOC_INFO, &s->info) < 0) {
		ret = ioc_fail("reading limits and usage", errno);
		goto out;
	}
	s->cnt.size = sizeof(s->cnt);
	if (ioctl(fd, CLSHM_IOC_COUNTERS, &s->cnt) < 0) {
		ret = ioc_fail("reading the counters", errno);
		goto out;
	}
	if (is_ctl) {
		memset(&cfg, 0, sizeof(cfg));
		if (ioctl(fd, CLSHM_IOC_GETCFG, &cfg) < 0) {
			ret = ioc_fail("reading the configuration", errno);
			goto out;
		}
		s->have_pid = true;
		s->daemon_pid = cfg.daemon_pid;
	}
	s->fab.size = sizeof(s->fab);
	if (ioctl(fd, CLSHM_IOC_FABINFO, &s->fab) == 0) {
		s->have_fab = true;
	} else if (errno != ENOTTY) {
		ret = ioc_fail("reading the fabric", errno);
		goto out;
	}
	err = cu_partlist(fd, s->parts, CLSHM_MAX_PARTS, &s->nparts,
			  &s->local);
	if (!err) {
		s->have_parts = true;
		qsort(s->parts, s->nparts, sizeof(s->parts[0]), cmp_part);
	} else if (err != -ENODEV) {
		ret = ioc_fail("listing partitions", -err);
		goto out;
	}

	if (c->json)
		status_json(s);
	else
		status_text(s);
	ret = EX_OK;
	/* Up without its daemon: say so in the exit status too. */
	if (s->have_pid && !s->daemon_pid && s->info.state == CLSHM_STATE_UP)
		ret = EX_NODAEMON;
out:
	free(s);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* ipcs */

static void ipcs_json(const struct clshm_ds *segs, size_t n)
{
	struct json j;
	char buf[32];
	size_t i;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_arr_begin(&j, "segments");
	for (i = 0; i < n; i++) {
		const struct clshm_ds *s = &segs[i];

		json_obj_begin(&j, NULL);
		json_hex32(&j, "key", s->key);
		json_hex32(&j, "shmid", s->shmid);
		json_uint(&j, "owner_part", s->owner_part);
		json_uint(&j, "size", s->size);
		snprintf(buf, sizeof(buf), "0%03o", s->mode & 0777);
		json_str(&j, "mode", buf);
		json_uint(&j, "uid", s->uid);
		json_uint(&j, "gid", s->gid);
		json_uint(&j, "cuid", s->cuid);
		json_uint(&j, "cgid", s->cgid);
		json_uint(&j, "cpid", s->cpid);
		json_uint(&j, "lpid", s->lpid);
		json_uint(&j, "nattch", s->nattch);
		json_arr_begin(&j, "state");
		if (s->state & CLSHM_SEG_DEST)
			json_str(&j, NULL, "dest");
		if (s->state & CLSHM_SEG_AUTORMID)
			json_str(&j, NULL, "autormid");
		if (s->state & CLSHM_SEG_DEAD)
			json_str(&j, NULL, "dead");
		json_arr_end(&j);
		json_uint(&j, "pages_resident", s->pages_resident);
		json_uint(&j, "atime", s->atime);
		json_uint(&j, "dtime", s->dtime);
		json_uint(&j, "ctime", s->ctime);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
}

void ipcs_text(const struct clshm_ds *segs, size_t n)
{
	char st[32];
	size_t i;

	printf("%-10s %-10s %-4s %12s %-5s %10s %6s %s\n", "key", "shmid",
	       "part", "bytes", "perms", "uid", "nattch", "status");
	for (i = 0; i < n; i++) {
		const struct clshm_ds *s = &segs[i];

		printf("0x%08x 0x%08x %02x   %12llu %03o   %10u %6u %s\n",
		       s->key, s->shmid, s->owner_part, s->size,
		       s->mode & 0777, s->uid, s->nattch,
		       cu_seg_state(s->state, st, sizeof(st)));
	}
}

static int cmd_ipcs(struct ctx *c, const struct command *cmd, int argc,
		    char **argv)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "partition", required_argument, NULL, 'P' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* Filters: each UINT32_MAX when not given; a segment passes all. */
	unsigned int uid = UINT32_MAX, part = UINT32_MAX, key = UINT32_MAX;
	struct clshm_ds *segs;
	size_t n, i, kept;
	int fd, ret, err, opt;
	bool is_ctl;

	optind = 0;
	while ((ret = cmd_getopt(cmd, argc, argv, "+hu:P:k:", longopts,
				 &opt)) == OPT_NEXT) {
		ret = opt == 'u' ? parse_user(cmd->name, optarg, &uid) :
		      opt == 'P' ? parse_u32(cmd->name, "partition", optarg,
					     &part) :
				   parse_u32(cmd->name, "key", optarg, &key);
		if (ret != EX_OK)
			return ret;
	}
	if (ret != OPT_DONE)
		return ret;
	if (optind < argc) {
		errmsg("%s: too many arguments", cmd->name);
		cmd_usage(cmd, true);
		return EX_USAGE;
	}
	ret = open_any(&fd, &is_ctl);
	if (ret != EX_OK)
		return ret;
	err = cu_list(fd, &segs, &n);
	close(fd);
	if (err)
		return ioc_fail("listing segments", -err);
	for (i = kept = 0; i < n; i++) {
		if ((uid != UINT32_MAX && segs[i].uid != uid) ||
		    (part != UINT32_MAX && segs[i].owner_part != part) ||
		    (key != UINT32_MAX && segs[i].key != key))
			continue;
		segs[kept++] = segs[i];
	}
	n = kept;
	if (c->json)
		ipcs_json(segs, n);
	else
		ipcs_text(segs, n);
	free(segs);
	return EX_OK;
}

/* ------------------------------------------------------------------ */
/* partitions */

struct part_row {
	struct clshm_part_info info;
	char host[CLSHM_HOSTNAME_MAX];	/* "" when not known */
	int host_err;			/* why not, a positive errno */
};

/* Why a host name is not known, in a few words. */
static const char *host_err_name(int err)
{
	switch (err) {
	case ENOTCONN:
		return "no daemon";
	case ETIMEDOUT:
		return "no answer";
	case ENOENT:
		return "not up";
	case EAGAIN:
		return "daemon busy";
	case EIO:
		return "went down";
	default:
		return strerror(err);
	}
}

/*
 * The host name of every partition, by CLSHM_IOC_GETHOSTNAME on the shm
 * device (the kernel asks the partition's daemon, or knows it from the
 * daemon's hello).
 */
static void part_hostnames(struct part_row *rows, uint32_t n)
{
	int fd = cu_open(CLSHM_SHM_PATH);
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct clshm_hostname h;

		rows[i].host[0] = '\0';
		if (fd < 0) {
			rows[i].host_err = -fd;
			continue;
		}
		memset(&h, 0, sizeof(h));
		h.name = (uintptr_t)rows[i].host;
		h.len = sizeof(rows[i].host);
		h.part = rows[i].info.id;
		if (ioctl(fd, CLSHM_IOC_GETHOSTNAME, &h) < 0) {
			rows[i].host_err = errno;
			rows[i].host[0] = '\0';
			continue;
		}
		rows[i].host[sizeof(rows[i].host) - 1] = '\0';
		rows[i].host_err = 0;
	}
	if (fd >= 0)
		close(fd);
}

/* No local partition (shut down). */
#define PART_NONE	UINT32_MAX

static void partitions_json(const struct part_row *rows, uint32_t n,
			    uint32_t local, uint32_t up)
{
	struct json j;
	uint32_t i;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	if (local == PART_NONE)
		json_null(&j, "local");
	else
		json_uint(&j, "local", local);
	json_uint(&j, "count", n);
	json_uint(&j, "up", up);
	json_arr_begin(&j, "partitions");
	for (i = 0; i < n; i++) {
		json_obj_begin(&j, NULL);
		json_uint(&j, "id", rows[i].info.id);
		json_str(&j, "state", cu_part_state_name(rows[i].info.state));
		json_big(&j, "incarnation", rows[i].info.incarnation);
		if (rows[i].host_err) {
			json_null(&j, "hostname");
			json_str(&j, "hostname_error",
				 host_err_name(rows[i].host_err));
		} else {
			json_str(&j, "hostname", rows[i].host);
		}
		json_bool(&j, "local", rows[i].info.id == local);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
}

static void partitions_text(const struct part_row *rows, uint32_t n,
			    uint32_t local, uint32_t up)
{
	char shown[CLSHM_HOSTNAME_MAX];
	uint32_t i;

	printf("%-4s %-8s %-20s %s\n", "part", "state", "incarnation", "host");
	for (i = 0; i < n; i++) {
		const struct part_row *r = &rows[i];

		printf("%02x   %-8s %-20llu ", r->info.id,
		       cu_part_state_name(r->info.state),
		       (unsigned long long)r->info.incarnation);
		if (r->host_err)
			printf("- (%s)", host_err_name(r->host_err));
		else
			printf("%s", cu_hostname_print(r->host, shown,
						       sizeof(shown)));
		printf("%s\n", r->info.id == local ? " (local)" : "");
	}
	printf("%u partition%s, %u up\n", n, n == 1 ? "" : "s", up);
}

static int cmd_partitions(struct ctx *c, const struct command *cmd, int argc,
			  char **argv)
{
	struct clshm_part_info parts[CLSHM_MAX_PARTS];
	struct part_row *rows;
	uint32_t n, local, i;
	bool is_ctl;
	int fd, ret, err;

	ret = look_prologue(cmd, argc, argv, &fd, &is_ctl);
	if (ret >= 0)
		return ret;
	err = cu_partlist(fd, parts, CLSHM_MAX_PARTS, &n, &local);
	close(fd);
	if (err == -ENODEV) {
		/* Down: no partition, as ipcs shows no segment (exit 0). */
		if (!c->json)
			errmsg("partitions: the partition is down: clshmctl startup starts it");
		n = 0;
		local = PART_NONE;
	} else if (err) {
		return ioc_fail("listing partitions", -err);
	}
	qsort(parts, n, sizeof(parts[0]), cmp_part);

	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		errmsg("out of memory");
		return EX_ERROR;
	}
	for (i = 0; i < n; i++)
		rows[i].info = parts[i];
	part_hostnames(rows, n);
	if (c->json)
		partitions_json(rows, n, local, cu_parts_up(parts, n));
	else
		partitions_text(rows, n, local, cu_parts_up(parts, n));
	free(rows);
	return EX_OK;
}

/* ------------------------------------------------------------------ */
/* fabric */

static void fabric_json(const struct clshm_fabinfo *f)
{
	struct json j;
	size_t k;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	fab_json_flags(&j, f);
	json_uint(&j, "flags", f->flags);
	json_uint(&j, "nparts", f->nparts);
	json_uint(&j, "size", f->fabric_size);
	json_uint(&j, "zone_off", f->zone_off);
	json_uint(&j, "zone_size", f->zone_size);
	json_uint(&j, "zone_used", f->zone_used);
	json_uint(&j, "ivposition", f->ivposition);
	json_uint(&j, "partid", f->partid);
	json_obj_begin(&j, "counters");
	for (k = 0; k < cu_nfab_counters; k++)
		json_uint(&j, cu_fab_counters[k].name,
			  cu_fab_counter_get(f, &cu_fab_counters[k]));
	json_obj_end(&j);
	json_obj_end(&j);
}

static void fabric_text(const struct clshm_fabinfo *f)
{
	char sum[128];
	size_t k;

	printf("fabric      %s\n", cu_fab_summary(f, sum, sizeof(sum)));
	if (!(f->flags & CLSHM_FAB_PRESENT))
		return;
	printf("  size      %llu bytes, %u partition slots\n",
	       (unsigned long long)f->fabric_size, f->nparts);
	printf("  local     partition %02x, IVPosition %u, %s\n", f->partid,
	       f->ivposition, f->flags & CLSHM_FAB_JOINED ? "joined" :
	       "not joined (it joins at 'clshmctl startup')");
	printf("  zone      offset 0x%llx, %llu bytes, %llu pages used\n",
	       (unsigned long long)f->zone_off,
	       (unsigned long long)f->zone_size,
	       (unsigned long long)f->zone_used);
	printf("  doorbell  %s\n", f->flags & CLSHM_FAB_DOORBELL ?
	       "yes: peers are woken by interrupts" :
	       "no: mailboxes are polled");
	printf("counters\n");
	for (k = 0; k < cu_nfab_counters; k++)
		printf("  %-16s %llu\n", cu_fab_counters[k].name,
		       (unsigned long long)cu_fab_counter_get(f,
							&cu_fab_counters[k]));
}

static int cmd_fabric(struct ctx *c, const struct command *cmd, int argc,
		      char **argv)
{
	struct clshm_fabinfo f;
	bool is_ctl;
	int fd, ret, err = 0;

	ret = look_prologue(cmd, argc, argv, &fd, &is_ctl);
	if (ret >= 0)
		return ret;
	memset(&f, 0, sizeof(f));
	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	if (ioctl(fd, CLSHM_IOC_FABINFO, &f) < 0)
		err = errno;
	close(fd);
	if (err)
		return ioc_fail("reading the fabric", err);
	if (c->json)
		fabric_json(&f);
	else
		fabric_text(&f);
	return EX_OK;
}

/* ------------------------------------------------------------------ */
/* The command table, help, main */

static int cmd_help(struct ctx *c, const struct command *cmd, int argc,
		    char **argv);

static const struct command commands[] = {
	{ "startup", cmd_startup, "[-f|--foreground]",
	  "start clshm and its daemon clshmd",
	  "Enables the segment API (the driver allocates the daemon ring of\n"
	  "maxdpgs pages) and starts 'clshmd 0', waiting until it has\n"
	  "registered.  On a started partition without a daemon it only\n"
	  "starts clshmd.  -f runs clshmd in the foreground in its place\n"
	  "(for a systemd unit: ExecStart=clshmctl startup -f).\n", 0 },
	{ "shutdown", cmd_shutdown, "[-f|--force]",
	  "shut clshm and clshmd down",
	  "Refused while a segment is attached: clshmctl then names the\n"
	  "segments and the processes that hold them.  -f tears attached\n"
	  "segments down too; their mappings go and later accesses get\n"
	  "SIGBUS.  Waits up to 5 s for clshmd to exit.\n", 0 },
	{ "getcfg", cmd_getcfg, "",
	  "show the configuration",
	  "Prints maxpgs, maxsegs, maxdpgs, timeout, partid, the state and\n"
	  "the daemon's pid.\n", 0 },
	{ "maxpgs", cmd_limit, "[PAGES] [-s|--save]",
	  "show or set the page limit of all segments",
	  "Limits change only while clshm is shut down.  --save also keeps\n"
	  "the value for every later load, in /etc/modprobe.d/clshm.conf.\n",
	  CLSHM_CFG_MAXPGS },
	{ "maxsegs", cmd_limit, "[COUNT] [-s|--save]",
	  "show or set the segment count limit",
	  "From 1 to 16777215.  Limits change only while clshm is shut down.\n",
	  CLSHM_CFG_MAXSEGS },
	{ "maxdpgs", cmd_limit, "[PAGES] [-s|--save]",
	  "show or set the size of the daemon ring",
	  "From 1 to 256 pages.  Limits change only while clshm is shut down.\n",
	  CLSHM_CFG_MAXDPGS },
	{ "timeout", cmd_limit, "[MS] [-s|--save]",
	  "show or set the timeout of daemon requests",
	  "From 10 to 600000 ms.  Limits change only while clshm is shut down.\n",
	  CLSHM_CFG_TIMEOUT },
	{ "partid", cmd_limit, "[ID] [-s|--save]",
	  "show or set the local partition id",
	  "From 0 to 255.  Changes only while clshm is shut down.\n",
	  CLSHM_CFG_PARTID },
	{ "status", cmd_status, "",
	  "show state, limits, usage and counters",
	  "Also a line on the fabric and the partitions that are up.  Works\n"
	  "for every user; the daemon's pid needs root.\n", 0 },
	{ "ipcs", cmd_ipcs, "[--user U] [--partition P] [--key K]",
	  "list the segments (alias: list)",
	  "One line per segment: key, shmid, owner partition, size, mode,\n"
	  "owner uid, attaches and state (dest: removed, freed at the last\n"
	  "detach; autormid: removed at the last detach; dead: torn down by\n"
	  "force).  Works for every user, like ipcs(1).  --user (name or\n"
	  "uid), --partition (owner partition) and --key keep only the\n"
	  "segments that match them all.\n", 0 },
	{ "list", cmd_ipcs, "[--user U] [--partition P] [--key K]", NULL,
	  NULL, 0 },
	{ "partitions", cmd_partitions, "",
	  "list the partitions (alias: parts)",
	  "One line per partition the driver knows (joining, up or leaving):\n"
	  "id, state, incarnation (changes when it reboots) and host name,\n"
	  "the local one marked.  Host names come from the partitions'\n"
	  "daemons.  Works for every user.\n", 0 },
	{ "parts", cmd_partitions, "", NULL, NULL, 0 },
	{ "fabric", cmd_fabric, "",
	  "show the fabric the partition runs on",
	  "Whether an ivshmem fabric is bound, its size and partition slots,\n"
	  "the local zone, doorbell support and the fabric counters.\n"
	  "Works for every user.\n", 0 },
	{ "rm", cmd_rm, "-m ID | -M KEY | --user U | --orphans ...",
	  "remove segments, like ipcrm",
	  "-m (--shmid) removes the segment of a shmid, -M (--key) that of\n"
	  "a key, --user every segment a user (name or uid) owns, --orphans\n"
	  "every segment whose creator process is gone and that nobody\n"
	  "attaches.  Removal is IPC_RMID's: an attached segment goes at its\n"
	  "last detach.  Needs the owner, the creator or CAP_SYS_ADMIN, and\n"
	  "--user and --orphans only see segments you may read.  Several\n"
	  "options are done in order.\n", 0 },
	{ "top", cmd_top, "[-d SECONDS] [-n COUNT]",
	  "watch the segments and the rates, refreshed",
	  "A screen like top(1): the segments (as ipcs, sorted by attaches,\n"
	  "size or shmid) under a header with creates, attaches, detaches\n"
	  "and faults per second since the last refresh.  On a terminal it\n"
	  "redraws every -d SECONDS (default 2) and reads keys: q quits,\n"
	  "space or r refreshes now, s changes the sort, + and - double or\n"
	  "halve the interval.  With -n COUNT, or without a terminal, it\n"
	  "prints COUNT screens (default 1) and exits.  Works for every\n"
	  "user (the segments it may read).\n", 0 },
	{ "show", cmd_show, "[-j] SHMID",
	  "show one segment and who attaches it",
	  "The segment (as ipcs -i), then one line per attach: the process\n"
	  "(pid, command), its partition, the address range and rdonly for\n"
	  "a read-only one; attaches in other partitions of a segment owned\n"
	  "here come as one line per partition with their count.  -j prints\n"
	  "one JSON array of these objects.  Only segments you may read.\n", 0 },
	{ "monitor", cmd_monitor, "[-j|--json] [-b|--buffer-size SIZE]",
	  "print events as they happen",
	  "One line per event: segments created, removed, destroyed,\n"
	  "attached, detached (shmid, key, attaches after it, the process\n"
	  "and its partition); partitions up, down, rejoined; the daemon up\n"
	  "and down; limits changed and creates a limit refused; each with\n"
	  "its time (time_ns, nanoseconds since the epoch).  -j prints one\n"
	  "JSON object per line; 64-bit stamps are strings.  When events\n"
	  "were lost because the monitor fell behind it says so (\"lost\"),\n"
	  "prints the segments that exist now (\"segment\" lines), says\n"
	  "\"synced\" and goes on.  -b sets the room the kernel keeps for\n"
	  "events not read yet (default 4M; K, M, G suffixes).  Needs root.\n"
	  "Runs until interrupted.\n", 0 },
	{ "help", cmd_help, "[COMMAND]",
	  "show this help, or a command's", NULL, 0 },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void cmd_usage(const struct command *cmd, bool to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	fprintf(f, "Usage: clshmctl [-j] %s%s%s\n", cmd->name,
		cmd->args[0] ? " " : "", cmd->args);
	if (to_stderr)
		return;
	if (cmd->summary)
		fprintf(f, "%c%s.\n", cmd->summary[0] - 'a' + 'A',
			cmd->summary + 1);
	if (cmd->help)
		fprintf(f, "%s", cmd->help);
}

static void short_usage(void)
{
	fprintf(stderr, "Usage: clshmctl [-j|--json] [-h|--help] [-V|--version] COMMAND [ARGS]\n"
		"'clshmctl help' lists the commands.\n");
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"Usage: clshmctl [-j|--json] [-h|--help] [-V|--version] COMMAND [ARGS]\n"
"Administer clshm, CrayLink-style shared memory.\n"
"\n"
"Commands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		char syn[64];

		if (!commands[i].summary)
			continue;
		snprintf(syn, sizeof(syn), "%s %s", commands[i].name,
			 commands[i].args);
		fprintf(f, "  %-27s %s\n", syn, commands[i].summary);
	}
	fprintf(f,
"\n"
"Options:\n"
"  -j, --json     JSON output (getcfg, the limits, status, ipcs,\n"
"                 partitions, fabric)\n"
"  -h, --help     show this help and exit\n"
"  -V, --version  show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 error, 2 usage, 3 already started, 4 busy,\n"
"5 clshm.ko not loaded, 6 not root.  See clshmctl(8).\n");
}

static int cmd_help(struct ctx *c, const struct command *cmd, int argc,
		    char **argv)
{
	const struct command *which;
	int ret;

	(void)c;
	ret = no_options(cmd, argc, argv, 1);
	if (ret >= 0)
		return ret;
	if (optind >= argc) {
		usage(stdout);
		return EX_OK;
	}
	which = find_command(argv[optind]);
	if (!which) {
		errmsg("no command '%s'; 'clshmctl help' lists them",
		       argv[optind]);
		return EX_USAGE;
	}
	/* An alias: the help of the command it stands for. */
	if (!which->summary) {
		size_t i;

		for (i = 0; i < NCOMMANDS; i++)
			if (commands[i].fn == which->fn && commands[i].summary) {
				which = &commands[i];
				break;
			}
	}
	cmd_usage(which, false);
	return EX_OK;
}

/* Output that did not reach its reader is a failure. */
static int flush_stdout(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		errmsg("writing the output: %s", strerror(errno));
		if (ret == EX_OK)
			ret = EX_ERROR;
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd;
	struct ctx c = { .json = false };
	int o, i, n;

	/*
	 * -j (--json) and -p (--pretty: indented JSON; implies -j) may stand
	 * anywhere on the line, before or after the command: take them out
	 * first.  "--" ends the options.
	 */
	for (i = n = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			c.json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty") ||
			   !strcmp(a, "-jp") || !strcmp(a, "-pj")) {
			c.json = true;
			json_pretty = true;
		} else {
			argv[n++] = argv[i];
		}
	}
	argc = n;
	argv[argc] = NULL;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			c.json = true;
			break;
		case 'h':
			usage(stdout);
			return flush_stdout(EX_OK);
		case 'V':
			printf("clshmctl (clshm) %s, ABI %d.%d, ring protocol %d\n",
			       CLSHM_VERSION, CLSHM_ABI_MAJOR, CLSHM_ABI_MINOR,
			       CLSHM_RING_VERSION);
			return flush_stdout(EX_OK);
		default:
			if (optopt)
				errmsg("unknown option '-%c'", optopt);
			else
				errmsg("unknown option '%s'", argv[optind - 1]);
			short_usage();
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		errmsg("no command given");
		short_usage();
		return EX_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		errmsg("unknown command '%s'", argv[optind]);
		short_usage();
		return EX_USAGE;
	}
	return flush_stdout(cmd->fn(&c, cmd, argc - optind, argv + optind));
}
