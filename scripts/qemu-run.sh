#!/usr/bin/env bash
# Boot a Bastion image under QEMU: the one runner behind `make run`, the system tests
# and the benchmarks.
#
#   qemu-run.sh --image KERNEL [options]
#
#   --image FILE      kernel to boot (Multiboot 1, as built: build/kernel/bastion.bin)
#   --cdrom FILE      boot a GRUB ISO instead (Multiboot 2 path)
#   --uefi            boot through UEFI firmware (OVMF, Debian's `ovmf`: OVMF_CODE.fd
#                     read-only, a fresh copy of OVMF_VARS.fd per run) instead of
#                     SeaBIOS; with --cdrom (UEFI has no Multiboot 1 -kernel path)
#   --append STRING   kernel command line
#   --module FILE     boot module (repeatable; the first is the root task)
#   --name NAME       name of this boot in result lines (default: the command line)
#   --timeout SEC     kill QEMU after SEC seconds (default 60); a timeout is a failure
#   --test-timeout SEC  a test announced by "RUN: <test>" that reports nothing within
#                     SEC seconds (default 60) is hung: it fails by name, QEMU is
#                     killed and, for a guest that said BASTION-TEST-RESUMABLE, booted
#                     again from the next test (at most 3 hung tests; each boot gets
#                     --timeout of its own). How long each test took: LOG.times
#   --harness-args WORDS  more words for the harness.args module (hang=N: test N hangs,
#                     the runner's own test)
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
#   --smp N           N CPUs (-smp N; under TCG with thread=multi: each CPU its own host
#                     thread, so they really run in parallel)
#   --icount          deterministic time: -icount shift=0,align=off (benchmarks)
#   --serve           the guest is a server that never ends: still running at --timeout
#                     is the pass (QEMU is then stopped), exiting by itself a failure
#   --until REGEX     with --serve: stop QEMU as soon as a serial line matches REGEX
#                     (grep -E) instead of at --timeout; that is the pass. For boots
#                     whose last word is known (a refusal printed, then the system idles).
#                     Repeatable: QEMU stops once every REGEX has matched a line
#   --interactive     serial console on this terminal, no timeout (make run)
#
# Environment: ACCEL=tcg (default) or kvm; QEMU_CPU (default: max for tcg, host for kvm).
#
# The guest's protocol (kernel/include/ktest.h): "BASTION-TEST-BEGIN", then for each
# test "RUN: <test>" and "PASS: <test>" / "FAIL: <test>: <why>", then
# "BASTION-TEST-END ...", then it exits
# QEMU through isa-debug-exit: status 33 pass, 35 fail. This runner prints every result
# line, adds its own for what went wrong around the guest (timeout, crash, missing end
# marker, an exit status that disagrees with the results, unmatched --expect), and ends
# with "N passed, N failed". It exits 0 only when nothing failed.
set -uo pipefail

image="" cdrom="" append="" name="" timeout_s=60 log="" interactive=0 protocol=1 icount=0
test_timeout_s=60 max_hangs=3 harness_words="" serve=0 until=() smp=1
modules=() expects=() serial2="" serial2_input="" expects2=() machine=q35 extra=() uefi=0
while [[ $# -gt 0 ]]; do
    case "$1" in
    --image) image=$2; shift 2 ;;
    --cdrom) cdrom=$2; shift 2 ;;
    --uefi) uefi=1; shift ;;
    --append) append=$2; shift 2 ;;
    --module) modules+=("$2"); shift 2 ;;
    --name) name=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --test-timeout) test_timeout_s=$2; shift 2 ;;
    --harness-args) harness_words=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --expect) expects+=("$2"); shift 2 ;;
    --no-protocol) protocol=0; shift ;;
    --machine) machine=$2; shift 2 ;;
    --qemu-arg) extra+=("$2"); shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --serial2) serial2=$2; shift 2 ;;
    --serial2-input) serial2_input=$2; shift 2 ;;
    --expect2) expects2+=("$2"); shift 2 ;;
    --icount) icount=1; shift ;;
    --serve) serve=1; shift ;;
    --until) until+=("$2"); shift 2 ;;
    --interactive) interactive=1; shift ;;
    *) echo "qemu-run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -n "$image" || -n "$cdrom" ]] || { echo "qemu-run.sh: --image or --cdrom is required" >&2; exit 2; }
name=${name:-${append:-boot}}
[[ $uefi -eq 0 || -n "$cdrom" ]] || { echo "qemu-run.sh: --uefi boots an ISO: give --cdrom" >&2; exit 2; }

