# libvirt for the tests and benchmarks, sourced after testlib.sh (T) and
# linux_guest (guest): virtlogd and libvirtd (Debian 12's monolithic 9.0)
# started as daemons in a mount namespace of their own, where /etc/libvirt,
# /run/libvirt, /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt
# are directories under $T/libvirt (their own qemu.conf, sockets, state),
# and stopped by stop_daemons; no systemd.  Gives D, URI, V (virsh on URI
# with a 120 s deadline), daemons FORMAT-LINES, stop_daemons and
# domain_xml; the guest's kernel and initrd are copied into $T for QEMU to
# read.
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
	for dom in $(V list --name 2>/dev/null); do V destroy "$dom" >/dev/null 2>&1 || true; done
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

# domain_xml NAME MIB [KERNEL-ARG...]: a TCG domain of the guest (2 vCPUs,
# ACPI and vmcoreinfo on, its console in $T/console.log).
domain_xml() {
	name=$1 mib=$2
	shift 2
	cat <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mib</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$T/vmlinuz</kernel>
    <initrd>$T/initrd.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet${*:+ $*}</cmdline>
  </os>
  <features><acpi/><vmcoreinfo state='on'/></features>
  <devices>
    <serial type='file'><source path='$T/console.log'/></serial>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}
