#!/usr/bin/env bash
# Path-length regression check (not a timing test): boot the benchmark root task under
# QEMU with -icount, where every figure is an exact, repeatable instruction path
# length, and compare each median with its limit in bench/limits.txt.
#
#   bench-regression.sh KERNEL_IMAGE BENCH_ROOTTASK LOG_DIR
set -uo pipefail
image=$1 roottask=$2 logs=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$logs"
log="$logs/bench-regression.log"
if ! "$here/../../scripts/qemu-run.sh" --image "$image" --module "$roottask" --append "" --icount \
    --no-protocol --name bench-regression --log "$log" --timeout 300 >/dev/null; then
    echo "FAIL: bench-regression: the benchmark image did not run to the end (log: $log)"
    exit 1
fi
grep -v '^#' "$here/../../bench/limits.txt" | while read -r name limit; do
    [[ -n "$name" ]] || continue
    median=$(tr -d '\r' <"$log" | awk -v n="$name" '$1 == "BENCH" && $2 == n {
        for (i = 3; i <= NF; i++) if ($i ~ /^median=/) { sub(/median=/, "", $i); print $i } }')
    if [[ -z "$median" ]]; then
        echo "FAIL: path-length/$name: not measured (log: $log)"
    elif ((median > limit)); then
        echo "FAIL: path-length/$name: $median icount cycles, limit $limit"
    else
        echo "PASS: path-length/$name ($median <= $limit)"
    fi
done
