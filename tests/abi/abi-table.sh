#!/bin/sh
# Print the ABI table of the public headers, independent of abigail: every
# public struct's size and alignment and each member's offset, size and
# declaration; every enum constant's value; every GUESTCORE_* macro's
# definition (and its value where it is a number); the declaration of every
# public function and typedef.  A small C program compiled from the headers
# prints the numbers, so the compiler, not this script, computes them.
#   sh tests/abi/abi-table.sh INCLUDE_DIR...   (the directories holding guestcore/)
# tests/abi/check-abi-table.sh compares it with sdk/abi/abi-table.txt.
set -eu
[ $# -ge 1 ] || { echo "usage: abi-table.sh INCLUDE_DIR..." >&2; exit 2; }
CC=${CC:-cc}
W=$(mktemp -d "${TMPDIR:-/tmp}/gc-abi-table.XXXXXX")
trap 'rm -rf "$W"' EXIT
inc=
for d in "$@"; do inc="$inc -I$d"; done
printf '#include <guestcore/guestcore.h>\n' >"$W/h.c"
# shellcheck disable=SC2086
$CC -E -P $inc "$W/h.c" >"$W/pre.c"
# shellcheck disable=SC2086
$CC -E -dM $inc "$W/h.c" | grep '^#define GUESTCORE_' | grep -v '^#define GUESTCORE_[A-Z_]*_H ' | sort >"$W/macros"

# Statements at the top level of the preprocessed headers, one a line, those
# that name guestcore: structs and enums with their bodies, prototypes, typedefs.
tr '\n' ' ' <"$W/pre.c" | awk '
function flush(s) { gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); if (s ~ /guestcore/) print s }
{
	depth = 0; cur = ""
	for (i = 1; i <= length($0); i++) {
		c = substr($0, i, 1); cur = cur c
		if (c == "{") depth++
		else if (c == "}") depth--
		else if (c == ";" && depth == 0) { flush(cur); cur = "" }
	}
}' >"$W/stmts"

# The C program: one print per fact.
{
	cat <<'C'
#include <stddef.h>
#include <stdio.h>
#include <guestcore/guestcore.h>
#define S(t) printf("%s size=%zu align=%zu\n", #t, sizeof(t), _Alignof(t))
#define M(t, m, d) printf("%s.%s offset=%zu size=%zu: %s\n", #t, #m, offsetof(t, m), sizeof(((t *)0)->m), d)
#define E(e) printf("enum %s=%lld\n", #e, (long long)(e))
#define N(x) printf("value %s=%llu\n", #x, (unsigned long long)(x))
C
	echo 'int main(void) {'
	awk '
	function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	/^(struct|enum) guestcore_[a-z0-9_]* \{/ {
		kind = $1; name = $2
		body = $0; sub(/^[^{]*\{/, "", body); sub(/\}[^}]*$/, "", body)
		if (kind == "struct") {
			printf "S(struct %s);\n", name
			n = split(body, decl, ";")
			for (i = 1; i <= n; i++) {
				d = decl[i]; gsub(/^ +| +$/, "", d)
				if (d == "") continue
				if (match(d, /\(\*[A-Za-z_][A-Za-z0-9_]*\)/)) m = substr(d, RSTART + 2, RLENGTH - 3)
				else { m = d; sub(/\[.*$/, "", m); sub(/^.*[^A-Za-z0-9_]/, "", m) }
				printf "M(struct %s, %s, %s);\n", name, m, q(d)
			}
		} else {
			n = split(body, val, ",")
			for (i = 1; i <= n; i++) {
				e = val[i]; sub(/=.*$/, "", e); gsub(/ /, "", e)
				if (e != "") printf "E(%s);\n", e
			}
		}
		next
	}
	/^(struct|enum) guestcore_[a-z0-9_]*;?$/ { next }   # declarations of opaque types
	{ printf "puts(%s);\n", q("decl " $0) }
	' "$W/stmts"
	while read -r _ name rest; do
		case $name in *"("*) continue ;; esac
		case $rest in \"* | "" | *__attribute__*) ;; *) printf 'N(%s);\n' "$name" ;; esac
	done <"$W/macros"
	awk '{ name = $2; $1 = ""; $2 = ""; sub(/^  /, ""); gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "puts(\"macro %s: %s\");\n", name, $0 }' "$W/macros"
	echo 'return 0; }'
} >"$W/table.c"
# shellcheck disable=SC2086
$CC -std=gnu11 $inc -o "$W/table" "$W/table.c"
"$W/table"
