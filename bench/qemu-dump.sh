#!/bin/sh
# Benchmark (not a test): QEMU's dump-guest-memory against guestcore dump of
# the same paused 1 GiB TCG guest, in one run, side by side.  The guest's RAM
# is a shared memory-backend-file on tmpfs, fully allocated, filled twice:
#   quarter: one page in four random, the rest zeros.  Target <= 0.25x QEMU.
#   random:  all random.                               Target <= 0.50x QEMU.
# Each fill is dumped to tmpfs and to the disk (OUTDIR).  Both sides are
# timed until their file is durable: QEMU's dump is followed by 'sync FILE',
# guestcore fsyncs before it links its output.  Prints every ratio, the size
# on disk of both cores and guestcore's peak RSS (target under 32 MiB).
# Beside them, the writes alone: bench/extent-writes takes guestcore's core's
# layout (its size and data extents), removes the core, writes that layout
# again from memory (nothing read) and fsyncs it: what the file system and the
# disk take for that file, apart from any reading.  A target below it is out
# of reach of any writer of that file on that file system.
#   sh bench/qemu-dump.sh [BUILDDIR] [OUTDIR]   (default _build/normal, _build/bench-qemu)
# RUNS=N runs of each side (default 3), alternating; medians are compared.
# Single runs swing widely on a VM that hands freed memory back to its host.
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
disk=$(absdir "${2:-_build/bench-qemu}")
shm=/dev/shm/guestcore-bench-qemu
[ "$(df -k --output=avail /dev/shm | tail -1)" -gt 4194304 ] || { echo "needs 4 GiB free in /dev/shm"; exit 1; }
shm=$(absdir "$shm")
Q="$build/tests/qemu/qmpcmd"
[ -x "$Q" ] || { echo "build first: make check in $build"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "needs qemu-system-x86"; exit 1; }
command -v python3 >/dev/null || { echo "needs python3"; exit 1; }
W="$disk/extent-writes"
cc -O2 -o "$W" bench/extent-writes.c || { echo "needs a C compiler for bench/extent-writes.c"; exit 1; }
sock="$shm/qmp.sock"
mem="$shm/guest.mem"
echo "guest RAM in $mem; outputs in $shm (tmpfs) and $disk ($(df -T "$disk" | awk 'NR == 2 { print $2 }'))"
head -c 1073741824 /dev/zero >"$mem"
qpid=
trap '"$Q" "$sock" "{\"execute\":\"quit\"}" >/dev/null 2>&1 || kill $qpid 2>/dev/null; rm -rf "$shm" "$disk/qemu.core" "$disk/gc.core" "$disk/w.out" "$W"' EXIT
start_shared_guest "$sock" "$mem" on
"$Q" "$sock" '{"execute":"stop"}' >/dev/null

# fill quarter|random: rewrite the guest's RAM in place (it stays allocated).
fill() {
	if [ "$1" = random ]; then
		head -c 1073741824 /dev/urandom | dd of="$mem" bs=1M conv=notrunc status=none
	else
		fill_quarter "$mem" 1024
	fi
}

# compare FILL DIR: RUNS alternating runs of both dumps into DIR.
compare() {
	dir=$2
	: >"$dir/q.times"
	: >"$dir/g.times"
	: >"$dir/g.rss"
	: >"$dir/w.times"
	for i in $(seq "$runs"); do
		# sync: the blocks the last run freed are released (and discarded,
		# on a disk mounted with discard) before anything is timed.
		rm -f "$dir/qemu.core" "$dir/gc.core" "$dir/w.out"
		sync
		t0=$(now)
		"$Q" "$sock" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$dir/qemu.core\"}}" >/dev/null
		sync "$dir/qemu.core"
		t1=$(now)
		q_du=$(du -k "$dir/qemu.core" | cut -f1)
		rm -f "$dir/qemu.core"
		sync
		t2=$(now)
		/usr/bin/time -f %M -o "$dir/rss" "$G" dump -s "qemu:qmp=$sock,mem=$mem" --notes qemu -o "$dir/gc.core" >/dev/null
		t3=$(now)
		g_du=$(du -k "$dir/gc.core" | cut -f1)
		"$W" "$dir/gc.core" "$dir/w.out" >>"$dir/w.times"
		rm -f "$dir/w.out"
		echo "$t1 - $t0" | bc -l >>"$dir/q.times"
		echo "$t3 - $t2" | bc -l >>"$dir/g.times"
		cat "$dir/rss" >>"$dir/g.rss"
	done
	q=$(median <"$dir/q.times")
	g=$(median <"$dir/g.times")
	w=$(median <"$dir/w.times")
	printf '%-7s to %-5s  QEMU %6.3f s %8d KiB   guestcore %6.3f s %8d KiB   ratio %.2f (target <= %s)   peak RSS %d KiB\n' \
		"$1" "$3" "$q" "$q_du" "$g" "$g_du" "$(echo "$g / $q" | bc -l)" "$4" "$(sort -n "$dir/g.rss" | tail -1)"
	printf '                  writes alone %6.3f s = %.2fx QEMU; guestcore / writes alone %.2f\n' \
		"$w" "$(echo "$w / $q" | bc -l)" "$(echo "$g / $w" | bc -l)"
}

echo "QEMU:      {\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:OUT\"}}; sync OUT"
echo "guestcore: guestcore dump -s qemu:qmp=$sock,mem=$mem --notes qemu -o OUT"
echo "writes alone: extent-writes GUESTCORE-OUT OUT2 (the same data extents written from memory; fsync)"
echo "medians of $runs alternating runs; peak RSS target < 32768 KiB"
for f in quarter random; do
	fill $f
	target=0.25
	[ $f = random ] && target=0.50
	compare $f "$shm" tmpfs $target
	compare $f "$disk" disk $target
done
