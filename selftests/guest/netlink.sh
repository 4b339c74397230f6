#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# netlink.sh - clshmctl rm and clshmctl monitor end to end: ipcrm's
# grammar, its messages and exit codes, and the monitor's lines (text and
# JSON) for a create and a removal.  The family itself is tested in
# netlink.c (the same suite, "netlink" in run.sh).
#
# Runs in a guest (busybox sh, root) from run.sh, on a started partition.
# Needs shmtool and jsoncheck next to it and testlib.sh.

here=$(cd "$(dirname "$0")" && pwd)
for lib in "$here/testlib.sh" "$here/../testlib.sh"; do [ -f "$lib" ] && break; done
. "$lib"

[ -e /dev/clshm/0/ctl ] || skip_all "no /dev/clshm/0/ctl: load clshm.ko"
clshmctl startup > /dev/null 2>&1
tmp=$(mktemp -d)

clshmctl monitor > "$tmp/mon" 2>&1 &
mon=$!
clshmctl monitor -j > "$tmp/monj" 2>&1 &
monj=$!
sleep 1		# both have joined the group

echo "# rm"
expect_rc 2 "rm without a selector is a usage error" clshmctl rm
expect_rc 2 "rm with a bad shmid is a usage error" clshmctl rm -m bogus
id=$(shmtool create 0 4096)
expect_rc 0 "rm -m removes a segment" clshmctl rm -m "$id"
expect_rc 1 "rm -m of a removed segment fails" clshmctl rm -m "$id"
has "and says there is none" "no segment with shmid $id"
key=0x00800777
shmtool create $key 4096 > /dev/null
expect_rc 0 "rm -M removes the segment of a key" clshmctl rm -M $key
expect_rc 1 "rm -M of a key without segment fails" clshmctl rm -M $key
orphan=$(shmtool create 0 4096)	# shmtool has exited: an orphan
expect_rc 0 "rm --orphans" clshmctl rm --orphans
has "rm --orphans counts what it removed" "^removed [1-9][0-9]* segments?$"
expect_rc 1 "the orphan is gone" clshmctl rm -m "$orphan"

echo "# show"
sid=$(shmtool create 0 8192)
shmtool hold "$sid" 8192 60 > /dev/null &
holder=$!
sleep 1
expect_rc 0 "show SHMID" clshmctl show "$sid"
has "show: the segment" "^segment +shmid $sid key 0x00000000 uid 0 gid 0 mode 0600 size 8192 nattch 1 "
has "show: its attacher, with command and range" "^attach +shmid $sid pid $holder comm shmtool part 0 start 0x[0-9a-f]+ end 0x[0-9a-f]+$"
expect_rc 0 "show -j SHMID" clshmctl show -j "$sid"
printf '%s\n' "$out" | jsoncheck > /dev/null 2>&1 && ok "show -j is one JSON document" || nok "show -j is one JSON document: $out"
has "show -j: the segment and its attaches" "^\{\"segment\":\{\"event\":\"segment\",\"shmid\":\"$sid\".*\},\"attaches\":\[\{\"event\":\"attach\",\"shmid\":\"$sid\",\"pid\":$holder,.*\}\]\}$"
kill $holder; wait $holder 2>/dev/null
clshmctl rm -m "$sid" > /dev/null
expect_rc 1 "show of a removed segment fails" clshmctl show "$sid"
has "and says what to do" "No such file or directory.*clshmctl ipcs"
expect_rc 2 "show without a shmid is a usage error" clshmctl show

