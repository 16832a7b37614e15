#!/bin/sh
# A real Linux guest (Debian's own kernel with a busybox initramfs and
# -device vmcoreinfo, made by tests/qemu/linux-guest.sh, TCG, 2 vCPUs):
# - running, in snapshot mode: the guest's VMCOREINFO note is in the core,
#   and the VBCPU MSRs are the kernel's (LSTAR is entry_SYSCALL_64 as the
#   guest's /proc/kallsyms gives it, STAR, SFMASK, EFER, PAT, the APIC base);
# - paused: QEMU's own dump, guestcore's through the monitor with QEMU's
#   notes (auto on a paused guest) and through the stream (mode=pause) have
#   the same memory, the same NT_PRSTATUS and QEMU CPU-state notes field by
#   field (kernel_gs_base included) and the same VMCOREINFO note; the
#   stream's MSRs equal the snapshot's;
# - kdump-compressed: a snapshot of the running guest, and from the paused
#   guest QEMU's own kdump-zlib file (flattened) and guestcore's through the
#   stream, the monitor and the raw source (the guest extracted) are read,
#   validated and have the memory of QEMU's ELF dump (and its CPU notes and
#   VMCOREINFO); makedumpfile (when installed) reads the kernel log out of
#   guestcore's through VMCOREINFO and phys_base in the sub header, and
#   guestcore reads what makedumpfile -d 31 writes; the kdump header's
#   utsname is the kernel's (its uname -v) in every mode, and libkdumpfile
#   and drgn (when installed) read linux_banner by its virtual address; the
#   ELF core's RAM outside the kernel image is at the direct map
#   (page_offset_base, found through the kernel's kallsyms), where gdb reads
#   what libkdumpfile reads through the page tables.
# Skipped (77) when qemu-system-x86_64 is not installed or the kernel cannot
# be fetched (no apt, no network).
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed: skipped"; exit 77; }
G="$GUESTCORE"
. "$top_srcdir/tests/qemu/qemulib.sh"
linux_guest
release=$(cat "$guest/kernel-release")
# The kernel's debug vmlinux, when Debian's -dbg package can be had.
vmlinux= vmlinux_why=
if vmlinux_why=$(sh "$top_srcdir/tests/qemu/linux-vmlinux.sh" "$guest" 2>&1); then
	vmlinux="$guest/vmlinux"
fi

# The same kernel without -device vmcoreinfo, booted beside it ("bare"):
# its cores get the kernel's own VMCOREINFO found in guest memory.
bsock="$T/bare.sock"
bsock2="$T/bare2.sock"
start_second "$bsock" "$bsock2" -machine pc,accel=tcg -m 256 -smp 2 -kernel "$guest/vmlinuz" -initrd "$guest/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet" -serial file:"$T/bare.log"
start_qemu 0 -machine pc,accel=tcg -m 256 -smp 2 -kernel "$guest/vmlinuz" -initrd "$guest/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet" -device vmcoreinfo -serial file:"$T/console.log"
guest_ready "$T/console.log" "the guest" entry_SYSCALL_64
syscall=$entry
vmcoreinfo() { # core: the VMCOREINFO note's text
	$G inspect "$1" | awk '/^  \[[0-9]+\] / { on = ($2 == "VMCOREINFO"); next } on'
}
msrs() { # core: the MSRs that stay as the kernel set them, per vCPU
	for m in msrLSTAR msrSTAR msrSFMASK msrEFER msrPAT msrApicBase; do
		printf '%s %s\n' "$m" "$(field "$1" VBCPU $m | tr '\n' ' ')"
	done
}

# Running, in snapshot mode.
run $G -v dump -s "qemu:qmp=$sock" --notes vbox,qemu -o "$T/snap.core"
expect_rc 0 "snapshot of the running Linux guest"
expect_in "$err" "mode snapshot" "the mode used is said"
[ "$(status)" = running ] && ok "the guest runs on" || not_ok "guest is $(status)"
vmcoreinfo "$T/snap.core" >"$T/snap.vmci"
grep -Eq "^ *OSRELEASE=$release$" "$T/snap.vmci" && ok "the snapshot carries the guest's VMCOREINFO ($release)" ||
	{ not_ok "no VMCOREINFO with OSRELEASE=$release"; head -3 "$T/snap.vmci"; }
msrs "$T/snap.core" >"$T/snap.msrs"
[ "$(field "$T/snap.core" VBCPU msrLSTAR | sort -u)" = "0x$syscall" ] &&
	ok "LSTAR of both vCPUs is entry_SYSCALL_64" || { not_ok "LSTAR:"; cat "$T/snap.msrs"; }
[ "$(field "$T/snap.core" VBCPU msrApicBase | tr '\n' ' ')" = "0xfee00900 0xfee00800 " ] &&
	ok "the APIC base of each vCPU (the first one the bootstrap processor)" || { not_ok "APIC base:"; cat "$T/snap.msrs"; }
