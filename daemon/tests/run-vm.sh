#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# daemon/tests/run-vm.sh [vm/run options]: build shmtool, run
# guest-test.sh in a clshm guest (module loaded, not started), check that
# every JSON output it shows parses, and end with "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out" "$here/shmtool"' EXIT

${CC:-gcc} -O2 -Wall -Wextra -I"$top/include/uapi" -o "$here/shmtool" \
	"$here/shmtool.c" || exit 1

"$top/vm/run" --no-start --timeout 600 "$@" \
	--copy "$here/shmtool:/tmp/bin/shmtool" \
	--copy "$here/guest-test.sh:/tmp/guest-test.sh" \
	--copy "$here/testlib.sh:/tmp/testlib.sh" \
	-- sh /tmp/guest-test.sh | tee "$out"
rc=${PIPESTATUS[0]}

python3 "$here/check-results.py" "$out" "$rc"
