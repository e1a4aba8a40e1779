#!/usr/bin/env bash
# The per-test bound of scripts/qemu-run.sh, tested: boot a harness image with test
# HANG told to spin for ever (harness.args hang=HANG) and a short --test-timeout, then
# check that
#   - exactly one test failed, and it is test HANG, failed as hung by its own name;
#   - the runner booted again from the next test, and every other test of the table
#     ran and passed (the names announced by RUN cover the table once, the hung one
#     included).
#
#   runner-bound.sh KERNEL IMAGE LOGDIR
set -uo pipefail

kernel=$1 image=$2 logdir=$3
hang=5 limit=15 # the longest IPC test takes about 4 s on an idle host
log=$logdir/runner-bound.log
mkdir -p "$logdir"
out=$(scripts/qemu-run.sh --image "$kernel" --module "$image" --append "" --name runner-bound \
    --timeout 120 --test-timeout "$limit" --harness-args "hang=$hang" --log "$log")

check() { # name condition-status why
    if [[ $2 -eq 0 ]]; then echo "PASS: runner-bound.$1"; else echo "FAIL: runner-bound.$1: $3"; fi
}

mapfile -t runs < <(grep -a '^RUN: ' "$log.clean" | sed 's/^RUN: //')
hung=${runs[$hang]:-}
fails=$(grep -c '^FAIL: ' <<<"$out")
grep -qx "FAIL: $hung: no result within ${limit}s: hung (boot 1, serial log: $log)" <<<"$out"
check hung_test_named $? "test $hang ('$hung') is not reported hung by name: $(grep '^FAIL: ' <<<"$out" | head -3)"
[[ $fails -eq 1 ]]
check only_it_failed $? "$fails failures"
grep -qx "runner-bound: resuming at test $((hang + 1)) in boot 2" <<<"$out"
check resumed_after_it $? "no second boot from test $((hang + 1))"
distinct=$(printf '%s\n' "${runs[@]}" | sort -u | wc -l)
passed=$(grep '^PASS: ' <<<"$out" | grep -vc '^PASS: runner-bound')
[[ ${#runs[@]} -gt $((hang + 1)) && $distinct -eq ${#runs[@]} && $passed -eq $((distinct - 1)) ]]
check rest_of_suite_ran $? "${#runs[@]} tests announced ($distinct distinct), $passed passed"
grep -q "^BASTION-TEST-END $((${#runs[@]} - hang - 1)) passed, 0 failed" "$log.clean"
check resumed_boot_ended_well $? "the second boot did not end with all its tests passed"
