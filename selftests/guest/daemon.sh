#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# daemon.sh - clshmd and clshmctl end to end, as an administrator sees
# them: their messages, the daemon's log lines (/var/log/messages), a
# hostile ring, messages about other partitions, the ring overflowing,
# signals, a forced shutdown, the foreground mode, a user who is not root.
# The daemon's exit codes, its registration and what survives its death
# are asserted in daemon.c (the same suite, "daemon" in run.sh): the checks
# both had are only there.
#
# Runs in a guest (busybox sh, root) after daemon.c, from run.sh: it shuts
# the partition down first, and at the end starts it again with the
# limits it found.  Needs shmtool and jsoncheck next to it (installed
# with it) and testlib.sh.  Numbered TAP with a trailing plan.

here=$(cd "$(dirname "$0")" && pwd)
# installed flat in a guest; one folder down in the build tree
for lib in "$here/testlib.sh" "$here/../testlib.sh"; do [ -f "$lib" ] && break; done
. "$lib"

[ -e /dev/clshm/0/ctl ] || skip_all "no /dev/clshm/0/ctl: load clshm.ko"

# The limits this script changes, to be put back at the end.
cfg_val() { clshmctl getcfg | sed -n "s/^$1 *\([0-9]*\).*/\1/p"; }
old_maxdpgs=$(cfg_val maxdpgs)
old_timeout=$(cfg_val timeout)
clshmctl shutdown > /dev/null 2>&1

# waitlog DESC PATTERN: the log shows PATTERN within 5 s.
waitlog() { waitlog_for 5 "$@"; }

