#!/bin/sh
# The raw source streams its map: a map of 1 M ranges (30 MiB of text, past
# the 16 MiB a map read whole may have) gives the core the test source
# writes for the same ranges (program headers and every data extent equal),
# in the memory of a few ranges; a map not in ascending order is still read
# whole and sorted; overlapping ranges and a bad line are named.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
test_source_only
n=1048576

python3 - "$T" "$n" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
with open(d + "/big.map", "w") as f:
    f.write("# START SIZE KIND FILE_OFFSET: every other range MMIO\n")
    for i in range(n):
        f.write("0x%x 0x1000 %s 0x%x\n" % (i * 0x2000, "mmio" if i % 2 else "ram", i * 0x2000))
with open(d + "/big.img", "wb") as f:
    f.truncate(n * 0x2000)
    for i in range(0, n, 4097 * 2):
        f.seek(i * 0x2000)
        f.write((b"page %d " % i) * 200)
PY
size=$(stat -c %s "$T/big.map")
[ "$size" -gt $((16 << 20)) ] && ok "the map is $size bytes, more than a map read whole may have" ||
	not_ok "the map is only $size bytes"

if [ -x /usr/bin/time ]; then
	run /usr/bin/time -f %M -o "$T/rss" $G dump -s "raw:$T/big.img,map=$T/big.map" -o "$T/raw.core"
else
	run $G dump -s "raw:$T/big.img,map=$T/big.map" -o "$T/raw.core"
fi
expect_rc 0 "the raw source dumps a map of $n ranges"
expect_in "$out" "$n segments" "every range a segment"
if [ -s "$T/rss" ] && [ "${GC_SANITIZERS:-no}" != yes ]; then
	rss=$(tail -n 1 "$T/rss")
	[ "$rss" -lt 32768 ] && ok "in $rss kB (the map alone is $((size / 1024)) kB)" || not_ok "$rss kB of RSS"
fi
run $G dump -s "test:ranges=$n,size=0x1000,gap=0x1000,mmio=2,file=$T/big.img" -o "$T/test.core"
expect_rc 0 "the test source dumps the same ranges"
# The program header tables, and the bytes of every data extent, equal.
if python3 - "$T/raw.core" "$T/test.core" <<'PY'
import os, struct, sys
def table(p):
    b = open(p, "rb").read(64)
    phoff, = struct.unpack_from("<Q", b, 32)
    phnum, = struct.unpack_from("<H", b, 56)
    with open(p, "rb") as f:
        f.seek(phoff)
        if phnum == 0xffff:
            shoff, = struct.unpack_from("<Q", b, 40)
            f.seek(shoff + 44)
            phnum, = struct.unpack("<I", f.read(4))
            f.seek(phoff)
        return f.read(phnum * 56)
a, b = table(sys.argv[1]), table(sys.argv[2])
assert a == b, "program headers differ"
loads = [struct.unpack_from("<IIQQQQQQ", a, i) for i in range(0, len(a), 56)]
first = min(l[2] for l in loads if l[0] == 1 and l[5])
fa, fb = os.open(sys.argv[1], os.O_RDONLY), os.open(sys.argv[2], os.O_RDONLY)
end = os.fstat(fa).st_size
assert end == os.fstat(fb).st_size, "sizes differ"
at, extents = first, 0
while at < end:
    try:
        data = os.lseek(fa, at, os.SEEK_DATA)
    except OSError:
        break
    hole = os.lseek(fa, data, os.SEEK_HOLE)
    assert os.pread(fa, hole - data, data) == os.pread(fb, hole - data, data), "data at 0x%x differs" % data
    extents += 1
    at = hole
assert extents >= 64, "only %d data extents" % extents
PY
then ok "the same program headers and data as the test source's core"; else not_ok "the cores differ"; fi

# Not ascending: read whole and sorted, as before.
printf '0x3000 0x1000 ram\n0x0 0x1000 ram\n' >"$T/unsorted.map"
run $G dump -s "raw:$T/big.img,map=$T/unsorted.map" -o "$T/unsorted.core"
expect_rc 0 "a map not in ascending order"
run $G inspect "$T/unsorted.core"
expect_in "$out" "1 LOAD  0x0000000000000000" "its ranges sorted"
printf '0x0 0x2000 ram\n0x1000 0x1000 ram\n' >"$T/overlap.map"
run $G dump -s "raw:$T/big.img,map=$T/overlap.map" -o "$T/overlap.core"
expect_rc 1 "overlapping ranges"
expect_in "$err" "ranges at 0x0 and 0x1000 overlap" "are named"
printf '0x0 0x1000 ram\n0x2000 0x1000 ramm\n' >"$T/bad.map"
run $G dump -s "raw:$T/big.img,map=$T/bad.map" -o "$T/bad.core"
expect_rc 1 "a bad line"
expect_in "$err" "bad.map:2: kind 'ramm' is not ram, rom or mmio" "is named with its line"

finish
