#!/bin/sh
# Benchmark (not a test): guestcore dump of a 2 GiB RAM image of random data
# against 'cat IMAGE > OUT2' on the same file system, in the same run, and
# guestcore's peak RSS for it; then the time, disk usage and peak RSS of a
# dump of a 64 GiB sparse guest holding 8 MiB.
# Targets: time ratio <= 1.1; peak RSS under 32 MiB for both.
#   sh bench/dump-vs-cat.sh [BUILDDIR] [WORKDIR]     (default _build/normal, _build/bench)
# Each side runs 3 times, alternating; the medians are compared.
set -eu
cd "$(dirname "$0")/.."
build=${1:-_build/normal}
work=${2:-_build/bench}
. bench/common.sh
bench_guestcore "$build"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time"; exit 1; }
mkdir -p "$work"
img="$work/ram.img"
if [ ! -f "$img" ] || [ "$(stat -c %s "$img")" -ne 2147483648 ]; then
	echo "making a 2 GiB image of random data in $img"
	head -c 2147483648 /dev/urandom >"$img"
fi
cat "$img" >/dev/null # warm the page cache for both sides alike

: >"$work/cat.times"
: >"$work/dump.times"
: >"$work/dump.rss"
for i in 1 2 3; do
	rm -f "$work/out2" "$work/out.core"
	t0=$(now); cat "$img" >"$work/out2"; sync "$work/out2"; t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$work/cat.times"
	rm -f "$work/out2"
	t0=$(now)
	/usr/bin/time -f %M -o "$work/rss" "$G" dump -s "raw:$img" -o "$work/out.core" --force >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$work/dump.times"
	cat "$work/rss" >>"$work/dump.rss"
done
cat_t=$(median <"$work/cat.times")
dump_t=$(median <"$work/dump.times")
rss=$(sort -n "$work/dump.rss" | tail -1)
rm -f "$work/out.core"

truncate -s 64G "$work/sparse.img"
head -c 8388608 /dev/urandom | dd of="$work/sparse.img" bs=1M seek=4096 conv=notrunc status=none
t0=$(now)
/usr/bin/time -f %M -o "$work/rss" "$G" dump -s "raw:$work/sparse.img" -o "$work/sparse.core" --force >/dev/null
t1=$(now)
rss_sparse=$(cat "$work/rss")
sparse_t=$(echo "$t1 - $t0" | bc -l)
sparse_du=$(du -k "$work/sparse.core" | cut -f1)
rm -f "$work/sparse.core" "$work/sparse.img"

printf 'cat 2 GiB (median of 3):           %.3f s\n' "$cat_t"
printf 'guestcore dump 2 GiB (median of 3): %.3f s\n' "$dump_t"
printf 'ratio dump/cat:                     %.2f (target <= 1.10)\n' "$(echo "$dump_t / $cat_t" | bc -l)"
printf 'peak RSS, 2 GiB dump:               %d KiB (target < 32768)\n' "$rss"
printf '64 GiB sparse guest, 8 MiB data:   %.3f s, %d KiB on disk (target: seconds, < 65536 KiB)\n' "$sparse_t" "$sparse_du"
printf 'peak RSS, 64 GiB sparse dump:       %d KiB (target < 32768)\n' "$rss_sparse"
