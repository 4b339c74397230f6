#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# unload.sh - the module unloads and loads again (run last by run.sh)
#
# Shuts clshm down, removes the module, checks that clshmctl reports the
# missing driver, loads the module again, starts it and leaves it
# started.  TAP on stdout; exit 1 if a step failed.

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
MODULE=${CLSHM_MODULE:-/lib/modules/clshm.ko}
CLSHM_MODULE_ARGS=
[ -r /run/clshm/env ] && . /run/clshm/env

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
# check NAME EXPECTED_STATUS COMMAND...: run it, compare its exit status.
check() {
	name=$1 want=$2
	shift 2
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		echo "$out" | sed 's/^/# /'
		not_ok "$name # exit $got, expected $want"
	fi
}

echo "TAP version 13"
if [ ! -e /dev/clshm/0/ctl ]; then
	echo "1..0 # SKIP no /dev/clshm/0/ctl: clshm.ko is not loaded"
	exit 4
fi
echo "1..9"

check "clshmctl shutdown" 0 clshmctl shutdown
dpid=$(clshmctl -j getcfg 2>/dev/null | sed -n 's/.*"daemon_pid": *\([0-9]*\).*/\1/p')
if [ -z "$dpid" ] || [ "$dpid" = 0 ]; then
	ok "no daemon after shutdown"
else
	not_ok "no daemon after shutdown # daemon_pid $dpid"
fi
check "rmmod clshm" 0 rmmod clshm
if [ -e /dev/clshm/0/shm ] || [ -e /dev/clshm/0/ctl ]; then
	not_ok "device nodes gone after rmmod"
else
	ok "device nodes gone after rmmod"
fi
check "clshmctl getcfg without the driver exits 5" 5 clshmctl getcfg
# shellcheck disable=SC2086
check "insmod $MODULE" 0 insmod "$MODULE" $CLSHM_MODULE_ARGS
chmod 0666 /dev/clshm/0/shm	# as vm/init does: no udev in the guest
check "clshmctl startup" 0 clshmctl startup
check "clshmctl startup again exits 3" 3 clshmctl startup
if clshmctl -j status 2>/dev/null | grep -q '"state": *"up"'; then
	ok "clshm is up again"
else
	not_ok "clshm is up again"
fi

[ $failed = 0 ]
