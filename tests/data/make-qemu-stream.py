#!/usr/bin/env python3
"""Write the seed streams of fuzz_stream (tests/fuzz/corpus/stream/): small
QEMU migration streams (version 3) that reach every part of the grammar
plugins/qemu/stream.c reads, each also a case of tests/unit/test_qemu_stream.c.
Run from the top of the tree; the output is committed, so the suite needs
no Python:  python3 tests/data/make-qemu-stream.py"""
import json
import os
import struct

OUT = "tests/fuzz/corpus/stream"
PAGE = 4096
ZERO, MEM_SIZE, PAGE_F, EOS, CONT, FLUSH = 0x02, 0x04, 0x08, 0x10, 0x20, 0x200


def be32(v):
    return struct.pack(">I", v)


def be64(v):
    return struct.pack(">Q", v)


def s8(t):
    b = t.encode()
    return bytes([len(b)]) + b


def config(machine="pc-i440fx-7.2", caps=(), uuid=False):
    b = b"\x07" + be32(len(machine)) + machine.encode()
    if caps:
        b += b"\x05" + s8("configuration/capabilities") + be32(1) + be32(len(caps))
        for c in caps:
            b += s8(c)
    if uuid:
        b += b"\x05" + s8("configuration/uuid") + be32(1) + bytes(range(16))
    return b


def section(kind, sid, name=None, inst=0, ver=4):
    b = bytes([kind]) + be32(sid)
    if name is not None:
        b += s8(name) + be32(inst) + be32(ver)
    return b


def footer(sid):
    return b"\x7e" + be32(sid)


def blocks(bl, shared=False):
    b = be64(sum(n for _, n in bl) | MEM_SIZE)
    for name, n in bl:
        b += s8(name) + be64(n)
        if shared:
            b += be64(0x100000)
    return b


def page(addr, block=None, data=None, flags=0):
    if data is None:
        f = ZERO
    else:
        f = PAGE_F
    if block is None:
        f |= CONT
    b = be64(addr | f | flags)
    if block is not None:
        b += s8(block)
    return b + (b"\x00" if data is None else data)


def eos(flags=0):
    return be64(EOS | flags)


def devices(desc, sections):
    """sections: list of (name, instance, bytes); desc: list of device dicts."""
    b = b""
    for i, (name, inst, body) in enumerate(sections):
        sid = 10 + i
        b += section(0x04, sid, name, inst, 1) + body + footer(sid)
    text = json.dumps({"page_size": PAGE, "devices": desc}).encode()
    return b + b"\x00" + b"\x06" + be32(len(text)) + text


def f(name, typ, size, **kw):
    d = {"name": name, "type": typ, "size": size}
    d.update(kw)
    return d


SEG = {"vmsd_name": "segment", "version": 1, "fields": [
    f("selector", "uint32", 4), f("base", "uint64", 8), f("limit", "uint32", 4), f("flags", "uint32", 4)]}


def cpu_desc(inst):
    return {"name": "cpu", "instance_id": inst, "vmsd_name": "cpu", "version": 12, "fields": [
        f("env.regs", "uint64", 8, array_len=16),
        f("env.eip", "uint64", 8),
        f("env.eflags", "uint64", 8),
        f("env.fpuc", "uint16", 2),
        f("env.fpus_vmstate", "uint16", 2),
        f("env.fptag_vmstate", "uint16", 2),
        f("env.fpregs_format_vmstate", "uint16", 2),
        f("env.fpregs", "struct", 10, array_len=8,
          struct={"vmsd_name": "fpreg", "version": 1, "fields": [f("tmp", "tmp", 10)]}),
        f("env.segs", "struct", 20, array_len=6, struct=SEG),
        f("env.gdt", "struct", 20, struct=SEG),
        f("env.cr[0]", "uint64", 8),
        f("env.mxcsr", "uint32", 4),
        f("env.xmm_regs[0]", "struct", 16, array_len=16, struct={
            "vmsd_name": "xmm_reg", "version": 1,
            "fields": [f("_q_ZMMReg[0]", "uint64", 8), f("_q_ZMMReg[1]", "uint64", 8)]}),
        f("env.kernelgsbase", "uint64", 8),
        f("env.lstar", "uint64", 8),
        f("env.xstate_bv", "uint64", 8),
        f("env.xmm_regs[1]", "struct", 16, array_len=16, struct={
            "vmsd_name": "ymmh_reg", "version": 1,
            "fields": [f("_q_ZMMReg[2]", "uint64", 8), f("_q_ZMMReg[3]", "uint64", 8)]}),
    ], "subsections": [{"vmsd_name": "cpu/msr_smi_count", "version": 1,
                        "fields": [f("env.msr_smi_count", "uint64", 8)]}]}


