#!/usr/bin/python3
"""The wire injector: play the whole network for a guest's NIC, flood it with malformed
frames, and check that the guest's clients still answer.

QEMU attaches the guest's NIC to a UDP socket, one datagram per Ethernet frame (no FCS):

  -netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=A,
          remote.type=inet,remote.host=127.0.0.1,remote.port=B
  -device virtio-net-pci,netdev=n0

(QEMU before 7.2: -netdev socket,id=n0,udp=127.0.0.1:B,localaddr=127.0.0.1:A.) The
injector binds B (--listen) and sends to A (--qemu); --print-netdev prints the line.

  net_inject.py --qemu 127.0.0.1:A --listen 127.0.0.1:B --client IP [--client IP ...]
                [--udp-echo IP:PORT] [--tcp-echo IP:PORT] [--tcp-port PORT]
                [--frames 100000] [--seed 1] [--rate R] [--categories a,b,...]
                [--gateway-ip 10.0.2.2] [--gateway-mac 02:00:0a:00:02:02] [--prefix 24]
                [--pcap FILE] [--dry-run] ...    (--help for all)

What it does, in order:
 1. waits (--boot-wait) until every client answers ARP; learns their MACs;
 2. checks the system before the flood: ARP and ICMP echo (0, 56 and 1472 bytes) of each
    client, byte-exact UDP echoes (--udp-echo), a TCP exchange (--tcp-echo: handshake,
    a few segments, the echo, FIN). Failing here exits 3: the flood proves nothing then;
 3. sends --frames malformed frames (net_flood.py: categories, counted each), paced by a
    window of ICMP probes: after every --probe-every frames (or --probe-bytes bytes) a
    probe goes to the next client, and at most --window probes are outstanding, so the
    injector goes as fast as the guest takes frames and never overflows the socket
    buffers. --rate R paces by the clock instead (R frames/s). --max-probe-losses lost
    probes in a row end the flood: the guest stopped answering;
 4. announces the gateway again (gratuitous ARP), waits --settle seconds, and runs the
    same checks again, comparing with before.

All along it answers ARP for the gateway (and, unless --no-proxy-arp, for any address
that is not a client's, so that the guest's answers to forged sources reach it) and
resets TCP segments that belong to no connection of its own, as a real network would.

Frames are deterministic from --seed and the clients' MACs: the summary prints a digest.
--dry-run only generates them (clients' MACs made up, or given as --client IP=MAC).

Exit status: 0 the system answered everything after the flood; 1 it did not (or the
flood ended early); 2 bad usage; 3 the system did not work before the flood.
"""

import argparse
import collections
import json
import random
import select
import socket
import statistics
import struct
import sys
import time

import netpkt as P
import net_flood as F

ECHO_ID = 0xC0DE  # ICMP identifier of the checks' echo requests
PROBE_ID = 0x7E57  # ICMP identifier of the flood's probes
M32 = 0xFFFFFFFF


def seq_diff(a, b):
    """a - b in sequence space, signed."""
    return ((a - b + (1 << 31)) & M32) - (1 << 31)


# ------------------------------------------------------------------ the link


