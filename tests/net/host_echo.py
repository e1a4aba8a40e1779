#!/usr/bin/python3
"""Host-local stand-ins for the guest's servers: a UDP echo, a TCP echo and an HTTP status
page, each with faults that the checkers must catch (the self-tests, selftest.py).

  host_echo.py [--host 127.0.0.1] [--udp PORT] [--tcp PORT] [--http PORT] [faults...]

A port of 0 picks a free one. When every server listens, one line goes to stdout:

  READY udp=PORT tcp=PORT http=PORT

and the servers run until SIGTERM/SIGINT. Faults (each off by default):

  --udp-corrupt N      flip one byte (the middle one) of the Nth datagram received
  --udp-drop N         drop N datagrams (arrivals 50, 150, 250, ...) and every later copy
                       of the same bytes, so a checker's retries of them are lost too
  --udp-drop-every K   drop one datagram in K (arrival index divisible by K)
  --udp-duplicate N    echo the Nth datagram twice
  --udp-rate-limit R   echo at most R datagrams/s (token bucket, burst R/50); drop the rest
  --tcp-flip OFFSET    flip the byte at stream offset OFFSET of every connection
  --tcp-truncate N     echo N bytes, then close the sending side (a short echo)
  --tcp-reset N        echo N bytes, then reset the connection (RST)
  --tcp-stall N        echo N bytes, then stop echoing but keep the connection open
  --http-status CODE   the status page's status (default 200)
  --http-body TEXT     the status page's body (default "bastion status: up")
"""

import argparse
import http.server
import signal
import socket
import socketserver
import struct
import sys
import threading
import time


class UdpEcho:
    """Echoes every datagram to its sender, applying the UDP faults."""

    def __init__(self, sock, args):
        self.sock = sock
        self.args = args
        self.arrivals = 0
        self.dropped_bytes = set()
        self.drop_at = {50 + 100 * i for i in range(args.udp_drop)}
        self.tokens = 0.0
        self.last_refill = time.monotonic()

    def rate_allows(self):
        rate = self.args.udp_rate_limit
        if not rate:
            return True
        now = time.monotonic()
        self.tokens = min(max(rate / 50.0, 1.0), self.tokens + (now - self.last_refill) * rate)
        self.last_refill = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def handle(self, data, peer):
        self.arrivals += 1
        n = self.arrivals
        if data in self.dropped_bytes:
            return
        if n in self.drop_at:
            self.dropped_bytes.add(data)
            return
        if self.args.udp_drop_every and n % self.args.udp_drop_every == 0:
            return
        if not self.rate_allows():
            return
        if n == self.args.udp_corrupt and data:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0x5A]) + data[middle + 1:]
        copies = 2 if n == self.args.udp_duplicate else 1
        for _ in range(copies):
            try:
                self.sock.sendto(data, peer)
            except OSError:
                pass  # the sender went away; a UDP echo has nobody to tell

    def serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(65536)
            except OSError:
                return
            self.handle(data, peer)


class TcpEchoConnection(threading.Thread):
    """Echoes one connection's bytes back, applying the TCP faults."""

    def __init__(self, conn, args):
        super().__init__(daemon=True)
        self.conn = conn
        self.args = args
        self.offset = 0

    def apply_flip(self, data):
        flip = self.args.tcp_flip
        if flip is not None and self.offset <= flip < self.offset + len(data):
            i = flip - self.offset
            data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
        return data

    def limit(self):
        for value in (self.args.tcp_truncate, self.args.tcp_reset, self.args.tcp_stall):
            if value is not None:
                return value
        return None

    def end_at_limit(self):
        if self.args.tcp_reset is not None:
            self.conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.conn.close()
        elif self.args.tcp_stall is not None:
            while True:  # hold the connection open, read nothing more
                time.sleep(3600)
        else:  # truncate: close our side, but read on so the peer sees FIN, not RST
            self.conn.shutdown(socket.SHUT_WR)
            while self.conn.recv(65536):
                pass
            self.conn.close()

    def run(self):
        limit = self.limit()
        try:
            while True:
                data = self.conn.recv(65536)
                if not data:
                    break
                if limit is not None and self.offset + len(data) >= limit:
                    data = data[:limit - self.offset]
                    self.conn.sendall(self.apply_flip(data))
                    self.offset += len(data)
                    self.end_at_limit()
                    return
                self.conn.sendall(self.apply_flip(data))
                self.offset += len(data)
            self.conn.shutdown(socket.SHUT_WR)
            self.conn.close()
        except OSError:
            self.conn.close()


def serve_tcp(listener, args):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        TcpEchoConnection(conn, args).start()


def make_http_handler(args):
    body = args.http_body.encode()

    class StatusHandler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(args.http_status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    return StatusHandler


class HttpServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--udp", type=int, help="UDP echo port (0: any free one)")
    p.add_argument("--tcp", type=int, help="TCP echo port (0: any free one)")
    p.add_argument("--http", type=int, help="HTTP status port (0: any free one)")
    p.add_argument("--udp-corrupt", type=int, default=0, metavar="N")
    p.add_argument("--udp-drop", type=int, default=0, metavar="N")
    p.add_argument("--udp-drop-every", type=int, default=0, metavar="K")
    p.add_argument("--udp-duplicate", type=int, default=0, metavar="N")
    p.add_argument("--udp-rate-limit", type=float, default=0, metavar="R")
    p.add_argument("--tcp-flip", type=int, metavar="OFFSET")
    p.add_argument("--tcp-truncate", type=int, metavar="N")
    p.add_argument("--tcp-reset", type=int, metavar="N")
    p.add_argument("--tcp-stall", type=int, metavar="N")
    p.add_argument("--http-status", type=int, default=200)
    p.add_argument("--http-body", default="bastion status: up")
    args = p.parse_args(argv)
    if args.udp is None and args.tcp is None and args.http is None:
        p.error("give at least one of --udp, --tcp, --http")
    return args


def main(argv):
    args = parse_args(argv)
    ready = []
    threads = []
    if args.udp is not None:
        usock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        usock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        usock.bind((args.host, args.udp))
        ready.append("udp=%d" % usock.getsockname()[1])
        threads.append(threading.Thread(target=UdpEcho(usock, args).serve, daemon=True))
    if args.tcp is not None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((args.host, args.tcp))
        listener.listen(16)
        ready.append("tcp=%d" % listener.getsockname()[1])
        threads.append(threading.Thread(target=serve_tcp, args=(listener, args), daemon=True))
    if args.http is not None:
        httpd = HttpServer((args.host, args.http), make_http_handler(args))
        ready.append("http=%d" % httpd.server_address[1])
        threads.append(threading.Thread(target=httpd.serve_forever, daemon=True))
    for t in threads:
        t.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("READY " + " ".join(ready), flush=True)
    while not stop.wait(0.5):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
