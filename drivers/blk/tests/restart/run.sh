#!/usr/bin/env bash
# The block driver-restart test (suite system-blk-restart, soak-blk-restart;
# drivers/blk/tests/restart/restart.mk; docs/drivers.md, "Restart without loss").
#
#   run.sh KERNEL BUILD_DIR LOG_DIR VARIANT...
#
# Each variant is a build of system.xml in BUILD_DIR/VARIANT (restart.mk): the crasher
# crashes virtio_blk at random moments (restart, re-initialisation, or a real fault then
# either) while blk_restart keeps 48 requests in flight through blk_virt on partition 1 of
# a fresh disk (drivers/blk/tests/disk.py good).
#   test, soak:  the crasher reaches its target (200, 1000 crashes); blk_restart reports
#                0 lost, 0 answered twice, 0 reads wrong and a clean final read-back; no
#                FAIL, no fault report; then the image holds, at each of the 256 blocks,
#                exactly the write blk_restart last had answered for it (its final line).
#   broken:      blk_virt's resync_broken is set (it acknowledges a restart but issues
#                nothing again): blk_restart must report requests LOST — the check that
#                the test sees a loss when resynchronisation is broken.
set -uo pipefail
kernel=$1 build=$2 logdir=$3
shift 3
here=$(dirname "$0")
mkdir -p "$logdir"
failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

qemu_args() { for w in "$@"; do printf -- '--qemu-arg\n%s\n' "$w"; done; }

# The image at partition 1 (1 MiB in) holds, for each block, what its final seq says.
check_image() { # image log
    python3 - "$1" "$2" <<'PY'
import re, struct, sys
img, log = sys.argv[1], sys.argv[2]
seqs = []
for line in open(log, errors="replace"):
    m = re.match(r"^blk_restart: final((?: \d+)+)\s*$", line)
    if m:
        seqs += [int(x) for x in m.group(1).split()]
if len(seqs) != 256:
    print(f"FAIL: {len(seqs)} final sequence numbers in the log, not 256"); sys.exit(1)
MAGIC = 0x5952455643455251
wrong = 0
with open(img, "rb") as f:
    for b, seq in enumerate(seqs):
        f.seek((1 << 20) + b * 4096)
        d = f.read(4096)
        magic, blk, s = struct.unpack_from("<QQQ", d)
        if seq == 0:
            ok = magic != MAGIC
        else:
            ok = (magic, blk, s) == (MAGIC, b, seq) and all(
                d[i] == (b * 31 + seq * 17 + i) & 0xFF for i in range(24, 4096))
        wrong += not ok
written = sum(1 for s in seqs if s)
print(f"{'PASS' if wrong == 0 else 'FAIL'}: {written} written blocks and "
      f"{256 - written} untouched checked, {wrong} wrong")
sys.exit(1 if wrong else 0)
PY
}

run_variant() {
    local v=$1 dir=$build/$1 img=$logdir/disk-$1.img log=$logdir/$1.log
    local target timeout
    target=$(sed -n 's/.*crasher_target" value="\([0-9]*\)".*/\1/p' "$dir/system.xml")
    timeout=$((60 + target / 4))
    python3 drivers/blk/tests/disk.py good "$img" || { fail "blk-restart-$v" "cannot make the disk image"; return; }
    local -a modules extra
    read -r -a modules <"$dir/modules.args"
    mapfile -t extra < <(qemu_args -drive "file=$img,if=none,format=raw,id=d0,cache=writeback" \
        -device virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on,serial=restart)
    local start=$SECONDS
    if [[ $v == broken ]]; then
        scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
            --name "blk-restart-$v" --timeout "$timeout" --log "$log" "${extra[@]}" \
            >"$logdir/$v.out" 2>&1
        if grep -qE '^blk_restart: LOST [1-9][0-9]* requests' "$log.clean"; then
            pass "blk-restart-broken: with resync_broken the checker reports the loss ($(grep -m1 -oE 'LOST [0-9]+ requests after [0-9]+ writes' "$log.clean"), $(grep -c 'NOT resynchronising' "$log.clean") restarts not resynchronised)"
        else
            fail "blk-restart-broken: with resync_broken the checker reports the loss" "no LOST line (log: $log)"
        fi
        return
    fi
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name "blk-restart-$v" --timeout "$timeout" --log "$log" "${extra[@]}" \
        --expect "^crasher: target of $target injections reached" \
        --expect '^blk_restart: final read-back: 0 of 256 blocks wrong$' \
        --expect '^blk_restart: [0-9]+ writes, [0-9]+ reads checked, [0-9]+ flushes; 0 lost, 0 answered twice, 0 reads wrong: pass$' \
        >"$logdir/$v.out" 2>&1 || { fail "blk-restart-$v: the run" "$(grep -E '^FAIL' "$logdir/$v.out" | head -3 | tr '\n' ' ') (log: $log)"; }
    local injections restarts
    injections=$(grep -oE '^crasher: [0-9]+ injections' "$log.clean" | tail -1 | grep -oE '[0-9]+')
    restarts=$(grep -cE '^virtio_blk: restarted: generation' "$log.clean")
    if grep -qE 'FAIL|fault in PD|libbastion|virtio_blk: error' "$log.clean"; then
        fail "blk-restart-$v: no FAIL, no fault report" "$(grep -E 'FAIL|fault in PD|libbastion|virtio_blk: error' "$log.clean" | head -3 | tr '\n' ' ')"
    elif [[ ${injections:-0} -lt $target ]]; then
        fail "blk-restart-$v: $target crashes injected" "only ${injections:-0}"
    else
        pass "blk-restart-$v: $injections driver crashes ($restarts restarts seen by the driver), $(grep -oE '[0-9]+ writes, [0-9]+ reads checked, [0-9]+ flushes; 0 lost, 0 answered twice' "$log.clean"), $((SECONDS - start)) s"
    fi
    if out=$(check_image "$img" "$log.clean"); then
        pass "blk-restart-$v: the disk image holds every block's last answered write ($out)"
    else
        fail "blk-restart-$v: the disk image holds every block's last answered write" "$out"
    fi
}

for v in "$@"; do
    run_variant "$v"
done
exit $failed
