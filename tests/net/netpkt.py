"""Frame building and parsing for the network test tools: Ethernet, ARP, IPv4, UDP, TCP, ICMP.

Every builder takes the fields a test wants to control and computes the rest (lengths,
checksums) unless told otherwise: passing checksum=..., total_length=..., ihl=... or
length=... writes exactly that value, which is how the injector makes malformed frames.

Every parser takes untrusted bytes and either returns a parsed header or raises
Malformed with a short reason: a parser never indexes past the data it was given, and a
caller that catches Malformed has seen every way the input can be bad. Checksums are
*reported* by the parsers (checksum_ok), not enforced, so a caller decides what a bad
checksum means.

Standard library only (struct, socket); our own code.
"""

import socket
import struct
import time

ETH_HEADER = 14
ETH_MAX_FRAME = 1514  # header + 1500 bytes of payload, no FCS
ETH_MIN_FRAME = 60  # what a real NIC pads to (without FCS); we never need to pad

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_ARP = 0x0806
ETHERTYPE_VLAN = 0x8100
ETHERTYPE_IPV6 = 0x86DD

PROTO_ICMP = 1
PROTO_IGMP = 2
PROTO_TCP = 6
PROTO_UDP = 17

ARP_REQUEST = 1
ARP_REPLY = 2

ICMP_ECHO_REPLY = 0
ICMP_UNREACHABLE = 3
ICMP_ECHO_REQUEST = 8
ICMP_PORT_UNREACHABLE = 3  # code of ICMP_UNREACHABLE

TCP_FIN = 0x001
TCP_SYN = 0x002
TCP_RST = 0x004
TCP_PSH = 0x008
TCP_ACK = 0x010
TCP_URG = 0x020
TCP_ECE = 0x040
TCP_CWR = 0x080
TCP_NS = 0x100  # lowest bit of the data-offset byte
TCP_FLAG_BITS = 12  # 9 named flags and 3 reserved bits

IP_FLAG_MF = 0x1  # more fragments
IP_FLAG_DF = 0x2  # don't fragment

BROADCAST_MAC = b"\xff" * 6
ZERO_MAC = b"\x00" * 6


class Malformed(Exception):
    """Input that cannot be parsed as the header it claims to be."""


# ---------------------------------------------------------------- addresses


def mac_bytes(text):
    """'aa:bb:cc:dd:ee:ff' -> 6 bytes."""
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError("not a MAC address: %r" % text)
    return bytes(int(p, 16) for p in parts)


def mac_str(raw):
    return ":".join("%02x" % b for b in raw)


def ip_bytes(text):
    """'10.0.2.15' -> 4 bytes."""
    return socket.inet_aton(text)


def ip_str(raw):
    return socket.inet_ntoa(raw)


def host_port(text):
    """'10.0.2.15:1235' -> ('10.0.2.15', 1235)."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("not HOST:PORT: %r" % text)
    return host, int(port)


# ---------------------------------------------------------------- checksums


def internet_checksum(data):
    """RFC 1071 one's-complement sum of 16-bit big-endian words, complemented."""
    if len(data) % 2:
        data = data + b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo_header(src_ip, dst_ip, proto, length):
    """The IPv4 pseudo-header UDP and TCP checksums cover."""
    return src_ip + dst_ip + struct.pack("!BBH", 0, proto, length)


# ---------------------------------------------------------------- Ethernet


class Eth:
    __slots__ = ("dst", "src", "ethertype", "payload")

    def __init__(self, dst, src, ethertype, payload):
        self.dst, self.src, self.ethertype, self.payload = dst, src, ethertype, payload