accel=${ACCEL:-tcg}
case "$accel" in
tcg) cpu=${QEMU_CPU:-max} ;;
kvm) cpu=${QEMU_CPU:-host} ;;
*) echo "qemu-run.sh: ACCEL must be tcg or kvm" >&2; exit 2 ;;
esac
accel_opt=$accel
if [[ $smp -gt 1 && $accel == tcg && $icount -eq 0 ]]; then # (icount: one thread, in turn)
    accel_opt=tcg,thread=multi # the CPUs really run in parallel, one host thread each
fi

args=(-machine "$machine" -accel "$accel_opt" -cpu "$cpu" -smp "$smp" -m 128M -display none
      -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04)
ovmf_vars=""
if [[ $uefi -eq 1 ]]; then
    ovmf=${OVMF_DIR:-/usr/share/OVMF}
    [[ -r $ovmf/OVMF_CODE.fd && -r $ovmf/OVMF_VARS.fd ]] ||
        { echo "qemu-run.sh: --uefi needs $ovmf/OVMF_CODE.fd and OVMF_VARS.fd (Debian: ovmf)" >&2; exit 2; }
    # The variable store is written by the firmware (boot entries): each run gets its own.
    ovmf_vars=$(mktemp /tmp/bst-ovmf-vars.XXXXXX)
    cp "$ovmf/OVMF_VARS.fd" "$ovmf_vars"
    args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$ovmf/OVMF_CODE.fd"
           -drive "if=pflash,format=raw,unit=1,file=$ovmf_vars")
fi
if [[ -n "$cdrom" ]]; then
    args+=(-cdrom "$cdrom" -boot d)
