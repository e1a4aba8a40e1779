#!/usr/bin/env bash
# Build the Linux guest's boot files from Debian packages (docs/virtualisation.md, "The
# Linux guest").
#
#   scripts/guest-assets.sh DEST CACHE
#
# DEST   the folder that receives the guest: DEST/bzImage (the kernel of Debian's
#        linux-image-amd64), DEST/initramfs.cpio.gz (busybox-static and vmm/guest/init)
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
set -euo pipefail

ARCHIVE=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security
SUITE=bookworm
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
here=$(cd "$(dirname "$0")/.." && pwd)

if [[ $# -ne 2 ]]; then
    echo "usage: $0 DEST CACHE" >&2
    exit 2
fi
dest=$1
cache=$2

say() { echo "guest-assets: $*" >&2; }
fail() {
    say "$*"
    exit 1
}

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
if ! mkdir -p "$cache" 2>/dev/null || [[ ! -w $cache ]]; then
    say "cache $cache cannot be written; using $dest/cache"
    cache=$dest/cache
    mkdir -p "$cache"
fi
cache=$(cd "$cache" && pwd)
command -v dpkg-deb >/dev/null || fail "dpkg-deb is missing (package dpkg)"
command -v python3 >/dev/null || fail "python3 is missing (scripts/deps.sh)"
[[ -r $KEYRING ]] || fail "Debian's archive keyring $KEYRING is missing (package debian-archive-keyring; scripts/deps.sh)"

apt=$dest/apt
opts=(
    -o "Dir::Etc::SourceList=$apt/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$apt/lists"
    -o "Dir::State::Status=/dev/null"
    -o "Dir::Cache=$apt/cache"
    -o "Debug::NoLocking=1"
    -o "APT::Architecture=amd64"
)
# As root apt would hand the download to user _apt, who may not write under DEST.
[[ $(id -u) -eq 0 ]] && opts+=(-o "APT::Sandbox::User=root")

rm -rf "$apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
{
    echo "deb [signed-by=$KEYRING] $ARCHIVE $SUITE main"
    echo "deb [signed-by=$KEYRING] $SECURITY $SUITE-security main"
} >"$apt/sources.list"
say "reading Debian $SUITE's package lists with apt-get"
apt-get -q "${opts[@]}" update >"$apt/update.log" 2>&1 ||
    { cat "$apt/update.log" >&2; fail "apt-get update from $ARCHIVE $SUITE failed"; }

# The kernel package that linux-image-amd64 stands for (e.g. linux-image-6.1.0-57-amd64).
kpkg=$(apt-cache "${opts[@]}" depends linux-image-amd64 |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ {print $2; exit}')
[[ -n $kpkg ]] || fail "linux-image-amd64 names no linux-image-*-amd64 package"

# fetch PACKAGE: download PACKAGE's candidate .deb into the cache (once) and print its path.
fetch() {
    local pkg=$1 ver file
    ver=$(apt-cache "${opts[@]}" policy "$pkg" | awk '$1 == "Candidate:" {print $2}')
    [[ -n $ver && $ver != "(none)" ]] || fail "Debian $SUITE has no package $pkg"
    # apt-get download names the file PACKAGE_VERSION_ARCH.deb with ':' written as %3a.
    file=$cache/${pkg}_${ver//:/%3a}_amd64.deb
    if [[ ! -s $file ]]; then
        say "downloading $pkg $ver"
        (cd "$apt/cache" && apt-get -q "${opts[@]}" download "$pkg") >"$apt/download.log" 2>&1 ||
            { cat "$apt/download.log" >&2; fail "apt-get download $pkg failed"; }
        mv "$apt/cache/$(basename "$file")" "$file.tmp.$$"
        mv "$file.tmp.$$" "$file"
    else
        say "using $file"
    fi
    echo "$file"
}
kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)

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
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
cp "$busybox" "$root/bin/busybox"
cp "$here/vmm/guest/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
python3 "$here/vmm/guest/mkcpio.py" "$root" "$tmp/initramfs.cpio" \
    --char dev/console:5:1 --char dev/ttyS0:4:64 --char dev/null:1:3
gzip -9 -n "$tmp/initramfs.cpio"

mv "$vmlinuz" "$dest/bzImage"
mv "$tmp/initramfs.cpio.gz" "$dest/initramfs.cpio.gz"
rm -rf "$apt"
echo "guest: $kpkg ($(basename "$kdeb")), busybox-static ($(basename "$bdeb"))" >"$dest/.bastion-guest"
say "guest in $dest: bzImage ($(stat -c %s "$dest/bzImage") bytes), initramfs.cpio.gz ($(stat -c %s "$dest/initramfs.cpio.gz") bytes)"
