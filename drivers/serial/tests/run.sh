#!/usr/bin/env bash
# The serial and timer system test (suite system-serial; drivers/serial/serial.mk).
#
#   run.sh KERNEL BUILD_DIR LOG_DIR
#
# Boots drivers/serial/tests/system.xml with a second serial line (COM2) whose input is
# input.txt ("to-a", Ctrl-A, "to-b", Ctrl-A, "for-evil"), while a third client, evil,
# corrupts its own queues (evil_client.c), then checks:
#   - the debug console (COM1): the UART's IRQ arrives and is not delivered again before
#     the acknowledgement; the input switch; every sleep on time by the timer's clock and
#     the timer's rate against the CMOS clock; the transmit virtualiser did hold lines back
#     while another client's line was incomplete (so mixing was possible); a clean end
#   - COM2 (check_com2.sh): whole lines only, all of them, input at the right client;
#     evil's lines (letters of "evil" only) are allowed and counted
#   - no PD faulted: evil's corruption stayed within its own connections
#   - that check_com2.sh can fail: it must refuse a copy of the log with two lines mixed
set -uo pipefail
kernel=$1 build=$2 logdir=$3
here=$(dirname "$0")
mkdir -p "$logdir"
failed=0

read -r -a modules <"$build/modules.args"
expects=(
    '^init: flow: the capabilities of 7 PDs allow only flows the policy allows'
    '^uart: ok: its IRQ arrives on channel 2$'
    '^uart: ok: no second IRQ before the acknowledgement$'
    '^uart: 16550 at port 0x2f8, 115200 baud'
    '^serial_rx_virt: input goes to client 1$'
    '^serial_rx_virt: input goes to client 2$'
    '^evil: done corrupting its queues'
    '^a: ok: sleep 5 ms' '^a: ok: sleep 20 ms' '^a: ok: sleep 100 ms' '^a: ok: sleep 60 ms'
    '^b: ok: sleep 7 ms' '^b: ok: sleep 33 ms' '^b: ok: sleep 150 ms' '^b: ok: sleep 2 ms'
    '^a: ok: a 2500 ms sleep from the start of an RTC second ends 2 RTC seconds later'
    "^a: tx virtualiser: [0-9]+ lines forwarded, [1-9][0-9]* while another client's line was incomplete"
    '^serial test: done$'
)
args=()
for re in "${expects[@]}"; do args+=(--expect "$re"); done
scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol --name serial \
    --timeout 120 --log "$logdir/serial.log" --serial2 "$logdir/serial.com2.log" \
    --serial2-input "$here/input.txt" "${args[@]}" | grep -E '^(PASS|FAIL): ' || failed=1
if grep -E 'FAIL|libbastion|fault in PD' "$logdir/serial.log.clean" >/dev/null; then
    echo "FAIL: serial: the debug console reports a failure or a fault (log: $logdir/serial.log)"
    failed=1
else
    echo "PASS: serial: no failure or fault on the debug console"
fi

"$here/check_com2.sh" "$logdir/serial.com2.log.clean" || failed=1

# The checker must catch mixing: the second half of a's line 3 becomes b's bytes.
mixed=$logdir/serial.com2.mixed.log
awk '/^a 0003 /{ tail = substr($0, 58); gsub(/a/, "b", tail); $0 = substr($0, 1, 57) tail }
     { print }' "$logdir/serial.com2.log.clean" >"$mixed"
verdict=$("$here/check_com2.sh" "$mixed")
if grep -q '^FAIL: serial/com2/whole-lines: line [0-9]* mixes clients' <<<"$verdict"; then
    echo "PASS: serial/com2/checker-catches-mixing"
else
    echo "FAIL: serial/com2/checker-catches-mixing: a log with a mixed line passed the check"
    failed=1
fi
exit $failed
