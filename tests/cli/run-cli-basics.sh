#!/bin/sh
# guestcore --help, --version and usage errors behave as GNU tools do.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"

run "$GUESTCORE" --version
expect_rc 0 "--version"
expect_in "$out" "guestcore (guestcore) " "--version names the program"
expect_in "$out" "plugin ABI 1.3" "--version names the plugin ABI"

run "$GUESTCORE" --help
expect_rc 0 "--help"
expect_in "$out" "Usage: guestcore [OPTION]... COMMAND" "--help prints usage"
expect_in "$out" "Exit status:" "--help documents exit statuses"
expect_in "$out" "plugins" "--help lists commands"
[ -z "$err" ] && ok "--help writes nothing to stderr" || not_ok "--help wrote to stderr"

run "$GUESTCORE"
expect_rc 2 "no command"
expect_in "$err" "guestcore: missing command" "no command is explained"

run "$GUESTCORE" frobnicate
expect_rc 2 "unknown command"
expect_in "$err" "unknown command 'frobnicate'" "unknown command is named"

run "$GUESTCORE" --no-such-option plugins
expect_rc 2 "unknown option"
expect_in "$err" "Try 'guestcore --help'" "unknown option points at --help"

run "$GUESTCORE" plugins --help
expect_rc 0 "plugins --help"
expect_in "$out" "--json" "plugins --help documents --json"

run "$GUESTCORE" plugins extra-arg
expect_rc 2 "plugins with a stray argument"

# --version output goes to a closed stdout: failure, not silence.
if [ -w /dev/full ]; then
	run "$GUESTCORE" plugins --plugin-path "$T" --json
	set +e; "$GUESTCORE" plugins --plugin-path "$T" >/dev/full 2>"$T/err2"; rc=$?; set -e
	expect_rc 1 "plugins listing to a full device fails"
fi
finish
