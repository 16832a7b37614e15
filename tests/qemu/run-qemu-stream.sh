#!/bin/sh
# The qemu source's migration-stream modes against a live QEMU (TCG):
# - snapshot: a running guest that writes a sequence number to one page and
#   then to another, for ever, is dumped while it runs; the core never shows
#   the second page ahead of the first (the copy is of one instant), QEMU's
#   downtime is at most 50 ms, and the guest runs throughout;
# - pause: the same guest is stopped, streamed and let run again;
# - from one paused guest, QEMU's own dump and guestcore's (stream, and the
#   monitor with QEMU's notes) have the same memory and the same QEMU
#   CPU-state notes, field by field;
# - failures: QEMU refuses the capability (also after a cancelled
#   snapshot: auto then reads through the monitor), a paused guest asked for a
#   snapshot, SIGINT, SIGTERM, SIGHUP and SIGKILL in the middle of the stream, QEMU dying in
#   the middle of it: one sentence, no output left, the guest running, and
#   QEMU's migration settings as they were.
# Skipped (77) only when qemu-system-x86_64 is not installed.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed: skipped"; exit 77; }
G="$GUESTCORE"
. "$top_srcdir/tests/qemu/qemulib.sh"
SHIM="$top_builddir/tests/fault/.libs/faultshim.so"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

# A multiboot kernel of 50 bytes: in 32-bit protected mode, interrupts off,
# for ever: store n at 0x200000, then n at 0x300000, n += 1.
printf '\002\260\255\033\000\000\001\000\376\117\121\344\000\000\020\000\000\000\020\000\000\000\000\000\000\000\000\000\040\000\020\000\270\001\000\000\000\243\000\000\040\000\243\000\000\060\000\100\353\363' >"$T/seq.bin"
start_guest() { # extra QEMU options
	start_qemu 0.5 -machine pc,accel=tcg -m 64 -kernel "$T/seq.bin" -device vmcoreinfo "$@"
}
# QEMU's migration settings that guestcore changes for a run: they must be
# as they were after every run, whatever happened.
settings() {
	{
		"$Q" "$sock2" '{"execute":"query-migrate-capabilities"}' | tr '{' '\n' | grep '"state":true' || true
		"$Q" "$sock2" '{"execute":"query-migrate-parameters"}' | grep -o '"max-bandwidth":[0-9]*'
	} | sort
}
u32() { # core address
	$G read "$1" --phys "$2" --length 4 | od -An -tu4 | tr -d ' '
}
consistent() { # core: the second page is the first's value or one behind it
	a=$(u32 "$1" 0x200000)
	b=$(u32 "$1" 0x300000)
	[ -n "$a" ] && [ "$a" -gt 0 ] && { [ "$b" = "$a" ] || [ "$b" = $((a - 1)) ]; }
}

start_guest
before=$(settings)

# Snapshot of the running guest, three times.
for i in 1 2 3; do
	run $G -v dump -s "qemu:qmp=$sock" -o "$T/snap$i.core"
	expect_rc 0 "snapshot $i of the running guest"
	expect_in "$err" "mode snapshot" "snapshot $i: the mode used is said"
	consistent "$T/snap$i.core" && ok "snapshot $i is of one instant ($a, $b)" ||
		not_ok "snapshot $i: page 0x300000 holds $b, page 0x200000 $a"
done
[ "$(status)" = running ] && ok "the guest runs after the snapshots" || not_ok "guest is $(status)"
[ "$(u32 "$T/snap3.core" 0x200000)" -gt "$(u32 "$T/snap1.core" 0x200000)" ] &&
	ok "the guest ran between the snapshots" || not_ok "the guest did not run between the snapshots"
# QEMU's downtime of each: the median of the three at most 50 ms (another
# test's guest may hold the other CPU of the machine at any one moment).
down=$(for i in 1 2 3; do $G inspect "$T/snap$i.core" | sed -n 's/.*snapshot (downtime \([0-9]*\) ms).*/\1/p'; done |
	sort -n | sed -n 2p)
