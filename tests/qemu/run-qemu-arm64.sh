#!/bin/sh
# A real arm64 Linux guest (Debian's arm64 kernel with a busybox initramfs
# and -device vmcoreinfo, made by tests/qemu/linux-guest.sh DIR arm64;
# qemu-system-aarch64 -M virt under TCG, 2 vCPUs, no SVE), booted once for
# every case:
# - running, snapshot mode: an EM_AARCH64 core whose notes come in QEMU's
#   order (each vCPU's NT_PRSTATUS and NT_PRFPREG in turn), with the
#   guest's VMCOREINFO and the system registers from the stream's
#   coprocessor arrays (VBAR_EL1 is 'vectors' as the guest's kallsyms gives
#   it, TTBR1_EL1 and TCR_EL1 set, the vCPU at EL1); it validates;
#   it keeps running; the system registers are true: a walk of the page
#   tables from TTBR1_EL1 and TCR_EL1 (tests/data/arm64-walk.py) reaches
#   init_uts_ns, which holds the kernel's release; the kernel image is a
#   PT_LOAD at its virtual address, the rest of RAM at its direct map's;
# - paused: QEMU's own dump, and guestcore's through the monitor (auto) and
#   through the stream (mode=pause), in ELF and kdump files, have the same
#   memory, NT_PRSTATUS, NT_PRFPREG and VMCOREINFO (ELF: byte for byte; the
#   stream's registers decoded by their names in QEMU's description);
#   gdb-multiarch (when installed) reads each vCPU's PC and SP from
#   guestcore's as from QEMU's; drgn (when installed) reads init_uts_ns
#   from guestcore's ELF and kdump cores, and gdb-multiarch its direct map;
#   the guest's saved state (its migration
#   stream in a file) converts to the same memory and notes; the guest
#   stays paused;
# - QEMU's dump converted (elfcore) to ELF: the same notes byte for byte;
#   it and guestcore's other cores pass validate's qemu profile;
#   to kdump: utsname read from the kernel (machine aarch64), phys_base from
#   VMCOREINFO's PHYS_OFFSET, valid, the same memory, and libkdumpfile (when
#   installed) reads init_uts_ns by its kernel virtual address; guestcore's
#   own aarch64 cores convert again with their system registers, and the
#   kdump file back to ELF with QEMU's notes;
# - the guest extracted and dumped again by the raw source
#   (machine=aarch64, its registers in the CPU file): NT_PRSTATUS is QEMU's;
# - the vbox note set refuses an aarch64 guest with one sentence.
# Skipped (77) when qemu-system-aarch64 is not installed or the kernel
# cannot be fetched.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
# scripts/test-all.sh runs these live tests in the normal and the sanitizer
# build and sets GUESTCORE_LIVE_ONCE for its distcheck of the same tree.
[ -z "${GUESTCORE_LIVE_ONCE:-}" ] || { echo "run by the normal and sanitizer builds already (GUESTCORE_LIVE_ONCE): skipped"; exit 77; }
command -v qemu-system-aarch64 >/dev/null || { echo "qemu-system-aarch64 not installed: skipped"; exit 77; }
G="$GUESTCORE"
QEMU_SYSTEM=qemu-system-aarch64
. "$top_srcdir/tests/qemu/qemulib.sh"
linux_guest_arm64
release=$(cat "$guest/kernel-release")
notes="python3 $top_srcdir/tests/data/core-notes.py"

start_qemu 0 -M virt,accel=tcg -cpu max,sve=off,pauth-impdef=on -m 512 -smp 2 -kernel "$guest/vmlinuz" \
	-initrd "$guest/initrd.gz" -append "console=ttyAMA0 panic=-1 quiet" -device vmcoreinfo \
	-serial file:"$T/console.log"
guest_ready "$T/console.log" "the arm64 guest" vectors
vectors=$entry
order() { # core: the names and types of its notes, in file order
	$G inspect "$1" | awk '/^  \[[0-9]+\] / { printf "%s/%s ", $2, $4 }'
}
# same_cpu_notes CORE REFERENCE WHAT: NT_PRSTATUS and NT_PRFPREG byte for byte
same_cpu_notes() {
	$notes "$2" CORE:1 CORE:2 >"$T/ref.notes"
	$notes "$1" CORE:1 CORE:2 >"$T/c.notes"
	[ "$(wc -l <"$T/ref.notes")" -eq 4 ] && cmp -s "$T/ref.notes" "$T/c.notes" &&
		ok "$3: NT_PRSTATUS and NT_PRFPREG of both vCPUs are QEMU's, byte for byte" ||
		{ not_ok "$3: the CPU notes differ from QEMU's"; diff "$T/ref.notes" "$T/c.notes" | cut -c1-160 | head -8; }
}

