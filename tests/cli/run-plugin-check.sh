#!/bin/sh
# guestcore plugin-check: clean plugins pass; a plugin that breaks the rules
# gets one line per problem with the fix; a crash is reported with its signal
# and step and does not take the checker down; a refused plugin fails.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
PL="$top_builddir/plugins/.libs"
head -c 65536 /dev/zero >"$T/img"

run "$GUESTCORE" plugin-check --spec "$T/img" "$PL/raw.so"
expect_rc 0 "the raw source is clean"
expect_in "$out" "raw.so: clean" "it says so"
expect_in "$out" "(1 ranges, 0 vCPUs)" "it opened the image and walked its ranges"
run "$GUESTCORE" plugin-check "$PL/vbox.so"
expect_rc 0 "the vbox note set is clean"
run "$GUESTCORE" plugin-check "$PL/qemu.so"
expect_rc 0 "the qemu plugin is clean (its source needs a live guest)"
expect_in "$out" "give --spec" "the untested source is mentioned"

run "$GUESTCORE" plugin-check "$TP/tp_source.so"
expect_rc 1 "a source that accepts reads outside its ranges"
expect_in "$out" "a read at 0x200000, outside every range, succeeded: refuse it" "the problem and the fix"
expect_in "$out" "get_register(\"reg.no_such_register\") succeeded: answer -ENOENT" "a second problem on its own line"

run "$GUESTCORE" plugin-check "$TP/tp_crash.so"
expect_rc 1 "a plugin that crashes"
expect_in "$out" "crashed with SEGV during describe" "the signal and the step are named"

run "$GUESTCORE" plugin-check "$TP/tp_future_major.so"
expect_rc 1 "a plugin of a future ABI"
expect_in "$out" "was built for guestcore plugin ABI 2.0" "the refusal is shown"
run "$GUESTCORE" plugin-check
expect_rc 2 "no plugin given"
# A plugin that ends the process, or hangs, is reported with the step.
run timeout 60 "$GUESTCORE" plugin-check "$TP/tp_describe_exit.so"
expect_rc 1 "plugin-check of a plugin that calls exit() in describe"
expect_in "$out" "ended the process during describe (exit status 0): a plugin must never call exit()" "exit() is reported with the step"
expect_not_in "$out" "clean" "not called clean"
run timeout 60 "$GUESTCORE" plugin-check --timeout 2 "$TP/tp_describe_hang.so"
expect_rc 1 "plugin-check of a plugin that hangs in describe"
expect_in "$out" "did not finish describe within 2 s: it hangs there" "the hang is reported with the step"
run timeout 60 "$GUESTCORE" plugin-check "$TP/tp_ctor_exit.so"
expect_rc 1 "plugin-check of a plugin whose constructor calls exit()"
expect_in "$out" "ended the process while loading (exit status 3" "said so"
run timeout 60 "$GUESTCORE" plugin-check "$TP/tp_entry_hang.so"
expect_rc 1 "plugin-check of a plugin whose entry hangs"
expect_in "$out" "did not finish loading within 5000 ms" "within the load limit"
finish
