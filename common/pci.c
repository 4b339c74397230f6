// SPDX-License-Identifier: GPL-2.0
/*
 * pci.c - sysfs attributes and BARs of PCI devices, the ivshmem device
 * (see clshm-common.h)
 *
 * The fabric is BAR2 of QEMU's ivshmem device.  Programs that look at it
 * from user space (the harness's fabric-atomic, the fabric selftests and
 * the hostile partition, the fabric benchmarks) find the device by its
 * vendor and device ids in sysfs and mmap(2) its resource<N> file.
 *
 * A fabric from another source (clshm.ko's fabric=phys or fabric=pmemN,
 * vm/run --fabric-kind nvdimm or phys) has no device: its range is the
 * "clshm-fabric" entry of /proc/iomem, named "mem:START-END" where a PCI
 * address would be, and mapped through /dev/mem (which, like resource2
 * of a claimed BAR, needs iomem=relaxed).  Its "BAR2" is the range; it
 * has no other BAR.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clshm-common.h"

int sysfs_read_hex(const char *path, unsigned long long *out)
{
	const char *digits;
	char buf[64], *end;
	unsigned long long v;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	digits = buf;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits += 2;
	/* strtoull would take a sign, blanks and an empty string. */
	if (!((*digits >= '0' && *digits <= '9') ||
	      (*digits >= 'a' && *digits <= 'f') ||
	      (*digits >= 'A' && *digits <= 'F')))
		return -EINVAL;
	errno = 0;
	v = strtoull(digits, &end, 16);
	if (*end || errno)
		return -EINVAL;
	*out = v;
	return 0;
}

/* PCI_DEVICES_DIR/dev/file into buf: 0 or -ENAMETOOLONG. */
static int dev_path(char *buf, size_t len, const char *dev, const char *file)
{
	int r = snprintf(buf, len, "%s/%s/%s", PCI_DEVICES_DIR, dev, file);

	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

static int dev_is(const char *dev, unsigned int vendor, unsigned int device)
{
	unsigned long long v, d;
	char path[512];

	return !dev_path(path, sizeof(path), dev, "vendor") &&
	       !sysfs_read_hex(path, &v) && v == vendor &&
	       !dev_path(path, sizeof(path), dev, "device") &&
	       !sysfs_read_hex(path, &d) && d == device;
}

int pci_find_device(unsigned int vendor, unsigned int device, char *dev,
		    size_t len)
{
	struct dirent **names;
	int n, i, err = -ENODEV;

	n = scandir(PCI_DEVICES_DIR, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		const char *d = names[i]->d_name;

		/* The first match counts, even when it does not fit. */
		if (err == -ENODEV && d[0] != '.' &&
		    dev_is(d, vendor, device)) {
			err = -ENAMETOOLONG;
			if (strlen(d) < len) {
				memcpy(dev, d, strlen(d) + 1);
				err = 0;
			}
		}
		free(names[i]);
	}
	free(names);
	return err;
}

/* The "clshm-fabric" range in /proc/iomem: 0, or -ENODEV. */
static int fabric_mem_find(unsigned long long *start, unsigned long long *end)
{
	char line[256];
	FILE *f;
	int err = -ENODEV;

	f = fopen("/proc/iomem", "re");
	if (!f)
		return -ENODEV;
	while (fgets(line, sizeof(line), f)) {
		char name[64];

		if (sscanf(line, " %llx-%llx : %63[^\n]", start, end, name) == 3 &&
		    !strcmp(name, FABRIC_MEM_NAME) && *end > *start) {
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* dev names a fabric range ("mem:START-END"): 1 with it, else 0. */
static int fabric_mem_dev(const char *dev, unsigned long long *start,
			  unsigned long long *end)
{
	return sscanf(dev, "mem:%llx-%llx", start, end) == 2 && *end > *start;
}

int ivshmem_find(char *dev, size_t len)
{
	unsigned long long start, end;
	int err;

	err = pci_find_device(IVSHMEM_VENDOR, IVSHMEM_DEVICE, dev, len);
	if (err != -ENODEV || fabric_mem_find(&start, &end))
		return err;
	if ((size_t)snprintf(dev, len, "mem:%llx-%llx", start, end) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* "resource<bar>" */
static int bar_path(char *buf, size_t len, const char *dev, int bar)
{
	char file[32];

	snprintf(file, sizeof(file), "resource%d", bar);
	return dev_path(buf, len, dev, file);
}

uint64_t pci_bar_size(const char *dev, int bar)
{
	unsigned long long start, end;
	char path[512];
	struct stat st;
	int err;

	if (fabric_mem_dev(dev, &start, &end)) {
		if (bar == IVSHMEM_SHM_BAR)
			return end - start + 1;
		errno = ENODEV;
		return 0;
	}
	err = bar_path(path, sizeof(path), dev, bar);
	if (err) {
		errno = -err;
		return 0;
	}
	if (stat(path, &st))
		return 0;
	return (uint64_t)st.st_size;
}

/* mmap(2) len bytes at off of the fabric range start..end (/dev/mem). */
static void *fabric_mem_map(unsigned long long start, unsigned long long end,
			    size_t off, size_t len)
{
	int fd, err;
	void *p;

	if (off > end - start + 1 || len > end - start + 1 - off) {
		errno = ERANGE;
		return NULL;
	}
	fd = open("/dev/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)(start + off));
	err = errno;
	close(fd);
	errno = err;
	return p == MAP_FAILED ? NULL : p;
}

void *pci_map_bar(const char *dev, int bar, size_t off, size_t len)
{
	unsigned long long start, end;
	char path[512];
	struct stat st;
	int fd, err;
	void *p;

	if (fabric_mem_dev(dev, &start, &end)) {
		if (bar == IVSHMEM_SHM_BAR)
			return fabric_mem_map(start, end, off, len);
		errno = ENODEV;
		return NULL;
	}
	err = bar_path(path, sizeof(path), dev, bar);
	if (err) {
		errno = -err;
		return NULL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) &&
	    (off > (uint64_t)st.st_size || len > (uint64_t)st.st_size - off)) {
		close(fd);
		errno = ERANGE;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	err = errno;
	close(fd);
	errno = err;
	return p == MAP_FAILED ? NULL : p;
}

void *ivshmem_map(const char *dev, size_t off, size_t len)
{
	char found[256];
	int err;

	if (!dev) {
		err = ivshmem_find(found, sizeof(found));
		if (err) {
			errno = -err;
			return NULL;
		}
		dev = found;
	}
	return pci_map_bar(dev, IVSHMEM_SHM_BAR, off, len);
}
