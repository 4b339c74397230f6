#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysv-conform.sh - System V conformance of clshm, side by side (TAP)
#
# Runs sysv_conform (a plain System V program) in this guest against the
# kernel's System V shm, then against clshm three ways: with
# LD_PRELOAD=libxp-sysv.so.1 and every key (clshm), with the preload and
# only IPC_PRIVATE (mixed: keyed segments stay the kernel's), and linked
# with the static shim (sysv_conform_wrap, libxp-sysv.a).  Prints the
# results side by side and one TAP result per test and run: ok when the
# observation equals System V's, ok with "# documented" when it differs in
# a way the xp_shmctl(3) table of differences explains (listed below with
# its reason), not ok otherwise.  A last result checks that the second run really used clshm
# (its attach counter moved).  The hugetlb pool gets 2 pages for the run
# (System V's huge pages), and its old size back afterwards.

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
here=$(cd "$(dirname "$0")" && pwd)

# Documented differences: "test|reason" (xp_shmctl(3), "Differences");
# the last line of a test wins (the fabric's reasons come after).
DOCUMENTED='attach_removed|attaching a segment after IPC_RMID is Linux-only (shmctl(2) calls it non-portable); clshm keeps the portable rule (EIDRM) on every partition'

# On a fabric, IPC_PRIVATE segments live in fabric memory.
case ${CLSHM_FABRIC:-none} in
none) ;;
*) DOCUMENTED="$DOCUMENTED
hugetlb|fabric memory cannot be huge: SHM_HUGETLB fails with ENOMEM, as System V does without huge pages
hugetlb_unaligned|fabric memory cannot be huge: SHM_HUGETLB fails with ENOMEM, as System V does without huge pages
madvise|fabric memory is mapped by page frame (VM_PFNMAP): MADV_DONTNEED fails with EINVAL" ;;
esac
# Keys go to this partition (the preload's default owner is partition 0).
CLSHM_SYSV_OWNER=$(cat /sys/module/clshm/parameters/partid 2>/dev/null || echo 0)
export CLSHM_SYSV_OWNER
# SYSV_CONFORM_REMOTE=OWNER (sysv-remote.sh): one clshm run, every segment
# keyed and owned by partition OWNER, attached here through the fabric.
RUNS="clshm mixed static"
if [ -n "${SYSV_CONFORM_REMOTE:-}" ]; then
	RUNS=remote
	SYSV_CONFORM_KEYED=1
	SYSV_CONFORM_KEYBASE=0x5ed000
	export SYSV_CONFORM_KEYED SYSV_CONFORM_KEYBASE
	DOCUMENTED="$DOCUMENTED
stat_fields|shm_cpid and shm_lpid are pids of the owner's kernel (0 for a process of another partition) and the times are read from the owner's clock
lock_unlock|SHM_LOCK and SHM_UNLOCK work only on the local partition's segments (EINVAL)
stat_index|SHM_STAT walks the local partition's table: another partition's segments are not in it"
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }

echo "TAP version 13"
prog=
for d in "$here" "$here/sysv"; do
	[ -x "$d/sysv_conform" ] && prog=$d/sysv_conform && break
done
prog_wrap=${prog}_wrap
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
# clshm: every key through the preload; mixed: only IPC_PRIVATE (keys
# stay on the kernel's System V, ids of both kinds in one process);
# static: the program linked with libxp-sysv.a (--wrap), every key;
# remote: every key, owned by another partition.
for r in $RUNS; do
	case $r in
	clshm|remote)
		[ $r = remote ] && CLSHM_SYSV_OWNER=$SYSV_CONFORM_REMOTE
		CLSHM_SYSV_KEYS=all LD_PRELOAD=$preload "$prog" > "$tmp/$r" 2> "$tmp/$r.err"
		eval "rc_$r=$?"
		a1=$(attach_total) ;;
	mixed)
		CLSHM_SYSV_KEYS=private LD_PRELOAD=$preload "$prog" > "$tmp/$r" 2> "$tmp/$r.err"
		rc_mixed=$? ;;
	static)
		rc_static=0
		if [ -x "$prog_wrap" ]; then
			CLSHM_SYSV_KEYS=all "$prog_wrap" > "$tmp/$r" 2> "$tmp/$r.err"
			rc_static=$?
		else
			echo "# no sysv_conform_wrap: the static shim is not tested" > "$tmp/$r.err"
			cp "$tmp/sysv" "$tmp/$r"
		fi ;;
	esac
done
echo "$hp_old" > $hp 2>/dev/null

for r in sysv $RUNS; do
	sed "s/^/# $r stderr: /" "$tmp/$r.err"
done

# The table: one line per test with each run's verdict and System V's
# observation, then the observation of every run that differs.
echo "# System V (the kernel) against clshm through libxp-sysv: clshm = LD_PRELOAD,"
echo "# every key; mixed = LD_PRELOAD, IPC_PRIVATE only; static = libxp-sysv.a;"
echo "# remote = LD_PRELOAD, every segment owned by partition ${SYSV_CONFORM_REMOTE:-(none)}"
head=
for r in $RUNS; do head="$head$(printf '%-10s ' $r)"; done
printf '# %-18s %s%s\n' TEST "$head" "OBSERVATION (System V)"
while IFS='	' read -r name sysv; do
	reason=$(echo "$DOCUMENTED" | awk -F '|' -v t="$name" '$1 == t { r = $2 } END { print r }')
	line=
	extra=
	for r in $RUNS; do
		got=$(awk -F '\t' -v t="$name" '$1 == t { print $2 }' "$tmp/$r")
		if [ "$sysv" = "$got" ]; then
			v=same
			ok "sysv $name ($r): as System V"
		elif [ -n "$reason" ]; then
			v=documented
			ok "sysv $name ($r) # documented difference: $reason"
		else
			v=DIFFERENT
			not_ok "sysv $name ($r): differs from System V"
		fi
		line="$line$(printf '%-10s ' $v)"
		[ $v = same ] || extra="$extra
#   $r: $got"
	done
	printf '# %-18s %s%s\n' "$name" "$line" "$sysv"
	[ -n "$extra" ] && echo "${extra#?}"
done < "$tmp/sysv"

for r in $RUNS; do
	eval "rc=\$rc_$r"
	if [ "$rc_sysv" = 0 ] && [ "$rc" = 0 ] &&
	   [ "$(wc -l < "$tmp/sysv")" = "$(wc -l < "$tmp/$r")" ]; then
		ok "sysv $r: every test ran"
	else
		not_ok "sysv $r: every test ran (exit $rc_sysv and $rc)"
	fi
done
if [ -n "$a0" ] && [ -n "$a1" ] && [ "$a1" -gt "$a0" ]; then
	ok "sysv the preloaded run attached clshm segments ($((a1 - a0)) attaches)"
else
	not_ok "sysv the preloaded run attached clshm segments (attach_total '$a0' -> '$a1')"
fi

echo "1..$n"
[ $failed = 0 ]
