#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages clshm needs to build and to test in QEMU
# guests.  Idempotent: when everything is present it only checks (well
# under a second).  Installing needs root.
#
#   scripts/install-deps.sh [--check] [--deb]
#       --check: report, install nothing
#       --deb: also what "make deb" and the packaged-install test need
set -euo pipefail

# Kernel packages are the "amd64" metapackages: whatever version they pull
# in is the stock guest kernel (vm/lib.sh finds the newest).
pkgs=(
	make gcc libc6-dev binutils pkg-config	# host build
	libnl-3-dev libnl-genl-3-dev		# clshmctl rm, monitor (libnl-3)
	linux-headers-amd64			# stock kernel build tree
	linux-image-amd64			# stock guest kernel
	linux-source-6.1			# debug kernel, kselftest headers
	flex bison bc libelf-dev libssl-dev dwarves python3 xz-utils
	python3-docutils			# man pages (rst2man)
	qemu-system-x86				# guests (TCG)
	busybox-static cpio gzip kmod		# guest initramfs
	tmux					# the guest test of clshmctl top
	coreutils util-linux			# timeout, flock, unshare
	universal-ctags				# scripts/calls-down (make layers)
	sparse					# vm/build-module checks the driver
	debootstrap				# the Debian 13 chroot (6.12, newest)
)

check_only=0
for a in "$@"; do
	case $a in
	--check) check_only=1 ;;
	# make deb (debhelper, DKMS sequence, lintian) and vm/admin-test
	# (a Debian 12 image: debootstrap above, mke2fs -d).
	--deb) pkgs+=(debhelper dh-dkms dkms dpkg-dev fakeroot lintian
		      e2fsprogs) ;;
	*) echo "usage: $0 [--check] [--deb]" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	# "install ok installed" only; half-configured packages count as missing.
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done

# The metapackages may be installed while the kernel they point at is not
# complete (e.g. /boot/vmlinuz removed): check the files too.
have_kernel=0
for d in /usr/src/linux-headers-*-amd64; do
	[ -f "$d/Makefile" ] && [ -f "/boot/vmlinuz-${d#/usr/src/linux-headers-}" ] && have_kernel=1
done

if [ ${#missing[@]} -eq 0 ] && [ $have_kernel = 1 ]; then
	exit 0
fi

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: no /usr/src/linux-headers-*-amd64 with a matching /boot/vmlinuz-*;" >&2
	echo "deps: reinstall them: apt-get install --reinstall linux-image-amd64 linux-headers-amd64" >&2
	exit 1
fi

echo "deps: missing Debian packages: ${missing[*]}" >&2
if [ $check_only = 1 ]; then
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: installing packages needs root; run as root:" >&2
	echo "    apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# An empty or stale package index cannot find anything: refresh it first
# when it is older than a day or absent.
lists=/var/lib/apt/lists
if [ -z "$(find "$lists" -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	echo "deps: apt-get update" >&2
	apt-get update -q >&2
fi
echo "deps: apt-get install ${missing[*]}" >&2
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
	# A package index that is out of date names files the mirror no
	# longer has: refresh it and try once more.
	echo "deps: install failed; apt-get update and retry" >&2
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

for p in "${missing[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || { echo "deps: $p did not install" >&2; exit 1; }
done
echo "deps: all packages installed" >&2
