#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysv-conform.sh - System V conformance of clshm, side by side (TAP)
#
# Runs sysv_conform (a plain System V program) twice in this guest:
# against the kernel's System V shm, and with LD_PRELOAD=libxp-sysv.so.1
# (CLSHM_SYSV_KEYS=all) against clshm.  Prints the two observations of
# every test side by side and one TAP result per test: ok when they are
# equal, ok with "# documented" when they differ in a way the xp_shmctl(3)
# table of differences explains (listed below with its reason), not ok
# otherwise.  A last result checks that the second run really used clshm
# (its attach counter moved).  The hugetlb pool gets 2 pages for the run
# (System V's huge pages), and its old size back afterwards.

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
here=$(cd "$(dirname "$0")" && pwd)

# Documented differences: "test|reason" (xp_shmctl(3), "Differences").
DOCUMENTED='attach_removed|attaching a segment after IPC_RMID is Linux-only (shmctl(2) calls it non-portable); clshm keeps the portable rule (EIDRM) on every partition'

# On a fabric, IPC_PRIVATE segments live in fabric memory.
case ${CLSHM_FABRIC:-none} in
none) ;;
*) DOCUMENTED="$DOCUMENTED
hugetlb|fabric memory cannot be huge: SHM_HUGETLB fails with ENOMEM, as System V does without huge pages
madvise|fabric memory is mapped by page frame (VM_PFNMAP): MADV_DONTNEED fails with EINVAL" ;;
esac
# Keys go to this partition (the preload's default owner is partition 0).
CLSHM_SYSV_OWNER=$(cat /sys/module/clshm/parameters/partid 2>/dev/null || echo 0)
export CLSHM_SYSV_OWNER

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }

echo "TAP version 13"
prog=
for d in "$here" "$here/sysv"; do
	[ -x "$d/sysv_conform" ] && prog=$d/sysv_conform && break
done
preload=
for d in /usr/lib "$here/../lib" "$here/../../lib"; do
	[ -f "$d/libxp-sysv.so.1" ] && preload=$d/libxp-sysv.so.1 && break
done
if [ -z "$prog" ] || [ -z "$preload" ] || [ ! -e /dev/clshm/0/shm ]; then
	echo "1..0 # SKIP needs sysv_conform, libxp-sysv.so.1 and /dev/clshm (a guest)"
	exit 4
fi
counters=
for d in "$here" "$here/.."; do
	[ -x "$d/counters" ] && counters=$d/counters && break
done

tmp=$(mktemp -d /tmp/sysv-conform.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

hp=/proc/sys/vm/nr_hugepages
hp_old=$(cat $hp 2>/dev/null || echo 0)
echo 2 > $hp 2>/dev/null

attach_total() {
	[ -n "$counters" ] && "$counters" 2>/dev/null |
		sed -n 's/^attach_total=//p'
}

"$prog" > "$tmp/sysv" 2> "$tmp/sysv.err"
rc_sysv=$?
a0=$(attach_total)
CLSHM_SYSV_KEYS=all LD_PRELOAD=$preload "$prog" > "$tmp/clshm" 2> "$tmp/clshm.err"
rc_clshm=$?
a1=$(attach_total)
echo "$hp_old" > $hp 2>/dev/null

sed 's/^/# sysv stderr: /' "$tmp/sysv.err"
sed 's/^/# clshm stderr: /' "$tmp/clshm.err"

# The table: test, then each observation on its own line when they differ.
echo "# System V (kernel) and clshm (libxp-sysv.so.1), side by side:"
printf '# %-18s %-9s %s\n' TEST RESULT OBSERVATION
while IFS='	' read -r name sysv; do
	clshm=$(awk -F '\t' -v t="$name" '$1 == t { print $2 }' "$tmp/clshm")
	reason=$(echo "$DOCUMENTED" | awk -F '|' -v t="$name" '$1 == t { print $2 }')
	if [ "$sysv" = "$clshm" ]; then
		printf '# %-18s %-9s %s\n' "$name" same "$sysv"
		ok "sysv $name: clshm behaves as System V"
	elif [ -n "$reason" ]; then
		printf '# %-18s %-9s sysv:  %s\n' "$name" documented "$sysv"
		printf '# %-18s %-9s clshm: %s\n' "" "" "$clshm"
		ok "sysv $name # documented difference: $reason"
	else
		printf '# %-18s %-9s sysv:  %s\n' "$name" DIFFERENT "$sysv"
		printf '# %-18s %-9s clshm: %s\n' "" "" "$clshm"
		not_ok "sysv $name: clshm differs from System V"
	fi
done < "$tmp/sysv"

if [ "$rc_sysv" = 0 ] && [ "$rc_clshm" = 0 ] &&
   [ "$(wc -l < "$tmp/sysv")" = "$(wc -l < "$tmp/clshm")" ]; then
	ok "sysv both runs completed every test"
else
	not_ok "sysv both runs completed every test (exit $rc_sysv and $rc_clshm)"
fi
if [ -n "$a0" ] && [ -n "$a1" ] && [ "$a1" -gt "$a0" ]; then
	ok "sysv the preloaded run attached clshm segments ($((a1 - a0)) attaches)"
else
	not_ok "sysv the preloaded run attached clshm segments (attach_total '$a0' -> '$a1')"
fi

echo "1..$n"
[ $failed = 0 ]
