#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the one runner of the clshm tests.  POSIX sh: it runs on the
# host (make check, a developer) and in the guests (busybox ash), where it
# is installed as /opt/clshm/selftests/run.sh.
#
#   run.sh [TEST...]          run tests here: in a guest by default the
#                             single-partition list (below); on a host
#                             without /dev/clshm they skip
#   run.sh --part SCENARIO [plain|doorbell]
#                             in each guest of a multi-guest suite: this
#                             guest's part of SCENARIO (basic, basic4,
#                             death, hostile, daemon, sysv)
#   run.sh --host             the host-only tests: libxp/xp_test (device
#                             cases skip), host/peers_test,
#                             sysv/sysv-policy.sh (libxp-sysv's key
#                             policy) and "make layers", from the build
#                             tree (make -C selftests host)
#   run.sh --vm [--logs DIR] [--kernels "stock newest"] [SUITE...]
#                             boot guests with vm/run and run the suites
#                             of the file "suites" (default: every suite
#                             of those kernels); the TAP of every guest
#                             on stdout, progress on stderr
#   run.sh --list             the suites
#
# Tests: a kselftest binary (guest/, fabric/, libxp/, host/) or a TAP
# script (guest/daemon.sh, guest/unload.sh, fabric/daemon-fabric.sh),
# found next to run.sh (installed flat) or in those folders (the build
# tree).  Each test's TAP output is printed unchanged; after each one
# run.sh adds two TAP lines of its own: "leakcheck NAME" (the driver
# counters segs_live, attaches_live and the segments' pinned pages are back
# where they were before NAME ran) and "kernel-log NAME" (no WARNING, BUG,
# Oops, KASAN, lockdep or kmemleak report in the kernel log while NAME
# ran); both are skipped without /dev/clshm.  Its plan line comes last.
# Exits 0 only if every test and every check passed (a test's exit status
# 4 is a skip).
#
# --vm output per suite: with several guests, each guest's lines with
# vm/run's "[gN] " prefix taken off and " [SUITE gN]" after each
# result's description; then vm/run's own TAP block (--tap); at the end
# one result per suite (vm/run's exit status).  Logs in DIR (default
# build/check/suites): SUITE.out (vm/run's stdout), SUITE.err (its
# messages), SUITE.tap (what was printed), console logs.
#
# Environment (--vm): CHECK_KERNELS (as --kernels), CHECK_TIMEOUT (seconds
# per vm/run, instead of the table's), CHECK_MODULE_STOCK and
# CHECK_MODULE_DEBUG (another clshm.ko for that kernel: vm/run --module).

here=$(cd "$(dirname "$0")" && pwd)
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
# In the build tree the binaries find libxp there (a guest has it in /usr/lib).
if [ -e "$here/../lib/libxp.so.1" ]; then
	LD_LIBRARY_PATH=$here/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi

# The single-partition list, in order (unload.sh last).
SINGLE="abi abi_ext api_errno perms lifecycle limits daemon daemon.sh signals netlink netlink.sh tracing.sh top.sh xp_test sysv-conform.sh unload.sh"
# Tests whose leak check means nothing: daemon-fabric.sh restarts the
# daemon and ends with partition 1 refused by partition 0.
NOLEAK="daemon-fabric.sh"

