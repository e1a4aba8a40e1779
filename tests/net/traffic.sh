# The host side of the network system tests, sourced by bash scripts (not run): free host
# ports, QEMU's user network forwarding them to the network example's servers, waiting for
# the guest, and the TCP and UDP traffic the restart tests drive while PDs crash
# (drivers/net/tests/restart/run.sh, drivers/net/tests/virt_restart/run.sh) and after.
# The clients are tests/net/tcp_stream_check.py and tests/net/udp_echo_check.py; each
# run's output is kept in a file of its own, named from a stem the caller gives.
#
# Guest addresses (examples/net): udp_echo 10.0.2.15:1235, tcp_echo 10.0.2.16:1236, the
# status page 10.0.2.17:80, the sniffer's control port 10.0.2.18:9999.

net_tools=tests/net

# net_free_ports COUNT [udp]: prints COUNT free host ports (TCP, or UDP), bound and released
# at once: another process could take one in between, which makes QEMU fail to start and
# the test fail, not pass.
net_free_ports() {
    python3 - "$1" "${2:-tcp}" <<'PY'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[2] == "udp" else socket.SOCK_STREAM
s = [socket.socket(socket.AF_INET, kind) for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))
PY
}

# net_user_netdev UDP_PORT TCP_PORT CTL_PORT [HTTP_PORT]: prints QEMU's -netdev argument for
# the user network whose host ports forward to udp_echo, tcp_echo, the sniffer's control
# port and (if given) the status page.
net_user_netdev() {
    local netdev="user,id=n0,net=10.0.2.0/24"
    netdev+=",hostfwd=udp:127.0.0.1:$1-10.0.2.15:1235"
    netdev+=",hostfwd=tcp:127.0.0.1:$2-10.0.2.16:1236"
    [[ -n ${4:-} ]] && netdev+=",hostfwd=tcp:127.0.0.1:$4-10.0.2.17:80"
    netdev+=",hostfwd=udp:127.0.0.1:$3-10.0.2.18:9999"
    echo "$netdev"
}

# The lines of a system whose servers and sniffer listen. Not anchored: PDs that print at
# once may share a serial line ("udp_echo: UDP echo on port tcp_echo: TCP echo on port
# 1236"), and a missed line would hold the traffic back until the crashes are over.
NET_SERVERS_UP=('sniffer: listening' 'tcp_echo: TCP echo' 'udp_echo: UDP echo')

# net_wait_for SECONDS LOG PID PATTERN...: waits until LOG holds a line for every PATTERN
# (grep -E), at most SECONDS, and no longer than process PID (the QEMU run) lives. Returns
# 0 if every pattern showed. Only a wait: the callers' checks decide pass or fail.
net_wait_for() {
    local seconds=$1 log=$2 pid=$3 re all
    shift 3
    for _ in $(seq "$seconds"); do
        all=1
        for re in "$@"; do
            grep -qE "$re" "$log" 2>/dev/null || { all=0; break; }
        done
        [[ $all -eq 1 ]] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 1
    done
    return 1
}

# net_udp_counts FILE: prints "sent lost corrupt duplicated" from udp_echo_check.py's summary
# line in FILE (nothing if it has none).
net_udp_counts() {
    sed -n 's/^udp_echo_check [A-Z]*: sent \([0-9]*\) echoed [0-9]* lost \([0-9]*\) corrupt \([0-9]*\) duplicated \([0-9]*\).*/\1 \2 \3 \4/p' "$1"
}

