#!/usr/bin/env bash
# Golden tests of `bastion check` diagnostics.
#
#   run-golden.sh BASTION DIR EXPECTED_STATUS
#
# For every tests/tool/DIR/NAME.xml, runs `bastion check NAME.xml` inside that directory
# and compares its stderr with NAME.expected, byte for byte, and its exit status with
# EXPECTED_STATUS. It also checks that every FILE:LINE:COL position really points at the
# element ('<' followed by the element named in the message) or at the start of an
# attribute named in the message, so columns stay right even if an expectation is
# regenerated carelessly. Prints PASS/FAIL per case.
#
# Set BLESS=1 to (re)write the .expected files from the current output.
set -uo pipefail

tool=$1 dir=$2 want_status=$3
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/$dir" || exit 1

# check_position FILE MESSAGE-LINE: prints why the position is wrong, or nothing.
check_position() {
    local file=$1 msg=$2
    [[ $msg =~ ^[^:]+:([0-9]+):([0-9]+):\ (error|warning):\ (.*)$ ]] || return 0
    local line=${BASH_REMATCH[1]} col=${BASH_REMATCH[2]} rest=${BASH_REMATCH[4]}
    [[ $rest == "<"* ]] || return 0 # syntax errors: libxml2's position, not ours
    local elem=${rest#<} text
    elem=${elem%%>*}
    # Columns count characters, so read the line as characters.
    text=$(sed -n "${line}p" "$file")
    local at=${text:$((col - 1))}
    if [[ $at == "<$elem"* ]]; then
        return 0
    fi
    local word=${at%%=*}
    if [[ $word =~ ^[a-z_][a-z0-9_]*$ && $rest == *"$word"* ]]; then
        return 0
    fi
    echo "position $line:$col points at '${at:0:20}', not at <$elem> or an attribute it names"
}

for xml in *.xml; do
    name=${xml%.xml}
    actual=$(LC_ALL=C.UTF-8 "$tool" check "$xml" 2>&1 >/dev/null)
    status=$?
    if [[ -n "${BLESS:-}" ]]; then
        printf '%s\n' "$actual" >"$name.expected"
    fi
    if [[ ! -f "$name.expected" ]]; then
        echo "FAIL: $dir/$name: no $name.expected"
        continue
    fi
    expected=$(cat "$name.expected")
    if [[ $status -ne $want_status ]]; then
        echo "FAIL: $dir/$name: exit status $status, expected $want_status"
        continue
    fi
    if [[ "$actual" != "$expected" ]]; then
        echo "FAIL: $dir/$name: output differs"
        diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | sed 's/^/    /'
        continue
    fi
    why=""
    while IFS= read -r msg; do
        why=$(LC_ALL=C.UTF-8 check_position "$xml" "$msg")
        [[ -n $why ]] && break
    done <<<"$actual"
    if [[ -n $why ]]; then
        echo "FAIL: $dir/$name: $why"
        continue
    fi
    echo "PASS: $dir/$name"
done
