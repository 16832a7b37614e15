#!/bin/sh
# Install the Debian 12 packages guestcore needs to build and test, only those
# that are missing.  Runs apt-get as root (or through sudo when available).
#   scripts/deps.sh          build dependencies
#   scripts/deps.sh --test   build and test dependencies
set -eu

PKGS="build-essential autoconf automake libtool pkg-config libelf-dev libxml2-dev \
libxml2-utils libcunit1-dev libjson-c-dev libxxhash-dev elfutils binutils \
zlib1g-dev libdeflate-dev libzstd-dev liblzo2-dev libsnappy-dev liblzma-dev libbz2-dev libvirt-dev"
if [ "${1:-}" = "--test" ]; then
	PKGS="$PKGS abigail-tools valgrind clang libclang-rt-14-dev qemu-system-x86 socat groff-base makedumpfile strace python3 time python3-libkdumpfile python3-drgn gdb \
libvirt-daemon-system libvirt-clients libtirpc-dev lzop bzip2 xz-utils zstd gzip qemu-system-arm cpio gdb-multiarch"
elif [ "${1:-}" = "--bench" ]; then
	PKGS="$PKGS time bc python3 qemu-system-x86 qemu-system-arm cpio zstd"
fi

missing=
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null; then
	SUDO=sudo
else
	echo "deps.sh: missing packages:$missing; run this script as root to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
