#!/bin/sh
# Benchmark (not a test): QEMU's dump-guest-memory against guestcore dump of
# the same paused 1 GiB TCG guest, its memory filled with random data first,
# both writing to the same file system, in one run.  Prints the time ratio
# and guestcore's peak RSS.  Targets: guestcore <= 0.5x QEMU's time, peak
# RSS under 32 MiB.  Also times guestcore kept to one CPU (taskset -c 0),
# which shows what the helper threads bring.
#   sh bench/qemu-dump.sh [BUILDDIR] [WORKDIR]   (default _build/normal, and /dev/shm when it
# has 3 GiB free, as QEMU's own figures are taken on tmpfs; else _build/bench-qemu)
set -eu
cd "$(dirname "$0")/.."
build=${1:-_build/normal}
default=_build/bench-qemu
if [ -d /dev/shm ] && [ "$(df -k --output=avail /dev/shm | tail -1)" -gt 3145728 ]; then
	default=/dev/shm/guestcore-bench
fi
work=$(mkdir -p "${2:-$default}" && cd "${2:-$default}" && pwd)
echo "working in $work"
. bench/common.sh
bench_guestcore "$build"
Q="$build/tests/qemu/qmpcmd"
[ -x "$Q" ] || { echo "build first: make check in $build"; exit 1; }
runs=${RUNS:-5}
command -v qemu-system-x86_64 >/dev/null || { echo "needs qemu-system-x86"; exit 1; }
sock="$work/qmp.sock"
mem="$work/guest.mem"
rm -f "$sock" "$work/qemu.core" "$work/gc.core"
echo "filling 1 GiB of guest memory with random data"
head -c 1073741824 /dev/urandom >"$mem"
qemu-system-x86_64 -machine pc,accel=tcg,memory-backend=mem \
	-object memory-backend-file,id=mem,size=1G,mem-path="$mem",share=on \
	-smp 2 -display none -nodefaults -qmp unix:"$sock",server=on,wait=off &
qpid=$!
trap '"$Q" "$sock" "{\"execute\":\"quit\"}" >/dev/null 2>&1 || kill $qpid 2>/dev/null; rm -f "$mem" "$work/qemu.core" "$work/gc.core"' EXIT
while [ ! -S "$sock" ]; do sleep 0.05; done
sleep 1
"$Q" "$sock" '{"execute":"stop"}' >/dev/null
# $runs runs of each (RUNS=5 by default), alternating; the medians are
# compared.  Single runs swing widely on a VM that hands freed memory back to
# its host: a writer that runs into such memory waits for the host.
: >"$work/q.times"
: >"$work/g.times"
: >"$work/g.rss"
: >"$work/g1.times"
for i in $(seq $runs); do
	rm -f "$work/qemu.core" "$work/gc.core"
	t0=$(now)
	"$Q" "$sock" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$work/qemu.core\"}}" >/dev/null
	sync "$work/qemu.core"
	t1=$(now)
	rm -f "$work/qemu.core"
	t2=$(now)
	/usr/bin/time -f %M -o "$work/rss" "$G" dump -s "qemu:qmp=$sock,mem=$mem" --notes qemu -o "$work/gc.core" >/dev/null
	t3=$(now)
	echo "$t1 - $t0" | bc -l >>"$work/q.times"
	echo "$t3 - $t2" | bc -l >>"$work/g.times"
	cat "$work/rss" >>"$work/g.rss"
	# The same dump kept to one CPU (no helper threads), for reference.
	rm -f "$work/gc.core"
	t4=$(now)
	if command -v taskset >/dev/null; then
		taskset -c 0 "$G" dump -s "qemu:qmp=$sock,mem=$mem" --notes qemu -o "$work/gc.core" >/dev/null
	fi
	t5=$(now)
	echo "$t5 - $t4" | bc -l >>"$work/g1.times"
	printf 'run %d: QEMU %.3f s, guestcore %.3f s, guestcore on one CPU %.3f s\n' "$i" \
		"$(echo "$t1 - $t0" | bc -l)" "$(echo "$t3 - $t2" | bc -l)" "$(echo "$t5 - $t4" | bc -l)"
done
q=$(median <"$work/q.times")
g=$(median <"$work/g.times")
printf 'QEMU dump-guest-memory, 1 GiB (median of %d):  %.3f s\n' "$runs" "$q"
printf 'guestcore dump, 1 GiB (median of %d):          %.3f s\n' "$runs" "$g"
printf 'ratio guestcore/QEMU:           %.2f (target <= 0.50)\n' "$(echo "$g / $q" | bc -l)"
printf 'ratio of the fastest runs:      %.2f\n' "$(echo "$(sort -n "$work/g.times" | head -1) / $(sort -n "$work/q.times" | head -1)" | bc -l)"
printf 'guestcore on one CPU (median):  %.3f s, ratio %.2f\n' "$(median <"$work/g1.times")" "$(echo "$(median <"$work/g1.times") / $q" | bc -l)"
printf 'guestcore peak RSS:             %d KiB (target < 32768)\n' "$(sort -n "$work/g.rss" | tail -1)"
