"""The malformed-frame generator behind net_inject.py: categories of bad frames, from a seed.

A FloodContext says who is on the wire (the gateway the injector plays, the clients with
their MACs, which ports are open). A Flood draws frames from it category by category in a
shuffled round-robin, all from one random.Random(seed): the same seed and context give
the same frames, byte for byte, whatever the timing (net_inject.py prints a digest).

Most frames are malformed in exactly one way and valid everywhere else, so that they get
past the layers below the one they attack: a bad UDP checksum sits in a good IPv4 header
addressed to a client's MAC and IP. Each category is one method, c_<name>, returning a
list of frames (a fragment set is several); CATEGORIES lists them with a line each.

Frames are never empty: QEMU's dgram and socket backends take a zero-length datagram for
the end of the connection and stop reading for good.
"""

import hashlib
import random
import struct

import netpkt as P

# Source ports the flood never uses, so that it cannot hit the checkers' own connections.
CHECK_PORT_FIRST, CHECK_PORT_LAST = 61000, 64999
MAX_DATAGRAM = 65507  # the largest UDP payload over IPv4: the largest frame we can send

CATEGORIES = [
    ("runt", "frames of 1 to 13 bytes (shorter than an Ethernet header)"),
    ("ethertype", "802.1Q tags, IPv6, LLC lengths and unknown EtherTypes to the clients"),
    ("arp-trunc", "ARP cut short (0 to 27 bytes of a request for a client)"),
    ("arp-malformed", "ARP with bad hardware/protocol types and lengths, unknown opcodes"),
    ("arp-storm", "requests and replies from random sender IPs and MACs"),
    ("arp-gratuitous", "gratuitous ARP for the clients' own IPs (and the gateway's), random MACs"),
    ("arp-broadcast", "ARP replies to broadcast, broadcast/multicast sender MACs, requests for clients from strangers"),
    ("ipv4-trunc", "IPv4 headers cut short, or IHL pointing past the frame"),
    ("ipv4-bad-ihl", "IHL below 5, above the total length, 15 with garbage options"),
    ("ipv4-bad-length", "total length above the frame, below the header, zero, short of the frame"),
    ("ipv4-bad-version", "EtherType IPv4 with versions other than 4"),
    ("ipv4-options", "IPv4 options, valid and invalid (lengths 0/1/past the header, bad pointers)"),
    ("ip-bad-csum", "good UDP/TCP/ICMP to the clients with a wrong IPv4 header checksum"),
    ("udp-trunc", "UDP headers of 0 to 7 bytes"),
    ("udp-bad-length", "UDP length below 8, above the IP payload, zero"),
    ("udp-bad-csum", "UDP to the echo port with a wrong checksum"),
    ("udp-closed", "good UDP to closed ports"),
    ("tcp-trunc", "TCP headers under 20 bytes, data offsets below 5 or past the segment"),
    ("tcp-bad-csum", "TCP to the open ports with a wrong checksum"),
    ("tcp-flags", "every combination of the 9 TCP flags (and reserved bits) to open and random ports"),
    ("tcp-options", "SYNs with malformed options (length 0/1/past the header, MSS 0, window scale 255)"),
    ("icmp-trunc", "ICMP headers of 0 to 7 bytes"),
    ("icmp-bad-csum", "echo requests with a wrong checksum"),
    ("icmp-types", "every ICMP type with random codes; errors quoting real and bogus headers"),
    ("frag-first-flood", "first fragments never completed, many IP IDs"),
    ("frag-overlap", "fragment sets with overlapping (and conflicting) pieces"),
    ("frag-tiny", "datagrams cut into 8-byte fragments, TCP headers split"),
    ("frag-bad-offset", "offsets past 64 KiB, lone last fragments, odd lengths, DF+MF"),
    ("bcast-mcast", "IPv4 broadcast and multicast, IGMP, multicast and broadcast MACs"),
    ("mac-random-payload", "the clients' MACs with random EtherTypes and payloads"),
    ("oversize", "frames of 1515 bytes to 64 KiB, most with consistent IPv4/UDP headers"),
    ("random-bytes", "purely random bytes, 14 to 1514 of them"),
]
CATEGORY_NAMES = [name for name, _ in CATEGORIES]

# Options for tcp-options: each a malformed TCP option list.
BAD_TCP_OPTIONS = [
    b"\x02\x00",  # MSS of length 0
    b"\x02\x01",  # length 1
    b"\x02\x04\x00\x00",  # MSS 0
    b"\x02\x28\x05\xb4",  # MSS claiming 40 bytes
    b"\x03\x03\xff",  # window scale 255
    b"\x04\x02" * 10,  # SACK permitted ten times
    b"\x08\x0a" + b"\xff" * 8,  # timestamps, all ones
    b"\x05\x02",  # SACK block of length 2
    b"\x05\x26" + b"\x00" * 36,  # SACK with 36 bytes (more than 4 blocks)
    b"\xfe\xff",  # experimental option longer than the header
    b"\x01" * 40,  # forty NOPs (data offset 15)
    b"\x00\x02\x04\x05\xb4",  # MSS after the end of list
]

