#!/usr/bin/env python3
"""Tests of check_acks.py on made-up boot logs: it passes what it should and catches a lost
acknowledgement, a wrong value, a corrupt report and a sequence going backwards. Prints
PASS/FAIL lines for the kvstore-host suite."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_acks.py")

EMPTY_BOOT = ("kvstore: recovered 0 records, 0 keys, next seq 1, generation 2\n"
              "kvstore: dump end 0 keys\n")


def run(logs):
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, text in enumerate(logs):
            p = os.path.join(d, "boot%d.log" % i)
            with open(p, "w") as f:
                f.write(text)
            paths.append(p)
        r = subprocess.run([sys.executable, CHECKER] + paths, capture_output=True, text=True)
        return r.returncode, r.stdout


CASES = [
    ("acked_recovered", 0, [
        EMPTY_BOOT + "kvstore: begin put k1 len 10 crc 0x0000000a\n"
                     "kvstore: ack put k1 seq 2 len 10 crc 0x0000000a\n"
                     "kvstore: begin put k2 len 5 crc 0x00000005\n",
        "kvstore: recovered 2 records, 2 keys, next seq 4, generation 3\n"
        "kvstore: key k1 len 10 crc 0x0000000a\nkvstore: key k2 len 5 crc 0x00000005\n"
        "kvstore: dump end 2 keys\n"]),
    ("begun_not_acked_may_be_lost", 0, [
        EMPTY_BOOT + "kvstore: begin put k1 len 10 crc 0x0000000a\n",
        "kvstore: recovered 0 records, 0 keys, next seq 2, generation 3\n"
        "kvstore: dump end 0 keys\n"]),
    ("batch_later_op_survives", 0, [
        EMPTY_BOOT + "kvstore: begin put k1 len 1 crc 0x00000001\n"
                     "kvstore: begin put k1 len 2 crc 0x00000002\n"
                     "kvstore: ack put k1 seq 2 len 1 crc 0x00000001\n",
        "kvstore: recovered 2 records, 1 keys, next seq 4, generation 3\n"
        "kvstore: key k1 len 2 crc 0x00000002\nkvstore: dump end 1 keys\n"]),
    ("cut_during_recovery_carries_on", 0, [
        EMPTY_BOOT + "kvstore: begin del k9\nkvstore: begin put k1 len 3 crc 0x00000003\n"
                     "kvstore: refused del k9 status 1\n"
                     "kvstore: ack put k1 seq 2 len 3 crc 0x00000003\nkvstore: ack del k1 se",
        "kvstore: recovered 1 records, 1 keys, next seq 3, generation 3\nkvstore: key k1 len 3",
        "kvstore: recovered 1 records, 1 keys, next seq 3, generation 4\n"
        "kvstore: key k1 len 3 crc 0x00000003\nkvstore: dump end 1 keys\n"]),
    ("lost_ack_caught", 1, [
        EMPTY_BOOT + "kvstore: begin put k1 len 10 crc 0x0000000a\n"
                     "kvstore: ack put k1 seq 2 len 10 crc 0x0000000a\n",
        "kvstore: recovered 0 records, 0 keys, next seq 3, generation 3\n"
        "kvstore: dump end 0 keys\n"]),
    ("lost_delete_caught", 1, [
        EMPTY_BOOT + "kvstore: begin put k1 len 1 crc 0x00000001\n"
                     "kvstore: ack put k1 seq 2 len 1 crc 0x00000001\n"
                     "kvstore: begin del k1\nkvstore: ack del k1 seq 3\n",
        "kvstore: recovered 1 records, 1 keys, next seq 4, generation 3\n"
        "kvstore: key k1 len 1 crc 0x00000001\nkvstore: dump end 1 keys\n"]),
    ("wrong_value_caught", 1, [
        EMPTY_BOOT + "kvstore: begin put k1 len 10 crc 0x0000000a\n"
                     "kvstore: ack put k1 seq 2 len 10 crc 0x0000000a\n",
        "kvstore: recovered 1 records, 1 keys, next seq 3, generation 3\n"
        "kvstore: key k1 len 10 crc 0x0000000b\nkvstore: dump end 1 keys\n"]),
    ("corrupt_caught", 1, [
        EMPTY_BOOT,
        "kvstore: recovered 0 records, 0 keys, next seq 1, generation 3\n"
        "kvstore: corrupt k3 content of 10 bytes\nkvstore: dump end 0 keys\n"]),
    ("seq_backwards_caught", 1, [
        EMPTY_BOOT + "kvstore: begin put k1 len 1 crc 0x00000001\n"
                     "kvstore: ack put k1 seq 5 len 1 crc 0x00000001\n",
        "kvstore: recovered 1 records, 1 keys, next seq 5, generation 3\n"
        "kvstore: key k1 len 1 crc 0x00000001\nkvstore: dump end 1 keys\n"]),
]


def main():
    failed = 0
    for name, want, logs in CASES:
        rc, out = run(logs)
        if rc == want:
            print("PASS: kvstore-host/check_acks_%s" % name)
        else:
            print("FAIL: kvstore-host/check_acks_%s: exit %d, wanted %d: %s"
                  % (name, rc, want, out.strip().replace("\n", " | ")))
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