for m in msrSTAR msrSFMASK msrPAT; do
	v=$(field "$T/snap.core" VBCPU $m | sort -u)
	[ -n "$v" ] && [ "$v" != 0x0 ] && [ "$(printf '%s\n' "$v" | wc -l)" -eq 1 ] && ok "$m is the kernel's ($v)" ||
		not_ok "$m: $v"
done
run $G -v dump -s "qemu:qmp=$sock" --notes vbox,qemu --format kdump -o "$T/snap.kdump"
expect_rc 0 "a kdump-compressed snapshot of the running guest"
[ "$(status)" = running ] && ok "the guest runs on" || not_ok "guest is $(status)"
run $G validate "$T/snap.kdump"
expect_rc 0 "the snapshot's kdump file validates"
run $G inspect "$T/snap.kdump"
expect_in "$out" "release \"$release\"" "its utsname carries the guest's release"
expect_not_in "$out" "VMCOREINFO 0x0 bytes" "its sub header points to the guest's VMCOREINFO"
efer=$(field "$T/snap.core" VBCPU msrEFER | sort -u)
[ $((efer & 0x501)) -eq $((0x501)) ] && ok "EFER has SCE, LME and LMA ($efer)" || not_ok "EFER $efer"

# Paused: QEMU's dump and guestcore's two ways.
"$Q" "$sock2" '{"execute":"stop"}' >/dev/null
"$Q" "$sock2" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$T/qemu.core\"}}" >/dev/null
run $G -v dump -s "qemu:qmp=$sock" --notes qemu -o "$T/monitor.core"
expect_rc 0 "auto on the paused guest"
expect_in "$err" "mode pause (monitor)" "read through the monitor"
run $G -v dump -s "qemu:qmp=$sock,mode=pause" --notes vbox,qemu -o "$T/stream.core"
expect_rc 0 "mode=pause on the paused guest"
expect_in "$err" "mode pause" "read through the stream"
cpu_notes "$T/qemu.core" >"$T/qemu.notes"
grep -q "^VMCOREINFO" "$T/qemu.notes" && ok "QEMU's own dump has VMCOREINFO" || not_ok "QEMU's dump lacks VMCOREINFO"
[ "$(grep -c '^QEMU' "$T/qemu.notes")" -eq 2 ] && [ "$(grep -c '^CORE' "$T/qemu.notes")" -eq 2 ] &&
	ok "QEMU's dump has NT_PRSTATUS and QEMU notes for 2 vCPUs" || not_ok "QEMU's notes: $(grep -c . "$T/qemu.notes") lines"
grep -Eq 'kernel_gs_base +0x[1-9a-f]' "$T/qemu.notes" && ok "a kernel_gs_base is not zero" ||
	echo "# both vCPUs were in the kernel: kernel_gs_base is 0 in QEMU's notes too"
for c in monitor stream; do
	same_memory "$T/$c.core" && ok "$c: every range of QEMU's dump is identical" || not_ok "$c: memory differs"
	cpu_notes "$T/$c.core" >"$T/$c.notes"
	diff -u "$T/qemu.notes" "$T/$c.notes" >"$T/$c.diff" &&
		ok "$c: NT_PRSTATUS, QEMU CPU state and VMCOREINFO equal QEMU's, field by field" ||
		{ not_ok "$c: the notes differ"; head -30 "$T/$c.diff"; }
done
# The kernel's own text in guest memory is the one QEMU's device recorded.
run $G -v dump -s "qemu:qmp=$sock,mode=pause" --notes qemu --vmcoreinfo=memory -o "$T/mem.core"
expect_rc 0 "--vmcoreinfo=memory on the guest with -device vmcoreinfo"
expect_in "$err" "VMCOREINFO of Linux $release found in guest memory" "the kernel's text is found in its memory"
expect_not_in "$err" "VMCOREINFO text" "no page of a real guest is taken for a fake"
vmcoreinfo "$T/qemu.core" | grep -v '^ *CRASHTIME=' >"$T/qemu.vmci"
vmcoreinfo "$T/mem.core" | grep -v '^ *CRASHTIME=' >"$T/mem.vmci"
[ -s "$T/mem.vmci" ] && diff -u "$T/qemu.vmci" "$T/mem.vmci" >"$T/vmci.diff" &&
	ok "the text found in memory is QEMU's VMCOREINFO, line for line ($(wc -l <"$T/mem.vmci") lines)" ||
	{ not_ok "the texts differ"; head -10 "$T/vmci.diff"; }
[ "$($G inspect "$T/mem.core" | grep -c 'VMCOREINFO type')" -eq 1 ] && ok "one VMCOREINFO note (the device's left out)" ||
	not_ok "$($G inspect "$T/mem.core" | grep -c 'VMCOREINFO type') VMCOREINFO notes"
