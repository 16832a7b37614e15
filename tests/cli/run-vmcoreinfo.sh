#!/bin/sh
# The guest kernel's VMCOREINFO when the source gives none: found in guest
# memory during the copy (tests/data/make-vmci-guest.py plants a kernel's
# text, its note form and its utsname at init_uts_ns), in every copy path
# (the file by threads, --copy=read and dense, the kdump workers, pushed
# pages read back as the core holds them), written as the VMCOREINFO note
# of an ELF core and in a kdump file's sub header with its phys_base, and
# recorded in the guestcore.vmcoreinfo note; fakes refused with a warning;
# --vmcoreinfo=auto|source|memory|none|FILE.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
test_source_only
PY=$(command -v python3 || command -v /usr/bin/python3)
gen() { "$PY" "$top_srcdir/tests/data/make-vmci-guest.py" "$@"; }
vmcoreinfo() { # core: the text of its VMCOREINFO note, as inspect prints it
	$G inspect "$1" | awk '/^  \[[0-9]+\] / { on = ($2 == "VMCOREINFO"); next } on { sub(/^      /, ""); print }'
}
origin() { # core: the guestcore.vmcoreinfo note's fields, one line
	$G inspect "$1" | awk '/^  \[[0-9]+\] / { on = ($NF == "guestcore.vmcoreinfo"); next } on { printf "%s %s ", $1, $2 }'
}
same_text() { # core text-file description
	vmcoreinfo "$1" >"$T/got.vmci"
	if cmp -s "$T/got.vmci" "$2"; then ok "$3"; else not_ok "$3"; diff "$2" "$T/got.vmci" | head -5; fi
}

# --- a guest with no Linux in it: no note, nothing said beyond -v
gen "$T/none.img" 16 random
for fmt in elf kdump; do
	run $G dump -s "raw:$T/none.img" --format $fmt -o "$T/none.$fmt"
	expect_rc 0 "$fmt: a guest without Linux"
	[ -z "$err" ] && ok "$fmt: nothing on stderr" || not_ok "$fmt: stderr: $err"
	expect_not_in "$($G inspect "$T/none.$fmt")" "VMCOREINFO type" "$fmt: no VMCOREINFO note"
	expect_not_in "$($G inspect "$T/none.$fmt")" "guestcore.vmcoreinfo" "$fmt: no note says where it came from"
done
run $G -v dump -s "raw:$T/none.img" -o "$T/none.elf" -f
expect_in "$err" "no VMCOREINFO text in guest memory" "-v says none was found"

# --- a kernel's text in memory, with fakes: found, checked, the fakes said
gen "$T/k.img" 32 random kernel:200000:6.1.0-guest:0x100000 fake-pagesize:400000 fake-byte:500000 fake-uts:600000
want="$T/k.img.6.1.0-guest.vmci"
run $G dump -s "raw:$T/k.img" -o "$T/k.core"
expect_rc 0 "ELF: the guest with a kernel and three fakes"
expect_in "$err" "0x400000 begins as a VMCOREINFO text but is not one (PAGESIZE=12345 is not a page size of x86_64" \
	"a wrong PAGESIZE is refused with a warning"
expect_in "$err" "0x500000 begins as a VMCOREINFO text but is not one (line 3 holds the byte 0x01" \
	"an unprintable byte is refused with a warning"
expect_in "$err" "0x600000 holds a VMCOREINFO text of Linux 6.1.0-nouts, but the utsname it places at init_uts_ns is not there" \
	"a text whose kernel is not there is refused with a warning"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 3 ] && ok "three warnings, no more" || not_ok "stderr: $err"
same_text "$T/k.core" "$want" "ELF: the VMCOREINFO note is the kernel's text, byte for byte"
expect_in "$(origin "$T/k.core")" "origin 0x2 candidates 0x1 address 0x200000 image_vaddr 0xffffffff81000000 image_paddr 0x1100000 image_size 0x1f000000 from \"\"" \
	"ELF: guestcore.vmcoreinfo says guest memory at 0x200000"
