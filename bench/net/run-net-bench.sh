#!/usr/bin/env bash
# `make bench`, network part: UDP echo on Linux and on Bastion under the same QEMU, the
# same virtio-net device and the same load (docs/performance.md, "Network: UDP echo
# against Linux").
#
#   run-net-bench.sh --results DIR --work DIR --plugin INSN_COUNT_SO
#                    [--linux-kernel VMLINUZ --linux-initrd INITRAMFS]
#                    [--bastion-kernel BASTION_BIN --bastion-modules MODULES_ARGS]
#                    [--bastion-addr 10.0.2.15] [--bastion-port 1235]
#                    [--bastion-control PORT] [--bastion-append CMDLINE]
#                    [--rate 2000] [--seconds 10] [--search-seconds 5]
#
# Each system is booted under qemu-system-x86_64 -machine q35 -cpu max -m 256M
# -icount shift=0,align=off with -netdev user (hostfwd of free host UDP ports to the
# echo server, and to its control port where it has one) and -device virtio-net-pci,
# with the instruction-counting plugin (bench/net/insn_count.c) loaded, then measured by
# bench/net/net_bench.py: cost per echoed datagram at the fixed offered load (busy icount
# cycles / echoes) and throughput (the highest offered rate with < 1% loss). A system
# whose inputs are missing is reported as "not built", never with a figure.
# Writes DIR/net-udp-echo.json and prints the rows; logs under WORK.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
results="" work="" plugin="" linux_kernel="" linux_initrd=""
bastion_kernel="" bastion_modules="" bastion_addr=10.0.2.15 bastion_port=1235
bastion_control="" bastion_append=""
rate=2000 seconds=10 search_seconds=5
while [[ $# -gt 0 ]]; do
    case "$1" in
    --results) results=$2 ;;
    --work) work=$2 ;;
    --plugin) plugin=$2 ;;
    --linux-kernel) linux_kernel=$2 ;;
    --linux-initrd) linux_initrd=$2 ;;
    --bastion-kernel) bastion_kernel=$2 ;;
    --bastion-modules) bastion_modules=$2 ;;
    --bastion-addr) bastion_addr=$2 ;;
    --bastion-port) bastion_port=$2 ;;
    --bastion-control) bastion_control=$2 ;;
    --bastion-append) bastion_append=$2 ;;
    --rate) rate=$2 ;;
    --seconds) seconds=$2 ;;
    --search-seconds) search_seconds=$2 ;;
    *) echo "run-net-bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
[[ -n $results && -n $work && -n $plugin ]] ||
    { echo "run-net-bench.sh: --results, --work and --plugin are required" >&2; exit 2; }
mkdir -p "$results" "$work"

free_port() { # a UDP port on 127.0.0.1 that nobody holds now
    python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

qemu_pid=""
stop_guest() {
    if [[ -n $qemu_pid ]]; then
        kill "$qemu_pid" 2>/dev/null || true
        wait "$qemu_pid" 2>/dev/null || true
        qemu_pid=""
    fi
}
trap stop_guest EXIT

# boot_guest NAME GUEST_ADDR ECHO_PORT CONTROL_PORT QEMU_ARGS...: start QEMU in the
# background with the common machine, the network device and the counting plugin; the
# host ports are in host_echo, host_control (empty without CONTROL_PORT), host_plugin.
boot_guest() {
    local name=$1 addr=$2 port=$3 control=$4
    shift 4
    host_echo=$(free_port) host_plugin=$(free_port) host_control=""
    local fwd="hostfwd=udp:127.0.0.1:$host_echo-$addr:$port"
    if [[ -n $control ]]; then
        host_control=$(free_port)
        fwd="$fwd,hostfwd=udp:127.0.0.1:$host_control-$addr:$control"
    fi
    local log="$work/$name.log"
    qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 256M -icount shift=0,align=off \
        -display none -monitor none -no-reboot -serial "file:$log" \
        -netdev "user,id=n0,$fwd" -device virtio-net-pci,netdev=n0 \
        -plugin "$plugin,port=$host_plugin" "$@" </dev/null >"$log.qemu" 2>&1 &
    qemu_pid=$!
}

# wait_echo NAME TIMEOUT: until the guest echoes a datagram (or QEMU dies).
wait_echo() {
    local name=$1 timeout=$2 start=$SECONDS
    while ((SECONDS - start < timeout)); do
        kill -0 "$qemu_pid" 2>/dev/null || { echo "net-bench: $name: QEMU stopped (log: $work/$name.log.qemu)" >&2; return 1; }
        if python3 - "$host_echo" <<'EOF'; then
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"ping" * 8, ("127.0.0.1", int(sys.argv[1])))
try:
    sys.exit(0 if s.recv(100) == b"ping" * 8 else 1)
except socket.timeout:
    sys.exit(1)
EOF
            echo "net-bench: $name echoes after $((SECONDS - start)) s"
            return 0
        fi
        sleep 1
    done
    echo "net-bench: $name: no echo within $timeout s (serial log: $work/$name.log)" >&2
    return 1
}

