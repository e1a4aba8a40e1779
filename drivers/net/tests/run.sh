#!/usr/bin/env bash
# The network system test (suite system-net; drivers/net/components.mk).
#
#   run.sh KERNEL BUILD_DIR LOG_DIR
#
# Boots drivers/net/tests/system.xml (the network example plus the sniffer client) on
# q35 with one virtio-net NIC on QEMU's user network, whose host ports forward to the
# three servers and the sniffer, then drives it from the host with real clients
# (tests/net):
#   - curl gets the status page from 10.0.2.17:80
#   - 10,000 UDP datagrams of mixed sizes up to 1472 bytes come back byte-exact from
#     10.0.2.15:1235 (none lost: each is sent again after a timeout, at most 5 times)
#   - 16 MiB streamed through the TCP echo server at 10.0.2.16:1236 come back byte-exact
#   - the status page then counts that traffic, per PD
#   - then a hostile client, evil, floods net_tx_virt and corrupts its own connections
#     (switched on and off through the sniffer's UDP port 9999): meanwhile 2,000 more
#     datagrams and 2 MiB more come back byte-exact, the status page shows evil's frames
#     sent and its bad descriptors dropped, and evil reports its flooding and corruptions
#   - the sniffer (10.0.2.18), a client on the same NIC, received no frame for another MAC
#     all the while; it ends the run ("end" on its UDP port 9999)
#   - no PD faulted, nothing printed FAIL
# Then it boots the same system again with the NIC on a UDP socket (QEMU's dgram netdev)
# played by the wire injector (tests/net/net_inject.py): the injector answers for the
# gateway, checks ping, UDP echo and a TCP exchange, sends NET_TEST_FRAMES (100,000)
# malformed frames of 32 kinds (truncated and inconsistent headers, bad checksums,
# oversize and runt frames, fragment floods, ARP storms, every TCP flag combination,
# every ICMP type, broadcast and multicast, random bytes) and checks them all again;
# every PD must stay up, nothing may fault, and the sniffer must still have seen no frame
# for another MAC (the injector sends to every client's MAC).
# NET_TEST_DATAGRAMS, NET_TEST_BYTES and NET_TEST_FRAMES shorten or lengthen the run.
# Ports, QEMU's user network and the waits are tests/net/traffic.sh's.
set -uo pipefail
kernel=$1 build=$2 logdir=$3
source tests/net/traffic.sh
tools=$net_tools
datagrams=${NET_TEST_DATAGRAMS:-10000}
stream=${NET_TEST_BYTES:-16MiB}
frames=${NET_TEST_FRAMES:-100000}
mkdir -p "$logdir"
log=$logdir/net.log
failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

read -r udp_port tcp_port http_port ctl_port < <(net_free_ports 4)
netdev=$(net_user_netdev "$udp_port" "$tcp_port" "$ctl_port" "$http_port")

read -r -a modules <"$build/modules.args"
expects=(
    '^init: flow: the capabilities of 13 PDs allow only flows the policy allows'
    '^virtio_net: PCI 1af4:1000, MAC'
    '^net_rx_virt: 5 clients'
    '^evil: flooding$'
    '^evil: flooding and corrupting its connections$'
    '^evil: stopped after [0-9]+ wake-ups: [1-9][0-9]* frames flooded, [1-9][0-9]* corruptions$'
    '^udp_echo: UDP echo on port 1235' '^tcp_echo: TCP echo on port 1236'
    '^http: status page on port 80' '^sniffer: listening'
    '^sniffer: [0-9]+ frames, [0-9]+ broadcast, 0 for another MAC$'
    '^net test: done$'
)
args=()
for re in "${expects[@]}"; do args+=(--expect "$re"); done
rm -f "$log" "$log.clean" # the wait below must not read an earlier run's log
scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol --name net \
    --timeout 600 --log "$log" "${args[@]}" --qemu-arg -netdev --qemu-arg "$netdev" \
    --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,addr=10.0 >"$logdir/qemu-run.out" &
qemu_run=$!

# Wait for the servers (the log is written as the guest prints).
servers_up=('^sniffer: listening' '^http: status page' '^tcp_echo: TCP echo' '^udp_echo: UDP echo')
net_wait_for 120 "$log" $qemu_run "${servers_up[@]}"

if $tools/http_check.sh --timeout 30 "http://127.0.0.1:$http_port/" "Bastion network status" \
    "net_rx_virt" "udp_echo" >"$logdir/http1.out" 2>&1; then
    pass "net/http-status-page"