run $G validate "$T/k.core"
expect_rc 0 "ELF: valid"
for mode in read dense; do
	run $G dump -s "raw:$T/k.img" --copy=$mode -o "$T/k-$mode.core"
	expect_rc 0 "--copy=$mode"
	same_text "$T/k-$mode.core" "$want" "--copy=$mode: the kernel's text"
done
run $G dump -s "raw:$T/k.img" --format kdump -o "$T/k.kdump"
expect_rc 0 "kdump: the same guest"
same_text "$T/k.kdump" "$want" "kdump: the VMCOREINFO note is the kernel's text"
run $G inspect "$T/k.kdump"
expect_in "$out" "phys_base 0x100000" "kdump: phys_base in the sub header is the text's"
expect_not_in "$out" "VMCOREINFO 0x0 bytes" "kdump: the sub header points to VMCOREINFO"
expect_in "$out" 'release "6.1.0-guest" version "#1 SMP PREEMPT_DYNAMIC"' "kdump: the utsname read at init_uts_ns"
run $G validate "$T/k.kdump"
expect_rc 0 "kdump: valid"
# A core without VMCOREINFO converted: found in its memory, both ways.
run $G dump -s "raw:$T/k.img" --vmcoreinfo=none -o "$T/k-none.core"
expect_rc 0 "--vmcoreinfo=none"
expect_not_in "$($G inspect "$T/k-none.core")" "VMCOREINFO type" "--vmcoreinfo=none: no VMCOREINFO"
[ -z "$err" ] && ok "--vmcoreinfo=none: no search, no warning" || not_ok "--vmcoreinfo=none: $err"
for fmt in elf kdump; do
	run $G convert "$T/k-none.core" --format $fmt -o "$T/kc.$fmt"
	expect_rc 0 "convert to $fmt"
	same_text "$T/kc.$fmt" "$want" "convert to $fmt: the text found in the input core's memory"
done
run $G convert "$T/k.kdump" -o "$T/kk.core"
expect_in "$(origin "$T/kk.core")" "origin 0x1" "convert of a core with VMCOREINFO: the source's"
same_text "$T/kk.core" "$want" "convert keeps the input's text"

# --- the kernel image's RAM at its virtual address (ELF), as /proc/vmcore
# has it; every reader by physical address sees what it saw
loads() { readelf -lW "$1" | awk '$1 == "LOAD" { print $3, $4, $5 }'; } # vaddr paddr filesz
expect_in "$(loads "$T/k.core")" "0xffffffff81000000 0x0000000001100000 0xf00000" \
	"ELF: a PT_LOAD at _stext's 2 MiB page, at the physical address phys_base gives, to the end of RAM"
expect_in "$(loads "$T/k.core")" "0x0000000000000000 0x0000000000000000 0x1100000" "ELF: the RAM below it keeps p_vaddr = p_paddr"
run $G dump -s "raw:$T/k.img" --vaddr=paddr -o "$T/k-paddr.core"
expect_rc 0 "--vaddr=paddr"
expect_not_in "$(loads "$T/k-paddr.core")" "0xffffffff" "--vaddr=paddr: no kernel virtual address"
$G extract "$T/k.core" -o "$T/k.raw" >/dev/null
$G extract "$T/k-paddr.core" -o "$T/k-paddr.raw" >/dev/null
cmp -s "$T/k.raw" "$T/k-paddr.raw" && cmp -s "$T/k.raw" "$T/k.img" && ok "extract: the same bytes at every physical address" ||
	not_ok "extract differs"
