// SPDX-License-Identifier: GPL-2.0
/*
 * fabric_basic - partitions on a shared fabric: membership, the fabric
 * layout as the partitions publish it, and segments used from every
 * partition
 *
 * Runs in every guest of "vm/run --guests N" (N >= 2; 4 in make check's
 * four-guest run), guest g being partition g.  Set CLSHM_FABRIC=plain or
 * CLSHM_FABRIC=doorbell (run.sh --part does) to check the doorbell state
 * too.
 */
#include <limits.h>

#include "fabric.h"

#define BIN	1

FAB_FIXTURE(fab, BIN)

/* Values a guest publishes (fab_put); 64-bit ones take two. */
enum { V_SHMID, V_KEY, V_PID, V_INC, V_INC_HI, V_CHK };

/* What run.sh --part says the fabric is: 1 doorbell, 0 plain, -1 unknown. */
static int doorbell_expected(void)
{
	const char *s = getenv("CLSHM_FABRIC");

	if (!s)
		return -1;
	if (!strcmp(s, "doorbell"))
		return 1;
	if (!strcmp(s, "plain"))
		return 0;
	return -1;
}

static uint64_t seed_of(int shmid, int g)
{
	return (uint64_t)(uint32_t)shmid << 8 | (uint64_t)g;
}

/* ---------------------------------------------------------------- */
/* Membership                                                         */

