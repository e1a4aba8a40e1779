#!/usr/bin/env bash
# The power-cut test of the key-value store (suite system-kvstore-powercut; powercut.mk).
#
#   run.sh KERNEL BUILD_DIR LOG_DIR [CUTS]
#
# Boots services/kvstore/tests/powercut/system.xml (virtio_blk, blk_virt, the store in
# self-test mode on partition 3 of a disk made by drivers/blk/tests/disk.py) again and
# again on the same disk image, and kills QEMU with SIGKILL at a random moment of each
# boot: mostly while the store writes (a random delay after its first `begin` line), now
# and then while it is still recovering. Two chains of boots run side by side, each on its
# own image, CUTS in all (default 100; POWERCUT_CUTS=1000 for a long run). After every
# boot the chain's serial logs so far go to services/kvstore/tests/check_acks.py, which
# checks that every write the store acknowledged as durable before a cut is in what the
# next boot recovered, and that nothing recovered is corrupt. The last boot of each chain
# is not cut: it must recover and finish its workload.
#
# The cut is QEMU's death, not the host's: what QEMU wrote to the image file survives it.
# So this shows that recovery copes with every point a write sequence can stop at (torn
# tails, half-done compactions, lost notifications), not with a disk's volatile cache;
# the store's host tests (suite kvstore-host) model that cache and drop unflushed writes.
set -uo pipefail
kernel=$1 build=$2 logdir=$3
cuts=${4:-${POWERCUT_CUTS:-100}}
here=$(dirname "$0")
checker=services/kvstore/tests/check_acks.py
mkdir -p "$logdir"

modules=()
read -r -a words <"$build/modules.args"
for ((i = 0; i < ${#words[@]}; i++)); do
    [[ ${words[$i]} == --module ]] && modules+=("${words[$((i + 1))]}")
done
initrd=$(IFS=,; echo "${modules[*]}")

# boot IMAGE LOG CUT: one boot; CUT is "none", "early" or a delay in ms after the first
# begin line. Returns when QEMU is dead: killed, or (uncut) when the self-test is done.
boot() {
    local img=$1 log=$2 cut=$3
    : >"$log"
    qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 128M -display none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -append "" \
        -initrd "$initrd" -serial "file:$log" \
        -drive "file=$img,if=none,format=raw,id=d0,cache=writeback" \
        -device virtio-blk-pci,drive=d0,addr=11.0,serial=powercut </dev/null >"$log.qemu" 2>&1 &
    local pid=$! start=$SECONDS
    local want='^kvstore: begin' delay=$cut
    if [[ $cut == early ]]; then want='^kvstore: (recovered|error)'; delay=$((RANDOM % 40)); fi
    [[ $cut == none ]] && want='^kvstore: (selftest done|error)'
    while kill -0 "$pid" 2>/dev/null && ! tr -d '\r' <"$log" | grep -qE -- "$want"; do
        sleep 0.05
        if ((SECONDS - start > 120)); then break; fi
    done
    if [[ $cut != none ]]; then
        sleep "$(printf '0.%03d' "$delay")"
    fi
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    tr -d '\r' <"$log" >"$log.clean"
}

# chain ID COUNT: COUNT cut boots and one last uncut boot on image ID; checks after each.
chain() {
    local id=$1 count=$2 img=$logdir/chain$1.img status=0
    python3 drivers/blk/tests/disk.py good "$img" >/dev/null || { echo "FAIL: chain $id: no image"; return 1; }
    local -a logs=()
    : >"$logdir/chain$id.summary"
    for ((n = 1; n <= count + 1; n++)); do
        local log=$logdir/chain$id-boot$n.log cut
        if ((n > count)); then cut=none
        elif ((RANDOM % 8 == 0)); then cut=early
        else cut=$((RANDOM % 1000)); fi
        boot "$img" "$log" "$cut"
        logs+=("$log.clean")
        echo "chain $id boot $n: cut $cut, $(grep -c '^kvstore: ack' "$log.clean") acks" >>"$logdir/chain$id.summary"
        if ((n > 1)) && ! python3 "$checker" "${logs[@]}" >"$logdir/chain$id-check$n.out" 2>&1; then
            echo "FAIL: powercut/chain $id: boot $n: $(tail -3 "$logdir/chain$id-check$n.out" | tr '\n' ' ')"
            status=1
            break
        fi
    done
    if ((status == 0)); then
        if grep -q '^kvstore: selftest done' "${logs[-1]}"; then
            echo "PASS: powercut/chain $id: $count cuts, every acknowledged write recovered, nothing corrupt ($(cat "${logs[@]}" | grep -c '^kvstore: ack') acks)"
        else
            echo "FAIL: powercut/chain $id: the last (uncut) boot did not finish its workload (${logs[-1]})"
            status=1
        fi
    fi
    return $status
}

first=$((cuts / 2))
chain 1 "$first" >"$logdir/chain1.result" 2>&1 &
c1=$!
chain 2 $((cuts - first)) >"$logdir/chain2.result" 2>&1
s2=$?
wait $c1
s1=$?
cat "$logdir/chain1.result" "$logdir/chain2.result"
((s1 == 0 && s2 == 0))
