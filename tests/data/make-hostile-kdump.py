#!/usr/bin/env python3
"""Write hostile kdump-compressed files, one per class, each of a few MiB
whose header, bitmaps and descriptors claim far more than the file holds.

    python3 tests/data/make-hostile-kdump.py DIR

Each file is built from scratch here (not by guestcore's writer): header
version 6, LP64 layout, 4 KiB blocks, as makedumpfile writes it.  The
classes (file names):

  claims-2e40        max_mapnr_64 2^40 and bitmaps of 2^40 bits: 256 GiB of
                     bitmap the file does not hold
  claims-max         max_mapnr_64 2^64-1, bitmap_blocks 2^32-2
  all-ones           4 MiB bitmaps all ones: 32 M frames (128 GiB) present
                     and dumped, their descriptors (768 MiB) not in the file
  alternating        2 MiB bitmaps 0x55: 8 M runs of one frame each
  present-only       4 MiB first bitmap all ones, the second all zeros: 32 M
                     frames of RAM (128 GiB), none of them dumped
  alternating-present  2 MiB first bitmap 0x55, the second all zeros: 8 M
                     runs, none dumped, no descriptor needed
  runs-16k           a 4 KiB first bitmap 0x55, none dumped: 16 384 runs, more
                     than inspect lists unless --all-runs
  one-per-block      one frame present in every 4096 (a run each, 32 K runs
                     spread over 128 GiB), descriptors not in the file
  desc-past-end      512 K frames dumped, every descriptor pointing past the
                     end of the file
  desc-one-page      128 K frames dumped (512 MiB), every descriptor pointing at
                     one zero page, as makedumpfile shares its zero page
  desc-at-descs      256 K frames dumped, each descriptor pointing into the
                     descriptor table itself, as if it were page data
  notes-100k         100 000 tiny notes in the notes blob, 16 frames
  aarch64-notes-5k   an aarch64 guest (utsname machine "aarch64"), 16 frames,
                     5 000 "CORE" NT_PRSTATUS notes of its layout, each
                     followed by an NT_PRFPREG of 8 bytes where its layout
                     has 528
"""
import os
import struct
import sys

BS = 4096


def header(max_mapnr, bitmap_blocks, sub_hdr_size, note_off, note_size, nr_cpus=1, machine=b"x86_64"):
    h = bytearray(BS)
    h[0:8] = b"KDUMP   "
    struct.pack_into("<i", h, 8, 6)
    uts = [b"Linux", b"hostile", b"6.1.0", b"#1 SMP", machine, b"(none)"]
    for i, s in enumerate(uts):
        h[12 + i * 65:12 + i * 65 + len(s)] = s
    struct.pack_into("<qq", h, 408, 1700000000, 0)
    struct.pack_into("<IiIIIIIIIi", h, 424, 0, BS, sub_hdr_size, bitmap_blocks & 0xffffffff,
                     max_mapnr & 0xffffffff, 0, 0, 0, 0, nr_cpus)
    s = bytearray(BS * sub_hdr_size)
    struct.pack_into("<QiiQQ", s, 0, 0, 1, 0, 0, 0)
    struct.pack_into("<QQ", s, 48, note_off, note_size)
    struct.pack_into("<QQQ", s, 80, 0, max_mapnr, max_mapnr)
    return bytes(h), s


def write(path, max_mapnr, bm1, bm2, descs=b"", data=b"", notes=b"", bitmap_blocks=None, tail=b"", machine=b"x86_64"):
    """bm1 and bm2 are the bitmaps as stored (the same length)."""
    sub_blocks = 1 + (len(notes) + BS - 1) // BS
    note_off = BS + BS if notes else 0
    h, s = header(max_mapnr, bitmap_blocks if bitmap_blocks is not None else 2 * len(bm1) // BS,
                  sub_blocks, note_off, len(notes), machine=machine)
    if notes:
        s[BS:BS + len(notes)] = notes
    with open(path, "wb") as f:
        f.write(h)
        f.write(s)
        f.write(bm1)
        f.write(bm2)
        f.write(descs)
        f.write(data)
        f.write(tail)


def desc(off, size=BS, flags=0):
    return struct.pack("<QIIQ", off, size, flags, 0)


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    mib = 1 << 20
    first_data = lambda bm_len, n_desc: BS + BS + 2 * bm_len + n_desc * 24

    # bitmaps of 2^40 bits the file does not hold: a header of 2^40 frames
    write(os.path.join(d, "claims-2e40"), 1 << 40, bytes(BS), bytes(BS), bitmap_blocks=(1 << 40) // 8 // BS * 2,
          tail=bytes(mib))
    write(os.path.join(d, "claims-max"), (1 << 64) - 1, bytes(BS), bytes(BS), bitmap_blocks=0xfffffffe,
          tail=bytes(mib))
    ones = b"\xff" * (4 * mib)
    write(os.path.join(d, "all-ones"), len(ones) * 8, ones, ones, descs=desc(0) * 16)
    alt = b"\x55" * (2 * mib)
    write(os.path.join(d, "alternating"), len(alt) * 8, alt, alt, descs=desc(0) * 16)
    write(os.path.join(d, "present-only"), len(ones) * 8, ones, bytes(len(ones)))
    write(os.path.join(d, "alternating-present"), len(alt) * 8, alt, bytes(len(alt)))
    alt4 = b"\x55" * BS
    write(os.path.join(d, "runs-16k"), len(alt4) * 8, alt4, bytes(len(alt4)))
    opb = bytearray(4 * mib)
    for i in range(0, len(opb), 512):
        opb[i] = 1
    write(os.path.join(d, "one-per-block"), len(opb) * 8, bytes(opb), bytes(opb), descs=desc(0) * 16)

    n = 1 << 19
    n_shared = 1 << 17
    bm = b"\xff" * (n // 8)
    write(os.path.join(d, "desc-past-end"), n, bm, bm, descs=desc(1 << 40) * n)
    bms = b"\xff" * (n_shared // 8)
    zero_at = first_data(len(bms), n_shared)
    write(os.path.join(d, "desc-one-page"), n_shared, bms, bms, descs=desc(zero_at) * n_shared, data=bytes(BS))
    n = 1 << 18
    bm = b"\xff" * (n // 8)
    at = BS + BS + 2 * len(bm)
    write(os.path.join(d, "desc-at-descs"), n, bm, bm,
          descs=b"".join(desc(at + (i * 24) % (n * 24 - BS), BS, 0x20) for i in range(n)))

    notes = struct.pack("<III", 1, 0, 1) + b"X\0\0\0"
    bm16 = b"\xff\xff" + bytes(BS - 2)
    write(os.path.join(d, "notes-100k"), 16, bm16, bm16, notes=notes * 100000,
          descs=b"".join(desc(0) for _ in range(16)))

    prstatus = struct.pack("<III", 5, 392, 1) + b"CORE\0\0\0\0" + bytes(392)
    short_fp = struct.pack("<III", 5, 8, 2) + b"CORE\0\0\0\0" + bytes(8)
    write(os.path.join(d, "aarch64-notes-5k"), 16, bm16, bm16, notes=(prstatus + short_fp) * 5000,
          descs=b"".join(desc(0) for _ in range(16)), machine=b"aarch64")


if __name__ == "__main__":
    main()
