#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run the clshm selftests inside a test guest (POSIX sh; busybox
# ash in the guest).
#
#   /opt/clshm/selftests/run.sh [TEST...]
#
# Runs each test binary (default: all, in order; unload.sh last) and
# prints its TAP output unchanged.  After each one it adds TAP lines of
# its own: "leakcheck NAME" (the driver counters segs_live, attaches_live
# and the segments' pinned pages are back where they were before NAME
# ran) and "kernel-log NAME" (no WARNING, BUG, Oops, KASAN, lockdep or
# kmemleak report in the kernel log while NAME ran).  Its own plan line
# comes last.  Exits 0 only if every binary and every check passed.

here=$(cd "$(dirname "$0")" && pwd)
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH

# xp_test: the library's own tests (lib/tests), whose device cases skip on
# the host.
ALL="abi abi_ext api_errno perms lifecycle limits daemon signals xp_test unload.sh"
[ $# -gt 0 ] && ALL="$*"

tmp=$(mktemp -d /tmp/clshm-run.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0		# run.sh's own TAP lines
failed=0
bad_re='WARNING:|BUG:|BUG |Oops|KASAN|lockdep|possible recursive locking|possible circular locking|kmemleak|general protection fault|Kernel panic|UBSAN|list_add corruption|list_del corruption'

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}

klog_lines() {
	dmesg 2>/dev/null | wc -l
}

# Make sure clshm is up with a daemon before the first test.
if [ ! -e /dev/clshm/0/shm ]; then
	echo "# run.sh: /dev/clshm/0/shm is missing: is clshm.ko loaded?"
fi
if ! clshmctl startup >/dev/null 2>&1; then
	:	# 3: already started, which is what we want
fi

start=$(date +%s)
for t in $ALL; do
	prog=$here/$t
	if [ ! -x "$prog" ]; then
		not_ok "$t # missing $prog"
		continue
	fi
	echo "# run.sh: $t"
	have_before=1
	"$here/counters" > "$tmp/before" 2>"$tmp/err" || have_before=0
	k0=$(klog_lines)
	t0=$(date +%s)
	"$prog" 2>&1
	rc=$?
	t1=$(date +%s)
	echo "# run.sh: $t exited with $rc after $((t1 - t0)) s"
	if [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		failed=$((failed + 1))
	fi

	if [ $have_before = 0 ]; then
		not_ok "leakcheck $t # no counters before: $(cat "$tmp/err")"
	elif "$here/counters" -c "$tmp/before" > "$tmp/leak" 2>&1; then
		ok "leakcheck $t"
	else
		cat "$tmp/leak"
		echo "# counters before:"
		sed 's/^/#   /' "$tmp/before"
		echo "# counters after:"
		"$here/counters" 2>&1 | sed 's/^/#   /'
		not_ok "leakcheck $t"
	fi

	dmesg 2>/dev/null | tail -n +$((k0 + 1)) > "$tmp/klog"
	if grep -E "$bad_re" "$tmp/klog" > "$tmp/bad"; then
		sed 's/^/# kernel: /' "$tmp/klog" | head -n 200
		not_ok "kernel-log $t"
	else
		ok "kernel-log $t"
	fi
done
end=$(date +%s)

echo "1..$n"
echo "# run.sh: $((end - start)) s; $failed failure(s)"
[ $failed = 0 ]
