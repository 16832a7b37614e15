# Shared by the live-QEMU tests (sourced after tests/cli/testlib.sh): the
# guest's two QMP sockets (guestcore's and the test's own: QEMU serves one
# client per socket), starting and stopping QEMU, its run state, and the
# memory of two cores compared over the ranges of QEMU's own dump.
Q="$top_builddir/tests/qemu/qmpcmd"
sock="$T/qmp.sock"
sock2="$T/qmp2.sock"
qpid=

# linux_guest: the suite's Linux guest (tests/qemu/linux-guest.sh) in
# $guest, made if missing; the test is skipped (77) when it cannot be.
linux_guest() {
	guest="${GUESTCORE_LINUX_GUEST:-$top_builddir/tests/linux-guest}"
	sh "$top_srcdir/tests/qemu/linux-guest.sh" "$guest" || { echo "no Linux guest to boot: skipped"; exit 77; }
}
# linux_guest_arm64: the same for arm64, in $guest.
linux_guest_arm64() {
	guest="${GUESTCORE_LINUX_GUEST_ARM64:-$top_builddir/tests/linux-guest-arm64}"
	sh "$top_srcdir/tests/qemu/linux-guest.sh" "$guest" arm64 || { echo "no arm64 Linux guest to boot: skipped"; exit 77; }
}

# guest_ready LOG WHAT SYMBOL: wait (120 s at most) for linux-guest.sh's
# ready line in the console LOG, or stop the test; $entry is the address
# it gives of SYMBOL.
guest_ready() {
	i=0
	while ! grep -q guestcore-guest-ready "$1" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q guestcore-guest-ready "$1" && ok "$2 booted ($((i / 10)) s)" ||
		{ not_ok "$2 did not boot within 120 s"; tail -20 "$1"; finish; exit 1; }
	entry=$(sed -n "s/.*guestcore-guest-ready \([0-9a-f]*\) T $3\([^A-Za-z0-9_].*\)\{0,1\}\$/\1/p" "$1")
	[ -n "$entry" ] && ok "the guest says where $3 is (0x$entry)" || not_ok "no $3 on the console"
}
# field CORE NOTE-NAME FIELD: the field's values in CORE, one line per note.
field() {
	$GUESTCORE inspect "$1" | awk -v n="$2" -v f="$3" '/^  \[[0-9]+\] / { on = ($2 == n); next } on && $1 == f { print $2 }'
}

# tamper_vaddr CORE COPY LOW HIGH: COPY is CORE with the p_vaddr of its
# first PT_LOAD at a virtual address in [LOW, HIGH) moved one page on (for
# validate's load.vaddr).
tamper_vaddr() {
	cp "$1" "$2"
	python3 - "$2" "$3" "$4" <<'PY'
import struct, sys
f, low, high = open(sys.argv[1], "r+b"), int(sys.argv[2], 16), int(sys.argv[3], 16)
h = f.read(64)
phoff, phentsize, phnum = struct.unpack_from("<Q", h, 32)[0], *struct.unpack_from("<HH", h, 54)
for i in range(phnum):
    f.seek(phoff + i * phentsize)
    p_type, _, _, va = struct.unpack("<IIQQ", f.read(24))
    if p_type == 1 and low <= va < high:
        f.seek(phoff + i * phentsize + 16)
        f.write(struct.pack("<Q", va + 4096))
        break
PY
}

# launch_qemu SOCK SOCK2 QEMU-OPTION...: QEMU ($QEMU_SYSTEM, by default
# qemu-system-x86_64) with two QMP sockets, in the background ($launched is
# its pid).
launch_qemu() {
	qsock1=$1 qsock2=$2
	shift 2
	rm -f "$qsock1" "$qsock2"
	"${QEMU_SYSTEM:-qemu-system-x86_64}" -display none -nodefaults -qmp unix:"$qsock1",server=on,wait=off \
		-qmp unix:"$qsock2",server=on,wait=off "$@" &
	launched=$!
}
# quit_qemu SOCK2 PID: quit through SOCK2, else kill; wait for it.
quit_qemu() {
	if [ -n "$2" ]; then
		# QEMU may close the socket before it answers quit.
		"$Q" "$1" '{"execute":"quit"}' >/dev/null 2>&1 || kill "$2" 2>/dev/null || true
		wait "$2" 2>/dev/null || true
	fi
}

