#!/bin/sh
# libguestcore exports exactly the functions its public headers declare, each
# with the guestcore_ prefix and a GUESTCORE_* version node; nothing else.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
lib="$top_builddir/core/.libs/libguestcore.so"
[ -f "$lib" ] || { echo "missing $lib"; exit 1; }
command -v readelf >/dev/null || { echo "readelf (binutils) missing: skipped"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Defined dynamic symbols: NAME@@VERSION or NAME@VERSION.
readelf --dyn-syms -W "$lib" |
	awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && $8 != "" { print $8 }' |
	sort -u >"$tmp/exported"

status=0
while read -r sym; do
	case $sym in
	guestcore_*@@GUESTCORE_[0-9]*|guestcore_*@GUESTCORE_[0-9]*) ;;
	GUESTCORE_[0-9]*) ;; # the version node's own symbol
	*) echo "exported symbol without the guestcore_ prefix or a version node: $sym"; status=1 ;;
	esac
done <"$tmp/exported"

# What the headers promise, against what the library exports.
# Join each declaration onto one line (a name may follow its return type on
# the next line), then take the name before the parameter list.
cat "$top_srcdir"/core/include/guestcore/*.h | tr '\n' ' ' | sed 's/;/;\n/g' |
	grep 'GUESTCORE_API ' |
	sed -n 's/.*GUESTCORE_API[^(]*[ *]\(guestcore_[a-z0-9_]*\) *(.*/\1/p' | sort -u >"$tmp/declared"
grep -v '^GUESTCORE_' "$tmp/exported" | sed 's/@.*//' | sort -u >"$tmp/names"
if ! diff -u "$tmp/declared" "$tmp/names" >"$tmp/diff"; then
	echo "exports differ from the GUESTCORE_API declarations (- declared only, + exported only):"
	cat "$tmp/diff"
	status=1
fi
[ -s "$tmp/declared" ] || { echo "no GUESTCORE_API declaration found"; status=1; }

# The version script names each export: a wildcard in a global list would
# let a new symbol land in an old node unseen.
map="$top_srcdir/core/lib/libguestcore.map"
awk '/global:/ { g = 1; next } /local:/ { g = 0 } g && /\*/ { print FILENAME ":" FNR ": " $0 }' "$map" >"$tmp/wild"
if [ -s "$tmp/wild" ]; then
	echo "the version script exports by wildcard (list each symbol by name):"
	cat "$tmp/wild"
	status=1
fi
sed -n 's/^[[:space:]]*\(guestcore_[a-z0-9_]*\);.*/\1/p' "$map" | sort >"$tmp/mapped"
if ! diff -u "$tmp/declared" "$tmp/mapped" >"$tmp/mapdiff"; then
	echo "the version script's names differ from the GUESTCORE_API declarations (- declared only, + listed only):"
	cat "$tmp/mapdiff"
	status=1
fi
[ $status = 0 ] && echo "PASS: $(wc -l <"$tmp/names") symbols, all declared, prefixed and versioned"
exit $status
