#!/usr/bin/env bash
# The network driver-restart test (suite system-net-restart, soak-net-restart;
# drivers/net/tests/restart/restart.mk; docs/drivers.md, "Restart without loss").
#
#   run.sh KERNEL VARIANT_BUILD_DIR LOG_DIR [BROKEN_VARIANT_BUILD_DIR]
#
# Boots the variant's system (virtio_net the crasher's child) on QEMU's user network and,
# while the crasher crashes the driver at random moments (restart, re-initialisation, or a
# real fault then either) until its target:
#   - streams 1 MiB at a time through tcp_echo (10.0.2.16:1236), each byte-exact, each on a
#     new connection that must survive the crashes (retransmission);
#   - sends UDP datagrams to udp_echo (10.0.2.15:1235) without resending: losses are
#     counted and reported, nothing may come back corrupt or twice;
# then, after the last crash, one more stream and 1,000 datagrams with no loss at all (the
# driver is whole again: no buffer lost over the crashes). No FAIL, no fault report.
# With a broken variant (the virtualisers' resync_broken set: they acknowledge a restarted
# driver but take back none of its buffers), a second, short boot: after its crashes, 200
# datagrams must NOT all come back (the receive pool has run dry): the check that this
# test sees lost buffers.
# The host side (ports, traffic, the end of the run) is tests/net/traffic.sh.
set -uo pipefail
kernel=$1 build=$2 logdir=$3 broken=${4:-}
source tests/net/traffic.sh
mkdir -p "$logdir"
log=$logdir/net-restart.log
rm -f "$logdir"/tcp-*.out "$logdir"/udp-*.out
failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

target=$(sed -n 's/.*crasher_target" value="\([0-9]*\)".*/\1/p' "$build/system.xml")
read -r udp_port tcp_port ctl_port < <(net_free_ports 3)
netdev=$(net_user_netdev "$udp_port" "$tcp_port" "$ctl_port")
read -r -a modules <"$build/modules.args"
rm -f "$log" "$log.clean"
scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
    --name net-restart --timeout $((240 + target / 2)) --log "$log" \
    --expect '^init: flow: the capabilities of 12 PDs allow only flows the policy allows' \
    --expect "^crasher: target of $target injections reached" --expect '^net test: done$' \
    --qemu-arg -netdev --qemu-arg "$netdev" \
    --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,addr=10.0 >"$logdir/qemu-run.out" &
qemu_run=$!
net_wait_for 120 "$log" $qemu_run "${NET_SERVERS_UP[@]}"

# Traffic while the crasher works: 300 datagrams and a stream of 1 MiB a round.
start=$SECONDS
crashing() {
    ! grep -q "crasher: target of $target injections reached" "$log" 2>/dev/null &&
        kill -0 $qemu_run 2>/dev/null && [[ $((SECONDS - start)) -le $((200 + target / 2)) ]]
}
net_traffic_rounds "$udp_port" "$tcp_port" "$logdir/" 300 1MiB 120 crashing
injections=$(grep -oE '^crasher: [0-9]+ injections' "$log" | tail -1 | grep -oE '[0-9]+')
net_traffic_verdict "net-restart: " "the crashes" "1 MiB through tcp_echo"
if [[ ${injections:-0} -ge $target ]]; then
    pass "net-restart: $injections driver crashes injected ($(grep -cE '^virtio_net: restarted' "$log") resynchronised, $(grep -oE '^crasher: [0-9]+ injections .*' "$log" | tail -1 | grep -oE '[0-9]+ re-initialisations'); $(grep -oE 'given back, sent or not \([0-9]+ so far' "$log" | tail -1 | grep -oE '[0-9]+') transmit buffers given back as sent or dropped)"
else
    fail "net-restart: $target driver crashes injected" "only ${injections:-0}"
fi

# After the last crash: whole again.
if net_traffic_clean "$udp_port" "$tcp_port" "$logdir/" 4MiB 120 1000; then
    pass "net-restart: after the crashes, 4 MiB TCP and 1000 UDP datagrams with no loss"
else
    fail "net-restart: after the crashes, traffic with no loss" "$(net_traffic_clean_why "$logdir/")"
fi

net_send_end "$ctl_port"
wait $qemu_run
grep -E '^(PASS|FAIL): ' "$logdir/qemu-run.out" | sed 's/^\(PASS\|FAIL\): /&net-restart\/boot\//'
grep -q '^FAIL' "$logdir/qemu-run.out" && failed=1
if grep -E 'FAIL|libbastion|fault in PD|virtio_net: error' "$log.clean" >/dev/null 2>&1; then
    fail "net-restart: no fault report, no FAIL" "$(grep -E 'FAIL|libbastion|fault in PD|virtio_net: error' "$log.clean" | head -3 | tr '\n' ' ')"
else
    pass "net-restart: no fault report, no FAIL"
fi

# The broken variant: buffers lost at each restart must show.
if [[ -n $broken ]]; then
    blog=$logdir/net-restart-broken.log
    btarget=$(sed -n 's/.*crasher_target" value="\([0-9]*\)".*/\1/p' "$broken/system.xml")
    read -r -a modules <"$broken/modules.args"
    rm -f "$blog" "$blog.clean"
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name net-restart-broken --timeout 150 --log "$blog" \
        --qemu-arg -netdev --qemu-arg "$netdev" \
        --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,addr=10.0 >"$logdir/qemu-run-broken.out" &
    qemu_run=$!
    net_wait_for 120 "$blog" $qemu_run "crasher: target of $btarget injections reached"
    sleep 1
    if python3 $net_tools/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" --count 200 \
        --max-size 1472 --retries 0 --timeout 0.5 --max-loss 0 --seed 7 >"$logdir/udp-broken.out" 2>&1; then
        fail "net-restart-broken: with resync_broken, traffic after the crashes fails" "200 of 200 datagrams came back (log: $blog)"
    else
        pass "net-restart-broken: with resync_broken, traffic after the crashes fails ($(sed -n 's/^udp_echo_check [A-Z]*: \(sent [0-9]* echoed [0-9]* lost [0-9]*\).*/\1/p' "$logdir/udp-broken.out"), $(grep -c 'resync_broken' "$blog") restarts not resynchronised)"
    fi
    net_send_end "$ctl_port"
    sleep 2
    kill $qemu_run 2>/dev/null
    wait $qemu_run 2>/dev/null
fi
exit $failed
