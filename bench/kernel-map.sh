#!/bin/sh
# Benchmark (not a test) of the kernel's virtual addresses in ELF cores:
# a core of a Linux guest whose VMCOREINFO gives its kallsyms (Linux 6.0 and
# later; for example QEMU's own dump of the suite's guest, or of any guest
# started with -device vmcoreinfo) converted with the addresses
# (--vaddr=kernel, the default: the image's bounds and x86_64's
# page_offset_base read through kallsyms after the pass) and without them
# (--vaddr=paddr), runs alternating.  Target: the medians at most 2 % apart.
#   sh bench/kernel-map.sh CORE [BUILDDIR] [OUTDIR]
#      (defaults _build/normal, /dev/shm/guestcore-bench-kmap)
# RUNS=N runs of each side (default 7).
set -eu
cd "$(dirname "$0")/.."
[ $# -ge 1 ] && [ -r "$1" ] || { echo "usage: sh bench/kernel-map.sh CORE [BUILDDIR] [OUTDIR]"; exit 2; }
core=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. bench/common.sh
bench_init "${2:-}" 7
out=$(absdir "${3:-/dev/shm/guestcore-bench-kmap}")
trap 'rm -f "$out/kmap.core" "$out/on.times" "$out/off.times" "$out/kmap.log"' EXIT
"$G" -v convert "$core" -o "$out/kmap.core" --force 2>"$out/kmap.log" ||
	{ echo "$core: guestcore cannot convert it:"; tail -3 "$out/kmap.log"; exit 1; }
grep -q "direct map" "$out/kmap.log" ||
	{ echo "$core: guestcore finds no direct map in it: give a core of a Linux 6 guest"; tail -3 "$out/kmap.log"; exit 1; }
sed -n 's/^guestcore: //p' "$out/kmap.log" | grep "mapping\|direct map"
echo "$core ($(du -h "$core" | cut -f1)), outputs in $out ($(df -T "$out" | awk 'NR == 2 { print $2 }')), $runs runs each"
cat "$core" >/dev/null
: >"$out/on.times"
: >"$out/off.times"
for i in $(seq "$runs"); do
	# the side that goes first alternates
	sides="off on"
	[ $((i % 2)) -eq 0 ] && sides="on off"
	for side in $sides; do
		v=kernel
		[ $side = off ] && v=paddr
		rm -f "$out/kmap.core"
		sync
		timed "$out/$side.times" "$G" convert "$core" -o "$out/kmap.core" --vaddr=$v
	done
	printf '  run %d: --vaddr=paddr %.3f s, --vaddr=kernel %.3f s\n' "$i" "$(tail -1 "$out/off.times")" \
		"$(tail -1 "$out/on.times")"
done
on=$(median <"$out/on.times")
off=$(median <"$out/off.times")
ratio=$(echo "$on / $off" | bc -l)
printf 'convert --vaddr=paddr %.3f s, --vaddr=kernel %.3f s: %.3fx (target <= 1.02x)\n' "$off" "$on" "$ratio"
[ "$(echo "$ratio <= 1.02" | bc -l)" = 1 ] && echo "target met" || echo "target missed"
