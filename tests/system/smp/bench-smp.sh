#!/usr/bin/env bash
# The SMP kernel's same-CPU figures (make bench-smp): the benchmark root task booted under
# QEMU with -icount (deterministic path lengths, "icount cycles") on the single-CPU
# kernel and on the SMP kernel (SMP=1: the kernel lock at every entry and exit), one CPU
# each, so that the difference is the lock's own cost. Prints both medians per
# benchmark and checks issue 20's goal: the SMP kernel's same-CPU round trips within 3%
# of the single-CPU kernel's.
#
# With SMP_BENCH (tests/system/roottask/smp_bench.c), it then boots the SMP kernel on two
# CPUs with that root task and prints the cross-CPU figures: Signal to wake-up and a Call
# round trip between CPU 0 and CPU 1, and FRAME_UNMAP with and without another CPU in
# the space (the TLB shootdown's cost). Under -icount QEMU runs the CPUs in turn on one
# host thread, so these are deterministic too (docs/kernel.md, "Several CPUs").
#
#   bench-smp.sh UP_KERNEL SMP_KERNEL BENCH_ROOTTASK LOG_DIR [SMP_BENCH]
set -uo pipefail
up=$1 smp=$2 roottask=$3 logs=$4 smp_bench=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$logs"
boot() { # boot IMAGE LOG
    "$here/../../../scripts/qemu-run.sh" --image "$1" --module "$roottask" --append "" --icount \
        --no-protocol --name "$(basename "$2" .log)" --log "$2" --timeout 300 >/dev/null
}
median() { # median LOG NAME
    tr -d '\r' <"$1" | awk -v n="$2" '$1 == "BENCH" && $2 == n {
        for (i = 3; i <= NF; i++) if ($i ~ /^median=/) { sub(/median=/, "", $i); print $i } }'
}
for k in up smp; do
    image=$up
    [[ $k == smp ]] && image=$smp
    if ! boot "$image" "$logs/bench-smp-$k.log"; then
        echo "FAIL: bench-smp: the $k benchmark image did not run to the end ($logs/bench-smp-$k.log)"
        exit 1
    fi
done
printf '%-52s %8s %8s %7s\n' "benchmark (icount cycles, one CPU)" "1-CPU" "SMP" "change"
names=$(tr -d '\r' <"$logs/bench-smp-up.log" | awk '$1 == "BENCH" { print $2 }')
for name in $names; do
    a=$(median "$logs/bench-smp-up.log" "$name")
    b=$(median "$logs/bench-smp-smp.log" "$name")
    [[ -n "$a" && -n "$b" && "$a" -gt 0 ]] || continue
    printf '%-52s %8s %8s %6s%%\n' "$name" "$a" "$b" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }')"
done
# The goal: the same-CPU round trips within 3%.
status=0
for name in ipc.round_trip.inter_as.equal_prio.len0 ipc.round_trip.intra_as.equal_prio.len0; do
    a=$(median "$logs/bench-smp-up.log" "$name")
    b=$(median "$logs/bench-smp-smp.log" "$name")
    if [[ -z "$a" || -z "$b" ]]; then
        echo "FAIL: bench-smp/$name: not measured"
        status=1
    elif ((b * 100 > a * 103)); then
        echo "FAIL: bench-smp/$name: SMP $b icount cycles, more than 3% above the single-CPU $a"
        status=1
    else
        echo "PASS: bench-smp/$name (SMP $b, single-CPU $a: within 3%)"
    fi
done
if [[ -n $smp_bench ]]; then
    if ! "$here/../../../scripts/qemu-run.sh" --image "$smp" --module "$smp_bench" --append "" \
        --icount --smp 2 --name bench-smp-cross --log "$logs/bench-smp-cross.log" \
        --timeout 300 >/dev/null; then
        echo "FAIL: bench-smp: the cross-CPU benchmarks did not run ($logs/bench-smp-cross.log)"
        exit 1
    fi
    printf '%-52s %8s\n' "cross-CPU benchmark (icount cycles, two CPUs)" "SMP"
    for name in smp.signal_wake.cross_cpu smp.call_round_trip.cross_cpu \
        smp.unmap.other_cpu_in_space smp.unmap.space_inactive; do
        b=$(median "$logs/bench-smp-cross.log" "$name")
        if [[ -z "$b" ]]; then
            echo "FAIL: bench-smp/$name: not measured"
            status=1
        else
            printf '%-52s %8s\n' "$name" "$b"
        fi
    done
fi
exit $status
