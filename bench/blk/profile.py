#!/usr/bin/env python3
"""Where a Bastion system's instructions go in the block benchmark's measured phases: the
profile that bench/blk/insn_marks.c writes with profile=FILE, attributed to the kernel and
to each PD, and within them to functions (docs/performance.md, "Block: against Linux").

    profile.py --profile FILE --requests N --kernel KERNEL_ELF --pd NAME=ELF ... [--top 25]

Blocks in the upper half of the address space are the kernel's. Bastion's PDs are all
linked at the same address, so a block in the lower half is given to the PD whose image
holds its code bytes at its address; all blocks on one host page are one frame of one PD,
so a page whose blocks match several images (the same library code at the same address) is
settled by the others on it. Figures are instructions per request (N: the requests of the
profiled phases).
"""
import argparse
import bisect
import collections
import struct
import subprocess


def load_segments(path):
    """The PT_LOAD segments of an ELF64 file: (vaddr, bytes as in the file)."""
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segs = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            segs.append((p_vaddr, data[p_offset:p_offset + p_filesz]))
    return segs


def code_at(segs, vaddr, n):
    for base, blob in segs:
        if base <= vaddr < base + len(blob):
            return blob[vaddr - base:vaddr - base + n]
    return None


class Symbols:
    def __init__(self, path):
        out = subprocess.run(["nm", "-n", "--defined-only", path], capture_output=True, text=True).stdout
        self.addrs, self.names = [], []
        for line in out.splitlines():
            w = line.split()
            if len(w) == 3 and w[1] in "tTwW":
                self.addrs.append(int(w[0], 16))
                self.names.append(w[2])

    def name(self, vaddr):
        i = bisect.bisect_right(self.addrs, vaddr) - 1
        return self.names[i] if i >= 0 else "?"

    def is_entry(self, vaddr):
        i = bisect.bisect_left(self.addrs, vaddr)
        return i < len(self.addrs) and self.addrs[i] == vaddr


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", required=True)
    p.add_argument("--requests", type=int, required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--pd", action="append", default=[], help="NAME=ELF")
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()

    images = {}
    for spec in a.pd:
        name, path = spec.split("=", 1)
        images[name] = (load_segments(path), Symbols(path))
    kernel_syms = Symbols(a.kernel)

    blocks = []
    with open(a.profile) as f:
        for line in f:
            w = line.split()
            if w and w[0] == "tb":
                blocks.append((int(w[1], 16), int(w[2], 16), int(w[3]), int(w[4]), bytes.fromhex(w[5])))

    # Which image each host page of user code belongs to.
    pages = collections.defaultdict(list)
    for vaddr, page, insns, execs, code in blocks:
        if vaddr < 1 << 63:
            pages[page].append((vaddr, code))
    owner = {}
    for page, tbs in pages.items():
        matching = [n for n, (segs, _) in images.items()
                    if all(code_at(segs, v, len(c)) == c for v, c in tbs)]
        owner[page] = matching[0] if len(matching) == 1 else (
            "ambiguous(%s)" % "|".join(matching) if matching else "unknown")

    by_pd = collections.Counter()
    by_fn = collections.Counter()
    entries = collections.Counter()  # executions of a function's first block: its calls
    for vaddr, page, insns, execs, code in blocks:
        total = insns * execs
        if vaddr >= 1 << 63:
            pd, syms = "kernel", kernel_syms
        else:
            pd = owner[page]
            syms = images[pd][1] if pd in images else None
        fn = syms.name(vaddr) if syms else "?"
        by_pd[pd] += total
        by_fn[(pd, fn)] += total
        if syms and syms.is_entry(vaddr):
            entries[(pd, fn)] += execs
    n = a.requests
    whole = sum(by_pd.values())
    print("instructions per request (%d requests, %.0f in all per request)" % (n, whole / n))
    for pd, total in by_pd.most_common():
        print("  %-24s %8.0f  %5.1f%%" % (pd, total / n, 100.0 * total / whole))
    print("functions (instructions and calls per request):")
    for (pd, fn), total in by_fn.most_common(a.top):
        print("  %-12s %-40s %8.0f %6.1f" % (pd, fn, total / n, entries[(pd, fn)] / n))


if __name__ == "__main__":
    main()
