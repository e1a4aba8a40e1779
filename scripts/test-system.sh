#!/usr/bin/env bash
# Boot Bastion systems (init + spec + PD images) and check their serial output.
#
#   test-system.sh KERNEL LOGDIR NAME:SRC_DIR:OUT_DIR...
#
# OUT_DIR/modules.args holds the system's --module arguments (scripts/build-example.sh).
# SRC_DIR/expect says what each boot must show, one directive a line (# comments):
#
#   boot NAME            start another boot of the same system (the first is NAME itself)
#   expect REGEX         a serial line must match (grep -E)
#   reject REGEX         no serial line may match
#   exit pass|fail       the isa-debug-exit status the boot must end with (default pass)
#   exit running         a server: the boot must still run at its timeout (then stopped)
#   until REGEX          with `exit running`: stop the boot (a pass) as soon as every
#                        `until` REGEX has matched a line, instead of at the timeout
#   timeout SEC          (default 30)
#   init tamper          boot $INIT_TAMPER_ELF instead of init (the CSpace check must fail)
#   init nocolour        boot $INIT_NOCOLOUR_ELF instead of init (no allocation by colour:
#                        the colour check must fail)
#   init nokimage        boot $INIT_NOKIMAGE_ELF instead of init (no copies of the kernel
#                        image: the check of the kernel code the domains run must fail)
#   init nocolourobj     boot $INIT_NOCOLOUROBJ_ELF instead of init (kernel objects not
#                        coloured: the check of their physical addresses must fail)
#   spec MODE            boot a copy of the spec damaged by $SPEC_CORRUPT MODE
#   spec none            boot without the spec module
#   serial2 [INPUT]      the boot has a COM2 (qemu-run.sh --serial2): its output goes to
#                        LOGDIR/NAME.serial2.log, its input is the file INPUT if given
#   expect2 REGEX        a line of COM2's output must match
#   machine NAME         QEMU machine type (default q35)
#   qemu ARG...          more QEMU arguments, split at spaces (e.g. qemu -device edu)
#   disk NAME SIZE       a fresh, zero-filled raw disk image of SIZE (truncate's units:
#                        64M) at LOGDIR/SYSTEM.NAME.img, made when the line is read; in
#                        later `qemu` and `host` lines of this system (any boot) @NAME
#                        stands for its path, e.g.
#                          qemu -drive file=@d0,if=none,format=raw,id=d0 -device ...
#                        A later boot that names @NAME without its own `disk` line boots
#                        the image as the earlier boot left it.
#   prepare COMMAND...   run COMMAND (bash -c, from the repository root) on the host when
#                        the line is read, before the boot: it must exit 0 (e.g. write a
#                        partition table onto @d0: prepare python3 drivers/blk/tests/disk.py good @d0)
#   host COMMAND...      after the boot, run COMMAND (bash -c, from the repository root)
#                        on the host: it must exit 0 (e.g. check a disk image's bytes);
#                        @log stands for the boot's serial log (without CRs)
#   append WORDS         the kernel command line (e.g. append kpti=on)
# Every directive applies to the boot it follows (a `boot` line starts afresh).
#
# Prints PASS/FAIL lines per boot and per expectation (through qemu-run.sh) and exits
# non-zero if anything failed.
set -uo pipefail

kernel=$1 logdir=$2
shift 2
mkdir -p "$logdir"
failed=0