# ---- running: a snapshot ----------------------------------------------------------
run $G dump --source "qemu:qmp=$sock" -o "$T/snap.core"
expect_rc 0 "snapshot of the running arm64 guest"
run $G inspect "$T/snap.core"
expect_in "$out" "machine aarch64 (183)" "snap.core is an EM_AARCH64 core"
[ "$(order "$T/snap.core" | cut -d' ' -f1-4)" = "CORE/0x1, CORE/0x2, CORE/0x1, CORE/0x2," ] &&
	ok "each vCPU's NT_PRSTATUS and NT_PRFPREG in turn, as QEMU writes them" ||
	not_ok "note order: $(order "$T/snap.core")"
expect_in "$out" "VMCOREINFO type 0x0" "the guest's VMCOREINFO note is in the snapshot"
[ "$(field "$T/snap.core" GUESTCORE vbar_el1 | sort -u)" = "0x$vectors" ] &&
	ok "VBAR_EL1 of both vCPUs is the kernel's vectors" || not_ok "VBAR_EL1: $(field "$T/snap.core" GUESTCORE vbar_el1)"
[ "$(field "$T/snap.core" GUESTCORE currentel | sort -u)" = 0x4 ] && ok "both vCPUs were at EL1" ||
	not_ok "CurrentEL: $(field "$T/snap.core" GUESTCORE currentel)"
for r in ttbr1_el1 tcr_el1 sctlr_el1 mair_el1; do
	v=$(field "$T/snap.core" GUESTCORE $r | sort -u | head -1)
	[ -n "$v" ] && [ "$v" != 0x0 ] && ok "$r is the kernel's ($v)" || not_ok "$r is $v"
done
run $G validate "$T/snap.core"
expect_rc 0 "snap.core validates"
[ "$(status)" = running ] && ok "the guest ran on through the snapshot" || not_ok "after the snapshot the guest is $(status)"
# The system registers are true: TTBR1_EL1 and TCR_EL1 walk the kernel's
# page tables (read from the core) to init_uts_ns, whose release is the
# kernel's.
uts=$($G inspect "$T/snap.core" | sed -n 's/^ *SYMBOL(init_uts_ns)=//p' | head -1)
run python3 "$top_srcdir/tests/data/arm64-walk.py" "$T/snap.core" "$(field "$T/snap.core" GUESTCORE ttbr1_el1 | head -1)" \
	"$(field "$T/snap.core" GUESTCORE tcr_el1 | head -1)" "$(printf '0x%s' "$uts")" 65
expect_rc 0 "the page tables of TTBR1_EL1 map init_uts_ns (0x$uts)"
pa=$(printf '%s\n' "$out" | sed -n 's/^PA //p')
[ "$(printf '%s\n' "$out" | sed -n 2p)" = Linux ] &&
	[ "$($G read "$T/snap.core" --phys "$(printf '0x%x' $((pa + 130)))" --length 65 | tr '\0' '\n' | head -1)" = "$release" ] &&
	ok "there, at $pa, init_uts_ns says Linux $release" || { not_ok "init_uts_ns through the page tables"; echo "$out" "$err"; }

# The kernel image's PT_LOAD: at the virtual address of _stext, its
# p_paddr _stext - kimage_voffset (arm64's __pa_symbol).
vmci_value() { $G inspect "$1" | sed -n "s/^ *$2=//p" | head -1; }
img=$(python3 -c 'import sys; s, v = int(sys.argv[1], 16), int(sys.argv[2], 0); print("0x%016x 0x%016x" % (s - v, s))' \
	"$(vmci_value "$T/snap.core" 'SYMBOL(_stext)')" "$(vmci_value "$T/snap.core" 'NUMBER(kimage_voffset)')")
