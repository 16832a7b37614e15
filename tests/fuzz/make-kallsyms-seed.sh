#!/bin/sh
# Write tests/fuzz/corpus/core/guestcore-kallsyms.core: an x86_64 core of a
# 64 KiB guest whose VMCOREINFO points into its memory at a kernel symbol
# table (kallsyms: _text, a symbol with a two-byte length, a decoy,
# page_offset_base, _end), so that the core target's validate reads it
# (core/lib/kallsyms.c) and mutates it.  phys_base brings the image's
# addresses (0xffffffff81000000) down to guest-physical 0x4000.
#   sh tests/fuzz/make-kallsyms-seed.sh GUESTCORE   (from the top of the tree)
set -eu
export SOURCE_DATE_EPOCH=1700000000
G=${1:?give the guestcore binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import struct, sys
d = sys.argv[1]
mem = bytearray(0x10000)
img = 0x4000                      # guest-physical address of 0xffffffff81000000
va = 0xffffffff81000000
def put(at, b):
    mem[img + at:img + at + len(b)] = b
tokens = [b"D", b"T", b"page_", b"offset_base", b"_text", b"_end", b"foo", b"d", b"page_offset_base_not"]
t, index = 0, [0x90] * 256        # the tokens past the 9th: the empty string at 0x90
for i, tok in enumerate(tokens):
    index[i] = t
    put(0x100 + t, tok + b"\0")
    t += len(tok) + 1
put(0x800, struct.pack("<256H", *index))
put(0x1000, bytes([2, 1, 4, 2, 1, 6, 0x83, 0x00, 7, 2, 3, 2, 0, 8, 2, 0, 5]))
at = [0, 0x10, 0x3000, 0x3008, 0x8000]
put(0x2000, struct.pack("<5i", *[-1 - a for a in at]))  # x86_64: base - 1 - offset
put(0x2100, struct.pack("<QI", va, len(at)))
put(0x3000, struct.pack("<QQ", 0xffff9a0000000000, 0x1234))
open(d + "/g.img", "wb").write(mem)
phys_base = img - 0x1000000
open(d + "/vmci", "w").write(
    "OSRELEASE=6.1.0-seed\nPAGESIZE=4096\nSYMBOL(_stext)=ffffffff81000000\n"
    "NUMBER(phys_base)=%d\nNUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
    "SYMBOL(kallsyms_token_table)=ffffffff81000100\nSYMBOL(kallsyms_token_index)=ffffffff81000800\n"
    "SYMBOL(kallsyms_names)=ffffffff81001000\nSYMBOL(kallsyms_offsets)=ffffffff81002000\n"
    "SYMBOL(kallsyms_relative_base)=ffffffff81002100\nSYMBOL(kallsyms_num_syms)=ffffffff81002108\n" % phys_base)
PY
"$G" dump -s "raw:$tmp/g.img" --vmcoreinfo="$tmp/vmci" -o tests/fuzz/corpus/core/guestcore-kallsyms.core --force
"$G" -v validate tests/fuzz/corpus/core/guestcore-kallsyms.core
