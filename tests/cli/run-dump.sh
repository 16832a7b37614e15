#!/bin/sh
# guestcore dump from the command line: what readelf, eu-readelf and
# eu-elflint say of its output, PN_XNUM, sparse output of a 64 GiB guest,
# the threaded copy of a large file-backed range, and every failure path
# (full file system, existing output, unwritable directory, file size limit,
# source read error, SIGINT): the documented exit status, the output
# untouched, no temporary file left, the guest resumed.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
G="$GUESTCORE -P $TP"

# --- a clean dump, as readers see it
run $G dump -s "test:ranges=4,size=0x100000,gap=0x1000,cpus=2,mmio=3" --notes vbox,qemu -o "$T/a.core"
expect_rc 0 "dump with vbox and qemu notes"
expect_in "$out" "ELF64 x86_64 core, 2 vCPUs, 4 segments" "summary line"
run readelf -n -l -W "$T/a.core"
expect_rc 0 "readelf -n -l"
[ -z "$err" ] && ok "readelf prints nothing on stderr" || { not_ok "readelf stderr"; echo "$err"; }
expect_not_in "$out" "arning" "readelf prints no warning"
expect_in "$out" "VBCORE" "readelf sees VBCORE"
if command -v eu-readelf >/dev/null; then
	run eu-readelf -n -l "$T/a.core"
	expect_rc 0 "eu-readelf -n -l"
	[ -z "$err" ] && ok "eu-readelf prints nothing on stderr" || { not_ok "eu-readelf stderr"; echo "$err"; }
	expect_in "$out" "PRSTATUS" "eu-readelf decodes NT_PRSTATUS"
	run eu-elflint "$T/a.core"
	other=$(printf '%s\n' "$out$err" | grep -v 'unknown core file note type' | grep -v '^$' || true)
	[ -z "$other" ] && ok "eu-elflint reports only unknown vendor note types" || { not_ok "eu-elflint"; echo "$other"; }
fi

# --- the kdump-compressed format from the command line: summary, inspect,
# validate, extract byte-exact, convert both ways; usage errors.
run $G dump -s "test:ranges=2,size=0x100000,gap=0x100000,cpus=2,note=VMCOREINFO:0:OSRELEASE=6.1.0" \
	--notes vbox,qemu --format kdump --compress lzo -o "$T/k.kdump"
expect_rc 0 "dump --format kdump --compress lzo"
expect_in "$out" "kdump-compressed x86_64 core (lzo), 2 vCPUs, 2 ranges" "kdump summary line"
run $G inspect "$T/k.kdump"
expect_in "$out" "kdump-compressed little-endian core, machine x86_64 (62), header version 6, block size 4096" \
	"inspect: the kdump header"
expect_in "$out" "512 page frames present, 512 dumped" "inspect: the bitmaps"
expect_in "$out" "release \"6.1.0\"" "inspect: the release from VMCOREINFO"
run $G inspect --json "$T/k.kdump"
expect_in "$out" '"format": "kdump"' "inspect --json: the format"
run $G validate -v "$T/k.kdump"
expect_rc 0 "validate a kdump file"
expect_in "$out" "kdump.pages" "validate -v: the page summary"
run $G convert "$T/k.kdump" --notes vbox,qemu -o "$T/k.core"
expect_rc 0 "convert kdump to ELF"
run $G convert "$T/k.core" --notes vbox,qemu --format kdump --compress zstd:5 -o "$T/k2.kdump"
expect_rc 0 "convert ELF to kdump, zstd level 5"
run $G extract "$T/k2.kdump" -o "$T/k2.raw"
expect_rc 0 "extract a kdump file"
run $G extract "$T/k.core" -o "$T/k.raw"
cmp -s "$T/k.raw" "$T/k2.raw" && ok "kdump -> ELF -> kdump: the same memory" || not_ok "the memory differs"
# --- the limits of notes agree: what the writer writes the reader reads
# (core/lib/core_limits.h); a refusal names the limit and says what to do, and
# blames a plugin only where one is at fault.
one_line() { [ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] && ok "$1: one line" || not_ok "$1: more than one line: $err"; }
for spec in "notes=5000:16" "notes=60:1048576"; do
	run $G dump -s "test:ranges=1,size=0x1000,$spec" --notes vbox,qemu -o "$T/lim.core" --force
	expect_rc 0 "a source with $spec"
	run $G validate "$T/lim.core"
	expect_rc 0 "$spec: the core it wrote validates"
