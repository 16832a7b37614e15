#!/bin/sh
# Benchmark (not a test) of the qemu source's migration-stream modes on a
# 1 GiB TCG guest whose RAM is all random data (FILL=quarter: one page in four
# random, the rest zeros, which the stream sends as flags), side by side in
# one run:
#   snapshot: guestcore dump of the RUNNING guest (background snapshot) against
#     QEMU's dump-guest-memory of the same guest (stop, dump, cont).  Printed:
#     both totals (target: guestcore's at most QEMU's) and the time the guest
#     was stopped: QEMU's own downtime figure for the snapshot (target at
#     most 50 ms) against the whole dump for QEMU's.
#   stream: a guest without shared memory (RAM a private mapping of a filled
#     file): guestcore dump mode=pause (stop, the stream, cont) against the
#     monitor way it takes when QEMU cannot stream (pmemsave; the guest
#     stopped by this script, as guestcore's auto mode then reads it).
#     Target: at most 0.5x.
# A third side of each, run in turn with the others, is the floor: QEMU's own
# migration of the same guest into 'exec:cat > /dev/null' (background
# snapshot of the running guest; the plain stream of the paused one), with
# QEMU's own total-time.  Every stream mode reads that stream, so no reader
# of it finishes sooner: a target below it cannot be met by a reader of
# QEMU's single-channel stream.
# Outputs go to OUTDIR (the disk) and are timed until durable (QEMU's with
# 'sync FILE'; guestcore fsyncs).  guestcore writes the stream straight into
# the core (builds before the push kept a copy in TMPDIR, /dev/shm here, as
# the guest's RAM).  Beside the snapshot, the writes alone
# (bench/extent-writes.c, as in bench/qemu-dump.sh): guestcore's core's data
# extents written again from memory and fsynced, what that file costs this
# disk whatever writes it; no writer of it beats the larger of that and the
# stream's floor.  Peak RSS of guestcore for every case (target under 64 MiB).
#   sh bench/qemu-snapshot.sh [BUILDDIR] [OUTDIR]   (default _build/normal, _build/bench-qemu)
# RUNS=N alternating runs of each side (default 3); medians are compared.
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
disk=$(absdir "${2:-_build/bench-qemu}")
[ "$(df -k --output=avail /dev/shm | tail -1)" -gt 4194304 ] || { echo "needs 4 GiB free in /dev/shm"; exit 1; }
shm=$(absdir /dev/shm/guestcore-bench-snapshot)
Q="$build/tests/qemu/qmpcmd"
[ -x "$Q" ] || { echo "build first: make check in $build"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "needs qemu-system-x86"; exit 1; }
sock="$shm/qmp.sock"
mem="$shm/guest.mem"
TMPDIR=$shm
export TMPDIR
qpid=
quit() { [ -z "$qpid" ] || { "$Q" "$sock" '{"execute":"quit"}' >/dev/null 2>&1 || kill $qpid 2>/dev/null; wait $qpid 2>/dev/null || true; }; qpid=; }
W="$disk/extent-writes"
cc -O2 -o "$W" bench/extent-writes.c || { echo "needs a C compiler for bench/extent-writes.c"; exit 1; }
trap 'quit; rm -rf "$shm" "$disk/qemu.core" "$disk/gc.core" "$disk/w.out" "$W"' EXIT
start() { # share=on|off
	rm -f "$sock"
	qemu-system-x86_64 -machine pc,accel=tcg,memory-backend=mem \
		-object memory-backend-file,id=mem,size=1G,mem-path="$mem",share="$1" \
		-display none -nodefaults -qmp unix:"$sock",server=on,wait=off &
	qpid=$!
	while [ ! -S "$sock" ]; do sleep 0.05; done
	sleep 1
}
fill=${FILL:-random}
if [ "$fill" = quarter ]; then
	fill_quarter "$mem" 1024
else
	head -c 1073741824 /dev/urandom >"$mem"
fi
echo "guest: 1 GiB, $fill data, in $mem; outputs in $disk ($(df -T "$disk" | awk 'NR == 2 { print $2 }')); TMPDIR=$TMPDIR"
echo "medians of $runs alternating runs"

