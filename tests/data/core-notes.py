#!/usr/bin/env python3
"""core-notes.py CORE NAME:TYPE...: print each note of CORE (an ELF64
little-endian core) whose name and type are listed, in file order, one
line each: "NAME TYPE HEX-OF-ITS-DESCRIPTOR".  Two cores' lines compare
their notes byte for byte."""
import struct
import sys

want = {(w.split(":")[0], int(w.split(":")[1], 0)) for w in sys.argv[2:]}
with open(sys.argv[1], "rb") as f:
    h = f.read(64)
    if h[:4] != b"\x7fELF" or h[4] != 2 or h[5] != 1:
        sys.exit("core-notes.py: %s is not an ELF64 little-endian file" % sys.argv[1])
    phoff, = struct.unpack_from("<Q", h, 32)
    phnum, = struct.unpack_from("<H", h, 56)
    f.seek(phoff)
    phdrs = [struct.unpack("<IIQQQQQQ", f.read(56)) for _ in range(phnum)]
    for p_type, _, off, _, _, filesz, _, _ in phdrs:
        if p_type != 4:
            continue
        f.seek(off)
        b = f.read(filesz)
        o = 0
        while o + 12 <= len(b):
            namesz, descsz, ntype = struct.unpack_from("<III", b, o)
            o += 12
            name = b[o:o + namesz].rstrip(b"\0").decode("ascii", "replace")
            o += (namesz + 3) & ~3
            if (name, ntype) in want:
                print(name, ntype, b[o:o + descsz].hex())
            o += (descsz + 3) & ~3
