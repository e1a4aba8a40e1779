#!/usr/bin/env bash
# The restart test (suite system-restart; `make soak`: soak-restart). docs/supervision.md.
#
#   run.sh KERNEL BUILD_DIR LOG_DIR MIN_CRASHES SYSTEM [BROKEN_SYSTEM]
#
# Boots BUILD_DIR/SYSTEM (drivers/serial/tests/restart/SYSTEM.xml): the supervisor
# re-initialises the UART and timer drivers each time they fault at a random fault point,
# while clients a and b print numbered lines on COM2 and wait for short timeouts. Passes
# when each driver crashed at least MIN_CRASHES times, no line was lost or mixed
# (check_lines.sh), no timeout was lost and no client faulted. With BROKEN_SYSTEM (the
# same with resynchronisation off) it then boots that one and passes only if the same
# check fails there.
set -uo pipefail
kernel=$1 build=$2 logdir=$3 min=$4 system=$5 broken=${6:-}
here=$(dirname "$0")
mkdir -p "$logdir"

# check NAME MIN: the verdict on the boot logged as NAME; prints PASS/FAIL lines.
check() {
    local name=$1 min=$2 log=$logdir/$1.log failed=0
    local lines
    lines=$(grep -o 'setvar symbol="lines" value="[0-9]*"' "$here/$name.xml" | head -1 | grep -o '[0-9]*"$' | tr -d '"')
    local timer uart
    timer=$(grep -c "^supervise: PD 'supervisor': child 0: .*: re-initialised" "$log.clean")
    uart=$(grep -c "^supervise: PD 'supervisor': child 1: .*: re-initialised" "$log.clean")
    echo "restart/$name: $timer timer crashes, $uart UART crashes (each re-initialised)"
    for what in "timer:$timer" "uart:$uart"; do
        if [[ ${what#*:} -ge $min ]]; then echo "PASS: restart/$name/${what%%:*}-crashes: ${what#*:} >= $min"
        else echo "FAIL: restart/$name/${what%%:*}-crashes: ${what#*:} < $min"; failed=1; fi
    done
    local lost
    lost=$(grep -c 'LOST timeout' "$log.clean")
    if [[ $lost -eq 0 ]] && grep -q "^a: $lines lines printed, $lines timeouts, 0 lost" "$log.clean" &&
        grep -q "^b: $lines lines printed, $lines timeouts, 0 lost" "$log.clean"; then
        echo "PASS: restart/$name/timeouts: $((2 * lines)) timeouts, none lost"
    else
        echo "FAIL: restart/$name/timeouts: $lost lost (or a client did not finish)"; failed=1
    fi
    if grep -E "fault in PD '(a|b|serial_tx_virt|serial_rx_virt|supervisor)'|libbastion: PD|timer: PD" "$log.clean" >/dev/null; then
        echo "FAIL: restart/$name/no-client-fault: a client or virtualiser faulted"; failed=1
    else
        echo "PASS: restart/$name/no-client-fault"
    fi
    "$here/check_lines.sh" "$logdir/$name.com2.log.clean" "$lines" || failed=1
    return $failed
}

boot() {
    local name=$1 timeout=$2
    read -r -a modules <"$build/$name/modules.args"
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name "restart-$name" --timeout "$timeout" --log "$logdir/$name.log" \
        --serial2 "$logdir/$name.com2.log" --expect '^restart test: done$' |
        grep -E '^(PASS|FAIL): '
    [[ -f $logdir/$name.com2.log.clean ]] || tr -d '\r' <"$logdir/$name.com2.log" >"$logdir/$name.com2.log.clean"
}

failed=0
boot "$system" 600 || failed=1
check "$system" "$min" || failed=1
if [[ -n $broken ]]; then
    boot "$broken" 120 >/dev/null
    verdict=$(check "$broken" 1)
    sed 's/^/    broken: /' <<<"$verdict"
    if grep -q '^FAIL: restart/broken/\(com2\|timeouts\)' <<<"$verdict" ||
        grep -q '^FAIL: restart/com2' <<<"$verdict"; then
        echo "PASS: restart/broken-resync-fails: without resynchronisation the check fails"
    else
        echo "FAIL: restart/broken-resync-fails: the check passed with resynchronisation off"
        failed=1
    fi
fi
exit $failed
