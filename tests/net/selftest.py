#!/usr/bin/python3
"""The net-host-tools suite: the network test tools checked against host-local stand-ins.

  selftest.py [--work DIR] [--only SUBSTRING] [--list]

Every check runs a tool the way a system test will, against host_echo.py (UDP and TCP
echo, HTTP status page, each with faults), standin_guest.py (a guest behind a dgram
socket pair) or QEMU's own user-mode network behind `-netdev dgram`, and judges the
tool's exit status and its JSON line. Each good case has a broken twin that the tool
must fail on, so that no check can pass by doing nothing.

Prints "PASS: net/<name>" or "FAIL: net/<name>: <why>" per check (scripts/run-suite.sh
reads these); each tool's output is kept in DIR/<name>.log. Exit status 1 if any failed.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import net_flood

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable or "/usr/bin/python3"
WORK = None


class Failure(Exception):
    pass


def expect(condition, why):
    if not condition:
        raise Failure(why)


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_path(name):
    return os.path.join(WORK, name.replace("/", "-") + ".log")


def tool(name, argv, timeout=120):
    """Run one tool to completion; (exit status, stdout). Output goes to the log too."""
    command = ([PYTHON] if argv[0].endswith(".py") else []) + [os.path.join(HERE, argv[0])] + argv[1:]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        rc, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "timeout", (e.stdout or b"").decode(errors="replace"), \
            (e.stderr or b"").decode(errors="replace")
    with open(log_path(name), "a") as log:
        log.write("$ %s\n%s%s[exit status %s]\n\n" % (" ".join(command), out, err, rc))
    if rc == "timeout":
        raise Failure("%s did not finish within %d s" % (argv[0], timeout))
    return rc, out


def result_json(out):
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise Failure("no JSON line in the output")


class Background:
    """A helper process (host_echo.py, standin_guest.py, QEMU) for the length of a check:
    started, waited for (a READY line, or a port to appear), stopped by its pid."""

    def __init__(self, name, command, ready=True):
        self.name, self.command, self.ready = name, command, ready
        self.proc = None
        self.fields = {}
        self.output = ""

    def __enter__(self):
        self.log = open(log_path(self.name), "a")
        self.log.write("$ %s &\n" % " ".join(self.command))
        self.log.flush()
        self.proc = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True)
        if self.ready:
            line = self.proc.stdout.readline()
            if not line.startswith("READY"):
                self.stop()
                raise Failure("%s did not start: %r" % (os.path.basename(self.command[1]), line))
            self.fields = dict(f.split("=") for f in line.split()[1:])
        return self

    def port(self, kind):
        return int(self.fields[kind])

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """Stop it (SIGTERM, then SIGKILL); returns its exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.output = self.proc.stdout.read()
        self.log.write(self.output + "[exit status %s]\n\n" % self.proc.returncode)
        self.log.close()
        return self.proc.returncode

    def __exit__(self, *_):
        if self.proc and not self.log.closed:
            self.stop()


def echo_server(name, *faults):
    return Background(name, [PYTHON, os.path.join(HERE, "host_echo.py"), "--udp", "0",
                             "--tcp", "0", "--http", "0"] + list(faults))


# ------------------------------------------------------------------ udp_echo_check


def udp_check(name, faults, extra, expect_rc):
    with echo_server(name, *faults) as srv:
        rc, out = tool(name, ["udp_echo_check.py", "--host", "127.0.0.1", "--port",
                              str(srv.port("udp")), "--timeout", "0.3", "--retries", "2"] + extra)
    s = result_json(out)
    expect(rc == expect_rc, "exit status %s, expected %d: %s" % (rc, expect_rc, out.splitlines()[0]))
    return s


def t_udp_clean():
    s = udp_check("udp-echo/clean", [], ["--count", "10000"], 0)
    expect(s["echoed"] == 10000 and s["lost"] == s["corrupt"] == s["duplicated"] == 0,
           "not all 10000 echoed cleanly: %s" % s)


