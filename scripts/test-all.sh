#!/bin/sh
# Build guestcore and run every test:
#   1. a normal build with -Werror: make check, the unit tests under valgrind,
#      make distcheck;
#   2. a build with -fsanitize=address,undefined: make check.
# Each build lives in its own directory (_build/normal, _build/sanitize).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
sh scripts/deps.sh --test

[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] || ./autogen.sh
jobs=$(nproc 2>/dev/null || echo 2)
# The Linux guests of the live QEMU tests, fetched once for every build here.
GUESTCORE_LINUX_GUEST="$top/_build/linux-guest"
GUESTCORE_LINUX_GUEST_ARM64="$top/_build/linux-guest-arm64"
export GUESTCORE_LINUX_GUEST GUESTCORE_LINUX_GUEST_ARM64

build() { # dir configure-flags...
	dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q --enable-werror "$@" && make -j"$jobs" -s)
}

report() { # dir
	for f in $(find "$1/tests" -name '*.log' ! -name '*.valgrind.log' 2>/dev/null); do
		case $(sed -n 's/^:test-result: //p' "${f%.log}.trs" 2>/dev/null) in
		FAIL|ERROR) echo "==== $f"; cat "$f" ;;
		esac
	done
}

echo "== normal build"
build _build/normal
(cd _build/normal && make -j"$jobs" check) || { report _build/normal; exit 1; }
echo "== valgrind: unit tests"
(cd _build/normal && make -s check-valgrind)
echo "== installcheck: the SDK examples against an installed SDK"
(cd _build/normal && make -s installcheck)
echo "== distcheck"
# (the slowest live tests, which both builds here run, skip in distcheck's copy of the tree)
(cd _build/normal && GUESTCORE_LIVE_ONCE=1 make -j"$jobs" distcheck >distcheck.out 2>&1) || { tail -50 _build/normal/distcheck.out; exit 1; }
grep -A1 'archives ready for distribution' _build/normal/distcheck.out || true

echo "== sanitizer build (address, undefined)"
build _build/sanitize --enable-sanitizers
(cd _build/sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	make -j"$jobs" check) || { report _build/sanitize; exit 1; }

echo "== fuzzing: each target ${GUESTCORE_FUZZ_SECONDS:-60}s from its corpus"
sh tests/fuzz/run.sh "${GUESTCORE_FUZZ_SECONDS:-60}" _build/fuzz

# CUnit's own summaries, then one closing line over both builds.
for f in $(find _build/normal/tests _build/sanitize/tests -name 'test_*.log' ! -name '*.valgrind.log' | sort); do
	echo "== $f"
	sed -n '/^Run Summary/,/^ *asserts/p' "$f"
done
passed=$(cat $(find _build/normal/tests _build/sanitize/tests -name '*.trs') | grep -c '^:test-result: PASS' || true)
failed=$(cat $(find _build/normal/tests _build/sanitize/tests -name '*.trs') | grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)' || true)
skipped=$(cat $(find _build/normal/tests _build/sanitize/tests -name '*.trs') | grep -c '^:test-result: SKIP' || true)
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
