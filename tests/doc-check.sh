#!/bin/sh
# The manuals render without a groff warning.
set -eu
: "${top_srcdir:?}"
command -v groff >/dev/null || { echo "groff not installed: skipped"; exit 77; }
status=0
for m in "$top_srcdir/doc/guestcore.1" "$top_srcdir/doc/guestcore-plugin.7"; do
	out=$(groff -t -man -ww -z "$m" 2>&1) || status=1
	if [ -n "$out" ]; then echo "$m: $out"; status=1; else echo "PASS: $m renders cleanly"; fi
done
exit $status
