#!/usr/bin/env bash
# System tests of the kernel itself, booted in QEMU: every in-kernel test group (one
# boot each, since a fault test ends its boot) plus checks of what the kernel prints.
#
#   kernel-boot-tests.sh KERNEL_IMAGE LOG_DIR [LABEL]
#
# Prints "PASS: ..." / "FAIL: ..." lines for run-suite.sh.
set -uo pipefail
image=$1 logs=$2 label=${3:-kernel}
here=$(cd "$(dirname "$0")" && pwd)
run=$here/../../scripts/qemu-run.sh
mkdir -p "$logs"

boot() { # boot NAME CMDLINE [qemu-run options...]
    local n=$1 cmdline=$2
    shift 2
    "$run" --image "$image" --append "$cmdline" --name "$label/$n" --log "$logs/$n.log" \
        --timeout 60 "$@" | grep -E '^(PASS|FAIL): ' | sed -E "s#^(PASS|FAIL): ([a-z_]+\.)#\1: $label/\2#"
}

# The banner, CPU features, memory map and modules are printed on every boot.
boot x86 "ktest=x86"
# Page-table isolation on (the CPU QEMU emulates needs none, so auto leaves it off), and
# a value the option does not know (auto is used then).
boot x86-kpti "ktest=x86 kpti=on" --expect '^cpu: meltdown .*; page-table isolation on$'
# An affected CPU (QEMU's CPU with Intel's vendor string and no RDCL_NO): auto turns
# isolation on; kpti=off turns it off, with a warning.
QEMU_CPU=max,vendor=GenuineIntel boot kpti-auto-affected "ktest=x86" \
    --expect '^cpu: meltdown \(rogue data cache load\): AFFECTED; page-table isolation on$'
QEMU_CPU=max,vendor=GenuineIntel boot kpti-off-affected "ktest=x86.kpti_cpu_set_up kpti=off" \
    --expect '^cpu: meltdown \(rogue data cache load\): AFFECTED; page-table isolation off$' \
    --expect '^cpu: WARNING: isolation turned off on an affected CPU'
boot kpti-bad "ktest=x86.kpti_cpu_set_up kpti=maybe" \
    --expect '^bastion: kpti= takes on, off or auto; auto it is$' \
    --expect '^cpu: meltdown .*: not affected; page-table isolation off$'
boot boot "ktest=boot" \
    --expect '^Bastion [^ ]+ \(x86_64\) booting via multiboot1' \
    --expect '^cpu: .*features: .*[+-]pcid .*[+-]x2apic .*[+-]tsc-deadline' \
    --expect '^cpu: protections on: wp on, nx on' \
    --expect '^memory map \([0-9]+ regions\):' \
    --expect '^  \[0x[0-9a-f]+ - 0x[0-9a-f]+\) +[0-9]+ KiB  usable' \
    --expect '^  \[0x000000100000 - 0x[0-9a-f]+\) +[0-9]+ KiB  kernel' \
    --expect '^boot modules: 0' \
    --expect '^timer: TSC [0-9]+\.[0-9]{3} MHz \(measured against the PIT'

# The I/O APICs from ACPI's MADT (docs/kernel.md, "Interrupts"): q35's one, found through
# the RSDP in the BIOS area (Multiboot 1), with its ISA overrides; and without ACPI at all
# the architectural default, with the reason. Several I/O APICs and malformed tables:
# host suite host-madt (QEMU has one I/O APIC and a well-formed MADT).
boot ioapic-madt "ktest=boot" \
    --expect '^ioapic: I/O APIC 0 at 0xfec00000: 24 pins, GSIs 0-23, vectors 0x30-0x47$' \
    --expect '^ioapic: ISA IRQs moved or not edge/high \(MADT overrides\): 0->GSI 2 .*9->GSI 9 level'
boot ioapic-no-acpi "ktest=boot" --machine pc,acpi=off \
    --expect '^ioapic: ACPI tables: none from the loader and none in the BIOS area \(RSDP' \
    --expect '^ioapic: no I/O APIC from the MADT; the default one at 0xfec00000, GSI base 0$' \
    --expect '^ioapic: I/O APIC 0 at 0xfec00000: 24 pins, GSIs 0-23, vectors 0x30-0x47$'

# The TSC's rate is measured against the PIT by stamps whose own error is known, so a
# vCPU descheduled by a loaded host anywhere in the calibration cannot skew it.
# calib_stall=10000 (fault injection) busy-waits 10 ms at each weak point: after the
# PIT counted down and before the final read (with the median of three 25 ms windows
# this gave 2935 MHz for a 2096 MHz TSC, +40%, as a loaded CI host once did), and in
# a try of each stamp. The check: the LAPIC timer, measured against the TSC's rate,
# comes out within 1% of what QEMU's runs at (its 1 GHz APIC bus, divided by 16; a
# wrong TSC rate shows in it one for one), and the TSC within 1% of the plain boot's.
boot calib-stall "ktest=boot calib_stall=10000" \
    --expect '^timer: calibration stalled 10000 us at each weak point \(fault injection\)$' \
    --expect '^timer: TSC [0-9]+\.[0-9]{3} MHz \(measured against the PIT'