# kdump-compressed files of the same paused guest
"$Q" "$sock2" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"format\":\"kdump-zlib\",\"protocol\":\"file:$T/qemu.kdump\"}}" >/dev/null
run $G inspect "$T/qemu.kdump"
expect_rc 0 "guestcore inspects QEMU's kdump-zlib file"
expect_in "$out" "kdump-compressed (flattened)" "QEMU's file is the flattened form"
run $G -v dump -s "qemu:qmp=$sock,mode=pause" --notes qemu --format kdump -o "$T/gc.kdump"
expect_rc 0 "a kdump-compressed dump of the paused guest through the stream"
run $G -v dump -s "qemu:qmp=$sock" --notes qemu --format kdump -o "$T/monitor.kdump"
expect_rc 0 "a kdump-compressed dump of the paused guest through the monitor"
# the raw source: the guest's memory extracted and dumped again
run $G extract "$T/stream.core" -o "$T/linux.raw"
expect_rc 0 "the guest's memory extracted as a raw image and map"
run $G dump -s "raw:$T/linux.raw,map=$T/linux.raw.map" --format kdump --compress snappy -o "$T/raw.kdump"
expect_rc 0 "a kdump-compressed dump of the raw image"
rm -f "$T/linux.raw"
for c in qemu gc monitor; do
	run $G validate "$T/$c.kdump"
	expect_rc 0 "$c.kdump validates"
	same_memory "$T/$c.kdump" && ok "$c.kdump: every range of QEMU's ELF dump is identical" ||
		not_ok "$c.kdump: memory differs"
	cpu_notes "$T/$c.kdump" >"$T/$c.kdump.notes"
	diff -u "$T/qemu.notes" "$T/$c.kdump.notes" >"$T/$c.kdump.diff" &&
		ok "$c.kdump: NT_PRSTATUS, QEMU CPU state and VMCOREINFO equal QEMU's ELF dump's" ||
		{ not_ok "$c.kdump: the notes differ"; head -30 "$T/$c.kdump.diff"; }
done
run $G validate "$T/raw.kdump"
expect_rc 0 "raw.kdump validates"
same_memory "$T/raw.kdump" && ok "raw.kdump: every range of QEMU's ELF dump is identical" || not_ok "raw.kdump: memory differs"
vmci_at=$($G inspect "$T/gc.kdump" | sed -n 's/.*VMCOREINFO 0x\([0-9a-f]*\) bytes at 0x\([0-9a-f]*\).*/\2/p')
[ -n "$vmci_at" ] && [ "$vmci_at" != 0 ] && ok "the sub header points to VMCOREINFO (0x$vmci_at)" ||
	not_ok "no VMCOREINFO in the sub header"
# The kernel's utsname in the kdump header (read at init_uts_ns through
# VMCOREINFO), in every mode: the snapshot and the stream push their pages,
# the monitor's are read; libkdumpfile (python3-libkdumpfile) then knows the
# architecture and reads linux_banner by its kernel virtual address, the
# bytes the ELF core holds at its physical one.
uname_v=$(sed -n 's/.*guestcore-guest-uname \(.*\) banner \([0-9a-f]*\) [A-Za-z] linux_banner.*/\1/p' "$T/console.log" | tr -d '\r')
banner=$(sed -n 's/.*guestcore-guest-uname .* banner \([0-9a-f]*\) [A-Za-z] linux_banner.*/\1/p' "$T/console.log")
[ -n "$uname_v" ] && [ -n "$banner" ] && ok "the guest says its uname -v ($uname_v) and where linux_banner is" ||
	not_ok "no uname line on the console"
for c in snap gc monitor; do
	run $G inspect "$T/$c.kdump"
	expect_in "$out" "release \"$release\" version \"$uname_v\" machine \"x86_64\"" \
		"$c.kdump: the header's utsname is the kernel's own"
done
kpy=
for py in /usr/bin/python3 python3; do
	"$py" -c 'import kdumpfile' 2>/dev/null && { kpy=$py; break; }
done
# kread.py drgn|kdumpfile CORE VADDR LEN: the string (up to a NUL) at the
# kernel virtual address VADDR, read by drgn or libkdumpfile.
cat >"$T/kread.py" <<'PY'
import sys
what, core, addr, n = sys.argv[1], sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4])
if what == "drgn":
    import drgn
    p = drgn.Program()
    p.set_core_dump(core)
    b = p.read(addr, n)
else:
    import kdumpfile
    k = kdumpfile.kdumpfile(core)
    k.attr["addrxlat.ostype"] = "linux"
    b = k.read(kdumpfile.KDUMP_KVADDR, addr, n)
