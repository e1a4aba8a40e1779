#!/usr/bin/env bash
# Build a GRUB ISO that loads the kernel through Multiboot 2 and boots both ways: under a
# BIOS (El Torito, GRUB's i386-pc image) and under UEFI (an EFI system partition image
# holding GRUB's x86_64-efi loader). grub-mkrescue adds every GRUB platform installed
# under /usr/lib/grub; this script checks that both are there and made it into the ISO.
#
#   make-iso.sh OUTPUT.iso KERNEL.elf "KERNEL COMMAND LINE" [MODULE...]
#
# Each MODULE is passed as a Multiboot 2 module, in order (the first is the root task).
# The grub.cfg is the same for both firmwares: the console is the first 16550 (COM1),
# there being no VGA text screen under UEFI.
set -euo pipefail
out=$1 kernel=$2 cmdline=$3
shift 3
for platform in i386-pc x86_64-efi; do
    [[ -d /usr/lib/grub/$platform ]] || {
        echo "make-iso.sh: GRUB's $platform modules are missing (Debian: grub-pc-bin, grub-efi-amd64-bin)" >&2
        exit 1
    }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$kernel" "$dir/boot/bastion.elf"
{
    echo "set timeout=0"
    echo "set default=0"
    echo "serial --unit=0 --speed=115200"
    echo "terminal_input serial"
    echo "terminal_output serial"
    echo "menuentry \"Bastion\" {"
    echo "    multiboot2 /boot/bastion.elf $cmdline"
    for m in "$@"; do
        cp "$m" "$dir/boot/$(basename "$m")"
        echo "    module2 /boot/$(basename "$m") $(basename "$m")"
    done
    echo "    boot"
    echo "}"
} >"$dir/boot/grub/grub.cfg"
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$dir" >"$dir.log" 2>&1 || {
    echo "make-iso.sh: grub-mkrescue failed (are grub-pc-bin, grub-efi-amd64-bin, xorriso and mtools installed?):" >&2
    cat "$dir.log" >&2
    rm -f "$dir.log"
    exit 1
}
rm -f "$dir.log"
# Both boot paths must be in the image: the BIOS El Torito image and the EFI partition.
catalog=$(xorriso -indev "$out" -report_el_torito plain 2>/dev/null)
grep -q 'El Torito boot img.*BIOS' <<<"$catalog" && grep -q 'El Torito boot img.*UEFI' <<<"$catalog" || {
    echo "make-iso.sh: $out lacks a BIOS or a UEFI boot image:" >&2
    echo "$catalog" >&2
    exit 1
}
