#!/usr/bin/env bash
# Build the Linux guest's boot files from Debian packages (docs/virtualisation.md, "The
# Linux guest").
#
#   scripts/guest-assets.sh DEST CACHE
#
# DEST   the folder that receives the guest: DEST/bzImage (the kernel of Debian's
#        linux-image-amd64), DEST/initramfs.cpio.gz (busybox-static, vmm/guest/init and
#        the kernel package's nine modules for a virtio console and virtio-net on PCI)
#        and DEST/.bastion-guest, the stamp written last, naming the package versions
# CACHE  a folder that keeps the downloaded .deb files across `make clean` (created if
#        need be; if it cannot be written, DEST/cache is used instead)
#
# Both packages come from Debian bookworm with `apt-get download` through a private apt
# configuration under DEST (its own source list, lists and cache), so no system file
# changes and no root is needed; apt checks each .deb against the archive's signed
# index. linux-image-amd64 is a meta-package: the script downloads the one kernel
# package it depends on. The .deb files are unpacked with dpkg-deb, the initramfs is
# written by vmm/guest/mkcpio.py (newc, with /dev/console made as an entry, so that no
# mknod and no root are needed). Nothing of the guest is ever committed.
# The apt configuration, download and cache are scripts/debian-fetch.sh's.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/debian-fetch.sh"

if [[ $# -ne 2 ]]; then
    echo "usage: $0 DEST CACHE" >&2
    exit 2
fi
debian_fetch_setup guest-assets "$1" "$2"
# The modules of a virtio console and a virtio-net device on PCI, in the order /init
# loads them (virtio_net needs net_failover, which needs failover).
GUEST_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console
    failover net_failover virtio_net"
command -v dpkg-deb >/dev/null || fail "dpkg-deb is missing (package dpkg)"
command -v python3 >/dev/null || fail "python3 is missing (scripts/deps.sh)"

apt=$dest/apt
debian_apt_update "$apt" "deb $DEBIAN_ARCHIVE $DEBIAN_SUITE main" \
    "deb $DEBIAN_SECURITY $DEBIAN_SUITE-security main" \
    -- "Dir::State::Status=/dev/null" "APT::Architecture=amd64"

# The kernel package that linux-image-amd64 stands for (e.g. linux-image-6.1.0-57-amd64).
kpkg=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ {print $2; exit}')
[[ -n $kpkg ]] || fail "linux-image-amd64 names no linux-image-*-amd64 package"

kdeb=$(debian_fetch_deb "$apt" "$kpkg")
bdeb=$(debian_fetch_deb "$apt" busybox-static)

# Unpack beside the final place, check, then move into place.
tmp=$dest/.guest-build.$$
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
mkdir -p "$tmp/kernel" "$tmp/busybox" "$tmp/root"
dpkg-deb -x "$kdeb" "$tmp/kernel"
dpkg-deb -x "$bdeb" "$tmp/busybox"
vmlinuz=$(find "$tmp/kernel/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n 1)
[[ -n $vmlinuz ]] || fail "$kdeb holds no boot/vmlinuz-*"
# A bzImage has "HdrS" at offset 0x202 (the boot protocol's setup header).
[[ $(dd if="$vmlinuz" bs=1 skip=514 count=4 status=none) == HdrS ]] ||
    fail "$vmlinuz is not a bzImage (no HdrS at 0x202)"
busybox=$tmp/busybox/bin/busybox
[[ -x $busybox ]] || fail "$bdeb holds no bin/busybox"

root=$tmp/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/lib/modules"
cp "$busybox" "$root/bin/busybox"
# The virtio devices' modules (/init loads them with busybox insmod): virtio-pci,
# virtio-console and virtio-net are modules in Debian's kernel. Compressed ones (.ko.xz) are unpacked.
for m in $GUEST_MODULES; do
    ko=$(find "$tmp/kernel/lib/modules" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
    [[ -n $ko ]] || fail "$kdeb holds no module $m"
    if [[ $ko == *.xz ]]; then
        xz -dc "$ko" >"$root/lib/modules/$m.ko"
    else
        cp "$ko" "$root/lib/modules/$m.ko"
    fi
done
cp "$here/vmm/guest/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
python3 "$here/vmm/guest/mkcpio.py" "$root" "$tmp/initramfs.cpio" \
    --char dev/console:5:1 --char dev/ttyS0:4:64 --char dev/null:1:3 --char dev/hvc0:229:0 \
    --char dev/mem:1:1 --char dev/port:1:4
gzip -9 -n "$tmp/initramfs.cpio"

mv "$vmlinuz" "$dest/bzImage"
mv "$tmp/initramfs.cpio.gz" "$dest/initramfs.cpio.gz"
rm -rf "$apt"
echo "guest: $kpkg ($(basename "$kdeb")), busybox-static ($(basename "$bdeb"))" >"$dest/.bastion-guest"
say "guest in $dest: bzImage ($(stat -c %s "$dest/bzImage") bytes), initramfs.cpio.gz ($(stat -c %s "$dest/initramfs.cpio.gz") bytes)"
