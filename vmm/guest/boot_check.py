#!/usr/bin/env python3
"""Boot the Linux guest (bzImage + initramfs from scripts/guest-assets.sh) straight under
QEMU, without Bastion, and check what its /init does (docs/virtualisation.md, "The Linux
guest"). This checks the guest's files alone, so that a failure of the VMM's system test
is never the guest's.

    boot_check.py GUEST_DIR [--timeout SECONDS]

The guest gets a virtio console (QEMU's virtio-serial, legacy interface, one console
port) on this script's stdin and stdout, and its serial console goes to
GUEST_DIR/boot_check.serial.log. It answers /init's READY line with one line on the virtio
console and checks the echo (length and md5 of that line), then that the guest powers off;
the serial console must show /init's marker and that it found /dev/hvc0. Prints
PASS:/FAIL: lines.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import time

LINE = "bastion says hello to the guest 0123456789"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("guest")
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    kernel = os.path.join(args.guest, "bzImage")
    initrd = os.path.join(args.guest, "initramfs.cpio.gz")
    serial_log = os.path.join(args.guest, "boot_check.serial.log")
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-m", "256", "-display", "none",
           "-serial", "file:" + serial_log, "-monitor", "none", "-no-reboot", "-net", "none",
           "-chardev", "stdio,id=hvc,signal=off",
           "-device", "virtio-serial-pci,disable-modern=on",
           "-device", "virtconsole,chardev=hvc",
           "-kernel", kernel, "-initrd", initrd,
           "-append", "console=ttyS0 quiet panic=-1"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    seen = {}
    deadline = time.monotonic() + args.timeout
    os.set_blocking(proc.stdout.fileno(), False)
    buf = b""
    log = open(os.path.join(args.guest, "boot_check.log"), "wb")
    # Read to end of file, not until QEMU exits: a guest that powers off quickly leaves its
    # last lines in the pipe after QEMU has gone.
    while time.monotonic() < deadline:
        chunk = proc.stdout.read(4096)
        if chunk == b"":
            break
        if chunk is None:
            time.sleep(0.05)
            continue
        log.write(chunk)
        buf += chunk
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode(errors="replace").strip("\r")
            for marker in ("BASTION-GUEST-READY", "BASTION-GUEST-ECHO", "BASTION-GUEST-POWEROFF"):
                if line.startswith(marker + ":") or line == marker:
                    seen.setdefault(marker, line)
            if line.startswith("BASTION-GUEST-READY"):
                proc.stdin.write((LINE + "\n").encode())
                proc.stdin.flush()
    timed_out = proc.poll() is None
    if timed_out:
        proc.kill()
    status = proc.wait()
    log.close()
    try:
        with open(serial_log, errors="replace") as f:
            for line in f:
                line = line.strip("\r\n")
                for marker in ("BASTION-GUEST-INIT", "BASTION-GUEST-VIRTIO"):
                    if line.startswith(marker + ":"):
                        seen.setdefault(marker, line)
    except OSError:
        pass
    print(f"guest-linux: QEMU {'killed after the timeout' if timed_out else f'exited with {status}'}; "
          f"markers seen: {', '.join(seen) or 'none'}")

    def check(name, ok, why):
        print(f"PASS: guest-linux/{name}" if ok else f"FAIL: guest-linux/{name}: {why}")
        return ok

    want_echo = f"BASTION-GUEST-ECHO: {len(LINE)} bytes, md5 {hashlib.md5(LINE.encode()).hexdigest()}: {LINE}"
    ok = check("init-marker", "BASTION-GUEST-INIT" in seen, "no BASTION-GUEST-INIT line")
    ok &= check("virtio-console", seen.get("BASTION-GUEST-VIRTIO", "").startswith(
        "BASTION-GUEST-VIRTIO: /dev/hvc0"), f"{seen.get('BASTION-GUEST-VIRTIO')!r}")
    ok &= check("echo", seen.get("BASTION-GUEST-ECHO") == want_echo,
                f"echo {seen.get('BASTION-GUEST-ECHO')!r}, want {want_echo!r}")
    ok &= check("poweroff", "BASTION-GUEST-POWEROFF" in seen and not timed_out,
                "timed out" if timed_out else "no BASTION-GUEST-POWEROFF line")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