print(b.split(b"\0")[0].decode())
PY
# validate holds the direct map to VMCOREINFO (page_offset_base, read
# through the core's kallsyms): a RAM PT_LOAD's p_vaddr one page off is
# reported.
tamper_vaddr "$T/stream.core" "$T/tampered.core" 0xffff000000000000 0xffffffff00000000
run $G validate "$T/tampered.core"
expect_rc 1 "a direct-map p_vaddr one page off fails validate"
expect_in "$out$err" "load.vaddr" "as load.vaddr"
rm -f "$T/tampered.core"
if [ -n "$kpy" ]; then
	phys_base=$(vmcoreinfo "$T/stream.core" | sed -n 's/^ *NUMBER(phys_base)=//p')
	# (past INT64_MAX: the shell's arithmetic would saturate)
	banner_pa=$(python3 -c 'import sys; print(hex((int(sys.argv[1], 16) - 0xffffffff80000000 + int(sys.argv[2], 0)) % 2**64))' \
		"$banner" "${phys_base:-0}")
	$G read "$T/stream.core" --phys "$banner_pa" --length 64 | tr '\0' '\n' | head -1 >"$T/banner.elf"
	for c in gc monitor; do
		run "$kpy" - "$T/$c.kdump" "$banner" <<'PY'
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr["addrxlat.ostype"] = "linux"
print(k.attr["arch.name"])
print(k.attr["linux.uts.release"])
print(k.read(kdumpfile.KDUMP_KVADDR, int(sys.argv[2], 16), 64).split(b"\0")[0].decode())
PY
		expect_rc 0 "libkdumpfile opens $c.kdump"
		[ "$(printf '%s\n' "$out" | sed -n 1p)" = x86_64 ] && ok "$c.kdump: libkdumpfile's arch.name is x86_64" ||
			{ not_ok "$c.kdump: arch.name"; printf '%s\n%s\n' "$out" "$err" | head -5; }
		[ "$(printf '%s\n' "$out" | sed -n 2p)" = "$release" ] && ok "$c.kdump: linux.uts.release is the guest's" ||
			not_ok "$c.kdump: linux.uts.release"
		[ "$(printf '%s\n' "$out" | sed -n 3p)" = "$(cat "$T/banner.elf")" ] && grep -q "^Linux version $release" "$T/banner.elf" &&
			ok "$c.kdump: linux_banner by its kernel virtual address is the ELF core's ($(cut -c1-40 "$T/banner.elf")...)" ||
			{ not_ok "$c.kdump: linux_banner"; printf '%s\n' "$out" | sed -n 3p; cat "$T/banner.elf"; }
	done
	if "$kpy" -c 'import drgn' 2>/dev/null; then
		run "$kpy" "$T/kread.py" drgn "$T/gc.kdump" "$banner" 64
		[ "$rc" -eq 0 ] && [ "$out" = "$(cat "$T/banner.elf")" ] && ok "drgn reads linux_banner from gc.kdump" ||
			{ not_ok "drgn on gc.kdump: exit $rc"; printf '%s\n' "$out" "$err" | tail -3; }
	else
		echo "# python3-drgn is not installed: its check is skipped"
	fi
	# The direct map: stream.core's RAM outside the kernel image is at
	# page_offset_base + physical (one offset for every such PT_LOAD,
	# page_offset_base found through the kernel's kallsyms and read from
	# memory), so gdb, which walks no page tables, reads the 8 bytes at
	# mem_section's address (a pointer's value, in the direct map) that
	# libkdumpfile reads from gc.kdump through the kernel's page tables.
	offs=$(readelf -lW "$T/stream.core" | awk '$1 == "LOAD" && $3 !~ /^0xffffffff/ && $2 != "0x0000000000000000" { print $3, $4 }' |
		python3 -c 'import sys; print(" ".join(sorted({hex(int(v, 16) - int(p, 16)) for v, p in (l.split() for l in sys.stdin)})))')
	echo "# stream.core: p_vaddr - p_paddr of the PT_LOADs outside the image: $offs"
	[ "$(printf '%s\n' $offs | grep -c '^0xffff')" -eq 1 ] && [ "$(printf '%s\n' $offs | grep -vc '^0xffff\|^0x0$')" -eq 0 ] &&
		ok "stream.core: the RAM outside the kernel image at one direct-map offset, the rest at its physical address" ||
		not_ok "stream.core: the offsets are $offs"
	# guestcore.kernel-map says how: the image from kallsyms, the direct
	# map from the variable (page_offset_base), at that offset.
	[ "$(field "$T/stream.core" GUESTCORE image_rule)" = 0x1 ] &&
		[ "$(field "$T/stream.core" GUESTCORE direct_map_rule)" = 0x2 ] &&
		[ "$(field "$T/stream.core" GUESTCORE direct_map_vaddr)" = "$(printf '%s\n' $offs | grep '^0xffff')" ] &&
		[ "$(field "$T/stream.core" GUESTCORE direct_map_variable)" != 0x0 ] &&
		ok "stream.core: guestcore.kernel-map records the image from kallsyms and the direct map from page_offset_base" ||
		{ not_ok "stream.core: guestcore.kernel-map"; $G inspect "$T/stream.core" | grep -A8 0x47430007; }
	ms=$(vmcoreinfo "$T/stream.core" | sed -n 's/^ *SYMBOL(mem_section)=//p')
	run "$kpy" - "$T/gc.kdump" "$ms" <<'PY'
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr["addrxlat.ostype"] = "linux"
print(k.read(kdumpfile.KDUMP_KVADDR, int(sys.argv[2], 16), 8)[::-1].hex())
PY
	if command -v gdb >/dev/null; then
		gd=$(gdb -nx -batch -ex "core-file $T/stream.core" -ex "x/1gx 0x$ms" 2>&1 | tail -1 | awk '{ print $2 }')
		[ "$rc" -eq 0 ] && [ -n "$out" ] && [ "$gd" = "0x$out" ] &&
			ok "gdb reads the direct map of stream.core: 0x$ms holds $gd, as libkdumpfile finds through the page tables" ||
			{ not_ok "the direct map: gdb '$gd', libkdumpfile '$out' (exit $rc)"; printf '%s\n' "$err" | tail -2; }
		echo "# gdb at 0x$ms of QEMU's own dump: $(gdb -nx -batch -ex "core-file $T/qemu.core" -ex "x/1gx 0x$ms" 2>&1 | tail -1)"
	fi
	run "$kpy" -c 'import sys, kdumpfile; k = kdumpfile.kdumpfile(sys.argv[1]); k.attr["addrxlat.ostype"] = "linux"; print(k.attr["arch.name"])' "$T/qemu.kdump"
	echo "# libkdumpfile on QEMU's own kdump-zlib file of the guest: exit $rc, $(printf '%s' "$out$err" | tail -1)"
