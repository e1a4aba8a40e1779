#!/usr/bin/python3
"""Offer UDP load to an echo server and count what comes back (the benchmark's tool).

  udp_load.py --host H --port P [--size 1472] [--rate 1000] [--duration 5] [--drain 1]
  udp_load.py --host H --port P --max [--size 1472] [--start-rate 1000] [--max-rate 100000]
              [--step-duration 2] [--search-steps 4] [--loss-threshold 0.01]

Fixed mode sends datagrams of --size bytes (8 to 65507; default 1472, a full Ethernet
frame) at --rate datagrams/s for --duration seconds, paced by the clock (datagrams due
are sent in small bursts), and counts the echoes, waiting --drain seconds after the last
send for stragglers. Each datagram carries a trial number and a sequence number; an
echo from another trial is ignored, one whose bytes differ is corrupt.

--max finds the highest rate with less than --loss-threshold loss (default 1%): it
doubles the rate from --start-rate until a trial loses too much (or --max-rate), then
halves the interval between the best good and the first bad rate --search-steps times.
Each trial lasts --step-duration seconds. A trial in which this host could not send at
the rate asked (sent below 98% of offered) is marked sender_limited: the result is then a
limit of the host, not of the server.

Output: a summary line and a JSON line. Fixed mode: offered, sent, echoed, lost,
loss_ratio, corrupt, duplicated, offered_rate, achieved_rate (echoes/s), mbit_per_s (echoed
UDP payload, one direction). --max: best_rate, best (its trial) and trials. Exit status:
0 done; 1 nothing echoed (fixed) or no rate under the threshold (--max); 2 bad usage.
"""

import argparse
import json
import random
import socket
import struct
import sys
import threading
import time

HEADER = struct.Struct("!II")  # trial, sequence


class Receiver(threading.Thread):
    """Counts the echoes of one trial, each sequence number once."""

    def __init__(self, sock, trial, total, filler):
        super().__init__(daemon=True)
        self.sock, self.trial, self.filler = sock, trial, filler
        self.seen = bytearray(total)
        self.echoed = self.duplicated = self.corrupt = self.stale = 0
        self.stop = False

    def run(self):
        size = HEADER.size + len(self.filler)
        while not self.stop:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                continue  # ICMP port unreachable and friends: the sender counts losses
            if len(data) < HEADER.size:
                self.corrupt += 1
                continue
            trial, seq = HEADER.unpack_from(data)
            if trial != self.trial:
                self.stale += 1
                continue
            if seq >= len(self.seen) or len(data) != size or data[HEADER.size:] != self.filler:
                self.corrupt += 1
                continue
            if self.seen[seq]:
                self.duplicated += 1
                continue
            self.seen[seq] = 1
            self.echoed += 1