usage() {
	sed -n '/^# run.sh - /,/^here=/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

# ---- running tests here ------------------------------------------------------

# find_test NAME: the path of test NAME, or nothing.
find_test() {
	for d in "$here" "$here/guest" "$here/fabric" "$here/libxp" "$here/host" "$here/sysv"; do
		if [ -f "$d/$1" ] && [ -x "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	return 1
}

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

have_dev() {
	[ -e /dev/clshm/0/shm ]
}

# run_tests NAME...: each test with its leakcheck and kernel-log lines.
run_tests() {
	tmp=$(mktemp -d /tmp/clshm-run.XXXXXX) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	counters=$(find_test counters)

	if ! have_dev; then
		echo "# run.sh: /dev/clshm/0/shm is missing (clshm.ko not loaded): the tests skip"
	elif ! clshmctl startup >/dev/null 2>&1; then
		:	# 3: already started, which is what we want
	fi

	start=$(date +%s)
	for t in "$@"; do
		if ! prog=$(find_test "$t"); then
			not_ok "$t # missing: no $t under $here"
			continue
		fi
		echo "# run.sh: $t"
		dev_before=0
		have_dev && dev_before=1
		have_before=0
		if [ $dev_before = 1 ] && [ -n "$counters" ] &&
		   "$counters" > "$tmp/before" 2>"$tmp/err"; then
			have_before=1
		fi
		k0=$(klog_lines)
		t0=$(date +%s)
		"$prog" 2>&1
		rc=$?
		t1=$(date +%s)
		echo "# run.sh: $t exited with $rc after $((t1 - t0)) s"
		if [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
			failed=$((failed + 1))
		fi

		if [ $dev_before = 0 ] || ! have_dev; then
			ok "leakcheck $t # SKIP no /dev/clshm"
			ok "kernel-log $t # SKIP no /dev/clshm"
			continue
		fi
		case " $NOLEAK " in
		*" $t "*)
			ok "leakcheck $t # SKIP the test restarts daemons and refuses a partition" ;;
		*)
			if [ $have_before = 0 ]; then
				not_ok "leakcheck $t # no counters before: $(cat "$tmp/err" 2>/dev/null)"
			elif "$counters" -c "$tmp/before" > "$tmp/leak" 2>&1; then
				ok "leakcheck $t"
			else
				cat "$tmp/leak"
				echo "# counters before:"
				sed 's/^/#   /' "$tmp/before"
				echo "# counters after:"
				"$counters" 2>&1 | sed 's/^/#   /'
				not_ok "leakcheck $t"
			fi ;;
		esac

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
}

# ---- a guest's part of a multi-guest suite -----------------------------------

# part SCENARIO [plain|doorbell]: $CLSHM_GUEST, $CLSHM_GUESTS and (after a
# respawn) $CLSHM_BOOT come from vm/run.  The tests check the fabric kind
# against $CLSHM_FABRIC, which vm/run exports; a second argument overrides
# it.
#
#   basic     fabric_basic and fabric_ops in every guest (2 guests)
#   basic4    fabric_basic only (4 guests: kept short under TCG)
#   death     3 guests, vm/run --respawn 2: guests 0 and 1 and the second
#             boot of guest 2 run fabric_death; the first boot of guest 2
#             runs "fabric_death --victim", which ends with sysrq b
#   hostile   3 guests, vm/run --no-start: guests 0 and 1 start clshm
#             and run fabric_robust; guest 2 keeps clshm down and runs
#             fabric-hostile
#   daemon    2 guests: daemon-fabric.sh in both (clshmd and clshmctl
#             across partitions)
#   sysv      2 guests: sysv-pair.sh in both (unmodified perl, ipcmk and
#             ipcrm through libxp-sysv.so.1 across partitions), then
#             sysv-conform.sh (on fabric memory); guest 1 then runs
#             sysv-remote.sh (every segment owned by partition 0), and
#             sysv-pair-end.sh keeps partition 0 up until it is done
#   sources   1 guest, vm/run --fabric-kind nvdimm --no-start:
#             fabric-sources.sh (binding fabric=pmemN and fabric=phys)
part() {
	scenario=${1:-}
	case ${2:-} in
	plain|doorbell) CLSHM_FABRIC=$2; export CLSHM_FABRIC ;;
	'') ;;
	*) echo "run.sh: unknown fabric '$2' (plain or doorbell)" >&2; exit 2 ;;
	esac
	g=${CLSHM_GUEST:-}
	gs=${CLSHM_GUESTS:-}
	boot=${CLSHM_BOOT:-1}
	if [ -z "$g" ] || [ -z "$gs" ]; then
		echo "run.sh: CLSHM_GUEST and CLSHM_GUESTS are not set: run it with vm/run --guests N (run.sh --vm)" >&2
		exit 2
	fi
	echo "# run.sh: scenario $scenario, guest $g of $gs, boot $boot, fabric ${CLSHM_FABRIC:-unknown}, $(uname -r)"

	case $scenario in
	basic)
		run_tests fabric_basic fabric_ops ;;
	basic4)
		run_tests fabric_basic ;;
	death)
		if [ "$g" = 2 ] && [ "$boot" != 2 ]; then
			exec "$(find_test fabric_death)" --victim
		fi
		run_tests fabric_death ;;
	hostile)
		if [ "$g" = 2 ]; then
			# This kernel must not take part: the hostile
			# program claims slot 2 itself.  (Down already
			# with vm/run --no-start.)
			clshmctl shutdown --force >/dev/null 2>&1
			"$(find_test fabric-hostile)"
			rc=$?
			echo "# run.sh: fabric-hostile exited with $rc"
			exit $rc
		fi
		if ! out=$(clshmctl startup 2>&1); then
			case $? in
			3) ;;	# already started
			*) echo "# run.sh: clshmctl startup failed: $out"
			   echo "not ok 1 clshmctl startup"
			   exit 1 ;;
			esac
		fi
		run_tests fabric_robust ;;
	daemon)
		run_tests daemon-fabric.sh ;;
	sysv)
		if [ "$g" = 0 ]; then
			run_tests sysv-pair.sh sysv-conform.sh sysv-pair-end.sh
		else
			run_tests sysv-pair.sh sysv-conform.sh sysv-remote.sh \
				sysv-pair-end.sh
		fi ;;
	sources)
		# It unloads and loads the module: no counters to compare.
		exec "$(find_test fabric-sources.sh)" ;;
	*)
		echo "run.sh: unknown scenario '$scenario' (basic, basic4, death, hostile, daemon, sysv, sources)" >&2
		exit 2 ;;
	esac
}

