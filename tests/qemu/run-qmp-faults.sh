#!/bin/sh
# The qemu source against a fake QMP server (tests/qemu/fakeqmp.c) that stays
# silent, trickles, closes, talks garbage, refuses "cont" or goes away: every
# wait ends by its deadline or at a signal, every failure to resume the guest
# is said with the way to resume it by hand and exits 4 (core complete) or 5
# (failed), and the resume guard resumes the guest when the dumper is killed.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
# This test's own TMPDIR: what the dumps leave there is theirs alone (the
# other QEMU tests, run beside it, make pmemsave directories of their own).
TMPDIR="$T/tmpdir"
mkdir "$TMPDIR"
export TMPDIR
G="$GUESTCORE"
F="$top_builddir/tests/qemu/fakeqmp"
SHIM="$top_builddir/tests/fault/.libs/faultshim.so"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
sock="$T/qmp.sock"
mem="$T/guest.mem"
log="$T/qmp.log"
fpid=
head -c 1048576 /dev/urandom >"$mem"

fake() { # mode
	stop_fake
	rm -f "$sock" "$log"
	: >"$log"
	"$F" "$sock" "$1" "$log" &
	fpid=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
stop_fake() {
	[ -z "$fpid" ] || { kill "$fpid" 2>/dev/null || true; wait "$fpid" 2>/dev/null || true; }
	fpid=
}
trap 'stop_fake; rm -rf "$T"' EXIT
now() { date +%s%N | cut -c1-13; } # milliseconds
# timed CMD...: like run, and $ms is how long it took
timed() { t0=$(now); run "$@"; ms=$(( $(now) - t0 )); }
# sent COMMAND: the fake server's log has COMMAND as a line
sent() { grep -qx "$1" "$log"; }

# --- a good fake guest: dumped, resumed, the guard stands down
fake ok
run $G dump -s "qemu:qmp=$sock,mem=$mem" --notes qemu -o "$T/ok.core"
expect_rc 0 "a dump from the fake guest"
[ "$(grep -c '^cont$' "$log")" -eq 1 ] && ok "cont sent once" || not_ok "cont count: $(grep -c '^cont$' "$log")"
stop_fake

# --- no greeting (another client holds the socket): the deadline and the likely cause
fake silent
timed $G dump -s "qemu:qmp=$sock,mem=$mem,timeout=2" -o "$T/x.core"
expect_rc 1 "a silent monitor"
expect_in "$err" "sent no QMP greeting within 2 s: most likely another client (libvirt, another guestcore) holds this socket" "the likely cause is named"
expect_in "$err" "start QEMU with a second -qmp unix:PATH,server=on,wait=off" "the remedy is named"
[ "$ms" -lt 5000 ] && ok "it ends by its deadline (${ms} ms)" || not_ok "it took ${ms} ms"
timed $G dump -s "qemu:qmp=$sock,mem=$mem" -o "$T/x.core"
expect_rc 1 "a silent monitor, the default deadline"
[ "$ms" -ge 9500 ] && [ "$ms" -lt 14000 ] && ok "connect and greeting end at 10 s (${ms} ms)" || not_ok "it took ${ms} ms"
# Any of the three signals ends the wait within a second.
for sig in INT TERM HUP; do
	t0=$(now)
	$G dump -s "qemu:qmp=$sock,mem=$mem" -o "$T/x.core" 2>"$T/sig.err" &
	pid=$!
	sleep 0.5
	kill -$sig $pid
	set +e; wait $pid; rc=$?; set -e
	ms=$(( $(now) - t0 - 500 ))
	[ "$rc" -eq 1 ] && ok "SIG$sig ends a wait for the greeting (exit 1)" || not_ok "SIG$sig: exit $rc"
	[ "$ms" -lt 1500 ] && ok "SIG$sig ends it within a second (${ms} ms)" || not_ok "SIG$sig took ${ms} ms"
	expect_in "$(cat "$T/sig.err")" "interrupted" "SIG$sig: said so"
done
stop_fake

# --- a greeting one byte every half second cannot stretch the deadline
fake trickle
timed $G dump -s "qemu:qmp=$sock,mem=$mem,timeout=2" -o "$T/x.core"
expect_rc 1 "a trickling monitor"
[ "$ms" -lt 4000 ] && ok "the trickle does not extend the deadline (${ms} ms)" || not_ok "it took ${ms} ms"
stop_fake

# --- garbage, a closed connection
fake garbage
run $G dump -s "qemu:qmp=$sock,mem=$mem,timeout=2" -o "$T/x.core"
expect_rc 1 "a monitor that talks garbage"
expect_in "$err" "does not speak QMP" "garbage is named"
stop_fake
fake close
run $G dump -s "qemu:qmp=$sock,mem=$mem,timeout=2" -o "$T/x.core"
expect_rc 1 "a monitor that closes"
expect_in "$err" "closed the connection" "the closed connection is named"
stop_fake
run $G dump -s "qemu:qmp=$sock,timeout=0" -o "$T/x.core"
expect_rc 1 "timeout=0"
expect_in "$err" "timeout='0': give whole seconds from 1 to 86400" "a bad timeout is named"

# --- "cont" refused: the core is complete, exit 4, the way to resume by hand
fake cont-error
run $G dump -s "qemu:qmp=$sock,mem=$mem" -o "$T/c.core"
expect_rc 4 "QEMU refuses cont"
[ -s "$T/c.core" ] && ok "the core is kept" || not_ok "no core"
expect_in "$out" "$T/c.core: ELF64" "the summary is printed"
expect_in "$err" "the core is complete, but the guest could not be resumed: QEMU refused cont: fake: cannot continue" "the failure is said"
expect_in "$err" 'resume it by hand with the QMP command {"execute": "cont"}' "the way to resume by hand"
run $G validate "$T/c.core"
expect_rc 0 "the core kept is valid"
stop_fake

# --- the monitor goes away after stop: failed, and the guest stays paused (exit 5)
fake die-after-stop
run $G dump -s "qemu:qmp=$sock,mem=$mem" -o "$T/d.core"
expect_rc 5 "the monitor dies after stop"
expect_in "$err" "closed the connection" "the cause is named"
expect_in "$err" "and the guest could not be resumed" "the paused guest is said"
[ ! -e "$T/d.core" ] && ok "no core after the failure" || not_ok "a core was left"
stop_fake

# --- QEMU exits during the dump, its memory file survives: complete, exit 4
fake exit-after-regs
run $G dump -s "qemu:qmp=$sock,mem=$mem" -o "$T/e.core"
expect_rc 4 "QEMU exits during the dump"
expect_in "$err" "the core is complete, but the guest could not be resumed: QEMU at $sock closed the connection" "QEMU's exit is said"
$G read "$T/e.core" --phys 0 --length 1M -o "$T/e.bin"
cmp -s "$T/e.bin" "$mem" && ok "the memory is complete" || not_ok "memory differs"
stop_fake

# --- silent after stop, then SIGINT: ends within a second, cont is sent
fake silent-after-stop
t0=$(now)
$G dump -s "qemu:qmp=$sock,mem=$mem" -o "$T/s.core" 2>"$T/s.err" &
pid=$!
i=0
while ! sent stop && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
t1=$(now)
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
ms=$(( $(now) - t1 ))
[ "$rc" -eq 5 ] && ok "SIGINT during a silent command: failed, guest not resumed (exit 5)" || not_ok "exit $rc"
[ "$ms" -lt 2500 ] && ok "it ended promptly (${ms} ms)" || not_ok "it took ${ms} ms"
sent cont && ok "cont was sent after the interrupt" || not_ok "no cont sent: $(cat "$log")"
expect_in "$(cat "$T/s.err")" "resume it by hand" "the way to resume by hand"
stop_fake

# --- SIGKILL while paused: the guard resumes the guest within a second
for point in describe copy; do
	if [ $point = describe ]; then
		fake silent-after-stop
		set -- env
	else
		fake ok
		set -- env GC_FAULT_WRITE_DELAY_MS=200 LD_PRELOAD="$SHIM"
	fi
	"$@" $G dump -s "qemu:qmp=$sock,mem=$mem" -o "$T/k.core" 2>/dev/null &
	pid=$!
	i=0
	while ! sent stop && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	sleep 0.3
	sent cont && not_ok "SIGKILL during $point: cont before the kill" || true
	kill -KILL $pid
	set +e; wait $pid; set -e
	i=0
	while ! sent cont && [ $i -lt 20 ]; do sleep 0.05; i=$((i + 1)); done
	sent cont && ok "SIGKILL during $point: the guard resumed the guest within a second" || not_ok "SIGKILL during $point: no cont: $(cat "$log")"
	[ ! -e "$T/k.core" ] && ok "SIGKILL during $point: no core" || not_ok "a core was left"
	stop_fake
done
ls -A "$TMPDIR" | grep -q "^guestcore-pmemsave-" && not_ok "a pmemsave directory was left in $TMPDIR" || ok "no pmemsave directory left"

# --- a memory map too large for the range table: the limit is named
fake big-mtree
run $G dump -s "qemu:qmp=$sock,mem=$mem" -o "$T/b.core"
expect_rc 1 "5000 ranges"
expect_in "$err" "has more than 4096 RAM and ROM ranges, the most the qemu source takes" "the limit is named"
expect_not_in "$err" "Argument list too long" "not the errno text"
stop_fake
finish
