#!/usr/bin/env python3
"""Check, from the host, a disk image that blk_test wrote (suite system-blk-driver).

    check-image.py IMAGE

Blocks 5, 100 to 131, 1000 onwards (64 writes of 1 to 4 blocks, 4 blocks apart) and 2000
to 2127 must hold blk_test's pattern at their offsets (block * 4096), and blocks 300 to
331, the target of every refused write, must be zeros; so must block 4 and block 132,
beside the written ones. The image must still be 64 MiB. Exits non-zero naming the first
difference.
"""
import os
import sys

BLOCK = 4096


def pattern(b):
    return bytes((b * 13 + i * 7 + (i >> 8) + 1) & 0xFF for i in range(BLOCK))


def main():
    path = sys.argv[1]
    if os.path.getsize(path) != 64 << 20:
        sys.exit(f"{path}: {os.path.getsize(path)} bytes, not 64 MiB")
    written = [5] + list(range(100, 132)) + list(range(2000, 2128))
    for i in range(64):
        written += range(1000 + i * 4, 1000 + i * 4 + 1 + i % 4)
    zeros = [4, 132] + list(range(300, 332))
    with open(path, "rb") as f:
        for b in written:
            f.seek(b * BLOCK)
            if f.read(BLOCK) != pattern(b):
                sys.exit(f"{path}: block {b} does not hold the pattern")
        for b in zeros:
            f.seek(b * BLOCK)
            if f.read(BLOCK) != bytes(BLOCK):
                sys.exit(f"{path}: block {b} is not zeros")
    print(f"{path}: {len(written)} written blocks hold the pattern, {len(zeros)} are zeros")


main()
