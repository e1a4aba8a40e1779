#!/usr/bin/env bash
# The time-protection channel test (suites system-timeprot, system-timeprot-unprotected;
# timeprot.mk):
#
#   run-channel.sh protected|unprotected KERNEL ROOTTASK CHANNEL_CAPACITY LOGDIR [SYMBOLS]
#
# SYMBOLS: symbols a run (100 to 1000, default 1000; `make test` runs 400, `make bench`
# the 1000 of the figures in docs/testing.md).
# protected: the kernel as built. The runs without protection ("open": the sender's
# kernel work; "irq-open": the sender's device interrupts) must carry information, the
# protected ones ("padded", "irq-protected": pad and flushes on every slot, interrupts
# deferred) must not, within the estimator's noise.
# unprotected: kernel command line `tp_nopad tp_nodefer` (pads ignored, interrupts
# delivered in any slot), only the protected runs (from=3): both must carry information
# again, which is the protected tests failing as they should.
# Result lines: the runner's for the boot, channel_capacity's for each run.
set -u
which=$1 kernel=$2 roottask=$3 capacity=$4 logdir=$5 symbols=${6:-1000}
mkdir -p "$logdir"
run="$(dirname "$0")/../../../scripts/qemu-run.sh"
status=0
case $which in
protected)
    "$run" --image "$kernel" --module "$roottask" --icount --append "" --name timeprot \
        --harness-args "symbols=$symbols" \
        --timeout 400 --test-timeout 150 --log "$logdir/timeprot.log" || status=1
    "$capacity" --prefix timeprot.capacity --min-samples "$symbols" "$logdir/timeprot.log" open=open padded=closed \
        irq-open=open irq-protected=closed || status=1
    ;;
unprotected)
    "$run" --image "$kernel" --module "$roottask" --icount --append "tp_nopad tp_nodefer" \
        --harness-args "from=3 symbols=$symbols" --name timeprot-unprotected --timeout 300 --test-timeout 150 \
        --log "$logdir/timeprot-unprotected.log" \
        --expect "^domain: pads ignored" --expect "^domain: interrupts not deferred" || status=1
    "$capacity" --prefix timeprot.unprotected --min-samples "$symbols" "$logdir/timeprot-unprotected.log" padded=open \
        irq-protected=open || status=1
    ;;
*)
    echo "usage: $0 protected|unprotected KERNEL ROOTTASK CHANNEL_CAPACITY LOGDIR [SYMBOLS]" >&2
    exit 2
    ;;
esac
exit $status
