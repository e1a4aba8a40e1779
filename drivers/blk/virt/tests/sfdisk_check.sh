#!/usr/bin/env bash
# The partition parser against real tables: disk images partitioned with sfdisk (and sgdisk
# where gdisk is installed) must read as `sfdisk --json` reads them (numbers, starts, sizes,
# types, names), and damaged or misaligned real tables must be refused with the parser's
# message for that check. Part of suite blk-partition-host.
#
#   sfdisk_check.sh PARTDUMP WORKDIR
set -uo pipefail

partdump=$1 work=$2
mkdir -p "$work"
export PATH="$PATH:/usr/sbin:/sbin"
if ! command -v sfdisk >/dev/null; then
    echo "FAIL: blk-partition-host/sfdisk: sfdisk is missing (Debian package fdisk; scripts/deps.sh)"
    exit 1
fi

# new_image NAME MIB: a fresh sparse image
new_image() {
    rm -f "$work/$1.img"
    truncate -s "$2M" "$work/$1.img"
}

# same NAME: partdump and sfdisk --json agree on every partition
same() {
    local img="$work/$1.img"
    if python3 - "$img" "$partdump" <<'PY'; then
import json, re, subprocess, sys
img, partdump = sys.argv[1], sys.argv[2]
theirs = json.loads(subprocess.run(["sfdisk", "--json", img], check=True,
                                   capture_output=True, text=True).stdout)["partitiontable"]
ours = json.loads(subprocess.run([partdump, img], check=True, capture_output=True,
                                 text=True).stdout)
if "error" in ours:
    sys.exit("refused: " + ours["error"])
if ours["label"] != theirs["label"]:
    sys.exit("label %s, sfdisk says %s" % (ours["label"], theirs["label"]))
want = {}
for p in theirs.get("partitions", []):
    number = int(re.search(r"(\d+)$", p["node"]).group(1))
    if theirs["label"] == "dos" and p["type"].lower() in ("5", "f", "85"):
        continue  # extended: skipped by design
    want[number] = (p["start"], p["size"], p["type"].upper(), p.get("name", ""))
got = {p["number"]: (p["start"], p["size"], p["type"].upper(), p["name"])
       for p in ours["partitions"]}
for p in ours["partitions"]:
    if p["blocks"] != p["size"] // 8:
        sys.exit("partition %d: %d blocks for %d sectors" % (p["number"], p["blocks"], p["size"]))
if got != want:
    sys.exit("partdump %s\nsfdisk   %s" % (got, want))
print("%d partitions agree" % len(got))
PY
        echo "PASS: blk-partition-host/sfdisk_$1"
    else
        echo "FAIL: blk-partition-host/sfdisk_$1: partdump and sfdisk --json disagree (above)"
    fi
}

# refused NAME MESSAGE: partdump refuses the image with a message containing MESSAGE
refused() {
    local out
    out=$("$partdump" "$work/$1.img")
    if [[ "$out" == *'"error"'* && "$out" == *"$2"* ]]; then
        echo "PASS: blk-partition-host/sfdisk_$1"
    else
        echo "FAIL: blk-partition-host/sfdisk_$1: want a refusal with '$2', got $out"
    fi
}

# poke NAME OFFSET: flip one byte of the image at OFFSET
poke() {
    python3 - "$work/$1.img" "$2" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0x5a]))
PY
}

new_image dos 64
sfdisk -q "$work/dos.img" <<'END'
label: dos
start=2048, size=8192, type=83, bootable
start=10240, size=20483, type=7
start=40960, size=4096, type=5
END
same dos

new_image dos_gap 64
sfdisk -q "$work/dos_gap.img" <<'END'
label: dos
dos_gap.img3 : start=16384, size=16384, type=c
dos_gap.img1 : start=4096, size=4100, type=83
END
same dos_gap

new_image gpt 64
sfdisk -q "$work/gpt.img" <<'END'
label: gpt
start=2048, size=20483, name="alpha"
size=10M, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap two"
size=1M, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
size=16M
END
same gpt

new_image gpt_gap 32
sfdisk -q "$work/gpt_gap.img" <<'END'
label: gpt
gpt_gap.img5 : start=8192, size=8192, name="five"
gpt_gap.img2 : start=2048, size=4096, name="two"
END
same gpt_gap

new_image gpt_empty 8
echo 'label: gpt' | sfdisk -q "$work/gpt_empty.img"
same gpt_empty

new_image gpt_misaligned 32
sfdisk -q "$work/gpt_misaligned.img" <<'END'
label: gpt
start=2049, size=4096
END
refused gpt_misaligned "GPT entry 1 starts at sector 2049, not on a 4 KiB boundary"

new_image dos_misaligned 32
sfdisk -q "$work/dos_misaligned.img" <<'END'
label: dos
start=2048, size=4096
start=6147, size=4096
END
refused dos_misaligned "MBR entry 2 starts at sector 6147, not on a 4 KiB boundary"

new_image gpt_header 32
printf 'label: gpt\nsize=4M\n' | sfdisk -q "$work/gpt_header.img"
poke gpt_header $((512 + 40))
refused gpt_header "GPT header CRC32 mismatch"

new_image gpt_entries 32
printf 'label: gpt\nsize=4M\n' | sfdisk -q "$work/gpt_entries.img"
poke gpt_entries $((1024 + 33))
refused gpt_entries "GPT entry array CRC32 mismatch"

# (sfdisk and sgdisk write no overlapping or out-of-disk entries: test_partition.c builds
# those.) sgdisk: a larger entry array, numbers out of order, an odd size.
if command -v sgdisk >/dev/null; then
    new_image sgdisk 64
    sgdisk -a 8 --resize-table=256 -n 1:2048:+8M -c 1:root -t 1:8300 \
        -n 7:0:+3M -c 7:seven -t 7:EF00 -n 3:0:+17K -c 3:odd \
        "$work/sgdisk.img" >/dev/null
    same sgdisk

    new_image sgdisk_many 64
    args=()
    for i in $(seq 1 60); do args+=(-n "$i:0:+64K"); done
    sgdisk "${args[@]}" "$work/sgdisk_many.img" >/dev/null
    same sgdisk_many
else
    echo "sgdisk (Debian package gdisk) is missing: its images are not checked"
fi
exit 0
