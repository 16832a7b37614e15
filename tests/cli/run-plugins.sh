#!/bin/sh
# guestcore plugins: listing, refusal reasons, search-path order, JSON.
set -eu
. "$top_srcdir/tests/cli/testlib.sh"

mkdir "$T/good" "$T/mixed" "$T/env"
ln -s "$TP/tp_good.so" "$T/good/good.so"
ln -s "$TP/tp_good.so" "$T/mixed/a.so"
ln -s "$TP/tp_future_major.so" "$T/mixed/b.so"
ln -s "$TP/tp_undefined.so" "$T/mixed/c.so"
ln -s "$TP/tp_big_zero.so" "$T/env/big.so"

run "$GUESTCORE" plugins --plugin-path "$T/good"
expect_rc 0 "a good plugin lists cleanly"
expect_in "$out" "good             1.2.3      1.3   memory-source,note-provider" "name, version, ABI, capabilities"
expect_in "$out" "$T/good/good.so" "path is shown"
expect_in "$out" "test plugin good" "description is shown"

run "$GUESTCORE" -P "$T/mixed" plugins
expect_rc 1 "a refused plugin makes the listing fail"
expect_in "$out" "refused: plugin $T/mixed/b.so was built for guestcore plugin ABI 2.0; this guestcore speaks 1.3: upgrade guestcore or rebuild the plugin against SDK 1.x" "version refusal names file, sides and remedy"
expect_in "$out" "undefined symbol: guestcore_test_symbol_that_does_not_exist" "dlerror text is kept"
expect_in "$out" "$T/mixed/a.so" "the good plugin still loads"

run "$GUESTCORE" plugins --json -P "$T/mixed"
expect_rc 1 "--json with a refused plugin"
expect_in "$out" '"name": "good"' "JSON has the name"
expect_in "$out" '"loaded": false' "JSON marks refused plugins"
expect_in "$out" '"abi": "2.0"' "JSON keeps the refused plugin's declared ABI"
expect_in "$out" '"capabilities": [' "JSON lists capabilities"
expect_in "$out" '"reason": "abi-newer"' "JSON: a stable reason code for a plugin that needs a newer host"
expect_in "$out" '"reason": "dlopen"' "JSON: a stable reason code for a dlopen failure"
expect_in "$out" '"name": "future_major"' "JSON: a refused plugin's name, as its descriptor gave it"
expect_in "$out" '"version": "1.2.3"' "JSON: and its version"

# Order: --plugin-path first, then GUESTCORE_PLUGIN_PATH.
GUESTCORE_PLUGIN_PATH="$T/env:$T/nonexistent" run "$GUESTCORE" plugins -P "$T/good"
expect_rc 0 "env path adds its plugins"
first_dir=$(printf '%s\n' "$out" | sed -n '2p')
expect_in "$first_dir" "$T/good" "--plugin-path comes first in the search path"
expect_in "$out" "big_zero" "plugin from GUESTCORE_PLUGIN_PATH is listed"
expect_in "$err" "GUESTCORE_PLUGIN_PATH entry $T/nonexistent skipped" "bad env entry is warned about"

run "$GUESTCORE" plugins -P "$T/does-not-exist"
expect_rc 2 "a missing --plugin-path directory"
expect_in "$err" "plugin directory $T/does-not-exist: No such file or directory" "the directory is named"

# The same plugin name in two places: the first wins, the second is refused.
mkdir "$T/dup"
cp "$TP/tp_good.so" "$T/dup/copy.so"
run "$GUESTCORE" plugins -P "$T/good" -P "$T/dup"
expect_rc 1 "duplicate plugin name"
expect_in "$out" "is named 'good' like $T/good/good.so, which comes first in the search path" "shadowing is explained"
# A plugin's own layouts beside it are found with it.
mkdir "$T/own"
cp "$TP/tp_good.so" "$T/own/good.so"
cat >"$T/own/good.xml" <<'XML'
<?xml version="1.0"?>
<layouts family="goodtest">
  <note id="goodtest.note" name="GOODTEST" type="0x7">
    <field name="value" type="u32"/>
  </note>
