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
source tests/net/traffic.sh # net_free_ports

# boot NAME VARIANT_DIR TIMEOUT UNTIL [QEMU_WORDS...]: boots the variant under -icount until
# its log (WORK/NAME.log) shows a line for the regular expression UNTIL; a boot that fails
# is a FAIL line (and returns 1: run in the background, its caller must note the failure).
boot() {
    local name=$1 dir=$2 timeout=$3 until=$4 w
    shift 4
    local -a modules extra=()
    read -r -a modules <"$dir/modules.args"
    for w in "$@"; do extra+=(--qemu-arg "$w"); done
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol --icount \
        --serve --until "$until" --name "recovery-$name" --timeout "$timeout" \
        --log "$work/$name.log" "${extra[@]}" >"$work/$name.out" 2>&1 ||
        { echo "FAIL: recovery-$name: the boot ($work/$name.out)"; failed=1; return 1; }
}

# boot_block NAME VARIANT_DIR: boots a block variant with a fresh disk (WORK/NAME.img) until
# the crasher is done.
boot_block() {
    python3 drivers/blk/tests/disk.py good "$work/$1.img" >/dev/null
    boot "$1" "$2" 300 '^crasher: done: ' \
        -drive "file=$work/$1.img,if=none,format=raw,id=d0,cache=writeback" \
        -device virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on,serial=recovery
}

# boot_network NAME VARIANT_DIR TIMEOUT UNTIL: boots a network variant (boot's arguments)
# with the NIC on QEMU's user network, the guest's UDP echo port forwarded, while the host
# sends it datagrams without pause until the log shows UNTIL: every recovery ends at the
# first frame after the restart, so the wait for one is short beside the restart itself.
boot_network() {
    local name=$1 dir=$2 timeout=$3 until=$4 udp_port booted sender
    read -r udp_port < <(net_free_ports 1 udp)
    boot "$name" "$dir" "$timeout" "$until" \
        -netdev "user,id=n0,net=10.0.2.0/24,hostfwd=udp:127.0.0.1:$udp_port-10.0.2.15:1235" \
        -device virtio-net-pci,netdev=n0,addr=10.0 &
    booted=$!
    python3 - "$udp_port" "$work/$name.log" "$until" "$timeout" <<'PY' &
import re, socket, sys, time
port, log, until, timeout = int(sys.argv[1]), sys.argv[2], re.compile(sys.argv[3], re.M), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
deadline = time.time() + timeout
while time.time() < deadline:
    try:
        if until.search(open(log, errors="replace").read()):
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
    wait $booted || failed=1
    kill $sender 2>/dev/null
    wait $sender 2>/dev/null
}

[[ -n $block ]] && boot_block block "$block"
[[ -n $blockvirt ]] && boot_block block-virt "$blockvirt"
[[ -n $network ]] && boot_network network "$network" 300 '^crasher: done: '
# The network virtualisers (--net-virt: drivers/net/tests/virt_restart, variant "bench"):
# both fault at their fault points under datagrams sent without pause, the supervisor
# stamps each fault and prints the recovery at the next (`supervisor: child 0` is
# net_rx_virt, `child 1` net_tx_virt); the run ends at net_tx_virt's last faulting
# generation.
if [[ -n $netvirt ]]; then
    last=$(sed -n 's/.*bst_fault_inject_limit" value="\([0-9]*\)".*/\1/p' "$netvirt/system.xml" | head -1)
    boot_network net-virt "$netvirt" 400 "net_tx_virt: restarted \(generation $last\)"
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
