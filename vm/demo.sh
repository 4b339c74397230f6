#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The "make demo" script, run inside a guest by vm/run (busybox sh), where
# clshm.ko is loaded and "clshmctl startup" has started the daemon.
# Two programs share one clshm segment: xp-writer creates it and leaves a
# greeting, xp-reader finds it by its key, reads the greeting and
# replies.  Exit status: 0 if every step worked, else the first failure's.

failed=0
step() { printf '\n=== %s\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
	rc=$?
	[ $rc = 0 ] || { echo "(exit status $rc)"; [ $failed != 0 ] || failed=$rc; }
	return $rc
}

step "1. clshm is loaded and started: the partition, its limits and counters"
run clshmctl status

step "2. xp-writer creates a segment with a fresh key, writes a greeting in it,"
echo "    publishes the key in /tmp/key and waits (in the background) for a reply"
rm -f /tmp/key
printf '$ xp-writer -k /tmp/key &\n'
xp-writer -k /tmp/key &
writer=$!
i=0
while [ ! -s /tmp/key ] && [ $i -lt 300 ]; do
	kill -0 $writer 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ ! -s /tmp/key ]; then
	echo "xp-writer did not write /tmp/key"
	wait $writer
	echo "(xp-writer exit status $?)"
	exit 1
fi
key=$(cat /tmp/key)

step "3. The segment, as clshmctl sees it while the writer holds it attached"
run clshmctl ipcs

step "4. xp-reader attaches the segment by its key $key, reads the greeting, replies"
run xp-reader "$key"

step "5. xp-writer gets the reply, detaches and removes the segment"
wait $writer
rc=$?
echo "(xp-writer exit status $rc)"
[ $rc = 0 ] || { [ $failed != 0 ] || failed=$rc; }

step "6. Afterwards: no segments left, counters back where they started"
run clshmctl ipcs
run clshmctl status

echo
if [ $failed = 0 ]; then
	echo "=== demo finished: clshm works"
else
	echo "=== demo FAILED (first failing status $failed)"
fi
exit $failed
