# SPDX-License-Identifier: GPL-2.0
#
# clshm top-level build.
#
#   make              module, library, daemon, admin command (KDIR below)
#   make demo         boot a guest and show clshm working
#   make demo-nvdimm  two partitions on a shared NVDIMM instead of ivshmem
#   make check        every test (host and guests); last line "N passed, N failed"
#   make bench-smoke  clshm against System V shm in a guest (a quick look)
#   make bench        the benchmark suite in a guest: table, build/bench/ results
#                     and plots (Documentation/benchmarks.md; 5 to 12 min)
#   make install      PREFIX=/usr/local DESTDIR= (then ldconfig)
#   make uninstall    what make install put there (then ldconfig)
#   make deb          the Debian packages in build/deb/ (packaging/deb.mk,
#                     Documentation/admin-guide.md)
#   make install-module   clshm.ko into /lib/modules/<kernel>/updates (modprobe)
#
# KDIR: kernel build tree for the module.  Default: the running kernel's,
# /lib/modules/$(uname -r)/build.  Without one, "make module" (and so
# "make") stops and names the kernel headers that are installed: pick one
# with KDIR=... (the module then loads only into that kernel).  The test
# guests' modules do not come from here: vm/build-module passes each
# guest kernel's KDIR itself.

SHELL := /bin/bash
TOP := $(CURDIR)

KVER ?= $(shell uname -r)
ifeq ($(origin KDIR),undefined)
  KDIR := $(patsubst %/Makefile,%,$(wildcard /lib/modules/$(KVER)/build/Makefile))
  KDIR_DEFAULT := 1
endif

PREFIX ?= /usr/local
DESTDIR ?=
export PREFIX DESTDIR

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -D_GNU_SOURCE -I$(TOP)/include -I$(TOP)/include/uapi
export CC USER_CFLAGS TOP

.PHONY: all module lib common daemon ctl examples selftests install uninstall \
	install-module clean check demo deps bench-smoke bench layers

all: module lib daemon ctl examples

# Installed kernel build trees: /lib/modules/*/build and Debian's
# /usr/src/linux-headers-* (those with a .config, not the -common halves).
define no_kdir
	echo "make: no build directory for the running kernel $(KVER) (/lib/modules/$(KVER)/build)," >&2; \
	trees=$$( { ls -d /lib/modules/*/build/.config /usr/src/linux-headers-*/.config 2>/dev/null || true; } | \
		xargs -r -n1 dirname | xargs -r -n1 readlink -f | sort -uV); \
	if [ -n "$$trees" ]; then \
		echo "so clshm.ko cannot be built for it.  Kernel headers installed here:" >&2; \
		for t in $$trees; do \
			v=$$(sed -n 's/^UTS_RELEASE \(.*\)/\1/p; s/^\#define UTS_RELEASE "\(.*\)"/\1/p' $$t/include/generated/utsrelease.h 2>/dev/null); \
			echo "    $${v:-$${t##*/linux-headers-}}    $$t" >&2; done; \
		echo "Build for one of them (the module loads only into that kernel):" >&2; \
		echo "    make KDIR=$$(echo "$$trees" | tail -n 1)" >&2; \
	else \
		echo "and no kernel headers are installed." >&2; \
	fi; \
	echo "Or install the running kernel's: apt-get install linux-headers-$(KVER)" >&2
endef

module:
	@if [ -z "$(KDIR)" ] && [ -n "$(KDIR_DEFAULT)" ]; then $(no_kdir); exit 1; fi
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "make: KDIR=$(KDIR) is not a kernel build tree (no Makefile there)" >&2; exit 1; fi
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

lib:
	$(MAKE) -C lib

# The internal helpers of clshm's own programs (common/libclshm-common.a):
# built once here before the directories that link it, so that their own
# calls of "make -C ../common" find it done even with make -j.
common:
	$(MAKE) -C common

daemon: lib common
	$(MAKE) -C daemon

ctl: lib common
	$(MAKE) -C ctl

examples: lib
	$(MAKE) -C examples

selftests: lib common
	$(MAKE) -C selftests

# ldconfig refreshes the linker cache for libxp (not under DESTDIR: a
# staging install is for a package, whose own scripts do it).
install: lib daemon ctl
	$(MAKE) -C lib install
	$(MAKE) -C daemon install
	$(MAKE) -C ctl install
	$(if $(DESTDIR),,-ldconfig)

uninstall:
	$(MAKE) -C lib uninstall
	$(MAKE) -C daemon uninstall
	$(MAKE) -C ctl uninstall
	$(if $(DESTDIR),,-ldconfig)

install-module: module
	$(MAKE) -C $(KDIR) M=$(TOP) INSTALL_MOD_DIR=updates modules_install

bench-smoke: deps lib common
	$(MAKE) -C bench
	$(MAKE) vm-build VM_KERNELS=stock
	vm/run --copy bench/smoke -- smoke

# BENCH_ARGS: bench/run options, e.g. --quick, --row 2, --suite all.
# make bench runs the suites on every kernel of BENCH_KERNELS and puts them
# side by side (build/bench/kernels.md); BENCH_KERNELS=stock runs only 6.1.
BENCH_KERNELS ?= stock newest
bench: deps lib common
	$(MAKE) -C bench
	$(MAKE) vm-build VM_KERNELS="$(BENCH_KERNELS)"
	bash bench/run --kernels "$(BENCH_KERNELS)" $(BENCH_ARGS)

# The driver's files, highest layer first (Documentation/architecture.md):
# "make layers" checks that every call between them goes down, and the
# daemon's likewise.
DRIVER_LAYERS := main netlink ioctl part remote wait seg local fabmem \
	fabric/source fabric/ivshmem fabric/phys fabric/bind fabric/member \
	fabric/engage fabric/mbox fabric/layout \
	ring nodes events
layers:
	@scripts/calls-down $(patsubst %,driver/%.c,$(DRIVER_LAYERS)) | tail -n 1
	@$(MAKE) -s -C daemon layers

clean:
	$(if $(KDIR),-$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null)
	$(MAKE) -C bench clean
	$(MAKE) -C lib clean
	$(MAKE) -C daemon clean
	$(MAKE) -C ctl clean
	$(MAKE) -C examples clean
	$(MAKE) -C selftests clean
	$(MAKE) -C common clean
	rm -rf build

# The VM harness: deps, check, demo and the guest runner live in vm/.
-include vm/vm.mk
include packaging/deb.mk
