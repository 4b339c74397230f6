// SPDX-License-Identifier: GPL-2.0
/*
 * counters - print or compare the clshm driver counters (run.sh's leak
 * check between test binaries)
 *
 *   counters            print every counter as key=value, then state,
 *                       maxdpgs, ring_pages and seg_pages (pinned pages
 *                       less the daemon ring's, which exist while up)
 *   counters -c FILE    compare with a saved print: segs_live,
 *                       attaches_live and seg_pages must be equal (waits
 *                       up to 5 s for them to settle); exit 1 and say what
 *                       differs if not
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct snap {
	struct clshm_counters k;
	unsigned long long state, maxdpgs, ring_pages, seg_pages;
};

static const char *const names[] = {
	"segs_live", "segs_created", "segs_destroyed", "pages_pinned",
	"pages_alloc", "pages_freed", "attaches_live", "attach_total",
	"detach_total", "faults", "msgs_posted", "msgs_dropped", "replies",
	"errors",
};

static int take(struct snap *s)
{
	struct clshm_info i;

	memset(s, 0, sizeof(*s));
	if (get_counters(&s->k))
		return -1;
	if (get_info(&i)) {
		struct clshm_cfg c;

		/* INFO may need the partition up: GETCFG as a fallback */
		if (get_cfg(&c))
			return -1;
		i.state = c.state;
		i.maxdpgs = c.maxdpgs;
	}
	s->state = i.state;
	s->maxdpgs = i.maxdpgs;
	s->ring_pages = i.state == CLSHM_STATE_UP ? i.maxdpgs : 0;
	s->seg_pages = s->k.pages_pinned - s->ring_pages;
	return 0;
}

static void print(FILE *f, const struct snap *s)
{
	const __u64 *v = &s->k.segs_live;
	size_t n;

	for (n = 0; n < sizeof(names) / sizeof(names[0]); n++)
		fprintf(f, "%s=%llu\n", names[n], (unsigned long long)v[n]);
	fprintf(f, "state=%llu\nmaxdpgs=%llu\nring_pages=%llu\nseg_pages=%llu\n",
		s->state, s->maxdpgs, s->ring_pages, s->seg_pages);
}

static int load(const char *path, struct snap *s)
{
	char line[128], key[64];
	unsigned long long val;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	memset(s, 0, sizeof(*s));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^=]=%llu", key, &val) != 2)
			continue;
		if (!strcmp(key, "segs_live"))
			s->k.segs_live = val;
		else if (!strcmp(key, "attaches_live"))
			s->k.attaches_live = val;
		else if (!strcmp(key, "pages_pinned"))
			s->k.pages_pinned = val;
		else if (!strcmp(key, "seg_pages"))
			s->seg_pages = val;
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct snap now, then;
	int waited = 0;

	if (argc == 1) {
		if (take(&now)) {
			fprintf(stderr, "counters: %s\n", strerror(errno));
			return 1;
		}
		print(stdout, &now);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "-c")) {
		fprintf(stderr, "usage: counters [-c SAVED_FILE]\n");
		return 2;
	}
	if (load(argv[2], &then)) {
		fprintf(stderr, "counters: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	for (;;) {
		if (take(&now)) {
			fprintf(stderr, "counters: %s\n", strerror(errno));
			return 1;
		}
		if (now.k.segs_live == then.k.segs_live &&
		    now.k.attaches_live == then.k.attaches_live &&
		    now.seg_pages == then.seg_pages)
			return 0;
		if (waited >= 5000)
			break;
		sleep_ms(50);
		waited += 50;
	}
	printf("# leak: segs_live %llu -> %llu, attaches_live %llu -> %llu, "
	       "segment pages %llu -> %llu\n",
	       (unsigned long long)then.k.segs_live,
	       (unsigned long long)now.k.segs_live,
	       (unsigned long long)then.k.attaches_live,
	       (unsigned long long)now.k.attaches_live,
	       then.seg_pages, now.seg_pages);
	return 1;
}
