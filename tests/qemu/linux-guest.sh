#!/bin/sh
# Make a small Linux guest for the live tests in DIR (made if missing):
# Debian's own kernel (the package linux-image-amd64 depends on), taken with
# 'apt-get download' and unpacked with 'dpkg-deb -x' so that nothing is
# installed into /boot, and an initramfs of busybox-static that mounts
# /proc, /sys and /dev, loads qemu_fw_cfg (so that the kernel publishes its
# VMCOREINFO note to QEMU's vmcoreinfo device) and says
# "guestcore-guest-ready" on the serial console with the address of
# entry_SYSCALL_64 (what LSTAR holds; Debian's System.map is a stub, so
# the guest's own /proc/kallsyms tells), after a line with its 'uname -v'
# and the address of linux_banner.  DIR then holds vmlinuz, initrd.gz,
# kernel-release and init-version (of this script's init: a DIR made by an
# older one is made again).  Done once: a DIR that has them is left as it is.
# ARCH arm64: Debian's arm64 kernel and busybox, fetched with apt's
# architecture options and package lists of their own in DIR (nothing is
# added to dpkg's architectures), for qemu-system-aarch64 -M virt; the
# console is ttyAMA0 and the ready line gives the address of 'vectors' (what
# VBAR_EL1 holds).
#   tests/qemu/linux-guest.sh DIR [amd64|arm64]
set -eu
dir=$1
arch=${2:-amd64}
case $arch in
amd64) init_version=3 tty=ttyS0 entry=entry_SYSCALL_64 ;;
arm64) init_version=a1 tty=ttyAMA0 entry=vectors ;;
*) echo "linux-guest.sh: unknown architecture '$arch': amd64 or arm64" >&2; exit 1 ;;
esac
[ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.gz" ] && [ -s "$dir/kernel-release" ] &&
	[ "$(cat "$dir/init-version" 2>/dev/null)" = "$init_version" ] && exit 0
mkdir -p "$dir"
work=$(mktemp -d "$dir/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
set --
if [ "$arch" != amd64 ]; then
	mkdir -p "$dir/apt-lists/partial"
	set -- -o APT::Architectures="$arch" -o APT::Architecture="$arch" -o Dir::State::Lists="$dir/apt-lists"
	timeout 600 apt-get "$@" update >"$work/apt.err" 2>&1 ||
		{ echo "linux-guest.sh: apt-get update for $arch failed: $(tail -1 "$work/apt.err")" >&2; exit 1; }
fi
pkg=$(apt-cache "$@" depends "linux-image-$arch" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || { echo "linux-guest.sh: apt knows no linux-image-$arch: run 'apt-get update'" >&2; exit 1; }
# The -unsigned package holds the same kernel as the signed one's, where
# that one is only a meta package (arm64).
[ "$arch" = amd64 ] || pkg=$pkg-unsigned
(cd "$work" && timeout 600 apt-get "$@" download "$pkg" busybox-static >/dev/null 2>"$work/apt.err") ||
	{ echo "linux-guest.sh: apt-get download $pkg busybox-static failed: $(tail -1 "$work/apt.err")" >&2; exit 1; }
dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/bb"
release=$(ls "$work/k/lib/modules")
mkdir -p "$work/ir/bin"
cp "$work/bb/bin/busybox" "$work/ir/bin/busybox"
cp "$work/k/lib/modules/$release/kernel/drivers/firmware/qemu_fw_cfg.ko" "$work/ir/"
cat >"$work/ir/init" <<INIT
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox insmod /qemu_fw_cfg.ko
echo "guestcore-guest-uname \$(/bin/busybox uname -v) banner \$(/bin/busybox grep ' linux_banner\$' /proc/kallsyms)" >/dev/$tty
# guestcore_fill=MIB on the command line (the benchmarks): that much random
# data in a file of the initramfs, so that the guest's RAM is not all zeros.
fill=\$(/bin/busybox sed -n 's/.*guestcore_fill=\\([0-9]*\\).*/\\1/p' /proc/cmdline)
[ -z "\$fill" ] || /bin/busybox dd if=/dev/urandom of=/fill bs=1M count="\$fill" 2>/dev/null
echo "guestcore-guest-ready \$(/bin/busybox grep ' $entry\$' /proc/kallsyms)" >/dev/$tty
while :; do /bin/busybox sleep 1; done
INIT
chmod +x "$work/ir/init"
# busybox makes the archive where it runs here; cpio(1) where it does not.
cpio="$work/bb/bin/busybox cpio"
[ "$arch" = amd64 ] || cpio=cpio
(cd "$work/ir" && find . | $cpio -o -H newc 2>/dev/null) | gzip -1 >"$work/initrd.gz"
cp "$work/k/boot/vmlinuz-$release" "$work/vmlinuz"
echo "$release" >"$work/kernel-release"
echo "$init_version" >"$work/init-version"
for f in vmlinuz initrd.gz kernel-release init-version; do mv "$work/$f" "$dir/$f"; done