class Net:
    """The injector's end of the wire: sends frames, handles what the guest sends."""

    def __init__(self, args):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            self.sock.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
        self.sock.bind(args.listen)
        self.sock.setblocking(False)
        self.qemu = args.qemu
        self.gw_ip, self.gw_mac = args.gateway_ip, args.gateway_mac
        self.proxy_arp = args.proxy_arp
        self.client_ips = set()
        self.macs = {}  # guest IP -> MAC, as learned from the guest
        self.arp_replies = {}  # guest IP -> time of its latest ARP reply
        self.icmp = {}  # (id, seq) -> (time, source IP, payload, checksum ok)
        self.udp = {}  # our port -> list of (source IP, source port, payload, checksum ok)
        self.tcp = {}  # our port -> TcpClient
        self.rx = collections.Counter()
        self.tx_frames = self.tx_bytes = self.tx_errors = 0
        self.arp_answers = self.resets_sent = 0
        self.pcap = P.PcapWriter(args.pcap) if args.pcap else None

    def send(self, frame):
        """Send one frame; False if the host refused it (counted)."""
        for _ in range(2):
            try:
                self.sock.sendto(frame, self.qemu)
                break
            except BlockingIOError:
                select.select([], [self.sock], [], 1.0)
            except OSError:
                break
        else:
            self.tx_errors += 1
            return False
        self.tx_frames += 1
        self.tx_bytes += len(frame)
        if self.pcap:
            self.pcap.write(frame)
        return True

    def poll(self, timeout):
        """Handle what arrives within timeout seconds (at least what is there now)."""
        readable, _, _ = select.select([self.sock], [], [], max(timeout, 0.0))
        if not readable:
            return
        for _ in range(1024):
            try:
                frame, peer = self.sock.recvfrom(65536)
            except BlockingIOError:
                return
            except ConnectionRefusedError:
                self.rx["icmp-error-from-host"] += 1
                continue
            if peer != self.qemu:
                self.rx["datagram-not-from-qemu"] += 1
                continue
            if self.pcap:
                self.pcap.write(frame)
            self.handle(frame)

    def wait(self, condition, timeout):
        """Poll until condition() holds or timeout seconds pass; returns condition()."""
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return condition()
            self.poll(min(left, 0.05))
        return True

    # -------------------------------------------------------------- receiving

    def handle(self, frame):
        self.rx["frames"] += 1
        try:
            eth = P.eth_parse(frame)
            if eth.ethertype == P.ETHERTYPE_ARP:
                self.on_arp(eth, P.arp_parse(eth.payload))
            elif eth.ethertype == P.ETHERTYPE_IPV4:
                self.on_ipv4(eth, P.ipv4_parse(eth.payload))
            else:
                self.rx["ethertype-0x%04x" % eth.ethertype] += 1
        except P.Malformed as e:
            self.rx["malformed: " + str(e).split(" (")[0]] += 1

    def is_guest_ip(self, ip):
        return ip in self.client_ips or ip in self.macs

    def on_arp(self, eth, arp):
        self.rx["arp-request" if arp.op == P.ARP_REQUEST else "arp-reply"] += 1
        if arp.spa != b"\x00" * 4:
            self.macs[arp.spa] = arp.sha
        if arp.op == P.ARP_REPLY:
            self.arp_replies[arp.spa] = time.monotonic()
            return
        if arp.op != P.ARP_REQUEST or arp.tpa == arp.spa:
            return  # gratuitous, or a probe for its own address: never answered
        if arp.tpa == self.gw_ip or (self.proxy_arp and not self.is_guest_ip(arp.tpa)
                                     and arp.tpa[0] not in (0, 127) and arp.tpa[0] < 224
                                     and arp.tpa != b"\xff" * 4):
            self.arp_answers += 1
            self.send(P.arp_frame(arp.sha, self.gw_mac, P.ARP_REPLY, self.gw_mac, arp.tpa,
                                  arp.sha, arp.spa))

    def on_ipv4(self, eth, ip):
        if not ip.checksum_ok:
            self.rx["ipv4-bad-checksum"] += 1
            return
        if ip.src in self.client_ips:
            self.macs[ip.src] = eth.src
        if ip.is_fragment():
            self.rx["ipv4-fragment"] += 1
            return
        if ip.proto == P.PROTO_ICMP:
            self.on_icmp(ip, P.icmp_parse(ip))
        elif ip.proto == P.PROTO_UDP:
            udp = P.udp_parse(ip)
            inbox = self.udp.get(udp.dport)
            if inbox is None:
                self.rx["udp-other"] += 1
            else:
                inbox.append((ip.src, udp.sport, udp.payload, udp.checksum_ok))
        elif ip.proto == P.PROTO_TCP:
            tcp = P.tcp_parse(ip)
            conn = self.tcp.get(tcp.dport)
            if conn is not None and conn.matches(ip, tcp):
                conn.on_segment(tcp)
            else:
                self.rx["tcp-other"] += 1
                self.reset_stray(eth, ip, tcp)
        else:
            self.rx["ipv4-proto-%d" % ip.proto] += 1

    def on_icmp(self, ip, icmp):
        if icmp.type == P.ICMP_ECHO_REPLY:
            ident, seq = icmp.echo_id_seq()
            self.icmp[(ident, seq)] = (time.monotonic(), ip.src, icmp.payload, icmp.checksum_ok)
            self.rx["icmp-echo-reply"] += 1
        else:
            self.rx["icmp-type-%d" % icmp.type] += 1

    def reset_stray(self, eth, ip, tcp):
        """Answer a segment of no connection of ours with RST (RFC 9293, 3.10.7.1)."""
        if tcp.flags & P.TCP_RST or not tcp.checksum_ok or self.is_guest_ip(ip.dst):
            return
        if tcp.flags & P.TCP_ACK:
            seq, ack, flags = tcp.ack, 0, P.TCP_RST
        else:
            length = len(tcp.payload) + bool(tcp.flags & P.TCP_SYN) + bool(tcp.flags & P.TCP_FIN)
            seq, ack, flags = 0, (tcp.seq + length) & M32, P.TCP_RST | P.TCP_ACK
        self.resets_sent += 1
        self.send(P.tcp_frame(eth.src, self.gw_mac, ip.dst, ip.src, tcp.dport, tcp.sport,
                              seq, ack, flags, window=0))

    # -------------------------------------------------------------- helpers for the checks

    def arp_request(self, ip):
        self.send(P.arp_frame(P.BROADCAST_MAC, self.gw_mac, P.ARP_REQUEST, self.gw_mac,
                              self.gw_ip, P.ZERO_MAC, ip))

    def announce(self):
        """Gratuitous ARP for the gateway, as a router does after a change."""
        self.send(P.arp_frame(P.BROADCAST_MAC, self.gw_mac, P.ARP_REQUEST, self.gw_mac,
                              self.gw_ip, P.ZERO_MAC, self.gw_ip))

    def resolve(self, ip, timeout, interval=0.5):
        """ARP for ip until it replies; its MAC or None."""
        asked = time.monotonic()
        deadline = asked + timeout
        while time.monotonic() < deadline:
            sent = time.monotonic()
            self.arp_request(ip)
            if self.wait(lambda: self.arp_replies.get(ip, 0) >= sent,
                         min(interval, deadline - time.monotonic())):
                return self.macs[ip]
        return None

    def mac_of(self, ip):
        return self.macs.get(ip) or P.BROADCAST_MAC