# IPv4 options for ipv4-options: valid and invalid.
IP_OPTIONS = [
    b"\x07\x07\x04" + b"\x00" * 4,  # record route, room for one address
    b"\x07\x07\x03" + b"\x00" * 4,  # record route, pointer below 4
    b"\x07\x27\x04" + b"\x00" * 36,  # record route, full length
    b"\x07\x00",  # length 0
    b"\x07\x01",  # length 1
    b"\x07\x40\x04\x00",  # length past the header
    b"\x83\x07\x04\x0a\x00\x02\x63",  # loose source route via 10.0.2.99
    b"\x89\x0b\x0c\x0a\x00\x02\x63\x0a\x00\x02\x64",  # strict source route, pointer at end
    b"\x44\x0c\x05\x00" + b"\x00" * 8,  # timestamp
    b"\x44\x04\x05\xf0",  # timestamp, overflow set, no room
    b"\x94\x04\x00\x00",  # router alert
    b"\x00\x07\x07\x04",  # end of list, then more
    b"\x01" * 40,  # forty NOPs
    b"\x86\x0a" + b"\x01" * 8,  # security (obsolete)
    b"\xff\xff" + b"\x00" * 6,  # unknown, length 255
]

ICMP_ERROR_TYPES = (3, 4, 5, 11, 12)


class FloodContext:
    """Who is on the wire, as the flood needs to know it."""

    def __init__(self, gateway_ip, gateway_mac, prefix, clients, udp_ports, tcp_ports):
        self.gw_ip, self.gw_mac, self.prefix = gateway_ip, gateway_mac, prefix
        self.clients = clients  # list of (ip bytes, mac bytes)
        self.udp_ports = udp_ports  # ip bytes -> [ports]
        self.tcp_ports = tcp_ports  # ip bytes -> [ports]
        mask = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
        self.net = struct.unpack("!I", gateway_ip)[0] & mask
        self.mask = mask
        self.broadcast_ip = struct.pack("!I", self.net | (~mask & 0xFFFFFFFF))
        self.client_ips = {ip for ip, _ in clients}


