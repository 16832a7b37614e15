#!/bin/sh
# Build the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined)
# and run each for SECONDS (default 60) from its seed corpus under
# tests/fuzz/corpus/TARGET, with the dictionary tests/fuzz/TARGET.dict where
# there is one.  Any crash, leak, timeout or sanitizer report fails.
#   sh tests/fuzz/run.sh [SECONDS] [WORKDIR] [TARGET...]   (from the top of the tree)
# Targets: core (the core reader), layout (the layout loader), qmp (QMP
# replies), monitor ('info mtree -f', 'info registers -a'), rawfiles (the raw
# source's map and CPU files), stream (QEMU's migration stream and the
# registers taken from it), savefile (saved states: libvirt's header and
# XML, each compression, the stream, as the savefile source reads them), kdump (kdump-compressed files, plain and
# flattened, in each page compression).  New inputs go to WORKDIR (default
# _build/fuzz), never into the seeds.
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
secs=${1:-60}
work=${2:-_build/fuzz}
[ $# -ge 2 ] && shift 2 || shift $#
targets=${*:-core layout qmp monitor rawfiles stream savefile kdump}
mkdir -p "$work"
CC=${FUZZ_CC:-clang}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE
 -DFUZZ_SCHEMAS=\"$top/schemas\" -DPACKAGE_VERSION=\"fuzz\" -DGC_PLUGINDIR=\"/nonexistent\"
 -DGC_SCHEMADIR=\"$top/schemas\" -I$top/sdk/include -I$top/core/include -I$top/core/lib -include stdbool.h"
# config.h is not needed by these sources beyond the definitions above.
: >"$work/config.h"
# The library's sources as Makefile.am lists them, so that a new file is
# never missing here.
lib_src=$(sed -n -e '/^core_libgcinternal_la_SOURCES/,/[^\\]$/p' -e '/^kdump_src/,/[^\\]$/p' "$top/Makefile.am" |
	grep -o 'core/lib/[a-z_/]*\.c')
[ -n "$lib_src" ] || { echo "run.sh: no library sources found in Makefile.am" >&2; exit 1; }
# -rss_limit_mb=256 catches an input that makes the code under test take
# memory it does not hold; ASan's quarantine of freed memory (256 MiB by
# default) would count against it, so it is kept small.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
export ASAN_OPTIONS
status=0
for target in $targets; do
	case $target in
	core | layout | kdump)
		src="$lib_src" inc= pkgs="libelf libxml-2.0 libxxhash zlib libdeflate libzstd lzo2 snappy" extra=-ldl ;;
	qmp)
		src="plugins/qemu/qmp.c plugins/qemu/qmpsock.c" inc="-I$top/plugins/qemu" pkgs=json-c extra= ;;
	monitor)
		src="plugins/qemu/parse.c" inc="-I$top/plugins/qemu -I$top/plugins" pkgs=json-c extra= ;;
	rawfiles)
		src="plugins/raw/rawfiles.c" inc="-I$top/plugins/raw" pkgs=json-c extra= ;;
	stream)
		src="plugins/qemu/stream.c plugins/qemu/vmstate.c" inc="-I$top/plugins/qemu -I$top/plugins" pkgs=json-c extra= ;;
	savefile)
		src="plugins/qemu/savefile.c plugins/qemu/stream.c plugins/qemu/vmstate.c plugins/qemu/place.c"
		inc="-I$top/plugins/qemu -I$top/plugins" pkgs="json-c libxml-2.0 zlib libzstd lzo2 liblzma" extra=-lbz2 ;;
	*)
		echo "run.sh: no fuzz target '$target'" >&2
		exit 2 ;;
	esac
	echo "== fuzz_$target: building"
	# shellcheck disable=SC2086
	$CC $flags $inc -I"$work" -I"$top/tests/fuzz" $(pkg-config --cflags $pkgs) -o "$work/fuzz_$target" tests/fuzz/fuzz_$target.c $src \
		$(pkg-config --libs $pkgs) $extra
	mkdir -p "$work/corpus-$target"
	dict=
	[ -f "tests/fuzz/$target.dict" ] && dict="-dict=tests/fuzz/$target.dict"
	echo "== fuzz_$target: ${secs}s from tests/fuzz/corpus/$target"
	# shellcheck disable=SC2086
	if ! "$work/fuzz_$target" $dict -max_total_time="$secs" -timeout=5 -rss_limit_mb=256 -max_len=131072 \
		-print_final_stats=1 -artifact_prefix="$work/$target-" "$work/corpus-$target" \
		"tests/fuzz/corpus/$target" >"$work/fuzz_$target.log" 2>&1; then
		echo "fuzz_$target found a problem:"
		tail -60 "$work/fuzz_$target.log"
		status=1
	else
		grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$work/fuzz_$target.log" || true
	fi
done
exit $status