def t_udp_corrupt():
    s = udp_check("udp-echo/one-byte-corrupted", ["--udp-corrupt", "100"], [], 1)
    expect(s["corrupt"] == 1, "corrupt %d, expected 1" % s["corrupt"])


def t_udp_drop_strict():
    s = udp_check("udp-echo/five-dropped-strict", ["--udp-drop", "5"], [], 1)
    expect(s["lost"] == 5, "lost %d, expected 5" % s["lost"])


def t_udp_drop_allowed():
    s = udp_check("udp-echo/five-dropped-allowed", ["--udp-drop", "5"], ["--max-loss", "5"], 0)
    expect(s["lost"] == 5 and s["echoed"] == 9995, "lost %d echoed %d" % (s["lost"], s["echoed"]))


def t_udp_duplicate():
    s = udp_check("udp-echo/duplicated", ["--udp-duplicate", "77"], [], 1)
    expect(s["duplicated"] == 1, "duplicated %d, expected 1" % s["duplicated"])


def t_udp_no_server():
    name = "udp-echo/no-server"
    rc, out = tool(name, ["udp_echo_check.py", "--host", "127.0.0.1", "--port", str(free_port()),
                          "--count", "20", "--timeout", "0.1", "--retries", "1"])
    s = result_json(out)
    expect(rc == 1 and s["lost"] == 20 and s["echoed"] == 0, "rc %s, %s" % (rc, out.splitlines()[0]))


# ------------------------------------------------------------------ tcp_stream_check


def tcp_check(name, faults, extra=()):
    with echo_server(name, *faults) as srv:
        return tool(name, ["tcp_stream_check.py", "--host", "127.0.0.1", "--port",
                           str(srv.port("tcp")), "--timeout", "2"] + list(extra))


def t_tcp_clean():
    rc, out = tcp_check("tcp-stream/clean-16MiB", [], ["--bytes", "16MiB"])
    s = result_json(out)
    expect(rc == 0 and s["echoed"] == 16 << 20, "rc %s: %s" % (rc, out.splitlines()[0]))


def t_tcp_flip():
    rc, out = tcp_check("tcp-stream/one-byte-flipped", ["--tcp-flip", "5000000"])
    s = result_json(out)
    expect(rc == 1 and "mismatch at byte offset 5000000" in (s["failure"] or ""),
           "rc %s: %s" % (rc, s["failure"]))


def t_tcp_short():
    rc, out = tcp_check("tcp-stream/short-echo", ["--tcp-truncate", "1000000"])
    s = result_json(out)
    expect(rc == 1 and "short echo" in (s["failure"] or ""), "rc %s: %s" % (rc, s["failure"]))


def t_tcp_reset():
    rc, out = tcp_check("tcp-stream/reset", ["--tcp-reset", "1000000"])
    s = result_json(out)
    expect(rc == 1 and "reset" in (s["failure"] or ""), "rc %s: %s" % (rc, s["failure"]))


def t_tcp_stall():
    rc, out = tcp_check("tcp-stream/stalled", ["--tcp-stall", "1000000"], ["--timeout", "1"])
    s = result_json(out)
    expect(rc == 1 and "no echo for" in (s["failure"] or ""), "rc %s: %s" % (rc, s["failure"]))


def t_tcp_refused():
    name = "tcp-stream/refused"
    rc, out = tool(name, ["tcp_stream_check.py", "--host", "127.0.0.1", "--port",
                          str(free_port(socket.SOCK_STREAM)), "--timeout", "2"])
    s = result_json(out)
    expect(rc == 1 and "cannot connect" in (s["failure"] or ""), "rc %s: %s" % (rc, s["failure"]))


# ------------------------------------------------------------------ http_check.sh


def http_check(name, faults, words, expect_rc, url_kind="http", timeout="5"):
    with echo_server(name, *faults) as srv:
        url = "http://127.0.0.1:%d/status" % srv.port(url_kind)
        rc, out = tool(name, ["http_check.sh", "--timeout", timeout, url] + words)
    expect(rc == expect_rc, "exit status %s, expected %d: %s" % (rc, expect_rc, out.strip()))
    return out


