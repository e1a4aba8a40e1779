#!/usr/bin/env bash
# The block system test (suite system-blk; drivers/blk/tests/tests.mk).
#
#   run.sh KERNEL BUILD_DIR LOG_DIR
#
# Boots drivers/blk/tests/system.xml (virtio_blk, blk_virt, two testers on partitions 1
# and 2) with one virtio-blk disk: a 64 MiB image whose every sector first holds its own
# mark, then a GPT of three partitions written by sfdisk (drivers/blk/tests/disk.py).
#   - on q35 and on pc: the testers' checks pass (byte-exact read-back through each
#     partition, 64 requests in flight, flush, every forbidden request refused); then, on
#     the host, the blocks each tester says it wrote hold its pattern in the image at the
#     partition's offset, and every other sector (partition 3, the gaps, the rest of 1
#     and 2) still holds its mark: nothing outside a client's partition was written;
#   - for each hostile table of disk.py (overlapping, outside the disk, bad header CRC,
#     bad entries CRC, a huge entry count, overlapping and oversize MBR entries): blk_virt
#     refuses it with a message naming what is wrong, serves no client, nothing faults,
#     and the image is unchanged.
set -uo pipefail
kernel=$1 build=$2 logdir=$3
here=$(dirname "$0")
mkdir -p "$logdir"
failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

read -r -a modules <"$build/modules.args"
drive() { # image serial: QEMU arguments of the disk at 00:11.0
    echo "-drive file=$1,if=none,format=raw,id=d0,cache=writeback" \
        "-device virtio-blk-pci,drive=d0,addr=11.0,serial=$2"
}
qemu_args() { for w in "$@"; do printf -- '--qemu-arg\n%s\n' "$w"; done; }

# A boot with the good table, on MACHINE: the testers end the run.
good_boot() {
    local machine=$1 img=$logdir/disk-$1.img log=$logdir/blk-$1.log
    python3 "$here/disk.py" good "$img" || { fail "blk-$machine" "cannot make the disk image"; return; }
    local -a extra
    mapfile -t extra < <(qemu_args $(drive "$img" bastion-disk-7))
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name "blk-$machine" --machine "$machine" --timeout 180 --log "$log" "${extra[@]}" \
        --expect '^virtio_blk: PCI .*16384 blocks of 4 KiB' \
        --expect '^blk_virt: GPT: 3 partitions' \
        --expect "blk_tester 1: partition of 2048 blocks, disk serial 'bastion-disk-7'" \
        --expect "blk_tester 2: partition of 4096 blocks, disk serial 'bastion-disk-7'" \
        --expect 'blk_tester 1: ok: 32 blocks at 1 read back byte-exact' \
        --expect 'blk_tester 2: ok: 64 writes in flight at once' \
        --expect 'blk_tester 1: ok: a write straddling the end refused' \
        --expect 'blk_tester 2: ok: a write of a buffer past its data region refused' \
        --expect 'blk_tester 2: ok: an unknown operation refused' \
        --expect 'blk_tester 1: done$' --expect 'blk_tester 2: done$' ||
        failed=1
    if grep -qE 'fault in PD|FAIL' "$log.clean"; then
        fail "blk-$machine: no fault, no FAIL" "$(grep -E 'fault in PD|^FAIL' "$log.clean" | head -3)"
    else
        pass "blk-$machine: no fault, no FAIL"
    fi
    local -a written
    read -r -a written < <(sed -n 's/^.*blk_tester [0-9]*: wrote //p' "$log.clean" | tr '\n' ' ')
    if [[ ${#written[@]} -ne 6 ]]; then
        fail "blk-$machine: the image holds what was written, nothing else" "testers said: ${written[*]}"
    elif out=$(python3 "$here/disk.py" verify "$img" "${written[@]}"); then
        pass "blk-$machine: the image holds what was written, nothing else ($out)"
    else
        fail "blk-$machine: the image holds what was written, nothing else" "$out"
    fi
}

# A boot with hostile table KIND: blk_virt names what is wrong; then the system idles.
bad_boot() {
    local kind=$1 why=$2 img=$logdir/disk-bad.img log=$logdir/blk-bad-$1.log
    python3 "$here/disk.py" bad "$kind" "$img" || { fail "blk-bad-$kind" "cannot make the image"; return; }
    local before
    before=$(sha256sum <"$img")
    local -a extra
    mapfile -t extra < <(qemu_args $(drive "$img" bad))
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name "blk-bad-$kind" --timeout 60 --serve --until "^blk_virt: partition table refused" \
        --log "$log" "${extra[@]}" --expect "^blk_virt: partition table refused: .*$why" ||
        failed=1
    if grep -qE 'fault in PD|FAIL|blk_tester [0-9]: partition of' "$log.clean"; then
        fail "blk-bad-$kind: no client served, nothing faulted" "$(grep -E 'fault in PD|^FAIL|partition of' "$log.clean" | head -3)"
    elif [[ $(sha256sum <"$img") != "$before" ]]; then
        fail "blk-bad-$kind: no client served, nothing faulted" "the image changed"
    else
        pass "blk-bad-$kind: no client served, nothing faulted, the image unchanged"
    fi
}

good_boot q35
good_boot pc
bad_boot overlap 'overlap'
bad_boot outside 'outside|past|beyond'
bad_boot header-crc 'header CRC|CRC'
bad_boot entries-crc 'entr.*CRC|CRC'
bad_boot huge-count 'entries|count'
bad_boot mbr-overlap 'overlap'
bad_boot mbr-outside 'outside|past|beyond'
exit $failed
