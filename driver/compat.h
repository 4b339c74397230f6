/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every difference between the kernels clshm builds for
 *
 * One tree builds for Linux 6.1 and later.  Each shim below names the
 * kernel that changed the interface; the .c files use the newest name
 * and never test LINUX_VERSION_CODE themselves.
 */
#ifndef _CLSHM_COMPAT_H
#define _CLSHM_COMPAT_H

#include <linux/device.h>
#include <linux/mm.h>
#include <linux/timer.h>
#include <linux/version.h>

/* 6.3 added vm_flags_set()/vm_flags_clear() (vm_flags became const). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void clshm_vm_flags_set(struct vm_area_struct *vma,
				      unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void clshm_vm_flags_clear(struct vm_area_struct *vma,
					unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define clshm_vm_flags_set	vm_flags_set
#define clshm_vm_flags_clear	vm_flags_clear
#endif

/* 6.2 made the device argument of struct class's devnode() const. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define CLSHM_DEVNODE_CONST
#else
#define CLSHM_DEVNODE_CONST	const
#endif

/* 6.4 dropped class_create()'s module argument. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define clshm_class_create(name)	class_create(THIS_MODULE, name)
#else
#define clshm_class_create(name)	class_create(name)
#endif

/* 6.2 added timer_delete_sync(); 7.2 removed del_timer_sync(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define timer_delete_sync	del_timer_sync
#endif

/* 6.16 renamed from_timer() timer_container_of(); 7.2 removed from_timer(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define timer_container_of	from_timer
#endif

/*
 * 7.0 made the flags of shmem_file_setup() and shmem_file_setup_with_mnt()
 * a vma_flags_t bitmap, built with mk_vma_flags() from VMA_*_BIT numbers,
 * instead of a VM_* mask.  (6.12 has the mask, 7.2 and 7.3 the bitmap.)
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
#define CLSHM_SHMEM_NORESERVE	VM_NORESERVE
#else
#define CLSHM_SHMEM_NORESERVE	mk_vma_flags(VMA_NORESERVE_BIT)
#endif

#endif /* _CLSHM_COMPAT_H */
