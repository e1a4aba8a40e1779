#!/usr/bin/env bash
# Build the initramfs of a benchmark's Linux guest.
#
#   mkinitramfs.sh LINUX_DIR PROGRAM OUTPUT [INIT [MODULE...]]
#
# LINUX_DIR is what bench/linux/fetch.sh unpacked (busybox, root/lib/modules/VERSION);
# PROGRAM the guest's static workload, installed as /bin/ and its file name. The archive
# holds busybox, /init (INIT: bench/linux/init.sh by default), the program, and the
# MODULEs (by default virtio_pci and virtio_net, the network benchmark's) with everything
# they depend on, listed in load order in /lib/modules/modules.order. The network
# benchmark passes its echo server (bench/linux/udp_echo.c) and the defaults; the block
# benchmark bench/linux/blk_io.c, init-blk.sh, virtio_pci and virtio_blk.
set -euo pipefail
linux=$1 program=$2 output=$3
here=$(cd "$(dirname "$0")" && pwd)
init=${4:-$here/init.sh}
modules=("${@:5}")
[[ ${#modules[@]} -gt 0 ]] || modules=(virtio_pci virtio_net)
kver=$(cat "$linux/kernel-version")
moddir="$linux/root/lib/modules/$kver"
stage="$output.d"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib/modules" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"

cp "$linux/busybox" "$stage/bin/busybox"
name=$(basename "$program")
cp "$program" "$stage/bin/$name"
cp "$init" "$stage/init"
chmod 755 "$stage/init" "$stage/bin/busybox" "$stage/bin/$name"

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
for module in "${modules[@]}"; do # the PCI transport first
    add_module "$module"
done

(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --owner 0:0) | gzip -9 >"$output.tmp"
mv "$output.tmp" "$output"
rm -rf "$stage"