rm -f "$T/k.raw" "$T/k-paddr.raw"
run $G convert "$T/k.core" --format kdump -o "$T/kv.kdump"
expect_rc 0 "the core with the kernel's PT_LOAD converted to kdump"
present() { $G inspect "$1" | sed -n 's/.* \([0-9]*\) page frames present, \([0-9]*\) dumped.*/\1 \2/p'; }
[ "$(present "$T/kv.kdump")" = "$(present "$T/k.kdump")" ] && [ -n "$(present "$T/k.kdump")" ] &&
	ok "its kdump file holds each page once ($(present "$T/k.kdump"))" ||
	not_ok "pages: $(present "$T/kv.kdump"), not $(present "$T/k.kdump")"
run $G convert "$T/k.core" -o "$T/kv.core"
[ "$(loads "$T/kv.core")" = "$(loads "$T/k.core")" ] && ok "convert writes the same PT_LOADs" ||
	{ not_ok "convert's PT_LOADs differ"; loads "$T/kv.core"; }
run $G dump -s "raw:$T/k.img" --format kdump --vaddr=paddr -o "$T/x.kdump"
expect_rc 1 "--vaddr with --format kdump"
expect_in "$err" "drop --vaddr or write --format elf" "is refused with the remedy"
cp "$T/k.core" "$T/bad-vaddr.core"
"$PY" - "$T/bad-vaddr.core" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b")
h = f.read(64)
phoff, = struct.unpack_from("<Q", h, 32)
phnum, = struct.unpack_from("<H", h, 56)
for i in range(phnum):
    f.seek(phoff + i * 56)
    p = f.read(56)
    if struct.unpack_from("<Q", p, 16)[0] == 0xffffffff81000000:
        f.seek(phoff + i * 56 + 16)
        f.write(struct.pack("<Q", 0xffffffff81200000))
PY
run $G validate "$T/bad-vaddr.core"
expect_rc 1 "validate: a p_vaddr the core's VMCOREINFO contradicts"
expect_in "$out$err" "load.vaddr" "is the finding load.vaddr"

# --- two kernels (kexec): the one that did not crash, with a warning naming both
gen "$T/two.img" 32 kernel:200000:6.1.0-old:0:crashed kernel:300000:6.1.0-new:0x200000
run $G dump -s "raw:$T/two.img" -o "$T/two.core"
expect_rc 0 "two kernels' texts"
expect_in "$err" "holds 2 VMCOREINFO texts: took Linux 6.1.0-new at 0x300000" "the warning names the one taken"
expect_in "$err" "not Linux 6.1.0-old at 0x200000, which crashed" "and the other"
same_text "$T/two.core" "$T/two.img.6.1.0-new.vmci" "the text of the kernel that did not crash"

# --- every page begins as a text: bounded, said once
gen "$T/hostile.img" 64 every-page
run $G dump -s "raw:$T/hostile.img" -o "$T/hostile.core"
expect_rc 0 "every page begins \"OSRELEASE=\""
expect_in "$err" "pages of guest memory past the first 1024 that begin as a VMCOREINFO text were not looked at" \
	"the pages not looked at are counted"
[ "$(printf '%s\n' "$err" | wc -l)" -le 6 ] && ok "at most 6 lines of warnings" || not_ok "$(printf '%s\n' "$err" | wc -l) lines"

# --- the source's note, and each --vmcoreinfo
src="test:ranges=1,size=0x2000000,file=$T/k.img,note=VMCOREINFO:0:OSRELEASE=6.1.0-source\nPAGESIZE=4096\n"
run $G dump -s "$src" -o "$T/s.core"
expect_in "$(vmcoreinfo "$T/s.core")" "OSRELEASE=6.1.0-source" "auto: the source's VMCOREINFO"
expect_in "$(origin "$T/s.core")" "origin 0x1" "auto: guestcore.vmcoreinfo says the source"
[ -z "$err" ] && ok "auto: memory is not searched when the source has one (no word of its fakes)" ||
	not_ok "auto with the source's: $err"
