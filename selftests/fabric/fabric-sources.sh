#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fabric-sources.sh - binding the fabric's source by name (fabric=):
# run in the one guest of the suite "sources1" (run.sh --part sources:
# "vm/run --fabric-kind nvdimm --no-start": libnvdimm and nfit loaded,
# clshm.ko loaded with fabric=pmem0 and down; nd_btt.ko and nd_pmem.ko in
# /lib/modules/extra, not loaded).  Numbered TAP with a trailing plan.
# Leaves clshm.ko loaded on fabric=pmem0, as it found it.
#
#   1. the pmem region is claimed as "clshm-fabric", and released at rmmod
#   2. names and ranges that make no sense fail the load
#   3. with nd_pmem holding the region, fabric=pmem0 fails (EBUSY); once
#      nd_pmem is gone it binds
#   4. the same range as fabric=phys phys_base= phys_size= binds

here=$(cd "$(dirname "$0")" && pwd)
for lib in "$here/testlib.sh" "$here/../testlib.sh"; do [ -f "$lib" ] && break; done
. "$lib"

[ "${CLSHM_FABRIC_KIND:-}" = nvdimm ] ||
	skip_all "needs vm/run --fabric-kind nvdimm (run.sh --vm sources1)"
KO=/lib/modules/clshm.ko
EXTRA=/lib/modules/extra

# expect_fail DESC CMD...: CMD fails (any nonzero status).
expect_fail() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		nok "$desc (it succeeded)"
	else
		ok "$desc"
	fi
}

# klog_has DESC PATTERN: the kernel log since the last mark has PATTERN.
mark() { dmesg -c > /dev/null; }
klog_has() {
	out=$(dmesg)
	has "$1" "$2"
}

echo "# 1. the region, claimed and released"
range=$(sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : Persistent Memory$/\1 \2/p' /proc/iomem | head -n 1)
set -- $range
if [ $# = 2 ]; then
	ok "a Persistent Memory region is in /proc/iomem ($1-$2)"
else
	nok "a Persistent Memory region is in /proc/iomem"
	tap_done
	exit
fi
base=$((0x$1))
size=$((0x$2 - 0x$1 + 1))
out=$(cat /proc/iomem)
has "clshm claimed it as clshm-fabric" "^ +$1-$2 : clshm-fabric$"
mark
expect_rc 0 "rmmod clshm" rmmod clshm
out=$(cat /proc/iomem)
if echo "$out" | grep -q clshm-fabric; then
	nok "the claim is gone after rmmod"
else
	ok "the claim is gone after rmmod"
fi

echo "# 2. what fails the load"
mark
expect_fail "fabric=pmem7 (no such region) fails" insmod $KO fabric=pmem7
klog_has "and says why" "fabric=pmem7: no persistent-memory region number 7"
expect_fail "fabric=phys without a range fails" insmod $KO fabric=phys
expect_fail "fabric=phys with an unaligned base fails" \
	insmod $KO fabric=phys phys_base=$((base + 2048)) phys_size=$size
expect_fail "fabric=bogus fails" insmod $KO fabric=bogus
expect_fail "flush=2 fails" insmod $KO fabric=pmem0 flush=2

echo "# 3. nd_pmem holds the region"
if [ -f $EXTRA/nd_btt.ko ] && [ -f $EXTRA/nd_pmem.ko ]; then
	insmod $EXTRA/nd_btt.ko
	expect_rc 0 "insmod nd_pmem" insmod $EXTRA/nd_pmem.ko
	i=0
	until grep -q namespace /proc/iomem; do
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.1
	done
	out=$(cat /proc/iomem)
	has "nd_pmem claimed the namespace" "^ +$1-[0-9a-f]+ : namespace"
	mark
	expect_fail "fabric=pmem0 fails while nd_pmem holds it" insmod $KO fabric=pmem0
	klog_has "and names the cause" "the range is held by another driver"
	expect_rc 0 "rmmod nd_pmem" rmmod nd_pmem
else
	nok "nd_btt.ko and nd_pmem.ko are in $EXTRA"
fi
mark
expect_rc 0 "fabric=pmem0 binds once nd_pmem is gone" insmod $KO fabric=pmem0
klog_has "as the pmem source" "pmem0@0x$1: pmem source, [0-9]+ MiB fabric"
expect_rc 0 "rmmod clshm" rmmod clshm

echo "# 4. the same range as fabric=phys"
mark
expect_rc 0 "fabric=phys phys_base=$base phys_size=$size binds" \
	insmod $KO fabric=phys phys_base=$base phys_size=$size
klog_has "as the phys source" "phys@0x$1: phys source"
expect_rc 0 "rmmod clshm" rmmod clshm
expect_rc 0 "fabric=pmem0 again, as the harness loaded it" insmod $KO fabric=pmem0

tap_done
