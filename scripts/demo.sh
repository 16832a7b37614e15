#!/bin/sh
# Build guestcore (installing missing Debian packages) and run the main job on
# the bundled demo guest.  Until the dump command lands this shows the tool
# and its plugin host: the plugins the build tree provides.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
sh scripts/deps.sh
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] || ./autogen.sh
mkdir -p _build/demo
cd _build/demo
[ -f Makefile ] || "$top/configure" -q
make -j"$(nproc 2>/dev/null || echo 2)" -s
./core/guestcore --version | head -2
./core/guestcore plugins