# ---- the host-only tests ------------------------------------------------------

host_tests() {
	rc_all=0
	for t in xp_test peers_test sysv-policy.sh; do
		echo "# run.sh: $t"
		if ! prog=$(find_test "$t"); then
			echo "not ok 1 $t # missing: make -C selftests host"
			rc_all=1
			continue
		fi
		"$prog" 2>&1
		rc=$?
		echo "# run.sh: $t exited with $rc"
		[ "$rc" = 0 ] || [ "$rc" = 4 ] || rc_all=1
	done
	# The call direction of the driver's and the daemon's files
	# (Documentation/architecture.md), in the source tree only.
	if [ -f "$here/../Makefile" ] && [ -x "$here/../scripts/calls-down" ]; then
		echo "# run.sh: make layers"
		echo "TAP version 13"
		echo "1..1"
		if out=$(make -s -C "$here/.." layers 2>&1); then
			echo "ok 1 layers: the driver's and the daemon's files call only downward"
		else
			echo "$out" | sed 's/^/# /'
			echo "not ok 1 layers: a call goes up (make layers)"
			rc_all=1
		fi
	fi
	return $rc_all
}

# ---- guests: the suites ---------------------------------------------------------

# The suites file: name|kernel|guests|timeout|vm/run options|command.
suite_rows() {
	grep -v '^[[:space:]]*#' "$here/suites" | grep -v '^[[:space:]]*$'
}

# expand_rows KERNELS: the suite rows with "stock+" rows once per kernel:
# NAME on stock, NAME-K on every other kernel of KERNELS but debug.
expand_rows() {
	suite_rows | while IFS='|' read -r name kernel guests tmo opts cmd; do
		case $kernel in
		*+)
			base=${kernel%+}
			echo "$name|$base|$guests|$tmo|$opts|$cmd"
			for k in $1; do
				case $k in "$base"|debug) continue ;; esac
				echo "$name-$k|$k|$guests|$tmo|$opts|$cmd"
			done
			;;
		*)
			echo "$name|$kernel|$guests|$tmo|$opts|$cmd"
			;;
		esac
	done
}