# ------------------------------------------------------------------ TCP, just enough


class TcpClient:
    """A minimal TCP client for the echo check: one connection, in-order data,
    go-back-N retransmission, no options but MSS."""

    def __init__(self, net, dst_ip, dst_port, src_port, rng):
        self.net, self.dst_ip, self.dst_port, self.src_port = net, dst_ip, dst_port, src_port
        self.iss = rng.getrandbits(32)
        self.irs = None
        self.state = "syn-sent"
        self.acked = 0  # bytes of ours acknowledged (offsets from iss + 1; FIN counts one)
        self.sent_max = 0
        self.peer_window = 0
        self.peer_mss = 536
        self.received = bytearray()
        self.peer_fin = False
        self.reset = False
        self.bad_checksums = 0
        self.last_progress = time.monotonic()
        net.tcp[src_port] = self

    def matches(self, ip, tcp):
        return ip.src == self.dst_ip and tcp.sport == self.dst_port

    def rcv_nxt(self):
        if self.irs is None:
            return 0
        return (self.irs + 1 + len(self.received) + (1 if self.peer_fin else 0)) & M32

    def send(self, flags, offset=0, payload=b"", options=b""):
        seq = (self.iss + (0 if flags & P.TCP_SYN else 1 + offset)) & M32
        ack = self.rcv_nxt()
        if self.irs is not None:
            flags |= P.TCP_ACK
        self.net.send(P.tcp_frame(self.net.mac_of(self.dst_ip), self.net.gw_mac, self.net.gw_ip,
                                  self.dst_ip, self.src_port, self.dst_port, seq, ack, flags,
                                  payload, window=65535, options=options))

    def on_segment(self, tcp):
        if not tcp.checksum_ok:
            self.bad_checksums += 1
            return
        if tcp.flags & P.TCP_RST:
            self.reset = True
            return
        if self.state == "syn-sent":
            if tcp.flags & (P.TCP_SYN | P.TCP_ACK) == P.TCP_SYN | P.TCP_ACK \
                    and tcp.ack == (self.iss + 1) & M32:
                self.irs = tcp.seq
                self.peer_mss = tcp.mss()
                self.peer_window = tcp.window
                self.state = "established"
                self.last_progress = time.monotonic()
                self.send(0)
            return
        if tcp.flags & P.TCP_SYN:  # our ACK of the SYN was lost: the SYN-ACK again
            self.send(0)
            return
        if tcp.flags & P.TCP_ACK:
            acked = seq_diff(tcp.ack, self.iss + 1)
            if self.acked < acked <= self.sent_max:
                self.acked = acked
                self.last_progress = time.monotonic()
            self.peer_window = tcp.window
        length = len(tcp.payload)
        if not length and not tcp.flags & P.TCP_FIN:
            return
        offset = seq_diff(tcp.seq, self.irs + 1)
        have = len(self.received)
        if not self.peer_fin and offset <= have <= offset + length:
            self.received += tcp.payload[have - offset:]
            if tcp.flags & P.TCP_FIN:
                self.peer_fin = True
        self.send(0)  # acknowledge (again, for a duplicate or a gap)

    def connect(self, deadline, rto):
        while time.monotonic() < deadline:
            self.send(P.TCP_SYN, options=P.tcp_mss_option(1460))
            if self.net.wait(lambda: self.state == "established" or self.reset,
                             min(rto, max(deadline - time.monotonic(), 0))):
                return not self.reset
        return False

    def transfer(self, data, plan, deadline, rto):
        """Send data in segments sized by plan (cycled), until all is acked and echoed."""
        sent = 0
        piece = 0
        while not self.reset and (self.acked < len(data) or len(self.received) < len(data)):
            now = time.monotonic()
            if now >= deadline:
                return False
            while sent < len(data) and sent - self.acked < self.peer_window:
                size = min(plan[piece % len(plan)], self.peer_mss, len(data) - sent,
                           self.peer_window - (sent - self.acked))
                if size <= 0:
                    break
                piece += 1
                self.send(P.TCP_PSH, sent, data[sent:sent + size])
                sent += size
                self.sent_max = max(self.sent_max, sent)
            self.net.poll(0.02)
            if self.acked < sent and time.monotonic() - self.last_progress > rto:
                sent = self.acked  # go back N
                self.last_progress = time.monotonic()
            if sent == self.acked == len(data) and len(self.received) < len(data) \
                    and time.monotonic() - self.last_progress > rto:
                self.send(0)  # nudge: repeat our ACK so a lost echo gets retransmitted
                self.last_progress = time.monotonic()
        return not self.reset

    def close(self, data_length, deadline, rto):
        """Send FIN; wait for its ACK and the peer's FIN. (acked, peer closed)."""
        fin_offset = data_length
        self.sent_max = fin_offset + 1
        while time.monotonic() < deadline and not self.reset:
            self.send(P.TCP_FIN, fin_offset)
            self.net.wait(lambda: (self.acked > fin_offset and self.peer_fin) or self.reset,
                          min(rto, max(deadline - time.monotonic(), 0)))
            if self.acked > fin_offset and self.peer_fin:
                break
        return self.acked > fin_offset, self.peer_fin

    def abort(self):
        self.send(P.TCP_RST, self.sent_max)
        self.net.tcp.pop(self.src_port, None)


