#!/bin/sh
# Faults and hostile input, injected by the suite itself: outputs that must
# never be replaced, interrupts and SIGKILL at work (nothing left behind),
# read errors in the middle of a page, a source that shrinks under the dump
# (tests/fault/faultshim.c, an LD_PRELOAD shim), FIFOs, numbers too large.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
G="$GUESTCORE -P $TP"
SHIM="$top_builddir/tests/fault/.libs/faultshim.so"
# The sanitizers' runtime wants to come first; the shim does not mind.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

# Nothing but the files a test made: no temporary file of any name.
only_files() { # dir expected-names description
	have=$(ls -A "$1" | sort | tr '\n' ' ')
	if [ "$have" = "$2" ]; then ok "$3"; else not_ok "$3: files are '$have', expected '$2'"; fi
}
# wait_state FILE: until the test source wrote its first line (the guest is paused).
wait_state() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

# --- outputs that are not regular files, and files the source reads
mkdir "$T/o"
mkfifo "$T/o/fifo"
run $G dump -s "test:ranges=1,size=0x10000" -o "$T/o/fifo" --force
expect_rc 1 "dump -o FIFO --force"
expect_in "$err" "$T/o/fifo is a FIFO: guestcore writes and replaces regular files only" "a FIFO is refused with a sentence"
[ -p "$T/o/fifo" ] && ok "the FIFO is still a FIFO" || not_ok "the FIFO was replaced"
if mknod "$T/o/null" c 1 3 2>/dev/null; then
	run $G dump -s "test:ranges=1,size=0x10000" -o "$T/o/null" --force
	expect_rc 1 "dump -o a character device --force"
	expect_in "$err" "is a character device" "a device node is refused"
	[ -c "$T/o/null" ] && ok "the device node is still one" || not_ok "the device node was replaced"
	rm -f "$T/o/null"
else
	ok "# SKIP not root: no device node made"
fi
run $G dump -s "test:ranges=1,size=0x10000" -o "$T/o" --force
expect_rc 1 "dump -o DIR"
expect_in "$err" "$T/o is a directory: give a file name" "a directory is named as one"
expect_not_in "$err" "--force" "no word on --force for a directory"
head -c 65536 /dev/urandom >"$T/o/img"
cp "$T/o/img" "$T/o/img.orig"
printf '0 0x10000 ram\n' >"$T/o/map"
run $G dump -s "raw:$T/o/img,map=$T/o/map" -o "$T/o/img" --force
expect_rc 1 "dump over the source's own image, --force"
expect_in "$err" "is the same file as a file the source reads" "the image is refused as output"
run $G dump -s "raw:$T/o/img,map=$T/o/map" -o "$T/o/map" --force
expect_rc 1 "dump over the source's map, --force"
cmp -s "$T/o/img" "$T/o/img.orig" && ok "the image is untouched" || not_ok "the image changed"
[ "$(cat "$T/o/map")" = "0 0x10000 ram" ] && ok "the map is untouched" || not_ok "the map changed"
run $G dump -s "raw:$T/o/img,map=$T/o/map" -o "$T/o/a.core"
expect_rc 0 "a dump for the readers"
run $G read "$T/o/a.core" --phys 0 --length 16 -o "$T/o/a.core" --force
expect_rc 1 "read over the core it reads"
expect_in "$err" "is the same file as the core being read" "read names the clash"
run $G extract "$T/o/a.core" -o "$T/o/x.img" --map "$T/o/a.core" --force
expect_rc 1 "extract's map over the core it reads"
[ ! -e "$T/o/x.img" ] && ok "no image without its map" || not_ok "an image was left without its map"
only_files "$T/o" "a.core fifo img img.orig map " "only the files the tests made"

# --- SIGKILL in the middle of a dump: nothing left, the old output kept
mkdir "$T/k"
echo "keep me" >"$T/k/out.core"
$G dump -s "test:ranges=1,size=0x4000000,slow=20,state=$T/k.state" -o "$T/k/out.core" --force 2>/dev/null &
pid=$!
wait_state "$T/k.state"
sleep 0.3
kill -KILL $pid
set +e; wait $pid; set -e
only_files "$T/k" "out.core " "SIGKILL mid-dump leaves no temporary file"
[ "$(cat "$T/k/out.core")" = "keep me" ] && ok "SIGKILL mid-dump: the old output is kept" || not_ok "clobbered"