run $G dump -s "$src" --vmcoreinfo=memory -o "$T/m.core"
expect_rc 0 "--vmcoreinfo=memory with a source that has one"
same_text "$T/m.core" "$want" "--vmcoreinfo=memory: memory's text, the source's left out"
[ "$($G inspect "$T/m.core" | grep -c 'VMCOREINFO type')" -eq 1 ] && ok "one VMCOREINFO note" || not_ok "VMCOREINFO notes: $($G inspect "$T/m.core" | grep -c 'VMCOREINFO type')"
run $G dump -s "raw:$T/none.img" --vmcoreinfo=memory -o "$T/mn.core"
expect_rc 0 "--vmcoreinfo=memory without one in memory"
expect_in "$err" "warning: no VMCOREINFO text in guest memory" "is a warning when asked for"
run $G dump -s "raw:$T/k.img" --vmcoreinfo=source -o "$T/src.core"
expect_not_in "$($G inspect "$T/src.core")" "VMCOREINFO type" "--vmcoreinfo=source: the raw source has none, memory is not searched"
printf 'OSRELEASE=6.1.0-file\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff82000000\n' >"$T/given.vmci"
for fmt in elf kdump; do
	run $G dump -s "$src" --vmcoreinfo="$T/given.vmci" --format $fmt -o "$T/f.$fmt"
	expect_rc 0 "$fmt: --vmcoreinfo=FILE"
	same_text "$T/f.$fmt" "$T/given.vmci" "$fmt: the file's text, the source's and memory's left out"
	expect_in "$(origin "$T/f.$fmt")" "origin 0x3 candidates 0x0 address 0x0 image_vaddr 0x0 image_paddr 0x0 image_size 0x0 from \"$T/given.vmci\"" \
		"$fmt: guestcore.vmcoreinfo names the file"
done
echo keep >"$T/kept.core"
run $G dump -s "raw:$T/k.img" --vmcoreinfo="$T/missing.vmci" -f -o "$T/kept.core"
expect_rc 1 "--vmcoreinfo=FILE of a missing file"
expect_in "$err" "cannot read the VMCOREINFO file $T/missing.vmci: No such file or directory" "names the file and why"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && ok "in one line" || not_ok "stderr: $err"
[ "$(cat "$T/kept.core")" = keep ] && ok "the existing output is kept" || not_ok "the output was clobbered"
head -c 3000 /dev/urandom >"$T/binary.vmci"
printf 'OSRELEASE=6.1.0\nPAGESIZE=65536\n' >"$T/arm.vmci"
for f in binary arm; do
	run $G dump -s "raw:$T/k.img" --vmcoreinfo="$T/$f.vmci" -f -o "$T/kept.core"
	expect_rc 1 "--vmcoreinfo=FILE of a malformed file ($f)"
	expect_in "$err" "the VMCOREINFO file $T/$f.vmci is not the VMCOREINFO text of a kernel of this x86_64 guest" \
		"$f: says so"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && ok "$f: in one line" || not_ok "$f: stderr: $err"
done
[ "$(cat "$T/kept.core")" = keep ] && ok "the existing output is kept" || not_ok "the output was clobbered"
run $G dump -s "raw:$T/k.img" --vmcoreinfo= -o "$T/x.core"
expect_rc 2 "--vmcoreinfo= with nothing"

# --- pushed pages: read back as the core holds them (the last push wins)
for fmt in elf kdump; do
	run $G dump -s "test:ranges=9,size=0x100000,gap=0x100000,file=$T/k.img,push=ooo,stale-vmcoreinfo" --format $fmt -o "$T/p.$fmt"
	expect_rc 0 "$fmt: a pushing source whose first pass looks like VMCOREINFO on every page"
	same_text "$T/p.$fmt" "$want" "$fmt: the kernel's text, pushed, not the stale pages'"
	expect_not_in "$err" "stale" "$fmt: nothing said of the pages overwritten"
done
no_temp "$T" "vmcoreinfo"
finish