echo "# ipcs filters"
fk=0x00800999
fid=$(shmtool create $fk 4096)
other=$(shmtool create 0 4096)
expect_rc 0 "ipcs --key" clshmctl ipcs --key $fk
has "ipcs --key shows that segment" "^$fk +$fid "
[ "$(echo "$out" | grep -c '^0x')" = 1 ] && ok "ipcs --key shows nothing else" || nok "ipcs --key shows nothing else: $out"
expect_rc 0 "ipcs --user root --partition 0" clshmctl ipcs --user root --partition 0
has "ipcs --user root --partition 0 has both" "^0x00000000 +$other "
expect_rc 0 "ipcs --user 4242" clshmctl ipcs --user 4242
[ "$(echo "$out" | grep -c '^0x')" = 0 ] && ok "nobody's segments: none listed" || nok "ipcs --user 4242 listed: $out"
expect_rc 0 "ipcs --partition 5" clshmctl ipcs --partition 5
[ "$(echo "$out" | grep -c '^0x')" = 0 ] && ok "partition 5 owns none" || nok "ipcs --partition 5 listed: $out"
expect_rc 2 "ipcs --user of an unknown name is a usage error" clshmctl ipcs --user no_such_user_x
json ipcs-key clshmctl ipcs -j --key $fk
out=$jout
has "ipcs -j --key: that one segment" "^\{\"segments\":\[\{\"key\":\"$fk\",\"shmid\":\"$fid\",[^{}]*\}\]\}$"
clshmctl rm -m "$fid" -m "$other" > /dev/null

echo "# a refused create"
shmtool create 0 1125899906842624000 > /dev/null 2>&1

sleep 1		# the monitors have printed everything
kill $mon $monj
wait $mon $monj 2>/dev/null

echo "# monitor"
out=$(cat "$tmp/mon")
has "monitor: created" "^created +shmid $id key 0x00000000 uid 0 mode 0600 size 4096 nattch 0 pid [0-9]+ part 0 time_ns [0-9]+$"
has "monitor: attached, with the holder's pid" "^attached +shmid $sid key 0x00000000 nattch 1 pid $holder part 0 "
has "monitor: refused, with the limit" "^refused +key 0x00000000 uid 0 size 1125899906842624000 pid [0-9]+ part 0 limit size time_ns [0-9]+$"
has "monitor: removed" "^removed +shmid $id "
has "monitor: destroyed" "^destroyed +shmid $id "
order=$(grep -E "shmid $id " "$tmp/mon" | awk '{ print $1 }' | tr '\n' ' ')
if [ "$order" = "created removed destroyed " ]; then
	ok "monitor: events in order"
else
	nok "monitor: events in order (got: $order)"
fi
n=0
bad=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s\n' "$line" | jsoncheck > /dev/null 2>&1 || bad=$((bad + 1))
done < "$tmp/monj"
if [ $n -ge 9 ] && [ $bad = 0 ]; then
	ok "monitor -j: one JSON object per line ($n lines)"
else
	nok "monitor -j: $n lines, $bad not JSON"
	sed 's/^/#   /' "$tmp/monj"
fi
out=$(cat "$tmp/monj")
has "monitor -j: created" "^\{\"event\":\"created\",\"shmid\":\"$id\""
has "monitor -j: the time is a string" "^\{\"event\":\"refused\",.*\"time_ns\":\"[0-9]+\"\}$"

echo "# a monitor that falls behind"
# Stopped, it reads nothing while a burst of 9,000 events overfills its
# socket (-b 64K: 128 KiB of room as the kernel counts); continued, it
# says it lost events, prints the segments that exist now, says it is in
# sync again, and goes on with new events.
expect_rc 2 "monitor -b below 4K is a usage error" clshmctl monitor -b 1
clshmctl monitor -b 64K > "$tmp/lost" 2>&1 &
mon=$!
sleep 1
kill -STOP $mon
keep=$(shmtool create 0 4096)
expect_rc 0 "a burst of 3,000 creates and removes" shmtool churn 3000
kill -CONT $mon
sleep 2
after=$(shmtool create 0 4096)
sleep 1
kill $mon
wait $mon 2>/dev/null
out=$(grep -E "^(lost|segment|synced)" "$tmp/lost" | head -n 20)
has "monitor: says it lost events" "^lost +events \(ENOBUFS"
has "monitor: the resync lists a segment that exists" "^segment +shmid $keep "
has "monitor: then says it is in sync" "^synced$"
order=$(grep -nE "^(lost|synced|created +shmid $after )" "$tmp/lost" | cut -d: -f2 | awk '{ print $1 }' | tr '\n' ' ')
case $order in
*"lost synced"*created*) ok "monitor: goes on after the resync ($order)" ;;
*) nok "monitor: goes on after the resync (got: $order)" ;;
esac
clshmctl rm -m "$keep" -m "$after" > /dev/null

rm -rf "$tmp"
tap_done
