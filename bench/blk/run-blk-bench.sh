#!/usr/bin/env bash
# `make bench`, block part: the same block workload (bench/blk/blk_pattern.h) on Linux and
# on Bastion under the same QEMU and the same virtio-blk disk (docs/performance.md, "Block:
# against Linux").
#
#   run-blk-bench.sh --results DIR --work DIR --plugin INSN_MARKS_SO
#                    [--linux-kernel VMLINUZ --linux-initrd INITRAMFS]
#                    [--bastion-kernel BASTION_BIN --bastion-modules MODULES_ARGS]
#                    [--requests N] [--cache writeback] [--timeout 1200]
#                    [--device virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on]
#                    [--only linux|bastion] [--profile-phase K]
#                    [--linux-append "bench.sched=mq-deadline ..."]
#                    [--iommu on]   (QEMU's Intel VT-d unit, the disk behind it:
#                                    iommu_platform=on; Bastion confines its DMA)
#
# Each system gets a fresh disk image made the same way: 64 MiB of zeros, a GPT with one
# partition from 1 MiB to 1 MiB before the end (sfdisk), attached as
#   -drive file=IMG,if=none,format=raw,id=d0,cache=CACHE -device DEVICE
# and is booted under qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 256M
# -icount shift=0,align=off with the marker plugin (bench/blk/insn_marks.c). The guest's
# workload runs by itself and ends the machine; bench/blk/blk_bench.py then pairs the
# plugin's marker counts with the phase lines of the serial log. A system whose inputs are
# missing is reported as "not built", one that fails as "failed (...)", never with a
# figure. Writes DIR/blk.json and prints the table; logs under WORK. With --profile-phase
# K the Bastion run also profiles phase K (from 0, in the order of the phase lines) and
# bench/blk/profile.py prints its instructions per request by PD and function
# (WORK/bastion.profile.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
results="" work="" plugin="" linux_kernel="" linux_initrd="" bastion_kernel="" bastion_modules=""
requests="" cache=writeback timeout_s=1200 only="" profile_phase="" linux_append="" iommu=off
device="virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on"
while [[ $# -gt 0 ]]; do
    case "$1" in
    --results) results=$2 ;;
    --work) work=$2 ;;
    --plugin) plugin=$2 ;;
    --linux-kernel) linux_kernel=$2 ;;
    --linux-initrd) linux_initrd=$2 ;;
    --bastion-kernel) bastion_kernel=$2 ;;
    --bastion-modules) bastion_modules=$2 ;;
    --requests) requests=$2 ;;
    --cache) cache=$2 ;;
    --timeout) timeout_s=$2 ;;
    --device) device=$2 ;;
    --only) only=$2 ;;
    --profile-phase) profile_phase=$2 ;;
    --linux-append) linux_append=$2 ;;
    --iommu) iommu=$2 ;;
    *) echo "run-blk-bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
[[ -n $results && -n $work && -n $plugin ]] ||
    { echo "run-blk-bench.sh: --results, --work and --plugin are required" >&2; exit 2; }
mkdir -p "$results" "$work"
iommu_args=()
if [[ $iommu == on ]]; then
    iommu_args=(-device intel-iommu) # before the other PCI devices, as QEMU wants
    device="$device,iommu_platform=on"
fi
sfdisk=$(command -v sfdisk || echo /usr/sbin/sfdisk)

# make_disk IMG: 64 MiB, GPT, partition 1 from sector 2048 to 2048 sectors before the end.
make_disk() {
    rm -f "$1"
    truncate -s 64M "$1"
    printf 'label: gpt\nstart=2048, size=126976, type=linux, name="bench"\n' |
        "$sfdisk" --quiet --no-reread --no-tell-kernel "$1" >/dev/null
}

# boot NAME PLUGIN_ARGS QEMU_ARGS...: boot the system on a fresh disk with the plugin's
# marks file and PLUGIN_ARGS (",key=value" words), wait until QEMU ends (or --timeout);
# true if the serial log has the workload's last line.
boot() {
    local name=$1 plugin_args=$2 status=0
    shift 2
    local log="$work/$name.log" img="$work/$name.img"
    make_disk "$img"
    rm -f "$log" "$work/$name.marks"
    echo "blk-bench: running $name (a few minutes)"
    timeout "$timeout_s" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 256M \
        -icount shift=0,align=off -display none -monitor none -no-reboot -serial "file:$log" \
        "${iommu_args[@]}" -drive "file=$img,if=none,format=raw,id=d0,cache=$cache" -device "$device" \
        -plugin "$plugin,marks=$work/$name.marks$plugin_args" "$@" </dev/null >"$log.qemu" 2>&1 || status=$?
    # Bastion ends through isa-debug-exit (status 1 for bst_system_exit(0)), Linux by
    # powering off (0); 124 is the timeout.
    if [[ $status -eq 124 ]]; then
        echo "blk-bench: $name: no end within $timeout_s s (serial log: $log)" >&2
        return 1
    fi
    grep -q 'blkbench: done' "$log" || {
        echo "blk-bench: $name: the workload did not finish (QEMU status $status; serial log: $log)" >&2
        return 1
    }
}

linux_words=()
[[ -n $requests ]] && linux_words+=("bench.requests=$requests")

status_linux="not built"
if [[ $only != bastion && -f $linux_kernel && -f $linux_initrd ]]; then
    if boot linux "" -kernel "$linux_kernel" -initrd "$linux_initrd" \
        -append "console=ttyS0 quiet ${linux_words[*]} $linux_append"; then
        status_linux="$work/linux.log:$work/linux.marks"
    else
        status_linux="failed (see $work/linux.log)"
    fi
fi

# The Bastion system: the kernel with the modules of bench/blk's modules.args ("--module
# FILE" words, the first the root task). The request count is compiled into the client
# (bench/blk/blk_pattern.h); --requests applies to Linux only and is then recorded.
status_bastion="not built"
if [[ $only != linux && -f $bastion_kernel && -f $bastion_modules ]]; then
    read -r -a words <"$bastion_modules"
    mods=()
    for w in "${words[@]}"; do [[ $w == --module ]] || mods+=("$w"); done
    profile_args=""
    [[ -n $profile_phase ]] &&
        profile_args=",profile=$work/bastion.profile,profile_phase=$profile_phase"
    if boot bastion "$profile_args" -kernel "$bastion_kernel" -append "" \
        -initrd "$(IFS=,; echo "${mods[*]}")" -device isa-debug-exit,iobase=0xf4,iosize=0x04; then
        status_bastion="$work/bastion.log:$work/bastion.marks"
        if [[ -n $profile_phase ]]; then
            pds=()
            for m in "${mods[@]}"; do
                [[ $m == *.elf ]] && pds+=(--pd "$(basename "$m" .elf)=$m")
            done
            line=$(tr -d '\r' <"$work/bastion.log" | grep "^blkbench: phase $profile_phase ")
            echo "blk-bench: Bastion's profile of ${line#blkbench: }"
            phase_requests=${line#* requests }
            python3 "$here/profile.py" --profile "$work/bastion.profile" \
                --requests "${phase_requests%% *}" \
                --kernel "${bastion_kernel%.bin}.elf" "${pds[@]}" | tee "$work/bastion.profile.txt"
        fi
    else
        status_bastion="failed (see $work/bastion.log)"
    fi
fi

python3 "$here/blk_bench.py" --out "$results/blk.json" --device "$device" --cache "$cache" \
    --system "linux=$status_linux" --system "bastion=$status_bastion" \
    --info "bastion=kernel=$(git -C "$here/../.." describe --always --dirty 2>/dev/null || echo unknown)"
