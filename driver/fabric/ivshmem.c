// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem.c - a fabric source: QEMU's ivshmem PCI device
 *
 * One ivshmem device (PCI 1af4:1110) binds and becomes the fabric of the
 * local partition (clshm_local->fab).  BAR2 is the shared memory, mapped
 * write-back; BAR0 holds the registers (IVPosition, the doorbell).  A
 * device with MSI-X has doorbells: a write to the doorbell register
 * interrupts another guest, and our interrupt kicks the fabric worker.
 * Without MSI-X the worker polls.  Everything the probe sets up is
 * managed (pcim_/devm_), so removal only stops what uses it.
 *
 * bind.c does the rest (layout, work items, handing the fabric over).
 */
#define pr_fmt(fmt) "clshm: fabric: " fmt

#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "../clshm.h"
#include "fabric.h"

/* ivshmem BAR0 registers (docs/specs/ivshmem-spec.rst in QEMU). */
#define IVSHMEM_REGS_SIZE	256
#define IVSHMEM_IVPOSITION	8
#define IVSHMEM_DOORBELL	12

/**
 * struct clshm_ivshmem - a bound ivshmem device
 * @fd: the fabric on it (first: the fabric's files see only that)
 * @regs: BAR0, immutable after probe
 */
struct clshm_ivshmem {
	struct clshm_fab_dev fd;
	void __iomem *regs;
};

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
static int ivshmem_irq_setup(struct clshm_fabric *fab)
{
	struct pci_dev *pdev = to_pci_dev(fab->dev);
	int err;

	if (!fab->doorbell)
		return 0;

	/* MSI-X is a write by the device: it must be a bus master. */
	pci_set_master(pdev);
	err = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (err < 0)
		return err;
	return devm_request_irq(&pdev->dev, pci_irq_vector(pdev, 0),
				ivshmem_irq, 0, "clshm-fab", fab);
}

static const struct clshm_fab_source ivshmem_source = {
	.name = "ivshmem",
	.doorbell = ivshmem_doorbell,
	.irq_setup = ivshmem_irq_setup,
};

static int ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct clshm_ivshmem *iv;
	struct clshm_fabric *fab;
	int err;

	if (!clshm_local)
		return -ENODEV;
	iv = devm_kzalloc(&pdev->dev, sizeof(*iv), GFP_KERNEL);
	if (!iv)
		return -ENOMEM;
	fab = &iv->fd.fab;
	fab->src = &ivshmem_source;
	fab->dev = &pdev->dev;
	fab->name = pci_name(pdev);
	iv->fd.part = clshm_local;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	err = ivshmem_map(pdev, iv);
	if (err)
		return err;
	fab->doorbell = pci_find_capability(pdev, PCI_CAP_ID_MSIX);
	fab->ivposition = readl(iv->regs + IVSHMEM_IVPOSITION);
	err = clshm_fab_bind(&iv->fd);
	if (err)
		return err;
	pci_set_drvdata(pdev, iv);
	return 0;
}

/* The managed resources go after this returns; the interrupt first. */
static void ivshmem_remove(struct pci_dev *pdev)
{
	struct clshm_ivshmem *iv = pci_get_drvdata(pdev);

	clshm_fab_unbind(&iv->fd);
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
 * clshm_fab_ivshmem_init - register the ivshmem source's PCI driver
 *
 * Without an ivshmem device (or with one that is refused) clshm simply
 * runs locally.
 *
 * Return: 0 or the registration's error.
 */
int clshm_fab_ivshmem_init(void)
{
	return pci_register_driver(&ivshmem_driver);
}

/* Unregister the driver; the device's remove runs first. */
void clshm_fab_ivshmem_exit(void)
{
	pci_unregister_driver(&ivshmem_driver);
}
