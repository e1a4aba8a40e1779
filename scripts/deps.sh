#!/usr/bin/env bash
# Make sure the Debian packages Bastion needs are installed.
#
# Called first by `make run`, `make test` and `make bench`. As root, missing packages are
# installed with apt-get; otherwise the exact command to run is printed and we fail, so
# the make target stops before doing anything that would fail for a confusing reason.
# The list below is the single place where the project's dependencies are named.
set -euo pipefail

PACKAGES=(
    make gcc clang lld binutils          # compilers and linkers (gcc default, clang checked)
    clang-format                         # `make format-check`, part of `make test`
    qemu-system-x86                      # boots every system test and `make run`
    libxml2-dev libelf-dev pkg-config    # the bastion host tool
    libcmocka-dev                        # host unit tests
    libclang-rt-14-dev                   # sanitizers and libFuzzer for host code
    graphviz                             # `bastion graph`
    spin                                 # model check of the queue protocol
    grub-common grub-pc-bin xorriso mtools  # GRUB ISO: the kernel booted via Multiboot 2
    grub-efi-amd64-bin ovmf              # the same ISO booted through UEFI (`make iso`, suite system-iso)
    cpio python3                         # `make bench`: the Linux guest's initramfs, the UDP load
    dpkg gzip                            # scripts/guest-assets.sh: the Linux guest from Debian's .deb files
    xz-utils debian-archive-keyring      # lwIP from Debian's source package (scripts/fetch-lwip.sh)
    curl                                 # tests/net: http_check.sh gets the status page (python3 above runs the rest)
    fdisk gdisk                          # sfdisk, sgdisk: disk images of the block class (drivers/blk/virt/tests)
    frama-c-base why3 z3 cvc4            # `make prove`: Frama-C/WP and the provers it calls through Why3
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi

echo "deps: missing Debian packages: ${missing[*]}" >&2
echo "deps: install them with:" >&2
echo "    sudo apt-get install -y ${missing[*]}" >&2
exit 1