def cpu_body(eip):
    b = b"".join(be64(0x1000 + i) for i in range(16))
    b += be64(eip) + be64(0x2) + struct.pack(">HHHH", 0x37f, 0x3800, 0x01, 0)
    b += b"".join(be64(0x8000000000000000 + i) + struct.pack(">H", 0x3fff) for i in range(8))
    b += b"".join(be32(i * 8) + be64(0x10000 * i) + be32(0xffff) + be32(0xcf9b00) for i in range(6))
    b += be32(0) + be64(0xfffff000) + be32(0x27) + be32(0)
    b += be64(0x80050033) + be32(0x1f80)
    b += b"".join(be64(i) + be64(i << 32) for i in range(16))
    b += be64(0xffff888000000000) + be64(0xffffffff81a00000) + be64(7)
    b += b"".join(be64(i << 8) + be64(i << 40) for i in range(16))
    b += b"\x05" + s8("cpu/msr_smi_count") + be32(1) + be64(3)
    return b


APIC = {"name": "apic", "instance_id": 0, "vmsd_name": "apic", "version": 3,
        "fields": [f("apicbase", "uint32", 4), f("tpr", "uint8", 1), f("isr", "uint32", 4, array_len=8)]}
VMCI = {"name": "vmcoreinfo", "instance_id": 0, "vmsd_name": "vmcoreinfo", "version": 1, "fields": [
    f("has_vmcoreinfo", "bool", 1), f("vmcoreinfo.host_format", "uint16", 2),
    f("vmcoreinfo.guest_format", "uint16", 2), f("vmcoreinfo.size", "uint32", 4),
    f("vmcoreinfo.paddr", "uint64", 8)]}


def note(name, desc):
    n = name.encode() + b"\x00"
    pad = lambda b: b + b"\x00" * (-len(b) % 4)
    return struct.pack("<III", len(n), len(desc), 0) + pad(n) + pad(desc)


VMCI_NOTE = note("VMCOREINFO", b"OSRELEASE=6.1.0-28-amd64\nPAGESIZE=4096\n")


def header():
    return b"QEVM" + be32(3)


def ram_part(sid, body, kind=0x02):
    return section(kind, sid) + body + footer(sid)


def full():
    """Two blocks, data, zero and continued pages, a page sent twice (data,
    then zero: a hole again), a flush marker, START/PART/END, two CPUs, an
    APIC, the VMCOREINFO device, the note in RAM."""
    pat = bytes((i * 7) & 0xff for i in range(PAGE))
    ram = blocks([("pc.ram", 0x40000), ("pc.bios", 0x2000)])
    start = section(0x01, 2, "ram", 0, 4) + ram + eos() + footer(2)
    part1 = (page(0x0, "pc.ram", pat) + page(0x1000, None, pat[::-1]) + page(0x2000, None)
             + page(0x3000, None, VMCI_NOTE + bytes(PAGE - len(VMCI_NOTE)))
             + page(0x0, "pc.bios", b"\xea" * PAGE) + page(0x5000, "pc.ram", pat) + be64(FLUSH) + eos())
    part2 = page(0x5000, "pc.ram") + page(0x1000, "pc.bios", b"\x90" * PAGE) + eos()
    ram_bytes = start + ram_part(2, part1) + ram_part(2, part2, 0x03)
    vmci_body = b"\x01" + struct.pack(">HHIQ", 0, 1, len(VMCI_NOTE), 0x3000)
    dev = devices([cpu_desc(0), cpu_desc(1), APIC, VMCI],
                  [("cpu", 0, cpu_body(0x100025)), ("cpu", 1, cpu_body(0xfd09a)),
                   ("apic", 0, be32(0xfee00900) + b"\x20" + bytes(32)), ("vmcoreinfo", 0, vmci_body)])
    return header() + config() + ram_bytes + dev


def shared():
    """x-ignore-shared: the block list carries each block's address; the
    shared block sends no page; a command record; a uuid."""
    ram = blocks([("mem", 0x20000), ("pc.bios", 0x1000)], shared=True)
    start = section(0x01, 2, "ram", 0, 4) + ram + eos() + footer(2)
    part = page(0x0, "pc.bios", b"\x55" * PAGE) + eos()
    cmd = b"\x08" + struct.pack(">HH", 0x0b, 0)
    dev = devices([cpu_desc(0)], [("cpu", 0, cpu_body(0x1000))])
    return header() + config(caps=("x-ignore-shared",), uuid=True) + start + cmd + ram_part(2, part, 0x03) + dev


