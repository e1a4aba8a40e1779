#!/usr/bin/env bash
# Build a BIOS-bootable GRUB ISO that loads the kernel through Multiboot 2.
#
#   make-iso.sh OUTPUT.iso KERNEL.elf "KERNEL COMMAND LINE" [MODULE...]
#
# Each MODULE is passed as a Multiboot 2 module, in order (the first is the root task).
set -euo pipefail
out=$1 kernel=$2 cmdline=$3
shift 3
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
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1 || {
    echo "make-iso.sh: grub-mkrescue failed (are grub-pc-bin, xorriso and mtools installed?)" >&2
    exit 1
}
