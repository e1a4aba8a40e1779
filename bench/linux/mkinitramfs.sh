#!/usr/bin/env bash
# Build the initramfs of the network benchmark's Linux guest.
#
#   mkinitramfs.sh LINUX_DIR UDP_ECHO OUTPUT
#
# LINUX_DIR is what bench/linux/fetch.sh unpacked (busybox, root/lib/modules/VERSION);
# UDP_ECHO the static echo program (bench/linux/udp_echo.c). The archive holds busybox,
# /init (bench/linux/init.sh), the echo program, and the virtio-net driver's modules
# with everything they depend on, listed in load order in /lib/modules/modules.order.
set -euo pipefail
linux=$1 echo_prog=$2 output=$3
here=$(cd "$(dirname "$0")" && pwd)
kver=$(cat "$linux/kernel-version")
moddir="$linux/root/lib/modules/$kver"
stage="$output.d"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib/modules" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"

cp "$linux/busybox" "$stage/bin/busybox"
cp "$echo_prog" "$stage/bin/udp_echo"
cp "$here/init.sh" "$stage/init"
chmod 755 "$stage/init" "$stage/bin/busybox" "$stage/bin/udp_echo"

# A module's dependencies, from the depends= entry of its .modinfo section.
module_path() { find "$moddir/kernel" -name "$1.ko" | head -n 1; }
module_deps() { strings "$(module_path "$1")" | sed -n 's/^depends=//p' | tr ',' ' '; }
declare -A added=()
add_module() { # add_module NAME: its dependencies first
    local name=$1 dep path
    [[ -n "${added[$name]:-}" ]] && return 0
    path=$(module_path "$name")
    [[ -n "$path" ]] || { echo "mkinitramfs: no module $name in $moddir" >&2; exit 1; }
    for dep in $(module_deps "$name"); do
        add_module "$dep"
    done
    added[$name]=1
    cp "$path" "$stage/lib/modules/"
    echo "$name.ko" >>"$stage/lib/modules/modules.order"
}
: >"$stage/lib/modules/modules.order"
add_module virtio_pci # the PCI transport
add_module virtio_net

(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --owner 0:0) | gzip -9 >"$output.tmp"
mv "$output.tmp" "$output"
rm -rf "$stage"