def eth_build(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def eth_parse(frame):
    if len(frame) < ETH_HEADER:
        raise Malformed("runt frame (%d bytes)" % len(frame))
    (ethertype,) = struct.unpack_from("!H", frame, 12)
    return Eth(frame[0:6], frame[6:12], ethertype, frame[ETH_HEADER:])


# ---------------------------------------------------------------- ARP (Ethernet/IPv4 only)

ARP_LENGTH = 28


class Arp:
    __slots__ = ("op", "sha", "spa", "tha", "tpa")

    def __init__(self, op, sha, spa, tha, tpa):
        self.op, self.sha, self.spa, self.tha, self.tpa = op, sha, spa, tha, tpa


def arp_build(op, sha, spa, tha, tpa, htype=1, ptype=ETHERTYPE_IPV4, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


def arp_parse(data):
    if len(data) < ARP_LENGTH:
        raise Malformed("ARP truncated (%d bytes)" % len(data))
    htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", data, 0)
    if (htype, ptype, hlen, plen) != (1, ETHERTYPE_IPV4, 6, 4):
        raise Malformed("ARP not Ethernet/IPv4")
    return Arp(op, data[8:14], data[14:18], data[18:24], data[24:28])


# ---------------------------------------------------------------- IPv4

IPV4_HEADER = 20


class IPv4:
    __slots__ = ("ihl", "tos", "total_length", "ident", "flags", "frag_offset", "ttl",
                 "proto", "checksum", "src", "dst", "options", "payload", "checksum_ok")

    def is_fragment(self):
        return bool(self.flags & IP_FLAG_MF) or self.frag_offset != 0


def ipv4_build(src, dst, proto, payload, ident=0, ttl=64, flags=0, frag_offset=0, tos=0,
               options=b"", checksum=None, total_length=None, ihl=None, version=4):
    """An IPv4 packet. frag_offset is in 8-byte units, as on the wire."""
    if ihl is None:
        ihl = (IPV4_HEADER + len(options) + 3) // 4
        options = options + b"\x00" * (ihl * 4 - IPV4_HEADER - len(options))
    if total_length is None:
        total_length = IPV4_HEADER + len(options) + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", (version << 4) | (ihl & 0xF), tos,
                         total_length & 0xFFFF, ident & 0xFFFF,
                         ((flags & 0x7) << 13) | (frag_offset & 0x1FFF), ttl, proto, 0,
                         src, dst) + options
    if checksum is None:
        checksum = internet_checksum(header)
    header = header[:10] + struct.pack("!H", checksum & 0xFFFF) + header[12:]
    return header + payload


def ipv4_parse(data):
    """Parse and bound an IPv4 packet: payload is cut to total_length."""
    if len(data) < IPV4_HEADER:
        raise Malformed("IPv4 header truncated (%d bytes)" % len(data))
    vihl, tos, total_length, ident, fragword, ttl, proto, checksum = \
        struct.unpack_from("!BBHHHBBH", data, 0)
    if vihl >> 4 != 4:
        raise Malformed("IPv4 version %d" % (vihl >> 4))
    ihl = (vihl & 0xF) * 4
    if ihl < IPV4_HEADER:
        raise Malformed("IPv4 header length %d" % ihl)
    if ihl > len(data):
        raise Malformed("IPv4 header length %d beyond the packet (%d)" % (ihl, len(data)))
    if total_length < ihl:
        raise Malformed("IPv4 total length %d below the header (%d)" % (total_length, ihl))
    if total_length > len(data):
        raise Malformed("IPv4 total length %d beyond the frame (%d)" % (total_length, len(data)))
    ip = IPv4()
    ip.ihl, ip.tos, ip.total_length, ip.ident = ihl, tos, total_length, ident
    ip.flags, ip.frag_offset = fragword >> 13, fragword & 0x1FFF
    ip.ttl, ip.proto, ip.checksum = ttl, proto, checksum
    ip.src, ip.dst = data[12:16], data[16:20]
    ip.options = data[IPV4_HEADER:ihl]
    ip.payload = data[ihl:total_length]
    ip.checksum_ok = internet_checksum(data[:ihl]) == 0
    return ip


# ---------------------------------------------------------------- UDP

UDP_HEADER = 8


class Udp:
    __slots__ = ("sport", "dport", "length", "checksum", "payload", "checksum_ok")


def udp_build(src_ip, dst_ip, sport, dport, payload, checksum=None, length=None):
    if length is None:
        length = UDP_HEADER + len(payload)
    segment = struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0) + payload
    if checksum is None:
        checksum = internet_checksum(
            pseudo_header(src_ip, dst_ip, PROTO_UDP, len(segment)) + segment) or 0xFFFF
    return segment[:6] + struct.pack("!H", checksum & 0xFFFF) + segment[8:]


