#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/fabric-check.sh - the multi-guest (fabric) suite: every
# scenario is one vm/run of several guests on one ivshmem fabric, each
# guest running selftests/fabric-run.sh.  Called by vm/check (make
# check); runs on its own after "make vm-build":
#
#   selftests/fabric-check.sh [--only NAME[,NAME...]] [--logs DIR] [--list]
#                             [--kernel K]
#
# Scenarios (--list prints them):
#
#   plain2     2 guests, ivshmem-plain: fabric_basic, fabric_ops
#   doorbell2  2 guests, ivshmem-doorbell (vm/run --doorbell): the same
#   plain4     4 guests, ivshmem-plain: fabric_basic
#   death3     3 guests, guest 2 dies (sysrq b) and is booted again
#              (vm/run --respawn 2), timeout 2000 ms: fabric_death
#   hostile3   3 guests, guest 2 plays a hostile partition
#              (fabric-hostile): fabric_robust (the default timeout,
#              5000 ms: with 2000 ms a guest starved of host CPU for 2 s
#              is declared down)
#   debug2     2 guests on the debug kernel (KASAN, lockdep, kmemleak):
#              fabric_basic, fabric_ops
#
# --kernel K runs the stock kernel's scenarios on guest kernel K instead
# (vm/run --kernel K: 6.12, newest; vm/check does, one run per kernel);
# the debug ones are left out.
#
# Output (stdout): TAP that vm/tap-summary counts.  For each scenario,
# each guest's output with the "[gN] " prefix vm/run adds taken off (so
# its TAP lines start in column 0) and " [fabric NAME gN]" appended to
# every result's description, then vm/run's own TAP block (--tap: guest
# completion, module load, command status, kernel log, unload, per
# guest); at the end a stream of this script's own results, one per
# scenario (vm/run's exit status).  Progress goes to stderr.  Logs in
# DIR (default build/check/fabric): NAME.out (vm/run's stdout), NAME.err
# (its messages), NAME.tap (what was printed), console logs.
#
# Environment: CHECK_KERNELS (as vm/check: without "debug" the debug2
# scenario is left out; without "stock" the stock ones), FABRIC_TIMEOUT
# (seconds per vm/run, default per scenario), FABRIC_MODULE_STOCK and
# FABRIC_MODULE_DEBUG (another clshm.ko for that kernel: vm/run --module).
#
# Exit status: 0 if every scenario's vm/run exited 0 and vm/tap-summary
# counted no failure in the output; 1 otherwise; 2 for bad usage.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/.." && pwd)
VMRUN=$TOP/vm/run
SUMMARY=$TOP/vm/tap-summary
RUN=/opt/clshm/selftests/fabric-run.sh

# name|kernel|guests|timeout|vm/run options|fabric-run.sh scenario
SCENARIOS=(
	"plain2|stock|2|600||basic"
	"doorbell2|stock|2|600|--doorbell|basic"
	"plain4|stock|4|900||basic4"
	"death3|stock|3|900|--respawn 2 --module-args partid=%g,timeout=2000|death"
	"hostile3|stock|3|900|--no-start|hostile"
	"debug2|debug|2|900||basic"
)

