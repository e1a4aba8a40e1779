#!/usr/bin/env bash
# Recovery time per driver class (`make bench`, bench/recovery/recovery.mk;
# docs/performance.md, "Recovery time"): fault to the first completed client request after
# the restart, in icount cycles (-icount shift=0,align=off: one cycle per guest
# instruction, repeatable on any host).
#
#   run-recovery-bench.sh --kernel KERNEL --results DIR --work DIR
#                         [--block BLK_VARIANT_DIR] [--network NET_VARIANT_DIR]
#                         [--serial SERIAL_RESTART_BENCH_DIR] [--block-virt BLK_VIRT_VARIANT_DIR]
#                         [--net-virt NET_VIRT_VARIANT_DIR]
#
# Each variant directory is a build of a restart test's system.xml (restart.mk, variant
# "bench"): the crasher (drivers/blk/tests/restart/crasher.c) stamps the cycle counter at
# each crash in a shared struct recovery_stamp, the measuring party turns the first
# completed work after it into a recovery time (block: blk_virt, at the restarted driver's
# first answer as it goes to the client, which keeps 48 requests in flight; network: the
# driver, at the first frame it hands up, while the host sends UDP datagrams to udp_echo
# without pause), and the crasher prints it at the next crash: `crasher: recovery N cycles`
# (`recovery none`: nothing completed before the next crash). Writes DIR/recovery.json and
# prints one table row per class.
#
# The block virtualiser (--block-virt: drivers/blk/tests/virt_restart, variant "bench"): the
# crasher crashes blk_virt instead of the driver, and blk_virt completes the stamp at the
# first answer it gives the client after its restart (after the barrier, the table read
# again and the client's handshake: docs/drivers.md, "Restarting blk_virt").
#
# Serial and timer (--serial: the restart test's bench variant, drivers/serial/serial.mk):
# the supervisor stamps each fault of its children, the UART and the timer driver, and
# each driver completes the stamp when its restart is back in service (init() done:
# resynchronised, its device set up again); the supervisor prints `supervisor: child C
# recovery N cycles` at the child's next fault. Their clients' requests come in bursts
# with idle gaps, so the first one after a restart would measure the gap, not the restart.
set -uo pipefail
kernel="" results="" work="" block="" network="" serial="" blockvirt="" netvirt=""
while [[ $# -gt 0 ]]; do
    case $1 in
    --kernel) kernel=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --block) block=$2; shift 2 ;;
    --network) network=$2; shift 2 ;;
    --serial) serial=$2; shift 2 ;;
    --block-virt) blockvirt=$2; shift 2 ;;
    --net-virt) netvirt=$2; shift 2 ;;
    *) echo "run-recovery-bench.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$work" "$results"
failed=0

boot() { # name variant_dir timeout [qemu words...]
    local name=$1 dir=$2 timeout=$3
    shift 3
    local -a modules extra=()
    read -r -a modules <"$dir/modules.args"
    for w in "$@"; do extra+=(--qemu-arg "$w"); done
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol --icount \
        --serve --until "${until:-^crasher: done: }" --name "recovery-$name" --timeout "$timeout" \
        --log "$work/$name.log" "${extra[@]}" >"$work/$name.out" 2>&1
}

if [[ -n $block ]]; then
    python3 drivers/blk/tests/disk.py good "$work/disk.img" >/dev/null
    boot block "$block" 300 -drive "file=$work/disk.img,if=none,format=raw,id=d0,cache=writeback" \
        -device virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on,serial=recovery ||
        { echo "FAIL: recovery-block: the boot ($work/block.out)"; failed=1; }
fi

if [[ -n $blockvirt ]]; then
    python3 drivers/blk/tests/disk.py good "$work/disk-virt.img" >/dev/null
    boot block-virt "$blockvirt" 300 \
        -drive "file=$work/disk-virt.img,if=none,format=raw,id=d0,cache=writeback" \
        -device virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on,serial=recovery ||
        { echo "FAIL: recovery-block-virt: the boot ($work/block-virt.out)"; failed=1; }
fi

