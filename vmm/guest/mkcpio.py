#!/usr/bin/env python3
"""Write a directory tree as a cpio archive in the "newc" format the Linux kernel reads
for its initramfs (docs/virtualisation.md, "The Linux guest").

    mkcpio.py ROOT OUT [--char PATH:MAJOR:MINOR ...]

Every file, directory and symbolic link under ROOT goes in, sorted, owned by root, with
mtime 0 (the archive is the same on every build). --char adds a character-device entry
(e.g. dev/console:5:1) that exists only in the archive, so that no mknod and no root are
needed.
"""
import argparse
import os
import stat
import sys

MAGIC = b"070701"


def entry(out, ino, name, mode, data=b"", rdev=(0, 0)):
    """Append one newc header, name and data, each padded to 4 bytes."""
    encoded = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0]
    header = MAGIC + b"".join(b"%08x" % f for f in fields)
    out.write(header + encoded)
    out.write(b"\0" * (-(len(header) + len(encoded)) % 4))
    out.write(data)
    out.write(b"\0" * (-len(data) % 4))


def walk(root):
    """Yield (archive name, path) for everything under root, parents first."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            yield rel, dirpath
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            path = os.path.join(dirpath, name)
            yield os.path.normpath(os.path.join(rel, name)), path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("out")
    parser.add_argument("--char", action="append", default=[])
    args = parser.parse_args()
    ino = 1
    with open(args.out, "wb") as out:
        for name, path in walk(args.root):
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                entry(out, ino, name, stat.S_IFLNK | 0o777, os.readlink(path).encode())
            elif stat.S_ISDIR(st.st_mode):
                entry(out, ino, name, stat.S_IFDIR | 0o755)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    entry(out, ino, name, stat.S_IFREG | (st.st_mode & 0o777), f.read())
            else:
                sys.exit(f"mkcpio: {path}: not a file, directory or link")
            ino += 1
        for spec in args.char:
            parts = spec.split(":")
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
                sys.exit(f"mkcpio: --char {spec}: want PATH:MAJOR:MINOR")
            entry(out, ino, parts[0], stat.S_IFCHR | 0o600, rdev=(int(parts[1]), int(parts[2])))
            ino += 1
        entry(out, 0, "TRAILER!!!", 0)


if __name__ == "__main__":
    main()
