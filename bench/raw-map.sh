#!/bin/sh
# Benchmark (not a test): the raw source streams its map file.  For 1 M and
# 10 M ranges (4 KiB each, 4 KiB apart, every other one MMIO, backed by a
# sparse image), the raw source reading the map against the test source
# (built by 'make check') computing the same ranges, side by side in
# alternating runs: time and peak RSS of each, and the ratio.  Target: the
# raw source's RSS that of one range (under 32 MiB whatever the map's size),
# its time within a small factor of the test source's.
#   sh bench/raw-map.sh [BUILDDIR] [OUTDIR] [IMAGEDIR]
#      (defaults _build/normal, _build/bench, /dev/shm/guestcore-bench-map)
# RUNS=N runs of each (default 3); medians are compared.
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
out=$(absdir "${2:-_build/bench}")
img=$(absdir "${3:-/dev/shm/guestcore-bench-map}")
command -v python3 >/dev/null || { echo "needs python3 (to write the maps)"; exit 1; }
bench_test_source "$build" "$img"
trap 'rm -rf "$img" "$out/map.core"' EXIT

for n in 1000000 10000000; do
	python3 - "$img/$n.map" "$n" <<'PY'
import sys
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.writelines("0x%x 0x1000 %s\n" % (i * 0x2000, "mmio" if i % 2 else "ram") for i in range(n))
PY
	truncate -s $((n * 8192)) "$img/$n.img"
	: >"$out/raw.times"; : >"$out/raw.rss"; : >"$out/test.times"; : >"$out/test.rss"
	for i in $(seq "$runs"); do
		for who in test raw; do
			rm -f "$out/map.core"
			if [ $who = raw ]; then
				spec="raw:$img/$n.img,map=$img/$n.map"
			else
				spec="test:ranges=$n,size=0x1000,gap=0x1000,mmio=2,file=$img/$n.img"
			fi
			t0=$(now)
			/usr/bin/time -f %M -o "$out/rss" "$G" -P "$img/plugins" dump -s "$spec" -o "$out/map.core" >/dev/null
			t1=$(now)
			echo "$t1 - $t0" | bc -l >>"$out/$who.times"
			cat "$out/rss" >>"$out/$who.rss"
		done
		printf '  %d ranges, run %d: test source %.3f s, raw source %.3f s\n' "$n" "$i" \
			"$(tail -1 "$out/test.times")" "$(tail -1 "$out/raw.times")"
	done
	rm -f "$out/map.core"
	t=$(median <"$out/test.times")
	r=$(median <"$out/raw.times")
	echo "commands: guestcore -P DIR dump -s test:ranges=$n,size=0x1000,gap=0x1000,mmio=2,file=IMG -o OUT"
	echo "          guestcore -P DIR dump -s raw:IMG,map=MAP -o OUT   (MAP: $(stat -c %s "$img/$n.map") bytes)"
	printf '%d ranges: test source %.3f s, %d KiB; raw source %.3f s, %d KiB (median of %d); raw/test %.2f\n' \
		"$n" "$t" "$(sort -n "$out/test.rss" | tail -1)" "$r" "$(sort -n "$out/raw.rss" | tail -1)" "$runs" \
		"$(echo "$r / $t" | bc -l)"
	rm -f "$img/$n.map" "$img/$n.img"
done
