#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fabric-run.sh - what each guest of a multi-guest fabric run executes
# (POSIX sh; busybox ash in the guest).  fabric-check.sh starts it through
# vm/run in every guest; $CLSHM_GUEST, $CLSHM_GUESTS and (after a
# respawn) $CLSHM_BOOT come from vm/run.
#
#   /opt/clshm/selftests/fabric-run.sh SCENARIO [plain|doorbell]
#
#   basic     fabric_basic and fabric_ops in every guest (2 guests)
#   basic4    fabric_basic only (4 guests: kept short under TCG)
#   death     3 guests, vm/run --respawn 2: guests 0 and 1 and the second
#             boot of guest 2 run fabric_death; the first boot of guest 2
#             runs "fabric_death --victim", which ends with sysrq b
#   hostile   3 guests, vm/run --no-start: guests 0 and 1 start clshm
#             and run fabric_robust; guest 2 keeps clshm down and runs
#             fabric-hostile
#
# The tests check the fabric kind against $CLSHM_FABRIC (plain or
# doorbell), which vm/run exports; a second argument overrides it.
#
# The kselftest binaries run through run.sh, which adds its leakcheck and
# kernel-log TAP lines; the exit status is run.sh's (or the hostile
# program's).

here=$(cd "$(dirname "$0")" && pwd)
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH

scenario=${1:-}
case ${2:-} in
plain|doorbell) CLSHM_FABRIC=$2; export CLSHM_FABRIC ;;
'') ;;
*) echo "fabric-run.sh: unknown fabric '$2' (plain or doorbell)" >&2; exit 2 ;;
esac
g=${CLSHM_GUEST:-}
n=${CLSHM_GUESTS:-}
boot=${CLSHM_BOOT:-1}
if [ -z "$g" ] || [ -z "$n" ]; then
	echo "fabric-run.sh: CLSHM_GUEST and CLSHM_GUESTS are not set: run it with vm/run --guests N" >&2
	exit 2
fi
echo "# fabric-run.sh: scenario $scenario, guest $g of $n, boot $boot, fabric ${CLSHM_FABRIC:-unknown}, $(uname -r)"

case $scenario in
basic)
	exec "$here/run.sh" fabric_basic fabric_ops ;;
basic4)
	exec "$here/run.sh" fabric_basic ;;
death)
	if [ "$g" = 2 ] && [ "$boot" != 2 ]; then
		exec "$here/fabric_death" --victim
	fi
	exec "$here/run.sh" fabric_death ;;
hostile)
	if [ "$g" = 2 ]; then
		# This kernel must not take part: the hostile program
		# claims slot 2 itself.
		# (Shut down already with vm/run --no-start.)
		clshmctl shutdown --force >/dev/null 2>&1
		"$here/fabric-hostile"
		rc=$?
		echo "# run.sh: fabric-hostile exited with $rc"
		exit $rc
	fi
	if ! out=$(clshmctl startup 2>&1); then
		case $? in
		3) ;;	# already started
		*) echo "# fabric-run.sh: clshmctl startup failed: $out"
		   echo "not ok 1 clshmctl startup"
		   exit 1 ;;
		esac
	fi
	exec "$here/run.sh" fabric_robust ;;
*)
	echo "fabric-run.sh: unknown scenario '$scenario' (basic, basic4, death, hostile)" >&2
	exit 2 ;;
esac