list_suites() {
	suite_rows | while IFS='|' read -r name kernel guests tmo opts cmd; do
		printf '%-10s %-5s kernel, %s guest(s), %4s s, vm/run %s -- %s\n' \
			"$name" "$kernel" "$guests" "$tmo" "${opts:-(nothing)}" "$cmd"
	done
}

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

vprogress() {
	echo "== run.sh [$(( $(date +%s) - vt0 ))s] $*" >&2
}

# boot_panics LOG GUESTS: the guests (" 0 2") whose console (LOG, or
# LOG.gN with several guests) shows a kernel panic before vm/init loaded
# clshm; false if none.
boot_panics() {
	_l=$1 _n=$2 _g=0 _bad=
	while [ $_g -lt "$_n" ]; do
		_f=$_l
		[ "$_n" = 1 ] || _f=$_l.g$_g
		if [ -f "$_f" ] && grep -q "Kernel panic" "$_f" &&
		   ! grep -q "clshm-vm: insmod /lib/modules/clshm.ko" "$_f"; then
			_bad="$_bad $_g"
		fi
		_g=$((_g + 1))
	done
	[ -n "$_bad" ] && echo "$_bad"
}

# run_suite NAME KERNEL GUESTS TIMEOUT OPTS CMD: one vm/run; its TAP to
# stdout and DIR/NAME.tap, its own result appended to DIR/own.results.
run_suite() {
	name=$1 kernel=$2 guests=$3 tmo=${CHECK_TIMEOUT:-$4} opts=$5 cmd=$6
	ku=$(echo "$kernel" | tr "[:lower:].-" "[:upper:]__")
	eval "mod=\${CHECK_MODULE_$ku:-}"
	set -- --kernel "$kernel" --guests "$guests" --timeout "$tmo" \
		--tap "$name" --log "$logs/$name-console.log"
	[ -n "$mod" ] && set -- "$@" --module "$mod"
	# Options are words; the value of --module-args has commas for spaces.
	prev=
	for w in $opts; do
		[ "$prev" = --module-args ] && w=$(echo "$w" | tr , ' ')
		set -- "$@" "$w"
		prev=$w
	done
	# shellcheck disable=SC2086
	set -- "$@" -- $cmd
	vprogress "$name: vm/run $*"
	s0=$(date +%s)
	retried=
	rm -f "$logs/$name-console.log"*	# boot_panics reads this run's
	"$top/vm/run" "$@" > "$logs/$name.out" 2> "$logs/$name.err"
	rc=$?
	# A guest kernel that panicked before clshm was loaded (seen once
	# in CI: the 7.3 scheduler under TCG, 3 s into boot) failed nothing
	# of clshm's, but its suite's other guests wait for it in vain: run
	# the suite once more, and say so.
	if [ $rc != 0 ] && bad=$(boot_panics "$logs/$name-console.log" "$guests"); then
		retried="guest(s)$bad panicked before clshm was loaded; ran the suite again"
		vprogress "$name: $retried"
		for f in out err; do mv "$logs/$name.$f" "$logs/$name.try1.$f"; done
		"$top/vm/run" "$@" > "$logs/$name.out" 2> "$logs/$name.err"
		rc=$?
	fi
	dt=$(( $(date +%s) - s0 ))
	vprogress "$name: vm/run exit $rc after ${dt}s"
	if [ $rc != 0 ]; then
		echo "---- $name: vm/run's messages ($logs/$name.err):" >&2
		grep -v '^vm/run: ok' "$logs/$name.err" | tail -n 40 | sed 's/^/    /' >&2
	fi
	{
		echo "# suite $name: $kernel kernel, $guests guest(s), vm/run exit $rc after ${dt}s"
		[ -z "$retried" ] || echo "# suite $name: $retried (first run: $logs/$name.try1.err)"
		if [ "$guests" = 1 ]; then
			sed 's/\r$//' "$logs/$name.out"
		else
			g=0
			while [ $g -lt "$guests" ]; do
				echo "# suite $name: guest $g"
				sed -n "s/^\[g$g\] //p" "$logs/$name.out" | sed 's/\r$//' |
					tag "$name g$g"
				g=$((g + 1))
			done
			echo "# suite $name: vm/run's checks"
			grep -v '^\[g[0-9]*\] ' "$logs/$name.out"
		fi
	} > "$logs/$name.tap"
	cat "$logs/$name.tap"
	if [ $rc = 0 ]; then
		echo "ok - suite $name: vm/run ($guests guest(s), $kernel) in ${dt}s" >> "$logs/own.results"
	else
		echo "not ok - suite $name: vm/run ($guests guest(s), $kernel) exit $rc after ${dt}s" >> "$logs/own.results"
		vm_failed=$((vm_failed + 1))
	fi
}