def minimal():
    """One block, one zero page, one CPU without the optional subsection."""
    d = cpu_desc(0)
    del d["subsections"]
    body = cpu_body(0x7c00)
    body = body[:body.index(b"\x05" + s8("cpu/msr_smi_count"))]
    start = section(0x01, 2, "ram", 0, 4) + blocks([("pc.ram", 0x1000)]) + page(0, "pc.ram") + eos()
    return header() + config() + start + devices([d], [("cpu", 0, body)])


# Arm's cpu section (target/arm/machine.c) as QEMU 7.2 describes it, cut
# to what the aarch64 reader takes: the general registers, PC, PSTATE (the
# custom "cpsr" type), the banked registers, the coprocessor arrays (KVM
# register ids) and the cpu/vfp subsection.
ARM64_SYSREG = 0x6030000000130000


def enc(op0, op1, crn, crm, op2):
    return ARM64_SYSREG | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2


ARM_CPREGS = [(enc(3, 0, 12, 0, 0), 0xffff800008010800),   # VBAR_EL1
              (enc(3, 0, 2, 0, 1), 0x0001000041858001),    # TTBR1_EL1
              (enc(3, 0, 2, 0, 2), 0x00000015b5503510),    # TCR_EL1
              (0x4020000000110000, 0x1234)]                # an AArch32 register: not taken


def arm_cpu_desc(inst):
    return {"name": "cpu", "instance_id": inst, "vmsd_name": "cpu", "version": 22, "fields": [
        f("env.regs", "uint32", 4, array_len=16),
        f("env.xregs", "uint64", 8, array_len=32),
        f("env.pc", "uint64", 8),
        f("cpsr", "cpsr", 4),
        f("env.banked_spsr", "uint64", 8, array_len=8),
        f("env.elr_el", "uint64", 8, array_len=4),
        f("env.sp_el", "uint64", 8, array_len=4),
        f("cpreg_vmstate_array_len", "int32 le", 4),
        f("cpreg_vmstate_indexes", "uint64", 8, array_len=len(ARM_CPREGS)),
        f("cpreg_vmstate_values", "uint64", 8, array_len=len(ARM_CPREGS)),
    ], "subsections": [{"vmsd_name": "cpu/vfp", "version": 3, "fields":
                        [f("env.vfp.zregs[%d].d" % i, "uint64", 8, array_len=2) for i in range(32)]
                        + [f("fpscr", "fpscr", 4)]}]}


def arm_cpu_body(pc):
    b = bytes(16 * 4) + b"".join(be64(0xa000 + i) for i in range(32)) + be64(pc)
    b += be32(0x600003c5)                                   # PSTATE: EL1h, DAIF, Z and C
    b += b"".join(be64(0x3c5 if i == 1 else 0) for i in range(8))
    b += be64(0) + be64(0xffff800008123456) + be64(0) + be64(0)
    b += be64(0x0000ffffd0000000) + be64(0xffff80000a003f00) + be64(0) + be64(0)
    b += be32(len(ARM_CPREGS))
    b += b"".join(be64(i) for i, _ in ARM_CPREGS) + b"".join(be64(v) for _, v in ARM_CPREGS)
    b += b"\x05" + s8("cpu/vfp") + be32(3)
    b += b"".join(be64(0x1111000000000000 + i) + be64(0x2222000000000000 + i) for i in range(32))
    b += be32(0x08000010 | 0x03000000)                      # FPSR's QC and IDC, FPCR's RMode
    return b


def aarch64():
    """Arm's virt machine: its RAM block at 1 GiB, two vCPUs with the
    aarch64 cpu section."""
    start = section(0x01, 2, "ram", 0, 4) + blocks([("mach-virt.ram", 0x2000)]) + eos() + footer(2)
    part = page(0x0, "mach-virt.ram", b"\xd5" * PAGE) + page(0x1000, None) + eos()
    dev = devices([arm_cpu_desc(0), arm_cpu_desc(1)],
                  [("cpu", 0, arm_cpu_body(0xffff800008010000)), ("cpu", 1, arm_cpu_body(0xffff800008020000))])
    return header() + config("virt-7.2") + start + ram_part(2, part, 0x03) + dev


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in (("full.bin", full()), ("shared.bin", shared()), ("minimal.bin", minimal()),
                       ("aarch64.bin", aarch64())):
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)


main()
