#!/usr/bin/env python3
"""The block benchmark's figures from its runs (bench/blk/run-blk-bench.sh boots each
system; docs/performance.md, "Block: against Linux", has the method).

    blk_bench.py --out FILE [--device DEV] [--cache MODE]
                 [--system NAME=LOG:MARKS | NAME=not built... | NAME=failed...]...
                 [--info NAME=KEY=VALUE]...

LOG is a guest's serial log: one line per phase of the workload (bench/blk/blk_pattern.h),
    blkbench: phase K NAME depth D round R requests N bytes B ns T errors E
MARKS what the QEMU plugin bench/blk/insn_marks.c wrote: the guest's instruction count
at each begin (0001) and end (0002) marker, in order; the k-th pair is phase k. Per phase:
    cost per request    busy icount cycles (instructions executed between the markers) / N
    kernel per request  those of them in the upper half of the address space (the kernel)
    MB/s, requests/s    B and N over T, the guest's clock over the phase (icount time:
                        one ns per instruction while busy, host time while halted)
A pattern's figure at a depth is the median over the rounds (the JSON keeps every phase
and the spread). Prints one row per pattern and depth, writes everything to --out.
"""
import argparse
import json
import math
import re
import statistics

PHASE = re.compile(r"blkbench: phase (\d+) (\S+) depth (\d+) round (\d+) requests (\d+) bytes (\d+) ns (\d+) "
                   r"errors (\d+)")
LINUX_INFO = {
    "kernel": re.compile(r"bench-linux: kernel ([^,]*),"),
    "clocksource": re.compile(r"bench-linux: kernel .*, clocksource (\S+)"),
    "virtio_blk_features": re.compile(r"bench-linux: virtio-blk features (\S+)"),
    "scheduler": re.compile(r"bench-linux: scheduler ([^,]*),"),
    "hardware_queues": re.compile(r"bench-linux: scheduler .*, hardware queues (\d+)"),
    "spectre_v2": re.compile(r"bench-linux: vulnerability spectre_v2: (.*)"),
}


class Unusable(Exception):
    pass


def read_marks(path):
    marks = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if w and w[0] == "mark":
                marks.append((int(w[1], 16), int(w[2]), int(w[3])))
    return marks


def measure(log_path, marks_path):
    """One system's phases, from its serial log and its marks."""
    with open(log_path, errors="replace") as f:
        text = f.read().replace("\r", "")
    phases = [m.groups() for m in PHASE.finditer(text)]
    marks = read_marks(marks_path)
    pairs = []
    for i in range(0, len(marks) - 1, 2):
        (b, bi, bk), (e, ei, ek) = marks[i], marks[i + 1]
        if (b, e) != (1, 2):
            raise Unusable("markers out of order at %d in %s" % (i, marks_path))
        pairs.append((ei - bi, ek - bk))
    if len(pairs) != len(phases) or len(marks) % 2:
        raise Unusable("%d phase lines but %d marker pairs (%d markers)" % (len(phases), len(pairs), len(marks)))
    out = []
    for (k, name, depth, rnd, n, nbytes, ns, errors), (insns, kernel) in zip(phases, pairs):
        n, nbytes, ns, errors = int(n), int(nbytes), int(ns), int(errors)
        out.append({
            "phase": int(k), "pattern": name, "depth": int(depth), "round": int(rnd), "requests": n,
            "bytes": nbytes,
            "errors": errors, "guest_ns": ns, "busy_insns": insns, "kernel_insns": kernel,
            "cost_per_request": round(insns / n),
            "kernel_per_request": round(kernel / n),
            "user_per_request": round((insns - kernel) / n),
            "busy_fraction": round(insns / ns, 4) if ns else None,
            "mb_per_s": round(nbytes * 1000 / ns, 2) if ns else None,
            "requests_per_s": round(n * 1e9 / ns) if ns else None,
        })
    info = {}
    for key, rx in LINUX_INFO.items():
        m = rx.search(text)
        if m:
            info[key] = m.group(1).strip()
    return {"status": "measured", "phases": out, "figures": figures(out), "info": info}


