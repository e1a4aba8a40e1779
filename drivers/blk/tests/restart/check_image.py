#!/usr/bin/env python3
"""The host-side check of the block restart tests (drivers/blk/tests/restart/run.sh and
drivers/blk/tests/virt_restart/run.sh): after a run, the disk image holds at each of the
256 blocks blk_restart uses (4 KiB blocks at partition 1, 1 MiB into the disk) exactly the
write blk_restart last had answered for it.

    check_image.py IMG LOG

LOG is the run's serial log: blk_restart's `blk_restart: final N N ...` lines give, in
block order, the sequence number of each block's last answered write (0: never written).
A written block holds magic, block number and sequence number (three little-endian 64-bit
words), then byte i is (block * 31 + seq * 17 + i) mod 256 (blk_restart.c writes it the
same way); an unwritten block must not hold the magic. Prints one PASS or FAIL line with
the counts; exit status 0 only if every block is right and the log names all 256.
"""
import re
import struct
import sys

BLOCKS = 256
BLOCK = 4096
PARTITION_OFFSET = 1 << 20
MAGIC = 0x5952455643455251


def final_seqs(log):
    """The sequence numbers of blk_restart's final lines, in order."""
    seqs = []
    with open(log, errors="replace") as f:
        for line in f:
            m = re.match(r"^blk_restart: final((?: \d+)+)\s*$", line)
            if m:
                seqs += [int(x) for x in m.group(1).split()]
    return seqs


def block_ok(data, block, seq):
    """Whether a block's bytes are what its last answered write (seq) left."""
    magic, blk, s = struct.unpack_from("<QQQ", data)
    if seq == 0:
        return magic != MAGIC
    return (magic, blk, s) == (MAGIC, block, seq) and all(
        data[i] == (block * 31 + seq * 17 + i) & 0xFF for i in range(24, BLOCK))


def main(argv):
    if len(argv) != 3:
        print("usage: check_image.py IMG LOG", file=sys.stderr)
        return 2
    img, log = argv[1], argv[2]
    seqs = final_seqs(log)
    if len(seqs) != BLOCKS:
        print(f"FAIL: {len(seqs)} final sequence numbers in the log, not {BLOCKS}")
        return 1
    wrong = 0
    with open(img, "rb") as f:
        for b, seq in enumerate(seqs):
            f.seek(PARTITION_OFFSET + b * BLOCK)
            wrong += not block_ok(f.read(BLOCK), b, seq)
    written = sum(1 for s in seqs if s)
    print(f"{'PASS' if wrong == 0 else 'FAIL'}: {written} written blocks and "
          f"{BLOCKS - written} untouched checked, {wrong} wrong")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
