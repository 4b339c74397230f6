#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm/admin-guest.sh: the checks of vm/admin-test, inside the Debian 12
# guest that has clshm's packages installed (as /usr/local/sbin/pkgtest,
# run by pkgtest.service after multi-user.target).  Results go to the
# second serial port, one "ok - ..."/"not ok - ..." line each (the host
# numbers them); "# ..." lines are diagnostics.  Two boots: the first
# checks the running install and saves a limit, then reboots; the second
# checks that the limit survived, then purges the packages, checks that
# nothing is left, and powers off.  Named pkgtest, not clshm, so that the
# search for leftovers does not find the test itself.
set -u
out=/dev/ttyS1
exec 3> "$out"
state=/var/lib/pkgtest
mkdir -p "$state"
phase=$(cat "$state/phase" 2>/dev/null || echo 1)

t() {	# t DESCRIPTION COMMAND...: one result
	local d=$1; shift
	if "$@" > "$state/last" 2>&1; then
		echo "ok - $d" >&3
	else
		echo "not ok - $d" >&3
		sed 's/^/# /' "$state/last" | tail -n 15 >&3
	fi
}
diag() { echo "# $*" >&3; }
is() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }

# Wait for the service (boot under TCG is slow): at most 120 s.
for _ in $(seq 120); do
	s=$(systemctl is-active clshmd)
	[ "$s" = active ] || [ "$s" = failed ] && break
	sleep 1
done

if [ "$phase" = 1 ]; then
	diag "boot 1: $(uname -r), systemd $(systemctl --version | sed -n '1s/systemd \([0-9]*\).*/\1/p')"
	t "clshm.ko is loaded at boot" test -d /sys/module/clshm
	t "it is DKMS's build for this kernel" \
		bash -c 'modinfo -n clshm | grep -q "/updates/dkms/clshm.ko"'
	t "module version is the package version" \
		is "$(cat /sys/module/clshm/version)" "$(dpkg-query -W -f='${Version}' clshm-dkms)"
	t "clshmd.service is active without a manual step" is "$(systemctl is-active clshmd)" active
	t "clshmd.service is enabled" is "$(systemctl is-enabled clshmd)" enabled
	t "partition is up" bash -c 'clshmctl getcfg | grep -q "^state *up"'
	t "/dev/clshm/0/shm is 0660 root:clshm (udev)" \
		is "$(stat -c '%a %U:%G' /dev/clshm/0/shm)" "660 root:clshm"
	t "/dev/clshm/0/ctl is 0600 root:root (udev)" \
		is "$(stat -c '%a %U:%G' /dev/clshm/0/ctl)" "600 root:root"
	score=$(systemd-analyze security clshmd.service 2>/dev/null | tail -n 1)
	diag "systemd-analyze security: ${score#→ }"
	t "systemd-analyze security rates clshmd.service OK or better" \
		bash -c "echo '$score' | grep -Eq ' (OK|SAFE) '"
	# A member of group clshm: the examples, built against libxp-dev.
	rm -f /tmp/key
	runuser -u alice -- xp-writer -k /tmp/key > "$state/writer" 2>&1 &
	w=$!
	for _ in $(seq 100); do [ -s /tmp/key ] && break; sleep 0.1; done
	t "alice (group clshm) runs xp-reader" runuser -u alice -- xp-reader "$(cat /tmp/key)"
	wait $w
	t "alice's xp-writer gets the reply" is "$?" 0
	sed 's/^/# writer: /' "$state/writer" >&3
	# Not a member: refused, with a message that says why.
	runuser -u bob -- xp-writer > "$state/bob" 2>&1
	t "bob (not in group clshm) is refused by libxp (exit 1)" is "$?" 1
	t "... with EACCES and a hint" grep -q "Permission denied.*\|group clshm" "$state/bob"
	sed 's/^/# bob: /' "$state/bob" >&3
	runuser -u bob -- clshmctl status > "$state/bobctl" 2>&1
	t "clshmctl status as bob exits 6 (permission)" is "$?" 6
	t "... and names group clshm" grep -q "group clshm" "$state/bobctl"
	t "clshmctl maxsegs 1234 --save while started" clshmctl maxsegs 1234 --save
	t "/etc/modprobe.d/clshm.conf holds it" grep -q "^options clshm.* maxsegs=1234" /etc/modprobe.d/clshm.conf
	echo 2 > "$state/phase"
	sync
	systemctl reboot
	exit 0
fi

diag "boot 2"
t "clshm.ko is loaded again" test -d /sys/module/clshm
t "clshmd.service is active again" is "$(systemctl is-active clshmd)" active
t "the saved limit survived the reboot" \
	bash -c 'clshmctl maxsegs | grep -q "^maxsegs 1234$"'
t "systemctl stop clshmd shuts the partition down" \
	bash -c 'systemctl stop clshmd && clshmctl getcfg | grep -q "^state *down"'
t "apt-get purge of the four packages" \
	env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q clshm-tools clshm-dkms libxp1 libxp-dev
t "clshm.ko is unloaded" test ! -e /sys/module/clshm
t "/dev/clshm is gone" test ! -e /dev/clshm
t "no clshm package is left (dpkg)" bash -c '! dpkg -l | grep -E "clshm|libxp"'
t "clshmd.service is gone" bash -c '! systemctl cat clshmd.service'
t "group clshm is gone" bash -c '! getent group clshm'
t "no clshm.ko in /lib/modules and no DKMS tree" \
	bash -c '! ls /lib/modules/*/updates/dkms/clshm.ko* /var/lib/dkms/clshm /usr/src/clshm-* 2>/dev/null | grep .'
t "no file named *clshm* or *libxp* is left" \
	bash -c '! find / -xdev \( -name "*clshm*" -o -name "libxp*" -o -name "xp_shm.h" -o -name "xp.pc" \) -print | grep .'
echo finished > "$state/phase"
sync
systemctl poweroff
