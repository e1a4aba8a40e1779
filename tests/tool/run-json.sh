#!/usr/bin/env bash
# Positive tests: every tests/tool/good/NAME.xml must pass `bastion check` silently, its
# `--json` output must equal NAME.json and its `graph -o x.dot` output NAME.dot, and the
# shipped RELAX NG schema must accept it (when xmllint is installed).
#
#   run-json.sh BASTION        (BLESS=1 rewrites the expectations)
set -uo pipefail

tool=$1
here=$(cd "$(dirname "$0")" && pwd)
schema="$here/../../tool/schema/system.rng"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$here/good" || exit 1

# compare NAME KIND ACTUAL EXPECTED
compare() {
    if [[ -n "${BLESS:-}" ]]; then cp "$3" "$4"; fi
    if ! diff -u "$4" "$3" >"$out/diff"; then
        echo "FAIL: $1/$2: output differs from $4"
        sed 's/^/    /' "$out/diff" | head -40
        return 1
    fi
    echo "PASS: $1/$2"
}

for xml in *.xml; do
    name=${xml%.xml}
    # An empty search path directory: images are not built, so they are skipped.
    if ! "$tool" check "$xml" --search-path "$here/good" --json "$out/$name.json" \
        2>"$out/stderr"; then
        echo "FAIL: $name/check: exit status $?: $(head -3 "$out/stderr")"
        continue
    fi
    # Images are not built here: the one warning that says so is expected, nothing else.
    if [[ $(grep -vc "so it was not checked; build the programs first" "$out/stderr") -ne 0 ]]; then
        echo "FAIL: $name/check: not quiet: $(head -3 "$out/stderr")"
    else
        echo "PASS: $name/check"
    fi
    compare "$name" json "$out/$name.json" "$name.json"
    "$tool" graph "$xml" -o "$out/$name.dot" && compare "$name" dot "$out/$name.dot" "$name.dot"
    if command -v xmllint >/dev/null; then
        if xmllint --noout --relaxng "$schema" "$xml" 2>"$out/xmllint"; then
            echo "PASS: $name/schema"
        else
            echo "FAIL: $name/schema: $(head -3 "$out/xmllint")"
        fi
    fi
done
