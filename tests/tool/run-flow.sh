#!/usr/bin/env bash
# Golden tests of the information-flow policy (issue 25).
#
#   run-flow.sh BASTION
#
# For every tests/tool/flow/NAME.xml: runs `bastion check NAME.xml` there and compares its
# stderr with NAME.expected byte for byte (the verdict: each violation with the path that
# carries it, or each malformed-policy error). The exit status must be 1 when the
# expectation holds an error and 0 otherwise. Every FILE:LINE:COL position (the message's
# and each one on a path) must point at an element's '<' or at an attribute the message
# names. `bastion graph -o -` must mark violating edges (red) exactly when there is a
# violation, and a description that passes must be valid against tool/schema/system.rng
# (xmllint, when installed). Set BLESS=1 to (re)write the .expected files.
set -uo pipefail

tool=$1
here=$(cd "$(dirname "$0")" && pwd)
schema=$here/../../tool/schema/system.rng
cd "$here/flow" || exit 1

# check_at FILE LINE COL: prints why LINE:COL is not at a '<' or an attribute name.
check_at() {
    local text at
    text=$(sed -n "$2p" "$1")
    at=${text:$(($3 - 1))}
    [[ $at == "<"[a-z]* || $at =~ ^[a-z_]+= ]] || echo "position $2:$3 points at '${at:0:20}'"
}

pass=0 fail=0
for xml in *.xml; do
    name=${xml%.xml}
    actual=$(LC_ALL=C.UTF-8 "$tool" check "$xml" 2>&1 >/dev/null)
    status=$?
    [[ -n "${BLESS:-}" ]] && printf '%s\n' "$actual" >"$name.expected"
    if [[ ! -f "$name.expected" ]]; then
        echo "FAIL: flow/$name: no $name.expected"; fail=$((fail + 1)); continue
    fi
    expected=$(cat "$name.expected")
    want=0
    grep -q ': error: ' "$name.expected" && want=1
    why=""
    if [[ $status -ne $want ]]; then
        why="exit status $status, expected $want"
    elif [[ "$actual" != "$expected" ]]; then
        why="output differs"$'\n'$(diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 's/^/    /')
    else
        while read -r pos; do
            IFS=: read -r line col <<<"$pos"
            why=$(LC_ALL=C.UTF-8 check_at "$xml" "$line" "$col")
            [[ -n $why ]] && break
        done < <(grep -o "$xml:[0-9]*:[0-9]*" <<<"$actual" | sed "s/^$xml://")
    fi
    if [[ -z $why ]] && grep -q 'information of label' <<<"$actual"; then
        dot=$(LC_ALL=C.UTF-8 "$tool" graph "$xml" -o - 2>/dev/null)
        grep -q 'color=red' <<<"$dot" || why="graph marks no violating edge"
    elif [[ -z $why && $want -eq 0 ]] && grep -q '<flow_policy' "$xml"; then
        dot=$(LC_ALL=C.UTF-8 "$tool" graph "$xml" -o - 2>/dev/null)
        grep -q 'color=red' <<<"$dot" && why="graph marks a violating edge where there is none"
        if [[ -z $why ]] && command -v xmllint >/dev/null; then
            xmllint --noout --relaxng "$schema" "$xml" 2>/dev/null || why="the schema refuses it"
        fi
    fi
    if [[ -n $why ]]; then
        echo "FAIL: flow/$name: $why"; fail=$((fail + 1))
    else
        echo "PASS: flow/$name"; pass=$((pass + 1))
    fi
done
echo "flow: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
