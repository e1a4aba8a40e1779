#!/usr/bin/env bash
# The client library's loopback test (suite system-net-client; drivers/net/lwip/lwip.mk).
#
#   run.sh KERNEL BUILD_DIR LOG_DIR
#
# Boots drivers/net/client/tests/system.xml on QEMU q35 (TCG): the peer (peer.c) plays the
# smoke client's copier and net_tx_virt and checks lwIP's answers frame by frame (ARP,
# ping, UDP echo, a burst of 200 datagrams, running out of transmit buffers and getting
# them back, impossible descriptors, TCP echo and a retransmission by lwIP's timer). Then
# the client prints its counters, which must show the dropped descriptors and the frames
# refused for want of a buffer, and a number of polls that proves it slept (no busy loop).
set -uo pipefail
kernel=$1 build=$2 logdir=$3
mkdir -p "$logdir"
log=$logdir/net-client.log
failed=0

expects=(
    '^smoke: up at 10\.0\.2\.15, UDP and TCP echo on port 7$'
    '^PASS: net-client/arp' '^PASS: net-client/ping$' '^PASS: net-client/udp '
    '^PASS: net-client/burst' '^PASS: net-client/no-buffer' '^PASS: net-client/bad'
    '^PASS: net-client/tcp-echo$' '^PASS: net-client/tcp-retransmit'
    '^smoke: rx [0-9]+ frames [0-9]+ bytes, bad 4, no pbuf 0; tx [0-9]+ frames [0-9]+ bytes, no buffer [1-9][0-9]*, too long 0, bad returns 0$'
    '^net-client test: done'
)
args=()
for re in "${expects[@]}"; do args+=(--expect "$re"); done
read -r -a modules <"$build/modules.args"
scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --no-protocol --name net-client \
    --machine q35 --timeout 120 --log "$log" "${args[@]}" | grep -E '^(PASS|FAIL): ' || failed=1

if grep -E "FAIL|libbastion|fault in PD|assertion" "$log.clean" >/dev/null; then
    echo "FAIL: net-client/console: the debug console reports a failure, a fault or an assertion (log: $log)"
    failed=1
else
    echo "PASS: net-client/console: no failure, fault or assertion on the debug console"
fi

# The client slept between events: polls are bounded by the frames it handled (each
# wake-up handles at least one event; a busy loop would poll millions of times).
stats=$(grep -E '^smoke: rx [0-9]+ frames' "$log.clean" | head -1)
polls=$(grep -oE '^smoke: polls [0-9]+' "$log.clean" | grep -oE '[0-9]+$' | head -1)
frames=$(echo "$stats" | grep -oE '^smoke: rx [0-9]+' | grep -oE '[0-9]+$')
if [[ -n "$polls" && -n "$frames" ]] && ((polls <= 4 * frames + 100)); then
    echo "PASS: net-client/sleeps: $polls polls for $frames frames received"
else
    echo "FAIL: net-client/sleeps: ${polls:-?} polls for ${frames:-?} frames received"
    failed=1
fi
grep -E '^smoke: ' "$log.clean"
exit $failed
