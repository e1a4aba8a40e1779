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
#                    [--device virtio-net-pci,netdev=n0,addr=10.0,romfile=]
#                    [--iommu on]   (QEMU's Intel VT-d unit, the device behind it:
#                                    iommu_platform=on, disable-legacy=on; Bastion
#                                    confines its DMA)
#
# Each system is booted under qemu-system-x86_64 -machine q35 -cpu max -m 256M
# -icount shift=0,align=off with -netdev user (hostfwd of free host UDP ports to the
# echo server, and to its control port where it has one) and the same --device (by
# default virtio-net-pci at 00:10.0, where Bastion's network systems expect it),
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
rate=2000 seconds=10 search_seconds=5 device="virtio-net-pci,netdev=n0,addr=10.0,romfile=" iommu=off
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
    --device) device=$2 ;;
    --iommu) iommu=$2 ;;
    *) echo "run-net-bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
[[ -n $results && -n $work && -n $plugin ]] ||
    { echo "run-net-bench.sh: --results, --work and --plugin are required" >&2; exit 2; }
mkdir -p "$results" "$work"
iommu_args=()
if [[ $iommu == on ]]; then
    iommu_args=(-device intel-iommu) # before the other PCI devices, as QEMU wants
    device="$device,iommu_platform=on,disable-legacy=on"
fi

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

# boot_guest NAME GUEST_ADDR "ECHO=PORT..." CONTROL_PORT QEMU_ARGS...: start QEMU in the
# background with the common machine, the network device and the counting plugin. Each
# echo server ECHO at guest port PORT gets a free host port (targets: "ECHO=127.0.0.1:P"
# words for net_bench.py, the first in host_echo); host_control (empty without
# CONTROL_PORT) and host_plugin are the others.
boot_guest() {
    local name=$1 addr=$2 echoes=$3 control=$4 fwd="" e hp
    shift 4
    targets=() host_echo="" host_control="" host_plugin=$(free_port)
    for e in $echoes; do
        hp=$(free_port)
        fwd="$fwd,hostfwd=udp:127.0.0.1:$hp-$addr:${e#*=}"
        targets+=(--target "${e%%=*}=127.0.0.1:$hp")
        host_echo=${host_echo:-$hp}
    done
    if [[ -n $control ]]; then
        host_control=$(free_port)
        fwd="$fwd,hostfwd=udp:127.0.0.1:$host_control-$addr:$control"
    fi
    local log="$work/$name.log"
    qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 256M -icount shift=0,align=off \
        -display none -monitor none -no-reboot -serial "file:$log" \
        "${iommu_args[@]}" -netdev "user,id=n0$fwd" -device "$device" \
        -plugin "$plugin,port=$host_plugin" "$@" </dev/null >"$log.qemu" 2>&1 &
    qemu_pid=$!
}

# wait_echo NAME TIMEOUT: until the guest's first echo server answers (or QEMU dies).
wait_echo() {
    local name=$1 timeout=$2 start=$SECONDS
    while ((SECONDS - start < timeout)); do
        if ! kill -0 "$qemu_pid" 2>/dev/null; then
            echo "net-bench: $name: QEMU stopped (log: $work/$name.log.qemu)" >&2
            return 1
        fi
        if python3 "$here/udp_load.py" ping --target "127.0.0.1:$host_echo" >/dev/null 2>&1; then
            echo "net-bench: $name echoes after $((SECONDS - start)) s"
            return 0
        fi
        sleep 1
    done
    echo "net-bench: $name: no echo within $timeout s (serial log: $work/$name.log)" >&2
    return 1
}

# measure NAME [KEY=VALUE...]: the windows of net_bench.py on the booted guest (the
# words are recorded with the figures); sets status_NAME to the result file, or to why
# there is none.
measure() {
    local name=$1 ctl=() info=() i
    shift
    for i in "$@"; do info+=(--info "$i"); done
    [[ -n $host_control ]] && ctl=(--control "127.0.0.1:$host_control")
    echo "net-bench: measuring $name (a few minutes)"
    if python3 "$here/net_bench.py" measure --name "$name" "${targets[@]}" \
        --plugin "127.0.0.1:$host_plugin" "${ctl[@]}" "${info[@]}" --rate "$rate" --seconds "$seconds" \
        --search-seconds "$search_seconds" --out "$work/$name.json" 2>"$work/$name.measure.log"; then
        printf -v "status_$name" '%s' "$work/$name.json"
    else
        echo "net-bench: measuring $name failed (log: $work/$name.measure.log)" >&2
        printf -v "status_$name" '%s' "failed (see $work/$name.measure.log)"
    fi
}

# The Linux guest (bench/linux: Debian's kernel, a busybox initramfs, udp_echo with a
# recvmmsg/sendmmsg server on 1235, a recvfrom/sendto one on 1237, control on 1236).
status_linux="not built"
if [[ -f $linux_kernel && -f $linux_initrd ]]; then
    echo "net-bench: booting Linux ($(basename "$linux_kernel"))"
    boot_guest linux 10.0.2.15 "recvmmsg=1235 recvfrom=1237" 1236 \
        -kernel "$linux_kernel" -initrd "$linux_initrd" -append "console=ttyS0 quiet"
    if wait_echo linux 300; then
        log_word() { tr -d '\r' <"$work/linux.log" | sed -n "s/^bench-linux: $1/\\1/p" | head -n 1; }
        measure linux "kernel=$(log_word 'kernel \([^,]*\),.*')" \
            "clocksource=$(log_word 'kernel .*, clocksource \(.*\)')" \
            "virtio_net_features=$(log_word 'virtio-net features \(.*\)')" \
            "spectre_v2=$(log_word 'vulnerability spectre_v2: \(.*\)')"
    else
        status_linux="failed (no echo; log: $work/linux.log)"
    fi
    stop_guest
fi

# The Bastion system (the hook for the network example): the kernel with the modules of
# build/examples/net/modules.args ("--module FILE" words, the first the root task), its
# echo server at --bastion-addr:--bastion-port. A control port is optional: where the
# system has one, it answers "stat" with clock_ns (the TSC) and idle_ns (the halted
# cycles of DEBUG_IDLE_CYCLES), and the guest's own account is recorded beside the
# plugin's count.
status_bastion="not built"
if [[ -f $bastion_kernel && -f $bastion_modules ]]; then
    read -r -a words <"$bastion_modules"
    mods=()
    for w in "${words[@]}"; do [[ $w == --module ]] || mods+=("$w"); done
    echo "net-bench: booting Bastion ($bastion_modules)"
    boot_guest bastion "$bastion_addr" "echo=$bastion_port" "$bastion_control" \
        -kernel "$bastion_kernel" -append "$bastion_append" \
        -initrd "$(IFS=,; echo "${mods[*]}")" -device isa-debug-exit,iobase=0xf4,iosize=0x04
    if wait_echo bastion 300; then
        measure bastion "kernel=$(git -C "$here/../.." describe --always --dirty 2>/dev/null || echo unknown)" \
            "iommu=$iommu"
    else
        status_bastion="failed (no echo; log: $work/bastion.log)"
    fi
    stop_guest
fi

python3 "$here/net_bench.py" report --out "$results/net-udp-echo.json" --device "$device" \
    --system "linux=$status_linux" --system "bastion=$status_bastion"
