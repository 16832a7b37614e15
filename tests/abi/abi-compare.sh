# Sourced by check-abi.sh, check-teeth.sh and 'make update-abi-baseline':
# the one way the project writes and compares ABIs with abigail.
#   abi_dump SO OUT INCLUDE_DIR...           write SO's ABI as OUT (the baseline form)
#   abi_compare OLD NEW INCLUDE_DIR...       OLD: an abi_dump file; NEW: a shared object
# Both sides are abi_dump's form: the types the public headers in
# INCLUDE_DIR define, and those they only declare (struct guestcore_core,
# opaque to callers) as declarations, so that the library's own structs
# behind an opaque pointer are not its ABI (--drop-private-types).  No
# --hd1/--hd2 filter in the comparison itself: with one, abidiff counted
# every type of a dump (which has no locations) as private and filtered
# every change out.
# Exit status of abi_compare: abidiff's (0 the same; non-zero for any change).
abi_dump() {
	_so=$1 _out=$2
	shift 2
	_hd=
	for _d in "$@"; do _hd="$_hd --headers-dir $_d"; done
	# shellcheck disable=SC2086
	"${ABIDW:-abidw}" --no-corpus-path --no-comp-dir-path --no-show-locs --drop-private-types $_hd \
		--out-file "$_out" "$_so"
}
abi_compare() {
	_old=$1 _new=$2
	shift 2
	_dump=$(mktemp "${TMPDIR:-/tmp}/gc-abi.XXXXXX")
	abi_dump "$_new" "$_dump" "$@" || { rm -f "$_dump"; return 2; }
	_rc=0
	"${ABIDIFF:-abidiff}" --no-show-locs "$_old" "$_dump" || _rc=$?
	rm -f "$_dump"
	return $_rc
}
