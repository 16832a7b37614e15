#!/bin/sh
# Benchmark (not a test) of the VMCOREINFO search: a 1 GiB guest image
# (in each run of four pages one random, one text-like, two zero; a Linux
# kernel's VMCOREINFO text, its note and utsname planted by
# tests/data/make-vmci-guest.py) dumped with the search (--vmcoreinfo=auto,
# the default, which finds the text) and without it (--vmcoreinfo=none),
# as an ELF core and as a kdump file, runs alternating.
# Target: the medians at most 2 % apart.
#   sh bench/vmcoreinfo.sh [BUILDDIR] [OUTDIR] [IMAGEDIR]
#      (defaults _build/normal, _build/bench, /dev/shm/guestcore-bench-img)
# RUNS=N runs of each side (default 5).
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 5
out=$(absdir "${2:-_build/bench}")
img=$(absdir "${3:-/dev/shm/guestcore-bench-img}")
command -v python3 >/dev/null || { echo "needs python3"; exit 1; }
trap 'rm -f "$out/vmci.core"' EXIT
guest="$img/vmci-1g.img"
if [ ! -f "$guest" ] || [ "$(stat -c %s "$guest")" -ne 1073741824 ]; then
	echo "making $guest: 1 GiB, a kernel's VMCOREINFO planted"
	rm -f "$guest"
	fill_mixed "$guest" 1024
	# the kernel's pages of a small planted image, at the same addresses
	python3 tests/data/make-vmci-guest.py "$out/vmci-small.img" 32 kernel:200000:6.1.0-bench
	python3 - "$out/vmci-small.img" "$guest" <<'PY'
import sys
src, dst = open(sys.argv[1], "rb"), open(sys.argv[2], "r+b")
for at, n in ((0x200000, 0x2000), (0x1000000, 0x1000)):
    src.seek(at); dst.seek(at); dst.write(src.read(n))
PY
	rm -f "$out/vmci-small.img" "$out/vmci-small.img.6.1.0-bench.vmci"
fi
echo "$guest, outputs in $out ($(df -T "$out" | awk 'NR == 2 { print $2 }')), $runs runs each"
cat "$guest" >/dev/null

for fmt in elf kdump; do
	: >"$out/vmci-on.$fmt"
	: >"$out/vmci-off.$fmt"
	for i in $(seq "$runs"); do
		# the side that goes first alternates too
		sides="off on"
		[ $((i % 2)) -eq 0 ] && sides="on off"
		for side in $sides; do
			w=auto
			[ $side = off ] && w=none
			rm -f "$out/vmci.core"
			sync
			timed "$out/vmci-$side.$fmt" "$G" dump -s "raw:$guest" --format $fmt --vmcoreinfo=$w -o "$out/vmci.core" \
				>/dev/null 2>"$out/vmci.err"
		done
		printf '  %s run %d: search off %.3f s, on %.3f s\n' $fmt "$i" "$(tail -1 "$out/vmci-off.$fmt")" \
			"$(tail -1 "$out/vmci-on.$fmt")"
	done
	"$G" dump -s "raw:$guest" --format $fmt -f -o "$out/vmci.core" >/dev/null 2>&1
	"$G" inspect "$out/vmci.core" | grep -q "OSRELEASE=6.1.0-bench" ||
		{ echo "$fmt: the search did not find the planted text"; exit 1; }
done
echo
ok=true
for fmt in elf kdump; do
	off=$(median <"$out/vmci-off.$fmt")
	on=$(median <"$out/vmci-on.$fmt")
	ratio=$(echo "$on / $off" | bc -l)
	printf '%-6s search off %.3f s, on %.3f s: %.3fx (target <= 1.02x)\n' $fmt "$off" "$on" "$ratio"
	[ "$(echo "$ratio <= 1.02" | bc -l)" = 1 ] || ok=false
done
$ok && echo "target met" || echo "target missed"
