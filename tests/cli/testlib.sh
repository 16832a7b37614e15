# Shared by the shell tests: paths, a scratch directory, assertions.
: "${top_srcdir:?}" "${top_builddir:?}"
GUESTCORE="$top_builddir/core/guestcore"
TP="$top_builddir/tests/plugins/.libs"
T=$(mktemp -d "${TMPDIR:-/tmp}/gc-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }

# no_temp DIR DESCRIPTION: no unnamed output's fallback name left in DIR
no_temp() {
	if ls -A "$1" | grep -q '\.guestcore-'; then not_ok "$2: temporary file left"; ls -la "$1"; else ok "$2: no temporary file"; fi
}

# test_source_only: G runs guestcore with the test source as its only test
# plugin (the suite's others hang on purpose and cost each run seconds).
test_source_only() {
	mkdir -p "$T/plugins"
	ln -sf "$TP/tp_source.so" "$T/plugins/"
	G="$GUESTCORE -P $T/plugins"
}

# run CMD...: sets $out, $err and $rc
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

expect_rc() { # expected description
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $rc)"; else not_ok "$2: exit $rc, expected $1"; echo "$out"; echo "$err"; fi
}
expect_in() { # haystack needle description
	case $1 in *"$2"*) ok "$3" ;; *) not_ok "$3: '$2' not in:"; echo "$1" ;; esac
}
expect_not_in() {
	case $1 in *"$2"*) not_ok "$3: '$2' unexpectedly in:"; echo "$1" ;; *) ok "$3" ;; esac
}
# expect_golden ACTUAL EXPECTED DESCRIPTION: ACTUAL equals the committed
# EXPECTED file; GUESTCORE_UPDATE_GOLDEN=1 rewrites EXPECTED instead.
expect_golden() {
	if [ "${GUESTCORE_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$1" "$2"
		ok "$2 rewritten"
	elif diff -u "$2" "$1" >"$T/golden.diff"; then
		ok "$3"
	else
		not_ok "$3: differs from $2"
		head -40 "$T/golden.diff"
	fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
