#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysv-pair-end.sh - the end of run.sh --part sysv: partition 0 stays up
# until partition 1 has used its segments (TAP)
#
# Guest 1 creates key 0x5ec1fe (owned by partition 0) through the preload;
# guest 0 waits for it (up to 10 minutes) and removes it.

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
g=${CLSHM_GUEST:?run by run.sh --part sysv}
LD_PRELOAD=/usr/lib/libxp-sysv.so.1
CLSHM_SYSV_KEYS=0x5ec1fe
CLSHM_SYSV_OWNER=0
export LD_PRELOAD CLSHM_SYSV_KEYS CLSHM_SYSV_OWNER

echo "TAP version 13"
echo "1..1"
if [ "$g" = 0 ]; then
	if out=$(perl -e '
		for (1 .. 3000) {
			my $id = shmget(0x5ec1fe, 0, 0600);
			if (defined $id) { shmctl($id, 0, 0) or die "rmid: $!\n"; exit 0 }
			select(undef, undef, undef, 0.2);
		}
		die "partition 1 never said it was done\n";' 2>&1); then
		echo "ok 1 sysv-pair-end: partition 1 is done"
	else
		echo "# $out"
		echo "not ok 1 sysv-pair-end: partition 1 is done"
		exit 1
	fi
elif out=$(perl -e 'defined(shmget(0x5ec1fe, 4096, 01600)) or die "shmget: $!\n"' 2>&1); then
	echo "ok 1 sysv-pair-end: told partition 0 that we are done"
else
	echo "# $out"
	echo "not ok 1 sysv-pair-end: told partition 0 that we are done"
	exit 1
fi
