#!/bin/sh
# The ABI promise as a test: a plugin built from the frozen first release of
# the plugin headers (tests/abi/v1.0/, tests/abi/v1plugin.c) uses every host
# service and implements every callback of ABI 1.0; it loads in this
# guestcore and writes the same core as it did then
# (tests/abi/v1.0/expected.inspect, taken with SOURCE_DATE_EPOCH=0), and
# every step it took is in its trace (V1_TRACE) in order.  A difference is
# either a broken promise or a change to the core format, which must be
# decided and the file regenerated (GUESTCORE_UPDATE_GOLDEN=1).
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
export SOURCE_DATE_EPOCH=0
run "$GUESTCORE" plugins -P "$TP"
expect_in "$out" "v1               1.0        1.0   memory-source,note-provider" "the 1.0 plugin loads"
V1_TRACE="$T/trace" run "$GUESTCORE" -v -P "$TP" dump -s v1: --notes v1 -o "$T/v1.core"
expect_rc 0 "it dumps as source and note set"
expect_in "$err" "v1: resume" "its log reaches the host's log"
cat >"$T/trace.want" <<'TRACE'
v1: open, binding_known right
v1: pause
v1: describe, decode_note 0, rip 0x1234567890
v1: fill vbox.core instance 0
v1: fill vbox.cpu instance 0
v1: fill linux.prpsinfo-x86_64 instance 0
v1: fill qemu.cpustate instance 0
v1: resume
v1: close
v1: unload
TRACE
diff -u "$T/trace.want" "$T/trace" >"$T/trace.diff" && ok "every service and callback in order, unload last" ||
	{ not_ok "the plugin's trace differs"; cat "$T/trace.diff"; }
run "$GUESTCORE" -P "$TP" dump -s v1:bad -o "$T/bad.core"
expect_rc 1 "its open refuses a spec"
expect_in "$err" "v1 takes no arguments, not 'bad'" "its set_error message is shown"
(cd "$T" && "$GUESTCORE" inspect v1.core) >"$T/v1.inspect"
for r in 0:0x4000 0xf0000:0x1000 0x100000:0x4000; do
	"$GUESTCORE" read "$T/v1.core" --phys "${r%%:*}" --length "${r##*:}" | cksum >>"$T/v1.inspect"
done
expect_golden "$T/v1.inspect" "$top_srcdir/tests/abi/v1.0/expected.inspect" "the core is the same as with the first release"
# The golden file itself shows each part of the ABI at work.
g="$top_srcdir/tests/abi/v1.0/expected.inspect"
expect_in "$(cat "$g")" "0x00000000000f0000 0x00000000000f0000" "a ROM range from get_range"
expect_in "$(grep ' rom$' "$g")" "rom" "its kind is ROM"
expect_in "$(grep ' mmio$' "$g")" "0x00000000fee00000" "an MMIO range without file bytes"
expect_in "$(cat "$g")" "rbx                      0x1234567890" "rbx from decode_note"
expect_in "$(cat "$g")" "v1-guest" "pr_fname from note_set_bytes"
expect_in "$(cat "$g")" "pr_uid                   0x81000000" "pr_uid from note_get_u64"
expect_in "$(cat "$g")" "QEMU type 0x0, 440 bytes" "the QEMU CPU state at 440 bytes from note_set_size"
expect_in "$(cat "$g")" "u32VBoxRevision          0x64" "VBCORE field from note_set_u64"
expect_in "$(cat "$g")" "8192 bytes: a0 a1 a2 a3" "the xsave bytes from get_register_bytes"
finish