# ------------------------------------------------------------------ checks


class Check:
    def __init__(self, name, ok, detail, rtt_ms=None):
        self.name, self.ok, self.detail, self.rtt_ms = name, ok, detail, rtt_ms

    def as_dict(self):
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "rtt_ms": self.rtt_ms}


class Checker:
    """The valid-traffic checks, run before and after the flood."""

    def __init__(self, net, args):
        self.net, self.args = net, args
        self.rng = random.Random(args.seed ^ 0xC4EC)
        self.echo_seq = 0
        self.port = F.CHECK_PORT_FIRST
        self.known_macs = {}

    def next_port(self):
        self.port = self.port + 1 if self.port < F.CHECK_PORT_LAST else F.CHECK_PORT_FIRST
        return self.port

    def arp(self, ip):
        name = "arp %s" % P.ip_str(ip)
        start = time.monotonic()
        mac = self.net.resolve(ip, self.args.check_timeout)
        if mac is None:
            return Check(name, False, "no ARP reply within %.1f s" % self.args.check_timeout)
        rtt = (time.monotonic() - start) * 1000
        before = self.known_macs.setdefault(ip, mac)
        if before != mac:
            return Check(name, False, "MAC changed from %s to %s" % (P.mac_str(before), P.mac_str(mac)))
        return Check(name, True, P.mac_str(mac), round(rtt, 3))

    def ping(self, ip):
        name = "ping %s" % P.ip_str(ip)
        rtts = []
        for size in (0, 56, 1472):
            self.echo_seq = (self.echo_seq + 1) & 0xFFFF
            key = (ECHO_ID, self.echo_seq)
            payload = self.rng.randbytes(size)
            deadline = time.monotonic() + self.args.check_timeout
            answered = False
            while time.monotonic() < deadline and not answered:
                sent = time.monotonic()
                self.net.send(P.icmp_echo_frame(self.net.mac_of(ip), self.net.gw_mac,
                                                self.net.gw_ip, ip, P.ICMP_ECHO_REQUEST,
                                                ECHO_ID, self.echo_seq, payload))
                answered = self.net.wait(lambda: key in self.net.icmp,
                                         min(1.0, deadline - time.monotonic()))
            if not answered:
                return Check(name, False, "no echo reply to a %d-byte ping within %.1f s"
                             % (size, self.args.check_timeout))
            stamp, src, data, checksum_ok = self.net.icmp.pop(key)
            if src != ip or data != payload or not checksum_ok:
                return Check(name, False, "the reply to a %d-byte ping is wrong (from %s, %d "
                             "bytes, checksum %s)" % (size, P.ip_str(src), len(data),
                                                      "ok" if checksum_ok else "bad"))
            rtts.append((stamp - sent) * 1000)
        return Check(name, True, "0, 56 and 1472 bytes echoed", round(statistics.median(rtts), 3))

    def udp(self, ip, port):
        name = "udp-echo %s:%d" % (P.ip_str(ip), port)
        sport = self.next_port()
        inbox = self.net.udp.setdefault(sport, [])
        sizes = [1, 2, 3, 4, 64, 512, 1471, 1472] + \
            [self.rng.randint(1, 1472) for _ in range(max(0, self.args.udp_count - 8))]
        rtts = []
        try:
            for i, size in enumerate(sizes[:self.args.udp_count]):
                payload = self.rng.randbytes(size)
                deadline = time.monotonic() + self.args.check_timeout
                got = None
                while time.monotonic() < deadline and got is None:
                    sent = time.monotonic()
                    self.net.send(P.udp_frame(self.net.mac_of(ip), self.net.gw_mac, self.net.gw_ip,
                                              ip, sport, port, payload))
                    self.net.wait(lambda: inbox, min(1.0, deadline - time.monotonic()))
                    while inbox:
                        src, src_port, data, checksum_ok = inbox.pop(0)
                        if src != ip or src_port != port:
                            continue
                        if data != payload or not checksum_ok:
                            return Check(name, False, "datagram %d (%d bytes) came back wrong: "
                                         "%d bytes, checksum %s" % (i, size, len(data),
                                                                    "ok" if checksum_ok else "bad"))
                        got = time.monotonic()
                if got is None:
                    return Check(name, False, "datagram %d (%d bytes) not echoed within %.1f s"
                                 % (i, size, self.args.check_timeout))
                rtts.append((got - sent) * 1000)
        finally:
            del self.net.udp[sport]
        return Check(name, True, "%d datagrams (1 to 1472 bytes) echoed byte-exact" % len(rtts),
                     round(statistics.median(rtts), 3))

    def tcp(self, ip, port):
        name = "tcp-echo %s:%d" % (P.ip_str(ip), port)
        data = self.rng.randbytes(self.args.tcp_bytes)
        rto = 1.0
        deadline = time.monotonic() + self.args.check_timeout * 3
        conn = TcpClient(self.net, ip, port, self.next_port(), self.rng)
        start = time.monotonic()
        try:
            if not conn.connect(min(deadline, start + self.args.check_timeout), rto):
                return Check(name, False, "reset by the server on connect" if conn.reset
                             else "no SYN-ACK within %.1f s" % self.args.check_timeout)
            handshake_ms = (time.monotonic() - start) * 1000
            if not conn.transfer(data, [1, 100, 1460], deadline, rto):
                return Check(name, False, "%s after %d of %d bytes acked, %d echoed" % (
                    "reset" if conn.reset else "timed out", conn.acked, len(data),
                    len(conn.received)))
            if bytes(conn.received[:len(data)]) != data or len(conn.received) > len(data):
                return Check(name, False, "the echo differs from what was sent (%d bytes for %d)"
                             % (len(conn.received), len(data)))
            fin_acked, peer_closed = conn.close(len(data), deadline, rto)
            if not fin_acked:
                return Check(name, False, "our FIN was not acknowledged")
            detail = "%d bytes echoed in segments of 1, 100 and up to %d; FIN acked, %s" % (
                len(data), conn.peer_mss,
                "server closed too" if peer_closed else "server did not close (reset)")
            return Check(name, True, detail, round(handshake_ms, 3))
        finally:
            if not (conn.peer_fin and conn.acked > len(data)):
                conn.abort()
            self.net.tcp.pop(conn.src_port, None)

    def run(self, label):
        args = self.args
        results = []
        for ip in args.all_client_ips:
            results.append(self.arp(ip))
        for ip in args.client_ips:
            results.append(self.ping(ip))
        for ip, port in args.udp_echo:
            results.append(self.udp(ip, port))
        for ip, port in args.tcp_echo:
            results.append(self.tcp(ip, port))
        for r in results:
            print("net_inject: %-6s %-4s %-28s %s%s" % (
                label, "ok" if r.ok else "FAIL", r.name, r.detail,
                "" if r.rtt_ms is None else " (%.2f ms)" % r.rtt_ms), flush=True)
        return results


