# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the guest scripts guest-test.sh and fabric-test.sh (busybox
# sh), sourced from the directory they run in.  They count into $pass and
# $fail and print TAP-like "ok - ..."/"not ok - ..." lines.

LOG=/var/log/messages
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }

# expect_rc WANT DESC CMD...: run CMD, keep its output in $out.
expect_rc() {
	want=$1 desc=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$desc"
	else
		nok "$desc (status $rc, expected $want)"
		echo "$out" | sed 's/^/#   /'
	fi
}

# has DESC PATTERN: $out matches PATTERN (grep -E).
has() {
	if echo "$out" | grep -Eq -- "$2"; then
		ok "$1"
	else
		nok "$1 (no /$2/ in output)"
		echo "$out" | sed 's/^/#   /'
	fi
}

# waitlog_for SECS DESC PATTERN: the log shows PATTERN within SECS.
waitlog_for() {
	i=0
	while [ $i -lt $(($1 * 10)) ]; do
		grep -Eq -- "$3" $LOG 2>/dev/null && { ok "$2"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	nok "$2 (no /$3/ in $LOG)"
	tail -n 15 $LOG | sed 's/^/#   /'
	return 1
}

# json NAME CMD...: show a JSON output to the host, which parses it.
json() {
	echo "JSON-BEGIN $1"
	shift
	"$@"
	echo "JSON-END"
}

daemon_pid() { clshmctl getcfg | sed -n 's/^daemon pid *//p'; }
