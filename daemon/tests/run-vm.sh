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
	-- sh /tmp/guest-test.sh | tee "$out"
rc=${PIPESTATUS[0]}

python3 - "$out" "$rc" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
rc = int(sys.argv[2])
m = re.findall(r'^(\d+) passed, (\d+) failed$', text, re.M)
passed, failed = (int(m[-1][0]), int(m[-1][1])) if m else (0, 1)
for name, body in re.findall(r'^JSON-BEGIN (\S+)\n(.*?)^JSON-END$', text,
                             re.M | re.S):
    try:
        obj = json.loads(body)
        assert isinstance(obj, dict)
        passed += 1
        print(f"ok - JSON of {name} parses ({len(obj)} members)")
    except Exception as e:
        failed += 1
        print(f"not ok - JSON of {name}: {e}")
if rc and not failed:
    failed += 1
    print(f"not ok - vm/run exited {rc}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