else
	echo "# python3-libkdumpfile is not installed: its checks are skipped"
fi
if command -v makedumpfile >/dev/null; then
	# Debian's makedumpfile 1.7.2 reads zlib, lzo and snappy pages, not
	# zstd.  Its --dump-dmesg finds the kernel's log through VMCOREINFO
	# and phys_base in the sub header; re-filtering a kdump file (-d 31 on
	# kdump input) it refuses for this kernel whoever wrote the file (QEMU's
	# own too), so -d 31 is checked on guestcore's ELF core and guestcore
	# reads what makedumpfile wrote.
	run $G convert "$T/gc.kdump" --format kdump --compress zlib -o "$T/gc-zlib.kdump"
	expect_rc 0 "the kdump file converted to zlib pages"
	run makedumpfile --dump-dmesg "$T/gc-zlib.kdump" "$T/kd.dmesg"
	expect_rc 0 "makedumpfile --dump-dmesg reads guestcore's kdump file"
	grep -q "Linux version $release" "$T/kd.dmesg" && ok "the kernel log it finds is the guest's ($release)" ||
		{ not_ok "no 'Linux version $release' in the log"; head -3 "$T/kd.dmesg"; }
	run makedumpfile --dump-dmesg "$T/stream.core" "$T/elf.dmesg"
	cmp -s "$T/kd.dmesg" "$T/elf.dmesg" && ok "the same log as from guestcore's ELF core" || not_ok "the logs differ"
	run makedumpfile -d 31 -c "$T/stream.core" "$T/filtered.kdump"
	expect_rc 0 "makedumpfile -d 31 filters guestcore's ELF core"
	run $G validate "$T/filtered.kdump"
	expect_rc 0 "guestcore validates makedumpfile's kdump file"
	kept=$($G inspect "$T/filtered.kdump" | sed -n 's/.* \([0-9]*\) page frames present, \([0-9]*\) dumped.*/\2/p')
	all=$($G inspect "$T/gc.kdump" | sed -n 's/.* \([0-9]*\) page frames present, \([0-9]*\) dumped.*/\2/p')
	[ -n "$kept" ] && [ "$kept" -lt "$all" ] && ok "makedumpfile left out pages ($kept of $all kept)" ||
		not_ok "makedumpfile kept $kept of $all pages"
	cpu_notes "$T/filtered.kdump" | grep -q '^VMCOREINFO' && ok "its VMCOREINFO note is read" ||
		not_ok "no VMCOREINFO note in makedumpfile's file"
else
	echo "# makedumpfile is not installed: its checks are skipped"
fi
msrs "$T/stream.core" >"$T/stream.msrs"
diff -u "$T/snap.msrs" "$T/stream.msrs" >"$T/msrs.diff" && ok "the stream's MSRs equal the snapshot's" ||
	{ not_ok "MSRs differ"; cat "$T/msrs.diff"; }