else
    fail "net/http-status-page" "$(tail -1 "$logdir/http1.out")"
fi

if python3 $tools/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" --count "$datagrams" \
    --max-size 1472 --retries 5 --max-loss 0 >"$logdir/udp.out" 2>&1; then
    pass "net/udp-echo-$datagrams-datagrams ($(grep -o 'sent.*' "$logdir/udp.out" | head -1))"
else
    fail "net/udp-echo-$datagrams-datagrams" "$(grep -E 'PASS|FAIL' "$logdir/udp.out" | head -1)"
fi

if python3 $tools/tcp_stream_check.py --host 127.0.0.1 --port "$tcp_port" --bytes "$stream" \
    --timeout 300 >"$logdir/tcp.out" 2>&1; then
    pass "net/tcp-echo-$stream ($(grep -o 'bytes.*' "$logdir/tcp.out" | head -1))"
else
    fail "net/tcp-echo-$stream" "$(grep -E 'PASS|FAIL' "$logdir/tcp.out" | head -1)"
fi

# The status page counts what went through each PD: the UDP echo server received at
# least the datagrams (and the TCP echo server's line shows its stream).
if $tools/http_check.sh --timeout 30 "http://127.0.0.1:$http_port/" >/dev/null 2>&1 &&
    curl -s -m 30 "http://127.0.0.1:$http_port/" >"$logdir/status.txt"; then
    udp_frames=$(awk '/^net_rx_virt/{f=1} f && $1=="udp_echo"{print $2; exit}' "$logdir/status.txt")
    tcp_bytes=$(awk '/^net_rx_virt/{f=1} f && $1=="tcp_echo"{print $4; exit}' "$logdir/status.txt")
    if [[ ${udp_frames:-0} -ge $datagrams && ${tcp_bytes:-0} -ge 16000000 ]] ||
        [[ ${udp_frames:-0} -ge $datagrams && $stream != 16MiB ]]; then
        pass "net/status-page-counts (udp_echo received $udp_frames frames, tcp_echo $tcp_bytes bytes)"
    else
        fail "net/status-page-counts" "udp_echo $udp_frames frames, tcp_echo $tcp_bytes bytes (log: $logdir/status.txt)"
    fi
else
    fail "net/status-page-counts" "no status page after the traffic"
fi

# control COMMAND: send it to the sniffer until it answers (prints the answer); "end" is
# not answered (the run ends).
control() {
    python3 - "$ctl_port" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
for _ in range(3 if sys.argv[2] == "end" else 5):
    s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
    if sys.argv[2] == "end":
        continue
    try:
        print(s.recv(100).decode()); break
    except socket.timeout:
        pass
PY
}

# The hostile client: while it floods (rings intact: its frames go out, in turns), and
# then while it floods and corrupts, the servers keep answering.
if [[ $(control flood) == flood ]]; then
    sleep 1
    if python3 $tools/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" --count 2000 \
        --max-size 1472 --retries 5 --max-loss 0 --seed 3 >"$logdir/udp-flood.out" 2>&1; then
        pass "net/udp-echo-while-evil-floods-intact ($(grep -o 'sent.*' "$logdir/udp-flood.out" | head -1))"
    else
        fail "net/udp-echo-while-evil-floods-intact" "$(grep -E 'PASS|FAIL' "$logdir/udp-flood.out" | head -1)"
    fi
    control flood >/dev/null
else
    fail "net/evil-flood" "the sniffer did not relay the command"
fi
if [[ $(control evil) == evil ]]; then
    sleep 2
    if python3 $tools/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" --count 2000 \
        --max-size 1472 --retries 5 --max-loss 0 --seed 2 >"$logdir/udp-evil.out" 2>&1; then
        pass "net/udp-echo-while-evil-floods ($(grep -o 'sent.*' "$logdir/udp-evil.out" | head -1))"
    else
        fail "net/udp-echo-while-evil-floods" "$(grep -E 'PASS|FAIL' "$logdir/udp-evil.out" | head -1)"
    fi
    if python3 $tools/tcp_stream_check.py --host 127.0.0.1 --port "$tcp_port" --bytes 2MiB \
        --seed 2 --timeout 300 >"$logdir/tcp-evil.out" 2>&1; then
        pass "net/tcp-echo-while-evil-floods ($(grep -o 'bytes.*' "$logdir/tcp-evil.out" | head -1))"
    else
        fail "net/tcp-echo-while-evil-floods" "$(grep -E 'PASS|FAIL' "$logdir/tcp-evil.out" | head -1)"
    fi
    curl -s -m 30 "http://127.0.0.1:$http_port/" >"$logdir/status-evil.txt"
    read -r evil_frames evil_dropped < <(awk '/^net_tx_virt/{f=1} f && $1=="evil"{print $2, $6; exit}' \
        "$logdir/status-evil.txt")
    if [[ ${evil_frames:-0} -gt 0 && ${evil_dropped:-0} -gt 0 ]]; then
        pass "net/evil-contained (net_tx_virt sent $evil_frames of its frames, dropped $evil_dropped bad descriptors)"
    else
        fail "net/evil-contained" "net_tx_virt's evil line: '${evil_frames:-} ${evil_dropped:-}' (log: $logdir/status-evil.txt)"
    fi
    control evil >/dev/null
