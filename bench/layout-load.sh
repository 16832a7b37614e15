#!/bin/sh
# Loading a layout file costs time in proportion to its size: checks a file
# of N notes and one of 10 N notes (about 3.7 MB, the size limit is 4 MiB)
# with 'guestcore schema check', three runs each alternating, and prints the
# medians and their ratio (goal: close to 10, linear; quadratic would be 100)
# and the larger file's time (goal: well under one second).
#   sh bench/layout-load.sh [BUILDDIR]
set -eu
cd "$(dirname "$0")/.."
. bench/common.sh
bench_guestcore "${1:-_build/normal}"
W=$(mktemp -d "${TMPDIR:-/tmp}/gc-bench-layout.XXXXXX")
trap 'rm -rf "$W"' EXIT

gen() { # notes file
	awk -v n="$1" 'BEGIN {
		print "<?xml version=\"1.0\"?>"; print "<layouts family=\"big\">"
		for (i = 0; i < n; i++)
			printf "<note id=\"big.n%d\" name=\"BIG\" type=\"%d\"><field name=\"a\" type=\"u32\" bind=\"reg.rax\"/><field name=\"b\" type=\"u64\"/></note>\n", i, i + 1
		print "</layouts>" }' >"$2"
}
gen 3000 "$W/small.xml"
gen 30000 "$W/large.xml"
echo "command: $G schema check FILE (3000 and 30000 notes, $(wc -c <"$W/large.xml") bytes)"
for i in 1 2 3; do
	for f in small large; do
		t0=$(now)
		"$G" schema check "$W/$f.xml" >/dev/null
		t1=$(now)
		echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$W/$f.t"
	done
done
s=$(median <"$W/small.t")
l=$(median <"$W/large.t")
echo "3000 notes: $s s; 30000 notes: $l s (goal: under 1 s)"
echo "ratio 30000/3000: $(echo "$s $l" | awk '{ printf "%.1f", $2 / $1 }') (goal: about 10, linear)"
