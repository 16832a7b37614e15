#!/bin/sh
# The ABI checks have teeth: each kind of break is applied to a copy of the
# public headers, and both checks must see it.  The ABI table
# (abi-table.sh) must differ from the pristine headers' for every edit;
# abidiff, run as check-abi.sh runs it (abi-compare.sh), must report a
# change between core/lib/abi_anchor.c built from the pristine and from the
# edited headers for every edit it can see by type.  Only that one file and
# the table program are compiled.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
. "$top_srcdir/tests/abi/abi-compare.sh"
CC=${CC:-cc}
ABIDIFF=${ABIDIFF:-$(command -v abidiff || true)}
: >"$T/config.h"

# copy DIR: pristine public headers in DIR
copy() {
	mkdir -p "$1/guestcore"
	cp "$top_srcdir/sdk/include/guestcore/plugin.h" "$top_srcdir/core/include/guestcore/guestcore.h" "$1/guestcore/"
}
# anchor DIR OUT: the anchor built from DIR's headers
anchor() {
	$CC -shared -fPIC -g -O0 -std=gnu11 -fvisibility=hidden -I"$T" -I"$1" -I"$top_srcdir/core/lib" \
		-o "$2" "$top_srcdir/core/lib/abi_anchor.c"
}
copy "$T/pristine"
sh "$top_srcdir/tests/abi/abi-table.sh" "$T/pristine" >"$T/pristine.table"
ABIDW=${ABIDW:-$(command -v abidw || true)}
[ -n "$ABIDW" ] || ABIDIFF=
# The pristine side in the form of the committed baseline, as check-abi.sh
# compares it.
[ -z "$ABIDIFF" ] || { anchor "$T/pristine" "$T/pristine.so" && abi_dump "$T/pristine.so" "$T/pristine.abi" "$T/pristine"; }

# teeth NAME FILE SED-SCRIPT SEEN-BY-ABIDIFF(yes|no)
teeth() {
	rm -rf "$T/edit"
	copy "$T/edit"
	f="$T/edit/guestcore/$2"
	cp "$f" "$f.orig"
	sed -i "$3" "$f"
	if cmp -s "$f" "$f.orig"; then not_ok "$1: the edit changed nothing (fix the test)"; return; fi
	rm -f "$f.orig"
	if sh "$top_srcdir/tests/abi/abi-table.sh" "$T/edit" >"$T/edit.table" 2>"$T/edit.err" &&
		cmp -s "$T/pristine.table" "$T/edit.table"; then
		not_ok "$1: the ABI table does not see it"
	else
		ok "$1: the ABI table sees it"
	fi
	if [ -z "$ABIDIFF" ]; then
		ok "# SKIP $1: abidiff not installed"
	elif [ "$4" = yes ]; then
		if ! anchor "$T/edit" "$T/edit.so" 2>"$T/edit.err"; then
			not_ok "$1: abi_anchor.c does not build with the edit (fix the test)"
			cat "$T/edit.err"
		elif abi_compare "$T/pristine.abi" "$T/edit.so" "$T/edit" >"$T/abidiff.out"; then
			not_ok "$1: abidiff does not see it"
		else
			ok "$1: abidiff sees it"
		fi
	fi
}

teeth "guestcore_range.fd retyped to int64_t" plugin.h 's/^\tint32_t fd;/\tint64_t fd;/' yes
teeth "host services log and set_error swapped" plugin.h \
	's/(\*log)(/(*TEETH_TMP)(/; s/(\*set_error)(/(*log)(/; s/(\*TEETH_TMP)(/(*set_error)(/' yes
teeth "GUESTCORE_RANGE_ROM and GUESTCORE_RANGE_MMIO swapped" plugin.h \
	's/GUESTCORE_RANGE_ROM = 1,/GUESTCORE_RANGE_ROM = 2,/; s/GUESTCORE_RANGE_MMIO = 2,/GUESTCORE_RANGE_MMIO = 1,/' yes
teeth "a field inserted before force in guestcore_dump_opts" guestcore.h 's/^\tbool force; /\tint inserted;\n\tbool force; /' yes
teeth "reserved1 removed from guestcore_guest_info" plugin.h '/^\tuint32_t reserved1;$/d' yes
teeth "note_set_size takes a 32-bit size" plugin.h \
	's/int (\*note_set_size)(struct guestcore_note_builder \*nb, uint64_t size);/int (*note_set_size)(struct guestcore_note_builder *nb, uint32_t size);/' yes
teeth "the minor ABI version bumped" plugin.h 's/#define GUESTCORE_PLUGIN_ABI_MINOR [0-9]*$/#define GUESTCORE_PLUGIN_ABI_MINOR 77/' no
teeth "the entry symbol renamed" plugin.h 's/"guestcore_plugin_entry"/"guestcore_plugin_entry2"/' no
teeth "a capability bit moved" plugin.h 's/GUESTCORE_CAP_NOTE_PROVIDER = 1u << 1,/GUESTCORE_CAP_NOTE_PROVIDER = 1u << 2,/' yes
teeth "an interface renamed" plugin.h 's/"guestcore.memory-source"/"guestcore.memory-source2"/' no
finish
