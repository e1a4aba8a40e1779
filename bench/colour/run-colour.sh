#!/usr/bin/env bash
# What cache colouring costs at boot (docs/performance.md, "Cache colouring"): boots the
# colouring test system (init/tests/colour) twice under -icount shift=0 (one instruction a
# cycle): as described (three coloured domains) and with every colour attribute removed,
# and prints, from init's log, the cycles it took to create the spec's objects in each,
# the cycles of cutting stripes and of the boot check, and the memory colouring set aside;
# and what the domains' copies of the kernel image cost (docs/kernel.md, "The kernel
# image per domain"): the cycles init took to make them, their size, the pages checked.
#
#   run-colour.sh KERNEL TOOL INIT_ELF PD_DIR OUT_DIR
#
# PD_DIR holds the system's PD programs (touch.elf). Exits non-zero when a boot fails or a
# figure is missing.
set -euo pipefail

kernel=$1 tool=$2 init=$3 pds=$4 out=$5
here=$(cd "$(dirname "$0")/../.." && pwd)
xml=$here/init/tests/colour/system.xml
mkdir -p "$out"
sed 's/ colours="[^"]*"//g; s/ memory="[^"]*"//g' "$xml" >"$out/uncoloured.xml"

boot() { # name xml -> log
    local name=$1 sys=$2 mods
    mods=$("$here/scripts/build-example.sh" "$tool" "$init" "$sys" "$out/$name" "$pds" 2>/dev/null)
    # shellcheck disable=SC2086
    # The system's PD a1 owns QEMU's edu device behind a VT-d unit (its expect file's machine).
    "$here/scripts/qemu-run.sh" --image "$kernel" $mods --icount --no-protocol --timeout 120 \
        --machine q35 --qemu-arg -device --qemu-arg intel-iommu --qemu-arg -device \
        --qemu-arg edu,addr=10.0 --name "bench-colour-$name" --log "$out/$name.log" \
        --expect '^finisher: 4 slots of domain main seen' >/dev/null ||
        { echo "bench-colour: the $name boot failed (log: $out/$name.log)" >&2; exit 1; }
}

figure() { # log regex -> the first number after the match
    local v
    v=$(grep -oE "$2" "$1" | head -1 | grep -oE '[0-9]+' | head -1) ||
        { echo "bench-colour: no '$2' in $1" >&2; exit 1; }
    echo "$v"
}

boot coloured "$xml"
boot uncoloured "$out/uncoloured.xml"
c=$out/coloured.log u=$out/uncoloured.log
obj_c=$(figure "$c" "objects created in [0-9]+ cycles")
obj_u=$(figure "$u" "objects created in [0-9]+ cycles")
cut=$(figure "$c" "KiB; [0-9]+ cycles")
check=$(figure "$c" "; [0-9]+ cycles\)$")
stripes=$(figure "$c" "[0-9]+ of [0-9]+ stripes cut")
kib=$(figure "$c" "cut \([0-9]+ KiB")
frames=$(figure "$c" "[0-9]+ frames checked")
objects=$(figure "$c" "[0-9]+ kernel objects checked")
used=$(grep -oE "[0-9]+ KiB used" "$c" | awk '{s += $1} END {print s}')
kpages=$(figure "$c" "[0-9]+ pages of kernel code and read-only data checked")
kcopies=$(figure "$c" "\([0-9]+ copies")
kkib=$(figure "$c" "copies, [0-9]+ KiB each")
kcycles=$(figure "$c" "made in [0-9]+ cycles")
printf '%-52s %12s\n' "bench-colour (icount cycles, init/tests/colour)" value
printf '%-52s %12s\n' "spec's objects created, uncoloured" "$obj_u"
printf '%-52s %12s\n' "spec's objects created, coloured (3 domains)" "$obj_c"
printf '%-52s %12s\n' "  of which cutting and splitting $stripes stripes" "$cut"
printf '%-52s %12s\n' "boot check: $frames frames, $objects kernel objects" "$check"
printf '%-52s %12s\n' "coloured memory cut (KiB)" "$kib"
printf '%-52s %12s\n' "  used by the domains' objects (KiB)" "$used"
printf '%-52s %12s\n' "kernel image copies made ($kcopies, cycles)" "$kcycles"
printf '%-52s %12s\n' "  memory per copy (KiB, in its domain's colours)" "$kkib"
printf '%-52s %12s\n' "  kernel pages checked in the translation tables" "$kpages"
