#!/bin/sh
# A source that pushes its memory (plugin ABI 1.3 push_memory): the test
# source hands every page first as 0xa5 bytes in reverse order, then as it
# is, in an order of its own, the zero pages as zeros without bytes.  The
# last one wins byte for byte in both containers, zeros over data become
# holes again, the registers are asked for after memory, --digest hashes
# what was pushed, and a stream cut in the middle or an interrupt leaves
# nothing behind.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
test_source_only
SPEC="test:ranges=4,size=0x100000,gap=0x1000,cpus=2,mmio=3,note=VMCOREINFO:0:OSRELEASE=6.1.0"

blocks() { stat -c %b "$1"; }

# --- ELF: the same memory as the source that is read, pages as holes alike
run $G dump -s "$SPEC" --notes vbox,qemu -o "$T/read.core"
expect_rc 0 "the source read"
run $G dump -s "$SPEC,push=ooo,state=$T/state" --notes vbox,qemu -o "$T/push.core"
expect_rc 0 "the source pushing out of order and twice"
expect_in "$out" "ELF64 x86_64 core, 2 vCPUs, 4 segments, 3.0 MiB of memory" "the summary"
[ "$(cat "$T/state")" = "$(printf 'pause\npush\nregisters\nresume')" ] && ok "registers are asked for after memory" ||
	not_ok "order: $(cat "$T/state")"
$G extract "$T/read.core" -o "$T/read.raw" >/dev/null
$G extract "$T/push.core" -o "$T/push.raw" >/dev/null
cmp -s "$T/read.raw" "$T/push.raw" && ok "the last push wins, byte for byte" || not_ok "the pushed memory differs"
# (A page more for the notes behind the memory; the 0xa5 pages would be 3 MiB.)
[ "$(blocks "$T/push.core")" -le $(($(blocks "$T/read.core") + 8)) ] && ok "zeros pushed over data leave holes" ||
	not_ok "the pushed core takes $(blocks "$T/push.core") blocks, the read one $(blocks "$T/read.core")"
run $G validate "$T/push.core"
expect_rc 0 "the pushed core validates (its notes behind the memory)"
run $G inspect "$T/push.core"
expect_in "$out" "OSRELEASE=6.1.0" "the source's note, asked for after memory, is there"
for f in push read; do
	$G inspect "$T/$f.core" | sed -n '/NT_PRSTATUS\|prstatus/,/^  \[/p' | grep -v "bytes at" >"$T/$f.regs"
done
cmp -s "$T/read.regs" "$T/push.regs" && [ -s "$T/push.regs" ] && ok "the same registers" || not_ok "the registers differ"

# --- the dense copy writes every byte; --digest hashes what was pushed
run $G dump -s "$SPEC,push=ooo" --copy=dense -o "$T/dense.core"
expect_rc 0 "--copy=dense"
$G extract "$T/dense.core" -o "$T/dense.raw" >/dev/null
cmp -s "$T/read.raw" "$T/dense.raw" && ok "--copy=dense: the same memory" || not_ok "--copy=dense differs"
run $G dump -s "$SPEC,push=ooo" --digest -o "$T/dg.core"
expect_rc 0 "--digest"
run $G validate "$T/dg.core"
expect_rc 0 "the digests of pushed memory check out"
expect_not_in "$out" "digest" "no digest finding"

# --- kdump: the descriptors at their places, the newest data winning
for c in zstd none; do
	run $G dump -s "$SPEC,push=ooo" --format kdump --compress $c -o "$T/push-$c.kdump"
	expect_rc 0 "kdump ($c) from the pushing source"
	run $G validate "$T/push-$c.kdump"
	expect_rc 0 "kdump ($c): valid, notes behind the page data"
	$G extract "$T/push-$c.kdump" -o "$T/push-$c.raw" >/dev/null
	cmp -s "$T/read.raw" "$T/push-$c.raw" && ok "kdump ($c): the same memory" || not_ok "kdump ($c): the memory differs"
	run $G inspect "$T/push-$c.kdump"
	expect_in "$out" 'release "6.1.0"' "kdump ($c): the release from the note pushed after memory"
done

