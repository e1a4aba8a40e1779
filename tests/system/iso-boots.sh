#!/usr/bin/env bash
# Boot one GRUB ISO twice, under SeaBIOS and under OVMF (UEFI), and check both print what
# an example's expect file says for its first boot (the `expect` lines before any `boot`
# line), plus what each firmware must change in the kernel's and init's view of the
# machine: the firmware named, the memory map taken (the EFI memory map under UEFI), the
# RSDP from the Multiboot 2 ACPI tag, and the platform init found in ACPI (the I/O APIC
# from the MADT, the HPET from its table, the PCI segment from MCFG).
#
#   iso-boots.sh ISO LOGDIR EXPECT_FILE
set -uo pipefail
iso=$1 logdir=$2 expect_file=$3
here=$(dirname "$0")
run=$here/../../scripts/qemu-run.sh
mkdir -p "$logdir"

expects=()
while read -r word rest; do
    [[ $word == boot ]] && break
    [[ $word == expect ]] && expects+=(--expect "$rest")
done <"$expect_file"

platform=(--expect '^init: ACPI: RSDP from the loader'
          --expect '^init: ACPI: I/O APIC 0 at 0xfec00000, GSIs from 0 \(MADT\)'
          --expect '^init: ACPI: HPET at 0xfed00000 \(HPET table\)'
          --expect '^init: ACPI: PCI segment 0: ECAM at 0xb0000000, buses 00-ff \(MCFG\)')

failed=0
"$run" --cdrom "$iso" --no-protocol --name bios --log "$logdir/bios.log" --timeout 60 \
    --expect '^firmware: bios; memory map from the Multiboot 2 memory map; ACPI RSDP from the Multiboot 2 ACPI \((old|new)\) tag' \
    "${platform[@]}" "${expects[@]}" || failed=1
"$run" --cdrom "$iso" --uefi --no-protocol --name uefi --log "$logdir/uefi.log" --timeout 90 \
    --expect '^firmware: uefi; memory map from the EFI memory map; ACPI RSDP from the Multiboot 2 ACPI \(new\) tag' \
    "${platform[@]}" "${expects[@]}" || failed=1
exit $failed