def t_http_ok():
    http_check("http/ok", ["--http-body", "bastion status: up, clients 3"], ["bastion", "up", "clients 3"], 0)


def t_http_missing_word():
    out = http_check("http/missing-word", [], ["bastion", "down"], 1)
    expect("lacks: down" in out, "no word named: %s" % out.strip())


def t_http_status():
    out = http_check("http/status-503", ["--http-status", "503"], ["bastion"], 1)
    expect("status 503" in out, "status not named: %s" % out.strip())


def t_http_no_answer():
    out = http_check("http/no-answer", ["--tcp-stall", "0"], ["bastion"], 1, url_kind="tcp",
                     timeout="1")
    expect("no answer" in out, "not reported as no answer: %s" % out.strip())


# ------------------------------------------------------------------ udp_load.py


def t_load_fixed():
    name = "udp-load/fixed-rate"
    with echo_server(name) as srv:
        rc, out = tool(name, ["udp_load.py", "--host", "127.0.0.1", "--port", str(srv.port("udp")),
                              "--rate", "2000", "--duration", "1", "--drain", "0.3"])
    s = result_json(out)
    expect(rc == 0 and s["sent"] == s["offered"] == 2000, "rc %s: %s" % (rc, out.splitlines()[0]))
    expect(s["loss_ratio"] < 0.01 and s["corrupt"] == 0, "loss %.3f corrupt %d on a clean echo"
           % (s["loss_ratio"], s["corrupt"]))


def t_load_loss():
    name = "udp-load/one-in-ten-dropped"
    with echo_server(name, "--udp-drop-every", "10") as srv:
        rc, out = tool(name, ["udp_load.py", "--host", "127.0.0.1", "--port", str(srv.port("udp")),
                              "--rate", "2000", "--duration", "1", "--drain", "0.3"])
    s = result_json(out)
    expect(rc == 0 and 0.09 <= s["loss_ratio"] <= 0.11, "loss %.3f, expected 0.10" % s["loss_ratio"])


def t_load_max():
    name = "udp-load/max-finds-a-rate-limit"
    with echo_server(name, "--udp-rate-limit", "2000") as srv:
        rc, out = tool(name, ["udp_load.py", "--host", "127.0.0.1", "--port", str(srv.port("udp")),
                              "--max", "--start-rate", "500", "--step-duration", "0.5",
                              "--drain", "0.2", "--search-steps", "3"])
    s = result_json(out)
    expect(rc == 0 and 1500 <= s["best_rate"] <= 2250,
           "best rate %s for a server that echoes 2000/s at most" % s["best_rate"])


# ------------------------------------------------------------------ frames


def t_known_checksums():
    import netpkt as P
    # The IPv4 header of Wikipedia's worked example (and many textbooks): checksum 0xb861.
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    expect(P.internet_checksum(header) == 0xB861, "IPv4 header checksum %04x, expected b861"
           % P.internet_checksum(header))
    built = P.ipv4_build(P.ip_bytes("192.168.0.1"), P.ip_bytes("192.168.0.199"), P.PROTO_UDP,
                         b"\x00" * 95, flags=P.IP_FLAG_DF)
    expect(built[:20] == bytes.fromhex("450000730000400040 11b861c0a80001c0a800c7".replace(" ", "")),
           "ipv4_build made %s" % built[:20].hex())
    # RFC 1071's example words sum to ddf2 (checksum 220d); an odd length is padded with 0.
    expect(P.internet_checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0x220D, "RFC 1071 example")
    expect(P.internet_checksum(b"\x01") == 0xFEFF, "odd length not padded at the end")
    # A UDP datagram and a TCP segment verify after building, and fail after a bit flip.
    src, dst = P.ip_bytes("10.0.2.2"), P.ip_bytes("10.0.2.15")
    for proto, l4 in ((P.PROTO_UDP, P.udp_build(src, dst, 1, 1235, b"hello")),
                      (P.PROTO_TCP, P.tcp_build(src, dst, 1, 7, 5, 6, P.TCP_ACK, b"hello")),
                      (P.PROTO_ICMP, P.icmp_echo_build(8, 1, 2, b"hello"))):
        ip = P.ipv4_parse(P.ipv4_build(src, dst, proto, l4))
        parse = {P.PROTO_UDP: P.udp_parse, P.PROTO_TCP: P.tcp_parse, P.PROTO_ICMP: P.icmp_parse}[proto]
        expect(ip.checksum_ok and parse(ip).checksum_ok, "protocol %d does not verify" % proto)
        bad = P.ipv4_parse(P.ipv4_build(src, dst, proto, l4[:-1] + b"\x00"))
        expect(not parse(bad).checksum_ok, "protocol %d verifies with a flipped byte" % proto)