if [[ -n $network ]]; then
    read -r udp_port < <(python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
    netdev="user,id=n0,net=10.0.2.0/24,hostfwd=udp:127.0.0.1:$udp_port-10.0.2.15:1235"
    boot network "$network" 300 -netdev "$netdev" -device virtio-net-pci,netdev=n0,addr=10.0 &
    booted=$!
    # Datagrams without pause while the crasher works: every recovery ends at the first
    # frame after the restart, so the wait for one is short beside the restart itself.
    python3 - "$udp_port" "$work/network.log" <<'PY' &
import os, socket, sys, time
port, log = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
deadline = time.time() + 300
while time.time() < deadline:
    try:
        if "crasher: done: " in open(log, errors="replace").read():
            break
    except OSError:
        pass
    for _ in range(20):
        try:
            s.sendto(b"recovery-bench" * 8, ("127.0.0.1", port))
        except OSError:
            pass
        try:
            while True:
                s.recv(2048)
        except OSError:
            pass
        time.sleep(0.0005)
PY
    sender=$!
    wait $booted || { echo "FAIL: recovery-network: the boot ($work/network.out)"; failed=1; }
    kill $sender 2>/dev/null
    wait $sender 2>/dev/null
fi

# The network virtualisers (--net-virt: drivers/net/tests/virt_restart, variant "bench"):
# both fault at their fault points under datagrams sent without pause, the supervisor
# stamps each fault and prints the recovery at the next (`supervisor: child 0` is
# net_rx_virt, `child 1` net_tx_virt); the run ends at net_tx_virt's last faulting
# generation.
if [[ -n $netvirt ]]; then
    read -r udp_port < <(python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
    netdev="user,id=n0,net=10.0.2.0/24,hostfwd=udp:127.0.0.1:$udp_port-10.0.2.15:1235"
    last=$(sed -n 's/.*bst_fault_inject_limit" value="\([0-9]*\)".*/\1/p' "$netvirt/system.xml" | head -1)
    until="net_tx_virt: restarted \(generation $last\)" \
        boot net-virt "$netvirt" 400 -netdev "$netdev" -device virtio-net-pci,netdev=n0,addr=10.0 &
    booted=$!
    python3 - "$udp_port" "$work/net-virt.log" "net_tx_virt: restarted (generation $last)" <<'PY' &
import socket, sys, time
port, log, end = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
deadline = time.time() + 400
while time.time() < deadline:
    try:
        if end in open(log, errors="replace").read():
            break
    except OSError:
        pass
    for _ in range(20):
        try:
            s.sendto(b"recovery-bench" * 8, ("127.0.0.1", port))
        except OSError:
            pass
        try:
            while True:
                s.recv(2048)
        except OSError:
            pass
        time.sleep(0.0005)
PY
    sender=$!
    wait $booted || { echo "FAIL: recovery-net-virt: the boot ($work/net-virt.out)"; failed=1; }
    kill $sender 2>/dev/null
    wait $sender 2>/dev/null
fi

if [[ -n $serial ]]; then
    read -r -a modules <"$serial/modules.args"
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol --icount \
        --name recovery-serial --timeout 600 --log "$work/serial.log" \
        --serial2 "$work/serial.com2.log" --expect '^restart test: done$' >"$work/serial.out" 2>&1 ||
        { echo "FAIL: recovery-serial: the boot ($work/serial.out)"; failed=1; }
fi

python3 - "$results/recovery.json" "$work" "$block" "$network" "$serial" "$blockvirt" "$netvirt" <<'PY'
import json, os, re, sys
out, work, block, network, serial, blockvirt, netvirt = sys.argv[1:8]
classes = {}
def pick(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else None
# (class, used, log, the line of a recovery time, the line of a crash without one)
sources = (("block", block, "block", r"^crasher: recovery (\d+) cycles", "crasher: recovery none"),
           ("network", network, "network", r"^crasher: recovery (\d+) cycles", "crasher: recovery none"),
           ("block-virt", blockvirt, "block-virt", r"^crasher: recovery (\d+) cycles",
            "crasher: recovery none"),
           ("timer", serial, "serial", r"^supervisor: child 0 recovery (\d+) cycles",
            "supervisor: child 0 recovery none"),
           ("serial", serial, "serial", r"^supervisor: child 1 recovery (\d+) cycles",
            "supervisor: child 1 recovery none"),
           ("net-virt-rx", netvirt, "net-virt", r"^supervisor: child 0 recovery (\d+) cycles",
            "supervisor: child 0 recovery none"),
           ("net-virt-tx", netvirt, "net-virt", r"^supervisor: child 1 recovery (\d+) cycles",
            "supervisor: child 1 recovery none"))
for cls, used, name, recovered, unrecovered in sources:
    if not used:
        continue
    log = os.path.join(work, name + ".log")
    times, none = [], 0
    try:
        for line in open(log, errors="replace"):
            m = re.match(recovered, line)
            if m:
                times.append(int(m.group(1)))
            elif line.startswith(unrecovered):
                none += 1
    except OSError:
        pass
    times.sort()
    classes[cls] = {
        "crashes": len(times) + none,
        "recovered": len(times),
        "not_recovered_before_next_crash": none,
        "median_cycles": pick(times, 0.5) if times else None,
        "p90_cycles": pick(times, 0.9) if times else None,
        "max_cycles": times[-1] if times else None,
        "min_cycles": times[0] if times else None,
    }
doc = {
    "what": "fault to the first completed client request after the driver's restart",
    "unit": "icount cycles (-icount shift=0,align=off: one per guest instruction)",
    "block_completed_by": "blk_virt: the restarted driver's first answer, 48 requests in flight",
    "network_completed_by": "virtio_net: the first received frame handed up, UDP sent without pause",
    "timer_completed_by": "the timer driver back in service (its init() done), under the restart test's clients",
    "serial_completed_by": "the UART driver back in service (its init() done: resynchronised, the 16550 set up again)",
    "block-virt_completed_by": "blk_virt (crashed instead of the driver): its first answer to the client after the restart, 48 requests in flight",
    "net-virt-rx_completed_by": "net_rx_virt (faulting at a fault point, re-initialised by the supervisor): the first frame it lends a client after the restart, UDP sent without pause",
    "net-virt-tx_completed_by": "net_tx_virt (the same): the first sent buffer it gives back to its client after the restart",
    "classes": classes,
}
json.dump(doc, open(out, "w"), indent=2)
open(out, "a").write("\n")
print(f"{'recovery time (icount cycles)':32} {'crashes':>8} {'median':>10} {'p90':>10} {'max':>10}")
bad = False
for cls, c in classes.items():
    if not c["recovered"]:
        print(f"{cls:32} {c['crashes']:>8} {'-':>10} {'-':>10} {'-':>10}  FAIL: no recovery measured")
        bad = True
        continue
    print(f"{cls:32} {c['crashes']:>8} {c['median_cycles']:>10} {c['p90_cycles']:>10} {c['max_cycles']:>10}")
sys.exit(1 if bad else 0)
PY
[[ $? -ne 0 ]] && failed=1
exit $failed
