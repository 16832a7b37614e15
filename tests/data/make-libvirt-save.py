#!/usr/bin/env python3
"""Write a libvirt save image around a QEMU migration stream, as libvirt 9
does (src/qemu/qemu_saveimage.c): the 92-byte header in the host's byte
order (magic, version, data_len, was_running, format, cookieOffset,
unused[14]), the domain XML with its NUL and 64 KiB of zeros, then the
stream piped through the compressor program libvirt runs for FORMAT.

  make-libvirt-save.py STREAM OUT FORMAT XML [--partial] [--swap]
      [--data-len N] [--version V] [--was-running]
FORMAT: raw gzip bzip2 xz lzop zstd, or a number (written as it is).
"""
import struct
import subprocess
import sys

FORMATS = {"raw": 0, "gzip": 1, "bzip2": 2, "xz": 3, "lzop": 4, "zstd": 5}
PROGRAMS = {1: ["gzip", "-c"], 2: ["bzip2", "-c"], 3: ["xz", "-c"], 4: ["lzop", "-c"], 5: ["zstd", "-c", "-q"]}


def main(argv):
    stream, out, fmt, xml_path = argv[1:5]
    opts = argv[5:]
    code = FORMATS[fmt] if fmt in FORMATS else int(fmt)
    xml = open(xml_path, "rb").read() + b"\0"
    data_len = len(xml) + 64 * 1024
    version = 2
    if "--data-len" in opts:
        data_len = int(opts[opts.index("--data-len") + 1], 0)
    if "--version" in opts:
        version = int(opts[opts.index("--version") + 1])
    order = ">" if "--swap" in opts else "<"
    magic = b"LibvirtQemudPart" if "--partial" in opts else b"LibvirtQemudSave"
    header = magic + struct.pack(order + "5I", version, data_len, int("--was-running" in opts), code, 0)
    header += b"\0" * (4 * 14)
    assert len(header) == 92
    with open(out, "wb") as f:
        f.write(header)
        f.write(xml[:data_len].ljust(min(data_len, 64 << 20), b"\0"))
        f.flush()
        with open(stream, "rb") as src:
            if code in PROGRAMS:
                subprocess.run(PROGRAMS[code], stdin=src, stdout=f, check=True)
            else:
                while True:
                    b = src.read(1 << 20)
                    if not b:
                        break
                    f.write(b)


if __name__ == "__main__":
    main(sys.argv)
