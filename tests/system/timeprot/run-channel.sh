#!/usr/bin/env bash
# The time-protection channel test (suite system-timeprot; timeprot.mk):
#
#   run-channel.sh KERNEL ROOTTASK CHANNEL_CAPACITY LOGDIR
#
# Boot 1, as built: run "open" (no protection) must carry information, run "padded"
# (pad and flushes on every slot) must not, within the estimator's noise.
# Boot 2, kernel command line `tp_nopad` (pads ignored), only the padded run (from=2):
# it must carry information again, which is the padded test failing as it should.
# Result lines: the runner's for each boot, channel_capacity's for each run.
set -u
kernel=$1 roottask=$2 capacity=$3 logdir=$4
mkdir -p "$logdir"
here=$(dirname "$0")
status=0
"$here/../../../scripts/qemu-run.sh" --image "$kernel" --module "$roottask" --icount --append "" \
    --name timeprot --timeout 240 --test-timeout 120 --log "$logdir/timeprot.log" || status=1
"$capacity" --prefix timeprot.capacity "$logdir/timeprot.log" open=open padded=closed || status=1
"$here/../../../scripts/qemu-run.sh" --image "$kernel" --module "$roottask" --icount \
    --append "tp_nopad" --harness-args "from=2" --name timeprot-nopad --timeout 240 \
    --test-timeout 120 --log "$logdir/timeprot-nopad.log" \
    --expect "^domain: pads ignored" || status=1
"$capacity" --prefix timeprot.nopad "$logdir/timeprot-nopad.log" padded=open || status=1
exit $status