done
rm -f "$T/lim.core"
run $G dump -s "test:ranges=1,size=0x1000,notes=70:1048576" -o "$T/lim.core"
expect_rc 1 "a source carrying 70 MiB of notes"
expect_in "$err" "more than 64 MiB of notes of its own, more than a core holds: leave them out with --source-notes=drop" \
	"the limit and the remedy are named"
one_line "70 MiB of source notes"
run $G dump -s "test:ranges=1,size=0x1000,cpus=4096,notes=30:1048576" --notes vbox,qemu -o "$T/lim.core"
expect_rc 1 "4096 vCPUs' notes and 30 MiB of the source's"
expect_in "$err" "more than the 64 MiB and 1048576 notes guestcore reads back" "the reader's limit is named"
expect_not_in "$err" "fix the plugin" "no plugin is blamed"
one_line "the notes past the reader's limit"
[ ! -e "$T/lim.core" ] && ok "no output from a refused dump" || not_ok "lim.core exists"
# The largest guest guestcore takes, converted: 12 291 notes in, 8 193 out.
run $G dump -s "test:ranges=1,size=0x1000,cpus=4096" --notes vbox,qemu -o "$T/4096.core"
expect_rc 0 "4096 vCPUs with the VirtualBox and QEMU notes"
run $G convert "$T/4096.core" --notes qemu -o "$T/4096q.core"
expect_rc 0 "converted to QEMU's notes"
run $G validate "$T/4096q.core"
expect_rc 0 "the converted core validates"
rm -f "$T/4096.core" "$T/4096q.core"

# A register the source lacks is listed once in the "unknown registers"
# note, though both QEMU layouts bind it (NT_PRSTATUS and the CPU state).
printf '[{"reg.rip": 4096}]\n' >"$T/one.cpus"
dd if=/dev/zero of="$T/one.img" bs=4096 count=16 2>/dev/null
run $G dump -s "raw:$T/one.img,cpus=$T/one.cpus" --notes qemu -o "$T/one.core"
expect_rc 0 "a source that gives rip alone"
n=$($G inspect "$T/one.core" | grep "vCPU 0:" | tr ' ' '\n' | grep -c '^reg.rax$' || true)
[ "$n" = 1 ] && ok "an unknown register two layouts bind is listed once" || not_ok "reg.rax listed $n times"
rm -f "$T/one.core"

# A page a kdump file leaves out (its bit clear in the second bitmap) is
# unreadable in the converted core, listed, not a failure: the second
# bitmap's first block follows the first bitmap's (one block here).
run $G dump -s "test:ranges=1,size=0x100000" --format kdump -o "$T/lo.kdump"
bitmaps=$($G inspect "$T/lo.kdump" | sed -n 's/.*bitmaps: 0x1000 bytes each at 0x\([0-9a-f]*\).*/\1/p')
[ -n "$bitmaps" ] && ok "the bitmaps are one block each (at 0x$bitmaps)" || not_ok "the bitmaps are not one block each"
printf '\375' | dd of="$T/lo.kdump" bs=1 seek=$((0x$bitmaps + 0x1000)) conv=notrunc 2>/dev/null
run $G convert "$T/lo.kdump" -o "$T/lo.core"
expect_rc 3 "convert of a kdump file that leaves a page out"
run $G inspect "$T/lo.core"
expect_in "$out" "unreadable_bytes         0x1000" "the page left out is recorded as unreadable"
expect_in "$out" "start                    0x1000" "at its address"
# A source with a file is read through the file by both containers, as
# QEMU's memory backend or a raw image is: its read() (which fails here at
# 0x1000) is not called for it.
dd if=/dev/urandom of="$T/kf.img" bs=4096 count=768 2>/dev/null
for fmt in elf kdump; do
	run $G dump -s "test:ranges=2,size=0x100000,gap=0x100000,file=$T/kf.img,fail=0x1000" --format $fmt -o "$T/kf.$fmt"
	expect_rc 0 "$fmt: a source with a file, read through the file"