"$Q" "$sock2" '{"execute":"cont"}' >/dev/null
[ "$(status)" = running ] && ok "cont resumes the guest" || not_ok "guest is $(status)"
stop_guest

# --- The same kernel without -device vmcoreinfo, KASLR on: QEMU's dump
# has no VMCOREINFO and makedumpfile cannot read it; guestcore's cores in
# every mode carry the kernel's own, found in guest memory, the same text
# in each; makedumpfile reads the kernel log from the ELF and kdump ones,
# libkdumpfile and drgn read init_uts_ns through it.
i=0
while ! grep -q guestcore-guest-ready "$T/bare.log" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
grep -q guestcore-guest-ready "$T/bare.log" && ok "the guest without -device vmcoreinfo booted" ||
	{ not_ok "the guest without -device vmcoreinfo did not boot"; tail -5 "$T/bare.log"; finish; exit 1; }
bstatus() { "$Q" "$bsock2" '{"execute":"query-status"}' | sed 's/.*"status":"\([a-z-]*\)".*/\1/'; }
run $G -v dump -s "qemu:qmp=$bsock" --notes qemu -o "$T/bare-snap.core"
expect_rc 0 "bare: a snapshot of the running guest"
expect_in "$err" "VMCOREINFO of Linux $release found in guest memory" "bare: the kernel's VMCOREINFO is found in its memory"
expect_not_in "$err" "VMCOREINFO text" "bare: no page is taken for a fake"
vmcoreinfo "$T/bare-snap.core" | grep -v '^ *CRASHTIME=' >"$T/bare.vmci"
grep -Eq "^ *OSRELEASE=$release$" "$T/bare.vmci" && ok "bare: OSRELEASE=$release" || not_ok "bare: no OSRELEASE=$release"
koff=$(sed -n 's/^ *KERNELOFFSET=//p' "$T/bare.vmci")
[ -n "$koff" ] && [ "$koff" != 0 ] && ok "bare: KASLR is on (KERNELOFFSET=$koff)" || not_ok "bare: KERNELOFFSET=$koff"
expect_in "$($G inspect "$T/bare-snap.core")" "origin                   0x2 (guest-memory)" "bare: guestcore.vmcoreinfo says guest memory"
run $G dump -s "qemu:qmp=$bsock" --notes qemu --format kdump -o "$T/bare-snap.kdump"
expect_rc 0 "bare: a kdump-compressed snapshot"
[ "$(bstatus)" = running ] && ok "bare: the guest runs on" || not_ok "bare: guest is $(bstatus)"
"$Q" "$bsock2" '{"execute":"stop"}' >/dev/null
"$Q" "$bsock2" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$T/bare-qemu.core\"}}" >/dev/null
expect_not_in "$($G inspect "$T/bare-qemu.core")" "VMCOREINFO type" "bare: QEMU's own dump has no VMCOREINFO"
run $G dump -s "qemu:qmp=$bsock,mode=pause" --notes qemu -o "$T/bare-stream.core"
expect_rc 0 "bare: the paused guest through the stream"
run $G dump -s "qemu:qmp=$bsock,mode=pause" --notes qemu --format kdump --compress zlib -o "$T/bare-stream.kdump"
expect_rc 0 "bare: a kdump file (zlib) through the stream"
run $G dump -s "qemu:qmp=$bsock" --notes qemu -o "$T/bare-monitor.core"
expect_rc 0 "bare: the paused guest through the monitor"
run $G convert "$T/bare-qemu.core" -o "$T/bare-conv.core"
expect_rc 0 "bare: QEMU's dump converted"
run $G convert "$T/bare-qemu.core" --format kdump --compress zlib -o "$T/bare-conv.kdump"
expect_rc 0 "bare: QEMU's dump converted to a kdump file (zlib)"
# The ELF core with the kernel image's PT_LOAD as a kdump file: each page once.
run $G convert "$T/bare-stream.core" --format kdump --compress zlib -o "$T/bare-split.kdump"
expect_rc 0 "bare: the ELF core (the kernel image's RAM a PT_LOAD of its own) converted to kdump"
frames() { $G inspect "$1" | sed -n 's/.* \([0-9]*\) page frames present, \([0-9]*\) dumped.*/\1 \2/p'; }
[ -n "$(frames "$T/bare-split.kdump")" ] && [ "$(frames "$T/bare-split.kdump")" = "$(frames "$T/bare-stream.kdump")" ] &&
	ok "bare: it holds each page once, as the stream's own kdump file ($(frames "$T/bare-split.kdump"))" ||
	not_ok "bare: page frames $(frames "$T/bare-split.kdump"), the stream's kdump file $(frames "$T/bare-stream.kdump")"
