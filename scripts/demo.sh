#!/bin/sh
# Build guestcore (installing missing Debian packages), generate the demo
# guest, dump it with VirtualBox and QEMU notes, check the result with the
# ELF tools and print a short summary.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
sh scripts/deps.sh
[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] || ./autogen.sh
mkdir -p _build/demo
cd _build/demo
[ -f Makefile ] || "$top/configure" -q
make -j"$(nproc 2>/dev/null || echo 2)" -s
G=./core/guestcore
sh "$top/scripts/make-demo-guest.sh" guest
$G dump --source raw:guest/guest.img,map=guest/guest.map,cpus=guest/cpus.json \
	--notes vbox,qemu -o demo.core --force
echo
echo "== segments (readelf -l)"
readelf -l -W demo.core | sed -n '/Program Headers/,$p'
echo "== notes (guestcore inspect)"
$G inspect demo.core | grep -E '^  \[' || true
echo "== vCPU 0 as VirtualBox records it"
$G inspect demo.core | sed -n '/VBCPU type/,/ cr4 /{p;/ cr4 /q}' | grep -E ' (rip|rsp|rflags|cs.uSel|cr0|cr3|cr4) '
echo "== checks"
$G validate --profile vbox demo.core
$G validate --profile qemu demo.core
if [ -n "$(readelf -n -l -W demo.core 2>&1 >/dev/null)" ]; then echo "readelf: warnings"; exit 1; fi
echo "readelf: no warning"
problems=$(eu-elflint demo.core 2>&1 | grep -v 'unknown core file note type' || true)
if [ -n "$problems" ]; then echo "eu-elflint: $problems"; exit 1; fi
echo "eu-elflint: nothing but vendor note types"
echo "text found in the guest's pages:"
grep -a -o 'guestcore demo [a-zA-Z :,0-9-]*\|Linux version [^(]*' demo.core | sed 's/^/  /'
