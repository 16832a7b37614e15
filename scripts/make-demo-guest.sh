#!/bin/sh
# Generate the bundled demo guest in DIR: a sparse RAM image, its memory map
# and two vCPUs' registers.
#   low RAM 640 KiB | VGA MMIO hole | option ROM + BIOS (ROM) | RAM 1-128 MiB |
#   IOAPIC/LAPIC MMIO | 256 MiB of RAM above 4 GiB
# Pages hold recognizable text; everything else is holes.
set -eu
dir=${1:?usage: make-demo-guest.sh DIR}
mkdir -p "$dir"
img="$dir/guest.img"
rm -f "$img"
truncate -s 384M "$img"   # 128 MiB below 4 GiB + 256 MiB above, at file offset 128 MiB

put() { # file-offset text
	printf '%s' "$2" | dd of="$img" bs=1 seek=$(($1)) conv=notrunc status=none
}
put 0x0000 "guestcore demo guest: real-mode interrupt vector table"
put 0x7c00 "guestcore demo guest: boot sector"
put 0x9f000 "guestcore demo guest: extended BIOS data area"
put 0xe0000 "guestcore demo BIOS ROM, option ROM area"
put 0xffff0 "guestcore demo BIOS reset vector"
put 0x1000000 "Linux version 6.1.0-demo (guestcore demo kernel) #1 SMP"
put 0x3000000 "guestcore demo guest: page cache page at 48 MiB"
put 0x7fff000 "guestcore demo guest: last page below 128 MiB"
put 0x8000000 "guestcore demo guest: first page above 4 GiB"
put 0x17fff000 "guestcore demo guest: last page of high RAM"

cat >"$dir/guest.map" <<'MAP'
# START      SIZE       KIND  [FILE_OFFSET]
0x0          0xa0000    ram
0xa0000      0x20000    mmio        # VGA window
0xc0000      0x40000    rom         # option ROMs and BIOS
0x100000     0x7f00000  ram
0xfec00000   0x1000     mmio        # IOAPIC
0xfee00000   0x1000     mmio        # local APIC
0x100000000  0x10000000 ram   0x8000000
MAP

cat >"$dir/cpus.json" <<'JSON'
[
  {
    "rax": 0, "rbx": "0xffff888003a1c000", "rcx": "0x1", "rdx": 0,
    "rsi": "0xffffffff82613d40", "rdi": "0xffff888007c2a300",
    "rsp": "0xffffc90000013e88", "rbp": "0xffffc90000013ea8",
    "r8": 0, "r9": 0, "r10": "0x3e8", "r11": 0, "r12": 0, "r13": 0, "r14": 0, "r15": 0,
    "rip": "0xffffffff81a3c2ae", "rflags": "0x246",
    "cs.sel": "0x10", "cs.base": 0, "cs.limit": "0xffffffff", "cs.attr": "0xa09b",
    "ss.sel": "0x18", "ss.base": 0, "ss.limit": "0xffffffff", "ss.attr": "0xc093",
    "ds.sel": 0, "es.sel": 0, "fs.sel": 0, "gs.sel": 0,
    "gs.base": "0xffff88807fc00000", "fs.base": 0,
    "tr.sel": "0x40", "tr.base": "0xfffffe0000003000", "tr.limit": "0x4087", "tr.attr": "0x8b",
    "gdtr.base": "0xfffffe0000001000", "gdtr.limit": "0x7f",
    "idtr.base": "0xfffffe0000000000", "idtr.limit": "0xfff",
    "cr0": "0x80050033", "cr2": "0x7f3a5c2b1000", "cr3": "0x2a1e000", "cr4": "0x3706f0",
    "efer": "0xd01", "star": "0x23001000000000", "lstar": "0xffffffff81c00080",
    "cstar": "0xffffffff81c015c0", "sfmask": "0x47700", "kernel_gs_base": 0,
    "pat": "0x407050600070106", "apic_base": "0xfee00900", "xcr0": "0x7"
  },
  {
    "rax": 0, "rbx": "0x1", "rcx": "0x1", "rdx": 0, "rsi": 0, "rdi": "0x1",
    "rsp": "0xffffc9000009be98", "rbp": "0xffffc9000009beb8",
    "r8": 0, "r9": 0, "r10": 0, "r11": 0, "r12": 0, "r13": 0, "r14": 0, "r15": 0,
    "rip": "0xffffffff81a3c2ae", "rflags": "0x246",
    "cs.sel": "0x10", "cs.limit": "0xffffffff", "cs.attr": "0xa09b",
    "ss.sel": "0x18", "ss.limit": "0xffffffff", "ss.attr": "0xc093",
    "gs.base": "0xffff88807fd00000",
    "tr.sel": "0x40", "tr.base": "0xfffffe000004a000", "tr.limit": "0x4087", "tr.attr": "0x8b",
    "gdtr.base": "0xfffffe0000048000", "gdtr.limit": "0x7f",
    "idtr.base": "0xfffffe0000000000", "idtr.limit": "0xfff",
    "cr0": "0x80050033", "cr3": "0x2a1e000", "cr4": "0x3706f0",
    "efer": "0xd01", "star": "0x23001000000000", "lstar": "0xffffffff81c00080",
    "pat": "0x407050600070106", "apic_base": "0xfee00800", "xcr0": "0x7"
  }
]
JSON
echo "demo guest in $dir: guest.img (sparse, $(du -k "$img" | cut -f1) KiB used), guest.map, cpus.json"
