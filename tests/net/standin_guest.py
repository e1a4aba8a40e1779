#!/usr/bin/python3
"""A stand-in for the guest behind QEMU's dgram netdev, so that net_inject.py can be tested
on the host: it binds where QEMU would (--local) and sends where QEMU would (--remote),
one datagram per Ethernet frame, and plays several clients on the one wire:

  standin_guest.py --local 127.0.0.1:A --remote 127.0.0.1:B --client IP [--client IP ...]
                   [--udp-echo IP:PORT] [--tcp-echo IP:PORT] [--gateway 10.0.2.2]
                   [--prefix 24] [--arp-ttl 5] [--duration S] [faults]

Each client has its own MAC (02:5a:00:00:00:01, ...; or --client IP=MAC) and answers ARP
requests for its address, ICMP echo requests, UDP echo on its --udp-echo ports (ICMP port
unreachable on the others) and TCP echo on its --tcp-echo ports (a small TCP: handshake,
in-order data echoed back, retransmission, FIN; RST for segments of no connection). It
resolves where it sends through ARP (the gateway for other subnets), with a cache whose
entries expire after --arp-ttl seconds, so the injector's ARP answers are exercised too.
Frames not for one of its MACs (or broadcast) are ignored, as an RX virtualiser would;
anything malformed (checksums included) is dropped and counted by reason.

It must survive any frame: an exception while handling one is counted (and its
traceback printed) and makes the exit status 1. On SIGTERM, SIGINT or after --duration
seconds it prints "STATS {json}" and exits. It prints "READY local=PORT" when bound.

Faults, for the self-tests that check the injector can fail:
  --die-after N          stop answering anything after N frames (a crashed guest)
  --corrupt-udp-after N  after N frames, flip one byte of every UDP echo
"""

import argparse
import collections
import json
import random
import re
import select
import signal
import socket
import struct
import sys
import time
import traceback

import netpkt as P

M32 = 0xFFFFFFFF
MAX_CONNECTIONS = 64
MAX_PENDING_HOPS = 64
MAX_CACHE = 256


def seq_diff(a, b):
    return ((a - b + (1 << 31)) & M32) - (1 << 31)


class Client:
    def __init__(self, index, ip, mac):
        self.ip = ip
        self.mac = mac or bytes([0x02, 0x5A, 0, 0, 0, index + 1])
        self.udp_ports = set()
        self.tcp_ports = set()


class Connection:
    """One TCP connection of an echo server, from SYN-RCVD to the ACK of its FIN."""

    def __init__(self, key, iss, irs, mss):
        self.key = key  # (client, local port, remote ip, remote port)
        self.iss = iss
        self.snd_una = iss
        self.snd_nxt = (iss + 1) & M32
        self.rcv_nxt = (irs + 1) & M32
        self.mss = max(1, min(mss, 1460))
        self.state = "syn-rcvd"
        self.unacked = b""  # echo bytes from snd_una (after the SYN) not yet acknowledged
        self.fin_sent = False
        self.created = self.last_send = time.monotonic()
        self.retransmits = 0


