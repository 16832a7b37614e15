# Shared by the live-QEMU tests (sourced after tests/cli/testlib.sh): the
# guest's two QMP sockets (guestcore's and the test's own: QEMU serves one
# client per socket), starting and stopping QEMU, its run state, and the
# memory of two cores compared over the ranges of QEMU's own dump.
Q="$top_builddir/tests/qemu/qmpcmd"
sock="$T/qmp.sock"
sock2="$T/qmp2.sock"
qpid=

# launch_qemu SOCK SOCK2 QEMU-OPTION...: QEMU with two QMP sockets, in the
# background ($launched is its pid).
launch_qemu() {
	qsock1=$1 qsock2=$2
	shift 2
	rm -f "$qsock1" "$qsock2"
	qemu-system-x86_64 -display none -nodefaults -qmp unix:"$qsock1",server=on,wait=off \
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
trap 'stop_guest; rm -rf "$T"' EXIT
status() { "$Q" "$sock2" '{"execute":"query-status"}' | sed 's/.*"status":"\([a-z-]*\)".*/\1/'; }

# same_memory CORE: every range of "$T/qemu.core" (QEMU's dump) is
# identical in CORE.
same_memory() {
	ranges=$(readelf -l -W "$T/qemu.core" | awk '$1 == "LOAD" { print $4 ":" $5 }')
	for r in $ranges; do
		$GUESTCORE read "$T/qemu.core" --phys "${r%%:*}" --length "${r##*:}" -o "$T/q.bin" --force
		$GUESTCORE read "$1" --phys "${r%%:*}" --length "${r##*:}" -o "$T/o.bin" --force || return 1
		cmp -s "$T/q.bin" "$T/o.bin" || return 1
	done
	[ -n "$ranges" ]
}
