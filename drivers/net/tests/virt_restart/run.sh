#!/usr/bin/env bash
# The network virtualiser-restart test (suite system-net-virt-restart, soak-net-virt-restart;
# drivers/net/tests/virt_restart/virt_restart.mk; docs/drivers.md, "Restarting the network
# virtualisers").
#
#   run.sh KERNEL BUILD_DIR LOG_DIR VARIANT...
#
# Boots each variant's system (BUILD_DIR/VARIANT) on QEMU's user network. While both
# virtualisers fault at their fault points and are re-initialised by the supervisor (and,
# where the variant says so, the crasher crashes virtio_net beside them):
#   - TCP streams of 256 KiB through tcp_echo (10.0.2.16:1236), each on a new connection,
#     each byte-exact: connections survive the restarts (lwIP retransmits what was lost);
#   - UDP datagrams to udp_echo (10.0.2.15:1235) without resending: losses counted, none may
#     come back corrupt or twice (a frame sent twice by the transmit virtualiser shows);
# until both reached their last faulting generation. Then a 512 KiB stream and 500 datagrams
# with no loss at all (nothing of either pool was lost over the restarts), and the sniffer
# (the fourth client) must have seen no frame addressed to another client; net_rx_virt
# must never have been given back a buffer the driver did not hold (a buffer with two
# owners), and nothing may FAIL or fault but the injected faults.
# A variant whose system sets virt_resync_broken must FAIL that check (the suite then
# passes it): the check is shown to see a resynchronisation left out.
# The host side (ports, traffic, the end of the run) is tests/net/traffic.sh.
set -uo pipefail
kernel=$1 builddir=$2 logdir=$3
shift 3
source tests/net/traffic.sh
mkdir -p "$logdir"
failed=0

read -r udp_port tcp_port ctl_port < <(net_free_ports 3)
netdev=$(net_user_netdev "$udp_port" "$tcp_port" "$ctl_port")

# The highest generation PD $2 announced in log $1 (0: none).
generation() {
    grep -oE "$2: restarted \(generation [0-9]+" "$1" 2>/dev/null | grep -oE '[0-9]+$' |
        sort -n | tail -1 | grep . || echo 0
}

