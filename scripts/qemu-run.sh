#!/usr/bin/env bash
# Boot a Bastion image under QEMU: the one runner behind `make run`, the system tests
# and the benchmarks.
#
#   qemu-run.sh --image KERNEL [options]
#
#   --image FILE      kernel to boot (Multiboot 1, as built: build/kernel/bastion.bin)
#   --cdrom FILE      boot a GRUB ISO instead (Multiboot 2 path)
#   --append STRING   kernel command line
#   --module FILE     boot module (repeatable; the first is the root task)
#   --name NAME       name of this boot in result lines (default: the command line)
#   --timeout SEC     kill QEMU after SEC seconds (default 60); a timeout is a failure
#   --log FILE        where the serial output goes (default: a file under /tmp)
#   --expect REGEX    the log must contain a line matching REGEX (grep -E); repeatable,
#                     each is a result of its own
#   --no-protocol     the guest prints no test protocol; pass means: it exited through
#                     isa-debug-exit with the pass status and every --expect matched
#   --machine NAME    QEMU machine type (default q35; `pc` has no PCI Express ECAM)
#   --qemu-arg ARG    one more QEMU argument (repeatable), e.g. --qemu-arg -device
#                     --qemu-arg edu
#   --serial2 FILE    add a second 16550, COM2 (ports 0x2f8-0x2ff, ISA IRQ 3); what the
#                     guest sends on it goes to FILE
#   --serial2-input FILE  what COM2 receives: the bytes of FILE, as fast as the guest
#                     takes them (QEMU reads on only when the UART has room)
#   --expect2 REGEX   as --expect, on COM2's output
#   --icount          deterministic time: -icount shift=0,align=off (benchmarks)
#   --interactive     serial console on this terminal, no timeout (make run)
#
# Environment: ACCEL=tcg (default) or kvm; QEMU_CPU (default: max for tcg, host for kvm).
#
# The guest's protocol (kernel/include/ktest.h): "BASTION-TEST-BEGIN", then lines
# "PASS: <test>" / "FAIL: <test>: <why>", then "BASTION-TEST-END ...", then it exits
# QEMU through isa-debug-exit: status 33 pass, 35 fail. This runner prints every result
# line, adds its own for what went wrong around the guest (timeout, crash, missing end
# marker, an exit status that disagrees with the results, unmatched --expect), and ends
# with "N passed, N failed". It exits 0 only when nothing failed.
set -uo pipefail

image="" cdrom="" append="" name="" timeout_s=60 log="" interactive=0 protocol=1 icount=0
modules=() expects=() serial2="" serial2_input="" expects2=() machine=q35 extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
    --image) image=$2; shift 2 ;;
    --cdrom) cdrom=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --module) modules+=("$2"); shift 2 ;;
    --name) name=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --expect) expects+=("$2"); shift 2 ;;
    --no-protocol) protocol=0; shift ;;
    --machine) machine=$2; shift 2 ;;
    --qemu-arg) extra+=("$2"); shift 2 ;;
    --serial2) serial2=$2; shift 2 ;;
    --serial2-input) serial2_input=$2; shift 2 ;;
    --expect2) expects2+=("$2"); shift 2 ;;
    --icount) icount=1; shift ;;
    --interactive) interactive=1; shift ;;
    *) echo "qemu-run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -n "$image" || -n "$cdrom" ]] || { echo "qemu-run.sh: --image or --cdrom is required" >&2; exit 2; }
name=${name:-${append:-boot}}

accel=${ACCEL:-tcg}
case "$accel" in
tcg) cpu=${QEMU_CPU:-max} ;;
kvm) cpu=${QEMU_CPU:-host} ;;
*) echo "qemu-run.sh: ACCEL must be tcg or kvm" >&2; exit 2 ;;
esac

