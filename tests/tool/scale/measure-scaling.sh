#!/usr/bin/env bash
# Measures how the work of `bastion check` grows with the size of the description: the
# host instructions (valgrind --tool=callgrind, repeatable from run to run) for generated
# descriptions of 10k, 20k and 40k memory regions (gen-large.sh). A linear (or n log n)
# tool needs about twice the instructions for twice the regions; a quadratic one four
# times. This is a measurement, not a test: the figures are in docs/bastion-tool.md.
#
#   measure-scaling.sh BASTION [N...]
set -euo pipefail
tool=$1
shift
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 20000 40000)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prev=""
printf '%-10s %16s %8s\n' regions instructions ratio
for n in "${sizes[@]}"; do
    "$here/gen-large.sh" "$n" >"$work/system.xml"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$tool" check \
        "$work/system.xml" >/dev/null 2>"$work/log" || true
    ir=$(sed -n 's/.*refs: *//p' "$work/log" | tr -d ,)
    ratio=${prev:+$(awk -v a="$ir" -v b="$prev" 'BEGIN { printf "%.2f", a / b }')}
    printf '%-10s %16s %8s\n' "$n" "$ir" "${ratio:--}"
    prev=$ir
done
