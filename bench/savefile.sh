#!/bin/sh
# Benchmark (not a test) of the savefile source: a saved state of a 1 GiB
# TCG guest (RAM a private mapping of a file filled as bench/common.sh's
# fill_mixed does: in each run of four pages one random, one text-like, two
# zero), migrated by QEMU into a file (a bare migration stream, what 'virsh
# dump' writes), and a libvirt save image of it compressed by gzip
# (tests/data/make-libvirt-save.py), converted into an ELF core on OUTDIR,
# side by side with 'cat' of the same file into OUTDIR (the file read and
# its bytes written: what any converter of it costs at least), and beside
# them the writes alone (bench/extent-writes.c, as in bench/qemu-dump.sh:
# guestcore's core's data extents written again from memory and fsynced,
# what that file's layout costs this disk whoever writes it: its zero pages
# are holes, so its data lies in many small extents where cat's copy is one).
# Each is timed until durable (sync of the output; guestcore fsyncs), the
# input in the page cache.  Printed: the medians, guestcore's ratio to cat
# (target: at most 1.5x for the bare stream) and to the larger of cat and
# the writes alone (for the gzip image also of 'gzip -dc' of its payload
# into /dev/null: what libvirt's own restore runs to read it), and
# guestcore's peak RSS.
#   sh bench/savefile.sh [BUILDDIR] [OUTDIR]   (default _build/normal, _build/bench-savefile)
# RUNS=N alternating runs of each side (default 3).
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
disk=$(absdir "${2:-_build/bench-savefile}")
Q="$build/tests/qemu/qmpcmd"
[ -x "$Q" ] || { echo "build first: make check in $build"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "needs qemu-system-x86"; exit 1; }
command -v gzip >/dev/null || { echo "needs gzip"; exit 1; }
sock="$disk/qmp.sock"
mem="$disk/guest.mem"
qpid=
quit() { [ -z "$qpid" ] || { "$Q" "$sock" '{"execute":"quit"}' >/dev/null 2>&1 || kill $qpid 2>/dev/null; wait $qpid 2>/dev/null || true; }; qpid=; }
W="$disk/extent-writes"
cc -O2 -o "$W" bench/extent-writes.c || { echo "needs a C compiler for bench/extent-writes.c"; exit 1; }
trap 'quit; rm -f "$disk/out.core" "$disk/copy" "$disk/w.out" "$mem" "$sock" "$W"' EXIT

echo "a 1 GiB guest (mixed pages), its saved state in $disk ($(df -T "$disk" | awk 'NR == 2 { print $2 }'))"
rm -f "$mem"
fill_mixed "$mem" 1024
rm -f "$sock"
qemu-system-x86_64 -machine pc,accel=tcg,memory-backend=mem -smp 2 \
	-object memory-backend-file,id=mem,size=1G,mem-path="$mem",share=off \
	-display none -nodefaults -qmp unix:"$sock",server=on,wait=off &
qpid=$!
while [ ! -S "$sock" ]; do sleep 0.05; done
sleep 1
"$Q" "$sock" '{"execute":"stop"}' >/dev/null
rm -f "$disk/guest.stream"
"$Q" "$sock" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > $disk/guest.stream\"}}" >/dev/null
k=0
while ! "$Q" "$sock" '{"execute":"query-migrate"}' | grep -q '"status":"completed"'; do
	k=$((k + 1))
	[ $k -lt 1200 ] || { echo "the migration did not complete in 120 s"; exit 1; }
	sleep 0.1
done
quit
rm -f "$mem"
printf '<domain type="qemu"><name>bench</name><vcpu>2</vcpu></domain>' >"$disk/domain.xml"
python3 tests/data/make-libvirt-save.py "$disk/guest.stream" "$disk/guest-gzip.save" gzip "$disk/domain.xml"
# the image's payload (the compressed stream) begins after the 92-byte header and the XML
payload=$(python3 -c 'import struct, sys; print(92 + struct.unpack("<I", open(sys.argv[1], "rb").read(24)[20:24])[0])' "$disk/guest-gzip.save")
echo "stream $(($(stat -c %s "$disk/guest.stream") >> 20)) MiB, gzip image $(($(stat -c %s "$disk/guest-gzip.save") >> 20)) MiB; $runs runs each"

for input in guest.stream guest-gzip.save; do
	f="$disk/$input"
	cat "$f" >/dev/null
	: >"$disk/t.cat"
	: >"$disk/t.gc"
	: >"$disk/t.w"
	: >"$disk/t.z"
	: >"$disk/rss"
	for i in $(seq "$runs"); do
		sides="cat gc"
		[ $((i % 2)) -eq 0 ] && sides="gc cat"
		for side in $sides; do
			rm -f "$disk/out.core" "$disk/copy"
			sync
			t0=$(now)
			if [ $side = cat ]; then
				cat "$f" >"$disk/copy"
				sync "$disk/copy"
			else
				/usr/bin/time -f %M -o "$disk/rss.1" "$G" convert "$f" -o "$disk/out.core" >/dev/null
				cat "$disk/rss.1" >>"$disk/rss"
			fi
			t1=$(now)
			echo "$t1 - $t0" | bc >>"$disk/t.$side"
			if [ $side = cat ] && [ "$input" = guest-gzip.save ]; then
				t0=$(now)
				tail -c +$((payload + 1)) "$f" | gzip -dc >/dev/null
				t1=$(now)
				echo "$t1 - $t0" | bc >>"$disk/t.z"
			fi
			if [ $side = gc ]; then
				rm -f "$disk/w.out"
				"$W" "$disk/out.core" "$disk/w.out" >>"$disk/t.w"
				rm -f "$disk/w.out"
			fi
		done
	done
	c=$(median <"$disk/t.cat")
	g=$(median <"$disk/t.gc")
	w=$(median <"$disk/t.w")
	floor=$(echo "if ($w > $c) $w else $c" | bc -l)
	if [ -s "$disk/t.z" ]; then
		z=$(median <"$disk/t.z")
		echo "  gzip -dc of the image's payload alone: $z s"
		floor=$(echo "if ($z > $floor) $z else $floor" | bc -l)
	fi
	printf '%-16s cat %5.2f s  writes alone %5.2f s  guestcore convert %5.2f s: %.2fx cat, %.2fx the larger  peak RSS %s MiB\n' \
		"$input" "$c" "$w" "$g" "$(echo "$g / $c" | bc -l)" "$(echo "$g / $floor" | bc -l)" "$(($(median <"$disk/rss") / 1024))"
done
rm -f "$disk/t.cat" "$disk/t.gc" "$disk/t.w" "$disk/rss" "$disk/rss.1" "$disk/domain.xml"