$G extract "$T/bare-stream.core" -o "$T/bare.raw" >/dev/null
run $G dump -s "raw:$T/bare.raw,map=$T/bare.raw.map" -o "$T/bare-raw.core"
expect_rc 0 "bare: the extracted raw image"
rm -f "$T/bare.raw"
for c in bare-snap.kdump bare-stream.core bare-stream.kdump bare-monitor.core bare-conv.core bare-conv.kdump bare-raw.core; do
	vmcoreinfo "$T/$c" | grep -v '^ *CRASHTIME=' >"$T/c.vmci"
	[ -s "$T/c.vmci" ] && cmp -s "$T/bare.vmci" "$T/c.vmci" && ok "bare: $c carries the same VMCOREINFO" ||
		{ not_ok "bare: $c: VMCOREINFO differs"; diff "$T/bare.vmci" "$T/c.vmci" | head -5; }
done
if command -v makedumpfile >/dev/null; then
	run makedumpfile --dump-dmesg "$T/bare-qemu.core" "$T/bare-qemu.dmesg"
	[ "$rc" -ne 0 ] && ok "bare: makedumpfile cannot read QEMU's own dump (exit $rc: $(printf '%s\n' "$out$err" | grep -v '^$' | tail -1))" ||
		not_ok "bare: makedumpfile read QEMU's dump without VMCOREINFO"
	for c in bare-stream.core bare-stream.kdump bare-conv.core bare-conv.kdump; do
		rm -f "$T/bare.dmesg"
		run makedumpfile --dump-dmesg "$T/$c" "$T/bare.dmesg"
		[ "$rc" -eq 0 ] && grep -q "Linux version $release" "$T/bare.dmesg" &&
			ok "bare: makedumpfile --dump-dmesg reads the kernel log from $c" ||
			{ not_ok "bare: makedumpfile on $c: exit $rc"; printf '%s\n' "$out$err" | tail -3; }
	done
else
	echo "# makedumpfile is not installed: its checks are skipped"
fi
if [ -n "$kpy" ]; then
	# init_uts_ns by its kernel virtual address, as VMCOREINFO gives it
	uts=$(python3 -c 'import sys; t = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l); print(hex(int(t["SYMBOL(init_uts_ns)"], 16) + int(t["OFFSET(uts_namespace.name)"]) + 2 * 65))' "$T/bare.vmci")
	for c in bare-snap.kdump bare-stream.kdump; do
		run "$kpy" "$T/kread.py" kdumpfile "$T/$c" "$uts" 65
		[ "$rc" -eq 0 ] && [ "$out" = "$release" ] && ok "bare: libkdumpfile reads init_uts_ns's release from $c" ||
			{ not_ok "bare: libkdumpfile on $c: exit $rc, '$out'"; printf '%s\n' "$err" | tail -3; }
	done
	if "$kpy" -c 'import drgn' 2>/dev/null; then
		run "$kpy" "$T/kread.py" drgn "$T/bare-stream.kdump" "$uts" 65
		[ "$rc" -eq 0 ] && [ "$out" = "$release" ] && ok "bare: drgn reads init_uts_ns's release from the kdump file" ||
			{ not_ok "bare: drgn: exit $rc, '$out'"; printf '%s\n' "$err" | tail -3; }
		run "$kpy" -c 'import sys, drgn; p = drgn.Program(); p.set_core_dump(sys.argv[1])' "$T/bare-qemu.core"
		echo "# drgn on QEMU's own dump of the bare guest: exit $rc, $(printf '%s' "$err" | tail -1)"
		# ELF cores: the kernel image's RAM is a PT_LOAD at its virtual
		# address, so drgn reads the kernel by virtual address (linux_banner
		# where the guest's /proc/kallsyms puts it); on QEMU's own dump of
		# the guest with -device vmcoreinfo it cannot.
		bbanner=$(sed -n 's/.*guestcore-guest-uname .* banner \([0-9a-f]*\) [A-Za-z] linux_banner.*/\1/p' "$T/bare.log")
		for c in bare-snap.core bare-stream.core bare-monitor.core bare-conv.core bare-raw.core; do
			run "$kpy" "$T/kread.py" drgn "$T/$c" "$bbanner" 64
			[ "$rc" -eq 0 ] && case $out in "Linux version $release "*) true ;; *) false ;; esac &&
				ok "drgn reads linux_banner by its virtual address from $c" ||
				{ not_ok "drgn on $c: exit $rc, '$out'"; printf '%s\n' "$err" | tail -2; }
		done
		run "$kpy" "$T/kread.py" drgn "$T/stream.core" "$banner" 64
		[ "$rc" -eq 0 ] && [ "$out" = "$(cat "$T/banner.elf")" ] &&
			ok "drgn reads linux_banner from guestcore's core of the guest with -device vmcoreinfo" ||
			{ not_ok "drgn on stream.core: exit $rc, '$out'"; printf '%s\n' "$err" | tail -2; }
		run "$kpy" "$T/kread.py" drgn "$T/qemu.core" "$banner" 64
		[ "$rc" -ne 0 ] && ok "drgn cannot read it from QEMU's own dump of that guest ($(printf '%s' "$err" | tail -1 | cut -c1-100))" ||
			not_ok "drgn read QEMU's dump by virtual address: '$out'"
		readelf -lW "$T/bare-snap.core" | awk '$1 == "LOAD" && $3 ~ /^0xffffffff/ { print "# the kernel image PT_LOAD: vaddr " $3 ", paddr " $4 ", " $5 " bytes" }'
		# With the kernel's debug vmlinux (Debian's -dbg package): drgn
		# reads the release, the tasks and the kernel log from guestcore's
		# ELF core of the guest without the device, not from QEMU's dump of
		# the one with it.
		if [ -n "$vmlinux" ]; then
			cat >"$T/kernel.py" <<'PY'
