#!/bin/sh
# Benchmark (not a test) of the libvirt source on a running 1 GiB TCG domain
# of the suite's Linux guest, 600 MiB of its RAM random data
# (guestcore_fill=600), under libvirtd and virtlogd started as the tests
# start them (tests/qemu/libvirtlib.sh), side by side in alternating runs:
#   libvirt:   virsh dump --memory-only DOMAIN OUT; sync OUT
#              (libvirt pauses the guest for the whole dump)
#   guestcore: guestcore dump -s libvirt:DOMAIN,uri=URI --notes qemu -o OUT
#              (auto: a background snapshot, where QEMU can take one)
# Printed: the medians of the total time and of the time the guest was
# stopped, from QEMU's own STOP and RESUME events as libvirt passes them on
# (virsh qemu-monitor-event --timestamp), for each side, and their ratios.
#   sh bench/libvirt.sh [BUILDDIR] [OUTDIR]   (default _build/normal, _build/bench-libvirt)
# RUNS=N alternating runs of each side (default 3).  Needs root (libvirt's
# system instance), libvirt-daemon-system, libvirt-clients, qemu-system-x86.
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
out=$(absdir "${2:-_build/bench-libvirt}")
[ "$(id -u)" -eq 0 ] || { echo "needs root: libvirt's system instance"; exit 1; }
for p in libvirtd virtlogd virsh qemu-system-x86_64 unshare bc; do
	command -v $p >/dev/null || { echo "needs $p: sh scripts/deps.sh --test"; exit 1; }
done
top_srcdir=$(pwd)
top_builddir=$(cd "$build" && pwd)
T=$(mktemp -d "${TMPDIR:-/var/tmp}/guestcore-bench-libvirt.XXXXXX")
guest="${GUESTCORE_LINUX_GUEST:-$top_builddir/tests/linux-guest}"
sh tests/qemu/linux-guest.sh "$guest" || { echo "no Linux guest to boot"; exit 1; }
. tests/qemu/libvirtlib.sh
evpid=
trap '[ -z "$evpid" ] || kill $evpid 2>/dev/null; stop_daemons; rm -rf "$T" "$out/virsh.core" "$out/gc.core"' EXIT
daemons || { echo "libvirtd did not answer within 60 s"; exit 1; }
domain_xml gcb 1024 guestcore_fill=600 >"$T/gcb.xml"
V create "$T/gcb.xml" >/dev/null
i=0
while ! grep -q guestcore-guest-ready "$T/console.log" 2>/dev/null && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
grep -q guestcore-guest-ready "$T/console.log" || { echo "the guest did not boot within 300 s"; exit 1; }
# QEMU's STOP and RESUME events, with libvirt's timestamps (seconds).
timeout 3600 virsh -c "$URI" qemu-monitor-event gcb --loop --timestamp >"$T/events" 2>/dev/null &
evpid=$!
sleep 1
echo "domain: 1 GiB, 600 MiB of it random, running; outputs in $out ($(df -T "$out" | awk 'NR == 2 { print $2 }'))"
echo "medians of $runs alternating runs"

# timed FILE-T FILE-STOPPED CMD...: CMD's wall time and the guest's stopped
# time during it (the STOP to RESUME events that came meanwhile).
timed() {
	ft=$1 fs=$2
	shift 2
	n0=$(wc -l <"$T/events")
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	sleep 0.5 # the RESUME event reaches virsh
	[ "$(V domstate gcb)" = running ] || { echo "the domain is $(V domstate gcb) after: $*"; exit 1; }
	echo "$t1 - $t0" | bc -l >>"$ft"
	# "2026-12-04 15:24:22.242+0000: event STOP for domain ...": seconds of the day.
	tail -n +$((n0 + 1)) "$T/events" | awk '
		function t(f, a) { split(f, a, /[:+]/); return a[1] * 3600 + a[2] * 60 + a[3] }
		/event STOP/ { s = t($2) }
		/event RESUME/ && s != "" { sum += t($2) - s; s = "" }
		END { printf "%.0f\n", sum * 1000 }' >>"$fs"
}
virsh_dump() { V dump --memory-only gcb "$out/virsh.core" && sync "$out/virsh.core"; }
: >"$T/v.t"; : >"$T/v.s"; : >"$T/g.t"; : >"$T/g.s"
for i in $(seq "$runs"); do
	rm -f "$out/virsh.core" "$out/gc.core"
	sync
	timed "$T/v.t" "$T/v.s" virsh_dump
	rm -f "$out/virsh.core"
	sync
	timed "$T/g.t" "$T/g.s" "$G" dump -s "libvirt:gcb,uri=$URI" --notes qemu -o "$out/gc.core" --force
	rm -f "$out/gc.core"
done
v=$(median <"$T/v.t"); vs=$(median <"$T/v.s"); g=$(median <"$T/g.t"); gs=$(median <"$T/g.s")
echo "libvirt:   virsh dump --memory-only gcb OUT; sync OUT"
echo "guestcore: guestcore dump -s libvirt:gcb,uri=URI --notes qemu -o OUT   (fsyncs; auto mode)"
printf 'total    libvirt %6.3f s   guestcore %6.3f s   ratio %.2f\n' "$v" "$g" "$(echo "$g / $v" | bc -l)"
printf 'stopped  libvirt %6s ms  guestcore %6s ms  ratio %.3f\n' "$vs" "$gs" "$(echo "$gs / ($vs + 0.001)" | bc -l)"
