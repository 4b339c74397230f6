// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - clshm-bench: the benchmark suite that "make bench" runs in a guest
 *
 *   clshm-bench [--suite local|fabric] [--quick] [--row N] [--tag NAME]
 *   clshm-bench --profile N     N get/attach/touch/detach/remove cycles of
 *                               each kind with ftrace's tracing_on set
 *                               (bench/guest.sh configures the tracer)
 *
 * Output: "@{...}" JSON records and "# ..." progress lines on stdout; see
 * bench.h.  bench/run collects them on the host and bench/report.py makes
 * the table, results.json, results.csv and the plots.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xp_shm.h>

#include "bench.h"

#define TRACING	"/sys/kernel/tracing"

/* The first line of @path (trailing newline cut), or "" */
static const char *first_line(const char *path, const char *prefix)
{
	static char buf[512];
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return buf;
	while (fgets(buf, sizeof(buf), f)) {
		if (!prefix || !strncmp(buf, prefix, strlen(prefix)))
			break;
		buf[0] = 0;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void meta(void)
{
	struct utsname u;
	char buf[600];

	uname(&u);
	snprintf(buf, sizeof(buf), "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
	emit_meta("guest_uname", buf);
	emit_meta("guest_cmdline", first_line("/proc/cmdline", NULL));
	emit_meta("guest_cpu", first_line("/proc/cpuinfo", "model name"));
	snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	emit_meta("guest_cpus", buf);
	emit_meta("guest_memtotal", first_line("/proc/meminfo", "MemTotal"));
	emit_meta("guest_thp_enabled", first_line("/sys/kernel/mm/transparent_hugepage/enabled", NULL));
	emit_meta("guest_thp_shmem", first_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled", NULL));
	emit_meta("guest_nr_hugepages", first_line("/proc/sys/vm/nr_hugepages", NULL));
	emit_meta("guest_shmmni", first_line("/proc/sys/kernel/shmmni", NULL));
	snprintf(buf, sizeof(buf), "%d", part_getid());
	emit_meta("clshm_partition", buf);
}

static void trace_write(const char *file, const char *s)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), TRACING "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0)
		fprintf(stderr, "clshm-bench: writing %s: %s\n", path, strerror(errno));
	close(fd);
}

/*
 * Profile: each kind's cycle under function_graph, with this process as
 * the only traced pid; a trace_marker line names the kind and the step.
 */
int profile_ops(int n)
{
	static const char *const step[5] = { "get", "attach", "touch", "detach", "remove" };
	char buf[64];
	int k, i, s, marker;

	/* Open the clshm device and the marker before tracing starts. */
	part_getid();
	pin_cpu(0);
	marker = open(TRACING "/trace_marker", O_WRONLY | O_CLOEXEC);
	if (marker < 0)
		die("open " TRACING "/trace_marker");
	snprintf(buf, sizeof(buf), "%d\n", getpid());
	trace_write("set_ftrace_pid", buf);
	trace_write("tracing_on", "1\n");
	for (i = 0; i < n; i++) {
		for (k = 0; k < NKINDS; k++) {
			struct seg sg;

			for (s = 0; s < 5; s++) {
				snprintf(buf, sizeof(buf), "bench %s %s\n", kind_name[k], step[s]);
				if (write(marker, buf, strlen(buf)) < 0)
					die("trace_marker");
				switch (s) {
				case 0: if (seg_get(&sg, (enum kind)k, 4 * KiB, 0)) die("get"); break;
				case 1: if (seg_at(&sg, 0)) die("attach"); break;
				case 2: sg.addr[0] = 1; break;
				case 3: if (seg_dt(&sg)) die("detach"); break;
				case 4: if (seg_rm(&sg)) die("remove"); break;
				}
			}
		}
	}
	if (write(marker, "bench end\n", 10) < 0)
		die("trace_marker");
	trace_write("tracing_on", "0\n");
	close(marker);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: clshm-bench [--suite local|fabric] [--quick] [--row N] [--tag NAME]\n"
		   "       clshm-bench --profile N\n");
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *suite = "local", *tag = NULL;
	char name[64];
	struct rlimit rl = { 65536, 65536 };
	int i, prof = 0;

	/* Row 13 starts this program as its raw events listener. */
	if (argc == 3 && !strcmp(argv[1], "--listener"))
		return listener_main(!strcmp(argv[2], "hold"));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			o.quick = 1;
		else if (!strcmp(argv[i], "--suite") && i + 1 < argc)
			suite = argv[++i];
		else if (!strcmp(argv[i], "--tag") && i + 1 < argc)
			tag = argv[++i];
		else if (!strcmp(argv[i], "--row") && i + 1 < argc)
			o.only = argv[++i];
		else if (!strcmp(argv[i], "--profile") && i + 1 < argc)
			prof = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (prof > 0)
		return profile_ops(prof);

	/* Row 7 keeps 10,000 memfds open. */
	if (setrlimit(RLIMIT_NOFILE, &rl))
		fprintf(stderr, "clshm-bench: RLIMIT_NOFILE stays low: %s\n", strerror(errno));
	/* Open libxp's descriptor now, so no row counts that. */
	if (part_getid() < 0)
		die("clshm is not running here (part_getid)");

	meta();
	/* A tag names a diagnostic run: its cells stay apart from the suite's. */
	snprintf(name, sizeof(name), "%s%s%s", suite, tag ? ":" : "", tag ? tag : "");
	emit_meta("suite", name);
	emit_meta("quick", o.quick ? "1" : "0");
	if (!strcmp(suite, "local"))
		return suite_local(&o);
	if (!strcmp(suite, "fabric"))
		return suite_fabric(&o);
	usage(stderr);
	return 2;
}
