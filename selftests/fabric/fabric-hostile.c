// SPDX-License-Identifier: GPL-2.0
/*
 * fabric-hostile - play a hostile partition on a clshm fabric
 *
 * Runs in a guest whose clshm is NOT started (its kernel never joins the
 * fabric), next to guests 0 and 1 that run the fabric_robust selftest.
 * It maps the whole layout (header, partition table, mailboxes) through
 * /sys/bus/pci/devices/<ivshmem>/resource2 and writes garbage where the
 * other kernels read, one phase at a time:
 *
 *   1 header     every byte of the header page below the test area
 *                (fields, then random bytes), restored afterwards
 *   2 engage     in the slots of partitions 0 and 1: a host name without
 *                NUL, nengaged huge, engagement entries outside the zones
 *                and of nonexistent owners (restored)
 *   3 identity   in the same slots: bad id, page size, ABI and layout
 *                majors, flags, an unknown state (restored)
 *   4 junkslot   its own slot (2) claimed, beating, with junk: host name
 *                without NUL, nengaged huge, entries outside zone 0
 *   5 messages   its slot made clean with a new incarnation, a forged
 *                kernel hello to 0 and 1, then bad mailbox entries: bad
 *                seq, type, sender, length, incarnation, reply status,
 *                attach count, a KILL of a segment it does not own, a
 *                request without id, a DHELLO with a bad name
 *   6 indices    garbage head of its mailboxes to 0 and 1, garbage tail
 *                of theirs to it, head moved backwards
 *   7 flood      valid requests to 0 and 1 while it never reads their
 *                replies (their mailboxes to it stay full)
 *   8 leave      stops beating: 0 and 1 must declare it down
 *
 * Phases 1 to 6 belong to fabric_robust's first test, 7 and 8 to its
 * second.  Each phase starts when it has set its mark (fabutil.h) to the
 * phase number and both victims have recorded their counters (V_SEEN);
 * it lasts at least HOSTILE_DWELL_MS and until guests 0 and 1
 * acknowledge it in their V_ACK value (their counters of rejected input
 * grew; for 5: V_SAW2 says they saw it come up; for 8: that they saw it
 * go down), or --ack-ms passed.  After the last phase of a test the mark
 * is HOSTILE_DONE + the test's number.  It prints TAP: one result per
 * phase, "ok" when the writes were done and the restore verified;
 * acknowledgements are the victims' business and only noted.
 *
 * Usage: fabric-hostile [--ack-ms MS] [--phases LIST]   (LIST: 1,2,5-8)
 * Needs $CLSHM_GUEST and $CLSHM_GUESTS (vm/run sets them) and iomem=relaxed
 * if clshm.ko is bound to the device.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fabutil.h"
#include "fabric-hostile.h"

#define ME	HOSTILE_PART

static struct fab f;
static uint8_t *bar;			/* header .. start of the zones */
static struct clshm_fab_hdr geo;	/* the header as formatted */
static uint64_t tx_head[CLSHM_FAB_MAX_PARTS];
static uint64_t inc_now;		/* our incarnation while we claim */
static int ack_ms = 10000;
static int tap_n, tap_failed;
static volatile int beating;
static pthread_t beat_thread;
static unsigned long long rnd_state = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d hostile: ", ok ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	printf("# hostile: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* 64-bit stores and loads on the uncached BAR mapping. */
static void st64(void *p, uint64_t v)
{
	__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE);
}

static uint64_t ld64(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
}

static void st32(void *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, v, __ATOMIC_RELEASE);
}

static uint32_t ld32(const void *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE);
}

/* Copy 8-byte words (the BAR is mapped uncached: no byte games). */
static void copy_out(void *dst, const void *src, size_t n)
{
	size_t i;

	for (i = 0; i < n / 8; i++)
		st64((uint64_t *)dst + i, ((const uint64_t *)src)[i]);
}