def category_defect(name, frame):
    """Whether frame has the defect its category promises (None: it has), else why not."""
    import netpkt as P
    def parsed_ip():
        return P.ipv4_parse(P.eth_parse(frame).payload)
    def raises(layer):
        try:
            layer()
        except P.Malformed:
            return None
        return "parses"
    if name == "runt":
        return None if 0 < len(frame) < 14 else "%d bytes" % len(frame)
    if name == "oversize":
        return None if len(frame) > 1514 else "%d bytes" % len(frame)
    if name == "random-bytes":
        return None if 14 <= len(frame) <= 1514 else "%d bytes" % len(frame)
    if name == "arp-trunc":
        return raises(lambda: P.arp_parse(P.eth_parse(frame).payload))
    if name in ("ipv4-trunc", "ipv4-bad-version"):
        return raises(parsed_ip)
    if name == "ipv4-bad-length":
        try:
            ip = parsed_ip()
        except P.Malformed:
            return None
        return None if ip.total_length < len(frame) - 14 else "total length %d fits" % ip.total_length
    if name == "ip-bad-csum":
        return None if not parsed_ip().checksum_ok else "checksum verifies"
    layer = {"udp": P.udp_parse, "tcp": P.tcp_parse, "icmp": P.icmp_parse}.get(name.split("-")[0])
    if name == "udp-bad-length":  # too long or too short for the IP payload
        try:
            ip = parsed_ip()
            udp = P.udp_parse(ip)
        except P.Malformed:
            return None
        return None if udp.length != len(ip.payload) else "length %d fits" % udp.length
    if name in ("udp-trunc", "tcp-trunc", "icmp-trunc"):
        return raises(lambda: layer(parsed_ip()))
    if name in ("udp-bad-csum", "tcp-bad-csum", "icmp-bad-csum"):
        ip = parsed_ip()
        return None if ip.checksum_ok and not layer(ip).checksum_ok else "checksum verifies"
    if name == "udp-closed":
        ip = parsed_ip()
        udp = P.udp_parse(ip)
        return None if ip.checksum_ok and udp.checksum_ok and udp.dport != 1235 else "port %d" % udp.dport
    if name.startswith("frag-"):
        ip = parsed_ip()
        return None if ip.is_fragment() or ip.flags & 0x6 else "not a fragment"
    return None  # the others are judged by what they cover (below) and by the stand-in


def t_categories():
    import net_flood as F
    import netpkt as P
    clients = [(P.ip_bytes(ip), bytes([2, 0x5A, 0, 0, 0, i + 1])) for i, ip in enumerate(CLIENTS)]
    ctx = F.FloodContext(P.ip_bytes("10.0.2.2"), P.mac_bytes("02:00:0a:00:02:02"), 24, clients,
                         {clients[0][0]: [1235]}, {clients[1][0]: [1236]})
    flood = F.Flood(11, ctx)
    flags, icmp_types = set(), set()
    for name, frame in flood.frames(60000):
        why = category_defect(name, frame)
        expect(why is None, "a %s frame is not what it says (%s): %s" % (name, why, frame[:48].hex()))
        if name == "tcp-flags":
            flags.add(P.tcp_parse(P.ipv4_parse(frame[14:])).flags & 0x1FF)
        if name == "icmp-types":
            icmp_types.add(P.icmp_parse(P.ipv4_parse(frame[14:])).type)
    expect(len(flags) == 512, "tcp-flags covered %d of the 512 combinations" % len(flags))
    expect(len(icmp_types) == 256, "icmp-types covered %d of the 256 types" % len(icmp_types))