# time_cmd FILE CMD...: run CMD, append its wall time to FILE.
time_cmd() {
	f=$1
	shift
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$f"
}
# stream_floor FILE [CAPABILITY]: QEMU migrates the guest into /dev/null
# (with CAPABILITY on for the run, the bandwidth limit lifted); its own
# total-time in seconds is appended to FILE.
stream_floor() {
	f=$1
	"$Q" "$sock" '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":1099511627776}}' >/dev/null
	[ -z "${2:-}" ] || "$Q" "$sock" "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":[{\"capability\":\"$2\",\"state\":true}]}}" >/dev/null
	"$Q" "$sock" '{"execute":"migrate","arguments":{"uri":"exec:cat > /dev/null"}}' >/dev/null
	end=$(($(date +%s) + 300)) # a deadline: QEMU's own stream of 1 GiB takes seconds
	while :; do
		st=$("$Q" "$sock" '{"execute":"query-migrate"}')
		case $st in
		*'"completed"'*) break ;;
		*'"failed"'* | *'"cancelled"'*) echo "QEMU's own stream failed: $st"; exit 1 ;;
		esac
		[ "$(date +%s)" -lt "$end" ] || { echo "QEMU's own stream did not end in 300 s: $st"; exit 1; }
		sleep 0.01
	done
	echo "$st" | sed -n 's/.*"total-time": *\([0-9]*\).*/\1/p' | awk '{ print $1 / 1000 }' >>"$f"
	[ -z "${2:-}" ] || "$Q" "$sock" "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":[{\"capability\":\"$2\",\"state\":false}]}}" >/dev/null
	"$Q" "$sock" '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":134217728}}' >/dev/null
}
qemu_dump() {
	"$Q" "$sock" '{"execute":"stop"}' >/dev/null
	"$Q" "$sock" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$disk/qemu.core\"}}" >/dev/null
	sync "$disk/qemu.core"
	"$Q" "$sock" '{"execute":"cont"}' >/dev/null
}

# --- snapshot of the running guest against QEMU's dump
start on
: >"$shm/q.t"; : >"$shm/g.t"; : >"$shm/g.rss"; : >"$shm/down"; : >"$shm/f.t"; : >"$shm/w.t"
for i in $(seq "$runs"); do
	stream_floor "$shm/f.t" background-snapshot
	rm -f "$disk/qemu.core" "$disk/gc.core"
	sync # what the last run freed is released before anything is timed
	time_cmd "$shm/q.t" qemu_dump
	rm -f "$disk/qemu.core"
	sync
	time_cmd "$shm/g.t" /usr/bin/time -f %M -a -o "$shm/g.rss" "$G" dump -s "qemu:qmp=$sock" --notes qemu -o "$disk/gc.core"
	"$G" inspect "$disk/gc.core" | sed -n 's/.*snapshot (downtime \([0-9]*\) ms).*/\1/p' >>"$shm/down"
	"$W" "$disk/gc.core" "$disk/w.out" >>"$shm/w.t"
	rm -f "$disk/w.out"
	[ "$("$Q" "$sock" '{"execute":"query-status"}' | grep -c '"running":true')" -eq 1 ] || { echo "the guest is not running"; exit 1; }
done
q=$(median <"$shm/q.t"); g=$(median <"$shm/g.t"); d=$(median <"$shm/down"); f=$(median <"$shm/f.t"); w=$(median <"$shm/w.t")
echo "QEMU:      stop; {\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:OUT\"}}; sync OUT; cont"
echo "guestcore: guestcore dump -s qemu:qmp=$sock --notes qemu -o OUT   (the guest running: snapshot)"
printf 'snapshot  QEMU %6.3f s, guest stopped %6.0f ms   guestcore %6.3f s, guest stopped %4s ms (QEMU'"'"'s downtime; target <= 50)   ratio %.2f (target <= 1.00)   peak RSS %d KiB\n' \
	"$q" "$(echo "$q * 1000" | bc -l)" "$g" "$d" "$(echo "$g / $q" | bc -l)" "$(sort -n "$shm/g.rss" | tail -1)"
printf 'snapshot  floor: QEMU'"'"'s own background snapshot into /dev/null %6.3f s (its total-time): ratio to QEMU'"'"'s dump %.2f, guestcore / floor %.2f\n' \
	"$f" "$(echo "$f / $q" | bc -l)" "$(echo "$g / $f" | bc -l)"
m=$(echo "if ($w > $f) $w else $f" | bc -l)
printf 'snapshot  writes alone: extent-writes GUESTCORE-OUT OUT2 (its data extents from memory; fsync) %6.3f s; guestcore / the larger floor %.2f (target <= 1.10)\n' \
	"$w" "$(echo "$g / $m" | bc -l)"
quit

# --- a guest without shared memory: the paused stream against pmemsave
start off
: >"$shm/p.t"; : >"$shm/s.t"; : >"$shm/s.rss"; : >"$shm/p.rss"; : >"$shm/f.t"
monitor_dump() {
	"$Q" "$sock" '{"execute":"stop"}' >/dev/null
	/usr/bin/time -f %M -a -o "$shm/p.rss" "$G" dump -s "qemu:qmp=$sock" --notes qemu -o "$disk/gc.core"
	"$Q" "$sock" '{"execute":"cont"}' >/dev/null
}
for i in $(seq "$runs"); do
	rm -f "$disk/gc.core"
	sync
	time_cmd "$shm/p.t" monitor_dump
	rm -f "$disk/gc.core"
	sync
	time_cmd "$shm/s.t" /usr/bin/time -f %M -a -o "$shm/s.rss" "$G" dump -s "qemu:qmp=$sock,mode=pause" --notes qemu -o "$disk/gc.core"
	"$Q" "$sock" '{"execute":"stop"}' >/dev/null
	stream_floor "$shm/f.t"
	"$Q" "$sock" '{"execute":"cont"}' >/dev/null
done
p=$(median <"$shm/p.t"); s=$(median <"$shm/s.t"); f=$(median <"$shm/f.t")
echo "pmemsave:  stop; guestcore dump -s qemu:qmp=$sock --notes qemu -o OUT; cont   (a paused guest: the monitor way)"
echo "stream:    guestcore dump -s qemu:qmp=$sock,mode=pause --notes qemu -o OUT"
printf 'stream    pmemsave %6.3f s, peak RSS %d KiB   stream %6.3f s, peak RSS %d KiB   ratio %.2f (target <= 0.50)\n' \
	"$p" "$(sort -n "$shm/p.rss" | tail -1)" "$s" "$(sort -n "$shm/s.rss" | tail -1)" "$(echo "$s / $p" | bc -l)"
printf 'stream    floor: QEMU'"'"'s own stream of the paused guest into /dev/null %6.3f s (its total-time): ratio to pmemsave %.2f, guestcore / floor %.2f\n' \
	"$f" "$(echo "$f / $p" | bc -l)" "$(echo "$s / $f" | bc -l)"