# --- read and extract on SIGINT, SIGTERM, SIGHUP and SIGKILL: a slow output
run $G dump -s "test:ranges=2,size=0x1000000,gap=0x1000" -o "$T/big.core"
expect_rc 0 "a 32 MiB core to read back"
for sig in INT TERM HUP KILL; do
	for cmd in read extract; do
		rm -rf "$T/s"
		mkdir "$T/s"
		if [ $cmd = read ]; then
			set -- read "$T/big.core" --phys 0 --length 0x1000000 -o "$T/s/out"
		else
			set -- extract "$T/big.core" -o "$T/s/out"
		fi
		GC_FAULT_WRITE_DELAY_MS=50 LD_PRELOAD="$SHIM" $G "$@" 2>"$T/s.err" &
		pid=$!
		sleep 0.5
		kill -$sig $pid
		set +e; wait $pid; rc=$?; set -e
		[ "$rc" -ne 0 ] && ok "$cmd on SIG$sig fails (exit $rc)" || not_ok "$cmd on SIG$sig: exit 0"
		[ $sig = KILL ] || expect_in "$(cat "$T/s.err")" "interrupted: $T/s/out left unchanged" "$cmd on SIG$sig says so"
		only_files "$T/s" "" "$cmd on SIG$sig leaves nothing"
	done
done

# --- read --allow-holes of a huge span into a file: holes, at once
run timeout 20 $G read "$T/big.core" --phys 0 --length 1T --allow-holes -o "$T/huge"
expect_rc 0 "read of 1 TiB, mostly holes"
[ "$(stat -c %s "$T/huge")" = 1099511627776 ] && ok "1 TiB long" || not_ok "size $(stat -c %s "$T/huge")"
[ "$(stat -c %b "$T/huge")" -lt 200000 ] && ok "its holes are holes ($(du -k "$T/huge" | cut -f1) KiB on disk)" || not_ok "zeros written: $(du -k "$T/huge")"
run $G read "$T/big.core" --phys 0x1000000 --length 0x2000 --allow-holes -o "$T/edge"
cmp -s -n 4096 "$T/edge" /dev/zero && ok "the gap reads as zeros" || not_ok "the gap is not zeros"
rm -f "$T/huge"

# --- FIFOs and other non-regular inputs fail at once, never block
mkfifo "$T/in.fifo"
run timeout 10 $G inspect "$T/in.fifo"
expect_rc 2 "inspect of a FIFO with no writer"
expect_in "$err" "not a regular file" "the FIFO is named"
run timeout 10 $G validate "$T/in.fifo"
expect_rc 2 "validate of a FIFO"
run timeout 10 $G dump -s "raw:$T/o/img,map=$T/in.fifo" -o "$T/f.core"
expect_rc 1 "a FIFO as the raw map"
expect_in "$err" "map $T/in.fifo is not a regular file" "the map FIFO is named"
run timeout 10 $G dump -s "raw:$T/in.fifo" -o "$T/f.core"
expect_rc 1 "a FIFO as the raw image"
run timeout 10 $G convert "$T/in.fifo" -o "$T/f.core"
expect_rc 1 "a FIFO as the core to convert"
expect_in "$err" "core $T/in.fifo is not a regular file" "the FIFO core is named"
mkdir "$T/fifolayouts"
mkfifo "$T/fifolayouts/x.xml"
run timeout 10 $G -S "$T/fifolayouts" schema list
expect_in "$err" "x.xml" "a FIFO among the layouts is named, not waited on"

# --- numbers that do not fit a register
for v in 1.2e29 120000000000000000000000000000 18446744073709551616 -9223372036854775809 0.5; do
	printf '[{"rip": %s}]\n' "$v" >"$T/cpus.json"
	run $G dump -s "raw:$T/o/img,map=$T/o/map,cpus=$T/cpus.json" -o "$T/n.core"
	expect_rc 1 "rip = $v"
	expect_in "$err" "'rip' is $v" "rip = $v: the key and the number are named"
done
printf '[{"rip": 18446744073709551615, "rsp": -1, "rax": "0xffffffffffffffff"}]\n' >"$T/cpus.json"
run $G dump -s "raw:$T/o/img,map=$T/o/map,cpus=$T/cpus.json" -o "$T/n.core"
expect_rc 0 "the largest 64-bit values are taken"