# The paths of this system's disk images, by name (the `disk` directive).
declare -A disks=()
with_disks() { # text: @NAME replaced by each disk's path
    local text=$1 d
    for d in "${!disks[@]}"; do text=${text//@$d/${disks[$d]}}; done
    printf '%s' "$text"
}

run_boot() { # name out_dir exit timeout init_mode spec_mode machine qemu_args cmdline expects...
    local name=$1 out=$2 want=$3 timeout=$4 init_mode=$5 spec_mode=$6 machine=$7 qemu_args=$8
    local cmdline=$9
    shift 9
    local -a args=() modules
    read -r -a modules <"$out/modules.args"
    local i
    for ((i = 0; i < ${#modules[@]}; i++)); do
        local m=${modules[$i]}
        if [[ $i -eq 1 && $init_mode == tamper ]]; then m=$INIT_TAMPER_ELF; fi
        if [[ $i -eq 1 && $init_mode == nocolour ]]; then m=$INIT_NOCOLOUR_ELF; fi
        if [[ $i -eq 1 && $init_mode == nokimage ]]; then m=$INIT_NOKIMAGE_ELF; fi
        if [[ $i -eq 1 && $init_mode == nocolourobj ]]; then m=$INIT_NOCOLOUROBJ_ELF; fi
        if [[ $m == */system.spec && -n $spec_mode ]]; then
            [[ $spec_mode == none ]] && { args=("${args[@]:0:${#args[@]}-1}"); continue; }
            mkdir -p "$out/$spec_mode"
            if ! "$SPEC_CORRUPT" "$spec_mode" "$m" "$out/$spec_mode/system.spec"; then
                echo "FAIL: $name: cannot make a '$spec_mode' spec"; failed=1; return
            fi
            m=$out/$spec_mode/system.spec
        fi
        args+=("$m")
    done
    local -a extra=() words
    read -r -a words <<<"$qemu_args"
    for m in "${words[@]}"; do extra+=(--qemu-arg "$m"); done
    local output
    output=$(scripts/qemu-run.sh --image "$kernel" "${args[@]}" --append "$cmdline" --no-protocol \
        --machine "$machine" "${extra[@]}" \
        --name "$name" --timeout "$timeout" --log "$logdir/$name.log" \
        $([[ $want == running ]] && echo --serve) "$@")
    if [[ $want == fail ]]; then
        output=$(sed -e "s|^FAIL: $name: exited with the fail status$|PASS: $name: exits with the fail status, as it must|" \
                     -e "s|^PASS: $name: exits cleanly$|FAIL: $name: exits cleanly, but must fail|" <<<"$output")
    fi
    grep -E '^(PASS|FAIL): ' <<<"$output"
    grep -q '^FAIL: ' <<<"$output" && failed=1
    local cmd
    for cmd in "${hosts[@]}"; do
        local said
        cmd=${cmd//@log/$logdir/$name.log.clean}
        if said=$(bash -c "$cmd" 2>&1); then
            echo "PASS: $name: host check: $cmd${said:+ ($(tail -n 1 <<<"$said"))}"
        else
            echo "FAIL: $name: host check: $cmd: $(tail -n 3 <<<"$said" | tr '\n' ' ')"; failed=1
        fi
    done
    for re in "${rejects[@]}"; do
        if grep -qE -- "$re" "$logdir/$name.log.clean"; then
            echo "FAIL: $name: log shows no /$re/: it does (serial log: $logdir/$name.log)"; failed=1
        else
            echo "PASS: $name: log shows no /$re/"
        fi
    done
}

for system in "$@"; do
    IFS=: read -r sys_name src out <<<"$system"
    name=$sys_name want=pass timeout=30 init_mode="" spec_mode="" expects=() rejects=()
    machine=q35 qemu_args="" cmdline="" hosts=() disks=()
    flush() {
        [[ -z $name ]] && return
        run_boot "$name" "$out" "$want" "$timeout" "$init_mode" "$spec_mode" "$machine" \
            "$qemu_args" "$cmdline" "${expects[@]}"
    }
    while IFS= read -r line || [[ -n $line ]]; do
        [[ -z ${line// /} || $line == \#* ]] && continue
        key=${line%% *} value=${line#* }
        case $key in
        boot) flush; name=$sys_name-$value want=pass timeout=30 init_mode="" spec_mode="" expects=() rejects=()
              machine=q35 qemu_args="" cmdline="" hosts=() ;;
        machine) machine=$value ;;
        qemu) qemu_args="$qemu_args $(with_disks "$value")" ;;
        disk) read -r disk_name disk_size <<<"$value"
              disks[$disk_name]=$logdir/$sys_name.$disk_name.img
              if ! { rm -f "${disks[$disk_name]}" && truncate -s "$disk_size" "${disks[$disk_name]}"; }; then
                  echo "FAIL: $sys_name: cannot make disk '$disk_name' of '$disk_size'"; failed=1
              fi ;;
        prepare) if ! said=$(bash -c "$(with_disks "$value")" 2>&1); then
                     echo "FAIL: $sys_name: prepare: $value: $(tail -n 3 <<<"$said" | tr '\n' ' ')"; failed=1
                 fi ;;
        host) hosts+=("$(with_disks "$value")") ;;
        append) cmdline="${cmdline:+$cmdline }$value" ;;
        expect) expects+=(--expect "$value") ;;
        until) expects+=(--until "$value") ;;
        serial2) expects+=(--serial2 "$logdir/$name.serial2.log")
                 [[ $value != serial2 ]] && expects+=(--serial2-input "$value") ;;
        expect2) expects+=(--expect2 "$value") ;;
        reject) rejects+=("$value") ;;
        exit) want=$value ;;
        timeout) timeout=$value ;;
        init) init_mode=$value ;;
        spec) spec_mode=$value ;;
        *) echo "FAIL: $sys_name: unknown directive '$key' in $src/expect"; failed=1 ;;
        esac
    done <"$src/expect"
    flush
done
exit $failed
