#!/usr/bin/python3
"""Check a TCP echo server: stream bytes through it and compare the echo byte for byte.

  tcp_stream_check.py --host H --port P [--bytes 16MiB] [--seed N] [--timeout S]
                      [--max-write N] [--no-eof]

Connects, then one thread writes --bytes pseudo-random bytes (from --seed) in writes of
pseudo-random sizes (1 to --max-write bytes, default 65536) and closes its sending side
(FIN), while the main thread reads the echo concurrently and compares it with what was
sent. Reading and writing at once means a small window on either side cannot deadlock.
After the last byte the server should close its side too; unless --no-eof, the stream
must then end (no extra bytes).

Fails on the first differing byte (its offset is reported), a short echo (the server
closed early), extra bytes, a reset, a refused connection, or no progress for --timeout
seconds (default 10) in either direction.

Output: one summary line, then one JSON line. Exit status: 0 pass, 1 fail, 2 bad usage.
"""

import argparse
import json
import random
import re
import socket
import sys
import threading
import time

UNITS = {"": 1, "k": 1000, "kb": 1000, "kib": 1 << 10, "m": 1000 ** 2, "mb": 1000 ** 2,
         "mib": 1 << 20, "g": 1000 ** 3, "gb": 1000 ** 3, "gib": 1 << 30}


def parse_size(text):
    """'16MiB' -> 16777216; plain numbers are bytes."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", text)
    if not m or m.group(2).lower() not in UNITS:
        raise argparse.ArgumentTypeError("not a size: %r (e.g. 4096, 64KiB, 16MiB)" % text)
    return int(m.group(1)) * UNITS[m.group(2).lower()]


class Writer(threading.Thread):
    """Writes the stream in pseudo-random pieces, then half-closes."""

    def __init__(self, sock, data, seed, max_write):
        super().__init__(daemon=True)
        self.sock, self.data, self.max_write = sock, data, max_write
        self.rng = random.Random(seed ^ 0x5EED)
        self.written = 0
        self.error = None
        self.reset = False
        self.done = False

    def run(self):
        view = memoryview(self.data)
        try:
            while self.written < len(self.data):
                n = min(self.rng.randint(1, self.max_write), len(self.data) - self.written)
                self.sock.sendall(view[self.written:self.written + n])
                self.written += n
            self.sock.shutdown(socket.SHUT_WR)
            self.done = True
        except socket.timeout:
            self.error = "no progress sending for %.1f s after %d bytes" % (
                self.sock.gettimeout(), self.written)
        except (ConnectionResetError, BrokenPipeError) as e:
            self.reset = True
            self.error = "connection reset while sending, after %d bytes: %s" % (self.written, e)
        except OSError as e:
            self.error = "sending failed after %d bytes: %s" % (self.written, e)


def read_echo(sock, data, expect_eof):
    """Read the echo and compare; returns (bytes received, failure or None)."""
    received = 0
    total = len(data)
    while received < total:
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            return received, "no echo for %.1f s after %d of %d bytes" % (
                sock.gettimeout(), received, total)
        except ConnectionResetError:
            return received, "connection reset after %d of %d bytes echoed" % (received, total)
        except OSError as e:
            return received, "receive failed after %d bytes: %s" % (received, e)
        if not chunk:
            return received, "short echo: the server closed after %d of %d bytes" % (
                received, total)
        n = min(len(chunk), total - received)
        if chunk[:n] != data[received:received + n]:
            offset = received + next(i for i in range(n) if chunk[i] != data[received + i])
            return received, "mismatch at byte offset %d: sent 0x%02x, echoed 0x%02x" % (
                offset, data[offset], chunk[offset - received])
        received += n
        if len(chunk) > n:
            return received, "%d bytes more than were sent" % (len(chunk) - n)
    if expect_eof:
        try:
            extra = sock.recv(65536)
        except socket.timeout:
            return received, "the server did not close within %.1f s after the whole echo" % (
                sock.gettimeout())
        except OSError as e:
            return received, "after the whole echo: %s" % e
        if extra:
            return received, "%d bytes more than were sent" % len(extra)
    return received, None


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bytes", type=parse_size, default=16 << 20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--max-write", type=int, default=65536)
    p.add_argument("--no-eof", action="store_true",
                   help="do not require the server to close after the echo")
    args = p.parse_args(argv)
    if args.bytes < 1 or args.max_write < 1 or args.timeout <= 0:
        p.error("--bytes and --max-write must be positive, --timeout > 0")
    return args


def main(argv):
    args = parse_args(argv)
    data = random.Random(args.seed).randbytes(args.bytes)
    start = time.monotonic()
    failure = None
    received = 0
    writer = None
    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    except OSError as e:
        failure = "cannot connect to %s:%d: %s" % (args.host, args.port, e)
    if failure is None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        writer = Writer(sock, data, args.seed, args.max_write)
        writer.start()
        received, failure = read_echo(sock, data, not args.no_eof)
        writer.join(args.timeout)
        if writer.reset and (failure is None or "reset" not in failure):
            # The writer met the RST first and took the socket's error: the reader saw
            # only an end of stream. A reset it was.
            failure = "connection reset after %d of %d bytes echoed (%s)" % (
                received, args.bytes, writer.error)
        elif failure is None and writer.error:
            failure = writer.error
        sock.close()
    elapsed = max(time.monotonic() - start, 1e-9)
    summary = {
        "tool": "tcp_stream_check", "host": args.host, "port": args.port, "seed": args.seed,
        "bytes": args.bytes, "sent": writer.written if writer else 0, "echoed": received,
        "elapsed_s": round(elapsed, 6), "mbit_per_s": round(received * 8 / elapsed / 1e6, 3),
        "result": "fail" if failure else "pass", "failure": failure,
    }
    print("tcp_stream_check %s: bytes %d echoed %d elapsed %.3fs %.2f Mb/s%s"
          % (summary["result"].upper(), args.bytes, received, elapsed, summary["mbit_per_s"],
             (": " + failure) if failure else ""))
    print(json.dumps(summary, sort_keys=True))
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
