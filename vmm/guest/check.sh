#!/usr/bin/env bash
# Suite guest-linux (vmm/vmm.mk): the Linux guest's files checked without Bastion.
#
#   vmm/guest/check.sh TEST_VMM GUEST_DIR
#
# 1. the VMM library parses Debian's bzImage and loads it with the initramfs into 256 MiB
#    of host memory standing in for guest RAM (test-vmm --image);
# 2. QEMU boots the same two files directly: /init's marker, a line echoed over the
#    serial console, power-off (boot_check.py).
set -uo pipefail
test_vmm=$1 guest=$2
"$test_vmm" --image "$guest/bzImage" "$guest/initramfs.cpio.gz"
rc_load=$?
"$(dirname "$0")/boot_check.py" "$guest"
rc_boot=$?
exit $((rc_load || rc_boot))