args=(-machine "$machine" -accel "$accel" -cpu "$cpu" -m 128M -display none -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [[ -n "$cdrom" ]]; then
    args+=(-cdrom "$cdrom" -boot d)
else
    args+=(-kernel "$image" -append "$append")
fi
if [[ ${#modules[@]} -gt 0 ]]; then
    args+=(-initrd "$(IFS=,; echo "${modules[*]}")")
fi
[[ $icount -eq 1 ]] && args+=(-icount shift=0,align=off)
if [[ -n "$serial2" ]]; then
    # A "pipe" chardev reads BASE.in and writes BASE.out; plain files serve (the input
    # ends at EOF). Created with -device after the board's COM1, it is COM2.
    mkdir -p "$(dirname "$serial2")" && : >"$serial2"
    serial2_dir=$serial2.chardev # beside FILE: `make run` execs QEMU and cannot clean up
    rm -rf "$serial2_dir" && mkdir -p "$serial2_dir"
    ln -s "$(realpath "$serial2")" "$serial2_dir/com2.out"
    if [[ -n "$serial2_input" ]]; then cp "$serial2_input" "$serial2_dir/com2.in"; else : >"$serial2_dir/com2.in"; fi
    args+=(-chardev "pipe,id=com2,path=$serial2_dir/com2"
           -device isa-serial,chardev=com2,iobase=0x2f8,irq=3)
fi
args+=("${extra[@]}")

if [[ $interactive -eq 1 ]]; then
    echo "Booting Bastion in QEMU (${accel}). Quit with Ctrl-A then X."
    exec qemu-system-x86_64 "${args[@]}" -serial mon:stdio
fi

if [[ -z "$log" ]]; then
    log=$(mktemp /tmp/bastion-serial.XXXXXX)
fi
mkdir -p "$(dirname "$log")"
timeout --kill-after=5 "$timeout_s" qemu-system-x86_64 "${args[@]}" -serial "file:$log" \
    </dev/null >"$log.qemu" 2>&1
status=$?

passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }

tr -d '\r' <"$log" >"$log.clean"
if [[ $protocol -eq 1 ]]; then
    while IFS= read -r line; do
        case "$line" in
        PASS:*) echo "$line"; passed=$((passed + 1)) ;;
        FAIL:*) echo "$line"; failed=$((failed + 1)) ;;
        esac
    done < <(sed -n '/^BASTION-TEST-BEGIN/,/^BASTION-TEST-END/p' "$log.clean" | grep -E '^(PASS|FAIL): ')
fi
guest_failed=$failed

case $status in
33) exit_word=pass ;;
35) exit_word=fail ;;
124 | 137) exit_word=timeout ;;
*) exit_word="status $status" ;;
esac

if [[ $exit_word == timeout ]]; then
    fail "$name" "timed out after ${timeout_s}s (serial log: $log)"
elif [[ $protocol -eq 1 ]] && ! grep -q '^BASTION-TEST-END' "$log.clean"; then
    fail "$name" "no BASTION-TEST-END line; the kernel died or never ran the tests ($exit_word; log: $log)"
elif [[ $protocol -eq 1 && $exit_word == pass && $guest_failed -gt 0 ]] ||
     [[ $protocol -eq 1 && $exit_word == fail && $guest_failed -eq 0 ]]; then
    fail "$name" "exit status ($exit_word) disagrees with the reported results"
elif [[ $exit_word != pass && $exit_word != fail ]]; then
    fail "$name" "QEMU ended with $exit_word: $(head -c 300 "$log.qemu")"
elif [[ $protocol -eq 0 ]]; then
    if [[ $exit_word == pass ]]; then pass "$name: exits cleanly"; else fail "$name" "exited with the fail status"; fi
fi

if [[ -n "$serial2" ]]; then
    rm -rf "$serial2_dir"
    tr -d '\r' <"$serial2" >"$serial2.clean"
fi
for re in "${expects2[@]}"; do
    if grep -qE -- "$re" "$serial2.clean"; then
        pass "$name: COM2 shows /$re/"
    else
        fail "$name: COM2 shows /$re/" "no line matches (COM2 log: $serial2)"
    fi
done

for re in "${expects[@]}"; do
    if grep -qE -- "$re" "$log.clean"; then
        pass "$name: log shows /$re/"
    else
        fail "$name: log shows /$re/" "no line matches (serial log: $log)"
    fi
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