done
$G extract "$T/kf.elf" -o "$T/kf-elf.raw" >/dev/null
$G extract "$T/kf.kdump" -o "$T/kf-kdump.raw" >/dev/null
cmp -s "$T/kf-elf.raw" "$T/kf-kdump.raw" && ok "both containers hold the file's bytes" || not_ok "the file's bytes differ"
run $G dump -s "test:ranges=1,size=0x1000" --format zip -o "$T/z.core"
expect_rc 2 "--format zip"
expect_in "$err" "--format takes elf or kdump" "the formats are named"
run $G dump -s "test:ranges=1,size=0x1000" --compress zstd -o "$T/z.core"
expect_rc 2 "--compress without --format kdump"
run $G dump -s "test:ranges=1,size=0x1000" --format kdump --compress zstd:99 -o "$T/z.core"
expect_rc 1 "a zstd level out of range"
expect_in "$err" "compression level 99 does not suit zstd" "the levels are named"
run $G dump -s "test:ranges=1,size=0x1000" --format kdump --compress brotli -o "$T/z.core"
expect_rc 2 "an unknown compression"
# Each container owns its options: one foreign to the format is refused with
# one sentence, never ignored.
for opt in "--copy=dense" "--copy=read" "--digest" "--elf-class=32"; do
	run $G dump -s "test:ranges=1,size=0x1000" --format kdump $opt -o "$T/z.core"
	expect_rc 1 "kdump with $opt"
	expect_in "$err" "write --format elf" "$opt: the sentence says what to do"
	[ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] && ok "$opt: one line" || not_ok "$opt: more than one line: $err"
done
run $G dump -s "test:ranges=1,size=0x1000" --format kdump --copy=auto -o "$T/za.core"
expect_rc 0 "kdump with --copy=auto, the default"
rm -f "$T/za.core"
[ ! -e "$T/z.core" ] && ok "no output from a refused dump" || not_ok "z.core exists"
no_temp "$T" "kdump"

# --- the notes the guest carries (ABI 1.2 get_note): written after the note
# sets' notes, before guestcore's own; one a layout describes (QEMU type 0)
# or a GUESTCORE one is the note sets' or guestcore's to write, not the
# source's; --source-notes=drop leaves them all out; convert keeps them.
notes() { # core: "NAME type" of every note, in file order
	$G inspect "$1" | awk '/^  \[[0-9]+\] / { sub(",", "", $4); print $2, $4 }'
}
src="test:cpus=1,note=VMCOREINFO:0:OSRELEASE=6.1.0,note=QEMU:0:not-a-cpustate,note=GUESTCORE:1:fake,note=ACME:7:vendor"
run $G dump -s "$src" --notes qemu -o "$T/n.core"
expect_rc 0 "dump of a source that carries notes"
[ "$(notes "$T/n.core" | tr '\n' ' ')" = "CORE 0x1 QEMU 0x0 VMCOREINFO 0x0 ACME 0x7 GUESTCORE 0x47430001 GUESTCORE 0x47430005 GUESTCORE 0x47430007 " ] &&
	ok "VMCOREINFO and the unknown note follow the note sets', in order; QEMU and GUESTCORE are not the source's" ||
	{ not_ok "notes in the core:"; notes "$T/n.core"; }
run $G inspect "$T/n.core"
expect_in "$out" "OSRELEASE=6.1.0" "inspect shows VMCOREINFO's text"
run $G validate "$T/n.core"
expect_rc 0 "validate accepts the core with the guest's notes"
run $G dump -s "$src" --notes qemu --source-notes=drop -o "$T/nd.core"
expect_rc 0 "--source-notes=drop"
expect_not_in "$(notes "$T/nd.core")" "VMCOREINFO" "no VMCOREINFO with --source-notes=drop"
run $G convert "$T/n.core" --notes vbox -o "$T/nc.core"
expect_rc 0 "convert to vbox notes"
[ "$(notes "$T/nc.core" | tr '\n' ' ')" = "VBCORE 0xb00 VBCPU 0xb01 VMCOREINFO 0x0 ACME 0x7 GUESTCORE 0x47430004 GUESTCORE 0x47430001 GUESTCORE 0x47430005 GUESTCORE 0x47430007 " ] &&
	ok "convert keeps VMCOREINFO and the unknown note, and writes the register notes anew" ||
	{ not_ok "notes after convert:"; notes "$T/nc.core"; }
