/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clshm-common.h - small helpers shared by clshm's own programs
 *
 * The daemon, clshmctl, the tests, the benchmarks and the VM harness's
 * tools link common/libclshm-common.a (a static library; nothing of it is
 * installed or part of libxp's ABI).  This header holds what has nothing
 * to do with the clshm driver:
 *
 *   time.c    monotonic clock in ms and ns, a sleep that survives signals
 *   pci.c     reading a hexadecimal sysfs attribute; finding the ivshmem
 *             device (PCI 1af4:1110) and mapping its BARs through
 *             /sys/bus/pci/devices/<dev>/resource<N>
 *   parse.c   strict number and size parsing with range checks
 *
 * clshm-util.h has the helpers that talk to the driver (clshmd and
 * clshmctl).
 *
 * Conventions: functions returning int return 0 or a negative errno and
 * leave errno alone; those returning a pointer or a size return NULL or 0
 * and set errno.  None of them prints anything.
 */
#ifndef CLSHM_COMMON_H
#define CLSHM_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* ---- time.c ---------------------------------------------------------- */

/* CLOCK_MONOTONIC in milliseconds and in nanoseconds. */
int64_t now_ms(void);
int64_t now_ns(void);
/* Sleep ms milliseconds (nothing for ms <= 0), resumed after signals. */
void sleep_ms(long ms);

/* ---- pci.c ----------------------------------------------------------- */

#define PCI_DEVICES_DIR		"/sys/bus/pci/devices"
/* QEMU's ivshmem device: the fabric is its BAR2, registers its BAR0. */
#define IVSHMEM_VENDOR		0x1af4
#define IVSHMEM_DEVICE		0x1110
#define IVSHMEM_REG_BAR		0
#define IVSHMEM_SHM_BAR		2
/* A fabric without a device: its /proc/iomem name (driver/fabric/phys.c). */
#define FABRIC_MEM_NAME		"clshm-fabric"

/*
 * The one hexadecimal number in a sysfs file ("0x1af4\n"; the 0x is
 * optional): 0, -errno of open/read, or -EINVAL when the file holds
 * anything else.
 */
int sysfs_read_hex(const char *path, unsigned long long *out);

/*
 * The first PCI device vendor:device in address order ("0000:00:04.0")
 * into dev: 0, -ENODEV when there is none, -ENAMETOOLONG when len is too
 * small, or the errno of reading the directory.
 */
int pci_find_device(unsigned int vendor, unsigned int device, char *dev,
		    size_t len);
/*
 * pci_find_device() for the ivshmem device; without one, the fabric range
 * clshm.ko claimed from another source, as "mem:START-END" (hexadecimal),
 * which pci_bar_size(), pci_map_bar() and ivshmem_map() take as a device
 * whose BAR2 is the range (through /dev/mem).
 */
int ivshmem_find(char *dev, size_t len);

/* The size of BAR bar of PCI device dev in bytes, or 0 (and errno). */
uint64_t pci_bar_size(const char *dev, int bar);

/*
 * mmap(2) len bytes of BAR bar of PCI device dev at offset off (a page
 * multiple), shared and read-write: the address, or NULL and errno
 * (ERANGE when the BAR ends before off + len; mmap's EINVAL on a BAR a
 * driver holds under CONFIG_IO_STRICT_DEVMEM, which iomem=relaxed lifts).
 */
void *pci_map_bar(const char *dev, int bar, size_t off, size_t len);

/*
 * len bytes at off of the fabric (BAR2) of ivshmem device dev, or of the
 * first ivshmem device when dev is NULL: as pci_map_bar(), and ENODEV
 * when there is no ivshmem device.
 */
void *ivshmem_map(const char *dev, size_t off, size_t len);

/* ---- parse.c --------------------------------------------------------- */

/*
 * An unsigned decimal number, or hexadecimal with 0x, never octal ("010"
 * is ten), with no sign, blank or anything after it, at most max: 0, or
 * -EINVAL (not such a number) or -ERANGE (above max).
 */
int parse_u64(const char *s, unsigned long long max, unsigned long long *out);

/*
 * A size: a number as parse_u64() takes it, then optionally K, M or G
 * (binary: 2^10, 2^20, 2^30; either case) and optionally B: "64K",
 * "0x1000", "2MB".  At most max bytes: 0, -EINVAL or -ERANGE.
 */
int parse_size(const char *s, unsigned long long max, unsigned long long *out);

#endif /* CLSHM_COMMON_H */
