#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# top.sh - clshmctl top, driven through tmux as a user would: it draws
# its header and a segment, s changes the sort, + and - the interval, r
# refreshes, q quits and gives the terminal back; -n prints screens
# without a terminal.
#
# Runs in a guest (busybox sh, root) from run.sh, on a started partition.
# Needs shmtool next to it, testlib.sh and tmux (skipped without it).

here=$(cd "$(dirname "$0")" && pwd)
for lib in "$here/testlib.sh" "$here/../testlib.sh"; do [ -f "$lib" ] && break; done
. "$lib"

[ -e /dev/clshm/0/ctl ] || skip_all "no /dev/clshm/0/ctl: load clshm.ko"
command -v tmux > /dev/null || skip_all "no tmux in this guest"
clshmctl startup > /dev/null 2>&1
id=$(shmtool create 0x00800ace 12288)

echo "# batch mode"
expect_rc 0 "top -n 2 -d 0.2" clshmctl top -n 2 -d 0.2
[ "$(echo "$out" | grep -c '^clshm top ')" = 2 ] && ok "two screens" || nok "two screens: $out"
has "the rates line" "^per second: creates [0-9.]+  attaches "
has "the segment" "^0x00800ace $id "
expect_rc 2 "top -d 0 is a usage error" clshmctl top -d 0
expect_rc 2 "top -n 0 is a usage error" clshmctl top -n 0
expect_rc 2 "top -n x is a usage error" clshmctl top -n x
[ "$(echo "$out" | grep -c 'clshmctl: top:')" = 1 ] && ok "with one message" ||
	nok "with one message: $out"

echo "# interactive, in tmux"
export TERM=screen
S=clshmtop
sock=clshmtest
tm() { tmux -u -L $sock "$@"; }
pane() { tm capture-pane -p -t $S; }
# wait_pane REGEX: up to 5 s for the pane to show it.
wait_pane() {
	i=0
	while [ $i -lt 50 ]; do
		pane | grep -Eq -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
tm new-session -d -s $S -x 160 -y 30 "clshmctl top -d 1; echo top-exited-\$?; sleep 30"
wait_pane "^clshm top .* sort nattch +every 1.0s" && ok "top draws its header" || { nok "top draws its header"; pane | sed 's/^/#   /'; }
wait_pane "^0x00800ace $id " && ok "top shows the segment" || nok "top shows the segment"
tm send-keys -t $S s
wait_pane "sort size " && ok "s sorts by size" || nok "s sorts by size"
tm send-keys -t $S s
wait_pane "sort shmid " && ok "s again sorts by shmid" || nok "s again sorts by shmid"
tm send-keys -t $S +
wait_pane "every 2.0s" && ok "+ doubles the interval" || nok "+ doubles the interval"
tm send-keys -t $S - -
wait_pane "every 0.5s" && ok "- halves it" || nok "- halves it"
id2=$(shmtool create 0x00800acf 4096)
tm send-keys -t $S r
wait_pane "^0x00800acf $id2 " && ok "r refreshes: a new segment shows" || nok "r refreshes: a new segment shows"
tm send-keys -t $S q
wait_pane "^top-exited-0" && ok "q quits with status 0" || { nok "q quits with status 0"; pane | sed 's/^/#   /'; }
S=clshmtop2
# The pane's shell ignores SIGINT (top sets its own handler) so that it
# lives to print top's status.
tm new-session -d -s $S -x 160 -y 30 "trap '' INT; clshmctl top; echo top-exited-\$?; sleep 30"
wait_pane "^clshm top " || true
tm send-keys -t $S C-c
wait_pane "^top-exited-0" && ok "ctrl-C quits cleanly" || { nok "ctrl-C quits cleanly"; pane | sed 's/^/#   /'; }
tm kill-server 2> /dev/null

clshmctl rm -m "$id" -m "$id2" > /dev/null
tap_done