class Flood:
    """Frames by category, deterministic from the seed and the context."""

    def __init__(self, seed, ctx, categories=None):
        self.rng = random.Random(seed)
        self.ctx = ctx
        self.categories = list(categories or CATEGORY_NAMES)
        self.counts = {name: 0 for name in self.categories}
        self.tcp_flag_counter = 0
        self.icmp_type_counter = 0
        self.ip_ident = self.rng.getrandbits(16)
        self.digest = hashlib.sha256()

    # -------------------------------------------------------------- driving

    def frames(self, total):
        """Yield (category, frame) until total frames, categories in shuffled turns."""
        made = 0
        while True:
            order = self.categories[:]
            self.rng.shuffle(order)
            for name in order:
                for frame in getattr(self, "c_" + name.replace("-", "_"))():
                    if made >= total:
                        return
                    assert 0 < len(frame) <= MAX_DATAGRAM, (name, len(frame))
                    self.counts[name] += 1
                    self.digest.update(struct.pack("!I", len(frame)) + frame)
                    made += 1
                    yield name, frame

    # -------------------------------------------------------------- small pickers

    def ident(self):
        self.ip_ident = (self.ip_ident + 1) & 0xFFFF
        return self.ip_ident

    def target(self):
        return self.rng.choice(self.ctx.clients)

    def unicast_mac(self):
        return bytes([(self.rng.getrandbits(8) & 0xFE) | 0x02]) + self.rng.randbytes(5)

    def subnet_ip(self):
        """A random address in the clients' subnet that is no client and not the gateway."""
        ctx = self.ctx
        while True:
            host = self.rng.getrandbits(32 - ctx.prefix) if ctx.prefix < 32 else 0
            ip = struct.pack("!I", ctx.net | host)
            if ip not in ctx.client_ips and ip != ctx.gw_ip and ip != ctx.broadcast_ip \
                    and host != 0:
                return ip

    def foreign_ip(self):
        """A random unicast address outside the subnet (reached through the gateway)."""
        while True:
            ip = self.rng.randbytes(4)
            value = struct.unpack("!I", ip)[0]
            if (value & self.ctx.mask) != self.ctx.net and 1 <= ip[0] < 224 and ip[0] != 127:
                return ip

    def source(self):
        """(mac, ip) a frame comes from: mostly the gateway, as on a real link."""
        roll = self.rng.random()
        if roll < 0.7:
            return self.ctx.gw_mac, self.ctx.gw_ip
        if roll < 0.85:
            return self.ctx.gw_mac, self.foreign_ip()
        return self.unicast_mac(), self.subnet_ip()

    def sport(self):
        while True:
            port = self.rng.randint(1, 65535)
            if not CHECK_PORT_FIRST <= port <= CHECK_PORT_LAST:
                return port

    def open_port(self, table, ip):
        ports = table.get(ip) or [p for ps in table.values() for p in ps]
        if ports and self.rng.random() < 0.7:
            return self.rng.choice(ports)
        return self.rng.randint(1, 65535)

    def closed_port(self, ip):
        used = set(self.ctx.udp_ports.get(ip, ()))
        while True:
            port = self.rng.randint(1, 65535)
            if port not in used:
                return port

    def bad_checksum(self, right, zero_ok=True):
        """A checksum that does not verify where right does (0 and 0xFFFF are one value in
        one's complement; 0 is 'none' for UDP, so zero_ok=False never returns it)."""
        while True:
            wrong = (right + self.rng.randint(1, 0xFFFE)) & 0xFFFF
            if {wrong, right} <= {0, 0xFFFF} or (wrong == 0 and not zero_ok):
                continue
            return wrong

    def payload(self, low=0, high=512):
        return self.rng.randbytes(self.rng.randint(low, high))

    def l4(self, src_ip, dst_ip, high=512):
        """(proto, bytes): a well-formed UDP, TCP or ICMP message to dst_ip."""
        kind = self.rng.randrange(3)
        if kind == 0:
            return P.PROTO_UDP, P.udp_build(
                src_ip, dst_ip, self.sport(), self.open_port(self.ctx.udp_ports, dst_ip),
                self.payload(0, high))
        if kind == 1:
            return P.PROTO_TCP, P.tcp_build(
                src_ip, dst_ip, self.sport(), self.open_port(self.ctx.tcp_ports, dst_ip),
                self.rng.getrandbits(32), self.rng.getrandbits(32), P.TCP_ACK | P.TCP_PSH,
                self.payload(0, high))
        return P.PROTO_ICMP, P.icmp_echo_build(
            P.ICMP_ECHO_REQUEST, self.rng.getrandbits(16), self.rng.getrandbits(16),
            self.payload(0, high))

    def ip_frame(self, dst_mac, src_mac, packet):
        return P.eth_build(dst_mac, src_mac, P.ETHERTYPE_IPV4, packet)

    def to_client(self, proto, l4, src=None, **ip_fields):
        """A frame carrying l4 from src (or a random source) to a random client."""
        dst_ip, dst_mac = self.target()
        src_mac, src_ip = src or self.source()
        return self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, proto, l4, ident=self.ident(), **ip_fields))

    def good_packet(self, high=512):
        """(dst_mac, src_mac, src_ip, dst_ip, proto, l4) of a well-formed packet to a client."""
        dst_ip, dst_mac = self.target()
        src_mac, src_ip = self.source()
        proto, l4 = self.l4(src_ip, dst_ip, high)
        return dst_mac, src_mac, src_ip, dst_ip, proto, l4

    # -------------------------------------------------------------- link layer

    def c_runt(self):
        return [self.rng.randbytes(self.rng.randint(1, P.ETH_HEADER - 1))]

    def c_ethertype(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet()
        packet = P.ipv4_build(src_ip, dst_ip, proto, l4, ident=self.ident())
        kind = self.rng.randrange(6)
        if kind == 0:  # 802.1Q tag around good IPv4, random VLAN
            tag = struct.pack("!HH", self.rng.getrandbits(16), P.ETHERTYPE_IPV4)
            return [P.eth_build(dst_mac, src_mac, P.ETHERTYPE_VLAN, tag + packet)]
        if kind == 1:  # double tag (QinQ), possibly cut inside the tags
            tags = struct.pack("!HHHH", self.rng.getrandbits(16), P.ETHERTYPE_VLAN,
                               self.rng.getrandbits(16), P.ETHERTYPE_IPV4)
            frame = P.eth_build(dst_mac, src_mac, 0x88A8, tags + packet)
            return [frame[:self.rng.randint(P.ETH_HEADER, len(frame))]]
        if kind == 2:  # IPv6 (some of it really IPv4 bytes)
            return [P.eth_build(dst_mac, src_mac, P.ETHERTYPE_IPV6,
                                self.rng.choice([packet, self.payload(0, 200)]))]
        if kind == 3:  # 802.3 length field, maybe lying
            body = self.payload(0, 200)
            return [dst_mac + src_mac + struct.pack("!H", self.rng.randint(0, 1535)) + body]
        ethertype = self.rng.choice([0x0000, 0x0600, 0x0801, 0x0805, 0x0807, 0x8035,
                                     0x88CC, 0x88F7, 0x9000, 0xFFFF,
                                     self.rng.getrandbits(16)])
        return [P.eth_build(dst_mac, src_mac, ethertype, self.rng.choice([packet, self.payload()]))]

    # -------------------------------------------------------------- ARP

    def arp_request_for_client(self, sha=None, spa=None):
        dst_ip, _ = self.target()
        sha = sha or self.ctx.gw_mac
        spa = spa or self.ctx.gw_ip
        return P.arp_frame(P.BROADCAST_MAC, sha, P.ARP_REQUEST, sha, spa, P.ZERO_MAC, dst_ip)

    def c_arp_trunc(self):
        frame = self.arp_request_for_client()
        return [frame[:P.ETH_HEADER + self.rng.randint(0, P.ARP_LENGTH - 1)]]

    def c_arp_malformed(self):
        dst_ip, dst_mac = self.target()
        htype, ptype, hlen, plen = 1, P.ETHERTYPE_IPV4, 6, 4
        field = self.rng.randrange(5)
        if field == 0:
            htype = self.rng.choice([0, 6, 0xFFFF, self.rng.getrandbits(16)])
        elif field == 1:
            ptype = self.rng.choice([0, P.ETHERTYPE_IPV6, P.ETHERTYPE_ARP, self.rng.getrandbits(16)])
        elif field == 2:
            hlen = self.rng.choice([0, 1, 5, 7, 16, 255])
        elif field == 3:
            plen = self.rng.choice([0, 1, 3, 5, 16, 255])
        op = self.rng.choice([0, 3, 4, 8, 9, 0xFFFF]) if field == 4 else \
            self.rng.choice([P.ARP_REQUEST, P.ARP_REPLY])
        body = struct.pack("!HHBBH", htype, ptype, hlen, plen, op)
        body += self.ctx.gw_mac + self.ctx.gw_ip + dst_mac + dst_ip + self.payload(0, 40)
        return [P.eth_build(self.rng.choice([dst_mac, P.BROADCAST_MAC]), self.ctx.gw_mac,
                            P.ETHERTYPE_ARP, body)]

    def c_arp_storm(self):
        frames = []
        for _ in range(self.rng.randint(1, 4)):
            sha = self.unicast_mac()
            spa = self.rng.choice([self.subnet_ip(), self.foreign_ip(), self.rng.randbytes(4)])
            tpa = self.rng.choice([self.subnet_ip(), self.target()[0], self.rng.randbytes(4)])
            if self.rng.random() < 0.5:
                frames.append(P.arp_frame(P.BROADCAST_MAC, sha, P.ARP_REQUEST, sha, spa,
                                          P.ZERO_MAC, tpa))
            else:
                dst_ip, dst_mac = self.target()
                frames.append(P.arp_frame(dst_mac, sha, P.ARP_REPLY, sha, spa, dst_mac,
                                          self.rng.choice([dst_ip, tpa])))
        return frames

    def c_arp_gratuitous(self):
        ip = self.rng.choice([self.target()[0]] * 4 + [self.ctx.gw_ip])
        mac = self.unicast_mac()
        op = self.rng.choice([P.ARP_REQUEST, P.ARP_REPLY])
        tha = self.rng.choice([P.ZERO_MAC, P.BROADCAST_MAC, mac])
        return [P.arp_frame(P.BROADCAST_MAC, mac, op, mac, ip, tha, ip)]

    def c_arp_broadcast(self):
        dst_ip, dst_mac = self.target()
        kind = self.rng.randrange(4)
        if kind == 0:  # a reply sent to broadcast
            sha = self.unicast_mac()
            return [P.arp_frame(P.BROADCAST_MAC, sha, P.ARP_REPLY, sha, self.subnet_ip(),
                                P.BROADCAST_MAC, dst_ip)]
        if kind == 1:  # a broadcast or multicast sender hardware address
            sha = self.rng.choice([P.BROADCAST_MAC, b"\x01\x00\x5e\x00\x00\x01",
                                   b"\x33\x33\x00\x00\x00\x01", P.ZERO_MAC])
            return [P.arp_frame(P.BROADCAST_MAC, self.unicast_mac(), P.ARP_REQUEST, sha,
                                self.subnet_ip(), P.ZERO_MAC, dst_ip)]
        if kind == 2:  # a stranger asks for a client (the reply goes to a random MAC)
            sha = self.unicast_mac()
            return [P.arp_frame(P.BROADCAST_MAC, sha, P.ARP_REQUEST, sha, self.subnet_ip(),
                                P.ZERO_MAC, dst_ip)]
        # a request for the broadcast or zero address
        return [P.arp_frame(P.BROADCAST_MAC, self.ctx.gw_mac, P.ARP_REQUEST, self.ctx.gw_mac,
                            self.rng.choice([self.ctx.gw_ip, P.ip_bytes("0.0.0.0")]), P.ZERO_MAC,
                            self.rng.choice([self.ctx.broadcast_ip, b"\xff" * 4, b"\x00" * 4]))]

    # -------------------------------------------------------------- IPv4

    def c_ipv4_trunc(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet(64)
        if self.rng.random() < 0.5:  # fewer than 20 bytes of header
            packet = P.ipv4_build(src_ip, dst_ip, proto, l4, ident=self.ident())
            return [self.ip_frame(dst_mac, src_mac, packet[:self.rng.randint(0, P.IPV4_HEADER - 1)])]
        ihl = self.rng.randint(6, 15)  # options announced, frame ends first
        packet = P.ipv4_build(src_ip, dst_ip, proto, b"", ident=self.ident(), ihl=ihl,
                              total_length=ihl * 4)
        return [self.ip_frame(dst_mac, src_mac, packet[:self.rng.randint(P.IPV4_HEADER, ihl * 4 - 1)])]

    def c_ipv4_bad_ihl(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet()
        kind = self.rng.randrange(3)
        if kind == 0:
            ihl = self.rng.randint(0, 4)
            packet = P.ipv4_build(src_ip, dst_ip, proto, l4, ident=self.ident(), ihl=ihl)
        elif kind == 1:  # header longer than the total length
            ihl = self.rng.randint(6, 15)
            garbage = self.rng.randbytes(ihl * 4 - P.IPV4_HEADER)
            packet = P.ipv4_build(src_ip, dst_ip, proto, l4, ident=self.ident(), ihl=ihl,
                                  options=garbage, total_length=self.rng.randint(P.IPV4_HEADER, ihl * 4 - 1))
        else:  # IHL 15, 40 bytes of garbage options, checksum right
            packet = P.ipv4_build(src_ip, dst_ip, proto, l4, ident=self.ident(),
                                  options=self.rng.randbytes(40))
        return [self.ip_frame(dst_mac, src_mac, packet)]

    def c_ipv4_bad_length(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet()
        real = P.IPV4_HEADER + len(l4)
        total = self.rng.choice([
            real + self.rng.randint(1, 64), real + self.rng.randint(65, 65535 - real) if real < 65470 else 65535,
            65535, self.rng.randint(0, P.IPV4_HEADER - 1), 0,
            self.rng.randint(P.IPV4_HEADER, real - 1) if real > P.IPV4_HEADER else P.IPV4_HEADER,
        ])
        packet = P.ipv4_build(src_ip, dst_ip, proto, l4, ident=self.ident(), total_length=total)
        return [self.ip_frame(dst_mac, src_mac, packet)]

    def c_ipv4_bad_version(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet()
        version = self.rng.choice([0, 1, 2, 3, 5, 6, 7, 15, self.rng.randint(0, 15) | 0])
        if version == 4:
            version = 6
        return [self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, proto, l4, ident=self.ident(), version=version))]

    def c_ipv4_options(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet()
        options = self.rng.choice(IP_OPTIONS)[:40]
        return [self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, proto, l4, ident=self.ident(), options=options))]

    def c_ip_bad_csum(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet()
        good = P.ipv4_build(src_ip, dst_ip, proto, l4, ident=self.ident())
        wrong = self.bad_checksum(struct.unpack_from("!H", good, 10)[0])
        return [self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, proto, l4, ident=self.ip_ident, checksum=wrong))]

    # -------------------------------------------------------------- UDP

    def c_udp_trunc(self):
        dst_ip, dst_mac = self.target()
        src_mac, src_ip = self.source()
        udp = P.udp_build(src_ip, dst_ip, self.sport(), self.open_port(self.ctx.udp_ports, dst_ip), b"")
        return [self.to_client(P.PROTO_UDP, udp[:self.rng.randint(0, P.UDP_HEADER - 1)],
                               src=(src_mac, src_ip))]

    def c_udp_bad_length(self):
        dst_ip, dst_mac = self.target()
        src_mac, src_ip = self.source()
        data = self.payload(0, 300)
        real = P.UDP_HEADER + len(data)
        short = real - self.rng.randint(1, min(8, real - P.UDP_HEADER)) if real > P.UDP_HEADER \
            else real + 1
        length = self.rng.choice([0, self.rng.randint(1, 7), real + self.rng.randint(1, 2000),
                                  65535, short])
        udp = P.udp_build(src_ip, dst_ip, self.sport(), self.open_port(self.ctx.udp_ports, dst_ip),
                          data, length=length, checksum=self.rng.choice([None, 0]))
        return [self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, P.PROTO_UDP, udp, ident=self.ident()))]

    def c_udp_bad_csum(self):
        dst_ip, dst_mac = self.target()
        src_mac, src_ip = self.source()
        sport, dport = self.sport(), self.open_port(self.ctx.udp_ports, dst_ip)
        data = self.payload(1, 600)
        right = struct.unpack_from("!H", P.udp_build(src_ip, dst_ip, sport, dport, data), 6)[0]
        wrong = self.bad_checksum(right, zero_ok=False)
        udp = P.udp_build(src_ip, dst_ip, sport, dport, data, checksum=wrong)
        return [self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, P.PROTO_UDP, udp, ident=self.ident()))]

    def c_udp_closed(self):
        dst_ip, dst_mac = self.target()
        src_mac, src_ip = self.source()
        udp = P.udp_build(src_ip, dst_ip, self.sport(), self.closed_port(dst_ip), self.payload(0, 300))
        return [self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, P.PROTO_UDP, udp, ident=self.ident()))]

    # -------------------------------------------------------------- TCP

    def tcp_to_client(self, flags, payload=b"", options=b"", bad_checksum=False,
                      data_offset=None, port=None):
        dst_ip, dst_mac = self.target()
        src_mac, src_ip = self.source()
        dport = port if port is not None else self.open_port(self.ctx.tcp_ports, dst_ip)
        tcp = P.tcp_build(src_ip, dst_ip, self.sport(), dport, self.rng.getrandbits(32),
                          self.rng.getrandbits(32), flags, payload,
                          window=self.rng.getrandbits(16), options=options,
                          urgent=self.rng.getrandbits(16) if flags & P.TCP_URG else 0,
                          data_offset=data_offset)
        if bad_checksum:
            wrong = self.bad_checksum(struct.unpack_from("!H", tcp, 16)[0])
            tcp = tcp[:16] + struct.pack("!H", wrong) + tcp[18:]
        return self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, P.PROTO_TCP, tcp, ident=self.ident()))

    def c_tcp_trunc(self):
        kind = self.rng.randrange(3)
        if kind == 0:
            dst_ip, dst_mac = self.target()
            src_mac, src_ip = self.source()
            tcp = P.tcp_build(src_ip, dst_ip, self.sport(), self.open_port(self.ctx.tcp_ports, dst_ip),
                              0, 0, P.TCP_SYN)
            return [self.to_client(P.PROTO_TCP, tcp[:self.rng.randint(0, P.TCP_HEADER - 1)],
                                   src=(src_mac, src_ip))]
        if kind == 1:
            return [self.tcp_to_client(P.TCP_SYN, data_offset=self.rng.randint(0, 4))]
        return [self.tcp_to_client(self.rng.choice([P.TCP_SYN, P.TCP_ACK]), self.payload(0, 20),
                                   data_offset=15)]

    def c_tcp_bad_csum(self):
        flags = self.rng.choice([P.TCP_SYN, P.TCP_ACK, P.TCP_ACK | P.TCP_PSH, P.TCP_RST, P.TCP_FIN | P.TCP_ACK])
        return [self.tcp_to_client(flags, self.payload(0, 400), bad_checksum=True)]

    def c_tcp_flags(self):
        flags = self.tcp_flag_counter & 0x1FF
        self.tcp_flag_counter += 1
        if self.rng.random() < 0.1:
            flags |= self.rng.randint(1, 7) << 9  # the reserved bits
        port = None if self.rng.random() < 0.75 else self.rng.randint(1, 65535)
        payload = self.payload(0, 64) if self.rng.random() < 0.3 else b""
        options = P.tcp_mss_option(self.rng.choice([536, 1460, 1, 65535])) \
            if flags & P.TCP_SYN and self.rng.random() < 0.5 else b""
        return [self.tcp_to_client(flags, payload, options=options, port=port)]

    def c_tcp_options(self):
        options = self.rng.choice(BAD_TCP_OPTIONS)[:40]
        flags = self.rng.choice([P.TCP_SYN, P.TCP_SYN, P.TCP_ACK, P.TCP_SYN | P.TCP_ACK])
        return [self.tcp_to_client(flags, self.payload(0, 32), options=options)]

    # -------------------------------------------------------------- ICMP

    def c_icmp_trunc(self):
        dst_ip, _ = self.target()
        message = P.icmp_echo_build(P.ICMP_ECHO_REQUEST, 1, 1, b"")
        return [self.to_client(P.PROTO_ICMP, message[:self.rng.randint(0, P.ICMP_HEADER - 1)])]

    def c_icmp_bad_csum(self):
        message = P.icmp_echo_build(P.ICMP_ECHO_REQUEST, self.rng.getrandbits(16),
                                    self.rng.getrandbits(16), self.payload(0, 1000))
        wrong = self.bad_checksum(struct.unpack_from("!H", message, 2)[0])
        return [self.to_client(P.PROTO_ICMP, message[:2] + struct.pack("!H", wrong) + message[4:])]

    def quoted_header(self, dst_ip):
        """What an ICMP error quotes: an IPv4 header and 8 bytes, real-looking or bogus."""
        if self.rng.random() < 0.3:
            return self.payload(0, 40)
        proto = self.rng.choice([P.PROTO_UDP, P.PROTO_TCP, P.PROTO_ICMP])
        inner = struct.pack("!HHI", self.open_port(self.ctx.tcp_ports, dst_ip), self.sport(),
                            self.rng.getrandbits(32))
        header = P.ipv4_build(dst_ip, self.foreign_ip(), proto, inner,
                              ihl=self.rng.choice([None, None, 0, 15]))
        return header[:self.rng.randint(0, len(header))] if self.rng.random() < 0.3 else header

    def c_icmp_types(self):
        icmp_type = self.icmp_type_counter & 0xFF
        self.icmp_type_counter += 1
        code = self.rng.choice([0, 0, 1, 3, 4, self.rng.getrandbits(8)])
        dst_ip, dst_mac = self.target()
        if icmp_type in ICMP_ERROR_TYPES:
            body = self.quoted_header(dst_ip)
            rest = struct.pack("!HH", 0, self.rng.choice([0, 68, 576, 1500, 0xFFFF]))
        else:
            body = self.payload(0, 1472 - P.ICMP_HEADER)
            rest = self.rng.randbytes(4)
        message = P.icmp_build(icmp_type, code, rest, body)
        if icmp_type == P.ICMP_ECHO_REQUEST and self.rng.random() < 0.2:  # a broadcast ping
            return [self.ip_frame(P.BROADCAST_MAC, self.ctx.gw_mac, P.ipv4_build(
                self.ctx.gw_ip, self.ctx.broadcast_ip, P.PROTO_ICMP, message, ident=self.ident()))]
        src_mac, src_ip = self.source()
        return [self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, P.PROTO_ICMP, message, ident=self.ident()))]

    # -------------------------------------------------------------- fragments

    def fragment(self, dst_mac, src_mac, src_ip, dst_ip, proto, body, ident, offset, more, flags=0):
        """One fragment: body is the piece, offset in bytes (a multiple of 8 unless bad)."""
        return self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, proto, body, ident=ident, flags=flags | (P.IP_FLAG_MF if more else 0),
            frag_offset=offset // 8))

    def c_frag_first_flood(self):
        frames = []
        for _ in range(self.rng.randint(1, 4)):
            dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet(1400)
            cut = max(8, (len(l4) // 2) & ~7)
            frames.append(self.fragment(dst_mac, src_mac, src_ip, dst_ip, proto, l4[:cut],
                                        self.ident(), 0, True))
        return frames

    def c_frag_overlap(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet(100)
        l4 = l4 + self.rng.randbytes(max(0, 48 - len(l4)))  # room for three pieces
        ident = self.ident()
        pieces = []
        offset = 0
        while offset < len(l4):
            length = self.rng.choice([8, 16, 24, 32])  # under 48: two pieces at least
            pieces.append((offset, l4[offset:offset + length]))
            step = length - self.rng.choice([0, 8, 8, 16]) if length > 16 else length
            offset += max(8, step)
        if self.rng.random() < 0.5:  # one piece again, conflicting
            start, piece = self.rng.choice(pieces)
            pieces.append((start, self.rng.randbytes(len(piece))))
        self.rng.shuffle(pieces)
        last = max(start for start, _ in pieces)
        return [self.fragment(dst_mac, src_mac, src_ip, dst_ip, proto, piece, ident, start,
                              start != last) for start, piece in pieces]

    def c_frag_tiny(self):
        l4 = b""
        while len(l4) <= 8:  # two fragments at least
            dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet(
                self.rng.choice([24, 48, 48, 160]))
        ident = self.ident()
        frames = [self.fragment(dst_mac, src_mac, src_ip, dst_ip, proto, l4[off:off + 8], ident,
                                off, off + 8 < len(l4)) for off in range(0, len(l4), 8)]
        if self.rng.random() < 0.5:
            self.rng.shuffle(frames)
        return frames[:40]

    def c_frag_bad_offset(self):
        dst_mac, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet(400)
        ident = self.ident()
        kind = self.rng.randrange(5)
        if kind == 0:  # past 64 KiB
            return [self.fragment(dst_mac, src_mac, src_ip, dst_ip, proto, l4 or b"x" * 8, ident,
                                  self.rng.randint(65536 - 400, 65528) & ~7, self.rng.random() < 0.5)]
        if kind == 1:  # only a last fragment
            return [self.fragment(dst_mac, src_mac, src_ip, dst_ip, proto, l4, ident,
                                  self.rng.randint(1, 8000) * 8, False)]
        if kind == 2:  # not a multiple of 8, more to come
            return [self.fragment(dst_mac, src_mac, src_ip, dst_ip, proto,
                                  l4[:self.rng.randint(1, 7)] or b"x", ident,
                                  self.rng.randint(0, 100) * 8, True)]
        if kind == 3:  # DF and MF together, or the reserved flag
            return [self.fragment(dst_mac, src_mac, src_ip, dst_ip, proto, l4, ident, 0, True,
                                  flags=self.rng.choice([P.IP_FLAG_DF, 0x4]))]
        # empty fragments
        offset = self.rng.randint(0, 8191) * 8
        return [self.fragment(dst_mac, src_mac, src_ip, dst_ip, proto, b"", ident, offset,
                              self.rng.random() < 0.5 or offset == 0)]

    # -------------------------------------------------------------- broadcast, multicast

    def c_bcast_mcast(self):
        ctx = self.ctx
        kind = self.rng.randrange(5)
        if kind == 0:  # UDP to the broadcast addresses, echo port or not
            dst = self.rng.choice([ctx.broadcast_ip, b"\xff" * 4])
            port = self.rng.choice([p for ps in ctx.udp_ports.values() for p in ps] or [7]) \
                if self.rng.random() < 0.5 else self.rng.randint(1, 65535)
            udp = P.udp_build(ctx.gw_ip, dst, self.sport(), port, self.payload(0, 300))
            return [self.ip_frame(P.BROADCAST_MAC, ctx.gw_mac, P.ipv4_build(
                ctx.gw_ip, dst, P.PROTO_UDP, udp, ident=self.ident()))]
        if kind == 1:  # IGMP query to all hosts
            igmp = struct.pack("!BBH4s", 0x11, 100, 0, b"\x00" * 4)
            igmp = igmp[:2] + struct.pack("!H", P.internet_checksum(igmp)) + igmp[4:]
            return [self.ip_frame(b"\x01\x00\x5e\x00\x00\x01", ctx.gw_mac, P.ipv4_build(
                ctx.gw_ip, P.ip_bytes("224.0.0.1"), P.PROTO_IGMP, igmp, ttl=1,
                options=b"\x94\x04\x00\x00", ident=self.ident()))]
        if kind == 2:  # UDP to a multicast group
            group = bytes([self.rng.randint(224, 239)]) + self.rng.randbytes(3)
            mac = b"\x01\x00\x5e" + bytes([group[1] & 0x7F]) + group[2:]
            udp = P.udp_build(ctx.gw_ip, group, self.sport(), self.rng.randint(1, 65535),
                              self.payload(0, 300))
            return [self.ip_frame(mac, ctx.gw_mac, P.ipv4_build(
                ctx.gw_ip, group, P.PROTO_UDP, udp, ident=self.ident()))]
        if kind == 3:  # a unicast IP packet inside a broadcast frame
            _, src_mac, src_ip, dst_ip, proto, l4 = self.good_packet()
            return [self.ip_frame(P.BROADCAST_MAC, src_mac, P.ipv4_build(
                src_ip, dst_ip, proto, l4, ident=self.ident()))]
        mac = self.rng.choice([P.BROADCAST_MAC, b"\x33\x33" + self.rng.randbytes(4),
                               bytes([self.rng.getrandbits(8) | 1]) + self.rng.randbytes(5)])
        return [P.eth_build(mac, self.unicast_mac(), self.rng.getrandbits(16), self.payload(0, 1500))]

    # -------------------------------------------------------------- random contents

    def c_mac_random_payload(self):
        _, dst_mac = self.target()
        ethertype = self.rng.choice([P.ETHERTYPE_IPV4, P.ETHERTYPE_ARP, self.rng.getrandbits(16)])
        return [P.eth_build(dst_mac, self.rng.choice([self.ctx.gw_mac, self.unicast_mac()]),
                            ethertype, self.payload(0, P.ETH_MAX_FRAME - P.ETH_HEADER))]

    def c_oversize(self):
        size = self.rng.choice([1515, 1518, 1522, 1600, 2048, 2049, 4096, 9000, 9018, 16384,
                                32768, 65535, MAX_DATAGRAM, self.rng.randint(1515, MAX_DATAGRAM)])
        size = min(size, MAX_DATAGRAM)
        if self.rng.random() < 0.2:
            return [self.rng.randbytes(size)]
        dst_ip, dst_mac = self.target()
        src_mac, src_ip = self.source()
        data_len = size - P.ETH_HEADER - P.IPV4_HEADER - P.UDP_HEADER
        udp = P.udp_build(src_ip, dst_ip, self.sport(), self.open_port(self.ctx.udp_ports, dst_ip),
                          self.rng.randbytes(data_len))
        return [self.ip_frame(dst_mac, src_mac, P.ipv4_build(
            src_ip, dst_ip, P.PROTO_UDP, udp, ident=self.ident()))]

    def c_random_bytes(self):
        frame = self.rng.randbytes(self.rng.randint(P.ETH_HEADER, P.ETH_MAX_FRAME))
        roll = self.rng.random()
        if roll < 0.4:  # delivered to a client rather than filtered by MAC
            frame = self.target()[1] + frame[6:]
        elif roll < 0.5:
            frame = P.BROADCAST_MAC + frame[6:]
        return [frame]
