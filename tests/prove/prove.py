#!/usr/bin/env python3
"""`make prove`: Frama-C/WP proofs of the queue library and the capability code.

Each unit below is one Frama-C run over one file (WP with -wp-rte: every possible
run-time error becomes a goal, next to the contracts written in the code). For every
proved function the script prints a PASS line with its goals by kind, or a FAIL line
naming the goals that no prover discharged, then a summary and what the proofs assume.
It exits non-zero if any goal of any unit is unproved or a run fails.

    tests/prove/prove.py OUTDIR [UNIT...]

OUTDIR gets each unit's full Frama-C log (every goal and the prover that proved it),
its JSON report, and the Why3 configuration made for the run. docs/testing.md
("Proofs") says what is proved and what is not.
"""
import json
import os
import re
import subprocess
import sys
import time

PROVE_DIR = "tests/prove"
# Frama-C's own preprocessor reads the same headers as gcc; prove.h (the atomics as
# plain accesses, two facts of arithmetic) comes first.
COMMON_CPP = ["-include", f"{PROVE_DIR}/prove.h"]
KERNEL_CPP = COMMON_CPP + ["-include", f"{PROVE_DIR}/kernel.h", "-Ikernel/include", "-Iinclude",
                           "-Ikernel/arch/x86_64/include"]
# Small accessors whose bodies WP reads at each call (-inline-calls) instead of a contract.
KERNEL_INLINE = ["cap_type", "cap_is_null", "cap_null", "cap_is_mappable", "bst_guard_data_bits",
                 "bst_guard_data_value", "bst_rights_subset"]

UNITS = [
    {
        "name": "queue",
        "file": f"{PROVE_DIR}/queue.c",
        "cpp": COMMON_CPP + ["-Idrivers/queue/include"],
        "inline": [],
        "functions": [
            "queue_buffer_fits", "queue_ring_init", "queue_ring_slot", "queue_ring_count",
            "queue_ring_length", "queue_ring_empty", "queue_ring_full", "queue_ring_corrupt",
            "queue_ring_enqueue", "queue_ring_read_at", "queue_ring_peek", "queue_ring_dequeue",
            "queue_ring_request_consumer_signal", "queue_ring_cancel_consumer_signal",
            "queue_ring_consumer_needs_signal", "queue_ring_request_producer_signal",
            "queue_ring_cancel_producer_signal", "queue_ring_producer_needs_signal",
            "queue_ring_consumer_may_sleep", "queue_ring_producer_may_sleep",
            "queue_ring_should_notify_consumer", "queue_ring_should_notify_producer",
            "queue_init", "queue_enqueue_active", "queue_dequeue_active", "queue_enqueue_free",
            "queue_dequeue_free", "queue_peek_active", "queue_peek_free", "queue_length_active",
            "queue_length_free", "queue_empty_active", "queue_empty_free", "queue_full_active",
            "queue_full_free",
        ],
    },
    {
        "name": "cap",
        "file": "kernel/object/cap.c",
        "cpp": KERNEL_CPP,
        "inline": KERNEL_INLINE,
        "functions": [
            "cap_clear_binding", "cap_is_issuer", "cap_same_object", "cap_set_guard",
            "cap_set_badge", "cap_set_data", "cap_may_copy", "cap_derive",
        ],
    },
    {
        "name": "cdt",
        "file": "kernel/object/cdt.c",
        "cpp": KERNEL_CPP,
        "inline": ["cap_null"],
        # link_is_anchor, cte_of_sib and cte_of_kids compute with address bits: their
        # contracts are assumed (see ASSUMED); cdt_swap, cdt_parent and cdt_next_preorder
        # need the whole tree's invariant and are not proved.
        "functions": [
            "ring_init", "ring_is_empty", "link_insert_before", "link_clear", "link_replace",
            "cdt_init", "cdt_root", "cdt_is_linked", "cdt_insert_last_child", "cdt_remove",
            "cdt_move", "cdt_has_children", "cdt_first_child", "cdt_next_sibling",
            "cdt_prev_sibling", "cdt_adjacent_parent",
        ],
    },
    {
        "name": "cspace",
        "file": "kernel/object/cspace.c",
        "cpp": KERNEL_CPP,
        "inline": KERNEL_INLINE[:2],
        "functions": [
            "low_bits", "lookup_level", "lookup_walk", "cspace_lookup_slot", "cspace_lookup_ref",
            "cspace_lookup_cap",
        ],
    },
]

