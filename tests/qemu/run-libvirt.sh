#!/bin/sh
# Guests that libvirt runs (the libvirt source) and libvirt's saved states
# (the savefile source) become cores, with real libvirt: virtlogd and
# libvirtd (Debian 12's monolithic 9.0) started as daemons by this test in a
# mount namespace of their own (tests/qemu/libvirtlib.sh), stopped at the
# end; no systemd.  A persistent TCG domain boots the suite's Debian kernel
# guest (ACPI and vmcoreinfo on) once for every case.  Running, it is dumped
# through libvirt in every mode and stays running as libvirt sees it, also
# when guestcore is killed mid-dump, and when its QEMU (run as libvirt-qemu)
# is refused userfaultfd (auto pauses instead, snapshot is refused); paused, 'virsh dump --memory-only'
# gives the reference (QEMU's ELF dump through libvirt), guestcore's dumps
# through libvirt equal it and the domain stays paused; then, with libvirtd
# started again for each set of save_image_format, snapshot_image_format
# and dump_image_format in qemu.conf (raw; gzip, bzip2, xz; lzop, gzip,
# bzip2), the same paused guest
# (restored from the first save image each time) is written by 'virsh save',
# 'virsh managedsave', an external memory snapshot and 'virsh dump' (its
# default format: a QEMU migration stream).  Each file is converted: it
# validates, has every range of the reference byte for byte and its
# NT_PRSTATUS, QEMU CPU-state and VMCOREINFO notes field by field, and the
# core records the domain's name and the compression.
# Skipped (77), saying why, without libvirtd, virsh or qemu-system-x86_64,
# when not root (libvirt's system instance), or without mount namespaces.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
# scripts/test-all.sh runs these live tests in the normal and the sanitizer
# build and sets GUESTCORE_LIVE_ONCE for its distcheck of the same tree.
[ -z "${GUESTCORE_LIVE_ONCE:-}" ] || { echo "run by the normal and sanitizer builds already (GUESTCORE_LIVE_ONCE): skipped"; exit 77; }
for p in libvirtd virtlogd virsh qemu-system-x86_64 unshare; do
	command -v $p >/dev/null || { echo "$p not installed: skipped (apt-get install libvirt-daemon-system libvirt-clients)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "not root: libvirt's system instance needs root: skipped"; exit 77; }
unshare -m true 2>/dev/null || { echo "no mount namespaces here (unshare -m): skipped"; exit 77; }
G="$GUESTCORE"
. "$top_srcdir/tests/qemu/qemulib.sh"
linux_guest
. "$top_srcdir/tests/qemu/libvirtlib.sh"
trap 'stop_daemons; rm -rf "$T"' EXIT

domain_xml gcs 256 >"$T/gcs.xml"

t0=$(date +%s)
daemons && ok "virtlogd and libvirtd started in the test's own directories ($(($(date +%s) - t0)) s)" ||
	{ not_ok "libvirtd did not answer within 60 s"; tail -5 "$D/log/libvirtd.log" 2>/dev/null; finish; exit 1; }
V define "$T/gcs.xml" >/dev/null && V start gcs >/dev/null && ok "the domain is defined and started" ||
	{ not_ok "the domain did not start"; finish; exit 1; }
i=0
while ! grep -q guestcore-guest-ready "$T/console.log" 2>/dev/null && [ $i -lt 1800 ]; do sleep 0.1; i=$((i + 1)); done
grep -q guestcore-guest-ready "$T/console.log" && ok "the guest booted ($((i / 10)) s)" ||
	{ not_ok "the guest did not boot within 180 s"; finish; exit 1; }

# ---- the live domain through libvirt (the libvirt source) ----
LV="uri=$URI"
state() { V domstate gcs | head -1; }
# The running domain: a snapshot (or pause, where QEMU cannot snapshot)
# leaves it running, as libvirt sees it.
for mode in snapshot auto pause; do
	run $G -v dump -s "libvirt:gcs,$LV,mode=$mode" --notes qemu -o "$T/live.core"
	if [ "$mode" = snapshot ] && [ "$rc" -ne 0 ] && echo "$err" | grep -q "background snapshot"; then
		echo "# QEMU under libvirt cannot take a background snapshot here: $err"
		expect_in "$err" "use mode=pause" "mode=snapshot, refused: the remedy is given"
		continue
	fi
	expect_rc 0 "libvirt:gcs,mode=$mode of the running domain"
	run $G validate "$T/live.core"
	expect_rc 0 "libvirt:gcs,mode=$mode: the core validates"
	n=$(cpu_notes "$T/live.core" | grep -c '^CORE' || true)
	[ "$n" -eq 2 ] && ok "mode=$mode: 2 NT_PRSTATUS" || not_ok "mode=$mode: $n NT_PRSTATUS"
	[ "$(state)" = running ] && ok "mode=$mode: virsh domstate says running afterwards" || not_ok "mode=$mode: the domain is $(state)"
	rm -f "$T/live.core"
done
# SIGKILL in the middle of a dump of the running domain (every write of the
# core slowed, libvirt's short messages not): the guard resumes it through
# libvirt.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
migration() { # QEMU's migration capabilities and parameters, as the run may change them
	V qemu-monitor-command gcs '{"execute":"query-migrate-capabilities"}' | sed 's/"id":"[^"]*"//'
	V qemu-monitor-command gcs '{"execute":"query-migrate-parameters"}' | sed 's/"id":"[^"]*"//'
}
migration >"$T/mig.before"
GC_FAULT_WRITE_DELAY_MS=300 GC_FAULT_WRITE_MIN=4096 LD_PRELOAD="$top_builddir/tests/fault/.libs/faultshim.so" \
	$G dump -s "libvirt:gcs,$LV,mode=pause" -o "$T/killed.core" 2>/dev/null &
kpid=$!
i=0
while [ "$(state)" = running ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(V domstate gcs --reason | head -1)" = "paused (user)" ] &&
	ok "mode=pause: the domain is paused during the dump by libvirt's suspend, as libvirt sees it" ||
	not_ok "the domain is $(V domstate gcs --reason | head -1) during the dump"
kill -KILL $kpid
set +e; wait $kpid; set -e
i=0
while [ "$(state)" != running ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(state)" = running ] && ok "SIGKILL mid-dump: the domain runs again ($((i * 100)) ms), as libvirt sees it" ||
	not_ok "after SIGKILL the domain is $(state)"
[ ! -e "$T/killed.core" ] && ok "SIGKILL mid-dump: no output" || not_ok "output left"
migration >"$T/mig.after"
cmp -s "$T/mig.before" "$T/mig.after" && ok "SIGKILL mid-dump: the guard put QEMU's migration settings back" ||
	{ not_ok "SIGKILL mid-dump: a migration setting is left changed"; diff "$T/mig.before" "$T/mig.after" | head -5; }
# Bad input: one line each, nothing written.
run $G dump -s "libvirt:nosuch,$LV" -o "$T/bad.core"
expect_rc 1 "an unknown domain is refused"
expect_in "$err" "no domain 'nosuch'" "the unknown domain is named"
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && ok "in one line" || not_ok "the error has $(printf '%s\n' "$err" | wc -l) lines"
run $G dump -s "libvirt:gcs,uri=qemu:///system?socket=$T/nosock" -o "$T/bad.core"
expect_rc 1 "a libvirt that does not answer is refused"
expect_in "$err" "cannot connect to libvirt" "the connection is named"
# A libvirt that takes the connection and never answers: the deadline
# (timeout=2) ends the wait, and so does SIGINT, within a second.
socat UNIX-LISTEN:"$T/mute.sock",fork SYSTEM:'sleep 60' &
mute=$!
i=0
while [ ! -S "$T/mute.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t1=$(date +%s%3N)
run $G dump -s "libvirt:gcs,uri=qemu:///system?socket=$T/mute.sock,timeout=2" -o "$T/bad.core"
ms=$(( $(date +%s%3N) - t1 ))
expect_rc 1 "a libvirt that never answers is refused"
expect_in "$err" "did not answer within 2 s" "by the deadline, which is named"
[ "$ms" -lt 4000 ] && ok "within the deadline (${ms} ms)" || not_ok "it took ${ms} ms"
$G dump -s "libvirt:gcs,uri=qemu:///system?socket=$T/mute.sock,timeout=60" -o "$T/bad.core" 2>"$T/int.err" &
kpid=$!
sleep 1
t1=$(date +%s%3N)
kill -INT $kpid
set +e; wait $kpid; krc=$?; set -e
ms=$(( $(date +%s%3N) - t1 ))
[ "$krc" -ne 0 ] && [ "$ms" -lt 1500 ] && ok "SIGINT while libvirt does not answer: ended in ${ms} ms (exit $krc)" ||
	not_ok "SIGINT while libvirt does not answer: exit $krc after ${ms} ms"
expect_in "$(cat "$T/int.err")" "interrupted" "the interrupt is said"
kill $mute 2>/dev/null || true
wait $mute 2>/dev/null || true
[ ! -e "$T/bad.core" ] && ok "no output after the refusals" || not_ok "output left"

V suspend gcs >/dev/null
V dump --memory-only gcs "$T/ref.core" >/dev/null && ok "virsh dump --memory-only of the paused domain" ||
	not_ok "virsh dump --memory-only"
# The paused domain (its user's pause: auto reads it through the monitor,
# which leaves QEMU able to migrate again): memory equal to libvirt's dump,
# and the notes but for what 'info registers' cannot give and QEMU's own
# notes (whose dump-guest-memory kills libvirtd 9.0) would: kernel_gs_base
# recorded as unknown, TR's flags rounded.  VMCOREINFO is the kernel's own,
# found in guest memory, the same text.  The domain stays paused.
run $G dump -s "libvirt:gcs,$LV" --notes qemu -o "$T/live.core"
expect_rc 0 "libvirt:gcs (auto) of the paused domain"
run $G validate "$T/live.core"
expect_rc 0 "libvirt:gcs (auto), paused: the core validates"
same_memory "$T/live.core" "$T/ref.core" && ok "libvirt:gcs (auto), paused: every range of the reference is identical" ||
	not_ok "libvirt:gcs (auto), paused: memory differs"
cpu_notes "$T/ref.core" >"$T/ref.core.notes"
cpu_notes "$T/live.core" >"$T/live.notes"
diff "$T/ref.core.notes" "$T/live.notes" | grep '^[<>]' | grep -v 'tr\.flags' |
	grep -v '^< *kernel_gs_base  *0x[0-9a-f]*$' | grep -v '^> *kernel_gs_base  *0x0 (unknown: the source could not give it)$' >"$T/c.diff" || true
[ ! -s "$T/c.diff" ] && [ "$(grep -c '^VMCOREINFO' "$T/live.notes")" -eq 1 ] &&
	ok "libvirt:gcs (auto), paused: NT_PRSTATUS, QEMU CPU state and VMCOREINFO equal libvirt's but for kernel_gs_base (unknown) and TR's flags" ||
	{ not_ok "libvirt:gcs (auto), paused: the notes differ"; head -20 "$T/c.diff"; }
expect_in "$($G inspect "$T/live.core" | awk '$1 == "origin"')" "(guest-memory)" \
	"libvirt:gcs (auto), paused: VMCOREINFO is the kernel's own, from guest memory"
[ "$(state)" = paused ] && ok "libvirt:gcs (auto): the domain stays paused" || not_ok "the domain is $(state)"
rm -f "$T/live.core"
run $G dump -s "libvirt:gcs,$LV,mode=snapshot" -o "$T/live.core"
expect_rc 1 "mode=snapshot of the paused domain is refused"
expect_in "$err" "use mode=pause" "with the remedy"
[ "$(state)" = paused ] && ok "the domain stays paused" || not_ok "the domain is $(state)"
V save gcs "$T/first.save" >/dev/null && ok "virsh save of the paused domain (raw)" || not_ok "virsh save"

[ "$(grep -c '^CORE' "$T/ref.core.notes")" -eq 2 ] && grep -q '^VMCOREINFO' "$T/ref.core.notes" &&
	ok "libvirt's memory-only dump has 2 NT_PRSTATUS and VMCOREINFO" || not_ok "the reference's notes: $(head -3 "$T/ref.core.notes")"
# converted FILE WHAT COMPRESSION: FILE becomes a core equal to the reference.
converted() {
	run $G convert "$1" --notes qemu -o "$T/c.core" --force
	expect_rc 0 "$2 ($3) converted"
	same_core "$T/c.core" "$T/ref.core" "$2 ($3)"
	src=$($G inspect "$T/c.core" | sed -n 's/^ *source *"\(.*\)"$/\1/p')
	case $2 in
	"virsh dump") want="QEMU migration stream" ;;
	*) want="domain gcs, was paused, $3," ;;
	esac
	expect_in "$src" "$want" "$2 ($3): the core says what it came from"
	[ "$3" = raw ] || expect_in "$src" "$3" "$2 ($3): the compression is recorded"
	rm -f "$T/c.core" "$1"
}
restore() { V restore "$T/first.save" --paused >/dev/null; }
converted_set() { # SAVE SNAPSHOT DUMP: the formats libvirtd was started with
	restore && V save gcs "$T/s.save" >/dev/null && ok "virsh save ($1)" || not_ok "virsh save ($1)"
	V restore "$T/s.save" --paused >/dev/null && ok "libvirt restores its own $1 image" || not_ok "virsh restore ($1)"
	converted "$T/s.save" "virsh save" "$1"
	V managedsave gcs >/dev/null && cp "$D/lib/qemu/save/gcs.save" "$T/m.save" && ok "virsh managedsave ($1)" ||
		not_ok "virsh managedsave ($1)"
	converted "$T/m.save" "virsh managedsave" "$1"
	V start gcs --paused >/dev/null || not_ok "virsh start --paused after managedsave"
	V snapshot-create-as gcs "s$2" --memspec "file=$T/snap.mem,snapshot=external" --no-metadata >/dev/null &&
		ok "an external memory snapshot ($2)" || not_ok "snapshot-create-as ($2)"
	converted "$T/snap.mem" "a memory snapshot" "$2"
	V destroy gcs >/dev/null
	restore && V dump gcs "$T/d.dump" >/dev/null && ok "virsh dump ($3)" || not_ok "virsh dump ($3)"
	converted "$T/d.dump" "virsh dump" "$3"
	V destroy gcs >/dev/null
}
# mode=pause of the paused domain (restored from that save): the stream,
# all of QEMU's registers; QEMU is left "postmigrate", as libvirt's own save
# leaves it, and libvirt still sees the domain paused.
restore
run $G dump -s "libvirt:gcs,$LV,mode=pause" --notes qemu -o "$T/live.core"
expect_rc 0 "libvirt:gcs,mode=pause of the paused domain"
same_core "$T/live.core" "$T/ref.core" "libvirt:gcs,mode=pause, paused"
[ "$(state)" = paused ] && ok "libvirt:gcs,mode=pause: the domain stays paused" || not_ok "the domain is $(state)"
rm -f "$T/live.core"
V destroy gcs >/dev/null
converted_set raw raw raw
# QEMU refused userfaultfd, as when libvirt runs it as a user of its own
# (here: the domain restored, running, from the first save image with a
# DAC label of libvirt-qemu, and vm.unprivileged_userfaultfd 0): auto
# pauses the running guest instead and says why, snapshot fails with the
# reason and the remedy; either way the domain runs on, as libvirt sees it.
if [ "$(cat /proc/sys/vm/unprivileged_userfaultfd 2>/dev/null)" != 0 ]; then
	echo "# vm.unprivileged_userfaultfd is not 0 here: QEMU would get userfaultfd as any user, its refusal is not tried"
elif ! qu=$(id -u libvirt-qemu 2>/dev/null) || ! qg=$(id -g libvirt-qemu 2>/dev/null); then
	echo "# no libvirt-qemu user: QEMU's refused userfaultfd is not tried"
else
	V save-image-dumpxml "$T/first.save" | sed -e '/<seclabel[^>]*\/>/d' -e '/<seclabel/,/<\/seclabel>/d' |
		sed "s|</domain>|<seclabel type='static' model='dac' relabel='yes'><label>+$qu:+$qg</label></seclabel></domain>|" \
		>"$T/gcs-user.xml"
	V restore "$T/first.save" --xml "$T/gcs-user.xml" --running >/dev/null &&
		ok "the domain restored, running, with QEMU as libvirt-qemu" || not_ok "virsh restore --xml (libvirt-qemu)"
	qpid=$(cat "$D/run/qemu/gcs.pid" 2>/dev/null || true)
	[ -n "$qpid" ] && [ "$(stat -c %u "/proc/$qpid")" = "$qu" ] && ok "its QEMU runs as libvirt-qemu (uid $qu)" ||
		not_ok "QEMU's user: $(stat -c %U "/proc/$qpid" 2>&1)"
	run $G -v dump -s "libvirt:gcs,$LV,mode=snapshot" -o "$T/uffd.core"
	expect_rc 1 "mode=snapshot, QEMU refused userfaultfd: refused"
	expect_in "$err" "cannot take a background snapshot (" "the refusal says why"
	echo "# $err"
	expect_in "$err" "use mode=pause" "and gives the remedy"
	[ ! -e "$T/uffd.core" ] && ok "the refused snapshot leaves no file" || not_ok "uffd.core was left"
	[ "$(state)" = running ] && ok "the refused snapshot leaves the domain running" || not_ok "the domain is $(state)"
	run $G -v dump -s "libvirt:gcs,$LV" --notes qemu -o "$T/uffd.core"
	expect_rc 0 "auto, QEMU refused userfaultfd: the dump is written"
	expect_in "$err" "pausing the guest for the dump instead" "auto says it pauses instead, and why"
	run $G validate "$T/uffd.core"
	expect_rc 0 "auto, QEMU refused userfaultfd: the core validates"
	[ "$(V domstate gcs --reason | head -1)" = "running (unpaused)" ] &&
		ok "auto, QEMU refused userfaultfd: the domain runs again, resumed through libvirt" ||
		not_ok "after the fallback the domain is $(V domstate gcs --reason | head -1)"
	rm -f "$T/uffd.core"
	V destroy gcs >/dev/null
fi
for set in "gzip bzip2 xz" "lzop gzip bzip2"; do
	# shellcheck disable=SC2086
	set -- $set
	if [ "$1" = lzop ] && ! command -v lzop >/dev/null; then
		echo "# lzop not installed: libvirt cannot write lzop images, that set is skipped"
		continue
	fi
	stop_daemons
	daemons "save_image_format = \"$1\"" "snapshot_image_format = \"$2\"" "dump_image_format = \"$3\"" &&
		ok "libvirtd started again with save $1, snapshot $2, dump $3" || { not_ok "libvirtd did not start again"; continue; }
	converted_set "$1" "$2" "$3"
done
converted "$T/first.save" "virsh save" raw
stop_daemons
[ -z "$(pgrep -f "$D/run/libvirtd.pid" || true)" ] && ok "the daemons are stopped" || not_ok "a daemon is left"
finish
