#!/usr/bin/env python3
"""Seed inputs for fuzz-syscalls (tests/host/fuzz_syscalls.c documents the encoding).

Each seed is a short scenario that reaches deep into one part of the system-call layer
(IPC, retype and mapping, TCB and scheduling-context control, budgets and the timer,
interrupts, domains, faults, the debug calls), so that the fuzzer starts from there
rather than from nothing. The slot numbers are those of tests/host/fuzz_world.c's world;
were its layout to change, the seeds would only become less useful, never wrong.

    tests/host/fuzz_seeds.py DIR     writes seed-<name> files into DIR
"""
import os
import sys

# The world's root CNode slots (fuzz_world.c).
ROOT, IRQ_CTL, IOPORT_CTL, DOMAIN_CTL, SCHED_CTL = 1, 2, 3, 4, 5
VS_A, VS_B = 24, 28
EP0, N0, EP1, N1 = 32, 33, 34, 35
R0, R1, R2, R3 = 36, 37, 38, 39
CNODE, UT, EP0_BADGED, N0_BADGED = 40, 41, 42, 43
T0, SC0, BUF0, T1, SC1, BUF1, T2, SC2, BUF2 = 44, 45, 46, 47, 48, 49, 50, 51, 52
GUARDED = 53  # the root CNode minted with guard 0x5a: thread 2's CSpace
FREE = 60

# Index of each call in fuzz_syscalls.c's syscall_numbers table.
SYS = dict(CALL=0, SEND=6, NB_SEND=8, RECV=10, NB_RECV=13, REPLY_RECV=15, NB_SEND_RECV=18,
           YIELD=20, PUTC=22, DUMP_CAPS=23, NAME=24, CHECK_STATE=25, IDLE_CYCLES=26,
           FASTPATH_COUNT=27, ISOLATION=28, IRQ_STAMP=29, EXIT=30)
RECEIVING = {"RECV", "NB_RECV", "REPLY_RECV", "NB_SEND_RECV"}

# Invocation labels (include/bastion/invocation.h) and object types (objtype.h).
INV = dict(RETYPE=1, COPY=2, MINT=3, MOVE=4, MUTATE=5, DELETE=6, REVOKE=7, ROTATE=8,
           CONFIGURE=9, SET_PRIORITY=10, SET_SCHED_PARAMS=11, SET_SPACE=12,
           SET_IPC_BUFFER=13, SET_FAULT_EP=14, READ_REGS=15, WRITE_REGS=16, RESUME=18,
           SUSPEND=19, BIND_NTFN=20, UNBIND_NTFN=21, SC_CONFIGURE=22, SC_BIND=23,
           SC_UNBIND=24, SC_CONSUMED=25, FRAME_MAP=26, FRAME_UNMAP=27, FRAME_ADDR=28,
           PT_MAP=29, PT_UNMAP=30, IRQ_GET_MSI=32, IRQ_GET_IOAPIC=33, IRQ_ACK=34,
           IRQ_SET_NTFN=35, IRQ_CLEAR=36, IOPORT_ISSUE=37, DOMAIN_SET=44,
           SET_TIMEOUT_EP=47, DOMAIN_SCHEDULE=48)
OBJ = dict(UNTYPED=1, CNODE=2, TCB=3, ENDPOINT=4, NOTIFICATION=5, REPLY=6, SC=7,
           FRAME_4K=8, FRAME_2M=9, FRAME_1G=10, PT_L1=11, PT_L2=12, PT_L3=13, VSPACE=14)


def v(x):
    """An argument word: the shortest tagged encoding (fuzz_syscalls.c value())."""
    if 0 <= x < 256:
        return [0, x]
    if x < 65536:
        return [5, x >> 8, x & 0xff]
    return [4] + list(x.to_bytes(8, "big"))