# start_qemu SETTLE_SECONDS QEMU-OPTION...: the guest with both sockets, in
# the background ($qpid), once both sockets exist and SETTLE_SECONDS passed.
start_qemu() {
	settle=$1
	shift
	launch_qemu "$sock" "$sock2" "$@"
	qpid=$launched
	i=0
	while { [ ! -S "$sock" ] || [ ! -S "$sock2" ]; } && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	sleep "$settle"
}
stop_guest() {
	quit_qemu "$sock2" "$qpid"
	qpid=
}
# start_second SOCK SOCK2 QEMU-OPTION...: a second guest beside the first,
# in the background ($spid), quit by stop_second and at exit.
spid=
ssock2=
start_second() {
	ssock2=$2
	launch_qemu "$@"
	spid=$launched
}
stop_second() {
	quit_qemu "$ssock2" "$spid"
	spid=
}
trap 'stop_second; stop_guest; rm -rf "$T"' EXIT
status() { "$Q" "$sock2" '{"execute":"query-status"}' | sed 's/.*"status":"\([a-z-]*\)".*/\1/'; }

# same_memory CORE [QEMU-CORE]: every range of QEMU-CORE (QEMU's dump,
# "$T/qemu.core" by default) is identical in CORE.  QEMU-CORE's ranges are
# read out once and kept beside it (QEMU-CORE.range.START) for the next
# comparison with it.
same_memory() {
	qcore=${2:-$T/qemu.core}
	ranges=$(readelf -l -W "$qcore" | awk '$1 == "LOAD" { print $4 ":" $5 }')
	for r in $ranges; do
		q="$qcore.range.${r%%:*}"
		[ -f "$q" ] || $GUESTCORE read "$qcore" --phys "${r%%:*}" --length "${r##*:}" -o "$q"
		$GUESTCORE read "$1" --phys "${r%%:*}" --length "${r##*:}" -o "$T/o.bin" --force || return 1
		cmp -s "$q" "$T/o.bin" || return 1
	done
	rm -f "$T/o.bin"
	[ -n "$ranges" ]
}

# cpu_notes CORE: its NT_PRSTATUS, QEMU and VMCOREINFO notes, field by field.
cpu_notes() {
	$GUESTCORE inspect "$1" | awk '/^  \[[0-9]+\] / { on = ($2 == "CORE" || $2 == "QEMU" || $2 == "VMCOREINFO");
		if (on) print $2, $3, $4; next } on'
}

# same_core CORE REFERENCE WHAT: CORE (converted from a saved state)
# validates, has every range of REFERENCE (QEMU's dump of the same guest)
# and its NT_PRSTATUS, QEMU CPU-state and VMCOREINFO notes field by field,
# VMCOREINFO being the one the stream's vmcoreinfo device points to.
same_core() {
	run $GUESTCORE validate "$1"
	expect_rc 0 "$3: the core validates"
	same_memory "$1" "$2" && ok "$3: every range of the reference is identical" || not_ok "$3: memory differs"
	[ -f "$2.notes" ] || cpu_notes "$2" >"$2.notes"
	cpu_notes "$1" >"$T/c.notes"
	diff -u "$2.notes" "$T/c.notes" >"$T/c.diff" &&
		ok "$3: NT_PRSTATUS, QEMU CPU state and VMCOREINFO equal the reference's, field by field" ||
		{ not_ok "$3: the notes differ"; head -20 "$T/c.diff"; }
	expect_in "$($GUESTCORE inspect "$1" | awk '$1 == "origin"')" "(source)" \
		"$3: VMCOREINFO is the one the stream's device points to"
}
