#!/bin/sh
# Benchmark (not a test): kdump-compressed dumps of the same paused 1 GiB TCG
# guest, side by side in one run.  The guest's RAM (a shared
# memory-backend-file on tmpfs, fully allocated) holds in every four pages
# one random, one text-like and two zero pages.  Against QEMU's
# dump-guest-memory -f kdump-zlib (one thread, one page at a time):
#   guestcore --compress zstd   time <= 0.25x QEMU's, size no larger
#   guestcore --compress zlib   time <= 0.50x QEMU's, size no larger
# and against 'zstd -T0 -1' of the raw image into a file:
#   guestcore --compress zstd   time <= 1.2x, size <= 1.05x
# Outputs go to tmpfs (both sides CPU-bound there); sizes are the files'
# sizes; peak RSS of every guestcore run is printed (target < 64 MiB).
#   sh bench/kdump.sh [BUILDDIR]   (default _build/normal)
# RUNS=N runs of each case (default 3), alternating; medians are compared.
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
shm=/dev/shm/guestcore-bench-kdump
[ "$(df -k --output=avail /dev/shm | tail -1)" -gt 3145728 ] || { echo "needs 3 GiB free in /dev/shm"; exit 1; }
shm=$(absdir "$shm")
Q="$build/tests/qemu/qmpcmd"
[ -x "$Q" ] || { echo "build first: make check in $build"; exit 1; }
for c in qemu-system-x86_64 python3 zstd bc; do
	command -v $c >/dev/null || { echo "needs $c (sh scripts/deps.sh --bench)"; exit 1; }
done
sock="$shm/qmp.sock"
mem="$shm/guest.mem"
head -c 1073741824 /dev/zero >"$mem"
qpid=
trap '"$Q" "$sock" "{\"execute\":\"quit\"}" >/dev/null 2>&1 || kill $qpid 2>/dev/null; rm -rf "$shm"' EXIT
start_shared_guest "$sock" "$mem" on
"$Q" "$sock" '{"execute":"stop"}' >/dev/null
fill_mixed "$mem" 1024

# run NAME COMMAND...: time one run of COMMAND (its output is $shm/NAME.out),
# append the time, the size and the peak RSS to $shm/NAME.{t,s,m}.
run() {
	name=$1
	shift
	rm -f "$shm/$name.out"
	t0=$(now)
	/usr/bin/time -f %M -o "$shm/rss" "$@" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$shm/$name.t"
	stat -c %s "$shm/$name.out" >>"$shm/$name.s"
	cat "$shm/rss" >>"$shm/$name.m"
	rm -f "$shm/$name.out"
}
qemu_kdump="{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"format\":\"kdump-zlib\",\"protocol\":\"file:$shm/qemu.out\"}}"
for n in qemu zstd gc-zstd gc-zlib; do : >"$shm/$n.t"; : >"$shm/$n.s"; : >"$shm/$n.m"; done
for i in $(seq "$runs"); do
	run qemu "$Q" "$sock" "$qemu_kdump"
	run zstd zstd -q -T0 -1 -f "$mem" -o "$shm/zstd.out"
	run gc-zstd "$G" dump -s "qemu:qmp=$sock,mem=$mem" --notes qemu --format kdump --compress zstd -o "$shm/gc-zstd.out"
	run gc-zlib "$G" dump -s "qemu:qmp=$sock,mem=$mem" --notes qemu --format kdump --compress zlib -o "$shm/gc-zlib.out"
done
t() { median <"$shm/$1.t"; }
s() { median <"$shm/$1.s"; }
m() { sort -n "$shm/$1.m" | tail -1; }
echo "1 GiB paused guest, per 4 pages 1 random, 1 text-like, 2 zero; outputs on tmpfs; medians of $runs alternating runs"
echo "QEMU:      dump-guest-memory {\"paging\":false,\"format\":\"kdump-zlib\",\"protocol\":\"file:OUT\"}"
echo "zstd:      zstd -T0 -1 RAW -o OUT"
echo "guestcore: guestcore dump -s qemu:qmp=SOCK,mem=RAW --notes qemu --format kdump --compress zstd|zlib -o OUT"
printf '%-24s %9s %14s %12s\n' case time size peak-RSS
for n in qemu zstd gc-zstd gc-zlib; do
	printf '%-24s %8.3fs %14d %9d KiB\n' "$n" "$(t $n)" "$(s $n)" "$(m $n)"
done
ratio() { echo "$1 / $2" | bc -l; }
printf 'guestcore zstd vs QEMU kdump-zlib: time %.2f (target <= 0.25), size %.3f (target <= 1)\n' \
	"$(ratio "$(t gc-zstd)" "$(t qemu)")" "$(ratio "$(s gc-zstd)" "$(s qemu)")"
printf 'guestcore zlib vs QEMU kdump-zlib: time %.2f (target <= 0.50), size %.3f (target <= 1)\n' \
	"$(ratio "$(t gc-zlib)" "$(t qemu)")" "$(ratio "$(s gc-zlib)" "$(s qemu)")"
printf 'guestcore zstd vs zstd -T0 -1:     time %.2f (target <= 1.2),  size %.3f (target <= 1.05)\n' \
	"$(ratio "$(t gc-zstd)" "$(t zstd)")" "$(ratio "$(s gc-zstd)" "$(s zstd)")"
