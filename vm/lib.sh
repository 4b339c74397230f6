# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the VM harness (sourced by vm/* scripts, bash only).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$VM_DIR/.." && pwd)
BUILD=$TOP/build
CACHE=${CLSHM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/clshm}

# Bump when vm/build-kernel changes how the debug kernel is built, so the
# cached tree is rebuilt.
KBUILD_RECIPE=1

die() { echo "${0##*/}: $*" >&2; exit 1; }
note() { echo "${0##*/}: $*" >&2; }

# The stock kernel: the newest Debian amd64 headers in /usr/src that have a
# matching /boot/vmlinuz.  Prints the version (e.g. 6.1.0-56-amd64).
stock_kver() {
	local d v best=
	for d in /usr/src/linux-headers-*-amd64; do
		[ -f "$d/Makefile" ] || continue
		v=${d#/usr/src/linux-headers-}
		[ -f "/boot/vmlinuz-$v" ] || continue
		best+="$v"$'\n'
	done
	best=$(printf '%s' "$best" | sort -V | tail -n 1)
	[ -n "$best" ] || die "no /usr/src/linux-headers-*-amd64 with a matching /boot/vmlinuz-*; run 'make deps'"
	echo "$best"
}

# The Debian kernel source tarball for the debug kernel.
kernel_source_tarball() {
	local t
	t=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$t" ] || die "no /usr/src/linux-source-*.tar.xz; run 'make deps'"
	echo "$t"
}

# Version of the Debian package that shipped the tarball.
kernel_source_version() {
	local t pkg
	t=$(kernel_source_tarball)
	pkg=$(basename "$t" .tar.xz)
	dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || stat -c %Y "$t"
}

# Cache directory of the debug kernel tree for the current fragment and
# source package.
debug_kernel_dir() {
	local h
	h=$( { echo "recipe $KBUILD_RECIPE"; kernel_source_tarball;
	       kernel_source_version; echo; cat "$VM_DIR/debug.config"; } |
	     sha256sum | cut -c1-16)
	echo "$CACHE/kernel-$h"
}

# kernel_paths NAME: sets KIMAGE (bootable image) and KDIR (build tree for
# out-of-tree modules) for "stock", "debug" or a CHROOT_KERNELS name (whose
# KDIR is inside the chroot: build there with in_chroot).
kernel_paths() {
	case $1 in
	stock)
		local v
		v=$(stock_kver)
		KIMAGE=/boot/vmlinuz-$v
		KDIR=/usr/src/linux-headers-$v
		;;
	debug)
		KDIR=$(debug_kernel_dir)
		KIMAGE=$KDIR/arch/x86/boot/bzImage
		;;
	*)
		is_chroot_kernel "$1" || die "unknown kernel '$1' ($(all_kernels | sed 's/ /, /g'))"
		local r v
		r=$(chroot_dir)
		v=$(chroot_kver "$1")
		KDIR=$r/usr/src/linux-headers-$v
		KIMAGE=$r/images/$v/vmlinuz
		;;
	esac
}

# --- The Debian 13 kernels (vm/build-chroot) ---------------------------------
#
# Guest kernels newer than Debian 12's come from Debian 13 (trixie) and its
# backports.  Their kbuild tools need Debian 13's glibc, so their headers
# live in a debootstrap chroot in $CACHE, where vm/build-module runs make.
# One line per kernel: NAME|APT_RELEASE.  The kernel is the one Debian's
# linux-headers-amd64 metapackage points at in that release ("" = the
# default candidate: trixie with its security updates); vm/build-chroot
# follows it as it moves.  To test another kernel, add a line (and, for a
# suite not listed in chroot_sources below, a sources line there).
CHROOT_KERNELS=(
	"6.12|"
	"newest|trixie-backports"
)
# Bump when vm/build-chroot changes how the chroot is made.
CHROOT_RECIPE=1
DEBIAN_MIRROR=${CLSHM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY=${CLSHM_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}

chroot_sources() {
	cat <<-EOS
	deb $DEBIAN_MIRROR trixie main
	deb $DEBIAN_MIRROR trixie-updates main
	deb $DEBIAN_SECURITY trixie-security main
	deb $DEBIAN_MIRROR trixie-backports main
	EOS
}

# The chroot's directory, keyed by the recipe and its package sources.
chroot_dir() {
	local h
	h=$( { echo "recipe $CHROOT_RECIPE"; chroot_sources; } | sha256sum | cut -c1-16)
	echo "$CACHE/trixie-$h"
}

# is_chroot_kernel NAME: true for a kernel of CHROOT_KERNELS.
is_chroot_kernel() {
	local l
	for l in "${CHROOT_KERNELS[@]}"; do
		[ "${l%%|*}" = "$1" ] && return 0
	done
	return 1
}

# All the kernel names vm/run and make check know.
all_kernels() {
	local l names="stock debug"
	for l in "${CHROOT_KERNELS[@]}"; do names+=" ${l%%|*}"; done
	echo "$names"
}

# chroot_kver NAME: the version (e.g. 6.12.117+deb13-amd64) vm/build-chroot
# resolved for NAME, from the chroot's "kernels" file.
chroot_kver() {
	local f v
	f=$(chroot_dir)/kernels
	[ -f "$f" ] || die "no Debian 13 chroot (vm/build-chroot, or make vm-build VM_KERNELS=$1)"
	v=$(awk -v n="$1" '$1 == n { print $2 }' "$f")
	[ -n "$v" ] || die "the chroot has no kernel '$1' (run vm/build-chroot)"
	echo "$v"
}

# in_chroot DIR COMMAND...: run COMMAND in the chroot DIR, in a private
# mount namespace (nothing to unmount afterwards) with /proc, /dev and the
# source tree (at its own path, so build/mod-<kernel>'s symlinks resolve).
in_chroot() {
	local r=$1; shift
	unshare -m --propagation private -- /bin/bash -c '
		set -e
		r=$1 top=$2; shift 2
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mkdir -p "$r$top"
		mount --bind "$top" "$r$top"
		cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' in_chroot "$r" "$TOP" "$@"
}
