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
set -uo pipefail
kernel=$1 build=$2 logdir=$3 broken=${4:-}
tools=tests/net
mkdir -p "$logdir"
log=$logdir/net-restart.log
rm -f "$logdir"/tcp-*.out "$logdir"/udp-*.out
failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

target=$(sed -n 's/.*crasher_target" value="\([0-9]*\)".*/\1/p' "$build/system.xml")
read -r udp_port tcp_port ctl_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
netdev="user,id=n0,net=10.0.2.0/24"
netdev+=",hostfwd=udp:127.0.0.1:$udp_port-10.0.2.15:1235"
netdev+=",hostfwd=tcp:127.0.0.1:$tcp_port-10.0.2.16:1236"
netdev+=",hostfwd=udp:127.0.0.1:$ctl_port-10.0.2.18:9999"
read -r -a modules <"$build/modules.args"
rm -f "$log" "$log.clean"
scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
    --name net-restart --timeout $((240 + target / 2)) --log "$log" \
    --expect '^init: flow: the capabilities of 12 PDs allow only flows the policy allows' \
    --expect "^crasher: target of $target injections reached" --expect '^net test: done$' \
    --qemu-arg -netdev --qemu-arg "$netdev" \
    --qemu-arg -device --qemu-arg virtio-net-pci,netdev=n0,addr=10.0 >"$logdir/qemu-run.out" &
qemu_run=$!
# Not anchored: PDs that print at once may share a serial line ("udp_echo: UDP echo on port
# tcp_echo: TCP echo on port 1236"), and a missed line would hold the traffic back until
# the crashes are over.
for _ in $(seq 120); do
    grep -q 'sniffer: listening' "$log" 2>/dev/null && grep -q 'tcp_echo: TCP echo' "$log" &&
        grep -q 'udp_echo: UDP echo' "$log" && break
    kill -0 $qemu_run 2>/dev/null || break
    sleep 1
done

# Traffic while the crasher works.
streams=0 stream_fail=0 udp_sent=0 udp_lost=0 udp_bad=0 seed=1 start=$SECONDS
while ! grep -q "crasher: target of $target injections reached" "$log" 2>/dev/null; do
    kill -0 $qemu_run 2>/dev/null || break
    [[ $((SECONDS - start)) -gt $((200 + target / 2)) ]] && break
    python3 $tools/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" --count 300 \
        --max-size 1472 --retries 0 --timeout 0.5 --max-loss 300 --seed $seed \
        >"$logdir/udp-$seed.out" 2>&1 &
    udp=$!
    if python3 $tools/tcp_stream_check.py --host 127.0.0.1 --port "$tcp_port" --bytes 1MiB \
        --seed $seed --timeout 120 >"$logdir/tcp-$seed.out" 2>&1; then
        streams=$((streams + 1))
    else
        stream_fail=$((stream_fail + 1))
        echo "tcp stream $seed: $(grep -E 'PASS|FAIL' "$logdir/tcp-$seed.out" | head -1)"
    fi
    wait $udp
    read -r s l c d < <(sed -n 's/^udp_echo_check [A-Z]*: sent \([0-9]*\) echoed [0-9]* lost \([0-9]*\) corrupt \([0-9]*\) duplicated \([0-9]*\).*/\1 \2 \3 \4/p' "$logdir/udp-$seed.out")
    udp_sent=$((udp_sent + ${s:-0})) udp_lost=$((udp_lost + ${l:-0})) udp_bad=$((udp_bad + ${c:-1} + ${d:-0}))
    seed=$((seed + 1))
done
injections=$(grep -oE '^crasher: [0-9]+ injections' "$log" | tail -1 | grep -oE '[0-9]+')
if [[ $stream_fail -eq 0 && $streams -gt 0 ]]; then
    pass "net-restart: $streams TCP streams of 1 MiB through tcp_echo byte-exact across ${injections:-0} driver crashes"
else
    fail "net-restart: TCP streams survive the crashes" "$stream_fail of $((streams + stream_fail)) failed"
fi
if [[ $udp_bad -eq 0 && $udp_sent -gt 0 ]]; then
    pass "net-restart: UDP echo across the crashes: $udp_sent sent, $udp_lost lost (counted, not resent), 0 corrupt or duplicated"
else
    fail "net-restart: UDP echo across the crashes" "$udp_bad corrupt or duplicated of $udp_sent"
fi
if [[ ${injections:-0} -ge $target ]]; then
    pass "net-restart: $injections driver crashes injected ($(grep -cE '^virtio_net: restarted' "$log") resynchronised, $(grep -oE '^crasher: [0-9]+ injections .*' "$log" | tail -1 | grep -oE '[0-9]+ re-initialisations'); $(grep -oE 'given back, sent or not \([0-9]+ so far' "$log" | tail -1 | grep -oE '[0-9]+') transmit buffers given back as sent or dropped)"
else
    fail "net-restart: $target driver crashes injected" "only ${injections:-0}"
fi

# After the last crash: whole again.
if python3 $tools/tcp_stream_check.py --host 127.0.0.1 --port "$tcp_port" --bytes 4MiB \
    --seed 99 --timeout 120 >"$logdir/tcp-after.out" 2>&1 &&
    python3 $tools/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" --count 1000 \
        --max-size 1472 --retries 5 --max-loss 0 --seed 99 >"$logdir/udp-after.out" 2>&1; then
    pass "net-restart: after the crashes, 4 MiB TCP and 1000 UDP datagrams with no loss"
else
    fail "net-restart: after the crashes, traffic with no loss" "$(grep -hE 'PASS|FAIL' "$logdir/tcp-after.out" "$logdir/udp-after.out" | head -2 | tr '\n' ' ')"
fi

python3 - "$ctl_port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(b"end", ("127.0.0.1", int(sys.argv[1])))
PY
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
    for _ in $(seq 120); do
        grep -q "crasher: target of $btarget injections reached" "$blog" 2>/dev/null && break
        kill -0 $qemu_run 2>/dev/null || break
        sleep 1
    done
    sleep 1
    if python3 $tools/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" --count 200 \
        --max-size 1472 --retries 0 --timeout 0.5 --max-loss 0 --seed 7 >"$logdir/udp-broken.out" 2>&1; then
        fail "net-restart-broken: with resync_broken, traffic after the crashes fails" "200 of 200 datagrams came back (log: $blog)"
    else
        pass "net-restart-broken: with resync_broken, traffic after the crashes fails ($(sed -n 's/^udp_echo_check [A-Z]*: \(sent [0-9]* echoed [0-9]* lost [0-9]*\).*/\1/p' "$logdir/udp-broken.out"), $(grep -c 'resync_broken' "$blog") restarts not resynchronised)"
    fi
    python3 - "$ctl_port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(b"end", ("127.0.0.1", int(sys.argv[1])))
PY
    sleep 2
    kill $qemu_run 2>/dev/null
    wait $qemu_run 2>/dev/null
fi
exit $failed
