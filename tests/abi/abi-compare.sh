# Sourced by check-abi.sh, check-teeth.sh and 'make update-abi-baseline':
# the one way the project writes and compares ABIs with abigail.
#   abi_dump SO OUT INCLUDE_DIR...   write SO's ABI as OUT (the baseline form)
#   abi_compare OLD NEW              OLD: an abi_dump file; NEW: a shared object
# No --hd1/--hd2 header filter in the comparison: with one, abidiff counted
# every type of the baseline (which has no locations) as private and
# filtered every change out.  Nothing is private here anyway: the library
# exports only the functions of its public header (check-exports.sh), so
# every type they reach is public.
# Exit status of abi_compare: abidiff's (0 the same; non-zero for any change).
abi_dump() {
	_so=$1 _out=$2
	shift 2
	_hd=
	for _d in "$@"; do _hd="$_hd --headers-dir $_d"; done
	# shellcheck disable=SC2086
	"${ABIDW:-abidw}" --no-corpus-path --no-comp-dir-path --no-show-locs $_hd --out-file "$_out" "$_so"
}
abi_compare() {
	"${ABIDIFF:-abidiff}" --no-show-locs "$1" "$2"
}
