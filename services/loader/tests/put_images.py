#!/usr/bin/env python3
"""Write program images into the loader's slots on partition 1 of a disk made by
drivers/blk/tests/disk.py (partition 1 starts at 1 MiB):

    put_images.py DISK IMAGE...     slot i (1 MiB each) gets IMAGE i: a 4 KiB header
                                    ("BSTIMAGE", the length, 8 bytes little-endian), then
                                    the image
    put_images.py --tamper IN OUT   OUT is IN with one byte changed (its middle byte)
"""
import struct
import sys

PART1 = 1 << 20
SLOT = 1 << 20


def main():
    if sys.argv[1] == "--tamper":
        data = bytearray(open(sys.argv[2], "rb").read())
        data[len(data) // 2] ^= 0x01
        open(sys.argv[3], "wb").write(data)
        return
    with open(sys.argv[1], "r+b") as disk:
        for i, path in enumerate(sys.argv[2:]):
            image = open(path, "rb").read()
            if 4096 + len(image) > SLOT:
                sys.exit(f"put_images.py: {path} does not fit a slot")
            disk.seek(PART1 + i * SLOT)
            disk.write((b"BSTIMAGE" + struct.pack("<Q", len(image))).ljust(4096, b"\0") + image)


main()
