#!/usr/bin/env python3
"""Host check of the Linux guest's echo (vmm/tests/linux/expect's `host` line).

    check_echo.py LOG

The native PD logs the line it sent (`native: sent N bytes to the guest: LINE`); the
guest's /init answers `BASTION-GUEST-ECHO: N bytes, md5 SUM: LINE` on its virtio console,
which the VMM logs with the mark `hvc0| `. Both must be in the serial log, with the same line and length, and SUM must be the line's MD5 (the native PD
checks the length and the text; the checksum is checked here). Exits 0 when all hold.
"""
import hashlib
import re
import sys


def main() -> int:
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    sent = re.search(r"^native: sent (\d+) bytes to the guest: (.*)$", text, re.M)
    echo = re.search(r"^hvc0\| BASTION-GUEST-ECHO: (\d+) bytes, md5 ([0-9a-f]{32}): (.*)$", text, re.M)
    if not sent or not echo:
        print(f"check_echo: FAIL: {'no line sent' if not sent else 'no echo'} in the log")
        return 1
    line = sent.group(2)
    want = hashlib.md5(line.encode()).hexdigest()
    if int(sent.group(1)) != len(line) or int(echo.group(1)) != len(line):
        print(f"check_echo: FAIL: lengths {sent.group(1)} sent, {echo.group(1)} echoed, {len(line)} real")
        return 1
    if echo.group(3) != line or echo.group(2) != want:
        print(f"check_echo: FAIL: echo {echo.group(2)} {echo.group(3)!r}, want {want} {line!r}")
        return 1
    print(f"check_echo: {len(line)} bytes echoed, md5 {want} matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
