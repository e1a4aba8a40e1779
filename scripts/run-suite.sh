#!/usr/bin/env bash
# Run one test suite and record its results for the summary of `make test`.
#
#   run-suite.sh NAME RESULTS_DIR -- COMMAND [ARGS...]
#
# COMMAND prints result lines "PASS: <test>" or "FAIL: <test>: <why>" (other output is
# kept in the log). TAP lines ("ok N - x", "not ok N - x", as cmocka prints them with
# CMOCKA_MESSAGE_OUTPUT=TAP) are accepted too. A suite that exits non-zero without
# reporting a failure, or reports nothing at all, is recorded as one failure: a crashed
# or silent suite can never look like a pass.
set -uo pipefail

name=$1 results=$2
shift 2
[[ "${1:-}" == "--" ]] && shift
mkdir -p "$results"
log="$results/$name.log"
out="$results/$name.txt"

export CMOCKA_MESSAGE_OUTPUT=TAP
"$@" >"$log" 2>&1
rc=$?

awk -v suite="$name" '
    /^PASS: /        { print; next }
    /^FAIL: /        { print; next }
    /^ok [0-9]+ - /  { sub(/^ok [0-9]+ - /, ""); print "PASS: " suite "/" $0; next }
    /^not ok [0-9]+ - / { sub(/^not ok [0-9]+ - /, ""); print "FAIL: " suite "/" $0; next }
' "$log" >"$out"

if [[ $rc -ne 0 ]] && ! grep -q '^FAIL: ' "$out"; then
    echo "FAIL: $name: exited with status $rc (see $log)" >>"$out"
fi
if [[ ! -s "$out" ]]; then
    echo "FAIL: $name: reported no results (see $log)" >>"$out"
fi

passed=$(grep -c '^PASS: ' "$out")
failed=$(grep -c '^FAIL: ' "$out")
printf '%-24s %4d passed, %d failed\n' "$name" "$passed" "$failed"
grep '^FAIL: ' "$out" | sed 's/^/    /'
[[ $failed -eq 0 ]]