$G inspect "$T/snap.core" | grep -q "^ *[0-9]* LOAD  $img " &&
	ok "snap.core: a PT_LOAD at _stext's virtual address, p_paddr _stext - kimage_voffset ($img)" ||
	{ not_ok "snap.core: no PT_LOAD at $img"; $G inspect "$T/snap.core" | grep " LOAD "; }

# The rest of RAM is at its address in the kernel's direct map:
# PAGE_OFFSET -(1 << VA_BITS) for PHYS_OFFSET; ROM keeps p_vaddr = p_paddr.
$G inspect "$T/snap.core" >"$T/snap.inspect"
run python3 - "$T/snap.inspect" "$img" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
num = lambda k: int(re.search(r"^ *%s=(\S+)" % re.escape(k), text, re.M).group(1), 0)
page_offset, phys = (-(1 << num("NUMBER(VA_BITS)"))) % (1 << 64), num("NUMBER(PHYS_OFFSET)")
image = int(sys.argv[2].split()[1], 16)
bad = n = 0
for m in re.finditer(r"^ *\d+ LOAD +(0x\S+) +(0x\S+) +\S+ +\S+ +\S+ +\S+ +(\w+)$", text, re.M):
    pa, va, kind = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
    if va == image:
        continue
    want = pa - phys + page_offset if kind == "ram" else pa
    n += 1
    bad += va != want
print("%d PT_LOADs, %d wrong" % (n, bad))
sys.exit(1 if bad or n < 3 else 0)
PY
expect_rc 0 "snap.core: the RAM outside the image at PAGE_OFFSET + (p_paddr - PHYS_OFFSET), ROM at p_paddr ($out)"
# guestcore.kernel-map says how: this kernel's kallsyms has no data
# symbols (no _end), so the image by the machine's rule, the direct map from
# VA_BITS.
[ "$(field "$T/snap.core" GUESTCORE image_rule)" = 0x2 ] && [ "$(field "$T/snap.core" GUESTCORE direct_map_rule)" = 0x1 ] &&
	[ "$(field "$T/snap.core" GUESTCORE direct_map_vaddr)" = 0xffff000000000000 ] &&
	ok "snap.core: guestcore.kernel-map records the image by the machine's rule and the direct map from VA_BITS" ||
	{ not_ok "snap.core: guestcore.kernel-map"; $G inspect "$T/snap.core" | grep -A8 0x47430007; }
# validate holds the direct map to VMCOREINFO: a RAM PT_LOAD's p_vaddr one
# page off is reported.
tamper_vaddr "$T/snap.core" "$T/tampered.core" 0xffff000000000000 0xffff010000000000
run $G validate "$T/tampered.core"
expect_rc 1 "a direct-map p_vaddr one page off fails validate"
expect_in "$out$err" "load.vaddr" "as load.vaddr"
# ---- paused: QEMU's dump, the monitor's and the stream's ---------------------------
"$Q" "$sock2" '{"execute":"stop"}' >/dev/null
"$Q" "$sock2" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$T/qemu.core\"}}" >/dev/null
i=0
while ! "$Q" "$sock2" '{"execute":"query-dump"}' | grep -q '"completed"' && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
run $G dump --source "qemu:qmp=$sock" -o "$T/monitor.core"
expect_rc 0 "the paused guest through the monitor"
same_cpu_notes "$T/monitor.core" "$T/qemu.core" "monitor.core"
same_memory "$T/monitor.core" && ok "monitor.core: every range of QEMU's dump is identical" || not_ok "monitor.core: memory differs"
run $G dump --source "qemu:qmp=$sock,mode=pause" -o "$T/stream.core"
expect_rc 0 "the paused guest through the stream"
same_cpu_notes "$T/stream.core" "$T/qemu.core" "stream.core"
same_memory "$T/stream.core" && ok "stream.core: every range of QEMU's dump is identical" || not_ok "stream.core: memory differs"
$notes "$T/qemu.core" VMCOREINFO:0 >"$T/ref.vmci"
for c in monitor stream; do
	$notes "$T/$c.core" VMCOREINFO:0 >"$T/c.vmci"
	[ -s "$T/ref.vmci" ] && cmp -s "$T/ref.vmci" "$T/c.vmci" && ok "$c.core: VMCOREINFO is QEMU's, byte for byte" ||
		not_ok "$c.core: VMCOREINFO differs"
