#!/bin/sh
# Hostile kdump files cost what the file holds, not what it claims: each
# class of tests/data/make-hostile-kdump.py (headers and bitmaps claiming
# 2^40 frames, 2^64-1, 32 M present frames, 8 M runs, descriptors past the
# end, shared or pointing at themselves, 100 000 notes, an aarch64 file of
# 5 000 vCPUs' register notes, short ones among them) through every
# command that reads a core, under a 1 GiB address-space limit: each ends
# within 2 s with one of guestcore's exit statuses, at most one line on
# stderr, and under 64 MiB of RSS.  Under the sanitizers (their shadow
# memory needs the address space) the limits of memory are not applied and
# the time limit is 8 s.
# Not yet bounded, and so not run here: convert of present-only and
# alternating-present, files as makedumpfile -d writes them with most RAM
# left out: the host still salvages each left-out page through the source's
# read() (32 M of them take more than 20 s), where an unreadable extent of
# the one memory pass (issue 22) should be written without a read.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) not installed: skipped"; exit 77; }
python3 "$top_srcdir/tests/data/make-hostile-kdump.py" "$T/in"
G=$GUESTCORE
if [ "${GC_SANITIZERS:-no}" = yes ]; then
	limit_ms=8000 vlimit=unlimited rss_kb=
else
	limit_ms=2000 vlimit=1048576 rss_kb=65536
fi

# hostile FILE COMMAND...: the command on FILE within the limits
hostile() {
	f=$1
	shift
	name="$(basename "$f"): $*"
	rm -rf "$T/o"
	mkdir "$T/o"
	start=$(date +%s%N)
	set +e
	(ulimit -v "$vlimit"; exec timeout 20 /usr/bin/time -f %M -o "$T/rss" $G "$@") >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	ms=$((($(date +%s%N) - start) / 1000000))
	lines=$(wc -l <"$T/err")
	rss=$(tail -n 1 "$T/rss" 2>/dev/null || echo 0)
	case $rc in
	0 | 1 | 2 | 3) ok "$name: exit $rc" ;;
	*) not_ok "$name: exit $rc (a signal or the timeout)"; head -3 "$T/err" ;;
	esac
	if [ "$ms" -le "$limit_ms" ]; then ok "$name: ${ms} ms"; else not_ok "$name: ${ms} ms, over $limit_ms"; fi
	if [ "$lines" -le 1 ]; then ok "$name: $lines line on stderr"; else not_ok "$name: $lines lines on stderr"; head -3 "$T/err"; fi
	if [ -n "$rss_kb" ]; then
		if [ "$rss" -lt "$rss_kb" ]; then ok "$name: ${rss} kB"; else not_ok "$name: ${rss} kB of RSS, over $rss_kb"; fi
	fi
}

for f in "$T"/in/*; do
	hostile "$f" inspect "$f"
	hostile "$f" inspect --json "$f"
	hostile "$f" validate "$f"
	hostile "$f" validate --json "$f"
	hostile "$f" read "$f" --phys 0 --length 4096 -o "$T/o/page"
	hostile "$f" read "$f" --phys 0 --length 64M --allow-holes -o "$T/o/span"
	hostile "$f" extract "$f" -o "$T/o/raw"
	case $(basename "$f") in present-only | alternating-present) continue ;; esac
	hostile "$f" convert "$f" -o "$T/o/c.core"
	hostile "$f" convert "$f" --format kdump -o "$T/o/c.kdump"
done

# What each class must be found to be, not only survived: validate refuses
# every lie and passes the shared zero page, the cut is said once.
for f in "$T"/in/*; do
	run $G validate "$f"
	case $(basename "$f") in
	desc-one-page | present-only | alternating-present | runs-16k) expect_rc 0 "validate $(basename "$f"): a file as makedumpfile may write it" ;;
	claims-*) expect_rc 2 "validate $(basename "$f"): cannot be read" ;;
	*) expect_rc 1 "validate $(basename "$f"): refused" ;;
	esac
done
run $G validate "$T/in/aarch64-notes-5k"
expect_in "$out" "note 'linux.prfpreg-aarch64' descriptor is 8 bytes, shorter than the 528 its layout needs" \
	"an aarch64 file's register notes are checked against the aarch64 layouts"
rm -rf "$T/o" && mkdir "$T/o"
run $G convert "$T/in/aarch64-notes-5k" -o "$T/o/a.core"
expect_rc 1 "5 000 aarch64 NT_PRSTATUS notes: convert refuses"
expect_in "$err" "has more than 4096 \"CORE\" notes of type 0x1, one per vCPU: guestcore takes 4096 vCPUs at most" \
	"and says which notes and the limit (no vCPU silently dropped)"
[ ! -e "$T/o/a.core" ] && ok "no core is left" || not_ok "a core was left"
run $G validate "$T/in/all-ones"
expect_in "$out" "which holds 16 of them: it is truncated, and the page frames from 0x10 on are not read" \
	"descriptors the file does not hold: the frames they would describe are cut at open"
run $G inspect --json "$T/in/alternating-present"
expect_in "$out" '"segments_not_listed": 8384512' "8 M runs: 4096 listed, the rest counted"
run $G inspect "$T/in/runs-16k"
[ "$(printf '%s\n' "$out" | grep -c ' LOAD ')" = 4096 ] && ok "16 384 runs: inspect lists 4096" || not_ok "inspect lists $(printf '%s\n' "$out" | grep -c ' LOAD ')"
expect_in "$out" "and 12288 more runs of page frames, not listed (--all-runs lists them)" "and counts the rest"
run $G inspect --all-runs "$T/in/runs-16k"
[ "$(printf '%s\n' "$out" | grep -c ' LOAD ')" = 16384 ] && ok "--all-runs lists every one" || not_ok "--all-runs lists $(printf '%s\n' "$out" | grep -c ' LOAD ')"
finish