# ------------------------------------------------------------------ net_inject.py

CLIENTS = ["10.0.2.10", "10.0.2.11", "10.0.2.12"]
UDP_ECHO = "10.0.2.10:1235"
TCP_ECHO = "10.0.2.11:1236"
ALL_CATEGORIES = 32


def client_args(flag="--client"):
    args = []
    for ip in CLIENTS:
        args += [flag, ip]
    return args + ["--udp-echo", UDP_ECHO, "--tcp-echo", TCP_ECHO]


def inject_with_standin(name, standin_faults, inject_extra, timeout=120):
    qemu_port, our_port = free_port(), free_port()
    standin = [PYTHON, os.path.join(HERE, "standin_guest.py"), "--local", "127.0.0.1:%d" % qemu_port,
               "--remote", "127.0.0.1:%d" % our_port, "--duration", str(timeout)] + \
        client_args() + list(standin_faults)
    with Background(name, standin) as guest:
        rc, out = tool(name, ["net_inject.py", "--qemu", "127.0.0.1:%d" % qemu_port,
                              "--listen", "127.0.0.1:%d" % our_port, "--boot-wait", "5",
                              "--tcp-port", "80"] + client_args() + inject_extra, timeout)
        alive = guest.alive()
        guest_rc = guest.stop()
    stats = None
    for line in guest.output.splitlines():
        if line.startswith("STATS "):
            stats = json.loads(line[6:])
    expect(stats is not None, "the stand-in printed no STATS (it died: exit status %s)" % guest_rc)
    expect(alive and guest_rc == 0 and stats["exceptions"] == 0,
           "the stand-in guest failed on a frame: %d exceptions, exit status %s (see %s)"
           % (stats["exceptions"], guest_rc, log_path(name)))
    return rc, out, stats


def t_inject_dry_run():
    name = "inject/deterministic-from-seed"
    digests = []
    for seed in ("7", "7", "8"):
        rc, out = tool(name, ["net_inject.py", "--dry-run", "--frames", "5000", "--seed", seed]
                       + client_args())
        s = result_json(out)
        expect(rc == 0 and s["frames"] == 5000, "dry run: rc %s, %s frames" % (rc, s.get("frames")))
        expect(len(s["categories"]) == ALL_CATEGORIES and min(s["categories"].values()) > 0,
               "not every category made frames: %s" % s["categories"])
        digests.append(s["digest"])
    expect(digests[0] == digests[1], "seed 7 gave two different floods")
    expect(digests[0] != digests[2], "seeds 7 and 8 gave the same flood")


def t_inject_standin():
    name = "inject/standin-survives-20000-frames"
    rc, out, stats = inject_with_standin(name, [], ["--frames", "20000", "--seed", "3"])
    s = result_json(out)
    expect(rc == 0, "exit status %s: %s" % (rc, s.get("result")))
    expect(s["frames_sent"] == 20000, "sent %d frames" % s["frames_sent"])
    expect(len(s["categories"]) == ALL_CATEGORIES and min(s["categories"].values()) > 0,
           "a category sent nothing: %s" % s["categories"])
    expect(s["probes"]["answered"] > 100 and s["probes"]["wrong"] == 0, "probes: %s" % s["probes"])
    expect(stats["frames"] >= 20000, "the stand-in saw %d frames" % stats["frames"])
    expect(stats.get("tcp: connections", 0) >= 2 and stats.get("tx-udp-echo", 0) >= 32,
           "the checks did not reach the stand-in's TCP and UDP echo: %s" % stats)
    expect(s["arp_answers"] > 0, "the stand-in's ARP requests were never answered")


