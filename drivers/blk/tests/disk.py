#!/usr/bin/env python3
"""Disk images for the block system tests (drivers/blk/tests/run.sh) and the storage
example, and the host-side check of what the guest wrote.

    disk.py good IMG               64 MiB: every sector filled with its untouched mark,
                                   then a GPT written by sfdisk (util-linux): partitions
                                   1 "alpha" (8 MiB at 1 MiB), 2 "beta" (16 MiB at
                                   9 MiB), 3 "store" (8 MiB at 25 MiB); the rest unused
    disk.py bad KIND IMG           the same disk with a hostile table of KIND (see BAD)
    disk.py verify IMG P:B:N ...   the image after a run: blocks B..B+N-1 of partition P
                                   hold the tester's pattern; every other sector outside
                                   the partition table areas still holds its mark
    disk.py pattern P B            the pattern of block B of partition P, hex (for tests)

The tester's pattern (drivers/blk/tests/blk_tester.c, written byte for byte the same):
byte i of 4 KiB block B of partition P is (P * 131 + B * 7 + i * 13) mod 256, except the
first 8 bytes, which hold B little-endian.
"""
import shutil
import struct
import subprocess
import sys
import uuid
import zlib

SECTOR = 512
BLOCK = 4096
DISK_BYTES = 64 << 20
SECTORS = DISK_BYTES // SECTOR
MIB = 2048  # sectors
GOOD = [(1, 1 * MIB, 8 * MIB, "alpha"), (2, 9 * MIB, 16 * MIB, "beta"),
        (3, 25 * MIB, 8 * MIB, "store")]
TABLE_SECTORS = 34  # protective MBR, GPT header, 32 sectors of entries (and the backup's 33)


