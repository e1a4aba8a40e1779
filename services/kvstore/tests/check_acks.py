#!/usr/bin/env python3
"""Check the store's acknowledged writes across a chain of boots (power-cut test).

    check_acks.py BOOT1.log BOOT2.log ... BOOTn.log

Input: the serial logs of consecutive boots of the store PD in self-test mode (setvar
kv_selftest), on one disk, in boot order; each may have been cut at any point. The lines
read (everything else is ignored; a line counts only if it is complete, i.e. ends with a
newline, and matches exactly; a leading carriage return or other text before "kvstore: "
is allowed):

    kvstore: recovered <records> records, <keys> keys, next seq <seq>, generation <gen>
    kvstore: key <key> len <len> crc 0x<crc8>
    kvstore: dump end <keys> keys
    kvstore: begin put <key> len <len> crc 0x<crc8>
    kvstore: begin del <key>
    kvstore: ack put <key> seq <seq> len <len> crc 0x<crc8>
    kvstore: ack del <key> seq <seq>
    kvstore: refused put|del <key> status <n>
    kvstore: corrupt <key> <what>
    kvstore: error <what>

(services/kvstore/include/bastion/kvstore.h defines them.) A boot's dump is complete when
its "recovered" line is followed by "dump end N keys" after exactly N key lines.

Checks:
  - no "corrupt" or "error" line in any boot;
  - each complete dump shows, for every key, the state of its last acknowledged operation
    (put: that length and crc; del: absent), or the state of an operation on the key begun
    after that acknowledgement (cut before its ack); a key never acknowledged may also be
    in the state of the previous complete dump. A boot without a complete dump (cut while
    recovering) carries the expectation on to the next;
  - acknowledged sequence numbers increase across all boots, and each dump's next seq is
    above every sequence number acknowledged before it.

Exit status 0 when every check passes (one summary line), 1 with one line per violation.
"""
import re
import sys

PREFIX = r"kvstore: "
KEY = r"(?P<key>\S+)"
CRC = r"0x(?P<crc>[0-9a-f]{8})"
PATTERNS = {
    "recovered": re.compile(PREFIX + r"recovered (?P<records>\d+) records, (?P<keys>\d+) keys, "
                            r"next seq (?P<seq>\d+), generation (?P<gen>\d+)"),
    "key": re.compile(PREFIX + r"key " + KEY + r" len (?P<len>\d+) crc " + CRC),
    "dump_end": re.compile(PREFIX + r"dump end (?P<keys>\d+) keys"),
    "begin_put": re.compile(PREFIX + r"begin put " + KEY + r" len (?P<len>\d+) crc " + CRC),
    "begin_del": re.compile(PREFIX + r"begin del " + KEY),
    "ack_put": re.compile(PREFIX + r"ack put " + KEY + r" seq (?P<seq>\d+) len (?P<len>\d+) crc "
                          + CRC),
    "ack_del": re.compile(PREFIX + r"ack del " + KEY + r" seq (?P<seq>\d+)"),
    "refused": re.compile(PREFIX + r"refused (?P<kind>put|del) " + KEY + r" status (?P<status>\d+)"),
    "corrupt": re.compile(PREFIX + r"corrupt .*"),
    "error": re.compile(PREFIX + r"error .*"),
}
ABSENT = ("absent",)


def present(m):
    return ("present", int(m["len"]), m["crc"])


def show(state):
    return "absent" if state == ABSENT else "len %d crc 0x%s" % (state[1], state[2])


def parse(path):
    """The boot's recognised lines, in order, as (kind, match)."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    lines = text.split("\n")
    lines.pop()  # the text after the last newline: empty, or a line the cut broke off
    out = []
    for line in lines:
        at = line.find(PREFIX)
        if at < 0:
            continue
        line = line[at:].rstrip("\r")
        for kind, pattern in PATTERNS.items():
            m = pattern.fullmatch(line)
            if m:
                out.append((kind, m))
                break
    return out


class Checker:
    def __init__(self):
        self.acked = {}    # key -> state of its last acknowledged operation (or dump)
        self.pending = {}  # key -> [(kind, state)] begun after that, not acknowledged
        self.have_model = False
        self.last_seq = 0
        self.errors = []
        self.acks = 0
        self.dumps = 0

    def error(self, boot, what):
        self.errors.append("boot %d: %s" % (boot, what))

    def check_dump(self, boot, dump, next_seq):
        if next_seq <= self.last_seq:
            self.error(boot, "next seq %d is not above the last acknowledged seq %d"
                       % (next_seq, self.last_seq))
        if self.have_model:
            for key in sorted(set(self.acked) | set(self.pending) | set(dump)):
                found = dump.get(key, ABSENT)
                allowed = [self.acked.get(key, ABSENT)] + [s for _, s in self.pending.get(key, [])]
                if found not in allowed:
                    self.error(boot, "key %s: acknowledged %s, begun since: %s; recovered %s"
                               % (key, show(allowed[0]),
                                  ", ".join(show(s) for s in allowed[1:]) or "nothing",
                                  show(found)))
        self.acked = dict(dump)
        self.pending = {}
        self.have_model = True
        self.dumps += 1

    def resolve(self, key, kind, state):
        """The first pending operation on key of this kind (and state): its index."""
        for i, (k, s) in enumerate(self.pending.get(key, [])):
            if k == kind and (state is None or s == state):
                return i
        return None

    def boot(self, number, events):
        dump, next_seq, in_dump = {}, 0, False
        for kind, m in events:
            if kind == "corrupt" or kind == "error":
                self.error(number, "the store said: " + m.group(0))
            elif kind == "recovered":
                dump, next_seq, in_dump = {}, int(m["seq"]), True
            elif kind == "key" and in_dump:
                dump[m["key"]] = present(m)
            elif kind == "dump_end" and in_dump:
                in_dump = False
                if int(m["keys"]) != len(dump):
                    self.error(number, "the dump lists %d keys but says %s" % (len(dump), m["keys"]))
                self.check_dump(number, dump, next_seq)
            elif kind in ("begin_put", "begin_del"):
                state = present(m) if kind == "begin_put" else ABSENT
                self.pending.setdefault(m["key"], []).append((kind[6:], state))
            elif kind in ("ack_put", "ack_del"):
                seq = int(m["seq"])
                if seq <= self.last_seq:
                    self.error(number, "ack of seq %d after seq %d" % (seq, self.last_seq))
                self.last_seq = max(self.last_seq, seq)
                state = present(m) if kind == "ack_put" else ABSENT
                i = self.resolve(m["key"], kind[4:], state)
                if i is None:
                    self.error(number, "ack of an operation never begun: " + m.group(0))
                    continue
                self.acked[m["key"]] = state
                self.pending[m["key"]] = self.pending[m["key"]][i + 1:]
                self.acks += 1
            elif kind == "refused":
                i = self.resolve(m["key"], m["kind"], None)
                if i is not None:
                    del self.pending[m["key"]][i]


def main(argv):
    if len(argv) < 2:
        print("usage: check_acks.py BOOT1.log [BOOT2.log ...]", file=sys.stderr)
        return 2
    checker = Checker()
    for number, path in enumerate(argv[1:], 1):
        checker.boot(number, parse(path))
    for e in checker.errors:
        print("check_acks: " + e)
    if checker.errors:
        return 1
    print("check_acks: %d boots, %d complete dumps, %d acknowledged operations: all recovered"
          % (len(argv) - 1, checker.dumps, checker.acks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
