#!/usr/bin/env bash
# Turn an example (or any system directory) into the boot modules of a Bastion system
# and print them as qemu-run.sh arguments.
#
#   build-example.sh TOOL INIT_ELF SYSTEM_XML OUTDIR [SEARCH_DIR]
#
# Runs `TOOL build SYSTEM_XML -o OUTDIR --search-path SEARCH_DIR` (default: OUTDIR,
# where the example's PD programs were linked), then copies each PD image the spec uses
# into OUTDIR/boot/ without debug sections (the symbol table stays: init symbolizes fault
# reports with it). Prints one line: --module INIT --module OUTDIR/system.spec --module
# each image. The kernel takes 16 boot modules (BOOT_MAX_MODULES), init among them:
# the spec and 14 images; images beyond the 14th are
# left out with a warning (their faults are reported without symbols).
# With BASTION_KERNEL_ELF set, the tool gets the kernel (--kernel), so that it counts each
# coloured domain's copy of the kernel image in the domain's colours.
set -euo pipefail

tool=$1 init=$2 xml=$3 out=$4 search=${5:-$4}
kernel=()
[[ -n ${BASTION_KERNEL_ELF:-} ]] && kernel=(--kernel "$BASTION_KERNEL_ELF")
mkdir -p "$out/boot"
"$tool" build "$xml" -o "$out" --search-path "$search" --json "$out/system.json" "${kernel[@]}" >&2
modules=(--module "$init" --module "$out/system.spec")
count=1
for image in $(grep -o '"path": *"[^"]*"' "$out/system.json" | sed 's/.*"path": *"//; s/"$//' | sort -u); do
    name=$(basename "$image")
    if [[ $count -ge 15 ]]; then
        echo "build-example.sh: warning: more than 14 program images; $name is not booted as a module (no symbols in its fault reports)" >&2
        continue
    fi
    objcopy --strip-debug "$search/$name" "$out/boot/$name"
    modules+=(--module "$out/boot/$name")
    count=$((count + 1))
done
echo "${modules[@]}"
