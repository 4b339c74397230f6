// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - the clshm generic netlink family and its "events" group
 *
 * The family lives here, below seg.c, so that the segment code can
 * announce what happens to segments (clshm_event_seg()) without calling
 * up.  The commands are netlink.c's: it hands its operations and policy
 * to clshm_genl_register() at module load.  See
 * include/uapi/linux/clshm_netlink.h for the ABI.
 *
 * Locking: clshm_event_seg() runs under part->lock (it reads the
 * segment's metadata) and takes no lock of its own; the message is
 * allocated with GFP_KERNEL.  Nothing is built when nobody listens.
 */
#define pr_fmt(fmt) "clshm: " fmt

#include <net/genetlink.h>
#include <uapi/linux/clshm_netlink.h>

#include "clshm.h"

/*
 * The events name every user's segments and the pids that use them, more
 * than ipcs shows an unprivileged user: only CAP_SYS_ADMIN may join.
 */
static const struct genl_multicast_group clshm_genl_mcgrps[] = {
	{ .name = CLSHM_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_SYS_ADMIN, },
};

static struct genl_family clshm_genl_family = {
	.name = CLSHM_GENL_NAME,
	.version = CLSHM_GENL_VERSION,
	.maxattr = CLSHM_NL_A_MAX,
	.module = THIS_MODULE,
	.mcgrps = clshm_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(clshm_genl_mcgrps),
	/* Every command is strictly validated, reserved header bytes too. */
	.resv_start_op = CLSHM_NL_CMD_UNSPEC + 1,
};

/**
 * clshm_genl_register - register the family with its commands
 * @ops: the commands (netlink.c)
 * @n_ops: how many
 * @policy: the family's attribute policy (CLSHM_NL_A_MAX + 1 entries)
 *
 * Return: 0 or a negative errno.
 */
int clshm_genl_register(const struct genl_ops *ops, unsigned int n_ops,
			const struct nla_policy *policy)
{
	clshm_genl_family.ops = ops;
	clshm_genl_family.n_ops = n_ops;
	clshm_genl_family.policy = policy;
	return genl_register_family(&clshm_genl_family);
}

void clshm_genl_unregister(void)
{
	genl_unregister_family(&clshm_genl_family);
}

/**
 * clshm_genl_put - start a message of the clshm family
 * @skb: the message buffer
 * @portid: destination port (0 for multicast)
 * @seq: sequence number
 * @flags: NLM_F_*
 * @cmd: CLSHM_NL_CMD_*
 *
 * Return: the user header, or NULL if @skb is full.
 */
void *clshm_genl_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		     u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &clshm_genl_family, flags, cmd);
}

/**
 * clshm_event_seg - announce a segment's event to the "events" group
 * @seg: the segment (part->lock held)
 * @cmd: CLSHM_NL_CMD_EV_*
 * @pid: the process concerned (0: none of ours)
 *
 * Never fails: a message that cannot be built is not sent, and a
 * listener that falls behind sees ENOBUFS on its socket.
 */
void clshm_event_seg(struct clshm_seg *seg, u8 cmd, pid_t pid)
{
	struct clshm_part *part = seg->part;
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&part->lock);
	if (!genl_has_listeners(&clshm_genl_family, &init_net, 0))
		return;
	/* Seven u32 attributes at most, and the size. */
	skb = genlmsg_new(7 * nla_total_size(sizeof(u32)) +
			  nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &clshm_genl_family, 0, cmd);
	if (!hdr)
		goto err_free;
	if (nla_put_u32(skb, CLSHM_NL_A_SEG_SHMID, seg->shmid) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_KEY, seg->key) ||
	    nla_put_u32(skb, CLSHM_NL_A_SEG_NATTCH,
			seg->nattch + seg->rnattch) ||
	    nla_put_u32(skb, CLSHM_NL_A_PID, pid) ||
	    nla_put_u32(skb, CLSHM_NL_A_PART, part->partid))
		goto err_free;
	if (cmd == CLSHM_NL_CMD_EV_CREATED &&
	    (nla_put_u32(skb, CLSHM_NL_A_SEG_UID,
			 from_kuid(&init_user_ns, seg->uid)) ||
	     nla_put_u32(skb, CLSHM_NL_A_SEG_MODE, seg->mode) ||
	     nla_put_u64_64bit(skb, CLSHM_NL_A_SEG_SIZE, seg->size,
			       CLSHM_NL_A_PAD)))
		goto err_free;
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&clshm_genl_family, skb, 0, 0, GFP_KERNEL);
	return;

err_free:
	nlmsg_free(skb);
}