# rate_check NAME LOG REFERENCE_LOG: the rates LOG's kernel measured, as above.
rate_check() {
    local n=$1 log=$2.clean ref=$3.clean tsc ref_tsc lapic
    tsc=$(sed -nE 's/^timer: TSC ([0-9]+)\.([0-9]{3}) MHz \(measured against the PIT.*/\1\2/p' "$log")
    ref_tsc=$(sed -nE 's/^timer: TSC ([0-9]+)\.([0-9]{3}) MHz \(measured against the PIT.*/\1\2/p' "$ref")
    lapic=$(sed -nE 's/^timer: LAPIC timer ([0-9]+) kHz .*/\1/p' "$log")
    if [[ -z "$tsc" || -z "$ref_tsc" || -z "$lapic" ]]; then
        echo "FAIL: $label/$n: no TSC or LAPIC timer rate in $log or $ref"
    elif ((lapic * 100 < 62500 * 99 || lapic * 100 > 62500 * 101)); then
        echo "FAIL: $label/$n: LAPIC timer $lapic kHz, not within 1% of QEMU's 62500 kHz (TSC $tsc kHz)"
    elif ((tsc * 100 < ref_tsc * 99 || tsc * 100 > ref_tsc * 101)); then
        echo "FAIL: $label/$n: TSC $tsc kHz, not within 1% of the plain boot's $ref_tsc kHz"
    else
        echo "PASS: $label/$n: TSC $tsc kHz (plain boot $ref_tsc kHz), LAPIC timer $lapic kHz"
    fi
}
rate_check boot-rates "$logs/boot.log" "$logs/boot.log"
rate_check calib-stall-rates "$logs/calib-stall.log" "$logs/boot.log"

boot rootcaps "ktest=rootcaps" --expect '^rootcaps: root CNode of [0-9]+ slots at 0x[0-9a-f]+; [0-9]+ untyped caps'
boot timer "ktest=timer" --expect '^lapic: x?APIC mode'

# Deliberate faults: reported with vector, address, cause and the function's symbol.
boot fault-page "ktest=fault.page" \
    --expect '^\*\*\* KERNEL EXCEPTION: vector 14 \(#PF page fault\), error code 0x2$' \
    --expect '^  at rip ffffffff[0-9a-f]{8} <ktest_provoke_page_fault\+0x[0-9a-f]+>$' \
    --expect '^  address 000000000dead000$' \
    --expect '^  cause: no page for write in kernel mode' \
    --expect '^  rax [0-9a-f]{16}  rbx [0-9a-f]{16}  rcx [0-9a-f]{16}  rdx [0-9a-f]{16}$' \
    --expect '^  cr0 [0-9a-f]{16}  cr2 000000000dead000  cr3 [0-9a-f]{16}  cr4 [0-9a-f]{16}$' \
    --expect '^    ffffffff[0-9a-f]{8} kernel_main\+0x'
# A kernel-mode fault under isolation takes the entry's kernel-mode path (CR3 checked).
boot fault-page-kpti "ktest=fault.page kpti=on" \
    --expect '^\*\*\* KERNEL EXCEPTION: vector 14 \(#PF page fault\), error code 0x2$' \
    --expect '^  at rip ffffffff[0-9a-f]{8} <ktest_provoke_page_fault\+0x[0-9a-f]+>$'
boot fault-invalid-opcode "ktest=fault.invalid_opcode" \
    --expect '^\*\*\* KERNEL EXCEPTION: vector 6 \(#UD invalid opcode\)' \
    --expect '^  at rip ffffffff[0-9a-f]{8} <ktest_provoke_invalid_opcode\+0x[0-9a-f]+>$'
boot fault-divide "ktest=fault.divide" \
    --expect '^\*\*\* KERNEL EXCEPTION: vector 0 \(#DE divide error\)' \
    --expect '^  at rip ffffffff[0-9a-f]{8} <ktest_provoke_divide_error\+0x[0-9a-f]+>$'
boot fault-write-protect "ktest=fault.write_protect" \
    --expect '^\*\*\* KERNEL EXCEPTION: vector 14 \(#PF page fault\), error code 0x3$' \
    --expect '^  cause: protection violation on write in kernel mode'

# An unknown test selection is a failure, not a silent pass.
if "$run" --image "$image" --append "ktest=no.such.test" --log "$logs/unknown.log" >/dev/null; then
    echo "FAIL: $label/unknown-selection: an unknown ktest selection passed"
else
    echo "PASS: $label/unknown-selection"
fi

# What `make run` shows: banner, memory map, timer ticks.
boot demo "ticks=2 exit" --no-protocol \
    --expect '^memory map' --expect '^timer: periodic tick at 100 Hz' \
    --expect '^tick: [0-9]+ interrupts after 2 s'

# The same kernel through GRUB and Multiboot 2 (the ELF image, not the flat one), when
# the caller gives the ELF: boot tests again, plus the loader's own name.
elf=${image%.bin}.elf
if [[ -f "$elf" ]]; then
    if "$here/../../scripts/make-iso.sh" "$logs/grub.iso" "$elf" "ktest=boot" 2>"$logs/grub-iso.err"; then
        "$run" --cdrom "$logs/grub.iso" --name "$label/grub" --log "$logs/grub.log" --timeout 90 \
            --expect '^Bastion [^ ]+ \(x86_64\) booting via multiboot2 from GRUB' \
            --expect '^memory map \([0-9]+ regions\):' |
            grep -E '^(PASS|FAIL): ' | sed -E "s#^(PASS|FAIL): ([a-z_]+\.)#\1: $label/grub/\2#"
    else
        echo "FAIL: $label/grub-iso: could not build the ISO: $(head -c 200 "$logs/grub-iso.err")"
    fi
fi

# The benchmark image runs to the end under icount and reports every benchmark (the
# figures themselves are for `make bench`, never judged here).
boot bench "kbench=x86" --no-protocol --icount \
    --expect '^BENCH measurement\.overhead samples=[0-9]+ min=[0-9]+ median=[0-9]+' \
    --expect '^BENCH x86\.trap_roundtrip samples=[0-9]+ min=[0-9]+ median=[0-9]+' \
    --expect '^BENCH-END'