done
# Both containers in both modes: the kdump files hold the same memory and
# the same CPU notes and VMCOREINFO, field by field.
cpu_text() { $G inspect "$1" | awk '/^  \[[0-9]+\] / { on = ($2 == "CORE" || $2 == "VMCOREINFO"); if (on) print $2, $3, $4; next } on'; }
cpu_text "$T/qemu.core" >"$T/ref.text"
for mode in auto pause; do
	run $G dump --source "qemu:qmp=$sock,mode=$mode" --format kdump -o "$T/$mode.kdump"
	expect_rc 0 "the paused guest into a kdump file (mode=$mode)"
	same_memory "$T/$mode.kdump" && ok "$mode.kdump: every range of QEMU's dump is identical" || not_ok "$mode.kdump: memory differs"
	cpu_text "$T/$mode.kdump" | diff "$T/ref.text" - >/dev/null &&
		ok "$mode.kdump: NT_PRSTATUS, NT_PRFPREG and VMCOREINFO are QEMU's, field by field" || not_ok "$mode.kdump: notes differ"
done
# gdb reads each vCPU's PC and SP from guestcore's core as from QEMU's.
if command -v gdb-multiarch >/dev/null; then
	gdbregs() {
		gdb-multiarch -nx -batch -ex 'set architecture aarch64' -ex "core-file $1" -ex 'thread 1' -ex 'p/x $pc' \
			-ex 'p/x $sp' -ex 'thread 2' -ex 'p/x $pc' -ex 'p/x $sp' 2>/dev/null | sed -n 's/^\$[0-9]* = //p'
	}
	gdbregs "$T/qemu.core" >"$T/q.gdb"
	gdbregs "$T/stream.core" >"$T/g.gdb"
	[ "$(wc -l <"$T/q.gdb")" -eq 4 ] && cmp -s "$T/q.gdb" "$T/g.gdb" &&
		ok "gdb-multiarch reads both vCPUs' PC and SP from stream.core as from QEMU's ($(tr '\n' ' ' <"$T/g.gdb"))" ||
		{ not_ok "gdb-multiarch: PC and SP differ"; paste "$T/q.gdb" "$T/g.gdb"; }
else
	echo "# gdb-multiarch not installed: its read not tried"
fi
# drgn reads the kernel by its virtual addresses: init_uts_ns's release
# from guestcore's ELF cores (the image's PT_LOAD, then the page tables)
# and kdump files; on QEMU's own dump it fails (no virtual address).
dpy=
for py in /usr/bin/python3 python3; do
	"$py" -c 'import drgn' 2>/dev/null && { dpy=$py; break; }
done
if [ -n "$dpy" ]; then
	cat >"$T/drgn-uts.py" <<'PY'
import sys, drgn
p = drgn.Program()
p.set_core_dump(sys.argv[1])
print(p.read(int(sys.argv[2], 16) + 2 * 65, 65).split(b"\0")[0].decode())
PY
	for c in snap.core stream.core auto.kdump; do
		run "$dpy" "$T/drgn-uts.py" "$T/$c" "$uts"
		[ "$rc" -eq 0 ] && [ "$out" = "$release" ] && ok "drgn reads init_uts_ns's release from $c ($out)" ||
			{ not_ok "drgn on $c: exit $rc, '$out'"; printf '%s\n' "$err" | tail -2; }
	done
	run "$dpy" "$T/drgn-uts.py" "$T/qemu.core" "$uts"
	echo "# drgn on QEMU's own dump: exit $rc, $(printf '%s' "$err" | tail -1)"
else
	echo "# python3-drgn not installed: its reads not tried"
fi
# gdb, which walks no page tables, reads the direct map: the 8 bytes at
# mem_section's address (a pointer's value in the linear map) are those at
# its physical address; on QEMU's dump it cannot.
if command -v gdb-multiarch >/dev/null; then
	ms=$(vmci_value "$T/stream.core" 'SYMBOL(mem_section)')
	msp=$(python3 -c 'import sys; print(hex(int(sys.argv[1], 16) + (1 << int(sys.argv[2])) - (1 << 64) + int(sys.argv[3], 0)))' \
		"$ms" "$(vmci_value "$T/stream.core" 'NUMBER(VA_BITS)')" "$(vmci_value "$T/stream.core" 'NUMBER(PHYS_OFFSET)')")
	gdbx() { gdb-multiarch -nx -batch -ex 'set architecture aarch64' -ex "core-file $1" -ex "x/1gx 0x$ms" 2>&1 | tail -1; }
	want=$($G read "$T/stream.core" --phys "$msp" --length 8 | od -An -tx8 | tr -d ' ')
	got=$(gdbx "$T/stream.core" | awk '{ print $2 }')
	[ -n "$want" ] && [ "$got" = "0x$want" ] &&
		ok "gdb-multiarch reads the direct map of stream.core: 0x$ms holds what $msp does ($got)" ||
		not_ok "gdb at 0x$ms: '$got', at $msp: '$want'"
	echo "# gdb-multiarch at 0x$ms of QEMU's dump: $(gdbx "$T/qemu.core")"
