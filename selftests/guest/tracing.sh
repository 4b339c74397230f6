#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tracing.sh - the driver's tracepoints fire through tracefs: attach,
# detach and fault carry the segment's shmid, the daemon's ring messages
# are seen, and each is listed where perf and bpftrace look for them.
#
# Runs in a guest (busybox sh, root) from run.sh, on a started partition.
# Needs shmtool next to it and testlib.sh.

here=$(cd "$(dirname "$0")" && pwd)
for lib in "$here/testlib.sh" "$here/../testlib.sh"; do [ -f "$lib" ] && break; done
. "$lib"

[ -e /dev/clshm/0/ctl ] || skip_all "no /dev/clshm/0/ctl: load clshm.ko"
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2> /dev/null
[ -d $T/events ] || skip_all "no tracefs at $T"
clshmctl startup > /dev/null 2>&1

for ev in clshm_attach clshm_detach clshm_fault clshm_ring_msg \
	  clshm_fab_send clshm_fab_recv clshm_peer_state; do
	if [ -f $T/events/clshm/$ev/format ]; then
		ok "tracepoint clshm:$ev is there"
	else
		nok "tracepoint clshm:$ev is there"
	fi
done

echo > $T/trace
echo 1 > $T/events/clshm/enable
id=$(shmtool create 0 65536)
shmtool hold "$id" 65536 0 > /dev/null
shmtool rmid "$id" > /dev/null
echo 0 > $T/events/clshm/enable
cat $T/trace > /tmp/clshm-trace.$$

n=$(grep -c "clshm_attach: shmid=$id " /tmp/clshm-trace.$$)
[ "$n" = 1 ] && ok "one attach of $id traced" || nok "one attach of $id traced (saw $n)"
n=$(grep -c "clshm_detach: shmid=$id .* nattch=0" /tmp/clshm-trace.$$)
[ "$n" = 1 ] && ok "its detach traced, nattch 0" || nok "its detach traced, nattch 0 (saw $n)"
# 64 KiB touched page by page: the 16-page fault batches cover it at once.
n=$(grep -c "clshm_fault: shmid=$id " /tmp/clshm-trace.$$)
[ "$n" -ge 1 ] && ok "its faults traced ($n)" || nok "its faults traced"
n=$(grep -c "clshm_ring_msg: .*shmid=$id " /tmp/clshm-trace.$$)
[ "$n" -ge 2 ] && ok "its ring messages traced ($n)" || nok "its ring messages traced (saw $n)"
rm -f /tmp/clshm-trace.$$
echo > $T/trace
tap_done
