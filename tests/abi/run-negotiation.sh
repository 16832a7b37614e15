#!/bin/sh
# Version negotiation both ways: a plugin built from the current headers
# that targets ABI 1.0 loads in a host speaking exactly 1.0 (host10, built
# from the frozen 1.0 headers without libguestcore) and uses nothing newer
# there, and in this host finds and uses host_info; one that needs 1.1 is
# refused by the 1.0 host with the sentence; a plugin built from the frozen
# 1.1 headers (tests/abi/v1.1/) loads here; a plugin's own function named
# like a host export binds to itself (-Wl,-Bsymbolic, as the SDK's
# pkg-config file says).
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
H="$top_builddir/tests/abi/host10"
run "$H" "$TP/tp_target10.so"
expect_rc 0 "a plugin built with the current headers targeting 1.0 loads in the 1.0 host"
expect_in "$out" "loaded target10 (ABI 1.0): target10, in a host of ABI 1.0: no host_info; 00 01 02 03 at 0x1000" "it works there without 1.1"
run "$H" "$TP/tp_needs11.so"
expect_rc 1 "a plugin that needs 1.1 in the 1.0 host"
expect_in "$out" "refused: $TP/tp_needs11.so needs plugin ABI 1.1; this host speaks 1.0" "refused with the sentence"
run "$GUESTCORE" -P "$TP" plugins
expect_in "$out" "target10         1.1        1.0   memory-source" "this host lists the 1.0 target"
expect_in "$out" "needs11          1.1        1.1   memory-source" "and the 1.1 one"
expect_in "$out" "frozen11         1.1        1.1   memory-source" "and the one built from the frozen 1.1 headers"
expect_in "$out" "frozen12         1.1        1.2   memory-source" "and the one built from the frozen 1.2 headers"
ver=$("$GUESTCORE" --version | awk 'NR == 1 { print $NF }')
for p in target10 needs11 frozen11 frozen12; do
	run "$GUESTCORE" -v -P "$TP" dump -s "$p:" -o "$T/$p.core"
	expect_rc 0 "$p dumps in this host"
	expect_in "$err" "$p, in guestcore $ver (ABI 1.3, oldest 1.0), offers cancelled" "$p finds host_info and host_offers"
done
run "$GUESTCORE" -P "$TP" plugins
expect_in "$out" "own guestcore_version: the plugin's own" "a plugin's function named like a host export binds to itself"
finish