vmcoreinfo() { # core: the text of its VMCOREINFO note, as inspect prints it
	$G inspect "$1" | awk '/^  \[[0-9]+\] / { on = ($2 == "VMCOREINFO"); next } on'
}
[ -n "$(vmcoreinfo "$T/n.core")" ] && [ "$(vmcoreinfo "$T/n.core")" = "$(vmcoreinfo "$T/nc.core")" ] &&
	ok "VMCOREINFO is the same after convert" || not_ok "VMCOREINFO changed: $(vmcoreinfo "$T/nc.core")"
# The registers no source could give are listed, and inspect marks them.
run $G inspect "$T/nc.core"
expect_in "$out" "vCPU 0: reg.apic_base reg.cstar" "the unknown-registers note lists what the input core lacks"
expect_in "$out" "ext                      8192 bytes, all zero (unknown: the source could not give it)" \
	"inspect marks a field the source could not give"
expect_not_in "$(printf '%s\n' "$out" | grep ' rip ')" "unknown" "and not one it gave"
run $G convert "$T/n.core" --notes vbox --source-notes=drop -o "$T/ncd.core"
expect_not_in "$(notes "$T/ncd.core")" "ACME" "convert --source-notes=drop leaves them out"
run $G dump -s "$src" --source-notes=maybe -o "$T/x.core"
expect_rc 2 "--source-notes takes keep or drop"

# --- PN_XNUM
run $G dump -s "test:ranges=70000,size=0x1000,gap=0x1000" -o "$T/x.core"
expect_rc 0 "dump of 70000 ranges"
run readelf -l -W "$T/x.core"
expect_in "$out" "There are 70001 program headers" "readelf reads every segment"
loads=$(printf '%s\n' "$out" | grep -c '^  LOAD' || true)
[ "$loads" -eq 70000 ] && ok "70000 PT_LOAD listed" || not_ok "$loads PT_LOAD listed"
rm -f "$T/x.core"

# --- a 64 GiB sparse guest with 8 MiB of data
truncate -s 64G "$T/big.img"
for off in 0 1024 30000 65000; do # MiB
	head -c 2097152 /dev/urandom | dd of="$T/big.img" bs=1M seek=$off conv=notrunc status=none
done
run $G dump -s "raw:$T/big.img" -o "$T/big.core"
expect_rc 0 "dump of a 64 GiB sparse guest"
used=$(du -k "$T/big.core" | cut -f1)
[ "$used" -lt 65536 ] && ok "its disk usage is $used KiB, under 64 MiB" || not_ok "disk usage $used KiB"
start=$(($(stat -c %s "$T/big.core") - 68719476736))
same=0
for off in 0 1024 30000 65000; do
	a=$(dd if="$T/big.img" bs=1M skip=$off count=2 status=none | cksum)
	b=$(dd if="$T/big.core" bs=1M count=2 iflag=skip_bytes skip=$((start + off * 1048576)) status=none | cksum)
	[ "$a" = "$b" ] && same=$((same + 1))
done
[ $same -eq 4 ] && ok "the data reads back identical" || not_ok "data differs in $((4 - same)) places"
rm -f "$T/big.core" "$T/big.img"

# --- a source on another file system (tmpfs): copy_file_range may refuse to
# cross it, and sendfile or the buffer take over; the bytes are the same.
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" != "$(stat -f -c %T "$T")" ]; then
	shm=$(mktemp /dev/shm/gc-test.XXXXXX)
	head -c 3000000 /dev/urandom >"$shm"
	run $G dump -s "raw:$shm" -o "$T/xfs.core"
	expect_rc 0 "dump of a source on another file system"
	$GUESTCORE read "$T/xfs.core" --phys 0 --length 3000000 | cmp -s - "$shm" && ok "its bytes read back identical" || not_ok "bytes differ"
	rm -f "$shm" "$T/xfs.core"