# --- a read error in the middle of a page: only the bad bytes are zeros
head -c 1048576 /dev/urandom >"$T/e.img"
run env GC_FAULT_PATH="$T/e.img" GC_FAULT_MODE=eio GC_FAULT_AT=0x10800 GC_FAULT_LEN=0x100 LD_PRELOAD="$SHIM" \
	$G dump -s "raw:$T/e.img" -o "$T/e.core"
expect_rc 3 "a read error of 256 bytes mid-page"
expect_in "$err" "256 bytes in 1 ranges could not be read" "exactly the bad bytes are counted"
run $G inspect "$T/e.core"
expect_in "$out" "0x10800" "the unreadable note starts at the first bad byte"
for span in "0x10000 0x800" "0x10900 0x700" "0 0x10000" "0x11000 0x1000"; do
	set -- $span
	$GUESTCORE read "$T/e.core" --phys "$1" --length "$2" -o "$T/e.part" --force
	dd if="$T/e.img" of="$T/e.want" bs=1 skip=$(($1)) count=$(($2)) status=none
	cmp -s "$T/e.part" "$T/e.want" && ok "readable bytes at $1+$2 kept" || not_ok "bytes at $1+$2 differ"
done
$GUESTCORE read "$T/e.core" --phys 0x10800 --length 0x100 -o "$T/e.part" --force
cmp -s -n 256 "$T/e.part" /dev/zero && ok "the bad bytes are zeros" || not_ok "the bad bytes are not zeros"

# --- read errors across chunks that several threads copy: a thread that
# cannot read hands the rest of its chunk back, which is read page by page
head -c 25165824 /dev/urandom >"$T/e24.img" # 24 MiB: helper threads run
run env GC_FAULT_PATH="$T/e24.img" GC_FAULT_MODE=eio GC_FAULT_AT=0x500800 GC_FAULT_LEN=0x600000 LD_PRELOAD="$SHIM" \
	$G dump -s "raw:$T/e24.img" -o "$T/e24.core"
expect_rc 3 "read errors over 6 MiB of a 24 MiB guest"
expect_in "$err" "6291456 bytes in 1 ranges could not be read" "exactly the bad bytes are counted"
$GUESTCORE read "$T/e24.core" --phys 0 --length 0x500800 | cmp -s -n $((0x500800)) - "$T/e24.img" && ok "the bytes before them kept" ||
	not_ok "the bytes before the bad ones differ"
$GUESTCORE read "$T/e24.core" --phys 0xb00800 --length 0xcff800 -o "$T/e24.tail" --force
dd if="$T/e24.img" bs=2048 skip=$((0xb00800 / 2048)) status=none | cmp -s - "$T/e24.tail" && ok "the bytes after them kept" ||
	not_ok "the bytes after the bad ones differ"
$GUESTCORE read "$T/e24.core" --phys 0x500800 --length 0x600000 --allow-holes | cmp -s -n 6291456 - /dev/zero &&
	ok "the bad bytes are zeros" || not_ok "the bad bytes are not zeros"
rm -f "$T/e24.img" "$T/e24.core" "$T/e24.tail"

# --- a sparse source truncated during the dump: unreadable, never holes
rm -f "$T/sp.img"
i=0
while [ $i -lt 24 ]; do
	head -c 65536 /dev/urandom | dd of="$T/sp.img" bs=65536 seek=$((i * 2)) conv=notrunc status=none
	i=$((i + 1))
done
truncate -s 3M "$T/sp.img"
run env GC_FAULT_PATH="$T/sp.img" GC_FAULT_MODE=shrink GC_FAULT_AT=0x100000 LD_PRELOAD="$SHIM" \
	$G dump -s "raw:$T/sp.img" -o "$T/sp.core"
if [ "$rc" -eq 3 ] || [ "$rc" -eq 1 ]; then ok "a source that shrinks is a failure or unreadable (exit $rc)"; else not_ok "a shrinking source: exit $rc"; fi
[ "$rc" -ne 3 ] || expect_in "$err" "could not be read" "the lost bytes are reported"
# --- a plugin that writes past a struct the host sized (a newer field
# without GUESTCORE_STRUCT_HAS): caught, nothing corrupted
for what in info range; do
	run $G dump -s "test:ranges=1,size=0x10000,overrun=$what" -o "$T/ov.core"
	expect_rc 1 "a source that writes past guestcore_$what"
	expect_in "$err" "wrote past the" "the overrun is named"
	expect_in "$err" "GUESTCORE_STRUCT_HAS()" "the remedy is named"
	[ ! -e "$T/ov.core" ] && ok "no core after the overrun" || not_ok "a core was written"
done
finish