def run_trial(args, rate, duration):
    """One trial at a fixed rate; returns its results as a dict."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    sock.connect((args.host, args.port))
    sock.settimeout(0.1)
    rng = random.Random(args.seed)
    trial = rng.getrandbits(32)
    filler = rng.randbytes(args.size - HEADER.size)
    offered = max(1, int(round(rate * duration)))
    receiver = Receiver(sock, trial, offered, filler)
    receiver.start()
    sent = send_errors = 0
    start = time.monotonic()
    while sent < offered:
        due = min(offered, int((time.monotonic() - start) * rate) + 1)
        if sent >= due:
            time.sleep(min(0.0005, (sent + 1 - due) / rate))
            continue
        while sent < due:
            try:
                sock.send(HEADER.pack(trial, sent) + filler)
            except OSError:
                send_errors += 1
            sent += 1
    send_time = max(time.monotonic() - start, 1e-9)
    time.sleep(args.drain)
    receiver.stop = True
    receiver.join()
    sock.close()
    delivered = sent - send_errors
    echoed = receiver.echoed
    window = max(send_time, duration)
    return {
        "rate": rate, "size": args.size, "duration_s": duration,
        "offered": offered, "sent": delivered, "send_errors": send_errors,
        "echoed": echoed, "lost": delivered - echoed,
        "loss_ratio": round((delivered - echoed) / delivered, 6) if delivered else 1.0,
        "corrupt": receiver.corrupt, "duplicated": receiver.duplicated,
        "offered_rate": rate, "send_rate": round(sent / send_time, 1),
        "achieved_rate": round(echoed / window, 1),
        "mbit_per_s": round(echoed * args.size * 8 / window / 1e6, 3),
        "sender_limited": send_time > duration * 1.02 + 0.05,
    }


def good(args, t):
    return t["echoed"] > 0 and t["loss_ratio"] < args.loss_threshold and t["corrupt"] == 0


def search_max(args):
    """Double, then bisect, to the highest rate under the loss threshold."""
    trials = []
    best = None
    bad_rate = None
    rate = args.start_rate
    while True:
        t = run_trial(args, rate, args.step_duration)
        trials.append(t)
        print("udp_load: rate %.0f/s: loss %.2f%%%s" % (
            rate, 100 * t["loss_ratio"], " (sender limited)" if t["sender_limited"] else ""),
            file=sys.stderr)
        if not good(args, t):
            bad_rate = rate
            break
        best = t
        if rate >= args.max_rate or t["sender_limited"]:
            break
        rate = min(rate * 2, args.max_rate)
    if bad_rate is not None:
        low = best["rate"] if best else 0.0
        for _ in range(args.search_steps):
            rate = (low + bad_rate) / 2
            if rate < 1:
                break
            t = run_trial(args, rate, args.step_duration)
            trials.append(t)
            print("udp_load: rate %.0f/s: loss %.2f%%" % (rate, 100 * t["loss_ratio"]),
                  file=sys.stderr)
            if good(args, t):
                best, low = t, rate
            else:
                bad_rate = rate
    return best, trials


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--size", type=int, default=1472)
    p.add_argument("--rate", type=float, default=1000.0)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--drain", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max", action="store_true", help="search the highest rate under the loss threshold")
    p.add_argument("--start-rate", type=float, default=1000.0)
    p.add_argument("--max-rate", type=float, default=100000.0)
    p.add_argument("--step-duration", type=float, default=2.0)
    p.add_argument("--search-steps", type=int, default=4)
    p.add_argument("--loss-threshold", type=float, default=0.01)
    args = p.parse_args(argv)
    if not HEADER.size <= args.size <= 65507:
        p.error("--size must be 8 to 65507")
    if min(args.rate, args.duration, args.start_rate, args.max_rate, args.step_duration) <= 0:
        p.error("rates and durations must be positive")
    return args


def main(argv):
    args = parse_args(argv)
    if not args.max:
        t = run_trial(args, args.rate, args.duration)
        t.update(tool="udp_load", mode="fixed")
        print("udp_load: offered %d sent %d echoed %d lost %d (%.2f%%) at %.0f/s: %.0f echoes/s "
              "%.2f Mb/s%s" % (t["offered"], t["sent"], t["echoed"], t["lost"],
                               100 * t["loss_ratio"], args.rate, t["achieved_rate"],
                               t["mbit_per_s"], " (sender limited)" if t["sender_limited"] else ""))
        print(json.dumps(t, sort_keys=True))
        return 0 if t["echoed"] > 0 else 1
    best, trials = search_max(args)
    result = {"tool": "udp_load", "mode": "max", "size": args.size,
              "loss_threshold": args.loss_threshold,
              "best_rate": best["rate"] if best else 0, "best": best, "trials": trials}
    if best:
        print("udp_load: highest rate under %.1f%% loss: %.0f/s, %.0f echoes/s, %.2f Mb/s%s" % (
            100 * args.loss_threshold, best["rate"], best["achieved_rate"], best["mbit_per_s"],
            " (sender limited)" if best["sender_limited"] else ""))
    else:
        print("udp_load: no rate from %.0f/s had under %.1f%% loss" % (
            args.start_rate, 100 * args.loss_threshold))
    print(json.dumps(result, sort_keys=True))
    return 0 if best else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
