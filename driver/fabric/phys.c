// SPDX-License-Identifier: GPL-2.0
/*
 * phys.c - a fabric source: a range of physical memory
 *
 * The range is either given (fabric=phys with phys_base= and phys_size=:
 * a memmap=-style reservation, a partitioning hypervisor's shared region,
 * a soft-reserved CXL window, an ivshmem BAR without its driver) or found
 * (fabric=pmem or fabric=pmemN: the Nth "Persistent Memory" resource in
 * address order, which ACPI NFIT regions and memmap=X!Y legacy ranges
 * are).  It is claimed with request_mem_region(), so it fails with -EBUSY
 * while another driver holds it (nd_pmem, device_dax, dax_hmem: unbind
 * or do not load them), and mapped write-back.  There are no doorbells:
 * the fabric worker polls.
 *
 * There is one such fabric at a time, bound at module load and released
 * at unload (no device model: nothing else probes or removes it).
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../clshm.h"
#include "fabric.h"

#define PHYS_RES_NAME	"clshm-fabric"

static unsigned long long range_base;
module_param_named(phys_base, range_base, ullong, 0444);
MODULE_PARM_DESC(phys_base, "fabric=phys: physical address of the fabric (page aligned)");

static unsigned long long range_size;
module_param_named(phys_size, range_size, ullong, 0444);
MODULE_PARM_DESC(phys_size, "fabric=phys: size of the fabric in bytes (page multiple)");

/**
 * struct clshm_phys - a bound physical range
 * @fd: the fabric on it (first: the fabric's files see only that)
 * @res: our claim on the range
 * @name: "phys@<base>" or "pmemN@<base>", for logs
 */
struct clshm_phys {
	struct clshm_fab_dev fd;
	struct resource *res;
	char name[48];
};

static struct clshm_phys *phys_bound;	/* module init and exit only */

static const struct clshm_fab_source phys_source = {
	.name = "phys",
};

static const struct clshm_fab_source pmem_source = {
	.name = "pmem",
};

struct phys_find {
	unsigned int want;
	unsigned int seen;
	struct resource found;
};

static int phys_find_one(struct resource *res, void *arg)
{
	struct phys_find *f = arg;

	if (f->seen++ != f->want)
		return 0;
	f->found = *res;
	return 1;
}

/*
 * The @n-th persistent-memory resource (NFIT region or legacy e820
 * type 12): 0 with *start and *size, or -ENODEV.
 */
static int phys_find_pmem(unsigned int n, u64 *start, u64 *size)
{
	static const unsigned long descs[] = {
		IORES_DESC_PERSISTENT_MEMORY,
		IORES_DESC_PERSISTENT_MEMORY_LEGACY,
	};
	struct phys_find f = { .want = n };
	int i;

	for (i = 0; i < ARRAY_SIZE(descs); i++) {
		if (walk_iomem_res_desc(descs[i], IORESOURCE_MEM, 0, U64_MAX,
					&f, phys_find_one) == 1) {
			*start = f.found.start;
			*size = resource_size(&f.found);
			return 0;
		}
	}
	return -ENODEV;
}

/*
 * What fabric= names: "phys" (the parameters) or "pmem"/"pmemN".
 * Return: 0 with the range, or -EINVAL/-ENODEV (logged).
 */
static int phys_range(const char *what, struct clshm_phys *ph, u64 *start,
		      u64 *size)
{
	unsigned int n = 0;

	if (!strcmp(what, "phys")) {
		if (!range_size || !PAGE_ALIGNED(range_base) ||
		    !PAGE_ALIGNED(range_size) ||
		    range_base + range_size < range_base) {
			pr_err("fabric=phys needs page-aligned phys_base= and phys_size= (got %#llx, %#llx)\n",
			       range_base, range_size);
			return -EINVAL;
		}
		*start = range_base;
		*size = range_size;
		ph->fd.fab.src = &phys_source;
		snprintf(ph->name, sizeof(ph->name), "phys@%#llx", *start);
		return 0;
	}
	if (strcmp(what, "pmem") && (sscanf(what, "pmem%u", &n) != 1 ||
				     n > 64)) {
		pr_err("fabric=%s: not ivshmem, phys, pmem or pmemN\n", what);
		return -EINVAL;
	}
	if (phys_find_pmem(n, start, size)) {
		pr_err("fabric=%s: no persistent-memory region number %u (is nfit loaded? see /proc/iomem)\n",
		       what, n);
		return -ENODEV;
	}
	ph->fd.fab.src = &pmem_source;
	snprintf(ph->name, sizeof(ph->name), "pmem%u@%#llx", n, *start);
	return 0;
}

/**
 * clshm_fab_phys_init - bind the range fabric= names
 * @what: "phys", "pmem" or "pmemN"
 *
 * Return: 0, or an error that fails the module's load (the admin asked
 * for this fabric explicitly).
 */
int clshm_fab_phys_init(const char *what)
{
	struct clshm_phys *ph;
	struct clshm_fabric *fab;
	u64 start, size;
	int err;

	ph = kzalloc(sizeof(*ph), GFP_KERNEL);
	if (!ph)
		return -ENOMEM;
	fab = &ph->fd.fab;
	err = phys_range(what, ph, &start, &size);
	if (err)
		goto err_free;
	fab->name = ph->name;
	if (size < CLSHM_FAB_HDR_SIZE) {
		pr_err("%s: %llu bytes is too small for a fabric\n", ph->name,
		       size);
		err = -EINVAL;
		goto err_free;
	}
	ph->res = request_mem_region(start, size, PHYS_RES_NAME);
	if (!ph->res) {
		pr_err("%s: the range is held by another driver (see /proc/iomem; for pmem, do not load nd_pmem or unbind its namespace)\n",
		       ph->name);
		err = -EBUSY;
		goto err_free;
	}
	fab->phys = start;
	fab->size = size;
	fab->base = memremap(start, size, MEMREMAP_WB);
	if (!fab->base) {
		pr_err("%s: cannot map the range write-back\n", ph->name);
		err = -ENOMEM;
		goto err_release;
	}
	ph->fd.part = clshm_local;
	err = clshm_fab_bind(&ph->fd);
	if (err)
		goto err_unmap;
	phys_bound = ph;
	return 0;

err_unmap:
	memunmap(fab->base);
err_release:
	release_mem_region(start, size);
err_free:
	kfree(ph);
	return err;
}

/* Release the range bound at init, if any. */
void clshm_fab_phys_exit(void)
{
	struct clshm_phys *ph = phys_bound;

	if (!ph)
		return;
	clshm_fab_unbind(&ph->fd);
	memunmap(ph->fd.fab.base);
	release_mem_region(ph->fd.fab.phys, ph->fd.fab.size);
	kfree(ph);
	phys_bound = NULL;
}
