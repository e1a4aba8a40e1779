#!/usr/bin/env bash
# Path-length regression check (not a timing test): boot the benchmark root task under
# QEMU with -icount, where every figure is an exact, repeatable instruction path
# length, and compare each median with its limit in bench/limits.txt (those named
# kpti/... from a second boot with page-table isolation on, those named nofastpath/...
# from a third with the fastpaths off: the full path's own length).
#
#   bench-regression.sh KERNEL_IMAGE BENCH_ROOTTASK LOG_DIR
set -uo pipefail
image=$1 roottask=$2 logs=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$logs"
log="$logs/bench-regression.log"
kpti_log="$logs/bench-regression-kpti.log"
nofastpath_log="$logs/bench-regression-nofastpath.log"
boot() { # boot LOG CMDLINE
    "$here/../../scripts/qemu-run.sh" --image "$image" --module "$roottask" --append "$2" --icount \
        --no-protocol --name "$(basename "$1" .log)" --log "$1" --timeout 300 >/dev/null
}
if ! boot "$log" ""; then
    echo "FAIL: bench-regression: the benchmark image did not run to the end (log: $log)"
    exit 1
fi
# Names prefixed "kpti/" are measured in a second boot with page-table isolation on.
if grep -q '^kpti/' "$here/../../bench/limits.txt" && ! boot "$kpti_log" "kpti=on"; then
    echo "FAIL: bench-regression: the kpti=on benchmark image did not run to the end (log: $kpti_log)"
    exit 1
fi
# Names prefixed "nofastpath/": a third boot with every system call through the full path.
if grep -q '^nofastpath/' "$here/../../bench/limits.txt" && ! boot "$nofastpath_log" "nofastpath"; then
    echo "FAIL: bench-regression: the nofastpath benchmark image did not run to the end (log: $nofastpath_log)"
    exit 1
fi
grep -v '^#' "$here/../../bench/limits.txt" | while read -r name limit; do
    [[ -n "$name" ]] || continue
    from=$log bench=$name
    if [[ "$name" == kpti/* ]]; then
        from=$kpti_log bench=${name#kpti/}
    elif [[ "$name" == nofastpath/* ]]; then
        from=$nofastpath_log bench=${name#nofastpath/}
    fi
    median=$(tr -d '\r' <"$from" | awk -v n="$bench" '$1 == "BENCH" && $2 == n {
        for (i = 3; i <= NF; i++) if ($i ~ /^median=/) { sub(/median=/, "", $i); print $i } }')
    if [[ -z "$median" ]]; then
        echo "FAIL: path-length/$name: not measured (log: $from)"
    elif ((median > limit)); then
        echo "FAIL: path-length/$name: $median icount cycles, limit $limit"
    else
        echo "PASS: path-length/$name ($median <= $limit)"
    fi
done