[ -n "$down" ] && [ "$down" -le 50 ] && ok "QEMU's downtime is at most 50 ms (median $down ms)" || not_ok "downtime '$down' ms"
[ "$(settings)" = "$before" ] && ok "QEMU's migration settings are as they were" || not_ok "settings changed: $(settings)"
# Registers come from the cpu section: eip lies in the loop, eax is the
# next sequence number.
$G inspect "$T/snap1.core" >"$T/snap1.txt"
grep -Eq 'rip +0x10002[5-9a-f]$|rip +0x10003[01]$' "$T/snap1.txt" && ok "rip is inside the guest's loop" ||
	{ not_ok "rip is not in the loop"; grep -E ' rip ' "$T/snap1.txt"; }

# No copy of the guest anywhere but the core: in either mode the stream
# goes straight into its place there, and no file is made in $TMPDIR for
# it (strace sees every open; the pmemsave directory the guard watches is
# made empty at the start and stays so).
if command -v strace >/dev/null; then
	mkdir "$T/tmpdir"
	for m in snapshot pause; do
		# (LeakSanitizer cannot run under ptrace: the sanitizer build's leaks are checked everywhere else.)
		run env TMPDIR="$T/tmpdir" ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
			strace -f -qq -e trace=open,openat,creat -o "$T/strace-$m" \
			$G dump -s "qemu:qmp=$sock,mode=$m" -o "$T/direct-$m.core"
		expect_rc 0 "mode=$m under strace"
		# (The core itself is an unnamed file in its own directory, $T, until it is whole.)
		if grep -E "\"$T/tmpdir|guestcore-stream|/var/tmp" "$T/strace-$m"; then
			not_ok "mode=$m: a temporary file was made for the guest's memory"
		else
			ok "mode=$m: no temporary file for the guest's memory"
		fi
		consistent "$T/direct-$m.core" && ok "mode=$m: the core written straight from the stream is of one instant" ||
			not_ok "mode=$m: $a, $b"
	done
else
	echo "strace not installed: the check for a temporary copy is skipped"
fi

# mode=pause on the running guest: stopped, streamed, running again.
run $G -v dump -s "qemu:qmp=$sock,mode=pause" -o "$T/pause.core"
expect_rc 0 "mode=pause of the running guest"
expect_in "$err" "mode pause" "the mode used is said"
consistent "$T/pause.core" && ok "the paused stream is of one instant ($a, $b)" || not_ok "pause: $a, $b"
[ "$(status)" = running ] && ok "the guest runs after mode=pause" || not_ok "guest is $(status)"
[ "$(settings)" = "$before" ] && ok "settings as they were after mode=pause" || not_ok "settings changed"

# One paused guest: QEMU's dump, guestcore's monitor way (auto on a paused
# guest) and guestcore's stream (mode=pause, which leaves it "postmigrate").
"$Q" "$sock2" '{"execute":"stop"}' >/dev/null
"$Q" "$sock2" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$T/qemu.core\"}}" >/dev/null
run $G -v dump -s "qemu:qmp=$sock" --notes qemu -o "$T/monitor.core"
expect_rc 0 "auto on a paused guest"
expect_in "$err" "mode pause (monitor)" "a paused guest is read through the monitor"
[ "$(status)" = paused ] && ok "the guest stays paused" || not_ok "guest is $(status)"
run $G -v dump -s "qemu:qmp=$sock,mode=pause" --notes qemu -o "$T/stream.core"
expect_rc 0 "mode=pause on the paused guest"
qemu_notes() { # core: the fields of its QEMU notes
	$G inspect "$1" | awk '/ QEMU type/ { n = 1; print "cpu"; next } / type 0x/ { n = 0 } n'
}
qemu_notes "$T/qemu.core" >"$T/qemu.notes"
[ "$(grep -c kernel_gs_base "$T/qemu.notes")" -eq 1 ] && ok "QEMU's dump has one QEMU note" || not_ok "QEMU notes: $(cat "$T/qemu.notes")"
for c in stream monitor; do
	same_memory "$T/$c.core" && ok "$c: every range of QEMU's dump is identical" || not_ok "$c: memory differs"
	qemu_notes "$T/$c.core" >"$T/$c.notes"
	diff -u "$T/qemu.notes" "$T/$c.notes" >"$T/$c.diff" && ok "$c: the QEMU CPU-state notes equal QEMU's" ||
		{ not_ok "$c: the QEMU notes differ"; cat "$T/$c.diff"; }