# measure NAME: the windows of net_bench.py on the booted guest; sets status_NAME to
# the result file, or to why there is none.
measure() {
    local name=$1 ctl=()
    [[ -n $host_control ]] && ctl=(--control "127.0.0.1:$host_control")
    if python3 "$here/net_bench.py" measure --name "$name" --target "127.0.0.1:$host_echo" \
        --plugin "127.0.0.1:$host_plugin" "${ctl[@]}" --rate "$rate" --seconds "$seconds" \
        --search-seconds "$search_seconds" --out "$work/$name.json" 2>"$work/$name.measure.log"; then
        printf -v "status_$name" '%s' "$work/$name.json"
    else
        echo "net-bench: measuring $name failed (log: $work/$name.measure.log)" >&2
        printf -v "status_$name" '%s' "failed (see $work/$name.measure.log)"
    fi
}

# The Linux guest (bench/linux: Debian's kernel, a busybox initramfs, udp_echo on 1235
# with its control port on 1236).
status_linux="not built"
if [[ -f $linux_kernel && -f $linux_initrd ]]; then
    echo "net-bench: booting Linux ($(basename "$linux_kernel"))"
    boot_guest linux 10.0.2.15 1235 1236 -kernel "$linux_kernel" -initrd "$linux_initrd" \
        -append "console=ttyS0 quiet"
    if wait_echo linux 300; then
        measure linux
    else
        status_linux="failed (no echo; log: $work/linux.log)"
    fi
    stop_guest
fi

# The Bastion system: the kernel with the modules of the network example
# (build/examples/net/modules.args: "--module FILE" words, the first the root task), the
# echo server at --bastion-addr:--bastion-port. Its control port is optional: it answers
# "stat" with clock_ns (the TSC) and idle_ns (DEBUG_IDLE_CYCLES' halted cycles).
status_bastion="not built"
if [[ -f $bastion_kernel && -f $bastion_modules ]]; then
    read -r -a words <"$bastion_modules"
    mods=()
    for w in "${words[@]}"; do [[ $w == --module ]] || mods+=("$w"); done
    echo "net-bench: booting Bastion ($bastion_modules)"
    boot_guest bastion "$bastion_addr" "$bastion_port" "$bastion_control" \
        -kernel "$bastion_kernel" -append "$bastion_append" \
        -initrd "$(IFS=,; echo "${mods[*]}")" -device isa-debug-exit,iobase=0xf4,iosize=0x04
    if wait_echo bastion 300; then
        measure bastion
    else
        status_bastion="failed (no echo; log: $work/bastion.log)"
    fi
    stop_guest
fi

python3 "$here/net_bench.py" report --out "$results/net-udp-echo.json" \
    --system "linux=$status_linux" --system "bastion=$status_bastion"