def t_inject_dead_guest():
    name = "inject/guest-dies-mid-flood"
    rc, out, _ = inject_with_standin(name, ["--die-after", "4000"], [
        "--frames", "20000", "--probe-timeout", "0.3", "--max-probe-losses", "4",
        "--check-timeout", "0.5"])
    s = result_json(out)
    expect(rc == 1, "exit status %s for a guest that stopped answering: %s" % (rc, s.get("result")))
    expect(s["stopped_early"] and s["frames_sent"] < 20000,
           "the flood did not notice: %s" % s.get("stopped_early"))


def t_inject_corrupt_guest():
    name = "inject/guest-corrupts-udp-after-flood"
    rc, out, _ = inject_with_standin(name, ["--corrupt-udp-after", "1000"],
                                     ["--frames", "6000", "--check-timeout", "0.5"])
    s = result_json(out)
    expect(rc == 1 and "came back wrong" in s["result"], "exit status %s: %s" % (rc, s["result"]))
    expect(all(c["ok"] for c in s["before"]), "already failing before the flood")


def t_inject_no_guest():
    name = "inject/no-guest"
    rc, out = tool(name, ["net_inject.py", "--qemu", "127.0.0.1:%d" % free_port(), "--listen",
                          "127.0.0.1:%d" % free_port(), "--boot-wait", "1"] + client_args())
    s = result_json(out)
    expect(rc == 3 and "no ARP reply" in s["result"], "exit status %s: %s" % (rc, s["result"]))


# ------------------------------------------------------------------ traffic.sh

# The restart tests' traffic (traffic.sh, sourced by bash): ROUNDS rounds against the echo
# stand-in, then their verdict and the traffic that must lose nothing, through pass and
# fail functions that print what the system tests would.
TRAFFIC_DRIVER = r"""
source "$1/traffic.sh"
udp=$2 tcp=$3 stem=$4 rounds=$5
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
more() { [[ $((traffic_streams + traffic_stream_fail)) -lt $rounds ]]; }
net_traffic_rounds "$udp" "$tcp" "$stem" 200 64KiB 5 more
echo "totals $traffic_streams $traffic_stream_fail $traffic_udp_sent $traffic_udp_lost $traffic_udp_bad"
net_traffic_verdict "" "the test" "64 KiB"
if net_traffic_clean "$udp" "$tcp" "$stem" 64KiB 5 200; then
    pass "clean"
else
    fail "clean" "$(net_traffic_clean_why "$stem")"
fi
"""