gone() {	# gone PID: wait up to 5 s for PID to exit
	i=0
	while [ $i -lt 50 ]; do
		[ -d /proc/$1 ] || return 0
		grep -q '^State:.*Z' /proc/$1/status 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

echo "# partition down"
expect_rc 0 "getcfg while down" clshmctl getcfg
has "getcfg says down" "^state +down"
has "getcfg says no daemon" "^daemon pid +none"
expect_rc 5 "clshmd (background) while down exits 5 (no driver: the shared exit table)" clshmd 0
has "background clshmd reports the error on stderr" "shut down"
expect_rc 2 "maxdpgs 0 is refused" clshmctl maxdpgs 0
has "maxdpgs 0 gives the range" "from 1 to 256"
expect_rc 2 "maxdpgs 300 is refused" clshmctl maxdpgs 300
expect_rc 0 "maxdpgs 1 while down" clshmctl maxdpgs 1
has "maxdpgs prints new and old" "^maxdpgs 1 pages \(was"
expect_rc 0 "timeout 1000 while down" clshmctl timeout 1000
json getcfg-down clshmctl -j getcfg
json status-down clshmctl -j status
expect_rc 0 "partitions while down exits 0, as ipcs" clshmctl partitions
has "partitions while down says how to start" "clshmctl startup"
has "partitions while down lists none" "^0 partitions, 0 up$"
json partitions-down clshmctl partitions -j
expect_rc 0 "-j partitions while down" clshmctl partitions -j
has "-j partitions while down: an empty list, no local" '^\{"local":null,"count":0,"up":0,"partitions":\[\]\}$'

expect_rc 0 "fabric while down" clshmctl fabric
has "fabric while down says there is none" "^fabric +none"

echo "# startup"
expect_rc 0 "startup" clshmctl startup
has "startup prints the daemon pid" "clshmd pid [0-9]+"
pid=$(daemon_pid)
[ -n "$pid" ] && [ -d /proc/$pid ] && ok "daemon $pid runs" || nok "daemon runs (pid '$pid')"
waitlog "daemon logs its registration" "clshmd\[$pid\]: registered for partition 00"
waitlog "daemon logs the startup message" "clshmd\[$pid\]: partition 0 started"
expect_rc 3 "second clshmd exits 3" clshmd 0
has "second clshmd names the first" "already running for partition 0 \(pid $pid\)"
expect_rc 4 "maxpgs while up exits 4" clshmctl maxpgs 100
has "maxpgs while up says shut down first" "shutdown' first"
expect_rc 0 "maxpgs shows the value while up" clshmctl maxpgs

echo "# partitions and fabric (one guest, no fabric)"
waitlog "daemon logs the fabric" "clshmd\[$pid\]: fabric: none"
waitlog "daemon logs the partitions" "clshmd\[$pid\]: partitions: 1 up of 1 listed \(local 00\)"
expect_rc 0 "partitions" clshmctl partitions
has "partitions lists the local one with its host name" "^00 +up +[0-9]+ +$(hostname) \(local\)$"
has "partitions counts them" "^1 partition, 1 up$"
expect_rc 0 "parts is an alias" clshmctl parts
has "parts lists the local one" "^00 +up "
json partitions clshmctl -j partitions
expect_rc 0 "-j after the command" clshmctl partitions -j
has "-j is compact: one line, incarnation a string" '^\{"local":0,"count":1,"up":1,"partitions":\[\{"id":0,"state":"up","incarnation":"[0-9]+",'
expect_rc 0 "-p pretty-prints" clshmctl partitions -p
has "-p indents" '^  "partitions": \[$'
json status-pretty clshmctl status -p
expect_rc 0 "fabric" clshmctl fabric
has "fabric says there is none" "^fabric +none"
json fabric clshmctl -j fabric
expect_rc 0 "status" clshmctl status
has "status has a fabric line" "^  fabric +none"
has "status counts the partitions up" "^  partitions +1 up: 00 \(local\)$"
expect_rc 2 "partitions takes no argument" clshmctl partitions 3

echo "# segments"
id1=$(shmtool create 0x7 65536)
id2=$(shmtool create 0x8 8192)
[ -n "$id1" ] && [ -n "$id2" ] && ok "created $id1 $id2" || nok "create segments"
waitlog "daemon logs a creation" "segment $id1 key 0x00000007 created: 65536 bytes by uid 0 pid [0-9]+"
expect_rc 0 "ipcs" clshmctl ipcs
has "ipcs lists the first segment" "^0x00000007 $id1 00 +65536 600 +0 +0 -$"
has "ipcs lists the second segment" "^0x00000008 $id2"
json ipcs clshmctl -j ipcs
expect_rc 0 "hostname through the daemon" shmtool hostname 0
has "the daemon answers the host name" "^$(hostname)$"
expect_rc 1 "hostname of a partition that is not up" shmtool hostname 5
id4=$(shmtool create 0xa 4096)
expect_rc 0 "rmid" shmtool rmid $id4
waitlog "daemon logs the removal" "clshmd\[$pid\]: segment $id4 key 0x0000000a removed by uid 0 pid [0-9]+"
waitlog "daemon logs the destruction with the old key" "clshmd\[$pid\]: segment $id4 key 0x0000000a removed by uid 0 pid [0-9]+ and destroyed: [0-9]+ pages freed"

echo "# a hostile ring (written through the stopped daemon's memory)"
# Corrupt entries the driver published while the daemon was stopped.
kill -STOP $pid
shmtool create 0xc 4096 > /dev/null
shmtool poke seq $pid
kill -CONT $pid
waitlog "an entry with a wrong seq is skipped" "clshmd\[$pid\]: ring entry [0-9]+ carries sequence [0-9]+; skipped"
kill -STOP $pid
shmtool create 0xd 4096 > /dev/null
shmtool poke type $pid
kill -CONT $pid
waitlog "an entry of unknown type is skipped" "clshmd\[$pid\]: ring entry [0-9]+: unknown message type 99; skipped"
kill -STOP $pid
id5=$(shmtool create 0xe 4096)
shmtool poke head $pid
kill -CONT $pid
# The driver rewrites head from its own copy on every post and poll, so
# the daemon never acts on the bogus value: nothing may be lost.
id6=$(shmtool create 0xf 4096)
waitlog "the entry under the bad head is not lost" "clshmd\[$pid\]: segment $id5 key 0x0000000e created"
waitlog "the daemon goes on with the next post" "clshmd\[$pid\]: segment $id6 key 0x0000000f created"
kill -STOP $pid
id7=$(shmtool create 0x10 4096)
shmtool poke head2 $pid
kill -CONT $pid
waitlog "the entries before it are handled" "clshmd\[$pid\]: segment $id7 key 0x00000010 created"
id8=$(shmtool create 0x11 4096)
waitlog "the daemon goes on with the driver's next post" "clshmd\[$pid\]: segment $id8 key 0x00000011 created"
expect_rc 0 "the daemon still answers" shmtool hostname 0
for k in 0x00000010 0x00000011 0x0000000c 0x0000000d 0x0000000e 0x0000000f; do
	shmtool rmid "$(clshmctl ipcs | awk -v k="$k" '$1 == k { print $2 }')"
done
[ -d /proc/$pid ] && ok "the daemon survived" || nok "the daemon survived"

echo "# other partitions (messages written through the stopped daemon's memory)"
abi=$(clshmd -V | sed -n 's/.*ABI \([0-9]*\.[0-9]*\),.*/\1/p')
poke_msg() {	# poke_msg KEY WHAT: a fresh ring entry becomes message WHAT
	kill -STOP $pid
	shmtool create $1 4096 > /dev/null
	shmtool poke $2 $pid
	kill -CONT $pid
}
poke_msg 0x20 up
waitlog "PART_UP is logged" "clshmd\[$pid\]: partition 05 is up \(incarnation 77\)"
waitlog "the daemon tries its hello" "clshmd\[$pid\]: (hello to partition 05 not sent|the driver does not know CLSHM_IOC_PEER)"
poke_msg 0x21 hello
waitlog "a compatible hello is logged" "clshmd\[$pid\]: partition 05 \(host [^)]*\) joined: daemon ABI $abi$"
poke_msg 0x22 hello-major
waitlog "a hello of another ABI major is refused" "clshmd\[$pid\]: partition 05 \(host [^)]*\) runs clshm ABI [0-9]+\.0, this partition $abi: refusing it"
poke_msg 0x23 hello-page
waitlog "a hello with another page size is refused" "clshmd\[$pid\]: partition 05 \(host [^)]*\) has [0-9]+-byte pages, this partition [0-9]+-byte pages: refusing it"
poke_msg 0x24 down
waitlog "PART_DOWN is logged with its reason" "clshmd\[$pid\]: partition 05 is down: heartbeat timeout \(incarnation 77\)"
poke_msg 0x25 far
waitlog "a partition id out of range is skipped" "clshmd\[$pid\]: ring entry [0-9]+: part_up about partition 300 \(0 to 255 expected\); skipped"
poke_msg 0x26 hello
waitlog "a hello from a partition that is not up is ignored" "clshmd\[$pid\]: hello from partition 05, incarnation 77, but the driver has it down"
for k in 0x00000020 0x00000021 0x00000022 0x00000023 0x00000024 0x00000025 0x00000026; do
	shmtool rmid "$(clshmctl ipcs | awk -v k="$k" '$1 == k { print $2 }')"
done
[ -d /proc/$pid ] && ok "the daemon survived the partition messages" || nok "the daemon survived the partition messages"
expect_rc 0 "the daemon still answers after them" shmtool hostname 0

echo "# shutdown while attached"
shmtool hold $id1 65536 30 > /tmp/hold.out &
holder=$!
i=0
while [ $i -lt 50 ] && ! grep -q attached /tmp/hold.out; do sleep 0.1; i=$((i + 1)); done
out=$(clshmctl shutdown 2>&1)
has "shutdown lists the attached segment" "$id1 0x00000007 +1"
has "shutdown names the holder" " $holder shmtool +$id1 1"
json status-up clshmctl -j status

echo "# signals"
kill -USR1 $pid
waitlog "SIGUSR1 dumps the state" "clshmd\[$pid\]: state dump \(SIGUSR1\)"
waitlog "the dump lists the segments" "clshmd\[$pid\]: segments: 2"
waitlog "the dump counts the partitions" "clshmd\[$pid\]: partitions: 1 listed, 1 up \(local 00\)"
waitlog "the dump names the local partition's host" "clshmd\[$pid\]: +partition 00: up, incarnation [0-9]+, host $(hostname) \(local\)"
waitlog "the dump ends" "clshmd\[$pid\]: end of state dump"
kill -HUP $pid
waitlog "SIGHUP removes the segments" "clshmd\[$pid\]: SIGHUP: removed 2 segments"
waitlog "daemon logs the destruction of the free one" "segment $id2 key 0x00000008 destroyed"
expect_rc 0 "ipcs after SIGHUP" clshmctl ipcs
has "the attached segment is marked dest" "$id1 .* dest$"

echo "# daemon killed and restarted"
kill -9 $pid
gone $pid && ok "daemon killed" || nok "daemon killed"
expect_rc 8 "status without a daemon exits 8" clshmctl status
has "status says the daemon is not running" "not running: start it"
id3=$(shmtool create 0x9 4096)
expect_rc 0 "startup restarts the daemon" clshmctl startup
has "startup says it restarts clshmd" "restarting clshmd"
pid2=$(daemon_pid)
[ -n "$pid2" ] && [ "$pid2" != "$pid" ] && ok "new daemon $pid2" || nok "new daemon (pid '$pid2')"
waitlog "new daemon resynchronises" "clshmd\[$pid2\]: resynchronised: 2 segments"
waitlog "new daemon handles what queued" "clshmd\[$pid2\]: segment $id3 key 0x00000009 created"

echo "# ring overflow"
kill -STOP $pid2
n=0
while [ $n -lt 80 ]; do shmtool create 0 4096 > /dev/null; n=$((n + 1)); done
kill -CONT $pid2
waitlog "daemon notices dropped messages" "clshmd\[$pid2\]: [0-9]+ messages dropped; resynchronising"
waitlog "and resynchronises" "clshmd\[$pid2\]: resynchronised: 82 segments"

echo "# forced shutdown"
expect_rc 0 "shutdown --force" clshmctl shutdown --force
has "shutdown --force says done" "clshm shut down"
[ -d /proc/$pid2 ] && nok "daemon exited at shutdown" || ok "daemon exited at shutdown"
# (with 82 segments to destroy the 32-entry ring overflows, so the daemon
# may see the hangup rather than the SHUTDOWN message)
waitlog "daemon logs the shutdown" "clshmd\[$pid2\]: partition 0+ (is shutting down|was shut down); exiting"
kill $holder 2>/dev/null
wait $holder
expect_rc 0 "getcfg after shutdown" clshmctl getcfg
has "down again" "^state +down"

echo "# SIGTERM"
clshmctl startup > /dev/null 2>&1
pid=$(daemon_pid)
kill -TERM $pid
gone $pid
waitlog "SIGTERM is logged" "clshmd\[$pid\]: SIGTERM from pid [0-9]+: exiting"
expect_rc 0 "shutdown without a daemon" clshmctl shutdown

echo "# foreground (as under systemd)"
clshmctl startup -f > /tmp/fg.out 2>&1 &
fg=$!
i=0
while [ $i -lt 50 ] && ! grep -q resynchronised /tmp/fg.out 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
out=$(cat /tmp/fg.out)
has "startup -f runs clshmd in the foreground" "^clshmd: registered for partition 00"
pid=$(daemon_pid)
[ "$pid" = "$fg" ] && ok "startup -f became clshmd (pid $fg)" || nok "startup -f became clshmd ($pid != $fg)"
expect_rc 0 "shutdown the foreground daemon" clshmctl shutdown
wait $fg

echo "# not root"
clshmctl startup > /dev/null 2>&1
if su -s /bin/sh clshmtest -c true 2>/dev/null; then
	out=$(su -s /bin/sh clshmtest -c "clshmctl status" 2>&1)
	has "status as a user cannot see the daemon" "unknown \(run as root"
	expect_rc 0 "getcfg as a user" su -s /bin/sh clshmtest -c "clshmctl getcfg"
	has "getcfg as a user shows the limits" "^maxsegs +[0-9]+"
	has "getcfg as a user: no daemon pid" "^daemon pid +unknown"
	out=$(su -s /bin/sh clshmtest -c "clshmctl -j getcfg" 2>&1)
	has "getcfg -j as a user: daemon_pid null" '"daemon_pid":null'

	expect_rc 0 "ipcs as a user" su -s /bin/sh clshmtest -c "clshmctl ipcs"
	expect_rc 0 "partitions as a user" su -s /bin/sh clshmtest -c "clshmctl partitions"
	has "partitions as a user lists the local one" "^00 +up "
	expect_rc 0 "fabric as a user" su -s /bin/sh clshmtest -c "clshmctl fabric"
else
	echo "# su does not work here: skipping the user tests"
fi
clshmctl shutdown > /dev/null 2>&1

# Put back what the script changed, and leave the partition up.
[ -n "$old_maxdpgs" ] && clshmctl maxdpgs "$old_maxdpgs" > /dev/null
[ -n "$old_timeout" ] && clshmctl timeout "$old_timeout" > /dev/null
expect_rc 0 "startup at the end" clshmctl startup
tap_done