vm_suites() {
	top=$(cd "$here/.." && pwd)
	logs=$top/build/check/suites
	kernels=${CHECK_KERNELS:-$(bash -c ". '$top/vm/lib.sh' && all_kernels")}
	while [ $# -gt 0 ]; do
		case $1 in
		--logs) logs=${2:?}; shift 2 ;;
		--logs=*) logs=${1#*=}; shift ;;
		--kernels) kernels=${2:?}; shift 2 ;;
		--kernels=*) kernels=${1#*=}; shift ;;
		-*) echo "run.sh: unknown option '$1' (--help)" >&2; exit 2 ;;
		*) break ;;
		esac
	done
	for s in "$@"; do
		expand_rows "$kernels" | grep -q "^$s|" ||
			{ echo "run.sh: no suite '$s' (run.sh --list)" >&2; exit 2; }
	done
	mkdir -p "$logs"
	: > "$logs/own.results"
	vt0=$(date +%s)
	vm_failed=0
	files=
	# The rows go through a file: run_suite must run in this shell.
	expand_rows "$kernels" > "$logs/suites.selected.all"
	while IFS='|' read -r name kernel guests tmo opts cmd <&4; do
		if [ $# -gt 0 ]; then
			case " $* " in *" $name "*) ;; *) continue ;; esac
		else
			case " $kernels " in *" $kernel "*) ;; *) continue ;; esac
		fi
		run_suite "$name" "$kernel" "$guests" "$tmo" "$opts" "$cmd"
		files="$files $logs/$name.tap"
	done 4< "$logs/suites.selected.all"
	rm -f "$logs/suites.selected.all"
	{
		echo "TAP version 13"
		echo "1..$(wc -l < "$logs/own.results")"
		awk '/^not ok - / { print "not ok " NR " " substr($0, 10); next }
		     { print "ok " NR " " substr($0, 6) }' "$logs/own.results"
	} > "$logs/own.tap"
	cat "$logs/own.tap"
	# shellcheck disable=SC2086
	"$top/vm/tap-summary" "$logs/own.tap" $files > "$logs/summary.txt"
	sum_rc=$?
	vprogress "done: $(tail -n 1 "$logs/summary.txt") ($vm_failed vm/run failure(s))"
	[ "$vm_failed" = 0 ] && [ "$sum_rc" = 0 ]
}

# ---- main ------------------------------------------------------------------------

case ${1:-} in
-h|--help) usage; exit 0 ;;
--list) list_suites ;;
--vm) shift; vm_suites "$@" ;;
--host) host_tests ;;
--part) shift; part "$@" ;;
-*) echo "run.sh: unknown option '$1' (--help)" >&2; exit 2 ;;
'')
	# shellcheck disable=SC2086
	run_tests $SINGLE ;;
*) run_tests "$@" ;;
esac