def mark(lba):
    head = b"UNTOUCHED LBA " + str(lba).encode() + b" "
    return (head * (SECTOR // len(head) + 1))[:SECTOR]


def fill(path):
    with open(path, "wb") as f:
        chunk = []
        for lba in range(SECTORS):
            chunk.append(mark(lba))
            if len(chunk) == 4096:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


def sfdisk_path():
    for p in ("sfdisk", "/sbin/sfdisk", "/usr/sbin/sfdisk"):
        if shutil.which(p):
            return shutil.which(p)
    sys.exit("disk.py: sfdisk not found (Debian package fdisk; scripts/deps.sh installs it)")


def good(path):
    fill(path)
    script = "label: gpt\nunit: sectors\nfirst-lba: 2048\n"
    for number, start, size, name in GOOD:
        script += f"start={start}, size={size}, type=L, name={name}\n"
    subprocess.run([sfdisk_path(), "--no-reread", "--no-tell-kernel", "-q", path],
                   input=script.encode(), check=True)


# ---- hostile tables, written by hand (a GPT whose CRCs are right unless KIND breaks one)

def gpt(path, parts, entries=128, entry_size=128, header_crc_ok=True, entries_crc_ok=True,
        last_lba=SECTORS - 1, first_usable=34):
    fill(path)
    mbr = bytearray(SECTOR)
    mbr[446:462] = struct.pack("<BBBBBBBBII", 0, 0, 2, 0, 0xEE, 0xFF, 0xFF, 0xFF, 1,
                               min(SECTORS - 1, 0xFFFFFFFF))
    mbr[510:512] = b"\x55\xaa"
    array = bytearray()
    for start, end, name in parts:
        e = bytearray(entry_size)
        e[0:16] = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4").bytes_le
        e[16:32] = uuid.uuid4().bytes_le
        struct.pack_into("<QQQ", e, 32, start, end, 0)
        e[56:56 + 72] = name.encode("utf-16-le").ljust(72, b"\0")[:72]
        array += e
    array = array.ljust(entries * entry_size, b"\0")
    array_crc = zlib.crc32(bytes(array)) ^ (0 if entries_crc_ok else 1)
    header = bytearray(92)
    struct.pack_into("<8sIIIIQQQQ16sQIII", header, 0, b"EFI PART", 0x10000, 92, 0, 0, 1,
                     last_lba, first_usable, SECTORS - 34, uuid.uuid4().bytes_le, 2, entries,
                     entry_size, array_crc)
    crc = zlib.crc32(bytes(header)) ^ (0 if header_crc_ok else 1)
    struct.pack_into("<I", header, 16, crc)
    with open(path, "r+b") as f:
        f.write(mbr)
        f.write(bytes(header).ljust(SECTOR, b"\0"))
        f.write(bytes(array[: 32 * SECTOR]))


def mbr(path, parts):
    fill(path)
    m = bytearray(SECTOR)
    for i, (start, count, kind) in enumerate(parts):
        struct.pack_into("<BBBBBBBBII", m, 446 + 16 * i, 0, 0, 0, 0, kind, 0, 0, 0, start, count)
    m[510:512] = b"\x55\xaa"
    with open(path, "r+b") as f:
        f.write(m)


BAD = {
    # kind: (builder, what blk_virt's message must mention, a regex for run.sh)
    "overlap": lambda p: gpt(p, [(2048, 20479, "a"), (16384, 40959, "b")]),
    "outside": lambda p: gpt(p, [(2048, SECTORS + 4096, "a")]),
    "header-crc": lambda p: gpt(p, [(2048, 20479, "a")], header_crc_ok=False),
    "entries-crc": lambda p: gpt(p, [(2048, 20479, "a")], entries_crc_ok=False),
    "huge-count": lambda p: gpt(p, [(2048, 20479, "a")], entries=1 << 20),
    "mbr-overlap": lambda p: mbr(p, [(2048, 20480, 0x83), (10240, 20480, 0x83)]),
    "mbr-outside": lambda p: mbr(p, [(2048, SECTORS, 0x83)]),
}


def pattern(part, block):
    data = bytearray((part * 131 + block * 7 + i * 13) & 0xFF for i in range(BLOCK))
    data[0:8] = struct.pack("<Q", block)
    return bytes(data)


def verify(path, specs):
    written = {}
    for spec in specs:
        p, b, n = (int(x) for x in spec.split(":"))
        for block in range(b, b + n):
            written[(p, block)] = True
    starts = {number: start for number, start, _, _ in GOOD}
    sizes = {number: size for number, _, size, _ in GOOD}
    expected_written = set()
    problems = []
    with open(path, "rb") as f:
        disk = f.read()
    if len(disk) != DISK_BYTES:
        return [f"image is {len(disk)} bytes, not {DISK_BYTES}"]
    for (p, block) in written:
        if block * 8 + 8 > sizes[p]:
            problems.append(f"partition {p} block {block} is outside the partition")
            continue
        lba = starts[p] + block * 8
        expected_written.update(range(lba, lba + 8))
        got = disk[lba * SECTOR: lba * SECTOR + BLOCK]
        if got != pattern(p, block):
            problems.append(f"partition {p} block {block} (LBA {lba}) does not hold its pattern")
    untouched = 0
    for lba in range(TABLE_SECTORS, SECTORS - TABLE_SECTORS + 1):
        if lba in expected_written:
            continue
        if disk[lba * SECTOR:(lba + 1) * SECTOR] != mark(lba):
            problems.append(f"LBA {lba} was written but nobody should have")
            if len(problems) > 20:
                break
        else:
            untouched += 1
    print(f"disk.py: {len(written)} blocks hold their pattern, {untouched} other sectors untouched")
    return problems


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "good":
        good(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "bad" and sys.argv[2] in BAD:
        BAD[sys.argv[2]](sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == "verify":
        problems = verify(sys.argv[2], sys.argv[3:])
        for p in problems:
            print("disk.py: " + p)
        sys.exit(1 if problems else 0)
    elif len(sys.argv) == 4 and sys.argv[1] == "pattern":
        print(pattern(int(sys.argv[2]), int(sys.argv[3])).hex())
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
