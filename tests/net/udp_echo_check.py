#!/usr/bin/python3
"""Check a UDP echo server: every datagram must come back byte-exact, none lost.

  udp_echo_check.py --host H --port P [--count 10000] [--min-size 1] [--max-size 1472]
                    [--window 32] [--timeout S] [--retries N] [--seed N]
                    [--max-loss N] [--max-dup N]

Sends --count datagrams whose sizes run from --min-size to --max-size: the edges first
(1, 2, 3, 4, 5, 8, max-1, max), then pseudo-random sizes, with an edge again every 64th
datagram. A datagram of 4 bytes or more starts with its sequence number (32-bit big
endian) and goes on with pseudo-random bytes; a shorter one is the low bytes of its
sequence number. Everything follows from --seed.

At most --window datagrams are outstanding. One not echoed within --timeout seconds is
sent again, at most --retries times, and then counted lost (a reply that arrives later
still counts as echoed, and as late). Every reply must be byte-exact one datagram sent:
one that is not (wrong bytes, wrong length, a sequence number never sent) is corrupt. A
datagram echoed more often than it was sent is duplicated.

Output: one summary line, then one JSON line (keys: see summary()). Exit status: 0 pass;
1 any corrupt reply, more than --max-loss lost (default 0) or more than --max-dup
duplicated (default 0); 2 bad usage.
"""

import argparse
import json
import random
import select
import socket
import struct
import sys
import time
import zlib

SEQ_BYTES = 4


class Datagram:
    __slots__ = ("seq", "payload", "crc", "size", "sends", "replies", "deadline", "state")

    def __init__(self, seq, payload):
        self.seq, self.payload, self.size = seq, payload, len(payload)
        self.crc = zlib.crc32(payload)
        self.sends = self.replies = 0
        self.deadline = 0.0
        self.state = "new"  # new, outstanding, echoed, lost


def edge_sizes(min_size, max_size):
    edges = [1, 2, 3, 4, 5, 8, max_size - 1, max_size]
    return [s for s in dict.fromkeys(edges) if min_size <= s <= max_size]


