# Fetching from Debian's archive without root and without changing any system file,
# sourced by scripts/guest-assets.sh (the Linux guest from binary packages) and
# scripts/fetch-lwip.sh (lwIP from a source package). apt-get works through a private
# configuration under the caller's folder (its own source list, lists and cache), and checks
# what it downloads against the archive's index, signed by Debian's keyring. Downloads are
# kept in a cache folder across `make clean`, each put in place whole (never half a file).
#
# The caller calls debian_fetch_setup first; messages and failures are then prefixed with
# its name, and fail() exits (the callers run with set -e).

DEBIAN_ARCHIVE=http://deb.debian.org/debian
DEBIAN_SECURITY=http://deb.debian.org/debian-security
DEBIAN_SUITE=bookworm
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

debian_fetch_name=debian-fetch
say() { echo "$debian_fetch_name: $*" >&2; }
fail() {
    say "$*"
    exit 1
}

# debian_fetch_setup NAME DEST CACHE: names the messages NAME, makes the folders DEST and
# CACHE (if CACHE cannot be written, DEST/cache instead) and sets dest and cache to their
# absolute paths.
debian_fetch_setup() {
    debian_fetch_name=$1
    mkdir -p "$2"
    dest=$(cd "$2" && pwd)
    cache=$3
    if ! mkdir -p "$cache" 2>/dev/null || [[ ! -w $cache ]]; then
        say "cache $cache cannot be written; using $dest/cache"
        cache=$dest/cache
        mkdir -p "$cache"
    fi
    cache=$(cd "$cache" && pwd)
}

# debian_apt_update APT_DIR SOURCE... [-- APT_OPTION...]: makes APT_DIR anew as a private apt
# configuration whose source list holds the SOURCE lines ("deb URI SUITE COMPONENT" or
# "deb-src ...", each then signed by Debian's keyring), sets the array apt_opts (the -o
# options that make apt-get and apt-cache use it, then the APT_OPTIONs, each given as the
# word after -o) and reads the package lists with apt-get update.
debian_apt_update() {
    local apt=$1 line
    shift
    [[ -r $DEBIAN_KEYRING ]] ||
        fail "Debian's archive keyring $DEBIAN_KEYRING is missing (package debian-archive-keyring; scripts/deps.sh)"
    rm -rf "$apt"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
    apt_opts=(
        -o "Dir::Etc::SourceList=$apt/sources.list"
        -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::State::Lists=$apt/lists"
        -o "Dir::Cache=$apt/cache"
        -o "Debug::NoLocking=1"
    )
    # As root apt would hand the download to user _apt, who may not write under APT_DIR.
    [[ $(id -u) -eq 0 ]] && apt_opts+=(-o "APT::Sandbox::User=root")
    : >"$apt/sources.list"
    while [[ $# -gt 0 && $1 != -- ]]; do
        line=$1
        echo "${line%% *} [signed-by=$DEBIAN_KEYRING] ${line#* }" >>"$apt/sources.list"
        shift
    done
    [[ ${1:-} == -- ]] && shift
    for line in "$@"; do apt_opts+=(-o "$line"); done
    say "reading Debian $DEBIAN_SUITE's package lists with apt-get"
    apt-get -q "${apt_opts[@]}" update >"$apt/update.log" 2>&1 ||
        { cat "$apt/update.log" >&2; fail "apt-get update from $DEBIAN_ARCHIVE $DEBIAN_SUITE failed"; }
}

# debian_cache_put FILE NAME: moves FILE into the cache as NAME, whole: a reader of the cache
# never sees half of it.
debian_cache_put() {
    mv "$1" "$cache/$2.tmp.$$"
    mv "$cache/$2.tmp.$$" "$cache/$2"
}

# debian_fetch_deb APT_DIR PACKAGE: downloads PACKAGE's candidate .deb (amd64) into the cache
# unless it is there already, and prints its path. After debian_apt_update APT_DIR.
debian_fetch_deb() {
    local apt=$1 pkg=$2 ver file
    ver=$(apt-cache "${apt_opts[@]}" policy "$pkg" | awk '$1 == "Candidate:" {print $2}')
    [[ -n $ver && $ver != "(none)" ]] || fail "Debian $DEBIAN_SUITE has no package $pkg"
    # apt-get download names the file PACKAGE_VERSION_ARCH.deb with ':' written as %3a.
    file=${pkg}_${ver//:/%3a}_amd64.deb
    if [[ ! -s $cache/$file ]]; then
        say "downloading $pkg $ver"
        (cd "$apt/cache" && apt-get -q "${apt_opts[@]}" download "$pkg") >"$apt/download.log" 2>&1 ||
            { cat "$apt/download.log" >&2; fail "apt-get download $pkg failed"; }
        debian_cache_put "$apt/cache/$file" "$file"
    else
        say "using $cache/$file"
    fi
    echo "$cache/$file"
}