def traffic_check(name, faults, rounds=2):
    """Runs TRAFFIC_DRIVER against host_echo.py with FAULTS; returns its totals (streams,
    failed streams, datagrams sent, lost, bad) and its PASS/FAIL lines by test name."""
    bash = shutil.which("bash")
    expect(bash is not None, "bash is not installed")
    stem = os.path.join(WORK, name.replace("/", "-") + "-")
    with echo_server(name, *faults) as srv:
        command = [bash, "-c", TRAFFIC_DRIVER, "traffic", HERE, str(srv.port("udp")),
                   str(srv.port("tcp")), stem, str(rounds)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            raise Failure("traffic.sh did not finish within 120 s")
    with open(log_path(name), "a") as log:
        log.write("$ traffic.sh driver\n%s%s[exit status %s]\n\n" %
                  (done.stdout, done.stderr, done.returncode))
    totals = re.search(r"^totals (\d+) (\d+) (\d+) (\d+) (\d+)$", done.stdout, re.M)
    expect(totals is not None, "no totals: %s" % done.stderr.strip()[-200:])
    verdicts = {}
    for m in re.finditer(r"^(PASS|FAIL): ([^:(]+?)(?::|$)", done.stdout, re.M):
        verdicts[m.group(2).strip()] = m.group(1)
    return [int(x) for x in totals.groups()], verdicts


def t_traffic_clean():
    (streams, bad_streams, sent, lost, bad), v = traffic_check("traffic/clean", [])
    expect(streams == 2 and bad_streams == 0 and sent == 400 and lost == 0 and bad == 0,
           "streams %d failed %d sent %d lost %d bad %d" % (streams, bad_streams, sent, lost, bad))
    expect(v.get("2 TCP streams of 64 KiB byte-exact across the test") == "PASS", "streams: %s" % v)
    expect(v.get("UDP echo across the test") == "PASS", "UDP verdict: %s" % v)
    expect(v.get("clean") == "PASS", "the clean traffic failed: %s" % v)


def t_traffic_losses_counted():
    # Arrivals 50 and 150 (in the round) and 250 (the clean traffic's 50th) are dropped,
    # every copy: the round counts its losses and passes, the clean traffic fails.
    (streams, bad_streams, sent, lost, bad), v = traffic_check(
        "traffic/losses-counted", ["--udp-drop", "3"], rounds=1)
    expect(streams == 1 and bad_streams == 0 and sent == 200 and lost == 2 and bad == 0,
           "streams %d failed %d sent %d lost %d bad %d" % (streams, bad_streams, sent, lost, bad))
    expect(v.get("UDP echo across the test") == "PASS", "UDP verdict: %s" % v)
    expect(v.get("clean") == "FAIL", "traffic that lost a datagram passed as clean: %s" % v)


def t_traffic_corrupted():
    # One datagram corrupted, every stream's byte 1000 flipped: both verdicts fail.
    (streams, bad_streams, _, _, bad), v = traffic_check(
        "traffic/corrupted", ["--udp-corrupt", "30", "--tcp-flip", "1000"], rounds=1)
    expect(streams == 0 and bad_streams == 1 and bad >= 1,
           "streams %d failed %d, %d datagrams bad" % (streams, bad_streams, bad))
    expect(v.get("TCP streams survive the test") == "FAIL", "a flipped stream passed: %s" % v)
    expect(v.get("UDP echo across the test") == "FAIL", "a corrupt echo passed: %s" % v)


# ------------------------------------------------------------------ through QEMU itself

# QEMU's user-mode network plays the guest: the injector's clients are slirp's gateway
# (10.0.2.2: ARP, ICMP echo) and a guestfwd address whose TCP connections go to `cat`
# (an echo). restrict=on keeps every other connection inside QEMU. The fragment
# categories are left out: one IPv4 fragment with MF=0 and a non-zero offset kills QEMU
# 7.2 with libslirp 4.7 (Debian 12) by SIGBUS, a crash of the stand-in, not of the tools.
SLIRP_CATEGORIES = ",".join(c for c in net_flood.CATEGORY_NAMES if not c.startswith("frag-"))


def qemu_slirp(name, netdev, inject_extra):
    qemu = shutil.which("qemu-system-x86_64")
    expect(qemu is not None, "qemu-system-x86_64 is not installed (scripts/deps.sh)")
    command = [qemu, "-machine", "none", "-nodefaults", "-display", "none", "-netdev", netdev,
               "-netdev", "hubport,id=p0,hubid=0,netdev=n0",
               "-netdev", "user,id=u0,restrict=on,guestfwd=tcp:10.0.2.100:7-cmd:cat",
               "-netdev", "hubport,id=p1,hubid=0,netdev=u0"]
    with Background(name, command, ready=False) as vm:
        rc, out = tool(name, ["net_inject.py"] + inject_extra + [
            "--gateway-ip", "10.0.2.15", "--client", "10.0.2.2", "--tcp-echo", "10.0.2.100:7",
            "--boot-wait", "10", "--categories", SLIRP_CATEGORIES], timeout=120)
        alive = vm.alive()
        vm_rc = vm.stop()
    s = result_json(out)
    expect(alive, "QEMU died during the run (exit status %s)" % vm_rc)
    expect(rc == 0, "exit status %s: %s" % (rc, s["result"]))
    expect(s["frames_sent"] > 0 and s["probes"]["answered"] > 0, "nothing went through QEMU")


def t_qemu_dgram():
    qemu_port, our_port = free_port(), free_port()
    qemu_slirp("inject/qemu-netdev-dgram",
               "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=%d,"
               "remote.type=inet,remote.host=127.0.0.1,remote.port=%d" % (qemu_port, our_port),
               ["--qemu", "127.0.0.1:%d" % qemu_port, "--listen", "127.0.0.1:%d" % our_port,
                "--frames", "5000", "--seed", "5"])


def t_qemu_socket():
    qemu_port, our_port = free_port(), free_port()
    qemu_slirp("inject/qemu-netdev-socket-udp",
               "socket,id=n0,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (our_port, qemu_port),
               ["--qemu", "127.0.0.1:%d" % qemu_port, "--listen", "127.0.0.1:%d" % our_port,
                "--frames", "1000", "--seed", "6"])


TESTS = [
    ("udp-echo/clean", t_udp_clean),
    ("udp-echo/one-byte-corrupted", t_udp_corrupt),
    ("udp-echo/five-dropped-strict", t_udp_drop_strict),
    ("udp-echo/five-dropped-allowed", t_udp_drop_allowed),
    ("udp-echo/duplicated", t_udp_duplicate),
    ("udp-echo/no-server", t_udp_no_server),
    ("tcp-stream/clean-16MiB", t_tcp_clean),
    ("tcp-stream/one-byte-flipped", t_tcp_flip),
    ("tcp-stream/short-echo", t_tcp_short),
    ("tcp-stream/reset", t_tcp_reset),
    ("tcp-stream/stalled", t_tcp_stall),
    ("tcp-stream/refused", t_tcp_refused),
    ("http/ok", t_http_ok),
    ("http/missing-word", t_http_missing_word),
    ("http/status-503", t_http_status),
    ("http/no-answer", t_http_no_answer),
    ("udp-load/fixed-rate", t_load_fixed),
    ("udp-load/one-in-ten-dropped", t_load_loss),
    ("udp-load/max-finds-a-rate-limit", t_load_max),
    ("frames/known-checksums", t_known_checksums),
    ("frames/categories-are-what-they-say", t_categories),
    ("inject/deterministic-from-seed", t_inject_dry_run),
    ("inject/standin-survives-20000-frames", t_inject_standin),
    ("inject/guest-dies-mid-flood", t_inject_dead_guest),
    ("inject/guest-corrupts-udp-after-flood", t_inject_corrupt_guest),
    ("inject/no-guest", t_inject_no_guest),
    ("traffic/clean", t_traffic_clean),
    ("traffic/losses-counted", t_traffic_losses_counted),
    ("traffic/corrupted", t_traffic_corrupted),
    ("inject/qemu-netdev-dgram", t_qemu_dgram),
    ("inject/qemu-netdev-socket-udp", t_qemu_socket),
]


def main(argv):
    global WORK
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", default=os.path.join("build", "tests", "net"))
    p.add_argument("--only", default="", help="run the checks whose name contains this")
    p.add_argument("--list", action="store_true")
    args = p.parse_args(argv)
    if args.list:
        print("\n".join(name for name, _ in TESTS))
        return 0
    WORK = os.path.abspath(args.work)
    os.makedirs(WORK, exist_ok=True)
    failed = 0
    for name, test in TESTS:
        if args.only not in name:
            continue
        if os.path.exists(log_path(name)):
            os.remove(log_path(name))
        start = time.monotonic()
        try:
            test()
            print("PASS: net/%s" % name, flush=True)
        except Failure as e:
            failed += 1
            print("FAIL: net/%s: %s (log: %s)" % (name, re.sub(r"\s+", " ", str(e)), log_path(name)),
                  flush=True)
        except Exception as e:  # a bug in this runner must still fail by name
            failed += 1
            print("FAIL: net/%s: %s: %s" % (name, type(e).__name__, e), flush=True)
        print("time: net/%s %.1f s" % (name, time.monotonic() - start), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
