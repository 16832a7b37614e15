#!/bin/sh
# The benchmarks are not run by the tests (they take minutes and want a quiet
# machine), so that they do not rot unseen: every bench script parses and is
# distributed, and bench/extent-writes.c (qemu-dump.sh's "writes alone")
# builds without a warning and reproduces its model's layout.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"

for s in "$top_srcdir"/bench/*.sh; do
	if sh -n "$s"; then ok "$s parses"; else not_ok "$s does not parse"; fi
	b=bench/$(basename "$s")
	if grep -q "$b" "$top_srcdir/Makefile.am"; then ok "$b is distributed"; else not_ok "$b is not in EXTRA_DIST"; fi
done

if ! ${CC:-cc} -O2 -Wall -Wextra -Werror -o "$T/extent-writes" "$top_srcdir/bench/extent-writes.c" 2>"$T/cc.err"; then
	cat "$T/cc.err"
	not_ok "bench/extent-writes.c builds without a warning"
	finish || exit 1
fi
ok "bench/extent-writes.c builds without a warning"

# A 4 MiB model: 64 KiB of data, a hole, two pages of data at 1 MiB, a hole
# to the end.
head -c 65536 /dev/urandom >"$T/model"
head -c 8192 /dev/urandom | dd of="$T/model" bs=4096 seek=256 conv=notrunc status=none
truncate -s 4M "$T/model"
blocks() { stat -c %b "$1"; }
byte() { od -An -tx1 -j "$2" -N1 "$1" | tr -d ' '; }
model_blocks=$(blocks "$T/model")
if [ "$((model_blocks * $(stat -c %B "$T/model")))" -ge 4194304 ]; then
	echo "this file system keeps no holes: the layout checks are skipped"
	finish
	exit
fi
secs=$("$T/extent-writes" "$T/model" "$T/out")
case $secs in [0-9]*.[0-9]*) ok "extent-writes prints the seconds it took" ;; *) not_ok "extent-writes printed '$secs'" ;; esac
[ ! -e "$T/model" ] && ok "extent-writes removes its model" || not_ok "extent-writes left its model"
[ "$(stat -c %s "$T/out")" -eq 4194304 ] && ok "extent-writes keeps the model's size" ||
	not_ok "extent-writes wrote $(stat -c %s "$T/out") bytes, not 4194304"
[ "$(blocks "$T/out")" -eq "$model_blocks" ] && ok "extent-writes allocates what the model did" ||
	not_ok "extent-writes allocated $(blocks "$T/out") blocks, the model $model_blocks"
if [ "$(byte "$T/out" 0)$(byte "$T/out" 65535)$(byte "$T/out" 1048576)$(byte "$T/out" 1056767)" = a5a5a5a5 ] &&
	[ "$(byte "$T/out" 65536)$(byte "$T/out" 524288)$(byte "$T/out" 1056768)" = 000000 ]; then
	ok "extent-writes fills the model's data extents and leaves its holes"
else
	not_ok "extent-writes wrote another layout"
fi
finish
