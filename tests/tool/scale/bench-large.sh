#!/usr/bin/env bash
# The wall-clock time and peak memory of `bastion check` on generated descriptions of
# about 1 M and 2 M elements (gen-large.sh: half regions, half maps), for `make bench`.
# Wall-clock depends on the host (and on how busy it is); the tests assert instruction
# counts instead (tests/tool/run-scale.sh).
#
#   bench-large.sh BASTION
set -euo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-10s %10s %10s %12s\n' elements "MB (xml)" seconds "peak MB"
for regions in 500000 1000000; do
    "$here/gen-large.sh" "$regions" >"$work/system.xml"
    elements=$(grep -c '<' "$work/system.xml")
    mb=$(($(stat -c %s "$work/system.xml") / 1000000))
    start=$(date +%s.%N)
    /usr/bin/time -f %M -o "$work/kb" "$tool" check "$work/system.xml" >/dev/null 2>"$work/err" ||
        { echo "bench-large.sh: check failed: $(head -1 "$work/err")" >&2; exit 1; }
    seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    printf '%-10s %10s %10s %12s\n' "$elements" "$mb" "$seconds" $(($(cat "$work/kb") / 1024))
done
