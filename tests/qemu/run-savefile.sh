#!/bin/sh
# Saved states become cores (the savefile source): two real Linux guests
# (the suite's Debian kernel, TCG, -device vmcoreinfo), booted once, paused,
# dumped by QEMU (dump-guest-memory) and migrated into a file (a bare QEMU
# migration stream, as 'virsh dump' without --memory-only writes one):
# - pc (i440fx), 256 MiB: the stream converted to ELF and to kdump has every
#   range of QEMU's dump byte for byte, and its NT_PRSTATUS, QEMU CPU-state
#   and VMCOREINFO notes field by field; so have libvirt save images made
#   around that stream in each of libvirt's compressions (raw, gzip, bzip2,
#   xz, lzop, zstd; tests/data/make-libvirt-save.py writes the header as
#   libvirt does and pipes the stream through the program libvirt runs),
#   and images of header version 1 and of the other byte order;
# - a pc guest with a VGA stopped before its first instruction (-S): the PAM
#   registers at reset map no RAM at 0xc0000-0xfffff, so the core has the
#   ROMs there, as QEMU's dump has (the BIOS's last 64 KiB at 0xf0000), and
#   not the VGA window, its RAM a backend named by -machine memory-backend=;
# - q35, 2900 MiB: RAM split at 2 GiB below 4 GiB and the rest above, as
#   QEMU's own dump has it, memory equal, nothing in the hole between;
# - hostile saved states: cut inside RAM, cut inside gzip data, a damaged
#   byte, a partial (never finished) image, a wrong magic, a huge or
#   overlong XML length, an unknown compression, malformed XML, an unknown
#   machine type: each a one-line error naming the file, a non-zero exit, no
#   file left behind and an existing output kept.
# Skipped (77) when qemu-system-x86_64 is not installed or the kernel cannot
# be fetched.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
# scripts/test-all.sh runs these live tests in the normal and the sanitizer
# build and sets GUESTCORE_LIVE_ONCE for its distcheck of the same tree.
[ -z "${GUESTCORE_LIVE_ONCE:-}" ] || { echo "run by the normal and sanitizer builds already (GUESTCORE_LIVE_ONCE): skipped"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed: skipped"; exit 77; }
G="$GUESTCORE"
. "$top_srcdir/tests/qemu/qemulib.sh"
linux_guest
MK="$top_srcdir/tests/data/make-libvirt-save.py"
PY=python3

# The q35 guest beside the pc one.
bsock="$T/q35.sock"
bsock2="$T/q352.sock"
start_second "$bsock" "$bsock2" -machine q35,accel=tcg -m 2900 -smp 2 -kernel "$guest/vmlinuz" \
	-initrd "$guest/initrd.gz" -append "console=ttyS0 panic=-1 quiet" -device vmcoreinfo -serial file:"$T/q35.log"
start_qemu 0 -machine pc,accel=tcg -m 256 -smp 2 -kernel "$guest/vmlinuz" -initrd "$guest/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet" -device vmcoreinfo -serial file:"$T/console.log"
i=0
while { ! grep -q guestcore-guest-ready "$T/console.log" || ! grep -q guestcore-guest-ready "$T/q35.log"; } 2>/dev/null &&
	[ $i -lt 1800 ]; do sleep 0.1; i=$((i + 1)); done
grep -q guestcore-guest-ready "$T/console.log" && grep -q guestcore-guest-ready "$T/q35.log" &&
	ok "both guests booted ($((i / 10)) s)" ||
	{ not_ok "the guests did not boot within 180 s"; tail -5 "$T/console.log" "$T/q35.log"; finish; exit 1; }

# save SOCK2 PREFIX: pause, QEMU's own dump (PREFIX.qemu.core), then the
# migration into PREFIX.stream, waited for (60 s at most).
save() {
	"$Q" "$1" '{"execute":"stop"}' >/dev/null
	"$Q" "$1" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$2.qemu.core\"}}" >/dev/null
	"$Q" "$1" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > $2.stream\"}}" >/dev/null
	k=0
	while ! "$Q" "$1" '{"execute":"query-migrate"}' | grep -q '"status":"completed"' && [ $k -lt 600 ]; do
		sleep 0.1
		k=$((k + 1))
	done
	"$Q" "$1" '{"execute":"query-migrate"}' | grep -q '"status":"completed"'
}
save "$sock2" "$T/pc" && ok "the pc guest is dumped by QEMU and migrated into a file" || not_ok "the pc guest's migration"
save "$bsock2" "$T/q35" && ok "the q35 guest is dumped by QEMU and migrated into a file" || not_ok "the q35 guest's migration"
# Both guests are done with: the files hold all the tests need.
stop_second
stop_guest
# A pc guest that never ran (-S): its firmware never set the PAM registers,
# so 0xc0000-0xfffff shows the option ROMs and the BIOS's last 128 KiB, not
# RAM; its VGA takes 0xa0000-0xbffff; its RAM is a memory backend of its own
# ("mem0", not "pc.ram").
start_qemu 0 -machine pc,accel=tcg,memory-backend=mem0 -object memory-backend-ram,id=mem0,size=32M -m 32 -S \
	-device VGA,vgamem_mb=1
save "$sock2" "$T/reset" && ok "a pc guest stopped before its first instruction is dumped and migrated" ||
	not_ok "the reset guest's migration"
stop_guest

cpu_notes "$T/pc.qemu.core" >"$T/pc.qemu.core.notes"
[ "$(grep -c '^CORE' "$T/pc.qemu.core.notes")" -eq 2 ] && grep -q '^VMCOREINFO' "$T/pc.qemu.core.notes" &&
	ok "QEMU's dump has 2 NT_PRSTATUS and VMCOREINFO" || not_ok "QEMU's notes: $(head -3 "$T/pc.qemu.core.notes")"
converted() { same_core "$1" "$T/pc.qemu.core" "$2"; }

# The bare stream.
run $G -v convert "$T/pc.stream" --notes qemu -o "$T/bare.core"
expect_rc 0 "convert of a bare QEMU migration stream"
expect_in "$($G inspect "$T/bare.core")" "QEMU migration stream $T/pc.stream (machine pc-i440fx-" \
	"the core records the stream and its machine type"
converted "$T/bare.core" "the bare stream's ELF core"
run $G dump -s "savefile:$T/pc.stream" --notes qemu --format kdump -o "$T/bare.kdump"
expect_rc 0 "dump -s savefile: of the stream into a kdump file"
converted "$T/bare.kdump" "the bare stream's kdump file"

# libvirt save images in each compression.
cat >"$T/domain.xml" <<'XML'
<domain type='qemu'>
  <name>gc-saved</name>
  <uuid>6c3f1d6e-4f7e-4a43-9d55-2b1b6c0a9e01</uuid>
  <memory unit='KiB'>262144</memory>
  <vcpu placement='static'>2</vcpu>
  <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
</domain>
XML
for f in raw gzip bzip2 xz lzop zstd; do
	prog=$f
	[ "$f" = raw ] && prog=cat
	command -v "$prog" >/dev/null || { echo "# $prog not installed: the $f image is not made"; continue; }
	$PY "$MK" "$T/pc.stream" "$T/$f.save" "$f" "$T/domain.xml" --was-running
	run $G -v convert "$T/$f.save" --notes qemu -o "$T/$f.core"
	expect_rc 0 "convert of a $f libvirt save image"
	expect_in "$($G inspect "$T/$f.core")" "libvirt save image $T/$f.save (domain gc-saved, was running, $f, machine pc-i440fx-" \
		"$f: the core records the image, its domain and compression"
	converted "$T/$f.core" "$f image"
	[ "$f" = gzip ] || [ "$f" = raw ] || rm -f "$T/$f.save" "$T/$f.core"
done
# inspect says what a saved state holds, without reading its pages: the
# header (domain, was running, compression), the machine type, the vCPUs
# and the guest-physical ranges of its RAM blocks; the core's ranges are
# those.
run $G inspect "$T/gzip.save"
expect_rc 0 "inspect of a libvirt save image"
expect_in "$out" "a saved state, not a core" "inspect: it is a saved state"
expect_in "$out" "libvirt save image $T/gzip.save (domain gc-saved, was running, gzip, machine pc-i440fx-" \
	"inspect: the image's domain, state, compression and machine type"
expect_in "$out" "machine x86_64 (62), 2 vCPUs" "inspect: the guest's architecture and vCPUs"
# (both as numbers, readelf's unpadded; contiguous pieces joined: the core
# splits a range where the kernel image's mapping begins and ends)
joined() {
	while read -r a b; do printf '%d %d\n' "$a" "$b"; done |
		awk '{ if (NR > 1 && $1 == e) { e += $2; next } if (NR > 1) print s, e - s; s = $1; e = $1 + $2 }
			END { if (NR) print s, e - s }'
}
printf '%s\n' "$out" | awk '$1 ~ /^[0-9]+$/ && $4 ~ /^(ram|rom|mmio)$/ { print $2, $3 }' | joined >"$T/saved.ranges"
readelf -l -W "$T/gzip.core" | awk '$1 == "LOAD" { print $4, $6 }' | joined >"$T/core.ranges"
[ -s "$T/saved.ranges" ] && cmp -s "$T/saved.ranges" "$T/core.ranges" &&
	ok "inspect's ranges are the core's PT_LOADs ($(wc -l <"$T/saved.ranges") stretches)" ||
	{ not_ok "inspect's ranges"; paste "$T/saved.ranges" "$T/core.ranges"; }
run $G inspect --json "$T/gzip.save"
printf '%s\n' "$out" | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["saved_state"] and d["cpus"] == 2 and d["machine"] == "x86_64" and d["ranges"]' &&
	ok "inspect --json of the image: JSON with the machine, vCPUs and ranges" || not_ok "inspect --json: $out"
run $G dump -s "savefile:$T/gzip.save" --notes qemu --format kdump -o "$T/gzip.kdump"
expect_rc 0 "a gzip image into a kdump file"
converted "$T/gzip.kdump" "the gzip image's kdump file"
$PY "$MK" "$T/pc.stream" "$T/v1.save" raw "$T/domain.xml" --version 1 --swap
run $G convert "$T/v1.save" --notes qemu -o "$T/v1.core"
expect_rc 0 "an image of header version 1, in the other byte order"
same_memory "$T/v1.core" "$T/pc.qemu.core" && ok "its memory is QEMU's" || not_ok "its memory differs"
rm -f "$T/v1.save" "$T/v1.core"

# q35: the RAM split at 4 GiB.
run $G -v convert "$T/q35.stream" --notes qemu -o "$T/q35.core"
expect_rc 0 "convert of the q35 guest's stream"
loads() { readelf -l -W "$1" | awk '$1 == "LOAD" { print $4, $5 }' | sort; }
loads "$T/q35.qemu.core" >"$T/q35.qemu.loads"
grep -q '^0x0000000100000000 ' "$T/q35.qemu.loads" && ok "QEMU puts RAM of the q35 guest above 4 GiB" ||
	not_ok "QEMU's q35 dump: $(cat "$T/q35.qemu.loads")"
same_memory "$T/q35.core" "$T/q35.qemu.core" && ok "q35: every range of QEMU's dump is identical (below and above 4 GiB)" ||
	not_ok "q35: memory differs"
readelf -l -W "$T/q35.core" | awk '$1 == "LOAD" && $4 == "0x0000000080000000" { bad = 1 } END { exit bad }' &&
	ok "q35: nothing of the core lies in the hole from 2 GiB" || not_ok "q35: the core has bytes at 2 GiB"
rm -f "$T/q35.core" "$T/q35.qemu.core"* "$T/q35.stream"

# PAM: the ROMs where the host bridge maps no RAM.
run $G convert "$T/reset.stream" --notes qemu -o "$T/reset.core"
expect_rc 0 "convert of the stream of a guest that never ran"
$G read "$T/reset.core" --phys 0xf0000 --length 0x10000 -o "$T/f-seg.bin" --force
$G read "$T/reset.core" --phys 0xffff0000 --length 0x10000 -o "$T/bios-seg.bin" --force
cmp -s "$T/f-seg.bin" "$T/bios-seg.bin" && ok "0xf0000-0xfffff holds the BIOS's own bytes (its PAM segment maps no RAM)" ||
	not_ok "0xf0000-0xfffff is not the BIOS's"
same_memory "$T/reset.core" "$T/reset.qemu.core" && ok "the reset guest: every range of QEMU's dump is identical" ||
	not_ok "the reset guest: memory differs"
! $G read "$T/reset.qemu.core" --phys 0xa0000 --length 4096 -o "$T/vga.bin" --force 2>/dev/null &&
	! $G read "$T/reset.core" --phys 0xa0000 --length 4096 -o "$T/vga.bin" --force 2>/dev/null &&
	ok "the VGA window 0xa0000-0xbffff is left out, as in QEMU's dump" || not_ok "the VGA window has bytes in the core"
rm -f "$T"/reset.* "$T/f-seg.bin" "$T/bios-seg.bin"

# Hostile saved states.
echo keep >"$T/kept.core"
hostile() { # description file: a one-line error naming the file, nothing left, the old output kept
	run $G convert "$2" --notes qemu -o "$T/kept.core" --force
	[ "$rc" -ne 0 ] && ok "$1: exit $rc" || not_ok "$1: exit 0"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && ok "$1: one line ($err)" || { not_ok "$1: $(printf '%s\n' "$err" | wc -l) lines"; echo "$err"; }
	expect_in "$err" "$2" "$1: the error names the file"
	[ "$(cat "$T/kept.core")" = keep ] && ok "$1: the existing output is kept" || not_ok "$1: the output was clobbered"
	no_temp "$T" "$1"
}
size=$(stat -c %s "$T/pc.stream")
head -c $((size / 2)) "$T/pc.stream" >"$T/cut.stream"
hostile "a stream cut inside its RAM" "$T/cut.stream"
expect_in "$err" "ends in the middle" "the cut stream is said to end early"
gsize=$(stat -c %s "$T/gzip.save")
head -c $((gsize / 2)) "$T/gzip.save" >"$T/cut-gzip.save"
hostile "a gzip image cut in half" "$T/cut-gzip.save"
expect_in "$err" "truncated" "the cut image is said to be truncated"
cp "$T/gzip.save" "$T/bad-gzip.save"
printf '\377\377\377\377\377\377\377\377' | dd of="$T/bad-gzip.save" bs=1 seek=$((gsize / 3)) conv=notrunc 2>/dev/null
hostile "a damaged byte in the gzip data" "$T/bad-gzip.save"
expect_in "$err" "damaged" "the damaged image is said to be damaged"
$PY "$MK" "$T/pc.stream" "$T/part.save" raw "$T/domain.xml" --partial
hostile "a partial image (LibvirtQemudPart)" "$T/part.save"
expect_in "$err" "never finished" "the partial image is said to be unfinished"
run $G inspect "$T/part.save"
expect_rc 2 "inspect of the partial image"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && expect_in "$err" "never finished" "inspect: one line, naming why" ||
	not_ok "inspect of the partial image: $err"
[ -z "$out" ] && ok "inspect: nothing on stdout for it" || not_ok "inspect printed: $out"
rm -f "$T/part.save"
head -c 100 "$T/raw.save" >"$T/short.save"
hostile "an image cut inside its XML" "$T/short.save"
expect_in "$err" "ends inside its domain XML" "the cut XML is named"
$PY "$MK" "$T/pc.stream" "$T/huge.save" raw "$T/domain.xml" --data-len 0x1100000
hostile "an XML length of 17 MiB" "$T/huge.save"
expect_in "$err" "at most 16 MiB" "the XML length is refused before anything is read"
rm -f "$T/huge.save"
$PY "$MK" "$T/pc.stream" "$T/fmt.save" 9 "$T/domain.xml"
hostile "an unknown compression (9)" "$T/fmt.save"
rm -f "$T/fmt.save"
printf '<domain><name>x</nam' >"$T/bad.xml"
$PY "$MK" "$T/pc.stream" "$T/badxml.save" raw "$T/bad.xml"
hostile "malformed domain XML" "$T/badxml.save"
rm -f "$T/badxml.save"
$PY -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(d.replace(b"pc-i440fx-", b"xx-i440fx-", 1))' \
	"$T/pc.stream" "$T/machine.stream"
hostile "an unknown machine type" "$T/machine.stream"
expect_in "$err" "whose memory layout guestcore does not know" "the unknown machine type is named with the remedy"
rm -f "$T/machine.stream"
head -c 4096 /dev/urandom >"$T/noise.save"
run $G dump -s "savefile:$T/noise.save" -o "$T/kept.core" --force
[ "$rc" -ne 0 ] && expect_in "$err" "neither a libvirt save image" "a file of noise is neither kind of saved state" ||
	not_ok "noise: exit $rc"
run $G dump -s "savefile:$T/missing.save" -o "$T/kept.core" --force
[ "$rc" -ne 0 ] && expect_in "$err" "missing.save" "a missing file is named" || not_ok "missing: exit $rc"
mkfifo "$T/saved.fifo"
run timeout 10 $G dump -s "savefile:$T/saved.fifo" -o "$T/kept.core" --force
[ "$rc" -eq 1 ] && expect_in "$err" "not a regular file" "a FIFO is refused, not waited on" || not_ok "FIFO: exit $rc"
[ "$(cat "$T/kept.core")" = keep ] && ok "the existing output is kept through all of them" || not_ok "the output was clobbered"
finish
