#!/usr/bin/env python3
"""Regenerate tests/data/qemu-elf64.core.gz: a core written by QEMU's own
dump-guest-memory, for the golden 'inspect' test.

    python3 tests/data/make-qemu-core.py   (needs qemu-system-x86; run from the top)

A 16 MiB TCG guest with 2 vCPUs runs SeaBIOS for a moment (no boot device),
is stopped and dumped with paging off.  Its CPUs are in real mode, so QEMU
writes EM_386, and (QEMU 7.2) an ELF64 file with e_ehsize 8; a window of the
first 16 MiB (begin/length) gives ELF64 as well, so ELF32 coverage comes from
guestcore's own i386 dumps."""
import gzip, json, os, shutil, socket, subprocess, sys, tempfile, time

def qmp(sock, cmd, **args):
    msg = {"execute": cmd}
    if args:
        msg["arguments"] = args
    sock.sendall(json.dumps(msg).encode() + b"\n")
    buf = b""
    while True:
        buf += sock.recv(65536)
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            reply = json.loads(line)
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError(f"{cmd}: {reply['error']}")
            return reply.get("return")

def dump(qemu, out, **window):
    d = tempfile.mkdtemp()
    sockpath = os.path.join(d, "qmp.sock")
    core = os.path.join(d, "guest.core")
    p = subprocess.Popen([qemu, "-machine", "pc,accel=tcg", "-m", "16M", "-smp", "2",
                          "-display", "none", "-nodefaults", "-qmp", f"unix:{sockpath},server=on,wait=off"])
    try:
        for _ in range(100):
            if os.path.exists(sockpath):
                break
            time.sleep(0.05)
        s = socket.socket(socket.AF_UNIX)
        s.connect(sockpath)
        s.recv(65536)  # greeting
        qmp(s, "qmp_capabilities")
        time.sleep(1.0)
        qmp(s, "stop")
        qmp(s, "dump-guest-memory", paging=False, protocol="file:" + core, **window)
        qmp(s, "quit")
    finally:
        p.wait(timeout=10)
    with open(core, "rb") as f, gzip.GzipFile(out, "wb", mtime=0) as g:
        shutil.copyfileobj(f, g)
    shutil.rmtree(d)

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    dump("qemu-system-x86_64", os.path.join(here, "qemu-elf64.core.gz"))
