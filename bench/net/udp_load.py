#!/usr/bin/env python3
"""UDP echo load generator of the network benchmark (docs/performance.md, "Network:
UDP echo against Linux").

    udp_load.py run    --target HOST:PORT --rate DPS --seconds S [--size 1472]
                       [--control HOST:PORT]
    udp_load.py search --target HOST:PORT [--seconds S] [--size 1472] [--max-loss 0.01]
    udp_load.py ping   --target HOST:PORT


`run` offers a fixed load: RATE datagrams per second of SIZE bytes of payload for S
seconds of host time, each carrying a run id and a sequence number, and counts the
distinct echoes that come back (waiting after the last send until none has come for
half a second). With --control it asks the guest's control port for "stat" before the
first datagram and after the last echo (bench/linux/udp_echo.c has the protocol: "key
value" lines, among them clock_ns and idle_ns), so that the busy time of the window is
d(clock_ns) - d(idle_ns). `search` finds the highest offered rate with less than
--max-loss loss: it doubles the rate from 500/s until a trial loses more, then bisects.
Each prints one JSON object on stdout. `ping` sends one datagram and exits 0 if it
comes back within two seconds (is the guest up?).

This is a minimal generator written for the benchmark; tests/net may grow a fuller one.
"""
import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

HEADER = struct.Struct("!IQ")  # run id, sequence number


def address(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def control(addr, request, timeout=30.0, tries=3):
    """One control request; the reply as a dict of key -> int (or str)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout / tries)
        for _ in range(tries):
            s.sendto(request.encode(), addr)
            try:
                data, _ = s.recvfrom(65536)
            except socket.timeout:
                continue
            reply = {}
            for line in data.decode(errors="replace").splitlines():
                parts = line.split(None, 1)
                if len(parts) == 2:
                    try:
                        reply[parts[0]] = int(parts[1])
                    except ValueError:
                        reply[parts[0]] = parts[1]
            return reply
    finally:
        s.close()
    raise RuntimeError("no answer to %r from the control port %s:%d" % (request, *addr))


def ping(target, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    message = b"ping" * 8
    try:
        s.sendto(message, target)
        return s.recv(256) == message
    except OSError:
        return False
    finally:
        s.close()


class Receiver(threading.Thread):
    """Counts the distinct echoes of one run."""

    def __init__(self, sock, run_id, size):
        super().__init__(daemon=True)
        self.sock, self.run_id, self.size = sock, run_id, size
        self.seen = set()
        self.bad = 0
        self.last = time.monotonic()
        self.stop = False

    def run(self):
        self.sock.settimeout(0.05)
        while not self.stop:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if len(data) != self.size or len(data) < HEADER.size:
                self.bad += 1
                continue
            run_id, seq = HEADER.unpack_from(data)
            if run_id != self.run_id:
                continue  # a straggler of an earlier run
            self.seen.add(seq)
            self.last = time.monotonic()


def offer(target, rate, seconds, size, ctl=None, drain_quiet=0.5, drain_max=10.0):
    """Offer `rate` datagrams/s for `seconds`; return the figures as a dict."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    sock.bind(("127.0.0.1", 0))
    run_id = int.from_bytes(os.urandom(4), "little")
    payload = bytearray(os.urandom(size))
    receiver = Receiver(sock, run_id, size)
    receiver.start()
    result = {"offered_dps": rate, "seconds": seconds, "payload_bytes": size}
    if ctl is not None:
        result["start"] = control(ctl, "stat")
    total = int(rate * seconds)
    sent = send_errors = 0
    start = time.monotonic()
    while sent < total:
        now = time.monotonic()
        due = min(total, int((now - start) * rate) + 1)
        while sent < due:
            HEADER.pack_into(payload, 0, run_id, sent)
            try:
                sock.sendto(payload, target)
            except OSError:
                send_errors += 1
            sent += 1
        next_at = start + sent / rate
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    send_end = time.monotonic()
    # Wait for the stragglers: until none has come for drain_quiet seconds.
    while True:
        now = time.monotonic()
        if len(receiver.seen) >= sent or now - max(receiver.last, send_end) > drain_quiet:
            break
        if now - send_end > drain_max:
            break
        time.sleep(0.05)
    receiver.stop = True
    receiver.join()
    if ctl is not None:
        result["end"] = control(ctl, "stat")
    sock.close()
    echoed = len(receiver.seen)
    send_seconds = send_end - start
    result.update(
        {
            "sent": sent,
            "send_errors": send_errors,
            "echoed": echoed,
            "bad_echoes": receiver.bad,
            "loss": (sent - echoed) / sent if sent else 0.0,
            "send_seconds": round(send_seconds, 3),
            "achieved_offered_dps": round(sent / send_seconds, 1) if send_seconds > 0 else 0,
            "echoed_dps": round(echoed / send_seconds, 1) if send_seconds > 0 else 0,
        }
    )
    if ctl is not None:
        s, e = result["start"], result["end"]
        clock = e["clock_ns"] - s["clock_ns"]
        idle = e["idle_ns"] - s["idle_ns"]
        result["window_guest_ns"] = clock
        result["busy_ns"] = clock - idle
        if echoed:
            result["busy_per_echo"] = round((clock - idle) / echoed, 1)
    return result


def search(target, seconds, size, max_loss, start_rate=500, ceiling=200000, steps=4):
    trials = []

    def trial(rate):
        # A rate fails only if two tries in a row lose too much: a loaded host can stall
        # the emulator for a moment, which is not the guest's capacity.
        for _ in range(2):
            time.sleep(1.0)  # let the previous trial's backlog drain
            r = offer(target, rate, seconds, size)
            trials.append({k: r[k] for k in ("offered_dps", "achieved_offered_dps", "echoed_dps", "loss")})
            print("search: %7d/s offered, %8.1f/s echoed, loss %.2f%%" % (rate, r["echoed_dps"], 100 * r["loss"]),
                  file=sys.stderr)
            if r["loss"] < max_loss:
                break
        return r

    good, bad = None, None
    rate = start_rate
    while rate <= ceiling:
        r = trial(rate)
        if r["loss"] < max_loss:
            good = r
            rate *= 2
        else:
            bad = rate
            break
    if good is not None and bad is not None:
        lo, hi = good["offered_dps"], bad
        for _ in range(steps):
            mid = (lo + hi) // 2
            if mid <= lo or mid >= hi:
                break
            r = trial(mid)
            if r["loss"] < max_loss:
                good, lo = r, mid
            else:
                hi = mid
    best = None
    if good is not None:
        best = {
            "offered_dps": good["offered_dps"],
            "echoed_dps": good["echoed_dps"],
            "loss": good["loss"],
            "mbps": round(good["echoed_dps"] * size * 8 / 1e6, 2),
            "first_lossy_offered_dps": bad,
        }
    return {"payload_bytes": size, "max_loss": max_loss, "trial_seconds": seconds, "best": best,
            "trials": trials}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["run", "search", "ping"])
    p.add_argument("--target", type=address, required=True)
    p.add_argument("--control", type=address)
    p.add_argument("--rate", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--size", type=int, default=1472)
    p.add_argument("--max-loss", type=float, default=0.01)
    a = p.parse_args()
    if a.size < HEADER.size:
        p.error("--size must be at least %d" % HEADER.size)
    if a.mode == "ping":
        sys.exit(0 if ping(a.target) else 1)
    if a.mode == "run":
        out = offer(a.target, a.rate, a.seconds, a.size, a.control)
    else:
        out = search(a.target, a.seconds, a.size, a.max_loss)
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
