#!/bin/sh
# Write the seeds of the kdump fuzz target into tests/fuzz/corpus/kdump: a
# small guest (two RAM ranges and an MMIO range; random, text-like, zero and
# repeated pages; two vCPUs; VMCOREINFO) dumped by guestcore in each page
# compression, and the zstd file again in makedumpfile's flattened form.
#   sh tests/fuzz/make-kdump-seeds.sh GUESTCORE   (from the top of the tree)
set -eu
export SOURCE_DATE_EPOCH=1700000000
G=${1:?give the guestcore binary}
out=tests/fuzz/corpus/kdump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import os, random, struct, sys
d = sys.argv[1]
random.seed(7)
pages = []
for i in range(6):
    k = i % 4
    if k == 0:
        pages.append(random.randbytes(4096))
    elif k == 1:
        pages.append((b"VMCOREINFO kernel text page %d " % i * 200)[:4096])
    elif k == 2:
        pages.append(bytes(4096))
    else:
        pages.append(bytes([i]) * 4096)
open(d + "/g.img", "wb").write(b"".join(pages))
open(d + "/g.map", "w").write("0x0 0x3000 ram 0x0\n0x5000 0x3000 ram 0x3000\n0x9000 0x1000 mmio\n")
open(d + "/cpus.json", "w").write('[{"rip": "0xffffffff81000000", "rsp": "0x1000", "cr3": "0x2000", "lstar": "0xffffffff81800000"},'
                                  ' {"rip": "0xffffffff81000010", "rsp": "0x2000", "cr3": "0x2000"}]')
PY
mkdir -p "$out"
for z in zstd zlib lzo snappy none; do
	"$G" dump -s "raw:$tmp/g.img,map=$tmp/g.map,cpus=$tmp/cpus.json" --notes vbox,qemu --format kdump \
		--compress "$z" -o "$out/guestcore-$z.kdump" -f >/dev/null
done
# the flattened form: the header, then the file in 8 KiB records, last first
python3 - "$out/guestcore-zstd.kdump" "$out/flattened-zstd.kdump" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
h = b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1)
f = open(sys.argv[2], "wb")
f.write(h.ljust(4096, b"\0"))
chunks = [(o, b[o:o + 8192]) for o in range(0, len(b), 8192)]
for o, c in reversed(chunks):
    f.write(struct.pack(">qq", o, len(c)) + c)
f.write(struct.pack(">qq", -1, -1))
PY
ls -l "$out"
