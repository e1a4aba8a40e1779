#!/usr/bin/env bash
# The block virtualiser-restart test (suite system-blk-virt-restart, soak-blk-virt-restart;
# drivers/blk/tests/virt_restart/virt_restart.mk; docs/drivers.md, "Restarting blk_virt").
#
#   run.sh KERNEL BUILD_DIR LOG_DIR VARIANT...
#
# Each variant is a build of system.xml or crasher.xml in BUILD_DIR/VARIANT: blk_virt, the
# supervisor's on_fault="restart" child, faults at random fault points and is
# re-initialised from its pristine image each time (system.xml), or the crasher stops it at
# random moments and restarts it over its memory, re-initialises it, or makes it fault
# first (crasher.xml); meanwhile blk_restart (drivers/blk/tests/restart/blk_restart.c)
# keeps 48 requests in flight through it on partition 1 of a fresh disk and ends the run
# when blk_virt's generation reaches the target.
#   double:      system.xml's blk_virt, and the driver crashed too, by the crasher
#                (double.xml): as test, and the driver's crashes are counted.
#   test, soak, crasher, soak-crasher, double:  blk_restart reports 0 lost, 0 answered twice,
#                0 reads wrong, 0 stray answers and a clean final read-back; blk_virt was
#                restarted at least the target number of times (supervised: every fault an
#                injected one, each followed by a re-initialisation; crasher: its count);
#                no other PD faulted (no report from init), no FAIL; then the image holds,
#                at each of the 256 blocks, exactly the write blk_restart last had
#                answered for it.
#   broken*:     blk_virt's virt_resync_broken is set (2: a restarted run does not
#                resynchronise its clients; 1: it neither sends the barrier nor uses ids
#                of its own, which QEMU's in-order device hides: blk-virt-host checks it):
#                blk_restart must report a failure (a read wrong, an answer for a request
#                not outstanding, a stray, or requests LOST) — the check that the test
#                sees corruption or loss when resynchronisation is broken.
set -uo pipefail
kernel=$1 build=$2 logdir=$3
shift 3
here=$(dirname "$0")
mkdir -p "$logdir"
failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }

qemu_args() { for w in "$@"; do printf -- '--qemu-arg\n%s\n' "$w"; done; }

# The image check of the driver-restart test: each block holds its last answered write.
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
    target=$(sed -n 's/.*virt_restarts_target" value="\([0-9]*\)".*/\1/p' "$dir/system.xml")
    timeout=$((60 + target / 4))
    python3 drivers/blk/tests/disk.py good "$img" || { fail "blk-virt-restart-$v" "cannot make the disk image"; return; }
    local -a modules extra
    read -r -a modules <"$dir/modules.args"
    mapfile -t extra < <(qemu_args -drive "file=$img,if=none,format=raw,id=d0,cache=writeback" \
        -device virtio-blk-pci,drive=d0,addr=11.0,disable-legacy=on,serial=restart)
    local start=$SECONDS
    if [[ $v == broken* ]]; then
        scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
            --name "blk-virt-restart-$v" --timeout "$timeout" --log "$log" "${extra[@]}" \
            --expect '^(FAIL: blk_restart|blk_restart: LOST)' \
            >"$logdir/$v.out" 2>&1
        local first
        first=$(grep -m1 -E '^(FAIL: blk_restart|blk_restart: LOST)' "$log.clean")
        if [[ -n $first ]]; then
            pass "blk-virt-restart-$v: with virt_resync_broken $(sed -n 's/.*virt_resync_broken" value="\([0-9]*\)".*/\1/p' "$dir/system.xml") the client reports it ($first, after $(grep -c 'fault-inject: PD .blk_virt.' "$log.clean") blk_virt faults)"
        else
            fail "blk-virt-restart-$v: with virt_resync_broken the client reports a failure" "none reported (log: $log)"
        fi
        return
    fi
    scripts/qemu-run.sh --image "$kernel" "${modules[@]}" --append "" --no-protocol \
        --name "blk-virt-restart-$v" --timeout "$timeout" --log "$log" "${extra[@]}" \
        --expect '^blk_restart: final read-back: 0 of 256 blocks wrong$' \
        --expect '^blk_restart: [0-9]+ writes, [0-9]+ reads checked, [0-9]+ flushes; 0 lost, 0 answered twice, 0 reads wrong: pass$' \
        >"$logdir/$v.out" 2>&1 || { fail "blk-virt-restart-$v: the run" "$(grep -E '^FAIL' "$logdir/$v.out" | head -3 | tr '\n' ' ') (log: $log)"; }
    local injected reinits stats how
    if [[ $v == *crasher* ]]; then
        injected=$(grep -oE '^crasher: [0-9]+ injections' "$log.clean" | tail -1 | grep -oE '[0-9]+')
        injected=${injected:-0} reinits=$injected
        how="crasher injections ($(grep -oE '^crasher: [0-9]+ injections \([0-9]+ restarts, [0-9]+ re-initialisations, [0-9]+ of them after a fault\)' "$log.clean" | tail -1 | sed 's/^crasher: //'))"
    else
        injected=$(grep -cE "^fault-inject: PD 'blk_virt'" "$log.clean")
        reinits=$(grep -cE "^supervise: PD 'supervisor': child 0: .*re-initialised" "$log.clean")
        how="blk_virt faults, each re-initialised"
        if [[ $v == *double* ]]; then
            local drv
            drv=$(grep -cE '^virtio_blk: restarted: generation' "$log.clean")
            how="$how, with $drv driver restarts beside them"
        fi
    fi
    stats=$(grep -oE 'blk_virt generation [0-9]+: [0-9]+ restarts resynchronised, [0-9]+ requests submitted again, [0-9]+ stray answers' "$log.clean")
    if grep -qE 'FAIL|fault in PD|libbastion' "$log.clean"; then
        fail "blk-virt-restart-$v: no FAIL, no fault report" "$(grep -E 'FAIL|fault in PD|libbastion' "$log.clean" | head -3 | tr '\n' ' ')"
    elif [[ $injected -lt $target || $reinits -ne $injected ]]; then
        fail "blk-virt-restart-$v: $target blk_virt restarts" "$injected injected, $reinits restarts"
    elif ! grep -qE ', 0 stray answers$' <<<"$stats"; then
        fail "blk-virt-restart-$v: no stray answer" "${stats:-no statistics line}"
    else
        pass "blk-virt-restart-$v: $injected $how; $(grep -oE '[0-9]+ writes, [0-9]+ reads checked, [0-9]+ flushes; 0 lost, 0 answered twice, 0 reads wrong' "$log.clean"); $stats; $((SECONDS - start)) s"
    fi
    if out=$(check_image "$img" "$log.clean"); then
        pass "blk-virt-restart-$v: the disk image holds every block's last answered write ($out)"
    else
        fail "blk-virt-restart-$v: the disk image holds every block's last answered write" "$out"
    fi
}

for v in "$@"; do
    run_variant "$v"
done
exit $failed
