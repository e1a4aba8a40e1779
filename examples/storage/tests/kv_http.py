#!/usr/bin/env python3
"""The storage example's HTTP checks (examples/storage/tests/run.sh).

    kv_http.py write HOST PORT STATE    puts, overwrites, deletes and error cases; what the
                                        store acknowledged is saved in STATE (JSON)
    kv_http.py verify HOST PORT STATE   after a kill and a reboot: every key in STATE reads
                                        back the same; deleted keys are 404

Exits 0 when every check passed; prints one line per failure and a summary last.
"""
import http.client
import json
import random
import sys
import time

KEYS = 200
VALUE_MAX = 1024


def request(host, port, method, path, body=None):
    for attempt in range(50):
        try:
            c = http.client.HTTPConnection(host, port, timeout=20)
            c.request(method, path, body=body)
            r = c.getresponse()
            data = r.read()
            c.close()
            return r.status, data
        except (ConnectionError, http.client.HTTPException, OSError):
            if attempt == 49:
                raise
            time.sleep(0.2)


def value_of(i, version):
    rng = random.Random(i * 1000 + version)
    n = rng.choice([0, 1, 7, 100, 511, 1000, VALUE_MAX, rng.randrange(VALUE_MAX + 1)])
    return bytes(rng.randrange(256) for _ in range(n))


def write(host, port, state_path):
    problems = []
    expected = {}
    for i in range(KEYS):
        key = f"key{i}"
        v = value_of(i, 1)
        status, body = request(host, port, "PUT", f"/kv/{key}", v)
        if status != 200 or not body.startswith(b"stored, seq"):
            problems.append(f"PUT {key}: {status} {body[:60]!r}")
            continue
        expected[key] = v.hex()
    for i in range(0, KEYS, 3):  # overwrite every third key
        key = f"key{i}"
        v = value_of(i, 2)
        status, body = request(host, port, "PUT", f"/kv/{key}", v)
        if status == 200:
            expected[key] = v.hex()
        else:
            problems.append(f"overwrite {key}: {status}")
    deleted = []
    for i in range(1, KEYS, 10):  # delete some
        key = f"key{i}"
        status, _ = request(host, port, "DELETE", f"/kv/{key}")
        if status == 200:
            expected.pop(key, None)
            deleted.append(key)
        else:
            problems.append(f"DELETE {key}: {status}")
    for key, hexv in expected.items():
        status, body = request(host, port, "GET", f"/kv/{key}")
        if status != 200 or body != bytes.fromhex(hexv):
            problems.append(f"GET {key}: {status}, {len(body)} bytes, not the {len(hexv) // 2} put")
    for key in deleted:
        status, _ = request(host, port, "GET", f"/kv/{key}")
        if status != 404:
            problems.append(f"GET of deleted {key}: {status}, not 404")
    cases = [("GET", "/kv/never-put", None, 404), ("DELETE", "/kv/never-put", None, 404),
             ("PUT", "/kv/big", b"x" * (VALUE_MAX + 1), 413), ("PUT", "/kv/" + "k" * 65, b"v", 413),
             ("POST", "/kv/x", b"v", 400), ("GET", "/nothing", None, 400)]
    for method, path, body, want in cases:
        status, _ = request(host, port, method, path, body)
        if status != want:
            problems.append(f"{method} {path[:20]}: {status}, not {want}")
    # The example's counter PD stores two keys of its own on the first boot: "boots", "boot/1".
    keys = len(expected) + 2
    status, body = request(host, port, "GET", "/")
    if status != 200 or f"keys: {keys}\n".encode() not in body:
        problems.append(f"GET /: {status}, figures {body[-200:]!r} do not count {keys} keys")
    with open(state_path, "w") as f:
        json.dump({"expected": expected, "deleted": deleted}, f)
    return problems, f"{len(expected)} keys stored, {len(deleted)} deleted, all read back"


def verify(host, port, state_path):
    with open(state_path) as f:
        state = json.load(f)
    problems = []
    for key, hexv in state["expected"].items():
        status, body = request(host, port, "GET", f"/kv/{key}")
        if status != 200 or body != bytes.fromhex(hexv):
            problems.append(f"after reboot GET {key}: {status}, {len(body)} bytes")
    for key in state["deleted"]:
        status, _ = request(host, port, "GET", f"/kv/{key}")
        if status != 404:
            problems.append(f"after reboot deleted {key}: {status}")
    return problems, f"{len(state['expected'])} keys read back the same after the kill, {len(state['deleted'])} stay deleted"


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("write", "verify"):
        sys.exit(__doc__)
    mode, host, port, state = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    problems, summary = (write if mode == "write" else verify)(host, port, state)
    for p in problems[:20]:
        print("kv_http.py: " + p)
    print(summary if not problems else f"{len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