# --- some ranges with a file (read by the host), the others pushed from it
dd if=/dev/urandom of="$T/guest.img" bs=4096 count=1300 2>/dev/null
dd if=/dev/zero of="$T/guest.img" bs=4096 seek=300 count=200 conv=notrunc 2>/dev/null
FSPEC="test:ranges=4,size=0x100000,gap=0x1000,cpus=1,file=$T/guest.img"
run $G dump -s "$FSPEC" -o "$T/file.core"
expect_rc 0 "the file read"
$G extract "$T/file.core" -o "$T/file.raw" >/dev/null
for fmt in elf kdump; do
	run $G dump -s "$FSPEC,push=ooo" --format $fmt -o "$T/mixed.$fmt"
	expect_rc 0 "$fmt: ranges with a file and pushed ones"
	$G extract "$T/mixed.$fmt" -o "$T/mixed-$fmt.raw" >/dev/null
	cmp -s "$T/file.raw" "$T/mixed-$fmt.raw" && ok "$fmt: the same memory" || not_ok "$fmt: the mixed memory differs"
done

# --- a stream cut in the middle: one line, nothing behind, the old file kept
echo "old output" >"$T/keep.core"
rm -f "$T/state"
for fmt in elf kdump; do
	run $G dump -s "$SPEC,push=cut,state=$T/state" --format $fmt --force -o "$T/keep.core"
	expect_rc 1 "$fmt: a cut stream fails"
	expect_in "$err" "ended in the middle" "$fmt: the source's reason"
	[ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] && ok "$fmt: one line" || not_ok "$fmt: more than one line: $err"
	[ "$(cat "$T/keep.core")" = "old output" ] && ok "$fmt: the old output is kept" || not_ok "$fmt: the old output changed"
	no_temp "$T" "$fmt: a cut stream"
done

# --- SIGINT while the source pushes
rm -f "$T/state" "$T/int.core"
$G dump -s "test:ranges=1,size=0x4000000,slow=5,push=ooo,state=$T/state" -o "$T/int.core" 2>"$T/int.err" &
pid=$!
i=0
while ! grep -q push "$T/state" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
expect_rc 1 "SIGINT while pushing"
expect_in "$(cat "$T/int.err")" "interrupted" "the interrupt is reported"
[ ! -e "$T/int.core" ] && ok "no output after SIGINT" || not_ok "output written after SIGINT"
[ "$(cat "$T/state")" = "$(printf 'pause\npush\nresume')" ] && ok "resumed, no registers asked for" ||
	not_ok "state: $(cat "$T/state")"
no_temp "$T" "SIGINT while pushing"
# --- the kdump header carries the kernel's utsname, read from guest memory
# at init_uts_ns as VMCOREINFO places it (SYMBOL, OFFSET, phys_base), from a
# range read through its file and from one pushed (read back from the
# output); a utsname that is not one (another release, a control byte) is
# not taken.
vmci='VMCOREINFO:0:OSRELEASE=6.1.0-t\nSYMBOL(init_uts_ns)=ffffffff80100000\nOFFSET(uts_namespace.name)=4\nNUMBER(phys_base)=0x100000'
uts_image() { # FILE RELEASE VERSION
	python3 - "$@" <<'PY'
import sys
f, release, version = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
b = bytearray(0x400000)
for i, v in enumerate([b"Linux", b"guestnode", release, version, b"x86_64", b"(none)"]):
    b[0x200004 + i * 65:0x200004 + i * 65 + len(v)] = v
open(f, "wb").write(b)
PY
}
uts_image "$T/uts.img" 6.1.0-t "#1 SMP test"
for how in "" ",push=ooo"; do
	run $G dump -s "test:ranges=2,size=0x200000,file=$T/uts.img,note=$vmci$how" --format kdump -o "$T/uts.kdump" -f
	expect_rc 0 "kdump of a guest with a utsname${how:+ (pushed)}"
	run $G inspect "$T/uts.kdump"
	expect_in "$out" 'utsname: sysname "Linux" nodename "guestnode" release "6.1.0-t" version "#1 SMP test" machine "x86_64"' \
		"the kernel's utsname in the header, read at init_uts_ns${how:+ from the pushed range}"
	expect_in "$out" "phys_base 0x100000" "phys_base from VMCOREINFO"
done
uts_image "$T/uts.img" 6.1.0-other "#1 SMP test"
run $G dump -s "test:ranges=2,size=0x200000,file=$T/uts.img,note=$vmci" --format kdump -o "$T/uts.kdump" -f
run $G inspect "$T/uts.kdump"
expect_in "$out" 'nodename "" release "6.1.0-t" version ""' "another kernel's utsname is not taken: VMCOREINFO's release alone"
uts_image "$T/uts.img" 6.1.0-t "$(printf '#1 \033]0;x')"
run $G dump -s "test:ranges=2,size=0x200000,file=$T/uts.img,note=$vmci" --format kdump -o "$T/uts.kdump" -f
run $G inspect "$T/uts.kdump"
expect_in "$out" 'version ""' "a utsname with a control byte is not taken"

finish
