// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem.c - the fabric's source: QEMU's ivshmem PCI device
 *
 * One ivshmem device (PCI 1af4:1110) binds and becomes the fabric of the
 * local partition (clshm_local->fab).  BAR2 is the shared memory, mapped
 * write-back; BAR0 holds the registers (IVPosition, the doorbell).  A
 * device with MSI-X has doorbells: a write to the doorbell register
 * interrupts another guest, and our interrupt kicks the fabric worker.
 * Without MSI-X the worker polls.  Everything the probe sets up is
 * managed (pcim_/devm_), so removal only stops what uses it.
 *
 * Locking: fab_bind_lock (mutex) makes "one fabric" hold across probes;
 * part->lock is taken inside it to hand the fabric to the partition.
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../clshm.h"
#include "fabric.h"

/* ivshmem BAR0 registers (docs/specs/ivshmem-spec.rst in QEMU). */
#define IVSHMEM_REGS_SIZE	256
#define IVSHMEM_IVPOSITION	8
#define IVSHMEM_DOORBELL	12

static unsigned int pollms;
module_param(pollms, uint, 0444);
MODULE_PARM_DESC(pollms, "Fabric worker period in ms (0: 20 without doorbells, 100 with; at most 100)");

/**
 * struct clshm_ivshmem - a bound ivshmem device
 * @fd: the fabric on it (first: the fabric's files see only that)
 * @regs: BAR0, immutable after probe
 */
struct clshm_ivshmem {
	struct clshm_fab_dev fd;
	void __iomem *regs;
};

static DEFINE_MUTEX(fab_bind_lock);
static struct clshm_ivshmem *fab_bound;	/* under fab_bind_lock */

static void ivshmem_doorbell(struct clshm_fabric *fab, s32 bell)
{
	struct clshm_ivshmem *iv = container_of(to_fdev(fab),
						struct clshm_ivshmem, fd);

	/*
	 * The mailbox before the interrupt: the receiver's worker reads it
	 * after its interrupt (and its acquire of the mailbox head).
	 */
	wmb();
	writel((u32)bell << 16, iv->regs + IVSHMEM_DOORBELL);
}

static const struct clshm_fab_source ivshmem_source = {
	.name = "ivshmem",
	.doorbell = ivshmem_doorbell,
};

static irqreturn_t ivshmem_irq(int irq, void *data)
{
	struct clshm_fabric *fab = data;

	clshm_fab_stat(fab, CLSHM_FS_INTERRUPTS, 1);
	clshm_fab_kick(fab);
	return IRQ_HANDLED;
}

/* Map the device's registers and memory (managed). */
static int ivshmem_map(struct pci_dev *pdev, struct clshm_ivshmem *iv)
{
	struct clshm_fabric *fab = &iv->fd.fab;
	struct device *dev = &pdev->dev;

	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 0) < IVSHMEM_REGS_SIZE ||
	    !(pci_resource_flags(pdev, 2) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 2) < CLSHM_FAB_HDR_SIZE) {
		pr_err("%s: not an ivshmem device with registers and shared memory\n",
		       pci_name(pdev));
		return -ENODEV;
	}
	if (!devm_request_mem_region(dev, pci_resource_start(pdev, 0),
				     IVSHMEM_REGS_SIZE, CLSHM_NAME) ||
	    !devm_request_mem_region(dev, pci_resource_start(pdev, 2),
				     pci_resource_len(pdev, 2), CLSHM_NAME)) {
		pr_err("%s: its memory is in use by another driver\n",
		       pci_name(pdev));
		return -EBUSY;
	}
	iv->regs = devm_ioremap(dev, pci_resource_start(pdev, 0),
				IVSHMEM_REGS_SIZE);
	if (!iv->regs)
		return -ENOMEM;
	fab->phys = pci_resource_start(pdev, 2);
	fab->size = pci_resource_len(pdev, 2);
	fab->base = devm_memremap(dev, fab->phys, fab->size, MEMREMAP_WB);
	if (IS_ERR(fab->base))
		return PTR_ERR(fab->base);
	return 0;
}

/* MSI-X vector 0 kicks the worker (managed: freed after remove). */
static int ivshmem_irq_setup(struct pci_dev *pdev, struct clshm_fabric *fab)
{
	int err;

	/* MSI-X is a write by the device: it must be a bus master. */
	pci_set_master(pdev);
	err = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (err < 0)
		return err;
	return devm_request_irq(&pdev->dev, pci_irq_vector(pdev, 0),
				ivshmem_irq, 0, "clshm-fab", fab);
}

