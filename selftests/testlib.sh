# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the scripted guest tests (guest/daemon.sh,
# fabric/daemon-fabric.sh; busybox sh), sourced from the directory they
# are installed in.  They print numbered TAP ("ok N desc", "not ok N
# desc"), counting into $pass and $fail; tap_done prints the trailing
# plan and returns nonzero if anything failed.

LOG=/var/log/messages
pass=0
fail=0
here=${here:-$(cd "$(dirname "$0")" && pwd)}
PATH=$here:$here/..:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH

echo "TAP version 13"

ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) $*"; }
nok() { fail=$((fail + 1)); echo "not ok $((pass + fail)) $*"; }

# tap_done: the trailing plan and the verdict (the script's exit status).
tap_done() {
	echo "1..$((pass + fail))"
	echo "# $pass passed, $fail failed"
	[ $fail = 0 ]
}

# skip_all REASON: nothing to test here (no device): a TAP skip, exit 4.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

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

# json NAME CMD...: CMD's output is one JSON object (jsoncheck).
json() {
	name=$1
	shift
	jout=$("$@" 2>&1)
	if err=$(printf '%s\n' "$jout" | jsoncheck 2>&1); then
		ok "JSON of $name parses"
	else
		nok "JSON of $name: $err"
		printf '%s\n' "$jout" | sed 's/^/#   /'
	fi
}

daemon_pid() { clshmctl getcfg | sed -n 's/^daemon pid *//p'; }
