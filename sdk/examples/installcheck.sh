#!/bin/sh
# make installcheck: install guestcore into a DESTDIR, build the SDK examples
# out of tree against that installed SDK only (pkg-config, nothing from the
# source tree), and dump a guest with them.
#   installcheck.sh SRCDIR DESTDIR PREFIX-DIRS...   (called by make)
set -eu
srcdir=$1 dest=$2 bindir=$3 libdir=$4 pkgdatadir=$5 plugindir=$6
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export PKG_CONFIG_PATH="$dest$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_LIBDIR="$dest$libdir/pkgconfig"
pkg-config --cflags guestcore-plugin | grep -q -- "-I$dest" || { echo "pkg-config does not point into $dest"; exit 1; }
for ex in buildinfo dirsource; do
	cp -r "$srcdir/sdk/examples/$ex" "$t/$ex"
	chmod -R u+w "$t/$ex"
	make -s -C "$t/$ex"
	echo "built $ex against $(pkg-config --cflags guestcore-plugin)"
done
G="$dest$bindir/guestcore"
export LD_LIBRARY_PATH="$dest$libdir" GUESTCORE_SCHEMA_DIR="$dest$pkgdatadir/schemas"
# The guest: two RAM files, a ROM and an MMIO hole.
mkdir "$t/guest"
head -c 65536 /dev/urandom >"$t/guest/0.ram"
printf 'BIOS' >"$t/guest/f0000.rom"
printf '20000\n' >"$t/guest/a0000.mmio"
head -c 8192 /dev/urandom >"$t/guest/100000.ram"
# Listing only: under distcheck the same plugins are also installed in the
# real prefix, and the copies found later are refused as duplicates.
"$G" -P "$dest$plugindir" -P "$t/dirsource" -P "$t/buildinfo" plugins || true
"$G" -P "$dest$plugindir" -P "$t/dirsource" -P "$t/buildinfo" dump -s "dirsource:$t/guest" --notes vbox,buildinfo -o "$t/guest.core"
"$G" -P "$t/buildinfo" inspect "$t/guest.core" | grep -A6 'ACMEHV' | tee "$t/acme"
grep -q 'build *"acme-hv 3.2.1 (example build)"' "$t/acme" || { echo "the ACMEHV note was not decoded by buildinfo.xml"; exit 1; }
"$G" -P "$t/buildinfo" validate "$t/guest.core"
"$G" read "$t/guest.core" --phys 0x100000 --length 8192 | cmp - "$t/guest/100000.ram"
echo "installcheck: the examples built against $dest and dumped a guest"