static void copy_in(void *dst, const void *src, size_t n)
{
	size_t i;

	for (i = 0; i < n / 8; i++)
		((uint64_t *)dst)[i] = ld64((const uint64_t *)src + i);
}

static struct clshm_fab_slot *slot(int id)
{
	return (struct clshm_fab_slot *)(bar + geo.slots_off +
					 (uint64_t)id * geo.slot_size);
}

static struct clshm_fab_mbox *mbox(int from, int to)
{
	return (struct clshm_fab_mbox *)(bar + geo.mbox_off +
		((uint64_t)from * geo.nparts + to) * geo.mbox_size);
}

static void *mbox_entry(int from, int to, uint64_t pos)
{
	return (uint8_t *)mbox(from, to) + CLSHM_FAB_MBOX_HDR +
	       (pos % geo.mbox_nents) * geo.msg_size;
}

/* ---------------------------------------------------------------- */
/* Acknowledgements from the victims                                  */

/* Wait until guests 0 and 1 publish val[k] >= want; 1 if both did. */
static int wait_victims(int k, uint32_t want, int ms)
{
	int64_t end = now_ms() + ms;

	for (;;) {
		if (fab_get(&f, 0, k) >= want && fab_get(&f, 1, k) >= want)
			return 1;
		if (now_ms() >= end)
			return 0;
		usleep(5000);
	}
}

static int64_t phase_t0;

/*
 * Announce phase and wait until both victims have recorded its start
 * (their counters before the garbage), so that what they count next is
 * this phase's.
 */
static void phase_start(int phase)
{
	fab_set_mark(&f, phase);
	if (!wait_victims(V_SEEN, phase, 10000))
		note("phase %d: the victims did not record its start", phase);
	note("phase %d begins", phase);
	phase_t0 = now_ms();
}

/*
 * Wait for the victims' acknowledgement of phase (value k), but keep the
 * garbage in place at least HOSTILE_DWELL_MS; note the outcome.
 */
static void phase_ack(int phase, int k)
{
	int ok = wait_victims(k, phase, ack_ms);
	int64_t left = phase_t0 + HOSTILE_DWELL_MS - now_ms();

	if (left > 0)
		usleep(left * 1000);
	note("phase %d: %s (partition 0: %u, partition 1: %u)", phase,
	     ok ? "acknowledged" : "NOT acknowledged in time",
	     fab_get(&f, 0, k), fab_get(&f, 1, k));
}

/* ---------------------------------------------------------------- */
/* 1: the header                                                      */

static void phase_header(void)
{
	uint8_t saved[HOSTILE_HDR_BYTES], now[HOSTILE_HDR_BYTES];
	struct clshm_fab_hdr bad;
	size_t i;

	phase_start(1);
	copy_in(saved, bar, sizeof(saved));
	memcpy(&bad, saved, sizeof(bad));
	bad.magic ^= 0xffff;
	bad.major = 77;
	bad.minor = 0xffffffff;
	bad.format = 99;
	bad.formatter = 0xffffffff;
	bad.size = 1;
	bad.page_size = 12345;
	bad.nparts = 0xffffffff;
	bad.slot_size = 0;
	bad.msg_size = 1;
	bad.mbox_nents = 0;
	bad.mbox_size = 0xffffffff;
	bad.slots_off = ~0ull;
	bad.mbox_off = 3;
	bad.zones_off = ~0ull - 4095;
	bad.zone_size = ~0ull;
	copy_out(bar, &bad, sizeof(bad) & ~7ul);
	phase_ack(1, V_ACK);
	/* Then every byte of the page below the test area. */
	for (i = 0; i < sizeof(now) / 8; i++)
		((uint64_t *)now)[i] = rnd();
	copy_out(bar, now, sizeof(now));
	usleep(500 * 1000);
	copy_out(bar, saved, sizeof(saved));
	copy_in(now, bar, sizeof(now));
	tap(!memcmp(now, saved, sizeof(now)),
	    "1 header: garbage in every field and byte, restored");
}

