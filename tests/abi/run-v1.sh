#!/bin/sh
# The ABI promise as a test: a plugin built from the frozen first release of
# the plugin headers (tests/abi/v1.0/) loads in this guestcore and writes the
# same core as it did then (tests/abi/v1.0/expected.inspect, taken with
# SOURCE_DATE_EPOCH=0).  A difference is either a broken promise or a change
# to the core format, which must be decided and the file regenerated.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
export SOURCE_DATE_EPOCH=0
run "$GUESTCORE" plugins -P "$TP"
expect_in "$out" "v1               1.0        1.0   memory-source,note-provider" "the 1.0 plugin loads"
run "$GUESTCORE" -P "$TP" dump -s v1: --notes v1 -o "$T/v1.core"
expect_rc 0 "it dumps as source and note set"
(cd "$T" && "$GUESTCORE" inspect v1.core) >"$T/v1.inspect"
"$GUESTCORE" read "$T/v1.core" --phys 0x100000 --length 0x4000 | cksum >>"$T/v1.inspect"
expect_golden "$T/v1.inspect" "$top_srcdir/tests/abi/v1.0/expected.inspect" "the core is the same as with the first release"
finish
