#!/bin/sh
# Live QEMU guests (TCG, 2 vCPUs, 128 MiB, SeaBIOS alone) dumped by guestcore
# and by QEMU's own dump-guest-memory: every guest-physical byte of every
# range agrees, and each vCPU's rip, rsp, cs base and cr0 agree with QEMU's
# notes; the guest runs again after a dump and after a dump that failed
# midway; convert of QEMU's dump passes validate --profile vbox with the same
# memory.  Skipped (77) only when qemu-system-x86_64 is not installed.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed: skipped"; exit 77; }
G="$GUESTCORE"
. "$top_srcdir/tests/qemu/qemulib.sh"
mem="$T/guest.mem"

start_guest() { # let SeaBIOS run for a second
	start_qemu 1 -machine pc,accel=tcg,memory-backend=mem \
		-object memory-backend-file,id=mem,size=128M,mem-path="$mem",share=on -smp 2
}

start_guest
# A running guest: guestcore stops it and lets it run again.
run $G dump -s "qemu:qmp=$sock,mem=$mem" --notes vbox,qemu -o "$T/running.core"
expect_rc 0 "dump of a running guest"
[ "$(status)" = running ] && ok "the guest runs again after the dump" || not_ok "guest is $(status)"

# The same paused guest, dumped by both: guestcore leaves it paused.
"$Q" "$sock" '{"execute":"stop"}' >/dev/null
run $G dump -s "qemu:qmp=$sock,mem=$mem" --notes qemu -o "$T/gc.core"
expect_rc 0 "guestcore dump of the paused guest (shared memory backend)"
run $G dump -s "qemu:qmp=$sock" --notes qemu -o "$T/gc-pmemsave.core"
expect_rc 0 "guestcore dump through pmemsave alone"
"$Q" "$sock" "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":false,\"protocol\":\"file:$T/qemu.core\"}}" >/dev/null
[ -s "$T/qemu.core" ] && ok "QEMU's own dump" || not_ok "QEMU's dump is missing"
[ "$(status)" = paused ] && ok "a paused guest stays paused" || not_ok "guest is $(status)"

same_memory "$T/gc.core" && ok "every range of QEMU's dump is identical in guestcore's (shared backend)" || not_ok "memory differs (shared backend)"
same_memory "$T/gc-pmemsave.core" && ok "every range of QEMU's dump is identical in guestcore's (pmemsave)" || not_ok "memory differs (pmemsave)"

# rip, rsp, cs base and cr0 of each vCPU against QEMU's QEMU notes.
fields() { # core
	$G inspect "$1" | awk '/ QEMU type/ { cpu++ } cpu && $1 ~ /^(rip|rsp|cs\.base|cr\[0\])$/ { print cpu, $1, $2 }'
}
fields "$T/qemu.core" >"$T/q.fields"
fields "$T/gc.core" >"$T/g.fields"
[ "$(wc -l <"$T/q.fields")" -eq 8 ] && ok "QEMU's notes give 4 fields for 2 vCPUs" || not_ok "$(cat "$T/q.fields")"
diff -u "$T/q.fields" "$T/g.fields" >"$T/f.diff" && ok "rip, rsp, cs base and cr0 agree with QEMU's notes" || { not_ok "registers differ"; cat "$T/f.diff"; }

# A dump that fails midway: the guest runs again.
"$Q" "$sock" '{"execute":"cont"}' >/dev/null
run sh -c "ulimit -f 4096; exec $G dump -s 'qemu:qmp=$sock,mem=$mem' -o '$T/fail.core'"
expect_rc 1 "a dump that fails midway (file size limit)"
[ "$(status)" = running ] && ok "the guest runs again after the failed dump" || not_ok "guest is $(status)"
[ ! -e "$T/fail.core" ] && ok "no output after the failure" || not_ok "output left"

# SIGKILL in the middle of a dump of the running guest (a slow output keeps
# it in the middle): the resume guard lets the guest run again at once.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
GC_FAULT_PATH="$mem" GC_FAULT_READ_DELAY_MS=100 LD_PRELOAD="$top_builddir/tests/fault/.libs/faultshim.so" \
	$G dump -s "qemu:qmp=$sock,mem=$mem,mode=pause" --copy=read -o "$T/killed.core" 2>/dev/null &
kpid=$!
i=0
# Paused, or "postmigrate" once the stream of its registers is over.
while [ "$(status)" = running ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(status)" != running ] && ok "the guest is paused during the dump ($(status))" || not_ok "guest is $(status) during the dump"
kill -KILL $kpid
set +e; wait $kpid; set -e
sleep 1
[ "$(status)" = running ] && ok "SIGKILL mid-dump: the guest runs again within a second" || not_ok "after SIGKILL the guest is $(status)"
[ ! -e "$T/killed.core" ] && ok "SIGKILL mid-dump: no output" || not_ok "output left"

# convert: QEMU's dump becomes a VirtualBox core with the same memory.
run $G convert "$T/qemu.core" -o "$T/vbox.core" --notes vbox
expect_rc 0 "convert QEMU's dump to a VirtualBox core"
run $G validate --profile vbox "$T/vbox.core"
expect_rc 0 "validate --profile vbox accepts it"
same_memory "$T/vbox.core" && ok "the converted core's memory equals the input's" || not_ok "the converted core's memory differs"

# One-line errors.
run $G dump -s "qemu:qmp=$T/no.sock" -o "$T/x.core"
expect_rc 1 "no socket"
expect_in "$err" "cannot connect to QMP socket $T/no.sock" "the socket is named"
truncate -s 1M "$T/small.mem"
run $G dump -s "qemu:qmp=$sock,mem=$T/small.mem" -o "$T/x.core"
expect_rc 1 "a backend file the map does not fit"
expect_in "$err" "past the end of $T/small.mem" "the mismatch is explained"
[ "$(status)" = running ] && ok "the guest runs again after that error" || not_ok "guest is $(status)"
stop_guest
if command -v socat >/dev/null; then
	socat UNIX-LISTEN:"$T/fake.sock",fork SYSTEM:'echo hello' &
	spid=$!
	# wait for the socket (a fixed sleep lost the race on a loaded machine)
	i=0
	while [ ! -S "$T/fake.sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	run $G dump -s "qemu:qmp=$T/fake.sock" -o "$T/x.core"
	kill $spid 2>/dev/null || true
	expect_rc 1 "a socket that does not speak QMP"
	expect_in "$err" "does not speak QMP" "the protocol problem is named"
fi
finish