/* ---------------------------------------------------------------- */
/* 2, 3: the slots of partitions 0 and 1                              */

struct slot_save {
	uint32_t state, id, ivposition, flags, abi_major, abi_minor;
	uint32_t fab_major, page_size, nengaged;
	uint64_t hostname[CLSHM_FAB_HOSTNAME_MAX / 8];
	uint32_t base;			/* first engagement entry we wrote */
	struct clshm_fab_engage eng[4];
};

static void slot_save(int id, struct slot_save *s)
{
	struct clshm_fab_slot *sl = slot(id);
	int i;

	memset(s, 0, sizeof(*s));	/* padding too: compared whole */
	s->state = ld32(&sl->state);
	s->id = ld32(&sl->id);
	s->ivposition = ld32(&sl->ivposition);
	s->flags = ld32(&sl->flags);
	s->abi_major = ld32(&sl->abi_major);
	s->abi_minor = ld32(&sl->abi_minor);
	s->fab_major = ld32(&sl->fab_major);
	s->page_size = ld32(&sl->page_size);
	s->nengaged = ld32(&sl->nengaged);
	copy_in(s->hostname, sl->hostname, sizeof(s->hostname));
	/*
	 * Our entries replace the first ones in use: the others read only
	 * entries below nengaged, which the holder writes back at once.
	 * (The victims hold HOSTILE_NY + 1 remote attaches, so these are
	 * live entries; the holder keeps its own copy and does not read
	 * them back, and its peers only skip pages of their zones that no
	 * live segment holds.)
	 */
	s->base = 0;
	for (i = 0; i < 4; i++)
		copy_in(&s->eng[i], &sl->engaged[s->base + i],
			sizeof(s->eng[i]));
}

static int slot_restore(int id, const struct slot_save *s)
{
	struct clshm_fab_slot *sl = slot(id);
	struct slot_save now;
	int i;

	st32(&sl->state, s->state);
	st32(&sl->id, s->id);
	st32(&sl->ivposition, s->ivposition);
	st32(&sl->flags, s->flags);
	st32(&sl->abi_major, s->abi_major);
	st32(&sl->abi_minor, s->abi_minor);
	st32(&sl->fab_major, s->fab_major);
	st32(&sl->page_size, s->page_size);
	copy_out(sl->hostname, s->hostname, sizeof(s->hostname));
	for (i = 0; i < 4; i++)
		copy_out(&sl->engaged[s->base + i], &s->eng[i],
			 sizeof(s->eng[i]));
	st32(&sl->nengaged, s->nengaged);
	slot_save(id, &now);
	if (memcmp(&now, s, sizeof(now))) {
		note("slot %d after the restore: state %u id %u flags %#x "
		     "abi %u fab %u page %u nengaged %u (saved: %u %u %#x %u "
		     "%u %u %u)", id, now.state, now.id, now.flags,
		     now.abi_major, now.fab_major, now.page_size, now.nengaged,
		     s->state, s->id, s->flags, s->abi_major, s->fab_major,
		     s->page_size, s->nengaged);
		return 0;
	}
	return 1;
}