done
[ "$(status)" = postmigrate ] && ok "mode=pause leaves a guest paused by its user paused (postmigrate)" ||
	not_ok "guest is $(status)"
"$Q" "$sock2" '{"execute":"cont"}' >/dev/null
[ "$(status)" = running ] && ok "cont resumes it" || not_ok "guest is $(status)"
[ "$(settings)" = "$before" ] && ok "settings as they were after the paused runs" || not_ok "settings changed"

# A snapshot asked of a paused guest: QEMU would let it run afterwards.
"$Q" "$sock2" '{"execute":"stop"}' >/dev/null
run $G dump -s "qemu:qmp=$sock,mode=snapshot" -o "$T/x.core"
expect_rc 1 "mode=snapshot on a paused guest"
expect_in "$err" "use mode=pause" "the remedy is named"
[ "$(status)" = paused ] && ok "the guest stays paused" || not_ok "guest is $(status)"
"$Q" "$sock2" '{"execute":"cont"}' >/dev/null

# Interrupted in the middle of the stream (every write of the memory file
# slowed): SIGINT, SIGTERM and SIGHUP end it within a second, then SIGKILL
# (after the first, cancelled, snapshot QEMU refuses another: the later
# ones stream a paused guest, auto's fallback).
for sig in INT TERM HUP KILL; do
	GC_FAULT_WRITE_DELAY_MS=300 LD_PRELOAD="$SHIM" $G dump -s "qemu:qmp=$sock" -o "$T/sig.core" 2>"$T/sig.err" &
	kpid=$!
	sleep 1
	t1=$(date +%s%3N)
	kill -$sig $kpid
	set +e; wait $kpid; krc=$?; set -e
	ms=$(( $(date +%s%3N) - t1 ))
	# Within a second of the write in flight, which the shim makes sleep
	# 300 ms (a build that kept a copy of the stream in $TMPDIR took 51 s
	# to end a slowed snapshot).
	[ "$sig" = KILL ] || { [ "$ms" -le 1300 ] && ok "SIG$sig mid-stream: the dump ended within a second (${ms} ms)" ||
		not_ok "SIG$sig mid-stream took ${ms} ms"; }
	sleep 1
	[ $krc -ne 0 ] && ok "SIG$sig mid-stream: failed (exit $krc)" || not_ok "SIG$sig mid-stream: exit 0"
	[ ! -e "$T/sig.core" ] && ok "SIG$sig mid-stream: no output" || not_ok "SIG$sig: output left"
	[ "$(status)" = running ] && ok "SIG$sig mid-stream: the guest runs" || not_ok "SIG$sig: guest is $(status)"
	[ "$(settings)" = "$before" ] && ok "SIG$sig mid-stream: settings as they were" ||
		not_ok "SIG$sig: settings now $(settings)"
	"$Q" "$sock2" '{"execute":"query-migrate"}' | grep -q '"status":"\(completed\|failed\|cancelled\)"' &&
		ok "SIG$sig mid-stream: QEMU's migration is over" || not_ok "SIG$sig: $("$Q" "$sock2" '{"execute":"query-migrate"}')"
done
[ "$(wc -l <"$T/sig.err")" -le 1 ] || true
stop_guest

# QEMU dies in the middle of the stream.
start_guest
GC_FAULT_WRITE_DELAY_MS=300 LD_PRELOAD="$SHIM" $G dump -s "qemu:qmp=$sock" -o "$T/died.core" 2>"$T/died.err" &
kpid=$!
sleep 1
kill -KILL "$qpid"
wait "$qpid" 2>/dev/null || true
qpid=
set +e; wait $kpid; krc=$?; set -e
[ $krc -ne 0 ] && ok "QEMU dies mid-stream: failed (exit $krc)" || not_ok "QEMU died: exit 0"
[ "$(wc -l <"$T/died.err")" -eq 1 ] && ok "one line says why" || { not_ok "error:"; cat "$T/died.err"; }
expect_in "$(cat "$T/died.err")" "QEMU" "QEMU is named"
[ ! -e "$T/died.core" ] && ok "QEMU dies mid-stream: no output" || not_ok "output left"

