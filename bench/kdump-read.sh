#!/bin/sh
# Benchmark (not a test): the kdump reader's cost follows what a file holds.
#   1. a 16 MiB file whose bitmaps claim 64 M page frames (256 GiB), all
#      present and dumped, with the descriptors of 16 of them: inspect,
#      validate, read of its first 64 MiB, extract and convert, each with
#      its time and peak RSS (targets: under 2 s and 64 MiB each).
#   2. guestcore's kdump file (zstd) of a 1 GiB guest (in every four pages
#      one random, one text-like, two zero), read whole by validate (every
#      page decompressed), extract and convert to ELF, against 'cat' of the
#      file and 'zstd -d' of the raw image compressed alike (the floors of
#      reading and of decompressing it), side by side in alternating runs.
# Outputs on tmpfs.
#   sh bench/kdump-read.sh [BUILDDIR]   (default _build/normal)
# RUNS=N runs of each (default 3); medians are compared.
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
for c in python3 zstd bc; do
	command -v $c >/dev/null || { echo "needs $c (sh scripts/deps.sh --bench)"; exit 1; }
done
[ "$(df -k --output=avail /dev/shm | tail -1)" -gt 4194304 ] || { echo "needs 4 GiB free in /dev/shm"; exit 1; }
shm=$(absdir /dev/shm/guestcore-bench-kdread)
trap 'rm -rf "$shm"' EXIT

# timed NAME CMD...: CMD's time appended to $shm/NAME.times, its peak RSS to NAME.rss
timed() {
	_n=$1
	shift
	t0=$(now)
	/usr/bin/time -f %M -o "$shm/rss" "$@" >/dev/null 2>&1 || true
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$shm/$_n.times"
	tail -n 1 "$shm/rss" >>"$shm/$_n.rss"
}
report() { # NAME LABEL [BASELINE-NAME]
	_t=$(median <"$shm/$1.times")
	if [ -n "${3:-}" ]; then
		printf '  %-38s %7.3f s  %8d KiB  (%.2fx %s)\n' "$2" "$_t" "$(sort -n "$shm/$1.rss" | tail -1)" \
			"$(echo "$_t / $(median <"$shm/$3.times")" | bc -l)" "$3"
	else
		printf '  %-38s %7.3f s  %8d KiB\n' "$2" "$_t" "$(sort -n "$shm/$1.rss" | tail -1)"
	fi
}

# 1. the file that claims 256 GiB
python3 - "$shm/claims.kdump" <<'PY'
import struct, sys
BS = 4096
ones = b"\xff" * (8 << 20)
h = bytearray(BS)
h[0:8] = b"KDUMP   "
struct.pack_into("<i", h, 8, 6)
for i, v in enumerate([b"Linux", b"", b"6.1.0", b"#1", b"x86_64", b""]):
    h[12 + i * 65:12 + i * 65 + len(v)] = v
struct.pack_into("<IiIIIIIIIi", h, 424, 0x20, BS, 1, 2 * len(ones) // BS, 0, 0, 0, 0, 0, 1)
s = bytearray(BS)
struct.pack_into("<QQQ", s, 80, 0, len(ones) * 8, len(ones) * 8)
with open(sys.argv[1], "wb") as f:
    f.write(h + s + ones + ones + struct.pack("<QIIQ", 0, BS, 0, 0) * 16)
PY
for i in $(seq "$runs"); do
	timed c-inspect "$G" inspect "$shm/claims.kdump"
	timed c-validate "$G" validate "$shm/claims.kdump"
	timed c-read "$G" read "$shm/claims.kdump" --phys 0 --length 64M --allow-holes -o "$shm/out" --force
	timed c-extract "$G" extract "$shm/claims.kdump" -o "$shm/out" --force
	timed c-convert "$G" convert "$shm/claims.kdump" -o "$shm/out" --force
	rm -f "$shm/out" "$shm/out.map"
done
echo "1. a $(($(stat -c %s "$shm/claims.kdump") >> 20)) MiB kdump file claiming 256 GiB (median of $runs, peak RSS):"
report c-inspect "guestcore inspect"
report c-validate "guestcore validate"
report c-read "guestcore read 64 MiB --allow-holes"
report c-extract "guestcore extract"
report c-convert "guestcore convert (to ELF)"

# 2. a real 1 GiB guest's file
fill_mixed "$shm/guest.img" 1024
"$G" dump -s "raw:$shm/guest.img" --format kdump -o "$shm/guest.kdump" --force >/dev/null
zstd -q -1 -T0 -f "$shm/guest.img" -o "$shm/guest.img.zst"
rm -f "$shm/guest.img"
for i in $(seq "$runs"); do
	timed cat cat "$shm/guest.kdump"
	timed zstd-d zstd -q -d -c "$shm/guest.img.zst"
	timed validate "$G" validate "$shm/guest.kdump"
	timed extract "$G" extract "$shm/guest.kdump" -o "$shm/out" --force
	rm -f "$shm/out" "$shm/out.map"
	timed convert "$G" convert "$shm/guest.kdump" -o "$shm/out" --force
	rm -f "$shm/out"
done
echo "2. guestcore's kdump file of a 1 GiB guest, $(($(stat -c %s "$shm/guest.kdump") >> 20)) MiB (median of $runs, peak RSS):"
report cat "cat FILE >/dev/null"
report zstd-d "zstd -d of the image (zstd -1)"
report validate "guestcore validate" zstd-d
report extract "guestcore extract" zstd-d
report convert "guestcore convert (to ELF)" zstd-d