fi

# --- a large file-backed range: this thread and helper threads claim its
# chunks in turn, the writeback thread starts early writeback behind them;
# every byte lands in its place, and one CPU writes the same file.
head -c 100663296 /dev/urandom >"$T/large.img" # 96 MiB
run env SOURCE_DATE_EPOCH=1 $G dump -s "raw:$T/large.img" -o "$T/large.core"
expect_rc 0 "dump of a 96 MiB file-backed guest"
$GUESTCORE read "$T/large.core" --phys 0 --length 100663296 | cmp -s - "$T/large.img" && ok "its bytes read back identical" || not_ok "bytes differ"
run env SOURCE_DATE_EPOCH=1 $G dump -s "raw:$T/large.img" -o "$T/dense.core" --copy=dense
expect_rc 0 "the same dump, --copy=dense"
cmp -s "$T/large.core" "$T/dense.core" && ok "the dense mode writes the same bytes" || not_ok "the dense core differs"
rm -f "$T/dense.core"
# A file size limit (64 MiB in sh's 512-byte blocks) after writeback started.
echo "keep me" >"$T/limit.core"
run sh -c "ulimit -f 131072; exec $G dump -s 'raw:$T/large.img' -o '$T/limit.core' --force"
expect_rc 1 "a file size limit in the middle of a large copy"
expect_in "$err" "file size limit reached" "the limit is named"
[ "$(cat "$T/limit.core")" = "keep me" ] && ok "the output is untouched after the size limit" || not_ok "clobbered"
no_temp "$T" "size limit in a large copy"
rm -f "$T/limit.core"
if command -v taskset >/dev/null; then
	run env SOURCE_DATE_EPOCH=1 taskset -c 0 $G dump -s "raw:$T/large.img" -o "$T/large1.core"
	expect_rc 0 "the same dump on one CPU"
	cmp -s "$T/large.core" "$T/large1.core" && ok "one CPU and several write the same file" || not_ok "the files differ"
	rm -f "$T/large1.core"
fi
rm -f "$T/large.core"

# --- a full file system mid-copy: 96 MiB into a 72 MiB tmpfs.  The helper
# threads write through a mapping; a fault there must end as the one-line
# error, never a SIGBUS, and the existing output stays.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	mkdir "$T/small"
	run unshare -m sh -c "mount -t tmpfs -o size=72m gc-test '$T/small' && echo 'keep me' >'$T/small/o.core' &&
		{ $G dump -s 'raw:$T/large.img' -o '$T/small/o.core' --force; rc=\$?; cat '$T/small/o.core'; ls -A '$T/small'; exit \$rc; }"
	expect_rc 1 "a full file system mid-copy"
	expect_in "$err" "no space left writing guest memory to $T/small/o.core: free space there" "the full disk and the remedy are named"
	[ "$out" = "$(printf 'keep me\no.core')" ] && ok "the output is untouched, no temporary file left" || not_ok "after a full disk: $out"
	run unshare -m sh -c "mount -t tmpfs -o size=72m gc-test '$T/small' && echo 'keep me' >'$T/small/o.core' &&
		{ $G dump -s 'raw:$T/large.img' --format kdump --compress none -o '$T/small/o.core' --force; rc=\$?;
		  cat '$T/small/o.core'; ls -A '$T/small'; exit \$rc; }"
	expect_rc 1 "kdump: a full file system mid-dump"
	expect_in "$err" "no space left writing page data to $T/small/o.core" "kdump: the full disk is named"
	[ "$out" = "$(printf 'keep me\no.core')" ] && ok "kdump: the output is untouched, no temporary file left" ||
		not_ok "kdump: after a full disk: $out"
else
	echo "ok - # SKIP a full file system mid-copy: needs root and unshare -m"
fi
rm -f "$T/large.img"

