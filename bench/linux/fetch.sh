#!/usr/bin/env bash
# Fetch the Linux guest of the network benchmark (docs/performance.md, "Network: UDP
# echo against Linux"): Debian's kernel and busybox-static, unpacked into the build tree.
#
#   fetch.sh OUT_DIR
#
# The kernel is the one Debian's `linux-image-amd64` depends on (resolved with
# apt-cache, so it follows the security updates of the package lists). `apt-get
# download` writes the .deb files into OUT_DIR/debs and `dpkg-deb -x` unpacks them into
# OUT_DIR/root: nothing is installed and the host's /boot is never touched. Root is not
# needed, only package lists (`apt-get update`) and the network on the first run; later
# runs reuse what was unpacked. Results: OUT_DIR/vmlinuz, OUT_DIR/busybox, the kernel's
# modules under OUT_DIR/root/lib/modules/VERSION, and OUT_DIR/kernel-version.
set -euo pipefail
out=$1
mkdir -p "$out/debs"

lists_hint() {
    echo "fetch: $1" >&2
    if [[ $(id -u) -eq 0 ]]; then
        echo "fetch: updating the package lists (apt-get update)" >&2
        apt-get update -qq >&2 && return 0
    fi
    echo "fetch: refresh the package lists with:" >&2
    echo "    sudo apt-get update" >&2
    exit 1
}

# The versioned kernel package behind the meta-package (linux-image-6.1.0-N-amd64).
resolve_kernel() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
kpkg=$(resolve_kernel || true)
if [[ -z "$kpkg" ]]; then
    lists_hint "apt-cache knows no linux-image-amd64 (no package lists?)"
    kpkg=$(resolve_kernel || true)
    [[ -n "$kpkg" ]] || { echo "fetch: linux-image-amd64 still unknown to apt-cache" >&2; exit 1; }
fi
kver=${kpkg#linux-image-}

if [[ -f "$out/kernel-version" && "$(cat "$out/kernel-version")" == "$kver" &&
    -f "$out/vmlinuz" && -x "$out/busybox" ]]; then
    exit 0 # already unpacked
fi

download() { # download PACKAGE: into OUT_DIR/debs, once
    local pkg=$1
    compgen -G "$out/debs/${pkg}_*.deb" >/dev/null && return 0
    echo "fetch: apt-get download $pkg"
    # As root, apt warns that its sandbox user cannot write here: harmless.
    if ! (cd "$out/debs" && apt-get download -qq "$pkg" 2>&1 | grep -v 'unsandboxed' >&2;
        compgen -G "${pkg}_*.deb" >/dev/null); then
        lists_hint "apt-get download $pkg failed (stale package lists, or no network?)"
        (cd "$out/debs" && apt-get download -qq "$pkg")
    fi
}
download "$kpkg"
download busybox-static

rm -rf "$out/root"
mkdir -p "$out/root"
for deb in "$out/debs/${kpkg}"_*.deb "$out/debs"/busybox-static_*.deb; do
    dpkg-deb -x "$deb" "$out/root"
done
cp "$out/root/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$out/root/bin/busybox" "$out/busybox"
echo "$kver" >"$out/kernel-version"
echo "fetch: Linux $kver and busybox-static unpacked in $out/root"
