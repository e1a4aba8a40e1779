#!/usr/bin/env bash
# The static checks of `make test` (see mk/static.mk). Prints PASS/FAIL lines.
#   static-checks.sh KERNEL_ELF KERNEL_BIN
set -uo pipefail
elf=$1 bin=$2
cd "$(dirname "$0")/.."

files=$(git ls-files '*.c' '*.h' 2>/dev/null)
count=$(echo "$files" | grep -c .)
bad=$(echo "$files" | xargs -r clang-format --dry-run --Werror 2>&1 | grep -oE '^[^:]+\.[ch]' | sort -u)
if [[ -z "$bad" ]]; then
    echo "PASS: format: $count tracked C files are clang-format clean"
else
    echo "FAIL: format: not clang-format clean (run 'make format'): $(echo $bad)"
fi

heap=$(nm "$elf" | grep -Ei ' (malloc|calloc|realloc|free|kmalloc|kfree|kzalloc|sbrk|heap_[a-z_]+)$')
if [[ -z "$heap" ]]; then
    echo "PASS: kernel-no-heap: the kernel links no allocator"
else
    echo "FAIL: kernel-no-heap: allocator symbols in the kernel: $(echo $heap)"
fi

if grub-file --is-x86-multiboot "$bin"; then
    echo "PASS: multiboot1-header: grub-file accepts $bin"
else
    echo "FAIL: multiboot1-header: grub-file rejects $bin"
fi
if grub-file --is-x86-multiboot2 "$elf"; then
    echo "PASS: multiboot2-header: grub-file accepts $elf"
else
    echo "FAIL: multiboot2-header: grub-file rejects $elf"
fi
