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
# What it shares with the driver-restart test (the disk, the boot, the image check) is
# drivers/blk/tests/restart/lib.sh and check_image.py.
set -uo pipefail
source drivers/blk/tests/restart/lib.sh

run_variant() {
    local v=$1 dir=$build/$1 img=$logdir/disk-$1.img log=$logdir/$1.log
    local target timeout
    target=$(sed -n 's/.*virt_restarts_target" value="\([0-9]*\)".*/\1/p' "$dir/system.xml")
    timeout=$((60 + target / 4))
    blk_fresh_disk "blk-virt-restart-$v" "$img" || return
    local start=$SECONDS
    if [[ $v == broken* ]]; then
        blk_boot "blk-virt-restart-$v" "$v" "$img" "$log" "$timeout" \
            --expect '^(FAIL: blk_restart|blk_restart: LOST)'
        local first
        first=$(grep -m1 -E '^(FAIL: blk_restart|blk_restart: LOST)' "$log.clean")
        if [[ -n $first ]]; then
            pass "blk-virt-restart-$v: with virt_resync_broken $(sed -n 's/.*virt_resync_broken" value="\([0-9]*\)".*/\1/p' "$dir/system.xml") the client reports it ($first, after $(grep -c 'fault-inject: PD .blk_virt.' "$log.clean") blk_virt faults)"
        else
            fail "blk-virt-restart-$v: with virt_resync_broken the client reports a failure" "none reported (log: $log)"
        fi
        return
    fi
    blk_boot "blk-virt-restart-$v" "$v" "$img" "$log" "$timeout" "${BLK_CLEAN_RUN[@]}" ||
        { fail "blk-virt-restart-$v: the run" "$(grep -E '^FAIL' "$logdir/$v.out" | head -3 | tr '\n' ' ') (log: $log)"; }
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
    blk_check_image "blk-virt-restart-$v" "$img" "$log.clean"
}

blk_run_variants "$@"