static int ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct clshm_part *part = clshm_local;
	struct clshm_ivshmem *iv;
	struct clshm_fabric *fab;
	u32 formatter;
	int err;

	BUILD_BUG_ON(sizeof(struct clshm_fab_hdr) > CLSHM_FAB_HDR_SIZE);
	BUILD_BUG_ON(sizeof(struct clshm_fab_slot) != CLSHM_FAB_SLOT_SIZE);
	BUILD_BUG_ON(sizeof(struct clshm_fab_mbox) != CLSHM_FAB_MBOX_HDR);
	BUILD_BUG_ON(sizeof(struct clshm_fab_msg) != CLSHM_FAB_MSG_SIZE);
	BUILD_BUG_ON(CLSHM_FAB_HOSTNAME_MAX != CLSHM_HOSTNAME_MAX);

	if (!part)
		return -ENODEV;
	mutex_lock(&fab_bind_lock);
	err = -EBUSY;
	if (fab_bound) {
		pr_info("%s: another ivshmem device is the fabric already; ignoring this one\n",
			pci_name(pdev));
		goto out_unlock;
	}
	err = -ENOMEM;
	iv = devm_kzalloc(&pdev->dev, sizeof(*iv), GFP_KERNEL);
	if (!iv)
		goto out_unlock;
	fab = &iv->fd.fab;
	fab->src = &ivshmem_source;
	fab->dev = &pdev->dev;
	iv->fd.part = part;

	err = pcim_enable_device(pdev);
	if (err)
		goto out_unlock;
	err = ivshmem_map(pdev, iv);
	if (err)
		goto out_unlock;
	fab->doorbell = pci_find_capability(pdev, PCI_CAP_ID_MSIX);
	fab->ivposition = readl(iv->regs + IVSHMEM_IVPOSITION);

	mutex_lock(&part->lock);
	formatter = fab->doorbell ? fab->ivposition : part->partid;
	mutex_unlock(&part->lock);
	err = clshm_fab_layout(&iv->fd, formatter);
	if (err)
		goto out_unlock;
	err = clshm_fab_start(&iv->fd, msecs_to_jiffies(pollms ? pollms :
					fab->doorbell ? FAB_HB_MS : 20));
	if (err)
		goto out_unlock;
	if (fab->doorbell) {
		err = ivshmem_irq_setup(pdev, fab);
		if (err)
			goto err_stop;
	}

	mutex_lock(&part->lock);
	err = -EBUSY;
	if (part->state == CLSHM_STATE_DOWN && !part->fab) {
		part->fab = fab;
		/* With doorbells the server names us; join insists on it. */
		if (fab->doorbell && fab->ivposition < fab->nparts)
			part->partid = fab->ivposition;
		err = 0;
	}
	mutex_unlock(&part->lock);
	if (err) {
		pr_err("%s: the partition is started; shut it down and rebind the device\n",
		       pci_name(pdev));
		goto err_stop;
	}

	pci_set_drvdata(pdev, iv);
	fab_bound = iv;
	mutex_unlock(&fab_bind_lock);
	pr_info("%s: %llu MiB fabric, %u slots, zones of %llu KiB at %#llx, %s (ivposition %u)\n",
		pci_name(pdev), fab->size >> 20, fab->nparts,
		fab->zone_size >> 10, fab->zones_off,
		fab->doorbell ? "doorbells" : "no doorbells, polling",
		fab->ivposition);
	return 0;

err_stop:
	clshm_fab_stop(&iv->fd);
out_unlock:
	mutex_unlock(&fab_bind_lock);
	return err;
}

/*
 * The partition should be shut down before the device goes (main.c does
 * that at module exit); if it is not, the fabric is left here anyway.
 * The managed resources go after this returns; the interrupt first.
 */
static void ivshmem_remove(struct pci_dev *pdev)
{
	struct clshm_ivshmem *iv = pci_get_drvdata(pdev);
	struct clshm_part *part = iv->fd.part;

	mutex_lock(&fab_bind_lock);
	mutex_lock(&part->lock);
	if (iv->fd.fab.joined) {
		pr_warn("%s: removed while the partition is started\n",
			pci_name(pdev));
		clshm_fab_leave(part, true);
	}
	if (part->fab == &iv->fd.fab)
		part->fab = NULL;
	mutex_unlock(&part->lock);
	clshm_fab_stop(&iv->fd);
	fab_bound = NULL;
	mutex_unlock(&fab_bind_lock);
	pr_info("%s: fabric released\n", pci_name(pdev));
}

static const struct pci_device_id ivshmem_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },	/* ivshmem */
	{ }
};
/*
 * No MODULE_DEVICE_TABLE: an ivshmem device may serve something else, so
 * clshm is never loaded just because one exists.
 */

static struct pci_driver ivshmem_driver = {
	.name = "clshm-fabric",
	.id_table = ivshmem_ids,
	.probe = ivshmem_probe,
	.remove = ivshmem_remove,
};

/**
 * clshm_fabric_init - register the fabric's PCI driver
 *
 * Called by module init once clshm_local exists.  Without an ivshmem
 * device (or with one that is refused) clshm simply runs locally.
 *
 * Return: 0, -EINVAL for a bad module parameter, or the registration's
 * error.
 */
int clshm_fabric_init(void)
{
	if (clshm_fab_params_check())
		return -EINVAL;
	if (pollms > FAB_POLLMS_MAX) {
		pr_err("pollms=%u is out of range (0..%u)\n", pollms,
		       FAB_POLLMS_MAX);
		return -EINVAL;
	}
	return pci_register_driver(&ivshmem_driver);
}

/* Unregister the driver; the device's remove runs first. */
void clshm_fabric_exit(void)
{
	pci_unregister_driver(&ivshmem_driver);
}
