#!/usr/bin/env bash
# Fetch lwIP 2.1.3 from Debian's source package `lwip` and unpack it for the build.
#
#   scripts/fetch-lwip.sh DEST CACHE
#
# DEST   the folder to unpack into: DEST/lwip-2.1.3, replaced whole, with the stamp
#        .bastion-unpacked written once it is complete and checked (the build's target)
# CACHE  a folder that keeps the downloaded upstream tarball across `make clean`
#        (created if need be; if it cannot be written, DEST/cache is used instead)
#
# The tarball is Debian's .orig tarball of lwip 2.1.3+dfsg1 (bookworm: 2.1.3+dfsg1-2):
# upstream's 2.1.3 with what is not free for Debian taken out. Debian's own patches
# (sockets, tcpip thread, PPP, the unix port, cmake) touch nothing Bastion compiles, so
# dpkg-source is not needed: the tarball is unpacked with tar.
#
# It is downloaded with `apt-get source --download-only` through a private apt
# configuration under DEST (its own source list, lists and cache), so no system file
# changes and no root is needed. apt checks it against the archive's signed index; this
# script checks its SHA-256 again (the one Debian's .dsc names) and the version in
# lwIP's init.h. Nothing of lwIP is ever committed.
# The apt configuration and the cache are scripts/debian-fetch.sh's.
set -euo pipefail

VERSION=2.1.3
ORIG=lwip_2.1.3+dfsg1.orig.tar.xz
ORIG_SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
source "$(dirname "$0")/debian-fetch.sh"

if [[ $# -ne 2 ]]; then
    echo "usage: $0 DEST CACHE" >&2
    exit 2
fi
debian_fetch_setup fetch-lwip "$1" "$2"
tree=$dest/lwip-$VERSION
stamp=$tree/.bastion-unpacked

sha_ok() { [[ -f $1 ]] && echo "$ORIG_SHA256  $1" | sha256sum --check --status; }

# Download the .orig tarball with apt-get through a private configuration.
download() {
    local apt=$dest/apt
    say "downloading Debian's source package lwip ($DEBIAN_SUITE) with apt-get"
    debian_apt_update "$apt" "deb-src $DEBIAN_ARCHIVE $DEBIAN_SUITE main" -- "APT::Get::Only-Source=1"
    mkdir -p "$apt/src"
    (cd "$apt/src" && apt-get -q "${apt_opts[@]}" source --download-only lwip) >"$apt/source.log" 2>&1 ||
        { cat "$apt/source.log" >&2; fail "apt-get source lwip failed"; }
    sha_ok "$apt/src/$ORIG" ||
        fail "$ORIG missing from what apt-get fetched, or its SHA-256 is not $ORIG_SHA256: $(ls "$apt/src")"
    debian_cache_put "$apt/src/$ORIG" "$ORIG"
    rm -rf "$apt"
}

if sha_ok "$cache/$ORIG"; then
    say "using $cache/$ORIG"
else
    download
fi

# Unpack beside the final place, check, then move into place: a half-unpacked tree is
# never taken for a complete one.
tmp=$dest/.lwip-unpack.$$
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp" "$tree"
mkdir -p "$tmp"
tar -xJf "$cache/$ORIG" -C "$tmp"
init_h=$tmp/lwip-$VERSION/src/include/lwip/init.h
[[ -f $init_h ]] || fail "$ORIG does not hold lwip-$VERSION/src/include/lwip/init.h"
got=$(tr -d '\r' <"$init_h" | awk '$1 == "#define" && $2 ~ /^LWIP_VERSION_(MAJOR|MINOR|REVISION)$/ {v[$2] = $3}
           END {print v["LWIP_VERSION_MAJOR"] "." v["LWIP_VERSION_MINOR"] "." v["LWIP_VERSION_REVISION"]}')
[[ $got == "$VERSION" ]] || fail "the tarball holds lwIP $got, not $VERSION"
tr -d '\r' <"$init_h" | grep -q '^#define LWIP_VERSION_RC *LWIP_RC_RELEASE' || fail "the tarball is not a release of lwIP $VERSION"
mv "$tmp/lwip-$VERSION" "$tree"
rm -rf "$tmp"
echo "lwIP $VERSION from Debian's $ORIG (sha256 $ORIG_SHA256)" >"$stamp"
say "lwIP $VERSION unpacked in $tree"
