#!/usr/bin/env python3
"""Write a guest image (raw, x86_64) for the VMCOREINFO search tests.

   make-vmci-guest.py OUT SIZE_MIB [ITEM]...

ITEM is one of
  random                        random bytes in every third page (no Linux)
  kernel:ADDR:RELEASE[:PHYS_BASE[:crashed]]
                                a kernel's VMCOREINFO text at ADDR (the page
                                vmcoreinfo_data would be), its ELF note form in
                                the page after it (vmcoreinfo_note), and the
                                utsname of Linux RELEASE at init_uts_ns, where
                                the text says (phys_base PHYS_BASE, default 0;
                                'crashed' adds a CRASHTIME line)
  fake-pagesize:ADDR            a text whose PAGESIZE is 12345
  fake-byte:ADDR                a text with a byte 0x01 in a line
  fake-uts:ADDR                 a well-formed text whose init_uts_ns holds nothing
  every-page                    every page begins "OSRELEASE=" (hostile)
Addresses are hexadecimal.  The text of each kernel is written to
OUT.RELEASE.vmci too, as the core must carry it.
"""
import os
import random
import struct
import sys

START_KERNEL_MAP = 0xFFFFFFFF80000000


def text(release, phys_base, sym, crashed=False):
    t = ("OSRELEASE=%s\nBUILD-ID=%s\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=%x\n"
         "OFFSET(uts_namespace.name)=4\nSYMBOL(_stext)=ffffffff81000000\n"
         "NUMBER(phys_base)=%d\nKERNELOFFSET=0\n" % (release, "%040x" % abs(hash(release)), sym, phys_base))
    if crashed:
        t += "CRASHTIME=1700000000\n"
    return t.encode()


def main():
    out, size = sys.argv[1], int(sys.argv[2]) << 20
    img = bytearray(size)
    rnd = random.Random(7)
    n_kernel = 0
    for item in sys.argv[3:]:
        f = item.split(":")
        if f[0] == "random":
            for p in range(0, size, 3 * 4096):
                img[p:p + 4096] = rnd.randbytes(4096)
        elif f[0] == "kernel":
            addr, release = int(f[1], 16), f[2]
            phys_base = int(f[3], 0) if len(f) > 3 else 0
            # init_uts_ns at 16 MiB + 1 MiB per kernel, as phys_base places it
            uts_pa = 0x1000000 + n_kernel * 0x100000
            n_kernel += 1
            sym = uts_pa - phys_base + START_KERNEL_MAP
            t = text(release, phys_base, sym, len(f) > 4 and f[4] == "crashed")
            img[addr:addr + 4096] = bytes(4096)
            img[addr:addr + len(t)] = t
            note = struct.pack("<III", 11, len(t), 0) + b"VMCOREINFO\0\0" + t
            img[addr + 4096:addr + 4096 + len(note)] = note
            uts = [b"Linux", b"guest", release.encode(), b"#1 SMP PREEMPT_DYNAMIC", b"x86_64", b"(none)"]
            for i, u in enumerate(uts):
                o = uts_pa + 4 + i * 65
                img[o:o + 65] = u.ljust(65, b"\0")
            with open("%s.%s.vmci" % (out, release), "wb") as v:
                v.write(t)
        elif f[0] in ("fake-pagesize", "fake-byte", "fake-uts"):
            addr = int(f[1], 16)
            if f[0] == "fake-pagesize":
                t = b"OSRELEASE=6.1.0-fake\nPAGESIZE=12345\n"
            elif f[0] == "fake-byte":
                t = b"OSRELEASE=6.1.0-fake\nPAGESIZE=4096\nSYMBOL(x)=\x01\n"
            else:
                t = text("6.1.0-nouts", 0, 0x7000000 + START_KERNEL_MAP)
            img[addr:addr + 4096] = bytes(4096)
            img[addr:addr + len(t)] = t
        elif f[0] == "every-page":
            for p in range(0, size, 4096):
                img[p:p + 12] = b"OSRELEASE=x\n"
        else:
            sys.exit("make-vmci-guest.py: unknown item " + item)
    with open(out, "wb") as o:
        o.write(img)


main()