TEST_F(fab, membership)
{
	struct clshm_part_info info[CLSHM_FAB_MAX_PARTS + 1];
	partid_t ids[XP_MAX_PARTITIONS];
	char node[64], name[XP_HOSTNAME_MAX], want[XP_HOSTNAME_MAX];
	struct fab_ctx *fc = &self->fc;
	uint64_t myinc = 0, incs[FAB_MAX_GUESTS] = { 0 };
	uint32_t local = 999;
	struct stat st;
	int n, i, g;

	EXPECT_EQ(ME(fc), part_getid());
	EXPECT_EQ(NG(fc), part_getcount());
	n = part_getlist(ids, XP_MAX_PARTITIONS);
	ASSERT_EQ(NG(fc), n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(i, ids[i]);

	n = fab_partlist(info, CLSHM_FAB_MAX_PARTS + 1, &local);
	ASSERT_EQ(NG(fc), n) TH_LOG("PARTLIST count");
	EXPECT_EQ((uint32_t)ME(fc), local);
	for (i = 0; i < n; i++) {
		EXPECT_GT(NG(fc), (int)info[i].id);
		EXPECT_EQ(CLSHM_PART_UP, info[i].state)
			TH_LOG("partition %u", info[i].id);
		EXPECT_NE(0, info[i].incarnation);
		if (info[i].id < FAB_MAX_GUESTS)
			incs[info[i].id] = info[i].incarnation;
		if (info[i].id == (uint32_t)ME(fc))
			myinc = info[i].incarnation;
	}
	ASSERT_NE(0, myinc);
	fab_put64(&fc->f, V_INC, myinc);

	/* A node per partition that is up, none for one that is not. */
	for (g = 0; g < NG(fc); g++) {
		ASSERT_EQ(0, stat(fab_part_node(node, sizeof(node), g), &st))
			TH_LOG("%s: %s", node, strerror(errno));
		EXPECT_TRUE(S_ISCHR(st.st_mode)) TH_LOG("%s", node);
		EXPECT_EQ(0444, st.st_mode & 07777) TH_LOG("%s", node);
	}
	EXPECT_EQ(-1, stat(fab_part_node(node, sizeof(node), NG(fc)), &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, stat(fab_part_node(node, sizeof(node), 0xff), &st));

	/* Host names: the peers' (vm/init names guest g "clshm-g<g>"). */
	for (g = 0; g < NG(fc); g++) {
		snprintf(want, sizeof(want), "clshm-g%d", g);
		memset(name, 0x7f, sizeof(name));
		EXPECT_EQ(0, part_gethostname(g, name, sizeof(name)))
			TH_LOG("part_gethostname(%d): %s", g, strerror(errno));
		EXPECT_STREQ(want, name);
		/* too small a buffer */
		EXPECT_EQ(-1, part_gethostname(g, name, 4));
		EXPECT_EQ(ENAMETOOLONG, errno) TH_LOG("partition %d", g);
	}
	EXPECT_EQ(-1, part_gethostname(NG(fc), name, sizeof(name)));
	EXPECT_EQ(ENOENT, errno);

	FAB_SYNC(fc);
	/* Everybody agrees on everybody's incarnation, and they differ. */
	for (g = 0; g < NG(fc); g++) {
		EXPECT_EQ(fab_get64(&fc->f, g, V_INC), incs[g])
			TH_LOG("incarnation of partition %d: it says %#llx, "
			       "we see %#llx", g,
			       (unsigned long long)fab_get64(&fc->f, g, V_INC),
			       (unsigned long long)incs[g]);
		for (i = 0; i < g; i++)
			EXPECT_NE(incs[i], incs[g]);
	}
}

/* ---------------------------------------------------------------- */
/* The fabric as the partitions laid it out                           */

static int slot_hostname_is(const struct clshm_fab_slot *s, const char *want)
{
	char buf[CLSHM_FAB_HOSTNAME_MAX + 1];

	memcpy(buf, (const void *)s->hostname, CLSHM_FAB_HOSTNAME_MAX);
	buf[CLSHM_FAB_HOSTNAME_MAX] = 0;
	return !strcmp(buf, want);
}

TEST_F(fab, fabinfo_layout)
{
	const volatile struct clshm_fab_hdr *h;
	struct fab_ctx *fc = &self->fc;
	struct clshm_fabinfo fi;
	const struct clshm_fab_slot *slot;
	uint64_t bar, hb0, myinc = 0;
	char want[32];
	size_t slots_len;
	void *slots;
	int db = doorbell_expected(), g;

	ASSERT_EQ(0, fab_info(&fi));
	EXPECT_TRUE(fi.flags & CLSHM_FAB_PRESENT) TH_LOG("flags %#x", fi.flags);
	EXPECT_TRUE(fi.flags & CLSHM_FAB_JOINED) TH_LOG("flags %#x", fi.flags);
	EXPECT_EQ((uint32_t)ME(fc), fi.partid);
	EXPECT_LE((uint32_t)NG(fc), fi.nparts);
	bar = pci_bar_size(fc->f.dev, IVSHMEM_SHM_BAR);
	EXPECT_EQ(bar, fi.fabric_size);
	ASSERT_EQ(0, fab_part_state(ME(fc), &myinc) == CLSHM_PART_UP ? 0 : -1);

	/* The header, read through BAR2 from user space. */
	h = fc->f.hdr;
	EXPECT_EQ(CLSHM_FAB_MAGIC, h->magic);
	EXPECT_EQ(CLSHM_FAB_MAJOR, h->major);
	EXPECT_EQ(CLSHM_FAB_READY, h->format);
	EXPECT_EQ(fi.fabric_size, h->size);
	EXPECT_EQ(fi.nparts, h->nparts);
	EXPECT_LE(2, h->nparts);
	EXPECT_GE(CLSHM_FAB_MAX_PARTS, h->nparts);
	EXPECT_EQ((uint32_t)page_size(), h->page_size);
	EXPECT_EQ(CLSHM_FAB_SLOT_SIZE, h->slot_size);
	EXPECT_EQ(CLSHM_FAB_MSG_SIZE, h->msg_size);
	EXPECT_EQ(CLSHM_FAB_MBOX_NENTS, h->mbox_nents);
	EXPECT_EQ(CLSHM_FAB_MBOX_SIZE, h->mbox_size);
	EXPECT_EQ(CLSHM_FAB_HDR_SIZE, h->slots_off);
	EXPECT_LE(h->slots_off + (uint64_t)h->nparts * h->slot_size,
		  h->mbox_off);
	EXPECT_LE(h->mbox_off + (uint64_t)h->nparts * h->nparts * h->mbox_size,
		  h->zones_off);
	EXPECT_EQ(0, h->zones_off % CLSHM_FAB_ZONE_ALIGN);
	EXPECT_EQ(0, h->zone_size % page_size());
	EXPECT_LT(0, h->zone_size);
	EXPECT_LE(h->zones_off + (uint64_t)h->nparts * h->zone_size, h->size);
	EXPECT_EQ(h->zone_size, fi.zone_size);
	EXPECT_EQ(h->zones_off + (uint64_t)ME(fc) * h->zone_size, fi.zone_off);
	ASSERT_EQ(CLSHM_FAB_SLOT_SIZE, h->slot_size);
	ASSERT_GE(CLSHM_FAB_MAX_PARTS, h->nparts);

	/* The partition table: every guest's slot. */
	slots_len = (size_t)h->nparts * CLSHM_FAB_SLOT_SIZE;
	slots = ivshmem_map(fc->f.dev, CLSHM_FAB_HDR_SIZE, slots_len);
	ASSERT_NE(NULL, slots) TH_LOG("mmap of the slots: %s", strerror(errno));
	for (g = 0; g < NG(fc); g++) {
		slot = (const struct clshm_fab_slot *)
			((char *)slots + (size_t)g * CLSHM_FAB_SLOT_SIZE);
		snprintf(want, sizeof(want), "clshm-g%d", g);
		EXPECT_NE(0, slot->claim) TH_LOG("slot %d", g);
		EXPECT_EQ(slot->claim, slot->incarnation) TH_LOG("slot %d", g);
		EXPECT_EQ(CLSHM_PART_UP, slot->state) TH_LOG("slot %d", g);
		EXPECT_EQ((uint32_t)g, slot->id);
		EXPECT_EQ(CLSHM_ABI_MAJOR, slot->abi_major);
		EXPECT_EQ(CLSHM_FAB_MAJOR, slot->fab_major);
		EXPECT_EQ((uint32_t)page_size(), slot->page_size);
		EXPECT_TRUE(slot_hostname_is(slot, want))
			TH_LOG("slot %d host name is not %s", g, want);
		EXPECT_GE(CLSHM_FAB_NENGAGE, slot->nengaged);
		if (db == 1) {
			EXPECT_TRUE(slot->flags & CLSHM_FAB_SLOT_DOORBELL);
			EXPECT_EQ((uint32_t)g, slot->ivposition);
		} else if (db == 0) {
			EXPECT_FALSE(slot->flags & CLSHM_FAB_SLOT_DOORBELL);
		}
	}
	slot = (const struct clshm_fab_slot *)
		((char *)slots + (size_t)ME(fc) * CLSHM_FAB_SLOT_SIZE);
	EXPECT_EQ(myinc, slot->incarnation);
	/* Our own heartbeat moves (every 100 ms). */
	hb0 = slot->heartbeat;
	sleep_ms(800);
	EXPECT_LT(hb0, slot->heartbeat) TH_LOG("heartbeat stuck at %llu",
					       (unsigned long long)hb0);
	munmap(slots, slots_len);

	if (db == 1) {
		EXPECT_TRUE(fi.flags & CLSHM_FAB_DOORBELL)
			TH_LOG("a doorbell fabric without FAB_DOORBELL: %#x",
			       fi.flags);
		EXPECT_EQ((uint32_t)ME(fc), fi.ivposition);
	} else if (db == 0) {
		EXPECT_FALSE(fi.flags & CLSHM_FAB_DOORBELL);
		EXPECT_EQ(0, fi.interrupts);
	}
	/* Nobody has sent anything bad so far. */
	EXPECT_EQ(0, fi.msgs_bad);
	EXPECT_EQ(0, fi.slot_bad);
	EXPECT_EQ(0, fi.hdr_bad);
	EXPECT_EQ(0, fi.reqs_failed);
	EXPECT_EQ(0, fi.peers_lost);
	EXPECT_LE((uint64_t)NG(fc) - 1, fi.peers_up);
}

/*
 * Messages between kernels: every guest asks its neighbour for a key.
 * On a doorbell fabric they arrive by interrupt.
 */
TEST_F(fab, mailbox_traffic)
{
	struct fab_ctx *fc = &self->fc;
	int next = (ME(fc) + 1) % NG(fc), db = doorbell_expected(), i;
	struct clshm_fabinfo fi;
	int64_t key;

	for (i = 0; i < 8; i++) {
		key = fab_mintkey(next);
		ASSERT_NE(-1, key) TH_LOG("MINTKEY of partition %d: %s", next,
					  strerror(errno));
		EXPECT_EQ((uint32_t)next, CLSHM_ID_PART(key));
	}
	FAB_SYNC(fc);
	ASSERT_EQ(0, fab_info(&fi));
	EXPECT_LE(fc->fi0.msgs_sent + 8, fi.msgs_sent);
	/* our 8 replies, and the 8 requests of our other neighbour */
	EXPECT_LE(fc->fi0.msgs_recv + 16, fi.msgs_recv);
	EXPECT_EQ(fc->fi0.msgs_bad, fi.msgs_bad);
	if (db == 1) {
		EXPECT_LT(fc->fi0.doorbells, fi.doorbells);
		EXPECT_LT(fc->fi0.interrupts, fi.interrupts)
			TH_LOG("no doorbell interrupt arrived");
	} else if (db == 0) {
		EXPECT_EQ(0, fi.interrupts);
	}
	TH_LOG("msgs sent %llu recv %llu, doorbells %llu, interrupts %llu, "
	       "mailbox full %llu",
	       (unsigned long long)fi.msgs_sent,
	       (unsigned long long)fi.msgs_recv,
	       (unsigned long long)fi.doorbells,
	       (unsigned long long)fi.interrupts,
	       (unsigned long long)fi.mbox_full);
}

/* ---------------------------------------------------------------- */
/* One segment, every partition                                       */

/*
 * Partition 0 creates a segment; every partition attaches it twice
 * (read-write and read-only) and writes its own slice; every partition
 * reads every slice; nattch is summed over partitions everywhere; the
 * detaches bring it back to 0 everywhere; the data outlives the
 * attaches.
 */
TEST_F(fab, segment_of_0_everywhere)
{
	struct fab_ctx *fc = &self->fc;
	size_t size = odd_size(3), slice;
	struct shmid_ds sds;
	struct clshm_ds ds;
	char *p, *q;
	key_t key;
	long last;
	int id, g;

	slice = (size / NG(fc)) & ~(size_t)7;
	if (ME(fc) == 0) {
		key = xp_ftok(NULL, 1);
		ASSERT_NE(-1, key);
		ASSERT_EQ(0, CLSHM_ID_PART(key));
		id = xp_shmget(key, size, IPC_CREAT | 0666);
		ASSERT_LE(0, id) TH_LOG("shmget: %s", strerror(errno));
		fab_put(&fc->f, V_SHMID, id);
		fab_put(&fc->f, V_KEY, key);
		fab_put(&fc->f, V_PID, getpid());
	}
	FAB_SYNC(fc);
	id = fab_get(&fc->f, 0, V_SHMID);
	key = fab_get(&fc->f, 0, V_KEY);
	ASSERT_NE(0, id);
	EXPECT_EQ(0, CLSHM_ID_PART(id));
	EXPECT_EQ(0, part_getpart(id));
	/* a lookup from anywhere finds the same segment */
	EXPECT_EQ(id, xp_shmget(key, 0, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(id, xp_shmget(key, size, 0666));

	p = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, p) TH_LOG("shmat: %s", strerror(errno));
	q = xp_shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE(XP_FAILED, q) TH_LOG("shmat ro: %s", strerror(errno));
	fab_fill(p + ME(fc) * slice, slice, seed_of(id, ME(fc)));
	FAB_SYNC(fc);

	for (g = 0; g < NG(fc); g++)
		EXPECT_EQ(slice, fab_check(q + g * slice, slice, seed_of(id, g)))
			TH_LOG("slice of partition %d", g);
	EXPECT_EQ(0, fab_wait_nattch(id, 2 * NG(fc), 5000, &last))
		TH_LOG("nattch %ld, want %d", last, 2 * NG(fc));
	ASSERT_EQ(0, xp_shmctl(id, IPC_STAT, &sds));
	EXPECT_EQ(2 * NG(fc), (int)sds.shm_nattch);
	EXPECT_EQ(size, sds.shm_segsz);
	EXPECT_EQ((pid_t)fab_get(&fc->f, 0, V_PID), sds.shm_cpid);
	EXPECT_EQ(0666, sds.shm_perm.mode & 0777);
	ASSERT_EQ(0, fab_stat(id, &ds));
	EXPECT_EQ(0, ds.owner_part);
	EXPECT_EQ((uint32_t)key, ds.key);
	EXPECT_EQ(0, ds.state);
	FAB_SYNC(fc);

	ASSERT_EQ(0, xp_shmdt(q));
	FAB_SYNC(fc);
	EXPECT_EQ(0, fab_wait_nattch(id, NG(fc), 5000, &last))
		TH_LOG("nattch %ld after the read-only detaches, want %d",
		       last, NG(fc));
	FAB_SYNC(fc);
	ASSERT_EQ(0, xp_shmdt(p));
	FAB_SYNC(fc);
	EXPECT_EQ(0, fab_wait_nattch(id, 0, 5000, &last))
		TH_LOG("nattch %ld after every detach", last);
	FAB_SYNC(fc);

	/* Nobody attached: the data is still there, for the last guest. */
	if (ME(fc) == NG(fc) - 1) {
		q = xp_shmat(id, NULL, SHM_RDONLY);
		ASSERT_NE(XP_FAILED, q);
		for (g = 0; g < NG(fc); g++)
			EXPECT_EQ(slice, fab_check(q + g * slice, slice,
						   seed_of(id, g)));
		ASSERT_EQ(0, xp_shmdt(q));
	}
	FAB_SYNC(fc);
	if (ME(fc) == 0) {
		/* the last guest's detach reaches the owner asynchronously */
		EXPECT_EQ(0, fab_wait_nattch(id, 0, 5000, &last))
			TH_LOG("nattch %ld after the last detach", last);
		ASSERT_EQ(0, xp_shmctl(id, IPC_RMID));
	}
	FAB_SYNC(fc);
	EXPECT_EQ(-1, xp_shmget(key, 0, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, fab_stat(id, NULL));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * Every partition owns a segment, every partition attaches every one of
 * them and writes its slice in each; everybody reads everything, and
 * sees nattch N on every segment.
 */
TEST_F(fab, all_to_all)
{
	struct fab_ctx *fc = &self->fc;
	char *p[FAB_MAX_GUESTS] = { 0 };
	size_t size = 2 * page_size(), slice;
	int ids[FAB_MAX_GUESTS], id, g, o;
	long last;

	slice = (size / NG(fc)) & ~(size_t)7;
	id = xp_shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	ASSERT_LE(0, id);
	EXPECT_EQ((uint32_t)ME(fc), CLSHM_ID_PART(id));
	fab_put(&fc->f, V_SHMID, id);
	FAB_SYNC(fc);
	for (o = 0; o < NG(fc); o++) {
		ids[o] = fab_get(&fc->f, o, V_SHMID);
		p[o] = xp_shmat(ids[o], NULL, 0);
		ASSERT_NE(XP_FAILED, p[o])
			TH_LOG("attach of partition %d's %#x: %s", o, ids[o],
			       strerror(errno));
		fab_fill(p[o] + ME(fc) * slice, slice, seed_of(ids[o], ME(fc)));
	}
	FAB_SYNC(fc);
	for (o = 0; o < NG(fc); o++) {
		for (g = 0; g < NG(fc); g++)
			EXPECT_EQ(slice, fab_check(p[o] + g * slice, slice,
						   seed_of(ids[o], g)))
				TH_LOG("segment of %d, slice of %d", o, g);
		EXPECT_EQ(0, fab_wait_nattch(ids[o], NG(fc), 5000, &last))
			TH_LOG("segment of %d: nattch %ld", o, last);
	}
	FAB_SYNC(fc);
	for (o = 0; o < NG(fc); o++)
		ASSERT_EQ(0, xp_shmdt(p[o]));
	FAB_SYNC(fc);
	for (o = 0; o < NG(fc); o++)
		EXPECT_EQ(0, fab_wait_nattch(ids[o], 0, 5000, &last))
			TH_LOG("segment of %d: nattch %ld", o, last);
	FAB_SYNC(fc);
	EXPECT_EQ(0, xp_shmctl(id, IPC_RMID));
}

/*
 * Steady state is plain loads and stores: atomic adds and compare-and-
 * swap loops from every partition on one word of a segment add up.
 */
TEST_F(fab, atomics_in_a_segment)
{
	struct fab_ctx *fc = &self->fc;
	const uint64_t adds = 20000;
	volatile uint64_t *w;
	uint64_t i, old;
	int id;

	if (ME(fc) == 0) {
		id = xp_shmget(IPC_PRIVATE, page_size(), IPC_CREAT | 0600);
		ASSERT_LE(0, id);
		fab_put(&fc->f, V_SHMID, id);
	}
	FAB_SYNC(fc);
	id = fab_get(&fc->f, 0, V_SHMID);
	w = xp_shmat(id, NULL, 0);
	ASSERT_NE(XP_FAILED, (void *)w);
	FAB_SYNC(fc);
	for (i = 0; i < adds; i++) {
		__atomic_fetch_add(&w[0], 1, __ATOMIC_SEQ_CST);
		old = __atomic_load_n(&w[8], __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&w[8], &old, old + 1, 0,
						    __ATOMIC_SEQ_CST,
						    __ATOMIC_RELAXED))
			;
	}
	FAB_SYNC(fc);
	EXPECT_EQ(adds * NG(fc), w[0]);
	EXPECT_EQ(adds * NG(fc), w[8]);
	ASSERT_EQ(0, xp_shmdt((void *)w));
}

int main(int argc, char **argv)
{
	return fab_main(argc, argv);
}
