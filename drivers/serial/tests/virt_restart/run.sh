#!/usr/bin/env bash
# The serial virtualiser restart test (suite system-serial-virt-restart; `make soak`:
# soak-serial-virt-restart). docs/drivers.md, "Restarting the serial virtualisers".
#
#   run.sh KERNEL BUILD_DIR LOG_DIR MIN_CRASHES SYSTEM [BROKEN_SYSTEM]
#
# Boots BUILD_DIR/SYSTEM (built from drivers/serial/tests/virt_restart/S.xml, SYSTEM
# virt-S): the supervisor re-initialises serial_tx_virt and serial_rx_virt each time one
# faults at a random fault point, while clients a and b print numbered lines on COM2,
# each in pieces, and read the input this script writes for COM2 (input_lines lines for
# each, 6 at a time, Ctrl-A between turns). Passes when each virtualiser faulted at least
# MIN_CRASHES times (every fault an injected one, each followed by a re-initialisation),
# both clients finished (none hung or faulted, nothing else faulted), every line on COM2
# is whole, a client's, in order and at most once (check_lines.sh; lost lines at most 3
# per transmit crash: the one being forwarded and one being put together per client),
# and every input line a client got was its own: whole, in order and once, or damaged by
# a loss but with no other client's byte (the client checks; lines not whole at most 12
# per receive crash: a lost client buffer holds at most 256 bytes, which touch at most 11
# input lines of 28). With
# BROKEN_SYSTEM (journals ignored) it then boots that one and passes only if both checks
# fail there. A system where the UART is the supervisor's child 2 (double.xml) must also
# show MIN_CRASHES driver restarts; one without input (input_lines 0) is checked on the
# transmit side only.
set -uo pipefail
kernel=$1 build=$2 logdir=$3 min=$4 system=$5 broken=${6:-}
here=$(dirname "$0")
mkdir -p "$logdir"

# setvar NAME SYMBOL: the value a.xml's client a gets for SYMBOL in NAME's system.
setvar() {
    grep -o "setvar symbol=\"$2\" value=\"[0-9]*\"" "$here/${1#virt-}.xml" | head -1 | grep -o '[0-9]*"$' | tr -d '"'
}

# fill C N: the 20 bytes after input line N's number for client C: C at even places, at odd
# ones the digits of N * 2654435761 mod 10^10, lowest first (restart_client.c, INPUT_FILL:
# input spliced across a lost stretch then cannot read as a whole line).
fill() {
    local check=$(($2 * 2654435761 % 10000000000)) k out=""
    for ((k = 0; k < 10; k++)); do
        out+="$1$((check % 10))" check=$((check / 10))
    done
    printf '%s' "$out"
}

# write_input NAME: COM2's input for NAME: input_lines lines for each client, 6 at a time,
# a Ctrl-A before each turn of b and each turn of a after the first.
write_input() {
    local n=$(($(setvar "$1" input_lines) / 6)) i k
    for ((i = 0; i < n; i++)); do
        for c in a b; do
            [[ $c == b || $i -gt 0 ]] && printf '\001'
            for ((k = 6 * i; k < 6 * i + 6; k++)); do
                printf '%s %04d %s\n' $c $k "$(fill $c $k)"
            done
        done
    done >"$logdir/$1.input"
}

