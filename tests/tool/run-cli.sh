#!/usr/bin/env bash
# Command-line tests of `bastion`: help, version, exit statuses, usage errors, quiet
# success, report and picture outputs.
#
#   run-cli.sh BASTION WORKDIR
set -uo pipefail

tool=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
cp "$here/good/echo-server.xml" system.xml

# status NAME WANT COMMAND...: the exit status of COMMAND must be WANT.
status() {
    local name=$1 want=$2
    shift 2
    "$@" >out.txt 2>err.txt
    local got=$?
    if [[ $got -eq $want ]]; then
        echo "PASS: cli/$name"
    else
        echo "FAIL: cli/$name: exit status $got, expected $want: $(head -2 err.txt)"
    fi
}

status help 0 "$tool" --help
grep -q "exit status: 0 success, 1 errors" out.txt && echo "PASS: cli/help-documents-exit-status" ||
    echo "FAIL: cli/help-documents-exit-status"
status version 0 "$tool" --version
grep -q "^bastion [0-9]" out.txt && echo "PASS: cli/version-text" || echo "FAIL: cli/version-text"
status no-command 2 "$tool"
status unknown-command 2 "$tool" frobnicate system.xml
status unknown-option 2 "$tool" check system.xml --frob
status missing-file-arg 2 "$tool" check
status two-files 2 "$tool" check system.xml other.xml
status build-needs-output 2 "$tool" build system.xml
status check-takes-no-output 2 "$tool" check system.xml -o x
status option-needs-value 2 "$tool" check system.xml --json
status missing-file 3 "$tool" check does-not-exist.xml
status description-error 1 "$tool" check "$here/errors/map-overlap.xml"
status check-ok 0 "$tool" check system.xml
[[ ! -s out.txt && ! -s err.txt ]] && echo "PASS: cli/quiet-on-success" || echo "FAIL: cli/quiet-on-success"
status report 0 "$tool" check system.xml --report report.txt
grep -q "protection domain server" report.txt && echo "PASS: cli/report-content" ||
    echo "FAIL: cli/report-content"
status build-without-images 1 "$tool" build system.xml -o image
status unwritable-json 3 "$tool" check system.xml --json /nonexistent/dir/x.json
status graph-dot 0 "$tool" graph system.xml -o system.dot
grep -q "^digraph system" system.dot && echo "PASS: cli/graph-dot-content" || echo "FAIL: cli/graph-dot-content"
if command -v dot >/dev/null; then
    status graph-svg 0 "$tool" graph system.xml -o system.svg
    grep -q "<svg" system.svg && echo "PASS: cli/graph-svg-content" || echo "FAIL: cli/graph-svg-content"
    status graph-png 0 "$tool" graph system.xml -o system.png
    [[ $(head -c 4 system.png | od -An -c | tr -d ' ') == "211PNG" ]] &&
        echo "PASS: cli/graph-png-content" || echo "FAIL: cli/graph-png-content"
fi
status graph-bad-extension 2 "$tool" graph system.xml -o system.jpg
status graph-of-bad-system 1 "$tool" graph "$here/errors/map-overlap.xml" -o bad.svg
