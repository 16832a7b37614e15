#!/bin/sh
# Strings from a file reach the terminal escaped and JSON parsers as valid
# UTF-8, in every command: a core whose note is named with an OSC title
# sequence, a BEL, 0xff, an overlong slash and a right-to-left override,
# with a descriptor that sets a colour, and a core file whose own name
# clears the screen.  No control byte but newline and tab reaches stdout or
# stderr, every line is well-formed UTF-8, and every JSON document parses
# with a strict parser (Python's json over strict UTF-8 decoding).
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
test_source_only

# clean FILE DESCRIPTION: FILE holds no raw control byte and is UTF-8.
clean() {
	if python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
b.decode("utf-8", "strict")
bad = [c for c in b if (c < 0x20 and c not in (9, 10)) or c == 0x7f]
sys.exit(1 if bad else 0)
PY
	then ok "$2: nothing raw reaches the terminal"; else not_ok "$2: a raw control byte or malformed UTF-8"; od -c "$1" | head; fi
}
json_ok() { # FILE DESCRIPTION
	if python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))' "$1"; then
		ok "$2: valid JSON"
	else
		not_ok "$2: not valid JSON"
	fi
}

name=$(printf 'A\033]0;pwn\007B\377\300\257\342\200\256Z')
desc=$(printf 'T\033[31mx')
bad="$T/$(printf 'x\033[2Jy').core"
run $G dump -s "test:ranges=1,size=0x1000,note=$name:5:$desc" -o "$bad"
expect_rc 0 "a core with a hostile note name, named hostilely"
for cmd in "inspect" "inspect --json" "validate -v" "validate --json -v"; do
	set +e
	$G $cmd "$bad" >"$T/out.bin" 2>"$T/err.bin"
	set -e
	clean "$T/out.bin" "$cmd: stdout"
	clean "$T/err.bin" "$cmd: stderr"
	case $cmd in *json*) json_ok "$T/out.bin" "$cmd" ;; esac
done
$G inspect "$bad" >"$T/out.bin"
grep -aq 'A\\x1b]0;pwn\\x07B\\xff\\xc0\\xaf\\xe2\\x80\\xaeZ' "$T/out.bin" &&
	ok "the name is shown with each byte it holds, escaped" || not_ok "the escaped name is not shown"
grep -aq 'x\\x1b\[2Jy.core' "$T/out.bin" && ok "the file's own name is escaped" || not_ok "the file name"
set +e
$G inspect "$T/$(printf 'gone\033[2J')" >"$T/out.bin" 2>"$T/err.bin"
set -e
clean "$T/err.bin" "an error naming a hostile path"
finish