fi
[ "$(field "$T/stream.core" GUESTCORE vbar_el1 | sort -u)" = "0x$vectors" ] &&
	ok "stream.core: VBAR_EL1 from the paused guest's stream" || not_ok "stream.core: VBAR_EL1"
# (the stream leaves a guest its user paused "postmigrate": paused still)
case $(status) in paused | postmigrate) ok "the guest stays paused ($(status))" ;; *) not_ok "the guest is $(status)" ;; esac

# The guest's saved state: run it on and pause it again (a migration left
# QEMU "postmigrate", where it migrates no more), QEMU's dump of that, then
# its migration stream in a file, as 'virsh dump' without --memory-only
# writes it: the savefile source lays out Arm's virt machine and reads the
# aarch64 cpu sections.
"$Q" "$sock2" '{"execute":"cont"}' >/dev/null
"$Q" "$sock2" '{"execute":"stop"}' >/dev/null
"$Q" "$sock2" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$T/qemu2.core\"}}" >/dev/null
"$Q" "$sock2" "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > $T/saved.stream\"}}" >/dev/null
i=0
while ! "$Q" "$sock2" '{"execute":"query-migrate"}' | grep -q '"status":"completed"' && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
run $G inspect "$T/saved.stream"
expect_in "$out" "machine aarch64 (183), 2 vCPUs" "inspect of the saved state: an aarch64 guest of 2 vCPUs"
expect_in "$out" "0x0000000040000000 0x0000000020000000 ram" "inspect: its RAM at 1 GiB (machine virt)"
run $G convert "$T/saved.stream" -o "$T/saved.core"
expect_rc 0 "the aarch64 guest's saved state converted (savefile, machine virt)"
expect_in "$($G inspect "$T/saved.core")" "machine aarch64 (183)" "saved.core is an EM_AARCH64 core"
same_cpu_notes "$T/saved.core" "$T/qemu2.core" "saved.core"
same_memory "$T/saved.core" "$T/qemu2.core" && ok "saved.core: every range of QEMU's dump is identical" ||
	not_ok "saved.core: memory differs"
[ "$(field "$T/saved.core" GUESTCORE vbar_el1 | sort -u)" = "0x$vectors" ] &&
	ok "saved.core: VBAR_EL1 from the saved state" || not_ok "saved.core: VBAR_EL1"

# ---- QEMU's dump converted ----------------------------------------------------------
run $G convert "$T/qemu.core" -o "$T/conv.core"
expect_rc 0 "QEMU's aarch64 dump converted (default note set: qemu)"
same_cpu_notes "$T/conv.core" "$T/qemu.core" "conv.core"
for c in conv snap stream; do
	run $G validate --profile qemu "$T/$c.core"
	expect_rc 0 "$c.core passes the qemu profile (an NT_PRSTATUS and an NT_PRFPREG per vCPU)"
done
run $G convert "$T/qemu.core" -o "$T/conv.kdump" --format kdump
expect_rc 0 "QEMU's aarch64 dump converted to kdump"
run $G inspect "$T/conv.kdump"
expect_in "$out" "release \"$release\"" "conv.kdump: utsname's release is read from the kernel"
expect_in "$out" "machine \"aarch64\"" "conv.kdump: utsname's machine is aarch64"
expect_in "$out" "phys_base 0x40000000" "conv.kdump: phys_base is VMCOREINFO's PHYS_OFFSET"
run $G validate "$T/conv.kdump"
expect_rc 0 "conv.kdump validates"
same_memory "$T/conv.kdump" && ok "conv.kdump: every range of QEMU's dump is identical" || not_ok "conv.kdump: memory differs"
kpy=
for py in /usr/bin/python3 python3; do
	"$py" -c 'import kdumpfile' 2>/dev/null && { kpy=$py; break; }