# ------------------------------------------------------------------ the flood


class Prober:
    """ICMP echo probes between stretches of the flood: the flood's window and its
    evidence that the guest still answers while it runs."""

    def __init__(self, net, clients, timeout):
        self.net, self.clients, self.timeout = net, clients, timeout
        self.seq = 0
        self.outstanding = {}  # seq -> (time sent, payload)
        self.expired = {}
        self.sent = self.answered = self.lost = self.late = self.wrong = 0
        self.consecutive_lost = 0
        self.rtts = []

    def send(self):
        self.seq = (self.seq + 1) & 0xFFFF
        ip = self.clients[self.seq % len(self.clients)]
        payload = struct.pack("!H", self.seq) * 16
        self.net.send(P.icmp_echo_frame(self.net.mac_of(ip), self.net.gw_mac, self.net.gw_ip, ip,
                                        P.ICMP_ECHO_REQUEST, PROBE_ID, self.seq, payload))
        self.outstanding[self.seq] = (time.monotonic(), payload)
        self.sent += 1

    def update(self):
        now = time.monotonic()
        for seq, (sent, payload) in list(self.outstanding.items()):
            reply = self.net.icmp.pop((PROBE_ID, seq), None)
            if reply is not None:
                del self.outstanding[seq]
                self.answered += 1
                self.consecutive_lost = 0
                self.rtts.append((reply[0] - sent) * 1000)
                if reply[2] != payload or not reply[3]:
                    self.wrong += 1
            elif now - sent > self.timeout:
                del self.outstanding[seq]
                self.expired[seq] = payload
                self.lost += 1
                self.consecutive_lost += 1
        for seq in list(self.expired):
            if self.net.icmp.pop((PROBE_ID, seq), None) is not None:
                del self.expired[seq]
                self.late += 1

    def summary(self):
        return {"sent": self.sent, "answered": self.answered, "lost": self.lost,
                "late": self.late, "wrong": self.wrong,
                "rtt_ms_median": round(statistics.median(self.rtts), 3) if self.rtts else None,
                "rtt_ms_max": round(max(self.rtts), 3) if self.rtts else None}


