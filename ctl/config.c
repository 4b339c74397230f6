// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - the persistent configuration: module options in modprobe.d
 *
 * clshm's limits are module parameters (maxpgs, maxsegs, maxdpgs,
 * timeout, partid, and the load-only fabparts, pollms, hugepages).  What
 * survives a reboot is one "options clshm ..." line in
 * /etc/modprobe.d/clshm.conf: modules-load.d loads clshm at boot with
 * them, before clshmd.service runs "clshmctl startup".  "clshmctl LIMIT
 * VALUE --save" rewrites NAME=VALUE on that line and leaves every other
 * line (comments, other options) as it was.  $CLSHM_MODPROBE_CONF names
 * another file (tests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clshmctl.h"

#define CONF_HEADER \
	"# clshm module options, applied whenever clshm.ko is loaded (at boot\n" \
	"# by modules-load.d).  \"clshmctl LIMIT VALUE --save\" edits the line\n" \
	"# below; see clshmctl(8) and Documentation/admin-guide.md.\n"

const char *config_path(void)
{
	const char *p = getenv("CLSHM_MODPROBE_CONF");

	return p && *p ? p : CLSHM_MODPROBE_CONF;
}

/* Is LINE "options clshm ..."?  Then *rest points after "clshm". */
static int is_options_line(const char *line, const char **rest)
{
	const char *s = line + strspn(line, " \t");

	if (strncmp(s, "options", 7) || !strchr(" \t", s[7]))
		return 0;
	s += 7 + strspn(s + 7, " \t");
	if (strncmp(s, "clshm", 5) || !strchr(" \t\n", s[5]))
		return 0;
	*rest = s + 5;
	return 1;
}

/* "options clshm" + the words of REST without NAME=..., + NAME=VALUE. */
static void write_options(FILE *out, const char *rest, const char *name,
			  unsigned long long value)
{
	size_t nlen = strlen(name);
	const char *w = rest;

	fputs("options clshm", out);
	for (;;) {
		size_t len;

		w += strspn(w, " \t\n");
		len = strcspn(w, " \t\n");
		if (!len)
			break;
		if (!(len > nlen && !strncmp(w, name, nlen) && w[nlen] == '='))
			fprintf(out, " %.*s", (int)len, w);
		w += len;
	}
	fprintf(out, " %s=%llu\n", name, value);
}

int config_save(const char *name, unsigned long long value)
{
	const char *path = config_path();
	char tmp[4096], *line = NULL;
	size_t cap = 0;
	const char *rest;
	int done = 0, err;
	FILE *in, *out;

	if (snprintf(tmp, sizeof(tmp), "%s.clshmctl-new", path) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	in = fopen(path, "r");
	if (!in && errno != ENOENT)
		return -errno;
	out = fopen(tmp, "w");
	if (!out) {
		err = -errno;
		if (in)
			fclose(in);
		return err;
	}
	if (!in)
		fputs(CONF_HEADER, out);
	while (in && getline(&line, &cap, in) > 0) {
		if (!done && is_options_line(line, &rest)) {
			write_options(out, rest, name, value);
			done = 1;
		} else {
			fputs(line, out);
		}
	}
	free(line);
	if (!done)
		write_options(out, "", name, value);
	err = ferror(out) || (in && ferror(in)) ? -EIO : 0;
	if (in)
		fclose(in);
	if (fflush(out) || fsync(fileno(out)))
		err = -errno;
	if (fclose(out) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