class Generator:
    """The datagrams, in order, all from one seeded generator."""

    def __init__(self, seed, min_size, max_size):
        self.rng = random.Random(seed)
        self.min_size, self.max_size = min_size, max_size
        self.edges = edge_sizes(min_size, max_size)

    def size(self, seq):
        if seq < len(self.edges):
            return self.edges[seq]
        if seq % 64 == 0:
            return self.edges[(seq // 64) % len(self.edges)]
        return self.rng.randint(self.min_size, self.max_size)

    def make(self, seq):
        size = self.size(seq)
        header = struct.pack("!I", seq & 0xFFFFFFFF)
        if size < SEQ_BYTES:
            return Datagram(seq, header[SEQ_BYTES - size:])
        return Datagram(seq, header + self.rng.randbytes(size - SEQ_BYTES))


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


class Checker:
    def __init__(self, args):
        self.args = args
        self.gen = Generator(args.seed, args.min_size, args.max_size)
        self.by_seq = {}  # seq -> Datagram, for datagrams of SEQ_BYTES or more
        self.small = {}  # bytes -> Datagram, outstanding datagrams shorter than SEQ_BYTES
        self.small_done = {}  # bytes -> Datagram, the last finished one of that content
        self.outstanding = {}  # seq -> Datagram
        self.next_seq = 0
        self.pending = None  # made but not yet sent (a short one waiting for its twin)
        self.transmissions = self.retransmissions = 0
        self.echoed = self.lost = self.late = self.corrupt = self.duplicated = 0
        self.refused = 0
        self.bytes_echoed = 0
        self.problems = []
        self.start = self.last_reply = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.connect((args.host, args.port))
        self.sock.setblocking(False)

    def note(self, text):
        if len(self.problems) < 20:
            self.problems.append(text)
            print("udp_echo_check: " + text, file=sys.stderr)

    def transmit(self, d, now):
        try:
            self.sock.send(d.payload)
        except (ConnectionRefusedError, BlockingIOError):
            self.refused += 1  # an earlier ICMP error, or a full buffer: retried on timeout
        d.sends += 1
        self.transmissions += 1
        d.deadline = now + self.args.timeout

    def send_more(self, now):
        while len(self.outstanding) < self.args.window:
            if self.pending is None:
                if self.next_seq >= self.args.count:
                    return
                self.pending = self.gen.make(self.next_seq)
                self.next_seq += 1
            d = self.pending
            if d.size < SEQ_BYTES:
                if d.payload in self.small:
                    return  # its twin is still out: replies could not be told apart
                self.small[d.payload] = d
            else:
                self.by_seq[d.seq] = d
            self.pending = None
            d.state = "outstanding"
            self.outstanding[d.seq] = d
            self.transmit(d, now)

    def finish(self, d, state):
        del self.outstanding[d.seq]
        d.state = state
        if d.size < SEQ_BYTES:
            del self.small[d.payload]
            self.small_done[d.payload] = d
        if state == "echoed":
            d.payload = None  # the crc is enough from now on

    def lookup(self, data):
        if len(data) >= SEQ_BYTES:
            return self.by_seq.get(struct.unpack_from("!I", data)[0])
        return self.small.get(data) or self.small_done.get(data)

    def on_reply(self, data, now):
        self.last_reply = now
        d = self.lookup(data)
        if d is None:
            self.corrupt += 1
            self.note("corrupt reply: %d bytes matching no datagram sent (starts %s)"
                      % (len(data), data[:8].hex()))
            return
        if d.state == "echoed":
            if len(data) != d.size or zlib.crc32(data) != d.crc:
                self.corrupt += 1
                self.note("corrupt reply to datagram %d (already echoed)" % d.seq)
                return
            d.replies += 1
            if d.replies > d.sends:
                self.duplicated += 1
                self.note("datagram %d echoed %d times, sent %d" % (d.seq, d.replies, d.sends))
            return
        if data != d.payload:
            self.corrupt += 1
            self.note("corrupt reply to datagram %d: %d bytes for %d, first difference at "
                      "offset %d" % (d.seq, len(data), d.size, first_difference(data, d.payload)))
            return
        d.replies += 1
        if d.state == "lost":
            self.lost -= 1
            self.late += 1
            d.state = "outstanding"
            self.outstanding[d.seq] = d
            if d.size < SEQ_BYTES:
                self.small[d.payload] = d
        self.echoed += 1
        self.bytes_echoed += d.size
        self.finish(d, "echoed")

    def expire(self, now):
        for d in [d for d in self.outstanding.values() if d.deadline <= now]:
            if d.sends <= self.args.retries:
                self.retransmissions += 1
                self.transmit(d, now)
            else:
                self.lost += 1
                self.note("datagram %d (%d bytes) lost after %d sends" % (d.seq, d.size, d.sends))
                payload = d.payload
                self.finish(d, "lost")
                d.payload = payload  # kept: a late reply is still checked byte for byte

    def receive(self, wait):
        readable, _, _ = select.select([self.sock], [], [], max(wait, 0.0))
        if not readable:
            return
        for _ in range(256):
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            except ConnectionRefusedError:
                self.refused += 1
                continue
            self.on_reply(data, time.monotonic())

    def run(self):
        self.start = time.monotonic()
        while True:
            now = time.monotonic()
            self.send_more(now)
            if not self.outstanding and self.pending is None and self.next_seq >= self.args.count:
                break
            wait = min((d.deadline for d in self.outstanding.values()), default=now) - now
            self.receive(wait)
            self.expire(time.monotonic())
        self.receive(0.05)  # a last look for duplicates of the final datagrams
        end = self.last_reply or time.monotonic()
        return max(end - self.start, 1e-9)

    def summary(self, elapsed):
        args = self.args
        failures = []
        if self.corrupt:
            failures.append("%d corrupt replies" % self.corrupt)
        if self.lost > args.max_loss:
            failures.append("%d lost (at most %d allowed)" % (self.lost, args.max_loss))
        if self.duplicated > args.max_dup:
            failures.append("%d duplicated (at most %d allowed)" % (self.duplicated, args.max_dup))
        return {
            "tool": "udp_echo_check", "host": args.host, "port": args.port, "seed": args.seed,
            "sent": self.next_seq, "transmissions": self.transmissions,
            "retransmissions": self.retransmissions, "echoed": self.echoed, "lost": self.lost,
            "late": self.late, "corrupt": self.corrupt, "duplicated": self.duplicated,
            "refused": self.refused, "bytes_echoed": self.bytes_echoed,
            "elapsed_s": round(elapsed, 6),
            "datagrams_per_s": round(self.echoed / elapsed, 1),
            "mbit_per_s": round(self.bytes_echoed * 8 / elapsed / 1e6, 3),
            "result": "fail" if failures else "pass", "failures": failures,
            "problems": self.problems,
        }


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--min-size", type=int, default=1)
    p.add_argument("--max-size", type=int, default=1472)
    p.add_argument("--window", type=int, default=32)
    p.add_argument("--timeout", type=float, default=1.0, help="seconds per try")
    p.add_argument("--retries", type=int, default=3, help="sends after the first")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-loss", type=int, default=0)
    p.add_argument("--max-dup", type=int, default=0)
    args = p.parse_args(argv)
    if not 1 <= args.min_size <= args.max_size <= 65507:
        p.error("need 1 <= --min-size <= --max-size <= 65507")
    if args.count < 1 or args.window < 1 or args.timeout <= 0 or args.retries < 0:
        p.error("--count and --window must be positive, --timeout > 0, --retries >= 0")
    return args


def main(argv):
    args = parse_args(argv)
    checker = Checker(args)
    elapsed = checker.run()
    s = checker.summary(elapsed)
    print("udp_echo_check %s: sent %d echoed %d lost %d corrupt %d duplicated %d late %d "
          "retransmitted %d elapsed %.3fs %.0f datagrams/s %.2f Mb/s%s"
          % (s["result"].upper(), s["sent"], s["echoed"], s["lost"], s["corrupt"],
             s["duplicated"], s["late"], s["retransmissions"], s["elapsed_s"],
             s["datagrams_per_s"], s["mbit_per_s"],
             (": " + "; ".join(s["failures"])) if s["failures"] else ""))
    print(json.dumps(s, sort_keys=True))
    return 1 if s["failures"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
