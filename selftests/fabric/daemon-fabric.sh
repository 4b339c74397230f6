#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# daemon-fabric.sh - clshmd, clshmctl and xp_shmwait/xp_shmwake across two
# partitions: run in both guests of the suite "daemon2" (run.sh --part
# daemon: "vm/run --guests 2 --module-args partid=%g", busybox sh, root,
# clshm started).  CLSHM_GUEST is 0 or 1; partition ids equal it.  Needs
# xp_pair, shmtool and jsoncheck next to it (installed with it) and
# testlib.sh.  Numbered TAP with a trailing plan.
#
# The guests only meet through the fabric, so each phase waits for what
# the other guest does:
#   1. both: the daemons meet (PART_UP, hello, "joined"); partitions,
#      fabric and status show both
#   2. partition 0 creates a segment and sleeps in xp_shmwait(); partition
#      1 attaches it, changes the word and calls xp_shmwake(); partition 1
#      also times out waiting on it
#   3. partition 1 restarts its daemon: partition 0's daemon hears a
#      second hello, and the new daemon hears partition 0's
#   4. partition 1 plays a daemon of another ABI major: partition 0's
#      daemon refuses it, and partition 1 counts as down there
#   5. partition 1 reloads clshm and starts again, a new incarnation:
#      partition 0 sees it come back (rejoined)
#
# Partition 0 also runs "clshmctl monitor" from phase 2 on and checks at
# the end what it saw of partition 1: its attaches of partition 0's
# segment (attached/detached with pid 0, part 1), partition 1 going down
# and rejoining.  (Not the fabric tracepoints: enabling them while the
# fabric poller runs patches the code it executes, and a 2-vCPU TCG guest
# hung there once in four runs, both vCPUs spinning, no report.)

here=$(cd "$(dirname "$0")" && pwd)
# installed flat in a guest; one folder down in the build tree
for lib in "$here/testlib.sh" "$here/../testlib.sh"; do [ -f "$lib" ] && break; done
. "$lib"

[ -e /dev/clshm/0/shm ] || skip_all "no /dev/clshm/0/shm: load clshm.ko"
[ -n "${CLSHM_GUEST:-}" ] && [ "${CLSHM_GUESTS:-1}" = 2 ] ||
	skip_all "needs two guests on one fabric (run.sh --vm daemon2)"
g=${CLSHM_GUEST:-0}
o=$((1 - g))
me=0$g
other=0$o

abi=$(clshmd -V | sed -n 's/.*ABI \([0-9]*\.[0-9]*\),.*/\1/p')

# part_up DESC PART SECS: ok if /dev/clshm/partition/PART appears within
# SECS seconds.
part_up() {
	_t=0
	until [ -e "/dev/clshm/partition/$2" ] || [ $_t -gt $(($3 * 10)) ]; do
		_t=$((_t + 1))
		sleep 0.1
	done
	[ -e "/dev/clshm/partition/$2" ] && ok "$1" || nok "$1"
}

echo "# 1. the daemons meet (partition $me, the other is $other)"
part_up "partition $other came up" "$other" 60
pid=$(daemon_pid)
waitlog_for 10 "the daemon logs partition $other up" \
	"clshmd\[$pid\]: partition $other is up \(incarnation [0-9]+\)|clshmd\[$pid\]: partitions: 2 up of 2 listed"
waitlog_for 20 "the daemon logs the other daemon's hello" \
	"clshmd\[$pid\]: partition $other \(host clshm-g$o\) joined: daemon ABI $abi$"
expect_rc 0 "partitions" clshmctl partitions
has "partitions counts two up" "^2 partitions, 2 up$"
has "partitions lists this one" "^$me +up +[0-9]+ +clshm-g$g \(local\)$"
has "partitions lists the other with its host name" "^$other +up +[0-9]+ +clshm-g$o$"
json partitions-g$g clshmctl -j partitions
expect_rc 0 "fabric" clshmctl fabric
has "fabric is present and joined" "^fabric +ivshmem .*, joined$"
has "fabric shows this partition" "^  local +partition $me, IVPosition [0-9]+, joined$"
json fabric-g$g clshmctl -j fabric
expect_rc 0 "status" clshmctl status
has "status has the fabric line" "^  fabric +ivshmem "
has "status counts two up" "^  partitions +2 up: "

echo "# 2. xp_shmwait in partition 0, xp_shmwake from partition 1"
if [ "$g" = 0 ]; then
	tmp=$(mktemp -d)
	clshmctl monitor > "$tmp/mon" 2>&1 &
	mon=$!
	sleep 1		# the monitor has joined the events group
	key=$(xp_pair create)
	[ "$key" = 0x00000001 ] && ok "a segment under key $key" ||
		nok "a segment under key 0x00000001 (got '$key')"
	expect_rc 0 "xp_shmwait returns when partition 1 changes the word" \
		xp_pair wait 0x00000001 60
	echo "# $out"
	has "it saw the new value" "word 1$"
