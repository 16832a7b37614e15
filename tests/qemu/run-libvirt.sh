#!/bin/sh
# libvirt's saved states become cores (the savefile source), with real
# libvirt: virtlogd and libvirtd (Debian 12's monolithic 9.0) started as
# daemons by this test in a mount namespace of their own, where
# /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/log/libvirt and
# /var/cache/libvirt are directories of the test (its own qemu.conf, its
# sockets, its state), and stopped at the end; no systemd.  A persistent
# TCG domain boots the suite's Debian kernel guest (ACPI and vmcoreinfo on);
# paused, 'virsh dump --memory-only' gives the reference (QEMU's ELF dump
# through libvirt), then, with libvirtd started again for each set of
# save_image_format, snapshot_image_format and dump_image_format in
# qemu.conf (raw; gzip, bzip2, xz; lzop, gzip, bzip2), the same paused guest
# (restored from the first save image each time) is written by 'virsh save',
# 'virsh managedsave', an external memory snapshot and 'virsh dump' (its
# default format: a QEMU migration stream).  Each file is converted: it
# validates, has every range of the reference byte for byte and its
# NT_PRSTATUS, QEMU CPU-state and VMCOREINFO notes field by field, and the
# core records the domain's name and the compression.
# Skipped (77), saying why, without libvirtd, virsh or qemu-system-x86_64,
# when not root (libvirt's system instance), or without mount namespaces.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
# scripts/test-all.sh runs these live tests in the normal and the sanitizer
# build and sets GUESTCORE_LIVE_ONCE for its distcheck of the same tree.
[ -z "${GUESTCORE_LIVE_ONCE:-}" ] || { echo "run by the normal and sanitizer builds already (GUESTCORE_LIVE_ONCE): skipped"; exit 77; }
for p in libvirtd virtlogd virsh qemu-system-x86_64 unshare; do
	command -v $p >/dev/null || { echo "$p not installed: skipped (apt-get install libvirt-daemon-system libvirt-clients)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "not root: libvirt's system instance needs root: skipped"; exit 77; }
unshare -m true 2>/dev/null || { echo "no mount namespaces here (unshare -m): skipped"; exit 77; }
G="$GUESTCORE"
. "$top_srcdir/tests/qemu/qemulib.sh"
linux_guest
# QEMU runs as libvirt-qemu: it must reach the kernel, the initrd and the console file.
chmod 755 "$T"
D="$T/libvirt"
mkdir -p "$D/etc" "$D/run" "$D/lib" "$D/log" "$D/cache"
cp -a /etc/libvirt/. "$D/etc/"
cp "$guest/vmlinuz" "$guest/initrd.gz" "$T/"
chmod 644 "$T/vmlinuz" "$T/initrd.gz"
URI="qemu:///system?socket=$D/run/libvirt-sock"
V() { timeout 120 virsh -q -c "$URI" "$@"; }

# A /dev/kvm that QEMU's user (libvirt-qemu) cannot open makes libvirt probe
# QEMU again on every lookup (tens of seconds a command): the test's QEMU
# then runs as root, which changes nothing of what it saves.
as_root=
if [ -e /dev/kvm ] && ! runuser -u libvirt-qemu -- sh -c 'test -r /dev/kvm && test -w /dev/kvm' 2>/dev/null; then
	echo "# /dev/kvm is not usable by libvirt-qemu: the test's QEMU runs as root"
	as_root='user = "root"
group = "root"'
fi
# daemons FORMAT-LINES: virtlogd and libvirtd with this qemu.conf, up (60 s at most).
daemons() {
	cp /etc/libvirt/qemu.conf "$D/etc/qemu.conf"
	printf '%s\n' "$@" >>"$D/etc/qemu.conf"
	[ -z "$as_root" ] || printf '%s\n' "$as_root" >>"$D/etc/qemu.conf"
	unshare -m --propagation private sh -c '
		set -e
		for d in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
			mkdir -p "${d#*:}"
			mount --bind "$1/${d%%:*}" "${d#*:}"
		done
		virtlogd --daemon --pid-file "$1/run/virtlogd.pid"
		libvirtd --daemon --pid-file "$1/run/libvirtd.pid"' sh "$D"
	k=0
	while ! V version >/dev/null 2>&1 && [ $k -lt 600 ]; do sleep 0.1; k=$((k + 1)); done
	V version >/dev/null 2>&1
}
stop_daemons() {
	V destroy gcs >/dev/null 2>&1 || true
	for p in libvirtd virtlogd; do
		[ -f "$D/run/$p.pid" ] || continue
		pid=$(cat "$D/run/$p.pid")
		kill "$pid" 2>/dev/null || true
		k=0
		while kill -0 "$pid" 2>/dev/null && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$D/run/$p.pid"
	done
}
trap 'stop_daemons; rm -rf "$T"' EXIT

cat >"$T/gcs.xml" <<XML
<domain type='qemu'>
  <name>gcs</name>
  <memory unit='MiB'>256</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$T/vmlinuz</kernel>
    <initrd>$T/initrd.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <features><acpi/><vmcoreinfo state='on'/></features>
  <devices>
    <serial type='file'><source path='$T/console.log'/></serial>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
XML

t0=$(date +%s)
daemons && ok "virtlogd and libvirtd started in the test's own directories ($(($(date +%s) - t0)) s)" ||
	{ not_ok "libvirtd did not answer within 60 s"; tail -5 "$D/log/libvirtd.log" 2>/dev/null; finish; exit 1; }
V define "$T/gcs.xml" >/dev/null && V start gcs >/dev/null && ok "the domain is defined and started" ||
	{ not_ok "the domain did not start"; finish; exit 1; }
i=0
while ! grep -q guestcore-guest-ready "$T/console.log" 2>/dev/null && [ $i -lt 1800 ]; do sleep 0.1; i=$((i + 1)); done
grep -q guestcore-guest-ready "$T/console.log" && ok "the guest booted ($((i / 10)) s)" ||
	{ not_ok "the guest did not boot within 180 s"; finish; exit 1; }
V suspend gcs >/dev/null
V dump --memory-only gcs "$T/ref.core" >/dev/null && ok "virsh dump --memory-only of the paused domain" ||
	not_ok "virsh dump --memory-only"
V save gcs "$T/first.save" >/dev/null && ok "virsh save of the paused domain (raw)" || not_ok "virsh save"

cpu_notes "$T/ref.core" >"$T/ref.core.notes"
[ "$(grep -c '^CORE' "$T/ref.core.notes")" -eq 2 ] && grep -q '^VMCOREINFO' "$T/ref.core.notes" &&
	ok "libvirt's memory-only dump has 2 NT_PRSTATUS and VMCOREINFO" || not_ok "the reference's notes: $(head -3 "$T/ref.core.notes")"
# converted FILE WHAT COMPRESSION: FILE becomes a core equal to the reference.
converted() {
	run $G convert "$1" --notes qemu -o "$T/c.core" --force
	expect_rc 0 "$2 ($3) converted"
	same_core "$T/c.core" "$T/ref.core" "$2 ($3)"
	src=$($G inspect "$T/c.core" | sed -n 's/^ *source *"\(.*\)"$/\1/p')
	case $2 in
	"virsh dump") want="QEMU migration stream" ;;
	*) want="domain gcs, was paused, $3," ;;
	esac
	expect_in "$src" "$want" "$2 ($3): the core says what it came from"
	[ "$3" = raw ] || expect_in "$src" "$3" "$2 ($3): the compression is recorded"
	rm -f "$T/c.core" "$1"
}
restore() { V restore "$T/first.save" --paused >/dev/null; }
converted_set() { # SAVE SNAPSHOT DUMP: the formats libvirtd was started with
	restore && V save gcs "$T/s.save" >/dev/null && ok "virsh save ($1)" || not_ok "virsh save ($1)"
	V restore "$T/s.save" --paused >/dev/null && ok "libvirt restores its own $1 image" || not_ok "virsh restore ($1)"
	converted "$T/s.save" "virsh save" "$1"
	V managedsave gcs >/dev/null && cp "$D/lib/qemu/save/gcs.save" "$T/m.save" && ok "virsh managedsave ($1)" ||
		not_ok "virsh managedsave ($1)"
	converted "$T/m.save" "virsh managedsave" "$1"
	V start gcs --paused >/dev/null || not_ok "virsh start --paused after managedsave"
	V snapshot-create-as gcs "s$2" --memspec "file=$T/snap.mem,snapshot=external" --no-metadata >/dev/null &&
		ok "an external memory snapshot ($2)" || not_ok "snapshot-create-as ($2)"
	converted "$T/snap.mem" "a memory snapshot" "$2"
	V destroy gcs >/dev/null
	restore && V dump gcs "$T/d.dump" >/dev/null && ok "virsh dump ($3)" || not_ok "virsh dump ($3)"
	converted "$T/d.dump" "virsh dump" "$3"
	V destroy gcs >/dev/null
}
converted_set raw raw raw
for set in "gzip bzip2 xz" "lzop gzip bzip2"; do
	# shellcheck disable=SC2086
	set -- $set
	if [ "$1" = lzop ] && ! command -v lzop >/dev/null; then
		echo "# lzop not installed: libvirt cannot write lzop images, that set is skipped"
		continue
	fi
	stop_daemons
	daemons "save_image_format = \"$1\"" "snapshot_image_format = \"$2\"" "dump_image_format = \"$3\"" &&
		ok "libvirtd started again with save $1, snapshot $2, dump $3" || { not_ok "libvirtd did not start again"; continue; }
	converted_set "$1" "$2" "$3"
done
converted "$T/first.save" "virsh save" raw
stop_daemons
[ -z "$(pgrep -f "$D/run/libvirtd.pid" || true)" ] && ok "the daemons are stopped" || not_ok "a daemon is left"
finish