class Guest:
    def __init__(self, args):
        self.args = args
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            self.sock.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
        self.sock.bind(args.local)
        self.sock.setblocking(False)
        self.clients = [Client(i, ip, mac) for i, (ip, mac) in enumerate(args.client)]
        self.by_ip = {c.ip: c for c in self.clients}
        self.by_mac = {c.mac: c for c in self.clients}
        for ip, port in args.udp_echo:
            self.by_ip[ip].udp_ports.add(port)
        for ip, port in args.tcp_echo:
            self.by_ip[ip].tcp_ports.add(port)
        mask = (M32 << (32 - args.prefix)) & M32
        self.mask = mask
        self.net = struct.unpack("!I", args.gateway)[0] & mask
        self.subnet_broadcast = struct.pack("!I", self.net | (~mask & M32))
        self.cache = collections.OrderedDict()  # ip -> (mac, expiry)
        self.pending = collections.OrderedDict()  # next hop -> [(client, frame builder)]
        self.arp_asked = {}  # next hop -> time of our last request
        self.conns = collections.OrderedDict()
        self.rng = random.Random(4242)
        self.ip_ident = 0
        self.frames = 0
        self.stats = collections.Counter()
        self.exceptions = 0
        self.stop = False

    # -------------------------------------------------------------- sending

    def transmit(self, frame):
        try:
            self.sock.sendto(frame, self.args.remote)
            self.stats["tx-frames"] += 1
        except OSError:
            self.stats["tx-errors"] += 1

    def on_subnet(self, ip):
        return struct.unpack("!I", ip)[0] & self.mask == self.net

    def send_ip(self, client, dst_ip, proto, l4):
        """Route, resolve and send one IPv4 packet from client."""
        self.ip_ident = (self.ip_ident + 1) & 0xFFFF
        packet = P.ipv4_build(client.ip, dst_ip, proto, l4, ident=self.ip_ident)
        if dst_ip in (b"\xff" * 4, self.subnet_broadcast):
            self.transmit(P.eth_build(P.BROADCAST_MAC, client.mac, P.ETHERTYPE_IPV4, packet))
            return
        hop = dst_ip if self.on_subnet(dst_ip) else self.args.gateway
        entry = self.cache.get(hop)
        if entry and entry[1] > time.monotonic():
            self.transmit(P.eth_build(entry[0], client.mac, P.ETHERTYPE_IPV4, packet))
            return
        queue = self.pending.setdefault(hop, [])
        if len(queue) < 8:
            queue.append((client, packet))
        while len(self.pending) > MAX_PENDING_HOPS:
            self.pending.popitem(last=False)
            self.stats["dropped: ARP queue full"] += 1
        if time.monotonic() - self.arp_asked.get(hop, 0) > 0.3:
            self.arp_asked[hop] = time.monotonic()
            self.stats["tx-arp-request"] += 1
            self.transmit(P.arp_frame(P.BROADCAST_MAC, client.mac, P.ARP_REQUEST, client.mac,
                                      client.ip, P.ZERO_MAC, hop))

    def learn(self, ip, mac):
        if mac[0] & 1 or mac == P.ZERO_MAC or ip == b"\x00" * 4:
            return
        self.cache[ip] = (mac, time.monotonic() + self.args.arp_ttl)
        self.cache.move_to_end(ip)
        while len(self.cache) > MAX_CACHE:
            self.cache.popitem(last=False)
        for client, packet in self.pending.pop(ip, []):
            self.transmit(P.eth_build(mac, client.mac, P.ETHERTYPE_IPV4, packet))

    # -------------------------------------------------------------- receiving

    def handle(self, frame):
        eth = P.eth_parse(frame)
        if eth.dst == P.BROADCAST_MAC:
            targets = self.clients
        elif eth.dst in self.by_mac:
            targets = [self.by_mac[eth.dst]]
        else:
            self.stats["ignored: not our MAC"] += 1
            return
        if eth.ethertype == P.ETHERTYPE_ARP:
            self.on_arp(eth, P.arp_parse(eth.payload), targets)
        elif eth.ethertype == P.ETHERTYPE_IPV4:
            self.on_ipv4(eth, P.ipv4_parse(eth.payload), targets)
        else:
            self.stats["ignored: EtherType"] += 1

    def on_arp(self, eth, arp, targets):
        client = next((c for c in targets if c.ip == arp.tpa), None)
        if client is None:
            self.stats["ignored: ARP not for us"] += 1
            return
        if arp.spa == client.ip:
            self.stats["arp: someone claims our address"] += 1
            return
        self.learn(arp.spa, arp.sha)
        if arp.op == P.ARP_REQUEST:
            if eth.src[0] & 1:
                self.stats["dropped: ARP request from a group MAC"] += 1
                return
            self.stats["tx-arp-reply"] += 1
            self.transmit(P.arp_frame(eth.src, client.mac, P.ARP_REPLY, client.mac, client.ip,
                                      arp.sha, arp.spa))
        elif arp.op == P.ARP_REPLY:
            self.stats["rx-arp-reply"] += 1
        else:
            self.stats["dropped: ARP opcode"] += 1

    def on_ipv4(self, eth, ip, targets):
        if not ip.checksum_ok:
            self.stats["dropped: IPv4 checksum"] += 1
            return
        if ip.is_fragment():
            self.stats["dropped: fragment (no reassembly)"] += 1
            return
        client = next((c for c in targets if c.ip == ip.dst), None)
        if client is None:
            self.stats["ignored: IPv4 not for us"] += 1
            return
        if ip.proto == P.PROTO_ICMP:
            self.on_icmp(client, ip, P.icmp_parse(ip))
        elif ip.proto == P.PROTO_UDP:
            self.on_udp(client, ip, P.udp_parse(ip))
        elif ip.proto == P.PROTO_TCP:
            self.on_tcp(client, ip, P.tcp_parse(ip))
        else:
            self.stats["ignored: IP protocol"] += 1

    def on_icmp(self, client, ip, icmp):
        if not icmp.checksum_ok:
            self.stats["dropped: ICMP checksum"] += 1
            return
        if icmp.type != P.ICMP_ECHO_REQUEST:
            self.stats["ignored: ICMP type"] += 1
            return
        self.stats["tx-echo-reply"] += 1
        self.send_ip(client, ip.src, P.PROTO_ICMP,
                     P.icmp_build(P.ICMP_ECHO_REPLY, 0, icmp.rest, icmp.payload))

    def on_udp(self, client, ip, udp):
        if not udp.checksum_ok:
            self.stats["dropped: UDP checksum"] += 1
            return
        if udp.dport not in client.udp_ports:
            self.stats["tx-port-unreachable"] += 1
            quoted = icmp_quote(ip)
            self.send_ip(client, ip.src, P.PROTO_ICMP, P.icmp_build(
                P.ICMP_UNREACHABLE, P.ICMP_PORT_UNREACHABLE, b"\x00" * 4, quoted))
            return
        payload = udp.payload
        after = self.args.corrupt_udp_after
        if after and self.frames > after and payload:
            payload = bytes([payload[0] ^ 0x01]) + payload[1:]
        self.stats["tx-udp-echo"] += 1
        self.send_ip(client, ip.src, P.PROTO_UDP,
                     P.udp_build(client.ip, ip.src, udp.dport, udp.sport, payload))

    # -------------------------------------------------------------- TCP

    def send_tcp(self, conn, flags, seq, payload=b"", options=b""):
        client, lport, rip, rport = conn.key
        conn.last_send = time.monotonic()
        self.send_ip(client, rip, P.PROTO_TCP, P.tcp_build(
            client.ip, rip, lport, rport, seq, conn.rcv_nxt, flags | P.TCP_ACK, payload,
            window=65535, options=options))

    def send_rst(self, client, ip, tcp):
        self.stats["tx-tcp-rst"] += 1
        if tcp.flags & P.TCP_ACK:
            seq, ack, flags = tcp.ack, 0, P.TCP_RST
        else:
            length = len(tcp.payload) + bool(tcp.flags & P.TCP_SYN) + bool(tcp.flags & P.TCP_FIN)
            seq, ack, flags = 0, (tcp.seq + length) & M32, P.TCP_RST | P.TCP_ACK
        self.send_ip(client, ip.src, P.PROTO_TCP, P.tcp_build(
            client.ip, ip.src, tcp.dport, tcp.sport, seq, ack, flags, window=0))

    def send_unacked(self, conn):
        """(Re)send everything from snd_una: echo data in MSS pieces, then FIN if due."""
        data_seq = conn.snd_una
        for off in range(0, len(conn.unacked), conn.mss):
            piece = conn.unacked[off:off + conn.mss]
            self.send_tcp(conn, P.TCP_PSH, (data_seq + off) & M32, piece)
        if conn.fin_sent:
            self.send_tcp(conn, P.TCP_FIN, (data_seq + len(conn.unacked)) & M32)

    def on_tcp(self, client, ip, tcp):
        if not tcp.checksum_ok:
            self.stats["dropped: TCP checksum"] += 1
            return
        key = (client, tcp.dport, ip.src, tcp.sport)
        conn = self.conns.get(key)
        if conn is None:
            self.on_tcp_new(client, ip, tcp, key)
            return
        if tcp.flags & P.TCP_RST:
            if tcp.seq == conn.rcv_nxt:
                self.stats["tcp: reset by peer"] += 1
                del self.conns[key]
            return
        if tcp.flags & P.TCP_SYN:
            if conn.state == "syn-rcvd" and (tcp.seq + 1) & M32 == conn.rcv_nxt:
                self.send_tcp(conn, P.TCP_SYN, conn.iss, options=P.tcp_mss_option(1460))
            else:
                self.send_tcp(conn, 0, conn.snd_nxt)  # challenge ACK (RFC 5961)
            return
        if not tcp.flags & P.TCP_ACK:
            self.stats["dropped: TCP without ACK"] += 1
            return
        if conn.state == "syn-rcvd":
            if tcp.ack != conn.snd_nxt:
                self.send_rst(client, ip, tcp)
                return
            conn.state = "established"
            conn.snd_una = conn.snd_nxt
        self.on_ack(conn, tcp.ack)
        if key not in self.conns:
            return
        self.on_data(conn, tcp)

    def on_tcp_new(self, client, ip, tcp, key):
        if tcp.flags & P.TCP_RST:
            return
        if tcp.dport not in client.tcp_ports or tcp.flags & P.TCP_ACK:
            self.send_rst(client, ip, tcp)
            return
        if not tcp.flags & P.TCP_SYN or tcp.flags & P.TCP_FIN:
            self.stats["dropped: TCP to a listener without SYN"] += 1
            return
        while len(self.conns) >= MAX_CONNECTIONS:
            self.conns.popitem(last=False)
            self.stats["tcp: oldest connection dropped"] += 1
        conn = Connection(key, self.rng.getrandbits(32), tcp.seq, tcp.mss())
        self.conns[key] = conn
        self.stats["tcp: connections"] += 1
        self.send_tcp(conn, P.TCP_SYN, conn.iss, options=P.tcp_mss_option(1460))

    def on_ack(self, conn, ack):
        advance = seq_diff(ack, conn.snd_una)
        if advance <= 0 or advance > seq_diff(conn.snd_nxt, conn.snd_una):
            return
        data_acked = min(advance, len(conn.unacked))
        conn.unacked = conn.unacked[data_acked:]
        conn.snd_una = ack
        conn.retransmits = 0
        if conn.fin_sent and ack == conn.snd_nxt:
            self.stats["tcp: closed"] += 1
            del self.conns[conn.key]

    def on_data(self, conn, tcp):
        length = len(tcp.payload)
        fin = bool(tcp.flags & P.TCP_FIN)
        if not length and not fin:
            return
        offset = seq_diff(tcp.seq, conn.rcv_nxt)
        if offset > 0 or offset + length < 0 or (offset + length == 0 and not fin):
            self.send_tcp(conn, 0, conn.snd_nxt)  # a gap or a duplicate: ACK what we have
            if offset < 0:
                self.send_unacked(conn)
            return
        fresh = tcp.payload[-offset:] if offset < 0 else tcp.payload
        conn.rcv_nxt = (conn.rcv_nxt + len(fresh)) & M32
        if fresh and not conn.fin_sent:
            start = conn.snd_nxt
            conn.unacked += fresh
            conn.snd_nxt = (conn.snd_nxt + len(fresh)) & M32
            for off in range(0, len(fresh), conn.mss):
                self.send_tcp(conn, P.TCP_PSH, (start + off) & M32, fresh[off:off + conn.mss])
        if fin and conn.state != "last-ack":
            conn.rcv_nxt = (conn.rcv_nxt + 1) & M32
            conn.state = "last-ack"
            conn.fin_sent = True
            self.send_tcp(conn, P.TCP_FIN, conn.snd_nxt)
            conn.snd_nxt = (conn.snd_nxt + 1) & M32
        elif not fresh:
            self.send_tcp(conn, 0, conn.snd_nxt)

    def tcp_timers(self):
        now = time.monotonic()
        for key, conn in list(self.conns.items()):
            if now - conn.created > 60 or (conn.state == "syn-rcvd" and now - conn.created > 5):
                del self.conns[key]
                self.stats["tcp: timed out"] += 1
            elif (conn.unacked or conn.fin_sent) and now - conn.last_send > 0.5:
                conn.retransmits += 1
                if conn.retransmits > 8:
                    del self.conns[key]
                    self.stats["tcp: gave up retransmitting"] += 1
                else:
                    self.stats["tcp: retransmissions"] += 1
                    self.send_unacked(conn)

    # -------------------------------------------------------------- the loop

    def one_frame(self, frame):
        self.frames += 1
        if not frame:
            self.stats["ignored: empty datagram"] += 1
            return
        if self.args.die_after and self.frames > self.args.die_after:
            self.stats["ignored: dead"] += 1
            return
        try:
            self.handle(frame)
        except P.Malformed as e:  # counted by kind: "IPv4 total length N beyond the frame"
            self.stats["dropped: " + re.sub(r"\d+", "N", str(e).split(" (")[0])] += 1
        except Exception:  # a bug in the stand-in: counted, and the exit status says so
            self.exceptions += 1
            if self.exceptions <= 5:
                print("standin_guest: exception on frame %d (%s):" % (self.frames, frame[:64].hex()),
                      file=sys.stderr)
                traceback.print_exc()

    def run(self):
        deadline = time.monotonic() + self.args.duration if self.args.duration else None
        last_timers = 0.0
        while not self.stop:
            now = time.monotonic()
            if deadline and now >= deadline:
                break
            if now - last_timers > 0.1:
                last_timers = now
                if not (self.args.die_after and self.frames > self.args.die_after):
                    self.tcp_timers()
            readable, _, _ = select.select([self.sock], [], [], 0.1)
            if not readable:
                continue
            for _ in range(1024):
                try:
                    frame, peer = self.sock.recvfrom(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except ConnectionRefusedError:
                    continue
                self.one_frame(frame)


def icmp_quote(ip):
    """What an ICMP error quotes: the IP header and the first 8 bytes of its payload."""
    header = P.ipv4_build(ip.src, ip.dst, ip.proto, ip.payload[:8], ident=ip.ident, ttl=ip.ttl,
                          options=ip.options, total_length=ip.total_length)
    return header


def parse_client(text):
    ip, _, mac = text.partition("=")
    return P.ip_bytes(ip), (P.mac_bytes(mac) if mac else None)


def parse_service(text):
    host, port = P.host_port(text)
    return P.ip_bytes(host), port


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--local", type=P.host_port, default=("127.0.0.1", 10001))
    p.add_argument("--remote", type=P.host_port, default=("127.0.0.1", 10002))
    p.add_argument("--client", type=parse_client, action="append", required=True,
                   metavar="IP[=MAC]")
    p.add_argument("--udp-echo", type=parse_service, action="append", default=[], metavar="IP:PORT")
    p.add_argument("--tcp-echo", type=parse_service, action="append", default=[], metavar="IP:PORT")
    p.add_argument("--gateway", type=P.ip_bytes, default=P.ip_bytes("10.0.2.2"))
    p.add_argument("--prefix", type=int, default=24)
    p.add_argument("--arp-ttl", type=float, default=5.0)
    p.add_argument("--duration", type=float, default=0.0)
    p.add_argument("--die-after", type=int, default=0, metavar="N")
    p.add_argument("--corrupt-udp-after", type=int, default=0, metavar="N")
    args = p.parse_args(argv)
    ips = {ip for ip, _ in args.client}
    for ip, _ in args.udp_echo + args.tcp_echo:
        if ip not in ips:
            p.error("service on %s, which is no --client" % P.ip_str(ip))
    return args


def main(argv):
    args = parse_args(argv)
    guest = Guest(args)

    def stop(*_):
        guest.stop = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("READY local=%d" % guest.sock.getsockname()[1], flush=True)
    guest.run()
    stats = {"frames": guest.frames, "exceptions": guest.exceptions,
             "connections_open": len(guest.conns), **dict(sorted(guest.stats.items()))}
    print("STATS " + json.dumps(stats), flush=True)
    return 1 if guest.exceptions else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