# --- an existing output
echo "keep me" >"$T/exists.core"
run $G dump -s "test:ranges=1,size=0x10000" -o "$T/exists.core"
expect_rc 1 "an existing output without --force"
expect_in "$err" "exists.core exists: use --force to replace it" "the remedy is named"
[ "$(cat "$T/exists.core")" = "keep me" ] && ok "the existing output is untouched" || not_ok "clobbered"

# --- an unwritable directory
run $G dump -s "test:ranges=1,size=0x10000" -o /proc/guestcore-test.core
expect_rc 1 "an unwritable output directory"
expect_in "$err" "cannot create /proc/guestcore-test.core" "the directory problem is named"

# --- full disk: the file size limit
run sh -c "ulimit -f 512; exec $G dump -s 'test:ranges=1,size=0x200000' -o '$T/exists.core' --force"
expect_rc 1 "a file size limit mid-dump"
expect_in "$err" "file size limit reached" "the limit is named"
[ "$(cat "$T/exists.core")" = "keep me" ] && ok "the output is untouched after the size limit" || not_ok "clobbered"
no_temp "$T" "size limit"
run sh -c "ulimit -f 512; exec $G dump -s 'test:ranges=1,size=0x200000' --format kdump --compress none -o '$T/exists.core' --force"
expect_rc 1 "kdump: a file size limit mid-dump"
expect_in "$err" "file size limit reached" "kdump: the limit is named"
[ "$(cat "$T/exists.core")" = "keep me" ] && ok "kdump: the output is untouched after the size limit" || not_ok "clobbered"
no_temp "$T" "kdump size limit"

# --- a source read error
rm -f "$T/state"
run $G dump -s "test:ranges=2,size=0x100000,fail=0x180000,state=$T/state" -o "$T/exists.core" --force
expect_rc 1 "a source read error"
expect_in "$err" "backing store went away" "the source's reason is shown"
[ "$(cat "$T/exists.core")" = "keep me" ] && ok "the output is untouched after a read error" || not_ok "clobbered"
[ "$(cat "$T/state")" = "$(printf 'pause\nresume')" ] && ok "the guest was paused and resumed" || not_ok "state: $(cat "$T/state")"
no_temp "$T" "read error"

# --- unreadable pages
run $G dump -s "test:ranges=1,size=0x100000,bad=0x10000+0x3000" -o "$T/partial.core"
expect_rc 3 "unreadable pages"
expect_in "$err" "12288 bytes in 1 ranges could not be read" "the warning counts them"
run $G dump -s "test:ranges=1,size=0x100000,bad=0x10000+0x3000" -o "$T/strict.core" --strict
expect_rc 1 "unreadable pages with --strict"
[ ! -e "$T/strict.core" ] && ok "--strict leaves no output" || not_ok "--strict wrote output"

# --- SIGINT mid-dump
rm -f "$T/state"
$G dump -s "test:ranges=1,size=0x4000000,slow=20,state=$T/state" -o "$T/int.core" 2>"$T/int.err" &
pid=$!
i=0
while [ ! -s "$T/state" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
expect_rc 1 "SIGINT mid-dump"
expect_in "$(cat "$T/int.err")" "interrupted" "the interrupt is reported"
[ ! -e "$T/int.core" ] && ok "no output after SIGINT" || not_ok "output written after SIGINT"
[ "$(cat "$T/state")" = "$(printf 'pause\nresume')" ] && ok "the guest was resumed after SIGINT" || not_ok "state: $(cat "$T/state")"
no_temp "$T" "SIGINT"

# --- progress and usage
run $G dump -s "test:ranges=2,size=0x100000" -o "$T/p.core" --progress=json
expect_rc 0 "--progress=json"
expect_in "$err" '"total": 2097152' "a JSON progress line"
run $G dump -o "$T/u.core"
expect_rc 2 "no --source"
run $G dump -s test:ranges=1 -o "$T/u.core" --elf-class=16
expect_rc 2 "a bad --elf-class"
run $G dump -s "nosuch:x" -o "$T/u.core"
expect_rc 1 "an unknown source plugin"
expect_in "$err" "no memory-source plugin named 'nosuch': 'guestcore plugins' lists them" "the remedy is named"
finish
