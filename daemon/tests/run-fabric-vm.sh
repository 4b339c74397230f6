#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# daemon/tests/run-fabric-vm.sh [vm/run options]: build shmtool and
# lib/tests/xp_pair, run fabric-test.sh in two clshm guests sharing an
# ivshmem fabric (partition ids 0 and 1), check that every JSON output
# they show parses, and end with "N passed, N failed" over both guests.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out" "$here/shmtool"' EXIT

${CC:-gcc} -O2 -Wall -Wextra -I"$top/include/uapi" -o "$here/shmtool" \
	"$here/shmtool.c" || exit 1
make -s -C "$top/lib" tests/xp_pair || exit 1

"$top/vm/run" --guests 2 --module-args 'partid=%g' --timeout 900 "$@" \
	--copy "$here/shmtool:/tmp/bin/shmtool" \
	--copy "$top/lib/tests/xp_pair:/tmp/bin/xp_pair" \
	--copy "$here/fabric-test.sh:/tmp/fabric-test.sh" \
	--copy "$here/testlib.sh:/tmp/testlib.sh" \
	-- sh /tmp/fabric-test.sh | tee "$out"
rc=${PIPESTATUS[0]}

python3 "$here/check-results.py" "$out" "$rc" g0 g1
