#!/bin/sh
# The second ABI check, without abigail: the table of the public headers
# (tests/abi/abi-table.sh: sizes, offsets, member and function declarations,
# enum values, macros) equals the committed sdk/abi/abi-table.txt.  A change
# is made on purpose with 'make update-abi-baseline' and recorded in
# sdk/ABI.md.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/gc-abi.XXXXXX")
trap 'rm -rf "$W"' EXIT
sh "$top_srcdir/tests/abi/abi-table.sh" "$top_srcdir/sdk/include" "$top_srcdir/core/include" >"$W/table"
if ! diff -u "$top_srcdir/sdk/abi/abi-table.txt" "$W/table"; then
	echo "The public headers' ABI table differs from sdk/abi/abi-table.txt (above)."
	echo "If the change is intended, run 'make update-abi-baseline' and record it in sdk/ABI.md."
	exit 1
fi
echo "PASS: the ABI table matches sdk/abi/abi-table.txt ($(wc -l <"$W/table") lines)"