def vaddr(x):
    """An address near the world's mapped ones (value() tag 2), or any word."""
    bases = [0x10000000, 0x10200000, 0x40000000, 0x7FFFFFE00000, 0x800000000000, 0,
             0x400000, 0xFFFFFFFF80000000]
    for i, base in enumerate(bases):
        off = x - base
        if off >= 0 and off % 0x1000 == 0 and off // 0x1000 < 32:
            return [2, (off // 0x1000) << 3 | i]
    return v(x)


def us(x):
    """Microseconds in steps of 100 (value() tag 6)."""
    assert x % 100 == 0 and x // 100 < 256
    return [6, x // 100]


def cap(slot):
    """A capability address naming root CNode slot `slot` exactly (cap_arg())."""
    return [0x80, slot]


def syscall(name, cptr, label=0, args=(), reply=0, recv=0, caps=(), receive=None):
    """A system call by the current thread (event kind 0), with an exact label."""
    out = [0, SYS[name]] + cap(cptr)
    length = len(args)
    out += [0xC0, label, length | (0x80 if length >= 12 else 0), len(caps)]
    if name in RECEIVING:
        out += cap(reply)
        if name == "NB_SEND_RECV":
            out += cap(recv)
    for a in args[:12]:
        out += a if isinstance(a, list) else v(a)
    for c in caps:
        out += cap(c)
    if receive is None:
        out.append(0)
    else:
        out += [1] + cap(receive[0]) + [receive[1], receive[2]]
    return out


def invoke(cptr, label, *args):
    return syscall("CALL", cptr, INV[label], list(args))


def retype(obj, dest, bits=0, count=1, ut=UT):
    return invoke(ut, "RETYPE", OBJ[obj], bits, ROOT, dest, count)


def timer(ticks=0):
    return [12] + list(ticks.to_bytes(3, "big"))


def irq(line):
    return [13, line]


def advance(ticks16, shift):
    return [14, ticks16 >> 8, ticks16 & 0xff, shift]


def fault(kind, address):
    return [11, kind] + vaddr(address) + [0]


def preempt(every):
    return [15, every - 1]


SEEDS = {
    "ipc-call-reply": [0]
    + syscall("RECV", EP0, reply=R0)
    + syscall("CALL", EP0, 5, [7, 8])
    + syscall("REPLY_RECV", EP0, 6, [9], reply=R0)
    + syscall("CALL", EP0_BADGED, 7, [1, 2, 3, 4, 5, 6])
    + syscall("REPLY_RECV", EP0, 0, [], reply=R0)
    + syscall("NB_SEND", EP0, 3, [1])
    + syscall("SEND", N0_BADGED)
    + syscall("NB_RECV", N0, reply=R1)
    + syscall("NB_SEND_RECV", N1, recv=EP1, reply=R1)
    + syscall("YIELD", 0),
    "ipc-slowpath-caps": [1]
    + syscall("RECV", EP0, reply=R0, receive=(ROOT, FREE, 64))
    + syscall("CALL", EP0, 5, [1, 2, 3, 4, 5], caps=[N0])
    + syscall("REPLY_RECV", EP0, 0, [], reply=R0)
    + syscall("SEND", EP0, 1, [], caps=[EP1, N1]),
    "retype-map": [0]
    + retype("FRAME_4K", FREE)
    + invoke(FREE, "FRAME_MAP", VS_A, vaddr(0x10002000), 3, 0)
    + invoke(FREE, "FRAME_ADDR")
    + invoke(FREE, "FRAME_MAP", VS_A, vaddr(0x10002000), 1, 0)
    + invoke(FREE, "FRAME_UNMAP")
    + retype("PT_L1", FREE + 1)
    + invoke(FREE + 1, "PT_MAP", VS_B, vaddr(0x10200000))
    + retype("PT_L2", FREE + 2)
    + invoke(FREE + 2, "PT_MAP", VS_A, vaddr(0x40000000))
    + invoke(FREE + 2, "PT_UNMAP")
    + retype("FRAME_2M", FREE + 3, ut=23)
    + invoke(FREE + 3, "FRAME_MAP", VS_A, vaddr(0x10200000), 3, 0)
    + retype("FRAME_1G", FREE + 4, ut=23)
    + invoke(FREE + 4, "FRAME_MAP", VS_B, vaddr(0x40000000), 1, 8)
    + retype("VSPACE", FREE + 5, ut=21)
    + invoke(FREE, "FRAME_MAP", FREE + 5, vaddr(0x10002000), 3, 0),
    "cnode-ops": [0]
    + invoke(ROOT, "COPY", FREE, 64, ROOT, EP0, 64, 15)
    + invoke(ROOT, "MINT", FREE + 1, 64, ROOT, EP0, 64, 3, 0x55)
    + invoke(ROOT, "MOVE", FREE + 2, 64, ROOT, FREE + 1, 64)
    + invoke(ROOT, "MUTATE", FREE + 3, 64, ROOT, FREE + 2, 64, 1, 0x66)
    + invoke(ROOT, "ROTATE", FREE + 4, 64, ROOT, FREE, 64, ROOT, FREE + 3, 64)
    + invoke(ROOT, "COPY", 1, 4, ROOT, N0, 64, 15)
    + invoke(CNODE, "MINT", 2, 4, ROOT, CNODE, 64, 15, 60)
    + invoke(ROOT, "REVOKE", EP0, 64)
    + invoke(ROOT, "DELETE", FREE + 4, 64)
    + invoke(ROOT, "REVOKE", UT, 64),
    "tcb-control": [0]
    + retype("TCB", FREE)
    + invoke(FREE, "CONFIGURE", EP1, ROOT, VS_B, 0, 0)
    + invoke(FREE, "SET_SPACE", 0, ROOT, VS_A)
    + invoke(FREE, "SET_IPC_BUFFER", vaddr(0x10000000), BUF0)
    + invoke(FREE, "SET_PRIORITY", T0, 120)
    + invoke(FREE, "SET_SCHED_PARAMS", T0, 150, 90)
    + invoke(FREE, "READ_REGS", 20)
    + invoke(FREE, "WRITE_REGS", 1, 3, vaddr(0x400000), vaddr(0x7FFFFFE00000), 0x202)
    + retype("SC", FREE + 1)
    + invoke(SCHED_CTL, "SC_CONFIGURE", FREE + 1, us(1000), us(1000))
    + invoke(FREE + 1, "SC_BIND", FREE)
    + invoke(FREE, "RESUME")
    + invoke(FREE, "BIND_NTFN", N1)
    + invoke(FREE, "SET_FAULT_EP", EP1)
    + invoke(FREE, "SET_TIMEOUT_EP", EP1)
    + invoke(FREE + 1, "SC_CONSUMED")
    + invoke(FREE, "SUSPEND")
    + invoke(FREE, "UNBIND_NTFN")
    + invoke(FREE + 1, "SC_UNBIND")
    + invoke(ROOT, "DELETE", FREE, 64),
    "budget-timer": [0]
    + invoke(T0, "SET_TIMEOUT_EP", EP1)
    + invoke(SCHED_CTL, "SC_CONFIGURE", SC1, us(200), us(2000))
    + invoke(SCHED_CTL, "SC_CONFIGURE", SC0, us(500), us(5000))
    + advance(0x100, 12)
    + timer()
    + timer()
    + syscall("RECV", EP1, reply=R1)
    + advance(0x200, 12)
    + timer()
    + syscall("YIELD", 0)
    + invoke(SC0, "SC_CONSUMED")
    + timer(),
    "passive-server": [0]
    + invoke(SC1, "SC_UNBIND")
    + syscall("RECV", EP0, reply=R0)
    + syscall("CALL", EP0, 1, [1])
    + syscall("REPLY_RECV", EP0, 0, [], reply=R0)
    + syscall("CALL", EP0, 2, [2])
    + syscall("REPLY_RECV", EP0, 0, [], reply=R0),
    "passive-chain": [1]
    + syscall("RECV", EP1, reply=R0)
    + syscall("RECV", EP0, reply=R1)
    + invoke(SC0, "SC_UNBIND")
    + invoke(SC1, "SC_UNBIND")
    + syscall("CALL", EP0, 1, [1])
    + syscall("CALL", EP1, 2, [2])
    + syscall("REPLY_RECV", EP1, 3, [3], reply=R0)
    + syscall("REPLY_RECV", EP0, 4, [4], reply=R1)
    + syscall("CALL", EP0, 5, [5])
    + syscall("CALL", EP1, 6, [6])
    + invoke(SC2, "SC_UNBIND")
    + invoke(SC2, "SC_BIND", T2)
    + syscall("CALL", EP0, 7, [7])
    + invoke(ROOT, "DELETE", R1, 64)
    + syscall("CALL", EP0, 8, [8]),
    "irq": [0]
    + invoke(IRQ_CTL, "IRQ_GET_IOAPIC", 3, 0, 0, ROOT, FREE)
    + invoke(FREE, "IRQ_SET_NTFN", N0_BADGED)
    + invoke(FREE, "IRQ_ACK")
    + irq(3)
    + syscall("RECV", N0, reply=R0)
    + invoke(IRQ_CTL, "IRQ_GET_MSI", ROOT, FREE + 1)
    + invoke(FREE + 1, "IRQ_SET_NTFN", N0)
    + irq(24)
    + irq(24)
    + invoke(FREE + 1, "IRQ_ACK")
    + invoke(FREE, "IRQ_CLEAR")
    + invoke(T1, "BIND_NTFN", N1)
    + invoke(FREE + 1, "IRQ_SET_NTFN", N1)
    + irq(24)
    + invoke(ROOT, "DELETE", FREE + 1, 64),
    "domains": [0]
    + invoke(DOMAIN_CTL, "DOMAIN_SET", T1, 1)
    + invoke(DOMAIN_CTL, "DOMAIN_SCHEDULE", 2, 0, us(1000), 1, us(1000))
    + advance(0x100, 16)
    + timer()
    + syscall("YIELD", 0)
    + timer()
    + invoke(DOMAIN_CTL, "DOMAIN_SET", T0, 1)
    + timer()
    + invoke(DOMAIN_CTL, "DOMAIN_SCHEDULE", 0),
    "faults": [0]
    + invoke(T1, "SET_FAULT_EP", EP1)
    + syscall("RECV", EP1, reply=R0)
    + fault(0, 0x10002000)
    + syscall("REPLY_RECV", EP1, 0, [], reply=R0)
    + fault(2, 0)
    + syscall("REPLY_RECV", EP1, 1, [vaddr(0x400000)], reply=R0)
    + syscall("CALL", 200, 0, [])
    + [0, 31, 99, 0x80, EP0, 0xC0, 0, 0, 0, 0],
    "fault-endpoint-deleted": [0]
    + invoke(T0, "SET_FAULT_EP", EP1)
    + fault(0, 0x10003000)
    + invoke(ROOT, "REVOKE", EP1, 64)
    + invoke(ROOT, "DELETE", EP1, 64)
    + syscall("YIELD", 0),
    "fault-reply-deleted": [1]
    + invoke(T1, "SET_FAULT_EP", EP1)
    + syscall("RECV", EP1, reply=R0)
    + fault(1, 0)
    + invoke(ROOT, "REVOKE", R0, 64)
    + invoke(ROOT, "DELETE", R0, 64)
    + syscall("RECV", EP0, reply=R1)
    + syscall("YIELD", 0),
    "self-destruction": [4]
    + invoke(ROOT, "REVOKE", VS_A, 64)
    + invoke(ROOT, "REVOKE", T1, 64)
    + invoke(ROOT, "DELETE", T1, 64)
    + invoke(ROOT, "REVOKE", 22, 64)
    + invoke(ROOT, "REVOKE", 21, 64)
    + invoke(ROOT, "REVOKE", 20, 64)
    + invoke(ROOT, "REVOKE", 19, 64)
    + invoke(ROOT, "REVOKE", 18, 64)
    + invoke(ROOT, "REVOKE", 17, 64)
    + invoke(ROOT, "REVOKE", 16, 64),
    "loans-and-domains": [1]
    + invoke(SC1, "SC_UNBIND")
    + syscall("RECV", EP0, reply=R1)
    + invoke(SCHED_CTL, "SC_CONFIGURE", SC2, us(300), us(3000))
    + invoke(DOMAIN_CTL, "DOMAIN_SET", T1, 2)
    + syscall("CALL", EP0, 1, [1])
    + invoke(DOMAIN_CTL, "DOMAIN_SCHEDULE", 2, 0, us(500), 2, us(500))
    + timer()
    + advance(0x100, 12)
    + timer()
    + invoke(SC2, "SC_UNBIND")
    + invoke(ROOT, "DELETE", R1, 64)
    + timer()
    + invoke(SCHED_CTL, "SC_CONFIGURE", SC0, us(100), 100000)
    + timer()
    + timer(),
    "preempted-revoke": [4]
    + retype("ENDPOINT", FREE, count=8)
    + invoke(ROOT, "REVOKE", UT, 64)
    + preempt(2)
    + retype("CNODE", FREE, bits=6)
    + invoke(ROOT, "DELETE", FREE, 64),
    "control-blocked-threads": [0]
    + syscall("RECV", EP0, reply=R0)
    + invoke(T0, "RESUME")
    + invoke(T0, "SET_PRIORITY", T1, 90)
    + invoke(T0, "WRITE_REGS", 1, 1, vaddr(0x400000))
    + invoke(T0, "SUSPEND")
    + invoke(T0, "RESUME")
    + syscall("CALL", EP1, 1, [1])
    + syscall("RECV", EP1, reply=R2)
    + invoke(T1, "SUSPEND")
    + invoke(T1, "RESUME")
    + invoke(SC1, "SC_UNBIND")
    + invoke(SC1, "SC_BIND", T1)
    + invoke(T2, "BIND_NTFN", N0)
    + syscall("RECV", N0, reply=R2)
    + invoke(T2, "SUSPEND")
    + invoke(T2, "RESUME"),
    "debug-calls": [0]
    + syscall("PUTC", 65)
    + syscall("PUTC", 10)
    + syscall("DUMP_CAPS", 0)
    + syscall("NAME", T1)
    + syscall("CHECK_STATE", 0)
    + syscall("IDLE_CYCLES", 0)
    + syscall("FASTPATH_COUNT", 2)
    + syscall("FASTPATH_COUNT", 9)
    + syscall("ISOLATION", 0)
    + syscall("IRQ_STAMP", 1)
    + syscall("EXIT", 0),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(bytes(data))


if __name__ == "__main__":
    main()
