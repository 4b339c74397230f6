// SPDX-License-Identifier: GPL-2.0
/*
 * source.c - which source the fabric comes from
 *
 * The module parameter fabric= names it: "ivshmem" (the default: the
 * first ivshmem PCI device that probes, see ivshmem.c), "phys" (a range
 * given by phys_base= and phys_size=) or "pmem"/"pmemN" (a
 * persistent-memory region, see phys.c), or "none" (run locally).
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "../clshm.h"
#include "fabric.h"

static char *fabric = "ivshmem";
module_param(fabric, charp, 0444);
MODULE_PARM_DESC(fabric, "The fabric's source: ivshmem (default), phys (phys_base=, phys_size=), pmem or pmemN (a persistent-memory region), none");

static bool fab_ivshmem;	/* the PCI driver is registered */

/**
 * clshm_fabric_init - bind the fabric's source
 *
 * Called by module init once clshm_local exists.
 *
 * Return: 0; -EINVAL for a bad module parameter; the source's error (a
 * phys or pmem fabric that cannot be bound fails the load: it was asked
 * for by name).
 */
int clshm_fabric_init(void)
{
	int err;

	if (clshm_fab_bind_params_check())
		return -EINVAL;
	if (!strcmp(fabric, "none"))
		return 0;
	if (strcmp(fabric, "ivshmem"))
		return clshm_fab_phys_init(fabric);
	err = clshm_fab_ivshmem_init();
	fab_ivshmem = !err;
	return err;
}

/* Release the source (the partition is shut down already). */
void clshm_fabric_exit(void)
{
	if (fab_ivshmem)
		clshm_fab_ivshmem_exit();
	else
		clshm_fab_phys_exit();
	fab_ivshmem = false;
}
