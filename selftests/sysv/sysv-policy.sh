#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysv-policy.sh - libxp-sysv's key policy, on a host without clshm (TAP)
#
# Without /dev/clshm, a call the policy gives to clshm fails with ENODEV
# and any other reaches the kernel's System V: so which keys go where is
# visible from outside.  The program is Debian's perl (its shmget
# built-in), unmodified, under LD_PRELOAD=libxp-sysv.so.1.  Skips where
# /dev/clshm exists (a guest) or perl or the kernel's System V is missing.

here=$(cd "$(dirname "$0")" && pwd)
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }

echo "TAP version 13"
preload=
for d in "$here/../../lib" "$here/../lib" /usr/lib; do
	[ -f "$d/libxp-sysv.so.1" ] && preload=$(cd "$d" && pwd)/libxp-sysv.so.1 && break
done
if [ -e /dev/clshm ] || [ -z "$preload" ] || ! command -v perl >/dev/null; then
	echo "1..0 # SKIP needs a host without /dev/clshm, libxp-sysv.so.1 and perl"
	exit 4
fi

# where POLICY KEY: "kernel" (an id: the key reached System V), "clshm"
# (ENODEV: the key went to clshm), or the error.  The segment the
# kernel made is removed again.
where() {
	CLSHM_SYSV_KEYS=$1 LD_PRELOAD=$preload perl -e '
		my $id = shmget(oct($ARGV[0]), 4096, 01600);
		if (defined $id) { shmctl($id, 0, 0); print "kernel\n"; exit 0 }
		print $! + 0 == 19 ? "clshm\n" : "error $!\n";' "$2" 2>"$tmp/err"
}

# expect POLICY KEY WHERE
expect() {
	got=$(where "$1" "$2")
	if [ "$got" = "$3" ]; then
		ok "policy '$1': key $2 goes to $3"
	else
		sed 's/^/# /' "$tmp/err"
		not_ok "policy '$1': key $2 goes to $3 (got: $got)"
	fi
}

tmp=$(mktemp -d /tmp/sysv-policy.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
if [ "$(CLSHM_SYSV_KEYS=none where none 0x5ec0ff)" != kernel ]; then
	echo "1..0 # SKIP the kernel's System V does not work here"
	exit 4
fi
printf '0x5ec010   # one key\n\n0x5ec020-0x5ec02f, 0x5ec0a0 # more\n' > "$tmp/keys"

expect all 0x5ec001 clshm
expect all 0 clshm
expect none 0x5ec001 kernel
expect private 0 clshm
expect private 0x5ec001 kernel
expect 0x5ec000-0x5ec00f 0x5ec00f clshm
expect 0x5ec000-0x5ec00f 0x5ec010 kernel
expect 0x5ec000-0x5ec00f 0 kernel
expect "0x5ec005,private" 0x5ec005 clshm
expect "@$tmp/keys" 0x5ec010 clshm
expect "@$tmp/keys" 0x5ec02a clshm
expect "@$tmp/keys" 0x5ec0a0 clshm
expect "@$tmp/keys" 0x5ec011 kernel
expect "all,none" 0x5ec001 kernel
expect "bogus,0x5ec001" 0x5ec001 clshm
if grep -q "bad item 'bogus'" "$tmp/err"; then
	ok "a bad item is reported on stderr"
else
	not_ok "a bad item is reported on stderr"
fi

echo "1..$n"
[ $failed = 0 ]
