#!/bin/sh
# guestcore read and extract: bytes across segment boundaries, holes, and
# the round trip core -> raw image + map -> raw source -> core.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
G="$GUESTCORE -P $TP"

# Three RAM ranges of 64 KiB, 4 KiB apart, the third MMIO.
run $G dump -s "test:ranges=3,size=0x10000,gap=0x1000,mmio=3,cpus=1" --notes vbox,qemu -o "$T/a.core"
expect_rc 0 "dump the test guest"

# Across the boundary between two RAM ranges there is a 4 KiB gap.
run $G read "$T/a.core" --phys 0xff00 --length 0x100 -o "$T/r1"
expect_rc 0 "read inside one segment, up to its end"
[ "$(stat -c %s "$T/r1")" -eq 256 ] && ok "256 bytes written" || not_ok "size $(stat -c %s "$T/r1")"
run $G read "$T/a.core" --phys 0xff00 --length 0x1200
expect_rc 1 "read across a gap without --allow-holes"
expect_in "$err" "guest-physical 0x10000 has no bytes in the core (MMIO or a hole): use --allow-holes" "the hole is named"
run $G read "$T/a.core" --phys 0xff00 --length 0x1200 --allow-holes -o "$T/r2"
expect_rc 0 "read across a gap with --allow-holes"
cmp -s -n 256 "$T/r1" "$T/r2" && ok "the first bytes agree" || not_ok "bytes differ"
zeros=$(dd if="$T/r2" bs=1 skip=256 count=4096 status=none | tr -d '\000' | wc -c)
[ "$zeros" -eq 0 ] && ok "the gap reads as zeros" || not_ok "gap has $zeros non-zero bytes"
run $G read "$T/a.core" --phys 0x22000 --length 16
expect_rc 1 "read of an MMIO range"
echo keep >"$T/exists"
run $G read "$T/a.core" --phys 0 --length 16 -o "$T/exists"
expect_rc 1 "read to an existing file without --force"
[ "$(cat "$T/exists")" = keep ] && ok "the existing file is untouched" || not_ok "clobbered"
run $G read "$T/a.core" --phys 0xffff0 --length 64 -o "$T/exists" --force
expect_rc 1 "a failed read with --force"
[ "$(cat "$T/exists")" = keep ] && ok "a failed read leaves the file untouched" || not_ok "clobbered"
run $G read "$T/a.core" --phys zz --length 1
expect_rc 2 "a bad address"
run $G read "$T/nonexistent.core" --phys 0 --length 1
expect_rc 2 "an unreadable core"

# Round trip: extract, dump the raw image again, compare every segment.
run $G extract "$T/a.core" -o "$T/raw.img"
expect_rc 0 "extract"
expect_in "$(cat "$T/raw.img.map")" "0x22000 0x10000 mmio" "the map keeps the MMIO range"
run $G dump -s "raw:$T/raw.img,map=$T/raw.img.map" -o "$T/b.core"
expect_rc 0 "dump the extracted image through the raw source"
same=0
for addr in 0x0 0x11000; do
	$G read "$T/a.core" --phys $addr --length 0x10000 -o "$T/x1" --force
	$G read "$T/b.core" --phys $addr --length 0x10000 -o "$T/x2" --force
	cmp -s "$T/x1" "$T/x2" && same=$((same + 1))
done
[ $same -eq 2 ] && ok "every segment is identical after the round trip" || not_ok "$((2 - same)) segments differ"
run readelf -l -W "$T/b.core"
expect_in "$out" "0x0000000000022000 0x0000000000022000 0x000000 0x010000" "the MMIO range is still there without bytes"

# A file size limit (ulimit -f, in 512-byte blocks: 512 KiB) met by read -o,
# extract and convert (to both formats), as by dump: one line naming the limit, exit 1, the old output
# kept, nothing left behind.
run $G dump -s "test:ranges=1,size=0x400000" -o "$T/big.core"
expect_rc 0 "a 4 MiB core to read"
for cmd in read extract convert convert-kdump; do
	echo "keep me" >"$T/lim.out"
	case $cmd in
	read) args="read '$T/big.core' --phys 0 --length 0x400000" ;;
	extract) args="extract '$T/big.core'" ;;
	convert) args="convert '$T/big.core'" ;;
	convert-kdump) args="convert '$T/big.core' --format kdump --compress none" ;;
	esac
	run sh -c "ulimit -f 1024; exec $G $args -o '$T/lim.out' --force"
	expect_rc 1 "$cmd under a file size limit"
	expect_in "$err" "file size limit reached writing" "$cmd: the limit is named"
	expect_in "$err" "(ulimit -f)" "$cmd: and the remedy"
	[ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] && ok "$cmd: one line" || not_ok "$cmd: more than one line: $err"
	[ "$(cat "$T/lim.out")" = "keep me" ] && ok "$cmd: the old output is kept" || not_ok "$cmd: the old output changed"
	no_temp "$T" "$cmd under a file size limit"
done
[ ! -e "$T/lim.out.map" ] && ok "extract: no map without its image" || not_ok "extract left a map"
finish