usage() {
	sed -n '/^# selftests\/fabric-check.sh/,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

only=
logs=$TOP/build/check/fabric
list=0
on_kernel=
while [ $# -gt 0 ]; do
	case $1 in
	--only) only=${2:?}; shift 2 ;;
	--only=*) only=${1#*=}; shift ;;
	--logs) logs=${2:?}; shift 2 ;;
	--logs=*) logs=${1#*=}; shift ;;
	--list) list=1; shift ;;
	--kernel) on_kernel=${2:?}; shift 2 ;;
	--kernel=*) on_kernel=${1#*=}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "fabric-check.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
	esac
done

if [ $list = 1 ]; then
	for s in "${SCENARIOS[@]}"; do
		IFS='|' read -r name kernel guests tmo opts scen <<< "$s"
		printf '%-10s %s kernel, %s guests, %s s, vm/run %s, fabric-run.sh %s\n' \
			"$name" "$kernel" "$guests" "$tmo" "${opts:-(plain)}" "$scen"
	done
	exit 0
fi

kernels=${CHECK_KERNELS:-stock debug}
[ -z "$on_kernel" ] || kernels=stock
selected=()
for s in "${SCENARIOS[@]}"; do
	name=${s%%|*}
	rest=${s#*|}
	kernel=${rest%%|*}
	if [ -n "$only" ]; then
		[[ ",$only," == *",$name,"* ]] || continue
	elif [[ " $kernels " != *" $kernel "* ]]; then
		continue
	fi
	selected+=("$s")
done
if [ -n "$only" ]; then
	for n in ${only//,/ }; do
		printf '%s\n' "${SCENARIOS[@]}" | grep -q "^$n|" ||
			{ echo "fabric-check.sh: no scenario '$n' (--list)" >&2; exit 2; }
	done
fi

mkdir -p "$logs"
t0=$(date +%s)
progress() { echo "== fabric [$(( $(date +%s) - t0 ))s] $*" >&2; }

# tag LABEL: append " [LABEL]" to the description of every TAP result
# (before a "# directive"), leave every other line alone.
tag() {
	awk -v lbl="$1" '
		/^(not )?ok [0-9]+/ {
			i = index($0, " # ")
			if (i) print substr($0, 1, i - 1) " [" lbl "]" substr($0, i)
			else print $0 " [" lbl "]"
			next
		}
		{ print }'
}

own=()		# this script's results
failed_runs=0
for s in "${selected[@]}"; do
	IFS='|' read -r name kernel guests tmo opts scen <<< "$s"
	tmo=${FABRIC_TIMEOUT:-$tmo}
	[ -n "$on_kernel" ] && [ "$kernel" = stock ] && kernel=$on_kernel
	# vm/run's --module-args takes a space-separated list: the table
	# uses commas to stay one field.
	args=(--kernel "$kernel" --guests "$guests" --timeout "$tmo"
	      --tap "fabric $name" --log "$logs/$name-console.log")
	mod_var=FABRIC_MODULE_${kernel^^}
	mod_var=${mod_var//[^A-Z0-9_]/_}
	[ -n "${!mod_var:-}" ] && args+=(--module "${!mod_var}")
	read -r -a extra <<< "$opts"
	have_margs=0
	for ((i = 0; i < ${#extra[@]}; i++)); do
		if [ "${extra[i]}" = --module-args ]; then
			extra[i + 1]=${extra[i + 1]//,/ }
			have_margs=1
		fi
	done
	[ $have_margs = 1 ] || extra+=(--module-args "partid=%g")
	progress "$name: vm/run ${args[*]} ${extra[*]} -- $RUN $scen"
	s0=$(date +%s)
	"$VMRUN" "${args[@]}" "${extra[@]}" -- "$RUN" "$scen" \
		> "$logs/$name.out" 2> "$logs/$name.err"
	rc=$?
	dt=$(( $(date +%s) - s0 ))
	progress "$name: vm/run exit $rc after ${dt}s"
	if [ $rc != 0 ]; then
		failed_runs=$((failed_runs + 1))
		echo "---- $name: vm/run's messages ($logs/$name.err):" >&2
		grep -v '^vm/run: ok' "$logs/$name.err" | tail -n 40 | sed 's/^/    /' >&2
	fi
	{
		echo "# fabric $name: $kernel kernel, $guests guests, vm/run exit $rc after ${dt}s"
		for ((g = 0; g < guests; g++)); do
			echo "# fabric $name: guest $g"
			sed -n "s/^\[g$g\] //p" "$logs/$name.out" | sed 's/\r$//' |
				tag "fabric $name g$g"
		done
		echo "# fabric $name: vm/run's checks"
		grep -v '^\[g[0-9]*\] ' "$logs/$name.out"
	} > "$logs/$name.tap"
	cat "$logs/$name.tap"
	if [ $rc = 0 ]; then
		own+=("ok - fabric $name: vm/run ($guests guests, $kernel) in ${dt}s")
	else
		own+=("not ok - fabric $name: vm/run ($guests guests, $kernel) exit $rc after ${dt}s")
	fi
done

{
	echo "TAP version 13"
	echo "1..${#own[@]}"
	n=0
	for r in "${own[@]}"; do
		n=$((n + 1))
		case $r in
		"not ok - "*) echo "not ok $n ${r#not ok - }" ;;
		*) echo "ok $n ${r#ok - }" ;;
		esac
	done
} > "$logs/own.tap"
cat "$logs/own.tap"

files=("$logs/own.tap")
for s in "${selected[@]}"; do files+=("$logs/${s%%|*}.tap"); done
"$SUMMARY" "${files[@]}" > "$logs/summary.txt"
sum_rc=$?
summary=$(tail -n 1 "$logs/summary.txt")
progress "done in $(( $(date +%s) - t0 ))s: $summary ($failed_runs vm/run failure(s))"
echo "# fabric-check: $summary"
[ "$failed_runs" = 0 ] && [ "$sum_rc" = 0 ]