def run_flood(net, flood, args, prober):
    """Send the flood; returns (frames sent, per-category sent, seconds, why it stopped early)."""
    sent = collections.Counter()
    since_frames = since_bytes = 0
    interval = 1.0 / args.rate if args.rate else 0.0
    start = time.monotonic()
    next_time = start
    stopped = None
    for i, (category, frame) in enumerate(flood.frames(args.frames)):
        if interval:
            while time.monotonic() < next_time:
                net.poll(next_time - time.monotonic())
            next_time += interval
        if net.send(frame):
            sent[category] += 1
        since_frames += 1
        since_bytes += len(frame)
        if since_frames >= args.probe_every or since_bytes >= args.probe_bytes:
            prober.send()
            since_frames = since_bytes = 0
            while True:
                net.poll(0 if interval else 0.005)
                prober.update()
                if prober.consecutive_lost >= args.max_probe_losses:
                    stopped = "%d probes in a row unanswered after frame %d (%s)" % (
                        prober.consecutive_lost, i + 1, category)
                    break
                if interval or len(prober.outstanding) < args.window:
                    break
            if stopped:
                break
        elif i % 16 == 0:
            net.poll(0)
        if args.progress and (i + 1) % args.progress == 0:
            print("net_inject: %d frames, %.1f s" % (i + 1, time.monotonic() - start), flush=True)
    elapsed = time.monotonic() - start
    net.wait(lambda: prober.update() or not prober.outstanding, args.probe_timeout + 0.1)
    return sum(sent.values()), sent, elapsed, stopped


# ------------------------------------------------------------------ main


def parse_client(text):
    ip, _, mac = text.partition("=")
    return P.ip_bytes(ip), (P.mac_bytes(mac) if mac else None)


