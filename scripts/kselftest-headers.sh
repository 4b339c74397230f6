#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extract kselftest.h and kselftest_harness.h from Debian's linux-source-6.1
# into OUTDIR (default build/kselftest).  They are never committed.
set -euo pipefail
out=${1:-build/kselftest}
[ -f "$out/kselftest_harness.h" ] && [ -f "$out/kselftest.h" ] && exit 0
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
if [ -z "$tarball" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "linux-source-6.1 is not installed; run: apt-get install linux-source-6.1" >&2
		exit 1
	fi
	echo "Installing linux-source-6.1 for the kselftest headers..." >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends linux-source-6.1 >&2
	tarball=/usr/src/linux-source-6.1.tar.xz
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp" --wildcards \
	'*/tools/testing/selftests/kselftest_harness.h' \
	'*/tools/testing/selftests/kselftest.h'
find "$tmp" -name 'kselftest*.h' -exec cp {} "$out"/ \;
test -f "$out/kselftest_harness.h"
