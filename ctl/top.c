// SPDX-License-Identifier: GPL-2.0
/*
 * top.c - clshmctl top: the segments and the driver's rates, refreshed
 *
 *   clshmctl top [-d SECONDS] [-n COUNT]
 *
 * Every refresh reads the segments (CLSHM_IOC_LIST, what ipcs shows the
 * caller) and the counters (CLSHM_IOC_COUNTERS), and prints a header
 * with the rates since the last refresh (creates, attaches, detaches,
 * faults per second) over the segments, sorted.  On a terminal it is
 * interactive, like top(1): the screen is redrawn and keys act at once
 * (q quit, space or r refresh now, s next sort order, + and - the
 * interval).  With -n, or when standard input or output is not a
 * terminal, it prints COUNT (default 1) screens one after another and
 * exits: for scripts and logs.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "clshm-common.h"
#include "clshm-util.h"
#include "clshmctl.h"

/* The sort orders, in the order "s" goes through them. */
enum top_sort { SORT_NATTCH, SORT_SIZE, SORT_SHMID, NSORTS };
static const char *const sort_names[NSORTS] = { "nattch", "size", "shmid" };

/* Set by SIGINT, SIGTERM and SIGHUP: leave the loop, restore the tty. */
static volatile sig_atomic_t top_stop;

static void on_stop(int sig)
{
	(void)sig;
	top_stop = 1;
}

static enum top_sort sort_by;

static int cmp_seg(const void *a, const void *b)
{
	const struct clshm_ds *x = a, *y = b;

	if (sort_by == SORT_NATTCH && x->nattch != y->nattch)
		return x->nattch < y->nattch ? 1 : -1;
	if (sort_by != SORT_SHMID && x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->shmid < y->shmid ? -1 : x->shmid > y->shmid;
}

/* One screen: the header, the rates since @prev (@dt s ago), the rows. */
static int top_screen(int fd, bool tty, struct clshm_counters *prev,
		      double dt, double interval)
{
	struct clshm_counters now;
	struct clshm_ds *segs;
	struct winsize ws;
	size_t n, rows, i;
	unsigned int att = 0;
	char clock[16];
	time_t t = time(NULL);
	int err;

	err = cu_list(fd, &segs, &n);
	if (err == -ENODEV) {
		segs = NULL;	/* down: no segments, as ipcs */
		n = 0;
	} else if (err) {
		return ioc_fail("listing segments", -err);
	}
	memset(&now, 0, sizeof(now));
	now.size = sizeof(now);
	if (ioctl(fd, CLSHM_IOC_COUNTERS, &now) < 0) {
		free(segs);
		return ioc_fail("reading the counters", errno);
	}
	qsort(segs, n, sizeof(*segs), cmp_seg);
	for (i = 0; i < n; i++)
		att += segs[i].nattch;
	rows = n;
	if (tty && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row > 4 &&
	    rows > (size_t)ws.ws_row - 4)
		rows = ws.ws_row - 4;

	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&t));
	if (tty)
		fputs("\033[H\033[2J", stdout);
#define RATE(f) (dt > 0 ? (double)(now.f - prev->f) / dt : 0.0)
	printf("clshm top %s  segments %zu  attaches %u  sort %s  every %.1fs%s\n",
	       clock, n, att, sort_names[sort_by], interval,
	       tty ? "  (q s r + -)" : "");
	printf("per second: creates %.1f  attaches %.1f  detaches %.1f  faults %.1f  pages pinned %llu\n",
	       RATE(segs_created), RATE(attach_total), RATE(detach_total),
	       RATE(faults), (unsigned long long)now.pages_pinned);
#undef RATE
	ipcs_text(segs, rows);
	if (rows < n)
		printf("... %zu more\n", n - rows);
	if (!tty)
		putchar('\n');
	fflush(stdout);
	*prev = now;
	free(segs);
	return EX_OK;
}

static double now_s(void)
{
	return now_ns() / 1e9;
}

int cmd_top(struct ctx *c, const struct command *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct clshm_counters prev;
	struct termios saved, raw;
	struct sigaction sa;
	double interval = 2, last;
	unsigned int count = 0;
	bool tty, is_ctl;
	int opt, r, fd;
	char *end;

	(void)c;
	optind = 0;
	while ((r = cmd_getopt(cmd, argc, argv, "+hd:n:", longopts, &opt)) ==
	       OPT_NEXT) {
		if (opt == 'd') {
			interval = strtod(optarg, &end);
			if (*end || !(interval >= 0.1 && interval <= 3600)) {
				errmsg("top: -d takes seconds from 0.1 to 3600, not '%s'",
				       optarg);
				return EX_USAGE;
			}
		} else if (parse_u32(cmd->name, "count", optarg, &count)) {
			return EX_USAGE;	/* it said what is wrong */
		} else if (!count) {
			errmsg("top: -n takes a count of at least 1");
			return EX_USAGE;
		}
	}
	if (r != OPT_DONE)
		return r;
	if (optind < argc) {
		errmsg("top: too many arguments");
		cmd_usage(cmd, true);
		return EX_USAGE;
	}
	r = open_any(&fd, &is_ctl);
	if (r != EX_OK)
		return r;
	tty = !count && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
	      !tcgetattr(STDIN_FILENO, &saved);
	if (!tty && !count)
		count = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: poll returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (tty) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		fputs("\033[?25l", stdout);	/* hide the cursor */
	}

	memset(&prev, 0, sizeof(prev));
	prev.size = sizeof(prev);
	ioctl(fd, CLSHM_IOC_COUNTERS, &prev);
	last = now_s();
	r = top_screen(fd, tty, &prev, 0, interval);
	while (r == EX_OK && !top_stop && (tty || --count)) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		bool redraw = false;
		double t;
		char k;

		if (!tty) {
			sleep_ms((long)(interval * 1000));
		} else if (poll(&pfd, 1, (int)(interval * 1000)) > 0) {
			if (read(STDIN_FILENO, &k, 1) != 1 || k == 'q' ||
			    k == 'Q')
				break;
			if (k == 's')
				sort_by = (sort_by + 1) % NSORTS;
			else if (k == '+')
				interval = interval * 2 > 3600 ? 3600 : interval * 2;
			else if (k == '-')
				interval = interval / 2 < 0.1 ? 0.1 : interval / 2;
			else if (k != ' ' && k != 'r')
				continue;	/* other keys: nothing */
			redraw = true;
		}
		if (top_stop)
			break;
		t = now_s();
		/* A key redraws at once; the rates stay per interval. */
		if (redraw && t - last < interval / 2) {
			struct clshm_counters keep = prev;

			r = top_screen(fd, tty, &keep, 0, interval);
			continue;
		}
		r = top_screen(fd, tty, &prev, t - last, interval);
		last = t;
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		fputs("\033[?25h\n", stdout);
	}
	close(fd);
	return r;
}