# run_variant NAME: boots it, drives traffic, prints PASS/FAIL lines (prefixed with the
# variant), returns 1 if any check failed.
run_variant() {
    local name=$1 build=$builddir/$1 bad=0
    local log=$logdir/$name.log out=$logdir/$name.out
    local target drv_limit
    target=$(sed -n 's/.*bst_fault_inject_limit" value="\([0-9]*\)".*/\1/p' "$build/system.xml" | head -1)
    drv_limit=$(sed -n 's/.*crasher_limit" value="\([0-9]*\)".*/\1/p' "$build/system.xml")
    read -r -a modules <"$build/modules.args"
    rm -f "$log" "$log.clean" "$logdir/$name"-*.out
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name "net-virt-restart-$name" --timeout $((150 + target / 4)) --log "$log" \
        --expect '^net test: done$' \
        --qemu-arg -netdev --qemu-arg "$netdev" \
        --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,addr=10.0 >"$out" 2>&1 &
    local qemu_run=$!
    net_wait_for 120 "$log" $qemu_run "${NET_SERVERS_UP[@]}"
    pass() { echo "PASS: net-virt-restart/$name: $1"; }
    fail() { echo "FAIL: net-virt-restart/$name: $1: $2"; bad=1; }

    # Traffic until both virtualisers reached their last faulting generation: 200
    # datagrams and a stream of 256 KiB a round; a round that failed ends it (no need to go
    # on).
    local start=$SECONDS rx tx
    restarting() {
        rx=$(generation "$log" net_rx_virt) tx=$(generation "$log" net_tx_virt)
        [[ $rx -lt $target || $tx -lt $target ]] && kill -0 $qemu_run 2>/dev/null &&
            [[ $((SECONDS - start)) -le $((100 + target / 5)) ]] &&
            [[ $traffic_stream_fail -eq 0 && $traffic_udp_bad -eq 0 ]]
    }
    net_traffic_rounds "$udp_port" "$tcp_port" "$logdir/$name-" 200 256KiB 45 restarting
    # The driver's crashes, if any, end too before the traffic that must lose nothing.
    if [[ ${drv_limit:-0} -gt 0 ]]; then
        net_wait_for 60 "$log" $qemu_run "crasher: target of $drv_limit injections reached"
    fi
    rx=$(generation "$log" net_rx_virt) tx=$(generation "$log" net_tx_virt)
    if [[ $rx -ge $target && $tx -ge $target ]]; then
        pass "net_rx_virt re-initialised $rx times, net_tx_virt $tx times ($(grep -c '^fault-inject: ' "$log") injected faults)"
    else
        fail "both virtualisers re-initialised $target times" "net_rx_virt $rx, net_tx_virt $tx"
    fi
    if [[ ${drv_limit:-0} -gt 0 ]]; then
        local inj
        inj=$(grep -oE '^crasher: (done: )?[0-9]+ injections' "$log" | tail -1 | grep -oE '[0-9]+')
        grep -q "^crasher: target of $drv_limit injections reached" "$log" && inj=$drv_limit
        if [[ ${inj:-0} -ge $drv_limit ]]; then
            pass "virtio_net crashed $inj times beside them ($(grep -cE '^virtio_net: restarted' "$log") resynchronised)"
        else
            fail "virtio_net crashed $drv_limit times beside them" "${inj:-0}"
        fi
    fi
    net_traffic_verdict "" "the restarts" "256 KiB"
    if [[ $bad -ne 0 ]]; then
        fail "after the restarts, traffic with no loss" "not tried: a check failed already"
    elif net_traffic_clean "$udp_port" "$tcp_port" "$logdir/$name-" 512KiB 30 500; then
        pass "after the restarts, 512 KiB TCP and 500 UDP datagrams with no loss"
    else
        fail "after the restarts, traffic with no loss" "$(net_traffic_clean_why "$logdir/$name-")"
    fi
    net_send_end "$ctl_port"
    # A run whose receive side is broken may not hear "end": it is stopped.
    for _ in $(seq 20); do
        kill -0 $qemu_run 2>/dev/null || break
        sleep 1
    done
    kill $qemu_run 2>/dev/null
    wait $qemu_run
    local sniffed
    sniffed=$(grep -oE "sniffer: [0-9]+ frames, [0-9]+ broadcast, [0-9]+ for another MAC" "$log" | tail -1)
    if [[ -n $sniffed && $sniffed == *" 0 for another MAC" ]]; then
        pass "no frame at the wrong client (sniffer: $sniffed)"
    else
        fail "no frame at the wrong client" "sniffer: ${sniffed:-no report}"
    fi
    local unheld unlent
    unheld=$(grep -c 'net_rx_virt: the driver published a buffer it did not hold' "$log")
    unlent=$(grep -c 'net_rx_virt: client [0-9]* returned a buffer it was not lent' "$log")
    if [[ $unheld -eq 0 && $unlent -eq 0 ]]; then
        pass "no receive buffer with two owners (every buffer came back from the one it was with)"
    else
        fail "no receive buffer with two owners" "$unheld from the driver that it did not hold, $unlent from clients that were not lent them"
    fi
    local errors='FAIL|libbastion|fault in PD|virtio_net: error|escalat'
    if grep -E "$errors" "$log" >/dev/null 2>&1; then
        fail "no fault but the injected ones, no FAIL" "$(grep -E "$errors" "$log" | head -3 | tr '\n' ' ')"
    else
        pass "no fault but the injected ones, no FAIL"
    fi
    return $bad
}

for variant in "$@"; do
    if grep -q 'virt_resync_broken" value="[1-9]' "$builddir/$variant/system.xml"; then
        out=$(run_variant "$variant")
        echo "$out" | sed 's/^\(PASS\|FAIL\): /  (broken run) /'
        if echo "$out" | grep -q '^FAIL'; then
            echo "PASS: net-virt-restart/$variant: with virt_resync_broken the check fails ($(echo "$out" | grep -c '^FAIL') checks failed)"
        else
            echo "FAIL: net-virt-restart/$variant: with virt_resync_broken the check fails: every check passed"
            failed=1
        fi
    else
        run_variant "$variant" || failed=1
    fi
done
exit $failed