ASSUMED = """\
What these proofs assume (docs/testing.md, "Proofs"):
  - each proved function's preconditions at its callers outside the proved files
    (e.g. a queue handle made by queue_ring_init over a mapped ring; a CNode cap that
    satisfies cap_ok, as objects_check_invariants() checks at run time);
  - cnode_slot() (kernel/object/cnode.c, not proved) meets its contract in cnode.h;
  - link_is_anchor(), cte_of_sib() and cte_of_kids() (kernel/object/cdt.c: address bits,
    not proved) meet their contracts there; a slot is 64-byte aligned where the CDT's
    contracts say so (alignment is not modelled);
  - tests/prove/prove.h: __atomic builtins as single plain accesses (sequential proofs;
    the orderings are the Spin model's part), 0 <= (a & m) <= m, 1 <= 1 << n <= 2^63;
  - WP's typed memory model: union members are separate fields (every property and
    write is about the member of the cap's own type), and Frama-C's x86_64 machdep."""


def why3_config(outdir):
    """A Why3 configuration of our own (the user's ~/.why3.conf is never read or written)."""
    path = os.path.join(outdir, "why3.conf")
    if not os.path.exists(path):
        subprocess.run(["why3", "config", "detect", "-C", path], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def frama_c(unit, outdir, env):
    report = os.path.join(outdir, unit["name"] + ".json")
    log = os.path.join(outdir, unit["name"] + ".log")
    cmd = ["frama-c", "-c11", "-machdep", "gcc_x86_64",
           "-cpp-extra-args=" + " ".join(unit["cpp"])]
    if unit["inline"]:
        cmd += ["-inline-calls", ",".join(unit["inline"])]
    cmd += ["-wp", "-wp-rte", "-wp-prover", "cvc4,z3", "-wp-par", env["PROVE_PAR"],
            "-wp-timeout", env["PROVE_TIMEOUT"], "-wp-no-filter", "-wp-cache", "none",
            "-wp-fct", ",".join(unit["functions"]), "-wp-report-json", report, unit["file"]]
    if os.path.exists(report):
        os.remove(report)
    with open(log, "w") as out:
        out.write("$ " + " ".join(cmd) + "\n")
        out.flush()
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env).returncode
    return rc, report, log


# Goal kinds, by the words WP puts in a property's name (first match wins).
KINDS = [("rte", "_rte_"), ("loop", "loop_"), ("callee-requires", "_requires"),
         ("behaviors", "complete"), ("behaviors", "disjoint"), ("ensures", "ensures"),
         ("assigns", "assigns"), ("assert", "assert")]


def kind_of(prop, function):
    rest = "_" + (prop[len(function) + 1:] if prop.startswith(function + "_") else prop)
    for kind, word in KINDS:
        if word in rest:
            return kind
    return "other"


def check_unit(unit, report):
    """(proved, total, lines) for one unit's JSON report."""
    with open(report) as f:
        data = json.load(f)
    functions = data.get("wp:functions", {})
    proved = total = 0
    lines = []
    for function in unit["functions"]:
        props = functions.get(function)
        if not props:
            lines.append(f"FAIL: prove/{unit['name']}/{function}: no goals (not analysed)")
            continue
        kinds = {}
        unproved = []
        for prop, stats in props.items():
            if prop == "wp:section":  # the function's own total
                continue
            main = stats.get("wp:main", {})
            n, ok = main.get("total", 0), main.get("valid", 0)
            total += n
            proved += ok
            kind = kind_of(prop, function)
            kinds[kind] = kinds.get(kind, 0) + n
            if ok < n:
                unproved.append(prop)
        n = sum(kinds.values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        if unproved:
            lines.append(f"FAIL: prove/{unit['name']}/{function}: unproved {' '.join(unproved)}")
        else:
            lines.append(f"PASS: prove/{unit['name']}/{function}: {n} goals ({detail})")
    return proved, total, lines


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    wanted = sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ)
    env["WHY3CONFIG"] = why3_config(outdir)
    env.setdefault("PROVE_PAR", "2")
    env.setdefault("PROVE_TIMEOUT", "10")
    failed = False
    grand_proved = grand_total = 0
    start = time.monotonic()
    for unit in UNITS:
        if wanted and unit["name"] not in wanted:
            continue
        t0 = time.monotonic()
        rc, report, log = frama_c(unit, outdir, env)
        if rc != 0 or not os.path.exists(report):
            print(f"FAIL: prove/{unit['name']}: frama-c exited {rc} (log: {log})")
            failed = True
            continue
        proved, total, lines = check_unit(unit, report)
        print("\n".join(lines))
        failed |= proved < total or any(l.startswith("FAIL") for l in lines)
        grand_proved += proved
        grand_total += total
        print(f"prove: {unit['name']} ({unit['file']}): {proved} / {total} goals proved "
              f"in {time.monotonic() - t0:.0f} s (log: {log})")
    print(ASSUMED)
    print(f"prove: {grand_proved} / {grand_total} goals proved, "
          f"{grand_total - grand_proved} unproved, in {time.monotonic() - start:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