# check NAME MIN: the verdict on the boot logged as NAME; prints PASS/FAIL lines.
check() {
    local name=$1 min=$2 log=$logdir/$1.log failed=0 lines injected reinits rx_injected children
    lines=$(setvar "$name" lines)
    local want_input
    want_input=$(setvar "$name" input_lines)
    children=0:serial_tx_virt
    [[ $want_input -gt 0 ]] && children+=" 1:serial_rx_virt" # no input: no receive faults
    for child in $children; do
        injected=$(grep -cE "^fault-inject: PD '${child#*:}'" "$log.clean")
        reinits=$(grep -cE "^supervise: PD 'supervisor': child ${child%%:*}: .*re-initialised" "$log.clean")
        echo "virt-restart/$name: $injected injected ${child#*:} faults, $reinits re-initialisations"
        if [[ $injected -ge $min && $reinits -eq $injected ]]; then
            echo "PASS: virt-restart/$name/${child#*:}-crashes: $injected >= $min, each re-initialised"
        else
            echo "FAIL: virt-restart/$name/${child#*:}-crashes: $injected injected (want >= $min), $reinits re-initialised"; failed=1
        fi
    done
    rx_injected=$injected
    if grep -q 'name="uart" id="2"' "$here/${name#virt-}.xml"; then # double.xml
        reinits=$(grep -cE "^supervise: PD 'supervisor': child 2: .*re-initialised" "$log.clean")
        if [[ $reinits -ge $min ]]; then
            echo "PASS: virt-restart/$name/uart-crashes: $reinits driver restarts beside them"
        else
            echo "FAIL: virt-restart/$name/uart-crashes: $reinits driver restarts (want >= $min)"; failed=1
        fi
    fi
    injected=$(grep -cE "^fault-inject: PD 'serial_tx_virt'" "$log.clean")
    local input_failed=0 got whole damaged c
    for c in a b; do
        [[ $want_input -gt 0 ]] || break
        got=$(grep -oE "^$c: input: [0-9]+ of $want_input lines whole, [0-9]+ damaged, 0 failures$" "$log.clean")
        whole=$(awk '{print $3}' <<<"$got") damaged=$(awk '{print $8}' <<<"$got" | tr -d ,)
        if [[ -z $got ]] || grep -qE "^$c: FAIL: input" "$log.clean"; then
            echo "FAIL: virt-restart/input: client $c: $(grep -E "^$c: (FAIL: input|input:)" "$log.clean" | head -2 | tr '\n' ' ')"; input_failed=1
        elif ((want_input - whole > 12 * rx_injected)); then
            echo "FAIL: virt-restart/input: client $c: $((want_input - whole)) lines not whole: more than 12 per receive crash"; input_failed=1
        else
            echo "PASS: virt-restart/input: client $c: $whole of $want_input lines whole, in order, once; $damaged damaged, none with another client's byte"
        fi
    done
    ((input_failed)) && failed=1
    if grep -q "^a: $lines lines printed" "$log.clean" && grep -q "^b: $lines lines printed" "$log.clean" &&
        grep -q '^restart test: done$' "$log.clean"; then
        echo "PASS: virt-restart/$name/clients-finish: both clients printed all $lines lines"
    else
        echo "FAIL: virt-restart/$name/clients-finish: a client did not finish (hung?)"; failed=1
    fi
    if grep -E "fault in PD|libbastion: PD|timer: PD" "$log.clean" >/dev/null; then
        echo "FAIL: virt-restart/$name/no-other-fault: $(grep -E 'fault in PD|libbastion: PD|timer: PD' "$log.clean" | head -1)"; failed=1
    else
        echo "PASS: virt-restart/$name/no-other-fault"
    fi
    "$here/check_lines.sh" "$logdir/$name.com2.log.clean" "$lines" $((3 * injected)) || failed=1
    return $failed
}

boot() {
    local name=$1 timeout=$2
    read -r -a modules <"$build/$name/modules.args"
    rm -f "$logdir/$name.com2.log.clean"
    write_input "$name"
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name "virt-restart-$name" --timeout "$timeout" --log "$logdir/$name.log" \
        --serial2 "$logdir/$name.com2.log" --serial2-input "$logdir/$name.input" \
        --expect '^restart test: done$' |
        grep -E '^(PASS|FAIL): '
    [[ -f $logdir/$name.com2.log.clean ]] || tr -d '\r' <"$logdir/$name.com2.log" >"$logdir/$name.com2.log.clean"
}

failed=0
start=$SECONDS
boot "$system" 600 || failed=1
check "$system" "$min" || failed=1
echo "virt-restart/$system: $((SECONDS - start)) s"
if [[ -n $broken ]]; then
    boot "$broken" 120 >/dev/null
    verdict=$(check "$broken" 1)
    sed 's/^/    broken: /' <<<"$verdict"
    for what in com2:output input:input; do
        if grep -q "^FAIL: virt-restart/${what%%:*}" <<<"$verdict"; then
            echo "PASS: virt-restart/broken-resync-fails-${what#*:}: with the journals ignored the ${what#*:} check fails"
        else
            echo "FAIL: virt-restart/broken-resync-fails-${what#*:}: the ${what#*:} check passed with the journals ignored"
            failed=1
        fi
    done
fi
exit $failed