import sys, drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.printk import get_dmesg
p = drgn.Program()
p.set_core_dump(sys.argv[1])
p.load_debug_info([sys.argv[2]])
print(p["init_uts_ns"].name.release.string_().decode())
print(sum(1 for _ in for_each_task(p)))
print(get_dmesg(p).decode(errors="replace").count("Linux version"))
PY
			run "$kpy" "$T/kernel.py" "$T/bare-stream.core" "$vmlinux"
			[ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | sed -n 1p)" = "$release" ] &&
				[ "$(printf '%s\n' "$out" | sed -n 2p)" -gt 10 ] && [ "$(printf '%s\n' "$out" | sed -n 3p)" -ge 1 ] &&
				ok "drgn with vmlinux: init_uts_ns.name.release, $(printf '%s\n' "$out" | sed -n 2p) tasks and the kernel log from guestcore's ELF core" ||
				{ not_ok "drgn with vmlinux on bare-stream.core: exit $rc"; printf '%s\n' "$out" "$err" | tail -3; }
			run "$kpy" "$T/kernel.py" "$T/qemu.core" "$vmlinux"
			[ "$rc" -ne 0 ] && ok "drgn with vmlinux fails on QEMU's own dump ($(printf '%s' "$err" | tail -1 | cut -c1-90))" ||
				not_ok "drgn with vmlinux read QEMU's dump: $out"
		fi
	fi
fi
# gdb with vmlinux (its symbols moved by KERNELOFFSET): jiffies from
# guestcore's ELF core is the value at its physical address in the core;
# from QEMU's own dump gdb gives what vmlinux holds (its initial value).
if [ -n "$vmlinux" ] && command -v gdb >/dev/null; then
	jva=$(nm "$vmlinux" 2>/dev/null | awk '$3 == "jiffies" { print $1; exit }')
	pb=$(sed -n 's/^ *NUMBER(phys_base)=//p' "$T/bare.vmci")
	jpa=$(python3 -c 'import sys; print(hex((int(sys.argv[1], 16) + int(sys.argv[2], 16) - 0xffffffff80000000 + int(sys.argv[3], 0)) % 2**64))' "$jva" "$koff" "${pb:-0}")
	at=$($G read "$T/bare-stream.core" --phys "$jpa" --length 8 | od -An -tu8 | tr -d ' ')
	run gdb -batch -nx -ex "symbol-file -o 0x$koff $vmlinux" -ex "core-file $T/bare-stream.core" -ex 'p jiffies'
	got=$(printf '%s\n' "$out" | sed -n 's/^\$1 = //p')
	[ -n "$at" ] && [ "$got" = "$at" ] && ok "gdb with vmlinux: jiffies from guestcore's ELF core is the guest's ($got)" ||
		{ not_ok "gdb: jiffies '$got', the core holds '$at' at $jpa"; printf '%s\n' "$out" "$err" | tail -3; }
	run gdb -batch -nx -ex "symbol-file -o 0x$koff $vmlinux" -ex "core-file $T/bare-qemu.core" -ex 'p jiffies'
	echo "# gdb with vmlinux on QEMU's own dump of the guest: $(printf '%s\n' "$out" "$err" | grep -v '^$' | tail -1)"
	run gdb -batch -nx -ex "symbol-file $vmlinux" -ex "core-file $T/bare-qemu.core" -ex 'p jiffies'
	echo "# and with vmlinux's symbols where they were linked: $(printf '%s\n' "$out" | sed -n 's/^\$1 = /jiffies = /p') (vmlinux's own initial value, not the guest's)"
elif [ -z "$vmlinux" ]; then
	echo "# no debug vmlinux ($vmlinux_why): drgn's and gdb's checks with it are skipped"
fi
"$Q" "$bsock2" '{"execute":"cont"}' >/dev/null
[ "$(bstatus)" = running ] && ok "bare: cont resumes the guest" || not_ok "bare: guest is $(bstatus)"
stop_second
finish
