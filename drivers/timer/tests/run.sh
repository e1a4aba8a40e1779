#!/usr/bin/env bash
# The HPET timer system test (suite system-timer; drivers/timer/timer.mk).
#
#   run.sh KERNEL BUILD_DIR FALLBACK_BUILD_DIR LOG_DIR
#
# Boots drivers/timer/tests/system.xml on QEMU's q35 and on its pc machine (TCG), and
# fallback.xml (the same with the PIT's ports too) on q35 without an HPET, and checks on
# the debug console, for each: the driver uses the HPET (its capabilities as QEMU has
# them, timer 0 to IOAPIC pin 2), or without one says so and uses the PIT; every timeout
# of sleep_client.c was first notified when the timer's clock had reached its deadline,
# and less than 250 ms after it; cancelled and replaced timeouts never notified; the
# timer's rate agrees with the TSC (10%) and the CMOS RTC (about 20%); no failure, no
# fault, a clean end. timer-pc-calib-stall is timer-pc with the kernel's TSC calibration
# stalled 10 ms at each weak point (kernel option calib_stall=10000, as a loaded host
# descheduling the vCPU; docs/kernel.md, "Time"), where the timer's rate must agree with
# the TSC's to 1%.
set -uo pipefail
kernel=$1 build=$2 fallback=$3 logdir=$4
mkdir -p "$logdir"
failed=0

hpet='^timer: HPET at 100000 kHz \(period 10000000 fs\), 64-bit counter, [0-9]+ timers; deadlines by timer 0 one-shot to IOAPIC pin 2'
pit='^timer: TSC at [0-9]+ kHz \(measured against the PIT\); deadlines by PIT one-shot'
expects=(
    "^init: PD 'timer': IRQ on channel 16: IOAPIC pin 2, edge, active high"
    '^a: ok: timeout 5 ms:' '^a: ok: timeout 20 ms:' '^a: ok: timeout 100 ms:'
    '^a: ok: timeout 60 ms:' '^a: ok: timeout 0 ms:'
    '^b: ok: timeout 7 ms:' '^b: ok: timeout 33 ms:' '^b: ok: timeout 150 ms:'
    '^b: ok: timeout 2 ms:' '^b: ok: timeout 1 ms:'
    '^a: ok: 40 ms after a cancelled 10 ms timeout:' '^b: ok: 40 ms after a cancelled 10 ms timeout:'
    '^a: ok: 20 ms replacing a 300 ms timeout:' '^b: ok: 20 ms replacing a 300 ms timeout:'
    '^a: ok: 500 ms after the replaced 300 ms timeout:' '^b: ok: 500 ms after the replaced 300 ms timeout:'
    '^a: ok: 50 of 50 rapid timeouts' '^b: ok: 50 of 50 rapid timeouts'
    '^a: ok: the timer counted [0-9]+ us while the TSC counted'
    '^a: ok: a 2500 ms timeout from the start of an RTC second ends 2 RTC seconds later'
    '^timer test: done$'
)
args=()
for re in "${expects[@]}"; do args+=(--expect "$re"); done

# [append=KERNEL_OPTIONS] boot NAME BUILD_DIR MACHINE REJECT EXPECT...
boot() {
    local name=$1 dir=$2 machine=$3 reject=$4 log=$logdir/$1.log more=() modules=()
    shift 4
    for re in "$@"; do more+=(--expect "$re"); done
    read -r -a modules <"$dir/modules.args"
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "${append:-}" --no-protocol \
        --name "$name" --machine "$machine" --timeout 120 --log "$log" "${args[@]}" \
        "${more[@]}" | grep -E '^(PASS|FAIL): ' || failed=1
    if grep -E "FAIL|libbastion|fault in PD|$reject" "$log.clean" >/dev/null; then
        echo "FAIL: $name: the debug console reports a failure, a fault or /$reject/ (log: $log)"
        failed=1
    else
        echo "PASS: $name: no failure, fault or /$reject/ on the debug console"
    fi
    grep -E '^[ab]: worst lateness' "$log.clean"
}

boot timer-q35 "$build" q35 'falling back|PIT one-shot' "$hpet"
boot timer-pc "$build" pc 'falling back|PIT one-shot' "$hpet"
append=calib_stall=10000 boot timer-pc-calib-stall "$build" pc 'falling back|PIT one-shot' \
    "$hpet" '^timer: calibration stalled 10000 us at each weak point \(fault injection\)$'
# within_1_percent NAME: the timer and the TSC counted the same within 1% in NAME's log.
within_1_percent() {
    local n=$1 timer_us tsc_us
    read -r timer_us tsc_us < <(sed -nE 's/^a: [a-zA-Z]+: the timer counted ([0-9]+) us while the TSC counted ([0-9]+) us.*/\1 \2/p' \
        "$logdir/$n.log.clean")
    if [[ -z "${tsc_us:-}" ]]; then
        echo "FAIL: $n/rate-1%: no TSC check in the log"
        failed=1
    elif ((timer_us * 100 < tsc_us * 99 || timer_us * 100 > tsc_us * 101)); then
        echo "FAIL: $n/rate-1%: the timer counted $timer_us us while the TSC counted $tsc_us us"
        failed=1
    else
        echo "PASS: $n/rate-1%: the timer counted $timer_us us while the TSC counted $tsc_us us"
    fi
}
within_1_percent timer-pc-calib-stall
boot timer-fallback "$fallback" q35,hpet=off '^timer: HPET at' \
    '^timer: no HPET at the mapped registers \(capabilities 0x0, period 0 fs\)$' \
    '^timer: falling back to the PIT$' "$pit"
exit $failed