def udp_parse(ip):
    data = ip.payload
    if len(data) < UDP_HEADER:
        raise Malformed("UDP header truncated (%d bytes)" % len(data))
    udp = Udp()
    udp.sport, udp.dport, udp.length, udp.checksum = struct.unpack_from("!HHHH", data, 0)
    if udp.length < UDP_HEADER or udp.length > len(data):
        raise Malformed("UDP length %d in a %d-byte payload" % (udp.length, len(data)))
    udp.payload = data[UDP_HEADER:udp.length]
    udp.checksum_ok = udp.checksum == 0 or internet_checksum(
        pseudo_header(ip.src, ip.dst, PROTO_UDP, udp.length) + data[:udp.length]) == 0
    return udp


# ---------------------------------------------------------------- TCP

TCP_HEADER = 20
TCP_OPT_END, TCP_OPT_NOP, TCP_OPT_MSS = 0, 1, 2


class Tcp:
    __slots__ = ("sport", "dport", "seq", "ack", "data_offset", "flags", "window",
                 "checksum", "urgent", "options", "payload", "checksum_ok")

    def mss(self, default=536):
        """The MSS option's value, or default (RFC 9293) when there is none."""
        opts, i = self.options, 0
        while i < len(opts):
            kind = opts[i]
            if kind == TCP_OPT_END:
                break
            if kind == TCP_OPT_NOP:
                i += 1
                continue
            if i + 1 >= len(opts) or opts[i + 1] < 2:
                break
            if kind == TCP_OPT_MSS and opts[i + 1] == 4 and i + 4 <= len(opts):
                return struct.unpack_from("!H", opts, i + 2)[0]
            i += opts[i + 1]
        return default


