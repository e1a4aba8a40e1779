#!/usr/bin/env bash
# `make bench`, network part: what a hostile client costs the others (docs/performance.md,
# "Network: a hostile client"). Boots the network test system (drivers/net/tests: the
# example's servers, the sniffer and evil) under the benchmark's QEMU (q35, icount, one
# virtio-net NIC on the user network) and measures the UDP echo server's throughput
# (tests/net/udp_load.py --max: the highest rate of 1472-byte datagrams with < 1% loss)
# alone, while evil floods net_tx_virt with its rings intact, alone, while evil floods and
# corrupts its own rings (both switched on through the sniffer's control port), and alone
# again; and how many frames evil got out meanwhile (net_tx_virt's counters).
#
#   hostile-client.sh KERNEL MODULES_ARGS RESULTS_JSON WORK_DIR
#
# Writes RESULTS_JSON and prints the rows. The issue's goal: with evil on, at least 80%
# of the alone figure.
set -euo pipefail
kernel=$1 modules_args=$2 out=$3 work=$4
mkdir -p "$work"
log=$work/hostile.log
rm -f "$log"
read -r udp_port ctl_port http_port < <(python3 -c '
import socket
s = [socket.socket(socket.AF_INET, t) for t in (socket.SOCK_DGRAM, socket.SOCK_DGRAM, socket.SOCK_STREAM)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
read -r -a modules <"$modules_args"
initrd=()
for ((i = 0; i < ${#modules[@]}; i += 2)); do initrd+=("${modules[i + 1]}"); done
qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 256M -icount shift=0,align=off \
    -display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$kernel" -append "" -initrd "$(IFS=,; echo "${initrd[*]}")" -serial "file:$log" \
    -netdev "user,id=n0,hostfwd=udp:127.0.0.1:$udp_port-10.0.2.15:1235,hostfwd=udp:127.0.0.1:$ctl_port-10.0.2.18:9999,hostfwd=tcp:127.0.0.1:$http_port-10.0.2.17:80" \
    -device virtio-net-pci,netdev=n0,addr=10.0,romfile= </dev/null >"$work/hostile.qemu" 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT
for _ in $(seq 120); do
    grep -q '^sniffer: listening' "$log" 2>/dev/null && grep -q '^udp_echo: UDP echo' "$log" && break
    sleep 1
done
control() {
    python3 - "$ctl_port" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
for _ in range(5):
    s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recv(100).decode()); break
    except socket.timeout:
        pass
PY
}
throughput() {
    python3 tests/net/udp_load.py --host 127.0.0.1 --port "$udp_port" --size 1472 --max |
        python3 -c 'import json, sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["best_rate"])'
}
# evil's frames sent so far, from net_tx_virt's counters on the status page.
evil_frames() {
    curl -s -m 30 "http://127.0.0.1:$http_port/" |
        awk '/^net_tx_virt/{f=1} f && $1=="evil"{print $2; exit}'
}
# Phases: alone, evil flooding (rings intact), alone, evil flooding and corrupting, alone.
# Each throughput is measured in real time on an icount guest, so a loaded host moves it:
# the share is taken against the mean of the alone figures around it.
phase() { # COMMAND: measure with evil switched on by COMMAND; prints "dps evil_frames/s"
    [[ $(control "$1") == "$1" ]] || { echo "hostile-client.sh: the sniffer did not relay '$1'" >&2; exit 1; }
    sleep 2
    local e0 t0 e1 t1 dps
    e0=$(evil_frames) t0=$(date +%s.%N)
    dps=$(throughput)
    e1=$(evil_frames) t1=$(date +%s.%N)
    control "$1" >/dev/null
    sleep 2
    echo "$dps $(python3 -c "print(round(($e1 - $e0) / ($t1 - $t0)))")"
}
# Warm up first: the user network learns the server's MAC by ARP on the first datagrams
# and drops them meanwhile, which would spoil the first search.
python3 tests/net/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" --count 200 \
    --retries 5 --max-loss 200 >/dev/null 2>&1 || true
alone1=$(throughput)
read -r flood flood_rate < <(phase flood)
alone2=$(throughput)
read -r corrupt corrupt_rate < <(phase evil)
alone3=$(throughput)
python3 - "$out" "$alone1" "$flood" "$flood_rate" "$alone2" "$corrupt" "$corrupt_rate" "$alone3" <<'PY'
import json, sys
out = sys.argv[1]
a1, flood, flood_rate, a2, corrupt, corrupt_rate, a3 = (float(x) for x in sys.argv[2:9])
share = lambda x, before, after: round(2 * x / (before + after), 3) if before + after else None
rows = {
    "net.hostile.udp_echo_alone_dps": [a1, a2, a3],
    "net.hostile.udp_echo_while_flooding_dps": flood,
    "net.hostile.flood_share_kept": share(flood, a1, a2),
    "net.hostile.evil_flood_frames_per_s": int(flood_rate),
    "net.hostile.udp_echo_while_corrupting_dps": corrupt,
    "net.hostile.corrupt_share_kept": share(corrupt, a2, a3),
    "net.hostile.evil_corrupt_frames_per_s": int(corrupt_rate),
}
json.dump({"unit": "1472-byte datagrams/s echoed with < 1% loss (udp_load.py --max); shares against the mean of the alone figures around each",
           "machine": "qemu-system-x86_64 -machine q35 -cpu max -icount shift=0,align=off, virtio-net-pci, -netdev user",
           "goal_share_kept": 0.8, "rows": rows}, open(out, "w"), indent=2)
print("Network: a hostile client (evil: floods net_tx_virt; then floods and corrupts its rings)")
for k, v in rows.items():
    print("%-50s %24s" % (k, v))
PY