static void phase_engage(void)
{
	struct slot_save save[2];
	uint64_t zone_pages = geo.zone_size / geo.page_size;
	int id, ok = 1;

	phase_start(2);
	for (id = 0; id < 2; id++) {
		if (ld32(&slot(id)->nengaged) < 4)
			note("slot %d has only %u engagement entries", id,
			     ld32(&slot(id)->nengaged));
	}
	for (id = 0; id < 2; id++) {
		struct clshm_fab_slot *sl = slot(id);
		uint32_t other = 1 - id;	/* owner field: partition + 1 */
		struct clshm_fab_engage e[4] = {
			{ other + 1, 0xffffffffu, 0xfffffffffffull },
			{ other + 1, 1, zone_pages },
			{ 250, 1, 0 },
			{ other + 1, 0, 5 },
		};
		char name[CLSHM_FAB_HOSTNAME_MAX];
		int i;

		slot_save(id, &save[id]);
		memset(name, 'Z', sizeof(name));	/* no NUL */
		copy_out(sl->hostname, name, sizeof(name));
		for (i = 0; i < 4; i++)
			copy_out(&sl->engaged[save[id].base + i], &e[i],
				 sizeof(e[i]));
		st32(&sl->nengaged, 0xffffffffu);
	}
	phase_ack(2, V_ACK);
	for (id = 0; id < 2; id++)
		ok &= slot_restore(id, &save[id]);
	tap(ok, "2 engage: host names without NUL, nengaged huge, engagement "
	    "entries outside the zones in slots 0 and 1, restored");

	phase_start(3);
	for (id = 0; id < 2; id++) {
		struct clshm_fab_slot *sl = slot(id);

		slot_save(id, &save[id]);
		st32(&sl->id, 9 + id);
		st32(&sl->page_size, 65536 + 12);
		st32(&sl->abi_major, 99);
		st32(&sl->fab_major, 99);
		st32(&sl->flags, 0xfffffffeu);
		st32(&sl->ivposition, 0xffffffffu);
		st32(&sl->state, 77);
	}
	phase_ack(3, V_ACK);
	ok = 1;
	for (id = 0; id < 2; id++)
		ok &= slot_restore(id, &save[id]);
	tap(ok, "3 identity: bad id, page size, majors, flags and state in "
	    "slots 0 and 1, restored");
}

/* ---------------------------------------------------------------- */
/* 4: our own slot, with junk                                         */

static void *beat(void *arg)
{
	struct clshm_fab_slot *sl = slot(ME);

	(void)arg;
	while (beating) {
		st64(&sl->heartbeat, ld64(&sl->heartbeat) + 1);
		usleep(50 * 1000);
	}
	return NULL;
}

