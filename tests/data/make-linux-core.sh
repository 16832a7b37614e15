#!/bin/sh
# Regenerate tests/data/linux-process.core.gz: a Linux process core written
# by the kernel, for the golden 'inspect' test.  A small static program
# aborts with core dumps enabled (needs core_pattern "core", as here).
#   sh tests/data/make-linux-core.sh     (from the top of the tree)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat >"$t/crash.c" <<'C'
#include <stdlib.h>
#include <string.h>
static char marker[64];
int main(void)
{
	strcpy(marker, "guestcore test process");
	abort();
}
C
cc -static -O0 -o "$t/crash" "$t/crash.c"
[ "$(cat /proc/sys/kernel/core_pattern)" = core ] || { echo "core_pattern is not 'core'"; exit 1; }
(cd "$t" && ulimit -c unlimited && ./crash) || true
gzip -9n <"$t/core" >"$here/linux-process.core.gz"
ls -la "$here/linux-process.core.gz"
