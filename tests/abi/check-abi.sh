#!/bin/sh
# The ABI of libguestcore equals the committed baseline (sdk/abi/).  Any
# difference fails: a change to the ABI is made on purpose with
# 'make update-abi-baseline' and recorded in sdk/ABI.md.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
ABIDIFF=${ABIDIFF:-$(command -v abidiff || true)}
if [ -z "$ABIDIFF" ]; then
	echo "abidiff not found (Debian package abigail-tools): skipped"
	exit 77
fi
baseline="$top_srcdir/sdk/abi/libguestcore.abi"
lib="$top_builddir/core/.libs/libguestcore.so"
. "$top_srcdir/tests/abi/abi-compare.sh"
set +e
abi_compare "$baseline" "$lib" "$top_srcdir/sdk/include" "$top_srcdir/core/include"
rc=$?
set -e
if [ $rc -ne 0 ]; then
	echo "abidiff exit status $rc: libguestcore's ABI differs from $baseline."
	echo "If the change is intended, run 'make update-abi-baseline' and record it in sdk/ABI.md."
	exit 1
fi
echo "PASS: ABI matches the baseline"