/* Take slot ME with incarnation inc (from what it holds now). */
static int claim(uint64_t old, uint64_t inc)
{
	struct clshm_fab_slot *sl = slot(ME);

	if (!__atomic_compare_exchange_n(&sl->claim, &old, inc, 0,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return -1;
	st64(&sl->incarnation, inc);
	inc_now = inc;
	return 0;
}

static void slot_fill(int junk)
{
	struct clshm_fab_slot *sl = slot(ME);
	char name[CLSHM_FAB_HOSTNAME_MAX];
	uint64_t zone_pages = geo.zone_size / geo.page_size;
	struct clshm_fab_engage e[2] = {
		{ 1, 4, zone_pages + 100 },	/* outside zone 0 */
		{ 2, 0xffffffffu, 0 },		/* zone 1 and far beyond */
	};
	struct clshm_fab_engage zero[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	st32(&sl->id, ME);
	st32(&sl->ivposition, ME);
	st32(&sl->flags, 0);
	st32(&sl->abi_major, CLSHM_ABI_MAJOR);
	st32(&sl->abi_minor, CLSHM_ABI_MINOR);
	st32(&sl->fab_major, CLSHM_FAB_MAJOR);
	st32(&sl->page_size, geo.page_size);
	memset(name, 0, sizeof(name));
	if (junk)
		memset(name, 'Q', sizeof(name));
	else
		snprintf(name, sizeof(name), "hostile-g%d", ME);
	copy_out(sl->hostname, name, sizeof(name));
	copy_out(&sl->engaged[0], junk ? e : zero, sizeof(e));
	st32(&sl->nengaged, junk ? 0xffffffffu : 0);
	st32(&sl->state, CLSHM_PART_UP);
}

static int phase_junkslot(void)
{
	struct clshm_fab_slot *sl = slot(ME);
	uint64_t c = ld64(&sl->claim), hb = ld64(&sl->heartbeat);

	phase_start(4);
	if (c) {
		usleep(1000 * 1000);
		if (ld64(&sl->heartbeat) != hb) {
			tap(0, "4 junkslot: slot %d is held by a live "
			    "partition (is clshm started here?)", ME);
			return -1;
		}
	}
	if (claim(c, 0x4a554e4b00000000ull | (rnd() & 0xffffffff))) {
		tap(0, "4 junkslot: cannot claim slot %d", ME);
		return -1;
	}
	slot_fill(1);
	beating = 1;
	if (pthread_create(&beat_thread, NULL, beat, NULL)) {
		beating = 0;
		tap(0, "4 junkslot: no heartbeat thread");
		return -1;
	}
	phase_ack(4, V_ACK);
	tap(1, "4 junkslot: slot %d claimed and beating with junk (host name "
	    "without NUL, nengaged huge, entries outside zones 0 and 1)", ME);
	return 0;
}

/* ---------------------------------------------------------------- */
/* 5: messages                                                        */

/*
 * Put m into our mailbox to partition to, at our head (m->seq is ours
 * unless keep_seq), and publish head + 1.  Waits for room (the receiver's
 * tail) at most ms; 0, or -1 if the mailbox stayed full.
 */
static int post(int to, struct clshm_fab_msg *m, int keep_seq, int ms)
{
	struct clshm_fab_mbox *mb = mbox(ME, to);
	int64_t end = now_ms() + ms;
	uint64_t head = tx_head[to];

	while (head - ld64(&mb->tail) >= geo.mbox_nents) {
		if (now_ms() >= end)
			return -1;
		usleep(2000);
	}
	if (!keep_seq)
		m->seq = head;
	copy_out(mbox_entry(ME, to, head), m, sizeof(*m));
	st64(&mb->head, head + 1);
	tx_head[to] = head + 1;
	return 0;
}

/* Wait until partition to has read everything we posted: 1, or 0. */
static int drained(int to, int ms)
{
	int64_t end = now_ms() + ms;

	while (ld64(&mbox(ME, to)->tail) < tx_head[to]) {
		if (now_ms() >= end)
			return 0;
		usleep(2000);
	}
	return 1;
}

static void msg_init(struct clshm_fab_msg *m, uint32_t type)
{
	memset(m, 0, sizeof(*m));
	m->inc = inc_now;
	m->type = type;
	m->from = ME;
}

/*
 * The kernel hello as the driver writes it (driver/fabric.c): 16 bytes
 * of payload, our hello session in data[0], the incarnation of the
 * partition greeted in arg[3].
 */
#define KHELLO_LEN	16

static uint64_t session = 1;

static int khello(int to)
{
	struct clshm_fab_msg m;

	msg_init(&m, CLSHM_FM_KHELLO);
	m.len = KHELLO_LEN;
	m.arg[0] = (uint64_t)CLSHM_ABI_MAJOR << 32 | CLSHM_ABI_MINOR;
	m.arg[1] = geo.page_size;
	m.arg[2] = CLSHM_FAB_MAJOR;
	m.arg[3] = ld64(&slot(to)->incarnation);
	m.data[0] = session;
	return post(to, &m, 0, 2000);
}

/* Read what the victims sent us, like an honest receiver (but ignore it). */
static void drain_replies(void)
{
	int to;

	for (to = 0; to < 2; to++)
		st64(&mbox(to, ME)->tail, ld64(&mbox(to, ME)->head));
}

static void phase_messages(void)
{
	struct clshm_fab_msg m;
	int to, n, sent = 0, unread = 0, up;
	uint32_t x;

	/* A clean slot and a new incarnation, as after a reboot. */
	phase_start(5);
	slot_fill(0);
	if (claim(inc_now, inc_now + 1)) {
		tap(0, "5 messages: lost slot %d", ME);
		return;
	}
	for (to = 0; to < 2; to++)
		tx_head[to] = ld64(&mbox(ME, to)->head);
	drain_replies();
	/* Let them see the new incarnation beat, then say hello. */
	wait_victims(V_SAW2, CLSHM_PART_JOINING, 3000);
	for (to = 0; to < 2; to++)
		if (khello(to))
			note("kernel hello to %d: mailbox full", to);
	up = wait_victims(V_SAW2, CLSHM_PART_UP, ack_ms);
	if (!up) {
		note("not up after a hello; once more");
		session++;
		drain_replies();
		for (to = 0; to < 2; to++)
			khello(to);
		up = wait_victims(V_SAW2, CLSHM_PART_UP, ack_ms);
	}
	note("partitions 0 and 1 see slot %d as %u and %u", ME,
	     fab_get(&f, 0, V_SAW2), fab_get(&f, 1, V_SAW2));

	for (to = 0; to < 2; to++) {
		x = fab_get(&f, 0, V_SHMID_X);	/* a segment of partition 0 */
		for (n = 0; ; n++) {
			int keep = 0;

			msg_init(&m, CLSHM_FM_WAKE);
			m.arg[0] = x;
			switch (n) {
			case 0:		/* seq not our position */
				m.seq = tx_head[to] + 3;
				keep = 1;
				break;
			case 1:
				m.type = 0;
				break;
			case 2:
				m.type = 999;
				break;
			case 3:
				m.type = CLSHM_FM_MAX + 1;
				break;
			case 4:		/* not the mailbox's sender */
				m.from = 1 - to;
				break;
			case 5:
				m.from = 200;
				break;
			case 6:
				m.type = CLSHM_FM_REPLY;
				m.req = 1;
				m.len = 0xffffffffu;
				break;
			case 7:
				m.len = CLSHM_FAB_MSG_DATA + 1;
				break;
			case 8:		/* an incarnation of the past */
				m.inc = inc_now - 1;
				break;
			case 9:
				m.inc = 0;
				break;
			case 10:
				m.type = CLSHM_FM_REPLY;
				m.req = 0x123456789ull;
				m.status = 9999;
				break;
			case 11:
				m.type = CLSHM_FM_NATTCH;
				m.arg[1] = 0xffffffffull;
				break;
			case 12:
				m.type = CLSHM_FM_NATTCH;
				m.arg[0] = 1ull << 40;
				m.arg[1] = 1;
				break;
			case 13:	/* not ours to kill */
				m.type = CLSHM_FM_KILL;
				break;
			case 14:
				m.arg[0] = 1ull << 40;
				break;
			case 15:	/* a request without id */
				m.type = CLSHM_FM_GET;
				m.arg[0] = 4096;
				m.arg[1] = CLSHM_ID_MAKE(to, 1);
				m.arg[2] = 01000 | 0600;
				break;
			case 16:
				m.type = CLSHM_FM_DHELLO;
				m.len = 9999;
				memset(m.data, 'N', sizeof(m.data));
				break;
			case 17:
				m.type = CLSHM_FM_DHELLO;
				m.len = sizeof(m.data);
				memset(m.data, 'N', sizeof(m.data));
				m.arg[0] = (uint64_t)CLSHM_ABI_MAJOR << 32;
				m.arg[1] = geo.page_size;
				break;
			case 18:
				m.flags = 0xffffffffu;
				break;
			case 19:
				m.pad = ~0ull;
				break;
			case 20:	/* requests with arguments out of range */
				m.type = CLSHM_FM_STAT;
				m.req = 0x77;
				m.arg[0] = 1ull << 40;
				break;
			case 21:
				m.type = CLSHM_FM_ATTACH;
				m.req = 0x78;
				m.arg[0] = x;
				m.arg[1] = 07777;
				break;
			case 22:
				m.type = CLSHM_FM_SET;
				m.req = 0x79;
				m.arg[0] = x;
				m.arg[1] = 1ull << 33;
				m.arg[3] = 0777777;
				break;
			case 23:
				m.type = CLSHM_FM_GET;
				m.req = 0x7a;
				m.uid = 0xffffffffu;	/* an invalid uid */
				m.arg[1] = CLSHM_ID_MAKE(to, 1);
				break;
			default:
				n = -1;
			}
			if (n < 0)
				break;
			drain_replies();
			if (post(to, &m, keep, 2000))
				note("message %d to %d: mailbox full", n, to);
			else
				sent++;
			/* one at a time, so that each is judged alone */
			if (!drained(to, 2000))
				unread++;
		}
	}
	note("%d bad messages posted, %d not read within 2 s", sent, unread);
	phase_ack(5, V_ACK);
	tap(sent > 0, "5 messages: forged kernel hello, then %d bad mailbox "
	    "entries to partitions 0 and 1 (seen up: %s)", sent,
	    up ? "yes" : "NO");
}

/* ---------------------------------------------------------------- */
/* 6, 7: mailbox indices and a flood                                  */

static void phase_indices(void)
{
	struct clshm_fab_msg m;
	uint64_t h;
	int to;

	phase_start(6);
	for (to = 0; to < 2; to++) {
		/* their mailbox to us: a tail ahead of their head */
		st64(&mbox(to, ME)->tail, 0xdeadbeefdeadbeefull);
		/* a valid request, so that they answer into that mailbox */
		msg_init(&m, CLSHM_FM_MINTKEY);
		m.req = 0x1000 + to;
		post(to, &m, 0, 2000);
		drained(to, 2000);
		/* our head far ahead of their tail */
		h = tx_head[to];
		st64(&mbox(ME, to)->head, h + 1000);
		usleep(300 * 1000);
		/* and then back behind it */
		st64(&mbox(ME, to)->head, h > 3 ? h - 3 : 0);
		usleep(300 * 1000);
		/* and then garbage */
		st64(&mbox(ME, to)->head, rnd());
		usleep(300 * 1000);
		/* settle on what they read last, like a sender restarting */
		tx_head[to] = ld64(&mbox(ME, to)->tail);
		st64(&mbox(ME, to)->head, tx_head[to]);
	}
	drain_replies();
	phase_ack(6, V_ACK);
	tap(1, "6 indices: garbage heads of mailboxes %d->0 and %d->1, "
	    "garbage tails of 0->%d and 1->%d", ME, ME, ME, ME);
}

static void phase_flood(void)
{
	struct clshm_fab_msg m;
	int to, i, sent = 0;

	phase_start(7);
	for (to = 0; to < 2; to++) {
		/* their mailbox to us is full and stays full */
		uint64_t head = ld64(&mbox(to, ME)->head);

		st64(&mbox(to, ME)->tail, head > geo.mbox_nents ?
		     head - geo.mbox_nents : 0);
	}
	for (i = 0; i < 3 * (int)geo.mbox_nents; i++) {
		for (to = 0; to < 2; to++) {
			msg_init(&m, CLSHM_FM_MINTKEY);
			m.req = 0x2000 + i;
			if (!post(to, &m, 0, 3000))
				sent++;
		}
	}
	for (to = 0; to < 2; to++)
		drained(to, 10000);
	phase_ack(7, V_ACK);
	tap(sent > 0, "7 flood: %d requests whose replies are never read",
	    sent);
}

static void phase_leave(void)
{
	struct clshm_fab_slot *sl = slot(ME);
	int ok;

	phase_start(8);
	if (beating) {
		beating = 0;
		pthread_join(beat_thread, NULL);
	}
	ok = wait_victims(V_SAW2DOWN, 1, ack_ms + 20000);
	note("partitions 0 and 1 %s declared it down", ok ? "have" : "have NOT");
	st32(&sl->state, CLSHM_PART_DOWN);
	st32(&sl->nengaged, 0);
	st64(&sl->claim, 0);
	tap(1, "8 leave: stopped beating, slot %d freed", ME);
}

/* ---------------------------------------------------------------- */

static int want_phase(const char *list, int p)
{
	const char *s = list;

	if (!list)
		return 1;
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s)
			return 0;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (p >= a && p <= b)
			return 1;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ack-ms", required_argument, NULL, 'a' },
		{ "phases", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *phases = NULL;
	uint64_t base;
	int c, claimed = 0;
	size_t len;

	while ((c = getopt_long(argc, argv, "a:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			ack_ms = atoi(optarg);
			break;
		case 'p':
			phases = optarg;
			break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"usage: fabric-hostile [--ack-ms MS] [--phases LIST]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	printf("TAP version 13\n");
	fflush(stdout);
	if (fab_open(&f) || f.guest != ME) {
		tap(0, "0 setup: no fabric, or not guest %d: %s", ME,
		    strerror(errno));
		printf("1..%d\n", tap_n);
		return 1;
	}
	fab_clear_vals(&f);
	copy_in(&geo, f.hdr, sizeof(geo) & ~7ul);
	if (geo.magic != CLSHM_FAB_MAGIC || geo.format != CLSHM_FAB_READY ||
	    geo.nparts < 3 || geo.nparts > CLSHM_FAB_MAX_PARTS ||
	    geo.slot_size != CLSHM_FAB_SLOT_SIZE ||
	    geo.msg_size != CLSHM_FAB_MSG_SIZE || !geo.mbox_nents ||
	    geo.zones_off > pci_bar_size(f.dev, IVSHMEM_SHM_BAR) ||
	    geo.zones_off % 4096 ||
	    !geo.page_size) {
		tap(0, "0 setup: the fabric is not formatted as expected");
		printf("1..%d\n", tap_n);
		return 1;
	}
	len = geo.zones_off;
	bar = ivshmem_map(f.dev, 0, len);
	if (!bar) {
		tap(0, "0 setup: mmap of the layout: %s", strerror(errno));
		printf("1..%d\n", tap_n);
		return 1;
	}
	tap(1, "0 setup: layout of %u slots mapped (%zu bytes)", geo.nparts,
	    len);

	/* fabric_robust's first test: garbage (phases 1 to 6). */
	base = FAB_ID(HOSTILE_BIN, 1, 0);
	if (fab_barrier(&f, base + R_BASE, 0x7, 300000, 0)) {
		tap(0, "0 start: partitions 0 and 1 never got ready "
		    "(guest %d)", f.bad_guest);
		printf("1..%d\n", tap_n);
		return 1;
	}
	if (want_phase(phases, 1))
		phase_header();
	if (want_phase(phases, 2))
		phase_engage();
	if (want_phase(phases, 4))
		claimed = !phase_junkslot();
	if (claimed && want_phase(phases, 5))
		phase_messages();
	if (claimed && want_phase(phases, 6))
		phase_indices();
	fab_set_mark(&f, HOSTILE_DONE + 1);
	if (fab_barrier(&f, base + R_END, 0x7, 300000, 0))
		note("partitions 0 and 1 did not finish test 1 (guest %d)",
		     f.bad_guest);

	/* Its second test: a flood (phase 7), then we go (phase 8). */
	base = FAB_ID(HOSTILE_BIN, 2, 0);
	if (fab_barrier(&f, base + R_BASE, 0x7, 300000, 0))
		note("partitions 0 and 1 did not start test 2 (guest %d)",
		     f.bad_guest);
	if (claimed && want_phase(phases, 7))
		phase_flood();
	if (claimed)
		phase_leave();
	fab_set_mark(&f, HOSTILE_DONE + 2);
	if (fab_barrier(&f, base + R_END, 0x7, 300000, 0))
		note("partitions 0 and 1 did not finish test 2 (guest %d)",
		     f.bad_guest);
	printf("1..%d\n# hostile: %d result(s), %d failed\n", tap_n, tap_n,
	       tap_failed);
	return tap_failed ? 1 : 0;
}