# net_traffic_rounds UDP_PORT TCP_PORT STEM UDP_COUNT TCP_BYTES TCP_TIMEOUT GO_ON
# Traffic while PDs crash: round after round, as long as the command GO_ON succeeds (asked
# before each round; it sees the totals below), UDP_COUNT datagrams of up to 1472 bytes go
# to UDP_PORT with no resending (one try of 0.5 s each: losses are counted, not failed)
# while one stream of TCP_BYTES goes through TCP_PORT on a new connection (it must come
# back byte-exact within TCP_TIMEOUT seconds: retransmission must survive the crashes).
# Round N (seed N, from 1) writes STEMudp-N.out and STEMtcp-N.out. Sets the totals:
#   traffic_streams, traffic_stream_fail   TCP streams byte-exact, and failed
#   traffic_udp_sent, traffic_udp_lost     datagrams sent, and lost
#   traffic_udp_bad                        datagrams that came back corrupt or twice (a
#                                          round whose summary cannot be read counts one)
traffic_streams=0 traffic_stream_fail=0 traffic_udp_sent=0 traffic_udp_lost=0 traffic_udp_bad=0
net_traffic_rounds() {
    local udp_port=$1 tcp_port=$2 stem=$3 count=$4 bytes=$5 timeout=$6 go_on=$7
    local seed=1 udp s l c d
    traffic_streams=0 traffic_stream_fail=0 traffic_udp_sent=0 traffic_udp_lost=0 traffic_udp_bad=0
    while "$go_on"; do
        python3 $net_tools/udp_echo_check.py --host 127.0.0.1 --port "$udp_port" \
            --count "$count" --max-size 1472 --retries 0 --timeout 0.5 --max-loss "$count" \
            --seed $seed >"${stem}udp-$seed.out" 2>&1 &
        udp=$!
        if python3 $net_tools/tcp_stream_check.py --host 127.0.0.1 --port "$tcp_port" \
            --bytes "$bytes" --seed $seed --timeout "$timeout" >"${stem}tcp-$seed.out" 2>&1; then
            traffic_streams=$((traffic_streams + 1))
        else
            traffic_stream_fail=$((traffic_stream_fail + 1))
            echo "tcp stream $seed: $(grep -E 'PASS|FAIL' "${stem}tcp-$seed.out" | head -1)"
        fi
        wait $udp
        s="" l="" c="" d=""
        read -r s l c d < <(net_udp_counts "${stem}udp-$seed.out")
        traffic_udp_sent=$((traffic_udp_sent + ${s:-0})) traffic_udp_lost=$((traffic_udp_lost + ${l:-0}))
        traffic_udp_bad=$((traffic_udp_bad + ${c:-1} + ${d:-0}))
        seed=$((seed + 1))
    done
}

# net_traffic_verdict PREFIX WHAT SIZE: the PASS or FAIL lines (through the caller's pass
# and fail, each message starting with PREFIX) of net_traffic_rounds' totals: every TCP
# stream (of SIZE, as the caller names it) byte-exact, and at least one; no datagram corrupt
# or twice, and at least one sent. WHAT names what the traffic went across ("the crashes").
net_traffic_verdict() {
    local prefix=$1 what=$2 size=$3
    if [[ $traffic_stream_fail -eq 0 && $traffic_streams -gt 0 ]]; then
        pass "$prefix$traffic_streams TCP streams of $size byte-exact across $what"
    else
        fail "${prefix}TCP streams survive $what" \
            "$traffic_stream_fail of $((traffic_streams + traffic_stream_fail)) failed"
    fi
    if [[ $traffic_udp_bad -eq 0 && $traffic_udp_sent -gt 0 ]]; then
        pass "${prefix}UDP echo across $what: $traffic_udp_sent sent, $traffic_udp_lost lost (counted, not resent), 0 corrupt or duplicated"
    else
        fail "${prefix}UDP echo across $what" \
            "$traffic_udp_bad corrupt or duplicated of $traffic_udp_sent ($traffic_udp_lost lost)"
    fi
}

# net_traffic_clean UDP_PORT TCP_PORT STEM TCP_BYTES TCP_TIMEOUT UDP_COUNT
# Traffic that must lose nothing (after the crashes): a stream of TCP_BYTES byte-exact
# within TCP_TIMEOUT seconds, then UDP_COUNT datagrams all echoed (each sent again at most
# 5 times), seed 99; outputs in STEMtcp-after.out and STEMudp-after.out. Returns 0 if both
# passed; on failure net_traffic_clean_why STEM says why.
net_traffic_clean() {
    python3 $net_tools/tcp_stream_check.py --host 127.0.0.1 --port "$2" --bytes "$4" \
        --seed 99 --timeout "$5" >"${3}tcp-after.out" 2>&1 &&
        python3 $net_tools/udp_echo_check.py --host 127.0.0.1 --port "$1" --count "$6" \
            --max-size 1472 --retries 5 --max-loss 0 --seed 99 >"${3}udp-after.out" 2>&1
}
net_traffic_clean_why() {
    grep -hE 'PASS|FAIL' "${1}tcp-after.out" "${1}udp-after.out" 2>/dev/null | head -2 | tr '\n' ' '
}

# net_send_end CTL_PORT: "end" (three times) to the sniffer's control port: the guest
# prints its last reports and the run ends. Not answered.
net_send_end() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(b"end", ("127.0.0.1", int(sys.argv[1])))
PY
}
