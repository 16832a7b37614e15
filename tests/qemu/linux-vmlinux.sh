#!/bin/sh
# The debug vmlinux of the suite's Linux guest (made by linux-guest.sh in
# DIR): Debian's linux-image-RELEASE-dbg package, taken with 'apt-get
# download' (about 860 MB) and only its vmlinux unpacked into DIR/vmlinux
# (about 630 MB); the package is not kept and nothing is installed.  Done
# once: a DIR that has it is left as it is.  Fails with one line on
# stderr when the package cannot be had (no apt, no network, or no answer
# within 10 minutes).  What a killed run left behind is removed first.
#   tests/qemu/linux-vmlinux.sh DIR
set -eu
dir=$1
[ -s "$dir/vmlinux" ] && exit 0
release=$(cat "$dir/kernel-release")
rm -rf "$dir"/.dbg.*
work=$(cd "$(mktemp -d "$dir/.dbg.XXXXXX")" && pwd)
trap 'rm -rf "$work"' EXIT
(cd "$work" && timeout 600 apt-get download "linux-image-$release-dbg" >/dev/null 2>"$work/apt.err") ||
	{ echo "linux-vmlinux.sh: apt-get download linux-image-$release-dbg failed: $(tail -1 "$work/apt.err")" >&2; exit 1; }
# vmlinux is the package's first file: tar stops there
dpkg-deb --fsys-tarfile "$work"/linux-image-*-dbg_*.deb 2>/dev/null |
	tar -x -C "$work" --occurrence=1 "./usr/lib/debug/boot/vmlinux-$release" 2>/dev/null || true
[ -s "$work/usr/lib/debug/boot/vmlinux-$release" ] ||
	{ echo "linux-vmlinux.sh: no usr/lib/debug/boot/vmlinux-$release in linux-image-$release-dbg" >&2; exit 1; }
mv "$work/usr/lib/debug/boot/vmlinux-$release" "$dir/vmlinux"