else
    args+=(-kernel "$image" -append "$append")
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
    [[ ${#modules[@]} -gt 0 ]] && args+=(-initrd "$(IFS=,; echo "${modules[*]}")")
    exec qemu-system-x86_64 "${args[@]}" -serial mon:stdio
fi

if [[ -z "$log" ]]; then
    log=$(mktemp /tmp/bastion-serial.XXXXXX)
fi
mkdir -p "$(dirname "$log")"

passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }

# The harness.args module of a boot (tests/system/roottask/harness_args.c): its name
# carries the words, so it lives at a short path (a module name has 48 bytes).
# Only a root task gets one, and only when there is something to say.
args_dir=""
if [[ ${#modules[@]} -gt 0 && $protocol -eq 1 ]]; then
    args_dir=$(mktemp -d /tmp/bst.XXXXXX)
    echo >"$args_dir/harness.args"
fi
trap 'rm -rf ${args_dir:+"$args_dir"} ${ovmf_vars:+"$ovmf_vars"}' EXIT
# Killed (a test that ends a boot early kills this runner): QEMU goes too, never left
# running on its own.
qemu_pid=""
trap '[[ -n $qemu_pid ]] && kill -9 "$qemu_pid" 2>/dev/null; exit 143' TERM INT HUP

# boot_once LOG FROM: one boot, its serial output in LOG, the harness asked to start at
# test FROM. While QEMU runs, the log is read as it grows: a test announced by "RUN:"
# that reports nothing within test_timeout_s is hung, and QEMU is killed. Sets status
# (QEMU's exit status; "hung" or "timeout" when killed), hung_test, runs_seen (the RUN
# lines of this boot) and resumable (the guest said BASTION-TEST-RESUMABLE).
# all_until_seen LOG: every --until REGEX matches a line of LOG.
all_until_seen() {
    local re
    for re in "${until[@]}"; do
        tr -d '\r' <"$1" | grep -qE -- "$re" || return 1
    done
}

boot_once() {
    local blog=$1 from=$2
    local -a boot_args=("${args[@]}") mods=("${modules[@]}")
    local words="$harness_words"
    [[ $from -gt 0 ]] && words="$words${words:+ }from=$from"
    [[ -n $args_dir && -n $words ]] && mods+=("$args_dir/harness.args $words")
    [[ ${#mods[@]} -gt 0 ]] && boot_args+=(-initrd "$(IFS=,; echo "${mods[*]}")")
    qemu-system-x86_64 "${boot_args[@]}" -serial "file:$blog" </dev/null >"$blog.qemu" 2>&1 &
    local pid=$! started=$SECONDS seen=0 current="" since=0 line
    qemu_pid=$pid
    status="" hung_test="" runs_seen=0 resumable=0
    : >"$blog.times"
    while kill -0 "$pid" 2>/dev/null; do
        sleep 0.2
        local -a lines=()
        mapfile -t lines < <(tr -d '\r' <"$blog" 2>/dev/null | head -n "$(tr -cd '\n' <"$blog" 2>/dev/null | wc -c)")
        for ((; seen < ${#lines[@]}; seen++)); do
            line=${lines[$seen]}
            case "$line" in
            BASTION-TEST-RESUMABLE) resumable=1 ;;
            RUN:\ *) current=${line#RUN: } since=$SECONDS runs_seen=$((runs_seen + 1)) ;;
            PASS:\ * | FAIL:\ *)
                [[ -n $current ]] && echo "$((SECONDS - since)) $current" >>"$blog.times"
                current="" ;;
            esac
        done
        if [[ ${#until[@]} -gt 0 ]] && all_until_seen "$blog"; then
            status=until
        elif [[ -n $current && $((SECONDS - since)) -ge $test_timeout_s ]]; then
            status=hung hung_test=$current
        elif [[ $((SECONDS - started)) -ge $timeout_s ]]; then
            status=timeout hung_test=$current
        else
            continue
        fi
        kill "$pid" 2>/dev/null
        sleep 1
        kill -9 "$pid" 2>/dev/null
        break
    done
    wait "$pid"
    local rc=$?
    qemu_pid=""
    [[ -z $status ]] && status=$rc
}

# Boot, and boot again after each hung test (at most max_hangs), starting after it. The
# boots' logs are joined in LOG; the last boot decides the exit status.
: >"$log"
from=0 hangs=0 boot=1
while :; do
    blog=$log
    [[ $boot -gt 1 ]] && blog=$log.boot$boot
    boot_once "$blog" "$from"
    [[ $boot -gt 1 ]] && { cat "$blog" >>"$log"; cat "$blog.times" >>"$log.times"; rm -f "$blog.times"; }
    tr -d '\r' <"$blog" >"$blog.clean"
    last_clean=$blog.clean failed_before=$failed
    if [[ $protocol -eq 1 ]]; then
        while IFS= read -r line; do
            case "$line" in
            PASS:*) echo "$line"; passed=$((passed + 1)) ;;
            FAIL:*) echo "$line"; failed=$((failed + 1)) ;;
            esac
        done < <(sed -n '/^BASTION-TEST-BEGIN/,/^BASTION-TEST-END/p' "$blog.clean" | grep -E '^(PASS|FAIL): ')
    fi
    guest_failed=$((failed - failed_before))
    [[ $status == hung ]] || break
    fail "$hung_test" "no result within ${test_timeout_s}s: hung (boot $boot, serial log: $blog)"
    hangs=$((hangs + 1)) from=$((from + runs_seen)) boot=$((boot + 1))
    if [[ $resumable -eq 0 || $hangs -ge $max_hangs ]]; then
        [[ $resumable -eq 1 ]] && fail "$name" "$hangs tests hung: the rest of the suite did not run"
        status=hung-final
        break
    fi
    echo "$name: resuming at test $from in boot $boot"
done
[[ $boot -gt 1 ]] && tr -d '\r' <"$log" >"$log.clean"

case $status in
33) exit_word=pass ;;
35) exit_word=fail ;;
timeout | 124 | 137) exit_word=timeout ;;
until) exit_word=until ;;
hung-final) exit_word=hung ;;
*) exit_word="status $status" ;;
esac

if [[ $serve -eq 1 ]]; then
    if [[ $exit_word == timeout ]]; then
        pass "$name: still serving after ${timeout_s}s"
    elif [[ $exit_word == until ]]; then
        pass "$name: still running when lines matched $(printf '/%s/ ' "${until[@]}")"
    else
        fail "$name" "ended ($exit_word) while it should keep serving (serial log: $log)"
    fi
elif [[ $exit_word == hung ]]; then
    : # reported above, by test
elif [[ $exit_word == timeout ]]; then
    fail "$name" "timed out after ${timeout_s}s${hung_test:+ in $hung_test} (serial log: $log)"
elif [[ $protocol -eq 1 ]] && ! grep -q '^BASTION-TEST-END' "$last_clean"; then
    # The test announced last without a result is the one the machine stopped in.
    died_in=$(tr -d '\r' <"$last_clean" | awk '/^RUN: /{t=substr($0,6)} /^(PASS|FAIL): /{t=""} END{print t}')
    [[ -n $died_in ]] && fail "$died_in" "the machine stopped during this test ($exit_word; log: $log)"
    fail "$name" "no BASTION-TEST-END line; the kernel died or never ran the tests${died_in:+ (in $died_in)} ($exit_word; log: $log)"
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