else
    fail "net/evil" "the sniffer did not relay the command"
fi

# The sniffer's verdict, then the end of the run.
report=$(control report)
control end
if [[ $report =~ ^frames\ ([0-9]+)\ foreign\ 0$ ]]; then
    pass "net/sniffer-sees-no-other-client-traffic ($report)"
else
    fail "net/sniffer-sees-no-other-client-traffic" "report: '${report:-none}'"
fi

wait $qemu_run
grep -E '^(PASS|FAIL): ' "$logdir/qemu-run.out" | sed 's/^\(PASS\|FAIL\): /&net\/boot\//'
grep -q '^FAIL' "$logdir/qemu-run.out" && failed=1
if grep -E 'FAIL|libbastion|fault in PD' "$log.clean" >/dev/null 2>&1; then
    fail "net/no-fault" "the debug console reports a failure or a fault (log: $log)"
else
    pass "net/no-fault"
fi

# ---- Hostile input from the wire ----------------------------------------------------
read -r qemu_port inject_port < <(net_free_ports 2 udp)
wlog=$logdir/wire.log
dgram="dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$qemu_port"
dgram+=",remote.type=inet,remote.host=127.0.0.1,remote.port=$inject_port"
rm -f "$wlog" "$wlog.clean"
wexpects=(--expect '^sniffer: [0-9]+ frames, [0-9]+ broadcast, 0 for another MAC$'
    --expect '^net test: done$')
scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol --name wire \
    --timeout 900 --log "$wlog" "${wexpects[@]}" --qemu-arg -netdev --qemu-arg "$dgram" \
    --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,addr=10.0 >"$logdir/wire-run.out" &
wire_run=$!
net_wait_for 120 "$wlog" $wire_run "${servers_up[@]}"
if python3 $tools/net_inject.py --qemu "127.0.0.1:$qemu_port" --listen "127.0.0.1:$inject_port" \
    --client 10.0.2.15 --client 10.0.2.16 --client 10.0.2.17 --client 10.0.2.18 \
    --udp-echo 10.0.2.15:1235 --tcp-echo 10.0.2.16:1236 --tcp-port 80 \
    --frames "$frames" --seed 7 >"$logdir/inject.out" 2>&1; then
    pass "net/wire-$frames-malformed-frames ($(grep '^net_inject: PASS' "$logdir/inject.out" | cut -c18-))"
else
    fail "net/wire-$frames-malformed-frames" "$(tail -3 "$logdir/inject.out" | tr '\n' ' ' | cut -c1-300) (log: $logdir/inject.out)"
fi
# End the run: "end" to the sniffer's control port, as a frame from the gateway.
python3 - "$qemu_port" <<'PY'
import os, socket, sys
sys.path.insert(0, "tests/net")
import netpkt
gateway = netpkt.mac_bytes("02:00:0a:00:02:02")  # the injector's default
frame = netpkt.udp_frame(netpkt.mac_bytes("52:54:00:00:00:13"), gateway,
                         netpkt.ip_bytes("10.0.2.2"), netpkt.ip_bytes("10.0.2.18"), 40000, 9999,
                         b"end")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(frame, ("127.0.0.1", int(sys.argv[1])))
PY
wait $wire_run
grep -E '^(PASS|FAIL): ' "$logdir/wire-run.out" | sed 's/^\(PASS\|FAIL\): /&net\/boot\//'
grep -q '^FAIL' "$logdir/wire-run.out" && failed=1
if grep -E 'FAIL|libbastion|fault in PD|lwip: ' "$wlog.clean" >/dev/null 2>&1; then
    fail "net/wire-no-fault" "the debug console reports a failure or a fault (log: $wlog)"
else
    pass "net/wire-no-fault"
fi
exit $failed
