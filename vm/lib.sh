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

# kernel_paths FLAVOUR: sets KIMAGE (bootable image) and KDIR (build tree
# for out-of-tree modules) for "stock" or "debug".
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
		die "unknown kernel '$1' (stock or debug)"
		;;
	esac
}
