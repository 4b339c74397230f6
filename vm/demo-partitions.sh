#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The second half of "make demo": two partitions (two QEMU guests, each its
# own kernel) on one ivshmem fabric; "make demo-nvdimm" runs it on a shared
# NVDIMM instead.  vm/run runs this script in both
# guests (CLSHM_GUEST is 0 or 1) and prefixes every line with [g0]/[g1].
#
#   partition 0: xp-writer creates a segment with a key minted for
#                partition 0 (its first one: 0x00000001), writes a greeting
#                and waits for a reply;
#   partition 1: xp-reader attaches the same segment through the fabric,
#                prints the greeting and writes its reply;
#   partition 0: xp-writer prints the reply and removes the segment.
#
# Exit status: 0 if every step worked.

g=${CLSHM_GUEST:-0}
failed=0
say() { printf '\n=== partition %s: %s\n' "$g" "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
	rc=$?
	[ $rc = 0 ] || { echo "(exit status $rc)"; [ $failed != 0 ] || failed=$rc; }
	return $rc
}

# Wait until both partitions see each other (heartbeats every 100 ms).
i=0
until [ -e /dev/clshm/partition/00 ] && [ -e /dev/clshm/partition/01 ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && { echo "partition $g: the other partition never came up"; exit 1; }
	sleep 0.1
done
say "both partitions are up; this kernel is partition $g"
run clshmctl partitions

if [ "$g" = 0 ]; then
	say "xp-writer: a segment owned here, with a greeting in it"
	run xp-writer -k /tmp/key
	say "afterwards: no segment left"
	run clshmctl ipcs
else
	say "xp-reader: attach partition 0's segment 0x00000001 through the fabric"
	i=0
	# The writer may not have created it yet: retry for up to 30 s.
	until xp-reader 0x00000001 2>/tmp/err; do
		i=$((i + 1))
		if [ $i -ge 30 ]; then
			cat /tmp/err
			failed=1
			break
		fi
		sleep 1
	done
fi

if [ $failed = 0 ]; then
	say "demo finished: the two kernels shared a segment"
else
	say "demo FAILED (first failing status $failed)"
fi
exit $failed