else
	expect_rc 0 "xp_shmwake after changing the word" \
		xp_pair wake 0x00000001 60
	echo "# $out"
	expect_rc 0 "xp_shmwait on the other partition's segment times out" \
		xp_pair timeout 0x00000001 300
	echo "# $out"
fi

echo "# 3. partition 1 restarts its daemon"
if [ "$g" = 1 ]; then
	sleep 3		# so that partition 0's last hello is old enough
	kill -9 "$pid"
	i=0
	while [ -d /proc/$pid ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	expect_rc 0 "startup restarts clshmd" clshmctl startup
	pid2=$(daemon_pid)
	waitlog_for 20 "the new daemon says hello to partition 00" \
		"clshmd\[$pid2\]: hello sent to partition 00 \(this daemon started\)"
	waitlog_for 20 "the new daemon hears partition 00's hello" \
		"clshmd\[$pid2\]: partition 00 \(host clshm-g0\) joined: daemon ABI $abi$"
else
	waitlog_for 60 "partition 01's restarted daemon says hello again" \
		"clshmd\[$pid\]: partition 01 \(host clshm-g1\) said hello again \(its daemon restarted\)"
	waitlog_for 10 "and gets an answer" \
		"clshmd\[$pid\]: hello sent to partition 01 \((its daemon restarted|no hello from it yet)\)"
fi

echo "# 4. an incompatible daemon in partition 1"
if [ "$g" = 1 ]; then
	# Wait until partition 0 has seen our new daemon (phase 3).
	sleep 5
	kill "$(daemon_pid)"
	i=0
	while [ -n "$(daemon_pid)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	expect_rc 0 "a daemon of the next ABI major says hello" shmtool badhello 0
	i=0
	while [ -e /dev/clshm/partition/00 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	# Partition 0's kernel refuses us; ours may or may not notice.
	ok "the hello was sent"

	echo "# 5. partition 1 starts again"
	sleep 10	# partition 0 has refused the other major and looked
	# A new incarnation is a new load of the module (a reboot, to the
	# fabric): partition 0 refuses this one until then.
	CLSHM_MODULE_ARGS=
	[ -r /run/clshm/env ] && . /run/clshm/env
	expect_rc 0 "shutdown" clshmctl shutdown
	expect_rc 0 "rmmod clshm" rmmod clshm
	# shellcheck disable=SC2086
	expect_rc 0 "insmod clshm (a new incarnation)" \
		insmod "${CLSHM_MODULE:-/lib/modules/clshm.ko}" $CLSHM_MODULE_ARGS
	chmod 0666 /dev/clshm/0/shm	# as vm/init does: no udev here
	expect_rc 0 "startup again" clshmctl startup
	part_up "partition 00 is up again here" 00 60
else
	waitlog_for 60 "the other ABI major is refused" \
		"clshmd\[$pid\]: partition 01 \(host [^)]*\) runs clshm ABI [0-9]+\.0, this partition $abi: refusing it"
	waitlog_for 10 "the refusal is logged" \
		"clshmd\[$pid\]: partition 01 refused: it counts as down here"
	waitlog_for 10 "partition 01 is down, refused" \
		"clshmd\[$pid\]: partition 01 \(host [^)]*\) is down: refused \(incompatible versions\)"
	expect_rc 0 "partitions after the refusal" clshmctl partitions
	has "only this partition is up" "^1 partition, 1 up$"
	expect_rc 0 "fabric counts the peer lost" clshmctl -j fabric
	has "peers_lost is 1" '"peers_lost": *1[,}]'

	echo "# 5. partition 1 comes back"
	part_up "partition 01 is up again" 01 90

	echo "# what partition 0's monitor saw of partition 1"
	sleep 1		# the monitor has printed everything
	kill $mon
	wait $mon 2> /dev/null
	out=$(cat "$tmp/mon")
	has "monitor: partition 1 attached our segment (pid 0, part 1)" \
		"^attached +shmid [^ ]+ key 0x00000001 nattch [0-9]+ pid 0 part 1 "
	has "monitor: and detached it" \
		"^detached +shmid [^ ]+ key 0x00000001 nattch [0-9]+ pid 0 part 1 "
	has "monitor: partition 1 went down" "^part-down +part 1 "
	has "monitor: partition 1 came back with a new incarnation" \
		"^part-rejoined +part 1 incarnation [0-9]+ "
	rm -rf "$tmp"
fi

tap_done
