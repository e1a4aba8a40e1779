#!/usr/bin/env bash
# The prime-and-probe cache channel harness (cache_channel.c; docs/testing.md, "Cache
# channel"):
#
#   run-cache-channel.sh test|bench KERNEL ROOTTASK CHANNEL_CAPACITY LOGDIR
#
# test (suite system-cache-channel): always under TCG with -icount, small (100 symbols a
# run, 200 us slots, 16 LLC pages): the mechanics only. Both domains ran, every run has
# its 100 samples after exactly one sender slot, the sender's symbols balanced (the root
# task's checks), and channel_capacity parses every run (RUN=report: a figure, no
# verdict). TCG models no caches, so the figures are printed marked as no measurement.
#
# bench (`make bench-cache-channel`): on real hardware virtualisation (below) 1000
# symbols a run, 1 ms slots, 512 LLC pages under KVM, and the capacity table; anywhere
# else the test's boot at 1000 symbols under TCG, its figures marked NOT a measurement.
#
# Real hardware virtualisation, decided conservatively: ACCEL=kvm asked for, /dev/kvm
# readable and writable, the host CPU with vmx or svm in /proc/cpuinfo, and NOT the
# "hypervisor" flag there (the host is not itself a guest: a nested hypervisor, such as
# this project's build machine's, runs our kernel badly and makes rdtsc cost tens of
# thousands of cycles). Anything else: TCG.
set -u
mode=$1 kernel=$2 roottask=$3 capacity=$4 logdir=$5
mkdir -p "$logdir"
run="$(dirname "$0")/../../../scripts/qemu-run.sh"
runs=(l1d-open=report l1d-flushed=report llc-open=report llc-flushed=report llc-coloured=report)

real_kvm() {
    [[ "${ACCEL:-tcg}" == kvm && -r /dev/kvm && -w /dev/kvm ]] || return 1
    grep -qwE 'vmx|svm' /proc/cpuinfo || return 1
    ! grep -qw hypervisor /proc/cpuinfo
}

status=0
case $mode in
test | bench)
    if [[ $mode == bench ]] && real_kvm; then
        echo "cache-channel: real hardware virtualisation (KVM, no hypervisor flag): measuring"
        ACCEL=kvm "$run" --image "$kernel" --module "$roottask" --append "" --name cache-channel \
            --timeout 300 \
            --test-timeout 120 --log "$logdir/cache-channel.log" || status=1
        "$capacity" --prefix cache.capacity --min-samples 1000 \
            --note " [KVM on real hardware: cycles of this CPU]" "$logdir/cache-channel.log" \
            "${runs[@]}" || status=1
    else
        symbols=100
        [[ $mode == bench ]] && symbols=1000
        note=" [TCG: NOT a measurement, TCG models no caches]"
        if [[ $mode == bench ]]; then
            echo "cache-channel: no real hardware virtualisation (ACCEL=${ACCEL:-tcg}; see" \
                "run-cache-channel.sh): running under TCG to show the harness works."
            echo "cache-channel: the figures below are NOT a cache measurement: TCG models no caches."
        fi
        ACCEL=tcg "$run" --image "$kernel" --module "$roottask" --icount --append "" \
            --name cache-channel --harness-args "n=$symbols t=1" \
            --timeout 400 --test-timeout 150 --log "$logdir/cache-channel.log" || status=1
        "$capacity" --prefix cache.mechanics --min-samples "$symbols" --note "$note" \
            "$logdir/cache-channel.log" "${runs[@]}" || status=1
    fi
    ;;
*)
    echo "usage: $0 test|bench KERNEL ROOTTASK CHANNEL_CAPACITY LOGDIR" >&2
    exit 2
    ;;
esac
exit $status
