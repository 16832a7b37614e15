#!/usr/bin/env python3
"""arm64-walk.py CORE TTBR1_EL1 TCR_EL1 VADDR LEN: translate the kernel
virtual address VADDR as an arm64 MMU would through the page tables TTBR1_EL1
points to (4 KiB or 64 KiB granule, TCR_EL1's T1SZ and TG1), reading the
tables from the guest-physical memory of the ELF core CORE (its PT_LOADs by
p_paddr), and print "PA HEX" and the LEN bytes there as text up to a NUL."""
import struct
import sys

core, ttbr1, tcr, va, n = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0), int(sys.argv[4], 0), int(sys.argv[5])
f = open(core, "rb")
h = f.read(64)
phoff, = struct.unpack_from("<Q", h, 32)
phnum, = struct.unpack_from("<H", h, 56)
f.seek(phoff)
loads = []
for _ in range(phnum):
    t, _, off, _, pa, fs, _, _ = struct.unpack("<IIQQQQQQ", f.read(56))
    if t == 1 and fs:
        loads.append((pa, fs, off))


def phys(addr, size):
    for pa, fs, off in loads:
        if pa <= addr and addr + size <= pa + fs:
            f.seek(off + addr - pa)
            return f.read(size)
    sys.exit("arm64-walk.py: 0x%x is in no PT_LOAD of %s" % (addr, core))


t1sz = (tcr >> 16) & 0x3f
tg1 = (tcr >> 30) & 3
shift = {2: 12, 3: 16, 1: 14}[tg1]  # TG1: 2 4 KiB, 3 64 KiB, 1 16 KiB
bits = 64 - t1sz
per = shift - 3  # index bits per level
level_shift = shift + per * ((bits - shift - 1) // per)
table = ttbr1 & 0x0000fffffffffffe & ~((1 << shift) - 1)
while True:
    idx = (va >> level_shift) & ((1 << min(per, bits - level_shift)) - 1)
    desc, = struct.unpack("<Q", phys(table + 8 * idx, 8))
    if desc & 1 == 0:
        sys.exit("arm64-walk.py: 0x%x is not mapped (descriptor 0x%x at level shift %d)" % (va, desc, level_shift))
    out = desc & 0x0000fffffffff000 & ~((1 << level_shift) - 1 if level_shift > shift else (1 << shift) - 1)
    if level_shift == shift or desc & 2 == 0:  # a page, or a block
        pa = out | (va & ((1 << level_shift) - 1))
        break
    table = desc & 0x0000fffffffff000
    level_shift -= per
print("PA 0x%x" % pa)
print(phys(pa, n).split(b"\0")[0].decode("ascii", "replace"))
