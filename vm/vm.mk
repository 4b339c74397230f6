# SPDX-License-Identifier: GPL-2.0
#
# VM harness targets, included by the top-level Makefile.
# See Documentation/vm-harness.md.
#
#   make deps          install the Debian packages needed (root)
#   make vm-build      everything a guest needs: the debug kernel (built
#                      once, cached in ~/.cache/clshm), clshm.ko for each
#                      guest kernel, user space, the base initramfs
#   make check         deps, build, host tests, selftests and the partition
#                      suites on every kernel of KERNELS; the last line is
#                      "N passed, N failed, N skipped"
#   make demo          deps, build, show clshm working: one guest, then two
#                      guests (partitions) sharing a segment over ivshmem
#   make demo-nvdimm   the two-partition half of the demo on a shared
#                      NVDIMM (the host file as ACPI persistent memory,
#                      clshm's fabric=pmem0 source) instead of ivshmem
#   make vm-tools      host and guest helpers of the harness in build/:
#                      ivshmem-server (vm/run --doorbell) and the static
#                      fabric-atomic test program
#
# KERNELS: the guest kernels make check tests and vm-build builds for
# (default: all of them, vm/lib.sh: stock and debug 6.1, 6.12, newest);
# e.g. make check KERNELS="stock newest".  VM_KERNELS (vm-build) and
# CHECK_KERNELS (make check) override it for one of them.

ALL_KERNELS := $(shell bash -c '. "$(TOP)/vm/lib.sh" && all_kernels')
KERNELS ?= $(ALL_KERNELS)
VM_KERNELS ?= $(KERNELS)
VM_BUILD := $(TOP)/build

.PHONY: deps vm-kernel vm-modules vm-userspace vm-selftests-install \
	vm-initramfs vm-tools vm-build check demo demo-nvdimm

deps:
	@bash $(TOP)/scripts/install-deps.sh

vm-kernel:
ifneq ($(filter debug,$(VM_KERNELS)),)
	@bash $(TOP)/vm/build-kernel >/dev/null
endif
ifneq ($(filter-out stock debug,$(VM_KERNELS)),)
	@bash $(TOP)/vm/build-chroot >/dev/null
endif

vm-modules: vm-kernel
	@for k in $(VM_KERNELS); do \
		bash $(TOP)/vm/build-module $$k >/dev/null || exit 1; done

vm-userspace: lib daemon ctl examples selftests

# The selftests helper's install target puts run.sh and the test binaries
# in DESTDIR/opt/clshm/selftests.
# The library's tests (selftests/libxp: xp_test, xp_pair) join them: on the host
# they skip for want of /dev/clshm.
vm-selftests-install: selftests
	@rm -rf $(VM_BUILD)/vm/selftests-root
	@$(MAKE) -s -C $(TOP)/selftests install \
		DESTDIR=$(VM_BUILD)/vm/selftests-root
	@$(MAKE) -s -C $(TOP)/lib install-tests \
		DESTDIR=$(VM_BUILD)/vm/selftests-root

vm-initramfs: vm-userspace vm-selftests-install vm-tools
	@bash $(TOP)/vm/mkinitramfs >/dev/null

# The harness's own programs: the ivshmem server runs on the host; the
# atomic test (static) goes into the guest initramfs as
# /usr/bin/fabric-atomic, and vm/init reads IVPosition with it.
# Both link the helpers of clshm's own programs (common/; a static
# library, so fabric-atomic stays one static file).
vm-tools: $(VM_BUILD)/ivshmem-server $(VM_BUILD)/fabric-atomic

VM_COMMON_LIB := $(TOP)/common/libclshm-common.a
VM_TOOL_DEPS := $(VM_COMMON_LIB) $(TOP)/common/clshm-common.h

$(VM_COMMON_LIB): common

$(VM_BUILD)/ivshmem-server: $(TOP)/vm/ivshmem-server.c $(VM_TOOL_DEPS)
	@mkdir -p $(VM_BUILD)
	$(CC) $(USER_CFLAGS) -I$(TOP)/common -o $@ $< $(VM_COMMON_LIB)

$(VM_BUILD)/fabric-atomic: $(TOP)/vm/fabric-atomic.c $(VM_TOOL_DEPS)
	@mkdir -p $(VM_BUILD)
	$(CC) $(USER_CFLAGS) -I$(TOP)/common -static -o $@ $< $(VM_COMMON_LIB)

vm-build: vm-modules vm-initramfs vm-tools

# Sequenced in the recipes (not as prerequisites) so that "make -j" still
# installs the packages before building anything.
check:
	@bash $(TOP)/scripts/install-deps.sh
	@CHECK_KERNELS="$(or $(CHECK_KERNELS),$(KERNELS))" bash $(TOP)/vm/check

demo:
	@bash $(TOP)/scripts/install-deps.sh
	@$(MAKE) -s --no-print-directory vm-modules vm-tools lib daemon ctl examples VM_KERNELS=stock
	@echo "=== Part 1: one partition (one guest, clshm on ordinary pages)"
	@bash $(TOP)/vm/run --kernel stock --copy $(TOP)/vm/demo.sh:/tmp/demo.sh -- sh /tmp/demo.sh
	@echo
	@echo "=== Part 2: two partitions (two guests, two kernels, one ivshmem fabric)"
	@bash $(TOP)/vm/run --kernel stock --guests 2 --doorbell \
		--copy $(TOP)/vm/demo-partitions.sh:/tmp/demo-partitions.sh \
		-- sh /tmp/demo-partitions.sh

demo-nvdimm:
	@bash $(TOP)/scripts/install-deps.sh
	@$(MAKE) -s --no-print-directory vm-modules vm-tools lib daemon ctl examples VM_KERNELS=stock
	@echo "=== Two partitions (two guests, two kernels, one shared NVDIMM: fabric=pmem0, polled)"
	@bash $(TOP)/vm/run --kernel stock --guests 2 --fabric-kind nvdimm --module-args partid=%g \
		--copy $(TOP)/vm/demo-partitions.sh:/tmp/demo-partitions.sh \
		-- sh /tmp/demo-partitions.sh