def parse_service(text):
    host, port = P.host_port(text)
    return P.ip_bytes(host), port


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Categories:\n" + "\n".join("  %-20s %s" % c for c in F.CATEGORIES))
    p.add_argument("--qemu", type=P.host_port, default=("127.0.0.1", 10001),
                   help="where QEMU's dgram netdev listens (its local.*; default 127.0.0.1:10001)")
    p.add_argument("--listen", type=P.host_port, default=("127.0.0.1", 10002),
                   help="where the injector listens (QEMU's remote.*; default 127.0.0.1:10002)")
    p.add_argument("--client", action="append", default=[], metavar="IP[=MAC]",
                   help="a client's address (repeatable); a MAC is only for --dry-run")
    p.add_argument("--udp-echo", action="append", default=[], type=parse_service, metavar="IP:PORT")
    p.add_argument("--tcp-echo", action="append", default=[], type=parse_service, metavar="IP:PORT")
    p.add_argument("--tcp-port", action="append", default=[], type=int, metavar="PORT",
                   help="another open TCP port of the clients for the flood (e.g. 80)")
    p.add_argument("--gateway-ip", type=P.ip_bytes, default=P.ip_bytes("10.0.2.2"))
    p.add_argument("--gateway-mac", type=P.mac_bytes, default=P.mac_bytes("02:00:0a:00:02:02"))
    p.add_argument("--prefix", type=int, default=24, help="the subnet's prefix length")
    p.add_argument("--no-proxy-arp", dest="proxy_arp", action="store_false",
                   help="answer ARP only for the gateway address")
    p.add_argument("--frames", type=int, default=100000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--categories", help="comma-separated subset of the categories (default all)")
    p.add_argument("--rate", type=float, default=0.0, help="frames/s (default: probe window)")
    p.add_argument("--window", type=int, default=2, help="probes outstanding at most")
    p.add_argument("--probe-every", type=int, default=32, help="frames between probes")
    p.add_argument("--probe-bytes", type=int, default=49152, help="bytes between probes at most")
    p.add_argument("--probe-timeout", type=float, default=1.0)
    p.add_argument("--max-probe-losses", type=int, default=10,
                   help="lost probes in a row that end the flood")
    p.add_argument("--boot-wait", type=float, default=60.0,
                   help="seconds to wait for the clients' first ARP replies")
    p.add_argument("--check-timeout", type=float, default=5.0, help="seconds per check step")
    p.add_argument("--settle", type=float, default=1.0, help="seconds between flood and checks")
    p.add_argument("--udp-count", type=int, default=16, help="datagrams per UDP echo check")
    p.add_argument("--tcp-bytes", type=int, default=4000, help="bytes in the TCP echo check")
    p.add_argument("--pcap", help="write every frame sent and received to this pcap file")
    p.add_argument("--progress", type=int, default=0, metavar="N", help="a line every N frames")
    p.add_argument("--dry-run", action="store_true", help="generate the frames only")
    p.add_argument("--print-netdev", action="store_true", help="print QEMU's -netdev and exit")
    args = p.parse_args(argv)
    clients = [parse_client(c) for c in args.client]
    args.client_ips = [ip for ip, _ in clients]
    args.given_macs = {ip: mac for ip, mac in clients if mac}
    args.all_client_ips = list(dict.fromkeys(
        args.client_ips + [ip for ip, _ in args.udp_echo + args.tcp_echo]))
    if args.categories:
        args.categories = [c.strip() for c in args.categories.split(",") if c.strip()]
        unknown = [c for c in args.categories if c not in F.CATEGORY_NAMES]
        if unknown:
            p.error("unknown categories: %s" % ", ".join(unknown))
    if not args.print_netdev and not args.all_client_ips:
        p.error("give at least one --client (or --udp-echo/--tcp-echo)")
    if args.frames < 0 or args.window < 1 or args.probe_every < 1 or not 8 <= args.prefix <= 30:
        p.error("--frames >= 0, --window and --probe-every >= 1, --prefix 8 to 30")
    if args.rate < 0 or args.udp_count < 1 or args.tcp_bytes < 1:
        p.error("--rate >= 0, --udp-count and --tcp-bytes >= 1")
    return args


def netdev_line(args):
    return ("-netdev dgram,id=n0,local.type=inet,local.host=%s,local.port=%d,"
            "remote.type=inet,remote.host=%s,remote.port=%d" % (args.qemu + args.listen))


def flood_context(args, macs):
    clients = [(ip, macs[ip]) for ip in args.all_client_ips]
    udp_ports = collections.defaultdict(list)
    tcp_ports = collections.defaultdict(list)
    for ip, port in args.udp_echo:
        udp_ports[ip].append(port)
    for ip, port in args.tcp_echo:
        tcp_ports[ip].append(port)
    for port in args.tcp_port:
        for ip in args.all_client_ips:
            tcp_ports[ip].append(port)
    return F.FloodContext(args.gateway_ip, args.gateway_mac, args.prefix, clients,
                          dict(udp_ports), dict(tcp_ports))


def print_categories(flood, sent):
    for name in flood.categories:
        print("net_inject: flood %-20s %7d frames" % (name, sent.get(name, 0)))


def dry_run(args):
    macs = {ip: args.given_macs.get(ip, b"\x02\x00" + ip) for ip in args.all_client_ips}
    flood = F.Flood(args.seed, flood_context(args, macs), args.categories)
    pcap = P.PcapWriter(args.pcap) if args.pcap else None
    total = size = 0
    for _, frame in flood.frames(args.frames):
        total += 1
        size += len(frame)
        if pcap:
            pcap.write(frame, stamp=0)
    print_categories(flood, flood.counts)
    result = {"tool": "net_inject", "mode": "dry-run", "seed": args.seed, "frames": total,
              "bytes": size, "categories": flood.counts, "digest": flood.digest.hexdigest()}
    print("net_inject: dry run: %d frames, %d bytes, digest %s" % (total, size, result["digest"]))
    print(json.dumps(result, sort_keys=True))
    return 0


def main(argv):
    args = parse_args(argv)
    if args.print_netdev:
        print(netdev_line(args))
        return 0
    if args.dry_run:
        return dry_run(args)
    net = Net(args)
    net.client_ips = set(args.all_client_ips)
    print("net_inject: QEMU needs %s -device virtio-net-pci,netdev=n0" % netdev_line(args), flush=True)
    result = {"tool": "net_inject", "seed": args.seed, "frames_requested": args.frames}

    def finish(status, verdict):
        result.update(result=verdict, exit_status=status, rx=dict(net.rx),
                      tx_frames=net.tx_frames, tx_errors=net.tx_errors,
                      arp_answers=net.arp_answers, resets_sent=net.resets_sent)
        print("net_inject: %s" % verdict, flush=True)
        print(json.dumps(result, sort_keys=True))
        if net.pcap:
            net.pcap.close()
        return status

    # 1. the clients appear
    deadline = time.monotonic() + args.boot_wait
    missing = [ip for ip in args.all_client_ips
               if net.resolve(ip, max(deadline - time.monotonic(), 1.0), interval=1.0) is None]
    if missing:
        return finish(3, "FAIL before the flood: no ARP reply from %s within %.0f s (is the "
                      "guest up, and is QEMU's netdev as printed above?)" % (
                          ", ".join(P.ip_str(ip) for ip in missing), args.boot_wait))
    # 2. before
    checker = Checker(net, args)
    before = checker.run("before")
    result["before"] = [c.as_dict() for c in before]
    failed = [c for c in before if not c.ok]
    if failed:
        return finish(3, "FAIL before the flood: %s: %s (the flood would prove nothing)" % (
            failed[0].name, failed[0].detail))
    # 3. the flood
    flood = F.Flood(args.seed, flood_context(args, net.macs), args.categories)
    prober = Prober(net, args.client_ips or args.all_client_ips, args.probe_timeout)
    rx_before = collections.Counter(net.rx)
    total, sent, elapsed, stopped = run_flood(net, flood, args, prober)
    print_categories(flood, sent)
    print("net_inject: flood: %d of %d frames sent (%d refused by the host) in %.1f s, %.0f "
          "frames/s; probes %s" % (total, args.frames, net.tx_errors, elapsed,
                                   total / max(elapsed, 1e-9), prober.summary()), flush=True)
    rx_during = collections.Counter(net.rx)
    rx_during.subtract(rx_before)
    result.update(frames_sent=total, categories=dict(sent), flood_seconds=round(elapsed, 3),
                  digest=flood.digest.hexdigest(), probes=prober.summary(),
                  rx_during_flood={k: v for k, v in rx_during.items() if v},
                  stopped_early=stopped)
    # 4. after
    net.announce()
    net.wait(lambda: False, args.settle)
    after = checker.run("after")
    result["after"] = [c.as_dict() for c in after]
    for b, a in zip(before, after):
        if b.rtt_ms is not None and a.rtt_ms is not None:
            print("net_inject: compare %-28s before %.2f ms, after %.2f ms" % (a.name, b.rtt_ms, a.rtt_ms))
    failed = [c for c in after if not c.ok]
    if failed:
        return finish(1, "FAIL after the flood: " + "; ".join(
            "%s: %s" % (c.name, c.detail) for c in failed))
    if stopped:
        return finish(1, "FAIL: the flood ended early: %s (the guest answers again now)" % stopped)
    if prober.wrong:
        return finish(1, "FAIL: %d probes came back with the wrong bytes" % prober.wrong)
    if total < args.frames:
        return finish(1, "FAIL: only %d of %d frames could be sent" % (total, args.frames))
    return finish(0, "PASS: %d malformed frames in %d categories; every check answered after "
                  "the flood as before" % (total, len(sent)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