def figures(phases):
    """Each pattern and depth over its rounds: medians, and the cost's spread."""
    groups = {}
    for ph in phases:
        groups.setdefault((ph["pattern"], ph["depth"]), []).append(ph)
    out = []
    for (pattern, depth), rounds in groups.items():
        costs = [ph["cost_per_request"] for ph in rounds]
        out.append({
            "pattern": pattern, "depth": depth, "rounds": len(rounds), "requests": rounds[0]["requests"],
            "errors": sum(ph["errors"] for ph in rounds),
            "cost_per_request": round(statistics.median(costs)),
            "cost_min": min(costs), "cost_max": max(costs),
            "kernel_per_request": round(statistics.median(ph["kernel_per_request"] for ph in rounds)),
            "mb_per_s": round(statistics.median(ph["mb_per_s"] or 0 for ph in rounds), 2),
            "requests_per_s": round(statistics.median(ph["requests_per_s"] or 0 for ph in rounds)),
            "busy_fraction": round(statistics.median(ph["busy_fraction"] or 0 for ph in rounds), 4),
        })
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on")
    p.add_argument("--cache", default="writeback")
    p.add_argument("--system", action="append", default=[])
    p.add_argument("--info", action="append", default=[])
    a = p.parse_args()

    systems = {}
    for spec in a.system:
        name, value = spec.split("=", 1)
        if value.startswith("not built") or value.startswith("failed"):
            systems[name] = {"status": value}
            continue
        log, marks = value.rsplit(":", 1)
        try:
            systems[name] = measure(log, marks)
        except (OSError, Unusable) as e:
            systems[name] = {"status": "failed (%s)" % e}
    for spec in a.info:
        name, kv = spec.split("=", 1)
        if name in systems and systems[name]["status"] == "measured":
            k, v = kv.split("=", 1)
            systems[name]["info"][k] = v

    def phase(name, pattern, depth):
        s = systems.get(name, {})
        if s.get("status") != "measured":
            return None
        for f in s["figures"]:
            if f["pattern"] == pattern and f["depth"] == depth:
                return f
        return None

    keys = []
    for s in systems.values():
        for f in s.get("figures", []):
            if (f["pattern"], f["depth"]) not in keys:
                keys.append((f["pattern"], f["depth"]))
    rows = []
    for pattern, depth in keys:
        lx, bs = phase("linux", pattern, depth), phase("bastion", pattern, depth)
        ratio = None
        if lx and bs and not lx["errors"] and not bs["errors"]:
            ratio = round(bs["cost_per_request"] / lx["cost_per_request"], 3)
        if lx and bs and lx["requests"] != bs["requests"]:
            print("blk-bench: note: %s at depth %d: Linux made %d requests per phase, Bastion %d" % (
                pattern, depth, lx["requests"], bs["requests"]))
        rows.append({"pattern": pattern, "depth": depth,
                     "linux_cost": lx["cost_per_request"] if lx else None,
                     "linux_cost_range": [lx["cost_min"], lx["cost_max"]] if lx else None,
                     "bastion_cost": bs["cost_per_request"] if bs else None,
                     "bastion_cost_range": [bs["cost_min"], bs["cost_max"]] if bs else None,
                     "linux_mb_per_s": lx["mb_per_s"] if lx else None,
                     "bastion_mb_per_s": bs["mb_per_s"] if bs else None,
                     "linux_errors": lx["errors"] if lx else None,
                     "bastion_errors": bs["errors"] if bs else None,
                     "cost_ratio_bastion_to_linux": ratio})
    ratios = [r["cost_ratio_bastion_to_linux"] for r in rows if r["cost_ratio_bastion_to_linux"] is not None]
    summary = None
    if ratios and len(ratios) == len(rows):
        summary = {"max": max(ratios), "min": min(ratios),
                   "geometric_mean": round(math.exp(sum(math.log(r) for r in ratios) / len(ratios)), 3),
                   "goal_met": max(ratios) <= 0.5}
    result = {
        "unit": "icount cycles (guest instructions executed) per request, between the workload's markers",
        "machine": "qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 256M -icount shift=0,align=off "
                   "-drive file=IMG,if=none,format=raw,id=d0,cache=%s -device %s" % (a.cache, a.device),
        "disk": "64 MiB raw image, GPT, partition 1: 62 MiB at 1 MiB; requests within its first 32 MiB",
        "method": "docs/performance.md, 'Block: against Linux'",
        "goal_ratio": 0.5,
        "ratio_summary": summary,
        "rows": rows,
        "systems": systems,
    }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")

    def fmt(v, suffix=""):
        return "%s%s" % (format(v, ",") if isinstance(v, (int, float)) else v, suffix) if v is not None else "-"

    print("Block: O_DIRECT-style requests on one virtio-blk partition, QEMU TCG -icount shift=0,align=off")
    for name in ("linux", "bastion"):
        s = systems.get(name)
        if s and s["status"] != "measured":
            print("  %s: %s" % (name, s["status"]))
    print("%-16s %5s %14s %14s %7s %11s %11s" % ("pattern", "depth", "linux cyc/req", "bastion cyc/req",
                                                  "ratio", "linux MB/s", "bastion MB/s"))
    for r in rows:
        errs = "" if not (r["linux_errors"] or r["bastion_errors"]) else "  ERRORS %s/%s" % (
            r["linux_errors"], r["bastion_errors"])
        print("%-16s %5d %14s %14s %7s %11s %11s%s" % (
            r["pattern"], r["depth"], fmt(r["linux_cost"]), fmt(r["bastion_cost"]),
            fmt(r["cost_ratio_bastion_to_linux"]), fmt(r["linux_mb_per_s"]), fmt(r["bastion_mb_per_s"]), errs))
    if summary:
        print("ratio Bastion/Linux: %s .. %s, geometric mean %s (goal <= 0.5: %s)" % (
            summary["min"], summary["max"], summary["geometric_mean"], "met" if summary["goal_met"] else "NOT met"))
    else:
        print("ratio Bastion/Linux: not measured")
    print("(written to %s)" % a.out)


if __name__ == "__main__":
    main()
