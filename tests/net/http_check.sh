#!/usr/bin/env bash
# Check an HTTP status page: it must answer 200 within a timeout and contain every word.
#
#   http_check.sh [--timeout S] [--status CODE] URL [WORD...]
#
#   --timeout S    give up after S seconds, connecting included (default 10)
#   --status CODE  the status expected (default 200)
#
# Each WORD must occur in the body (fixed string, case-sensitive). Prints one summary
# line ("http_check PASS: ..." or "http_check FAIL: <why>"). Exit status: 0 pass, 1 fail
# (no answer, another status, a word missing), 2 bad usage.
set -uo pipefail

timeout_s=10 want_status=200
while [[ $# -gt 0 ]]; do
    case "$1" in
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --status) want_status=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "http_check: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
if [[ $# -lt 1 ]]; then
    echo "usage: http_check.sh [--timeout S] [--status CODE] URL [WORD...]" >&2
    exit 2
fi
url=$1
shift

body=$(mktemp)
trap 'rm -f "$body"' EXIT
status=$(curl --silent --show-error --max-time "$timeout_s" --output "$body" \
    --write-out '%{http_code}' "$url" 2>"$body.err")
rc=$?
if [[ $rc -ne 0 ]]; then
    echo "http_check FAIL: $url: no answer (curl exit $rc: $(head -c 200 "$body.err"))"
    rm -f "$body.err"
    exit 1
fi
rm -f "$body.err"
if [[ "$status" != "$want_status" ]]; then
    echo "http_check FAIL: $url: status $status, expected $want_status"
    exit 1
fi
missing=()
for word in "$@"; do
    grep -qF -- "$word" "$body" || missing+=("$word")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "http_check FAIL: $url: status $status but the page lacks: ${missing[*]}" \
        "(first 200 bytes: $(head -c 200 "$body" | tr '\n' ' '))"
    exit 1
fi
echo "http_check PASS: $url: status $status, $(wc -c <"$body") bytes, all $# words present"
