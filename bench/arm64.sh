#!/bin/sh
# Benchmark (not a test): the suite's arm64 Linux guest (Debian's arm64
# kernel, tests/qemu/linux-guest.sh DIR arm64) under qemu-system-aarch64 TCG,
# 1 GiB, 2 vCPUs, with 512 MiB of random data in its initramfs
# (guestcore_fill), dumped by QEMU and by guestcore side by side, alternating:
#   ELF:   QEMU's dump-guest-memory (the guest paused throughout) against
#          guestcore dump -s qemu:... (snapshot mode: the guest runs on);
#   kdump: QEMU's kdump-zlib against guestcore --format kdump --compress zlib and
#          with its default (zstd).
# Each side is timed until its file is durable (QEMU's followed by 'sync
# FILE'; guestcore fsyncs before it links its output).  Prints the medians,
# the ratios and the size on disk of each file.
#   sh bench/arm64.sh [BUILDDIR] [OUTDIR]   (default _build/normal, _build/bench-arm64)
# RUNS=N runs of each side (default 3).
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_init "${1:-}" 3
out=$(absdir "${2:-_build/bench-arm64}")
Q="$build/tests/qemu/qmpcmd"
[ -x "$Q" ] || { echo "build first: make check in $build"; exit 1; }
command -v qemu-system-aarch64 >/dev/null || { echo "needs qemu-system-arm"; exit 1; }
command -v bc >/dev/null || { echo "needs bc"; exit 1; }
guest=${GUESTCORE_LINUX_GUEST_ARM64:-$build/tests/linux-guest-arm64}
sh tests/qemu/linux-guest.sh "$guest" arm64 || { echo "no arm64 Linux guest to boot"; exit 1; }
sock="$out/qmp.sock"
sock2="$out/qmp2.sock"
rm -f "$sock" "$sock2" "$out/console.log"
qemu-system-aarch64 -display none -nodefaults -M virt,accel=tcg -cpu max,sve=off,pauth-impdef=on -m 1024 -smp 2 \
	-kernel "$guest/vmlinuz" -initrd "$guest/initrd.gz" -append "console=ttyAMA0 panic=-1 quiet guestcore_fill=512" \
	-device vmcoreinfo -serial file:"$out/console.log" -qmp unix:"$sock",server=on,wait=off \
	-qmp unix:"$sock2",server=on,wait=off &
qpid=$!
trap '"$Q" "$sock2" "{\"execute\":\"quit\"}" >/dev/null 2>&1 || kill $qpid 2>/dev/null; rm -f "$out"/*.core "$out"/*.kdump' EXIT
i=0
while ! grep -q guestcore-guest-ready "$out/console.log" 2>/dev/null && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
grep -q guestcore-guest-ready "$out/console.log" || { echo "the guest did not boot within 300 s"; exit 1; }
echo "guest booted in $((i / 10)) s; outputs in $out ($(df -T "$out" | awk 'NR == 2 { print $2 }'))"

# qemu_dump FORMAT FILE: QEMU's dump-guest-memory into FILE, then sync FILE.
qemu_dump() {
	"$Q" "$sock2" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"format\":\"$1\",\"protocol\":\"file:$2\"}}" >/dev/null
	sync "$2"
}
# side NAME CMD...: one timed run of CMD; its time goes to NAME.times
side() {
	name=$1
	shift
	rm -f "$out/$name.out"
	sync
	timed "$out/$name.times" "$@"
	du -k "$out/$name.out" | cut -f1 >"$out/$name.size"
	rm -f "$out/$name.out"
}
for n in qelf gelf qkd gkdz gkd; do : >"$out/$n.times"; done
for i in $(seq "$runs"); do
	side qelf qemu_dump elf "$out/qelf.out"
	side gelf "$G" dump -s "qemu:qmp=$sock" -o "$out/gelf.out"
	side qkd qemu_dump kdump-zlib "$out/qkd.out"
	side gkdz "$G" dump -s "qemu:qmp=$sock" --format kdump --compress zlib -o "$out/gkdz.out"
	side gkd "$G" dump -s "qemu:qmp=$sock" --format kdump -o "$out/gkd.out"
done
row() { # label name reference-name
	t=$(median <"$out/$2.times")
	r=$(median <"$out/$3.times")
	printf '%-44s %7.3f s %9d KiB   %.2fx QEMU\n' "$1" "$t" "$(cat "$out/$2.size")" "$(echo "$t / $r" | bc -l)"
}
echo "medians of $runs alternating runs, until durable; size on disk"
row "QEMU dump-guest-memory (ELF, guest paused)" qelf qelf
row "guestcore dump (ELF, snapshot)" gelf qelf
row "QEMU dump-guest-memory (kdump-zlib)" qkd qkd
row "guestcore dump --format kdump --compress zlib" gkdz qkd
row "guestcore dump --format kdump (zstd)" gkd qkd
