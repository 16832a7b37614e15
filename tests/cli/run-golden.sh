#!/bin/sh
# Golden 'inspect' and 'validate -v' outputs for cores no part of guestcore
# wrote: QEMU's dump-guest-memory (tests/data/make-qemu-core.py), a Linux
# process core (tests/data/make-linux-core.sh), and VirtualBox cores of both
# generations written byte by byte by tests/golden/mkvboxcore.c.
# GUESTCORE_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"
golden="$top_srcdir/tests/golden"

zcat "$top_srcdir/tests/data/qemu-elf64.core.gz" >"$T/qemu-elf64.core"
zcat "$top_srcdir/tests/data/linux-process.core.gz" >"$T/linux-process.core"
"$top_builddir/tests/golden/mkvboxcore" 7 "$T/vbox7.core"
"$top_builddir/tests/golden/mkvboxcore" 2010 "$T/vbox2010.core"

for name in qemu-elf64 linux-process vbox7 vbox2010; do
	for cmd in inspect validate; do
		set +e
		if [ $cmd = validate ]; then
			(cd "$T" && "$GUESTCORE" validate -v "$name.core") >"$T/$name.$cmd" 2>&1
		else
			(cd "$T" && "$GUESTCORE" inspect "$name.core") >"$T/$name.$cmd" 2>&1
		fi
		set -e
		expect_golden "$T/$name.$cmd" "$golden/$name.$cmd" "$cmd of $name matches tests/golden/$name.$cmd"
	done
done

# JSON output of the same cores parses back (json_pp is in perl-base, json.tool needs python).
for name in qemu-elf64 vbox7; do
	run "$GUESTCORE" inspect --json "$T/$name.core"
	expect_rc 0 "inspect --json $name"
	expect_in "$out" '"notes": [' "inspect --json $name lists notes"
	if command -v json_pp >/dev/null; then
		printf '%s' "$out" | json_pp >/dev/null 2>&1 && ok "inspect --json $name is valid JSON" || not_ok "invalid JSON"
	fi
done
run "$GUESTCORE" validate --json "$T/qemu-elf64.core"
expect_rc 1 "QEMU 7.2's core has its e_ehsize bug"
expect_in "$out" '"id": "header.ehsize"' "validate --json names the finding"
finish
