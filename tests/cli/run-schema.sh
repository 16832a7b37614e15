#!/bin/sh
# guestcore schema list|show|check.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"

run "$GUESTCORE" schema list
expect_rc 0 "schema list"
expect_in "$out" "vbox.cpu                   VBCPU      0xb01      any     per-cpu          8776  vbox.xml" "VBCPU row"
expect_in "$out" "qemu.cpustate              QEMU       0x0        any     per-cpu        432-448  qemu.xml" "QEMU sizes by tail"
expect_in "$out" "linux.prstatus-x86_64      CORE       0x1        x86_64  per-cpu           336" "PRSTATUS row"

run "$GUESTCORE" schema list --json
expect_rc 0 "schema list --json"
expect_in "$out" '"id": "vbox.core"' "JSON ids"
expect_in "$out" '"min_size": 432' "JSON min size"

run "$GUESTCORE" schema show vbox.cpu
expect_rc 0 "schema show vbox.cpu"
expect_in "$out" '  0x0088      8  u64      rflags                       <- reg.rflags flags rflags' "rflags line"
expect_in "$out" '  0x0240      4  u32      cbExt                        <- reg.xsave_size' "cbExt line"
expect_in "$out" '/* size: 8776 (0x2248) */' "size line"

run "$GUESTCORE" schema show nope.nope
expect_rc 1 "schema show of an unknown id"
expect_in "$err" "no layout 'nope.nope'" "unknown id is named"

cat >"$T/mine.xml" <<'XML'
<?xml version="1.0"?>
<layouts family="acme" doc="a third party's note">
  <note id="acme.build" name="ACME" type="0x41" doc="hypervisor build">
    <field name="magic" type="u32" const="0x41434d45"/>
    <field name="cpus" type="u32" bind="vm.cpu_count"/>
    <string name="version" size="24" bind="host.tool_version"/>
  </note>
</layouts>
XML
run "$GUESTCORE" schema check "$T/mine.xml"
expect_rc 0 "schema check of a good file"
expect_in "$out" "mine.xml: ok: acme.build (32 bytes)" "check names the layouts it found"

cat >"$T/bad.xml" <<'XML'
<?xml version="1.0"?>
<layouts family="acme">
  <note id="acme.bad" name="ACME" type="0x41">
    <field name="magic" type="u32"/>
    <field name="rip" type="u32" bind="reg.ripp" offset="4"/>
    <field name="x" type="u64" offset="4"/>
  </note>
  <note id="acme.dup" name="VBCPU" type="0xb01" machine="x86_64">
    <field name="a" type="u8"/>
  </note>
</layouts>
XML
run "$GUESTCORE" schema check "$T/bad.xml"
expect_rc 1 "schema check of a bad file"
expect_in "$err" "$T/bad.xml:6:32: error: member 'x' is declared at offset 0x4, which overlaps" "overlap at line:column"
expect_in "$err" "$T/bad.xml:5:" "unknown binding has a location"
expect_in "$err" "'reg.ripp', which is not in the binding vocabulary" "unknown binding named"

cat >"$T/dup.xml" <<'XML'
<?xml version="1.0"?>
<layouts family="acme">
  <note id="acme.dup" name="VBCPU" type="0xb01" machine="x86_64">
    <field name="a" type="u8"/>
  </note>
</layouts>
XML
run "$GUESTCORE" schema check "$T/dup.xml"
expect_rc 1 "a layout that repeats a bundled name/type"
expect_in "$err" "repeats name \"VBCPU\" and type 0xb01 of 'vbox.cpu'" "duplicate against the bundled set"

printf '<layouts family="x"><note' >"$T/trunc.xml"
run "$GUESTCORE" schema check "$T/trunc.xml" "$T/mine.xml"
expect_rc 1 "a truncated file fails, the other is still checked"
expect_in "$out" "mine.xml: ok" "the good file is still reported"
expect_in "$err" "$T/trunc.xml:1:" "truncated file located"

run "$GUESTCORE" schema check "$T/missing.xml"
expect_rc 1 "a missing file"
expect_in "$err" "$T/missing.xml: error: No such file or directory" "missing file named"

mkdir "$T/extra"
cp "$T/mine.xml" "$T/extra/"
run "$GUESTCORE" --schema-dir "$T/extra" schema list
expect_rc 0 "--schema-dir adds layouts"
expect_in "$out" "acme.build" "third-party layout listed"

# The fuzzer's grammar seeds must load, or fuzzing never gets past the checks.
run "$GUESTCORE" schema check "$top_srcdir"/tests/fuzz/corpus/layout/grammar-*.xml
expect_rc 0 "the layout fuzzer's grammar seeds load"
expect_in "$out" "fz.cpu (304 bytes)" "the nested seed's note"
expect_in "$out" "fz2.n (172 bytes)" "the arrays seed's note"

# Three structs, each holding the one before, loaded where every command
# loads layouts from (a -S directory): no crash, the note is listed.
mkdir "$T/nest"
cp "$top_srcdir/tests/fuzz/corpus/layout/grammar-arrays.xml" "$T/nest/"
run "$GUESTCORE" -S "$T/nest" schema list
expect_rc 0 "nested structs in a -S directory"
expect_in "$out" "fz2.n" "nested layout listed"

run "$GUESTCORE" schema
expect_rc 2 "schema without an action"
run "$GUESTCORE" schema frob
expect_rc 2 "schema with an unknown action"
finish
