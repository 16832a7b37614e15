#!/bin/sh
# Benchmark (not a test) of guestcore dump of RAM images, each against a
# baseline tool run in the same invocation: the images on tmpfs, every output
# on the disk, every run timed until its file is durable (cp and cat are
# followed by 'sync FILE'; guestcore fsyncs before it links its output).
#   1. 2 GiB, fully allocated, one page in four random, the rest zeros:
#      guestcore dump (default mode) against 'cp --sparse=always'.
#      Targets: time <= 1.0x cp; on-disk size <= the non-zero bytes + 1 %.
#   2. 2 GiB of random data: guestcore dump against 'cat IMAGE > OUT'.
#      Target: time <= 1.1x cat.
#   Peak RSS of every guestcore run; target under 32 MiB.
#   sh bench/image-dump.sh [BUILDDIR] [OUTDIR] [IMAGEDIR]
#      (defaults _build/normal, _build/bench, /dev/shm/guestcore-bench-img)
# RUNS=N runs of each side (default 5), alternating; medians are compared.
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 5
out=$(absdir "${2:-_build/bench}")
img=$(absdir "${3:-/dev/shm/guestcore-bench-img}")
command -v python3 >/dev/null || { echo "needs python3"; exit 1; }
echo "images in $img ($(df -T "$img" | awk 'NR == 2 { print $2 }')), outputs in $out ($(df -T "$out" | awk 'NR == 2 { print $2 }'))"
trap 'rm -f "$out/base.out" "$out/gc.core"' EXIT

size=2147483648
if [ ! -f "$img/quarter.img" ] || [ "$(stat -c %s "$img/quarter.img")" -ne $size ]; then
	echo "making $img/quarter.img: 2 GiB, one page in four random"
	rm -f "$img/quarter.img"
	fill_quarter "$img/quarter.img" 2048
fi
if [ ! -f "$img/random.img" ] || [ "$(stat -c %s "$img/random.img")" -ne $size ]; then
	echo "making $img/random.img: 2 GiB of random data"
	head -c $size /dev/urandom >"$img/random.img"
fi

# side_by_side NAME IMAGE BASELINE-COMMAND: RUNS alternating runs of the
# baseline (a shell command reading $IN, writing $OUT) and of guestcore dump.
side_by_side() {
	name=$1 IN=$2 base=$3
	export IN OUT="$out/base.out"
	: >"$out/$name.base"
	: >"$out/$name.gc"
	: >"$out/$name.rss"
	cat "$IN" >/dev/null # the page cache alike for both
	for i in $(seq "$runs"); do
		rm -f "$OUT" "$out/gc.core"
		t0=$(now); sh -c "$base"; sync "$OUT"; t1=$(now)
		echo "$t1 - $t0" | bc -l >>"$out/$name.base"
		base_du=$(du -k "$OUT" | cut -f1)
		rm -f "$OUT"
		t0=$(now)
		/usr/bin/time -f %M -o "$out/rss" "$G" dump -s "raw:$IN" -o "$out/gc.core" >/dev/null
		t1=$(now)
		echo "$t1 - $t0" | bc -l >>"$out/$name.gc"
		cat "$out/rss" >>"$out/$name.rss"
		gc_du=$(du -k "$out/gc.core" | cut -f1)
		printf '  run %d: baseline %.3f s, guestcore %.3f s\n' "$i" "$(tail -1 "$out/$name.base")" \
			"$(tail -1 "$out/$name.gc")"
	done
	rm -f "$out/gc.core"
}

echo "1. $img/quarter.img: guestcore dump -s raw:IMAGE -o $out/gc.core"
echo "   against: cp --sparse=always IMAGE $out/base.out && sync"
side_by_side quarter "$img/quarter.img" 'cp --sparse=always "$IN" "$OUT"'
q_base=$(median <"$out/quarter.base")
q_gc=$(median <"$out/quarter.gc")
q_rss=$(sort -n "$out/quarter.rss" | tail -1)
q_du=$gc_du
q_cpdu=$base_du
nonzero_k=$((size / 4 / 1024))

echo "2. $img/random.img: guestcore dump -s raw:IMAGE -o $out/gc.core"
echo "   against: cat IMAGE > $out/base.out && sync"
side_by_side random "$img/random.img" 'cat "$IN" >"$OUT"'
r_base=$(median <"$out/random.base")
r_gc=$(median <"$out/random.gc")
r_rss=$(sort -n "$out/random.rss" | tail -1)

echo
printf '1/4 random, cp --sparse=always (median of %d): %.3f s, %d KiB on disk\n' "$runs" "$q_base" "$q_cpdu"
printf '1/4 random, guestcore (median of %d):          %.3f s, %d KiB on disk\n' "$runs" "$q_gc" "$q_du"
printf '  time ratio guestcore/cp:  %.2f (target <= 1.00)\n' "$(echo "$q_gc / $q_base" | bc -l)"
printf '  on disk / non-zero bytes: %.4f (target <= 1.01)\n' "$(echo "$q_du / $nonzero_k" | bc -l)"
printf '  peak RSS:                 %d KiB (target < 32768)\n' "$q_rss"
printf 'random, cat (median of %d):                     %.3f s\n' "$runs" "$r_base"
printf 'random, guestcore (median of %d):               %.3f s\n' "$runs" "$r_gc"
printf '  time ratio guestcore/cat: %.2f (target <= 1.10)\n' "$(echo "$r_gc / $r_base" | bc -l)"
printf '  peak RSS:                 %d KiB (target < 32768)\n' "$r_rss"
