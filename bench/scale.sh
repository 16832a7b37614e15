#!/bin/sh
# Benchmark (not a test): the writer's cost follows the data, not the guest's
# size or its number of ranges.  Each case against a baseline run in the same
# invocation: 'cat' of the data the guest holds (64 MiB of random data), so
# the ratio shows what the rest costs.
#   1. a 1 TiB sparse guest (raw image on tmpfs) holding 64 MiB of data in 64
#      pieces.  Targets: under 5 s, peak RSS under 32 MiB.
#   2. a guest of 1 000 000 ranges (4 KiB each, 4 KiB apart, backed by a
#      sparse file: the test source, built by 'make check'), 65 534 ranges
#      past what e_phnum holds, so PN_XNUM applies.  Targets: under 10 s,
#      peak RSS under 32 MiB.
#   3. the same 64 MiB of data in a 16 GiB sparse guest, written as a
#      kdump-compressed file (--format kdump): the pages in the source's
#      holes are zero pages that are never read, so the time follows the
#      data (each zero page still costs its 24-byte descriptor).  Printed
#      with its size on disk; no target.
#   sh bench/scale.sh [BUILDDIR] [OUTDIR] [IMAGEDIR]
#      (defaults _build/normal, _build/bench, /dev/shm/guestcore-bench-scale)
# RUNS=N runs of each (default 3), alternating; medians are compared.
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
out=$(absdir "${2:-_build/bench}")
img=$(absdir "${3:-/dev/shm/guestcore-bench-scale}")
bench_test_source "$build" "$img"
trap 'rm -rf "$img" "$out/scale.core" "$out/base.out"' EXIT

# sparse_image FILE SIZE STRIDE: a sparse FILE of SIZE holding the 64 MiB of
# data in 64 pieces of 1 MiB, one every STRIDE MiB (from 7 MiB on).
sparse_image() {
	rm -f "$1"
	truncate -s "$2" "$1"
	for k in $(seq 0 63); do
		dd if="$img/data" of="$1" bs=1M skip=$k count=1 seek=$((k * $3 + 7)) conv=notrunc status=none
	done
}
head -c 67108864 /dev/urandom >"$img/data"
sparse_image "$img/tib.img" 1T 16384
sparse_image "$img/sparse16.img" 16G 256
truncate -s $((1000000 * 8192)) "$img/holes.img"

: >"$out/cat.times"
: >"$out/tib.times"
: >"$out/tib.rss"
: >"$out/map.times"
: >"$out/map.rss"
: >"$out/kd.times"
: >"$out/kd.rss"
for i in $(seq "$runs"); do
	rm -f "$out/base.out" "$out/scale.core"
	t0=$(now); cat "$img/data" >"$out/base.out"; sync "$out/base.out"; t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$out/cat.times"
	rm -f "$out/base.out"
	t0=$(now)
	/usr/bin/time -f %M -o "$out/rss" "$G" dump -s "raw:$img/tib.img" -o "$out/scale.core" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$out/tib.times"
	cat "$out/rss" >>"$out/tib.rss"
	tib_du=$(du -k "$out/scale.core" | cut -f1)
	rm -f "$out/scale.core"
	t0=$(now)
	/usr/bin/time -f %M -o "$out/rss" "$G" -P "$img/plugins" dump \
		-s "test:ranges=1000000,size=0x1000,gap=0x1000,file=$img/holes.img" -o "$out/scale.core" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$out/map.times"
	cat "$out/rss" >>"$out/map.rss"
	map_phnum=$("$G" inspect "$out/scale.core" 2>/dev/null | head -2 | sed -n "s/^ *\([0-9]*\) program headers.*/\1/p")
	rm -f "$out/scale.core"
	t0=$(now)
	/usr/bin/time -f %M -o "$out/rss" "$G" dump -s "raw:$img/sparse16.img" --format kdump -o "$out/scale.core" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$out/kd.times"
	cat "$out/rss" >>"$out/kd.rss"
	kd_du=$(du -k "$out/scale.core" | cut -f1)
	rm -f "$out/scale.core"
	printf '  run %d: cat %.3f s, 1 TiB sparse %.3f s, 1 000 000 ranges %.3f s, 16 GiB sparse kdump %.3f s\n' "$i" \
		"$(tail -1 "$out/cat.times")" "$(tail -1 "$out/tib.times")" "$(tail -1 "$out/map.times")" \
		"$(tail -1 "$out/kd.times")"
done
c=$(median <"$out/cat.times")
t=$(median <"$out/tib.times")
m=$(median <"$out/map.times")
k=$(median <"$out/kd.times")
echo "commands: cat DATA > OUT; guestcore dump -s raw:$img/tib.img -o OUT;"
echo "          guestcore -P DIR dump -s test:ranges=1000000,size=0x1000,gap=0x1000,file=$img/holes.img -o OUT"
echo "          guestcore dump -s raw:$img/sparse16.img --format kdump -o OUT"
printf 'cat of the 64 MiB of data (median of %d):        %.3f s\n' "$runs" "$c"
printf '1 TiB sparse guest, 64 MiB of data (median):    %.3f s, ratio to cat %.2f (target < 5 s), %d KiB on disk\n' \
	"$t" "$(echo "$t / $c" | bc -l)" "$tib_du"
printf '  peak RSS:                                     %d KiB (target < 32768)\n' "$(sort -n "$out/tib.rss" | tail -1)"
printf '1 000 000 ranges (median):                      %.3f s (target < 10 s)%s\n' "$m" \
	"${map_phnum:+, $map_phnum program headers}"
printf '  peak RSS:                                     %d KiB (target < 32768)\n' "$(sort -n "$out/map.rss" | tail -1)"
printf '16 GiB sparse guest as kdump (median):          %.3f s, ratio to cat %.2f, %d KiB on disk\n' \
	"$k" "$(echo "$k / $c" | bc -l)" "$kd_du"
printf '  peak RSS:                                     %d KiB\n' "$(sort -n "$out/kd.rss" | tail -1)"
