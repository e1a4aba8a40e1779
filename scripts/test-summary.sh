#!/usr/bin/env bash
# Add up the results that run-suite.sh recorded and print the closing line of
# `make test`: "N passed, N failed". A registered suite that left no results (its
# build failed, say) counts as a failure. Exits non-zero if anything failed.
set -uo pipefail

results=$1
shift
passed=0 failed=0
for suite in "$@"; do
    file="$results/$suite.txt"
    if [[ ! -f "$file" ]]; then
        echo "FAIL: $suite: did not run (its build failed?)"
        failed=$((failed + 1))
        continue
    fi
    passed=$((passed + $(grep -c '^PASS: ' "$file")))
    failed=$((failed + $(grep -c '^FAIL: ' "$file")))
done
if [[ $failed -ne 0 ]]; then
    echo
    echo "Failures:"
    cat "$results"/*.txt 2>/dev/null | grep '^FAIL: ' | sed 's/^/    /'
fi
echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