def tcp_build(src_ip, dst_ip, sport, dport, seq, ack, flags, payload=b"", window=65535,
              options=b"", urgent=0, checksum=None, data_offset=None):
    """A TCP segment. flags is the 12-bit field: reserved bits, NS, CWR ... FIN."""
    if data_offset is None:
        options = options + b"\x00" * (-len(options) % 4)
        data_offset = (TCP_HEADER + len(options)) // 4
    offword = ((data_offset & 0xF) << 12) | (flags & 0xFFF)
    segment = struct.pack("!HHIIHHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          offword, window & 0xFFFF, 0, urgent & 0xFFFF) + options + payload
    if checksum is None:
        checksum = internet_checksum(
            pseudo_header(src_ip, dst_ip, PROTO_TCP, len(segment)) + segment)
    return segment[:16] + struct.pack("!H", checksum & 0xFFFF) + segment[18:]


def tcp_mss_option(mss):
    return struct.pack("!BBH", TCP_OPT_MSS, 4, mss)


def tcp_parse(ip):
    data = ip.payload
    if len(data) < TCP_HEADER:
        raise Malformed("TCP header truncated (%d bytes)" % len(data))
    tcp = Tcp()
    tcp.sport, tcp.dport, tcp.seq, tcp.ack, offword, tcp.window, tcp.checksum, tcp.urgent = \
        struct.unpack_from("!HHIIHHHH", data, 0)
    tcp.data_offset = (offword >> 12) * 4
    tcp.flags = offword & 0xFFF
    if tcp.data_offset < TCP_HEADER or tcp.data_offset > len(data):
        raise Malformed("TCP data offset %d in a %d-byte segment" % (tcp.data_offset, len(data)))
    tcp.options = data[TCP_HEADER:tcp.data_offset]
    tcp.payload = data[tcp.data_offset:]
    tcp.checksum_ok = internet_checksum(
        pseudo_header(ip.src, ip.dst, PROTO_TCP, len(data)) + data) == 0
    return tcp


def tcp_flags_str(flags):
    names = "FSRPAUEC"
    text = "".join(n for i, n in enumerate(names) if flags & (1 << i))
    if flags & TCP_NS:
        text += "N"
    if flags & 0xE00:
        text += "r%x" % (flags >> 9)
    return text or "-"


# ---------------------------------------------------------------- ICMP

ICMP_HEADER = 8


class Icmp:
    __slots__ = ("type", "code", "checksum", "rest", "payload", "checksum_ok")

    def echo_id_seq(self):
        return struct.unpack("!HH", self.rest)


def icmp_build(icmp_type, code, rest, payload, checksum=None):
    """An ICMP message; rest is the 4 bytes after the checksum (id/seq for echo)."""
    message = struct.pack("!BBH", icmp_type, code, 0) + rest + payload
    if checksum is None:
        checksum = internet_checksum(message)
    return message[:2] + struct.pack("!H", checksum & 0xFFFF) + message[4:]


def icmp_echo_build(icmp_type, ident, seq, payload, checksum=None):
    return icmp_build(icmp_type, 0, struct.pack("!HH", ident, seq), payload, checksum)


def icmp_parse(ip):
    data = ip.payload
    if len(data) < ICMP_HEADER:
        raise Malformed("ICMP header truncated (%d bytes)" % len(data))
    icmp = Icmp()
    icmp.type, icmp.code, icmp.checksum = struct.unpack_from("!BBH", data, 0)
    icmp.rest = data[4:8]
    icmp.payload = data[8:]
    icmp.checksum_ok = internet_checksum(data) == 0
    return icmp


# ---------------------------------------------------------------- whole frames


def udp_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, payload, ident=0):
    return eth_build(dst_mac, src_mac, ETHERTYPE_IPV4, ipv4_build(
        src_ip, dst_ip, PROTO_UDP, udp_build(src_ip, dst_ip, sport, dport, payload),
        ident=ident))


def tcp_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, seq, ack, flags, payload=b"",
              window=65535, options=b"", ident=0):
    return eth_build(dst_mac, src_mac, ETHERTYPE_IPV4, ipv4_build(
        src_ip, dst_ip, PROTO_TCP,
        tcp_build(src_ip, dst_ip, sport, dport, seq, ack, flags, payload, window, options),
        ident=ident))


def icmp_echo_frame(dst_mac, src_mac, src_ip, dst_ip, icmp_type, ident, seq, payload,
                    ip_ident=0):
    return eth_build(dst_mac, src_mac, ETHERTYPE_IPV4, ipv4_build(
        src_ip, dst_ip, PROTO_ICMP, icmp_echo_build(icmp_type, ident, seq, payload),
        ident=ip_ident))


def arp_frame(dst_mac, src_mac, op, sha, spa, tha, tpa):
    return eth_build(dst_mac, src_mac, ETHERTYPE_ARP, arp_build(op, sha, spa, tha, tpa))


# ---------------------------------------------------------------- pcap


class PcapWriter:
    """A classic pcap file (LINKTYPE_ETHERNET), for looking at a run in wireshark/tcpdump."""

    def __init__(self, path):
        self.file = open(path, "wb")
        self.file.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def write(self, frame, stamp=None):
        stamp = time.time() if stamp is None else stamp
        seconds = int(stamp)
        self.file.write(struct.pack("<IIII", seconds, int((stamp - seconds) * 1e6),
                                    min(len(frame), 65535), len(frame)))
        self.file.write(frame[:65535])

    def close(self):
        self.file.close()