</layouts>
XML
run "$GUESTCORE" plugins -P "$T/own"
expect_in "$out" "layouts: $T/own/good.xml" "the layout file beside the plugin is listed"
run "$GUESTCORE" -P "$T/own" schema list
expect_in "$out" "goodtest.note" "its layouts join the bundled ones"
# Hostile plugins on the search path: each is probed in a child process
# and refused with the reason; none takes the tool down.
mkdir "$T/hostile" "$T/hang"
for n in ctor_crash ctor_exit entry_crash entry_exit; do ln -s "$TP/tp_$n.so" "$T/hostile/$n.so"; done
ln -s "$TP/tp_source.so" "$T/hostile/tp_source.so"
for n in ctor_hang entry_hang; do ln -s "$TP/tp_$n.so" "$T/hang/$n.so"; done
run timeout 60 "$GUESTCORE" -P "$T/hostile" plugins
expect_rc 1 "plugins with hostile plugins in the path"
expect_in "$out" "plugin $T/hostile/ctor_crash.so crashed while loading (SIGSEGV in its constructor or entry)" "a constructor that crashes"
expect_in "$out" "plugin $T/hostile/entry_crash.so crashed while loading (SIGSEGV" "an entry that crashes"
expect_in "$out" "plugin $T/hostile/ctor_exit.so ended the process while loading (exit status 3" "a constructor that calls exit()"
expect_in "$out" "plugin $T/hostile/entry_exit.so ended the process while loading (exit status 0" "an entry that calls exit(0)"
expect_in "$out" "$T/hostile/tp_source.so" "the good plugin beside them is listed"
run timeout 60 "$GUESTCORE" -P "$T/hostile" plugins --json
expect_in "$out" '"reason": "crashed"' "JSON: crashed"
expect_in "$out" '"reason": "exited"' "JSON: exited"
run timeout 60 "$GUESTCORE" -P "$T/hang" plugins --json
expect_rc 1 "plugins with hanging plugins in the path"
expect_in "$out" "ctor_hang.so did not finish loading within 5000 ms" "a constructor that hangs"
expect_in "$out" "entry_hang.so did not finish loading within 5000 ms" "an entry that hangs"
expect_in "$out" '"reason": "timed-out"' "JSON: timed-out"
# Commands load only what they need: hostile plugins are never run here.
run timeout 60 "$GUESTCORE" -P "$T/hostile" -P "$T/hang" dump -s "test:ranges=2,size=0x10000" --notes vbox -o "$T/h.core"
expect_rc 0 "dump with hostile plugins in the path (found by probing, not by file name)"
expect_in "$out" "$T/h.core: ELF64" "the dump is written"
run timeout 60 "$GUESTCORE" -P "$T/hostile" -P "$T/hang" inspect "$T/h.core"
expect_rc 0 "inspect with hostile plugins in the path"
run timeout 60 "$GUESTCORE" -P "$T/hostile" -P "$T/hang" validate "$T/h.core"
expect_rc 0 "validate with hostile plugins in the path"
run timeout 60 "$GUESTCORE" -P "$T/hostile" dump -s "nosuch:x" -o "$T/n.core"
expect_rc 1 "an unknown source among hostile plugins"
expect_in "$err" "no memory-source plugin named 'nosuch'" "said as usual"
# A plugin nobody asks for is never loaded: not by a dump that finds its
# plugins by file name, not by inspect (whose layouts come from files).
mkdir "$T/mark"
ln -s "$TP/tp_ctor_mark.so" "$T/mark/mark.so"
TP_MARK="$T/marks" run "$GUESTCORE" -P "$T/mark" dump -s "raw:$T/h.core" --notes vbox -o "$T/m.core"
expect_rc 0 "a dump with raw and vbox"
TP_MARK="$T/marks" run "$GUESTCORE" -P "$T/mark" inspect "$T/m.core"
expect_rc 0 "inspect"
[ ! -e "$T/marks" ] && ok "neither loaded the plugin it did not need" || not_ok "the unneeded plugin was loaded $(wc -l <"$T/marks") times"
TP_MARK="$T/marks" run "$GUESTCORE" -P "$T/mark" plugins
[ -e "$T/marks" ] && ok "plugins loads it" || not_ok "plugins did not load it"
# A plugin whose layouts are in a newer layout language is refused when it
# is listed, with the reason, not only warned about at dump time.
mkdir "$T/newlang"
cp "$TP/tp_good.so" "$T/newlang/good.so"
cat >"$T/newlang/good.xml" <<'XML'
<?xml version="1.0"?>
<layouts family="goodtest" version="2">
  <note id="goodtest.note" name="GOODTEST" type="0x7">
    <field name="value" type="u32" future-attribute="x"/>
  </note>
</layouts>
XML
run "$GUESTCORE" -P "$T/newlang" plugins --json
expect_rc 1 "a plugin with layouts in a newer language"
expect_in "$out" "ships its layouts ($T/newlang/good.xml) in layout language version 2; this guestcore reads version 1: upgrade guestcore" "the reason"
expect_in "$out" '"reason": "layout"' "JSON: layout"
run "$GUESTCORE" schema check "$T/newlang/good.xml"
expect_rc 1 "schema check of a newer language"
expect_in "$err" "good.xml:2:28: error: written in layout language version 2; this guestcore reads version 1: upgrade guestcore" "said before any schema error"
expect_not_in "$err" "future-attribute" "no schema error about what version 2 may allow"
finish
