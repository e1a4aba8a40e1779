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
    ("inject/deterministic-from-seed", t_inject_dry_run),
    ("inject/standin-survives-20000-frames", t_inject_standin),
    ("inject/guest-dies-mid-flood", t_inject_dead_guest),
    ("inject/guest-corrupts-udp-after-flood", t_inject_corrupt_guest),
    ("inject/no-guest", t_inject_no_guest),
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