done
if [ -n "$kpy" ]; then
	run "$kpy" - "$T/conv.kdump" <<'PY'
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr["addrxlat.ostype"] = "linux"
uts = int(str(k.attr["linux.vmcoreinfo.lines"]["SYMBOL(init_uts_ns)"]), 16)
print(k.attr["arch.name"])
# new_utsname: six fields of 65 bytes, release the third
print(k.read(kdumpfile.KDUMP_KVADDR, uts + 2 * 65, 65).split(b"\0")[0].decode())
PY
	[ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | sed -n 1p)" = aarch64 ] &&
		[ "$(printf '%s\n' "$out" | sed -n 2p)" = "$release" ] &&
		ok "libkdumpfile reads init_uts_ns.name.release of conv.kdump by its kernel virtual address" ||
		{ not_ok "libkdumpfile on conv.kdump"; printf '%s\n%s\n' "$out" "$err" | tail -5; }
else
	echo "# libkdumpfile (python3-libkdumpfile) not installed: its read not tried"
fi

# guestcore's own aarch64 cores read back (elfcore): the system registers
# survive a conversion, and a kdump file becomes an ELF core again.
run $G convert "$T/snap.core" -o "$T/again.core"
expect_rc 0 "guestcore's aarch64 core converted"
[ "$(field "$T/again.core" GUESTCORE vbar_el1 | sort -u)" = "0x$vectors" ] &&
	[ "$(field "$T/again.core" GUESTCORE ttbr1_el1)" = "$(field "$T/snap.core" GUESTCORE ttbr1_el1)" ] &&
	ok "again.core: the system registers are snap.core's" || not_ok "again.core: system registers lost"
run $G convert "$T/conv.kdump" -o "$T/fromkd.core"
expect_rc 0 "the aarch64 kdump file converted to ELF"
same_cpu_notes "$T/fromkd.core" "$T/qemu.core" "fromkd.core"

# ---- the raw source --------------------------------------------------------------------
run $G extract "$T/qemu.core" -o "$T/guest.img" --map "$T/guest.map"
expect_rc 0 "the guest extracted"
$G inspect "$T/qemu.core" | awk '
	/^  \[[0-9]+\] / { on = ($2 == "CORE" && $4 == "0x1,"); if (on) printf "%s{", n++ ? "," : "["; next }
	on && $1 ~ /^pr_reg\./ { f = substr($1, 8); sub(/^regs\[/, "x", f); sub(/\]$/, "", f);
		printf "%s\"%s\":\"%s\"", (c++ % 34) ? "," : "", f, $2; if (c % 34 == 0) printf "}" }
	END { print "]" }' >"$T/cpus.json"
run $G dump --source "raw:$T/guest.img,map=$T/guest.map,cpus=$T/cpus.json,machine=aarch64" -o "$T/raw.core"
expect_rc 0 "the raw source, machine=aarch64"
$notes "$T/qemu.core" CORE:1 >"$T/ref.prs"
$notes "$T/raw.core" CORE:1 >"$T/raw.prs"
[ "$(wc -l <"$T/ref.prs")" -eq 2 ] && cmp -s "$T/ref.prs" "$T/raw.prs" &&
	ok "raw.core: NT_PRSTATUS of both vCPUs is QEMU's, from the CPU file's aarch64 names" ||
	{ not_ok "raw.core: NT_PRSTATUS differs"; cat "$T/cpus.json" | cut -c1-200; }
expect_in "$($G inspect "$T/raw.core" | awk '/type 0x47430004/ { on = 1; next } /^  \[/ { on = 0 } on')" "reg.vregs" \
	"raw.core: the FP/SIMD registers the CPU file lacks are recorded as unknown"
run $G dump --source "raw:$T/guest.img,map=$T/guest.map,machine=aarch64" -o "$T/vbox.core" --notes vbox
expect_rc 1 "the vbox note set and an aarch64 guest"
expect_in "$err" "VirtualBox cores describe x86 guests only" "the refusal says why"
[ ! -e "$T/vbox.core" ] && ok "no core is left by the refused dump" || not_ok "vbox.core was left"

"$Q" "$sock2" '{"execute":"cont"}' >/dev/null
stop_guest
finish
