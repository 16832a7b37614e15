#!/bin/sh
# The library's promise to its callers: a program built against the first
# libguestcore header (tests/abi/caller10.c, tests/abi/v1.0/guestcore/)
# dumps through this library, gets the defaults of every field appended to
# guestcore_dump_opts since (the source's own notes kept, ELF written, no
# digest), and has nothing written past the guestcore_dump_result it sized,
# whose sz then says what was filled.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
C="$top_builddir/tests/abi/caller10"
# A host of that time loads every plugin in its directory in-process: give it
# only the two it needs (the suite's plugin directory holds crashing ones).
mkdir "$T/plugins"
ln -s "$TP/tp_source.so" "$top_builddir/plugins/.libs/qemu.so" "$T/plugins/"
src="test:cpus=1,note=VMCOREINFO:0:OSRELEASE=6.1.0,note=ACME:7:vendor"
run "$C" "$T/plugins" "$top_srcdir/schemas" "$src" "$T/old.core" qemu
expect_rc 0 "a caller built against the first header dumps"
expect_in "$out" "opts 72 bytes, result 72 bytes" "it was built with the first structs"
expect_in "$out" "tail intact" "nothing written past its result struct"
expect_in "$out" "rc 0 sz 72 " "the result's sz says the 72 bytes filled, not the library's size"
run $GUESTCORE inspect "$T/old.core"
expect_rc 0 "its core reads"
expect_in "$out" "OSRELEASE=6.1.0" "the source's VMCOREINFO is kept for it (drop_source_notes came later)"
expect_in "$out" "ACME" "and the source's unknown note"
expect_not_in "$out" "guestcore.digest" "no digest (digest came later)"
run $GUESTCORE validate "$T/old.core"
expect_rc 0 "its core validates"
# The same dump with the current struct and the default options keeps them too.
run $GUESTCORE -P "$TP" dump -s "$src" --notes qemu -o "$T/new.core"
expect_rc 0 "the same dump from the tool"
[ "$($GUESTCORE inspect "$T/old.core" | grep -c 'VMCOREINFO\|ACME')" = \
  "$($GUESTCORE inspect "$T/new.core" | grep -c 'VMCOREINFO\|ACME')" ] &&
	ok "the old caller's core has the notes the current tool writes" || not_ok "the notes differ"
finish