# A QEMU whose background snapshot was once cancelled (into a sink that did
# not read) refuses the capability from then on, and its every migration
# fails: auto still dumps the guest (paused, through the monitor), says why,
# and the guest runs after; mode=snapshot is refused with the remedy.
# The sink reads the stream's first 400 kB (past the pages the guest
# writes, which QEMU then no longer write-protects) and stops reading.
start_guest -m 1G
"$Q" "$sock2" '{"execute":"migrate-set-capabilities","arguments":{"capabilities":[{"capability":"background-snapshot","state":true}]}}' >/dev/null
"$Q" "$sock2" '{"execute":"migrate","arguments":{"uri":"exec:head -c 400000 >/dev/null; sleep 1"}}' >/dev/null
sleep 0.3
"$Q" "$sock2" '{"execute":"migrate_cancel"}' >/dev/null
i=0
while ! timeout 5 "$Q" "$sock2" '{"execute":"query-migrate"}' | grep -q '"status":"cancelled"' && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
"$Q" "$sock2" '{"execute":"migrate-set-capabilities","arguments":{"capabilities":[{"capability":"background-snapshot","state":false}]}}' >/dev/null
# QEMU 7.2 may also leave the guest's RAM write-protected with no one to
# serve the faults: its vCPU then never stops and QEMU hangs on "stop" (its
# bug, the same for any client); that case cannot be dumped and is skipped.
if ! { timeout 5 "$Q" "$sock2" '{"execute":"stop"}' && timeout 5 "$Q" "$sock2" '{"execute":"cont"}'; } >/dev/null 2>&1; then
	echo "# QEMU hangs after its cancelled background snapshot (write-protected RAM): the case is skipped"
	kill -9 "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	qpid=
elif ! "$Q" "$sock2" '{"execute":"migrate-set-capabilities","arguments":{"capabilities":[{"capability":"background-snapshot","state":true}]}}' \
	>/dev/null 2>&1; then
	run $G -v dump -s "qemu:qmp=$sock" -o "$T/cancelled.core"
	expect_rc 0 "auto on a QEMU whose background snapshot was cancelled"
	expect_in "$err" "pausing the guest for the dump instead" "the fallback is said"
	expect_in "$err" "reading it through the monitor instead" "and the way it took"
	consistent "$T/cancelled.core" && ok "that dump is of one instant ($a, $b)" || not_ok "cancelled: $a, $b"
	[ "$(status)" = running ] && ok "the guest runs after it" || not_ok "guest is $(status)"
	run $G dump -s "qemu:qmp=$sock,mode=snapshot" -o "$T/cancelled2.core"
	expect_rc 1 "mode=snapshot on that QEMU"
	expect_in "$err" "use mode=pause" "the remedy is named"
	[ "$(status)" = running ] && ok "the guest runs after the refusal" || not_ok "guest is $(status)"
else
	echo "# this QEMU takes background snapshots after a cancelled one: the case is skipped"
fi
stop_guest

# QEMU refuses the capability: RAM in a shared file on a file system
# without write-protect faults (the build tree, not tmpfs).
case $(stat -f -c %T "$T") in
tmpfs) echo "# $T is on tmpfs: the refused-capability case is skipped" ;;
*)
	start_guest -object memory-backend-file,id=mem,size=64M,mem-path="$T/guest.mem",share=on -machine memory-backend=mem
	before=$(settings)
	run $G dump -s "qemu:qmp=$sock,mode=snapshot" -o "$T/x.core"
	expect_rc 1 "mode=snapshot where QEMU refuses background-snapshot"
	expect_in "$err" "cannot take a background snapshot" "QEMU's refusal is said"
	expect_in "$err" "use mode=pause" "the remedy is named"
	[ "$(status)" = running ] && ok "the guest runs" || not_ok "guest is $(status)"
	[ "$(settings)" = "$before" ] && ok "settings as they were" || not_ok "settings changed"
	run $G -v dump -s "qemu:qmp=$sock,mem=$T/guest.mem" -o "$T/fallback.core"
	expect_rc 0 "auto where QEMU refuses background-snapshot"
	expect_in "$err" "pausing the guest for the dump instead" "the fallback is said"
	consistent "$T/fallback.core" && ok "the fallback is of one instant" || not_ok "fallback: $a, $b"
	[ "$(status)" = running ] && ok "the guest runs after the fallback" || not_ok "guest is $(status)"
	stop_guest
	;;
esac
finish
