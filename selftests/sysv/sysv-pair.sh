#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysv-pair.sh - unmodified Debian programs share System V memory across
# two partitions through libxp-sysv.so.1 (TAP; run.sh --part sysv)
#
# The programs are Debian's own binaries, unchanged: perl (perl-base; its
# shmget, shmread and shmwrite built-ins are System V calls) and
# util-linux's ipcmk and ipcrm.  Both guests preload libxp-sysv.so.1 with
# CLSHM_SYSV_OWNER=0 (partition 0 owns the keys).
#
#   guest 0: perl creates key 0x5ec100 (keys from a file:
#            CLSHM_SYSV_KEYS=@FILE), writes a message, waits for guest 1's
#            answer in the same segment; then ipcrm -M removes it
#   guest 1: perl waits for the key, reads the message, writes the answer;
#            ipcmk -M makes a segment (every key: CLSHM_SYSV_KEYS=all) that
#            partition 0 owns, ipcrm -m removes it
#
# Neither segment may show in the kernel's own table (/proc/sysvipc/shm).

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
g=${CLSHM_GUEST:?run by run.sh --part sysv in a vm/run --guests 2 guest}
KEY=0x5ec100
KEY_DEC=6209792

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
# check NAME COMMAND...: ok if it exits 0, its output as comments.
check() {
	name=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | sed '/^$/d; s/^/# /'
	if [ $rc = 0 ]; then ok "$name"; else not_ok "$name # exit $rc"; fi
}

echo "TAP version 13"
for f in /usr/bin/perl /usr/bin/ipcmk /usr/bin/ipcrm /usr/lib/libxp-sysv.so.1; do
	if [ ! -e "$f" ]; then
		echo "1..0 # SKIP $f is not in this guest"
		exit 4
	fi
done

LD_PRELOAD=/usr/lib/libxp-sysv.so.1
CLSHM_SYSV_OWNER=0
keys=/tmp/sysv-pair.keys
echo "$KEY-0x5ec1ff   # sysv-pair.sh's keys" > $keys
export LD_PRELOAD CLSHM_SYSV_OWNER

in_kernel_table() {	# in_kernel_table KEY_DECIMAL
	awk -v k="$1" '$1 == k { f = 1 } END { exit !f }' /proc/sysvipc/shm
}

if [ "$g" = 0 ]; then
	check "sysv-pair perl: create $KEY, write, read partition 1's answer" \
	env CLSHM_SYSV_KEYS=@$keys perl -e '
		my $id = shmget(0x5ec100, 4096, 01600) // die "shmget: $!\n";
		shmwrite($id, "hello from partition 0", 0, 64)
			or die "shmwrite: $!\n";
		for (1 .. 1500) {
			my $b;
			shmread($id, $b, 64, 64) or die "shmread: $!\n";
			$b =~ s/\0+$//;
			if ($b eq "hello from partition 1") {
				print "answer: $b\n";
				exit 0;
			}
			select(undef, undef, undef, 0.2);
		}
		die "no answer from partition 1\n";'
	if in_kernel_table $KEY_DEC; then
		not_ok "sysv-pair $KEY is not in the kernel's System V table"
	else
		ok "sysv-pair $KEY is not in the kernel's System V table"
	fi
	check "sysv-pair ipcrm -M $KEY" env CLSHM_SYSV_KEYS=@$keys ipcrm -M $KEY
	check "sysv-pair $KEY is gone" env CLSHM_SYSV_KEYS=@$keys perl -e '
		defined(shmget(0x5ec100, 0, 0600)) and die "still there\n";
		$! + 0 == 2 or die "shmget: $! (not ENOENT)\n";'
else
	check "sysv-pair perl: find $KEY of partition 0, read, answer" \
	env CLSHM_SYSV_KEYS=@$keys perl -e '
		my $id;
		for (1 .. 1500) {
			$id = shmget(0x5ec100, 0, 0600);
			last if defined $id;
			select(undef, undef, undef, 0.2);
		}
		defined $id or die "no segment $!\n";
		for (1 .. 1500) {
			my $b;
			shmread($id, $b, 0, 64) or die "shmread: $!\n";
			$b =~ s/\0+$//;
			if ($b eq "hello from partition 0") {
				shmwrite($id, "hello from partition 1", 64, 64)
					or die "shmwrite: $!\n";
				print "read: $b\n";
				exit 0;
			}
			select(undef, undef, undef, 0.2);
		}
		die "no message from partition 0\n";'
	out=$(CLSHM_SYSV_KEYS=all ipcmk -M 8192 2>&1)
	echo "$out" | sed 's/^/# ipcmk: /'
	id=$(echo "$out" | sed -n 's/^Shared memory id: *//p')
	if [ -n "$id" ]; then
		ok "sysv-pair ipcmk -M 8192 (partition 0 owns it)"
		check "sysv-pair ipcrm -m $id" env CLSHM_SYSV_KEYS=all ipcrm -m "$id"
	else
		not_ok "sysv-pair ipcmk -M 8192"
	fi
fi

echo "1..$n"
[ $failed = 0 ]
