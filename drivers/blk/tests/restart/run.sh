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
# What it shares with the blk_virt restart test (the disk, the boot, the image check) is
# lib.sh and check_image.py beside this file.
set -uo pipefail
source drivers/blk/tests/restart/lib.sh

run_variant() {
    local v=$1 img=$logdir/disk-$1.img log=$logdir/$1.log
    local target timeout
    target=$(sed -n 's/.*crasher_target" value="\([0-9]*\)".*/\1/p' "$build/$v/system.xml")
    timeout=$((60 + target / 4))
    blk_fresh_disk "blk-restart-$v" "$img" || return
    local start=$SECONDS
    if [[ $v == broken ]]; then
        blk_boot "blk-restart-$v" "$v" "$img" "$log" "$timeout"
        if grep -qE '^blk_restart: LOST [1-9][0-9]* requests' "$log.clean"; then
            pass "blk-restart-broken: with resync_broken the checker reports the loss ($(grep -m1 -oE 'LOST [0-9]+ requests after [0-9]+ writes' "$log.clean"), $(grep -c 'NOT resynchronising' "$log.clean") restarts not resynchronised)"
        else
            fail "blk-restart-broken: with resync_broken the checker reports the loss" "no LOST line (log: $log)"
        fi
        return
    fi
    blk_boot "blk-restart-$v" "$v" "$img" "$log" "$timeout" \
        --expect "^crasher: target of $target injections reached" "${BLK_CLEAN_RUN[@]}" ||
        { fail "blk-restart-$v: the run" "$(grep -E '^FAIL' "$logdir/$v.out" | head -3 | tr '\n' ' ') (log: $log)"; }
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
    blk_check_image "blk-restart-$v" "$img" "$log.clean"
}

blk_run_variants "$@"
