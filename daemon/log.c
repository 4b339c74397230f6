// SPDX-License-Identifier: GPL-2.0
/*
 * log.c - where clshmd's log lines and state dump lines go
 *
 * The bottom of the daemon's files: clshmd.c, ring.c and peers.c all log
 * through logmsg() and dumpline(), and this file calls none of them.
 * clshmd.c says where lines go (log_set()) from its options: syslog,
 * standard error (with "<N>" priority prefixes when that is systemd's
 * journal), or both while a daemon in the background has not registered
 * yet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "clshmd.h"

static struct log_cfg lg = { .to_stderr = true, .stderr_max = LOG_DEBUG };

void log_set(const struct log_cfg *cfg)
{
	lg = *cfg;
}

static void __attribute__((format(printf, 2, 0)))
vlog(int prio, const char *fmt, va_list ap)
{
	char buf[1024];
	const char *what = "";

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (lg.to_syslog)
		syslog(prio, "%s", buf);
	if (!lg.to_stderr || prio > lg.stderr_max)
		return;
	if (lg.journal) {
		fprintf(stderr, "<%d>%s\n", prio, buf);
		return;
	}
	if (prio <= LOG_ERR)
		what = "error: ";
	else if (prio == LOG_WARNING)
		what = "warning: ";
	fprintf(stderr, "clshmd: %s%s\n", what, buf);
}

void logmsg(int prio, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (prio == LOG_DEBUG && !lg.debug)
		return;
	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
	errno = saved;
}

void dumpline(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (lg.dump_to_stdout) {
		vprintf(fmt, ap);
		putchar('\n');
		fflush(stdout);
	} else {
		vlog(LOG_INFO, fmt, ap);
	}
	va_end(ap);
}
