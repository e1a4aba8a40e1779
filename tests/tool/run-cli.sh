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
# Quiet but for one warning that the (unbuilt) program images were not checked.
[[ ! -s out.txt && $(wc -l <err.txt) -eq 1 ]] &&
    grep -q "^system.xml:7:20: warning: <program_image> in protection_domain 'server': program image 'server.elf' (and 1 more) is not in the search path (.), so it was not checked;" err.txt &&
    echo "PASS: cli/quiet-on-success-but-unchecked-images" ||
    echo "FAIL: cli/quiet-on-success-but-unchecked-images: $(cat err.txt)"
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

# ---- Issue 27: hostile and large descriptions -------------------------------------------
gen=$here/scale/gen-large.sh
# 10,000 regions all named 'dup': each duplicate is reported once (not against every
# earlier one), and only the first --max-errors (default 50) errors are printed, then one
# line; so are the warnings (9,999 regions are not mapped): at most 102 lines in all.
"$gen" 10000 dup >dups.xml
"$tool" check dups.xml >out.txt 2>err.txt
got=$?
lines=$(wc -l <err.txt)
if [[ $got -eq 1 && $lines -eq 102 && $(grep -c "already used at line 3;" err.txt) -eq 50 &&
      $(grep -c "error: too many errors: 9949 more not shown" err.txt) -eq 1 &&
      $(grep -c "warning: too many warnings: 9949 more not shown" err.txt) -eq 1 ]]; then
    echo "PASS: cli/duplicates-capped"
else
    echo "FAIL: cli/duplicates-capped: status $got, $lines lines, last: $(tail -1 err.txt | cut -c1-120)"
fi
"$tool" check dups.xml --max-errors 0 >out.txt 2>err.txt
[[ $(grep -c "error: <memory_region> 'dup': memory_region name 'dup' is already used at line 3;" err.txt) -eq 9999 ]] &&
    echo "PASS: cli/max-errors-0-shows-each-duplicate-once" ||
    echo "FAIL: cli/max-errors-0-shows-each-duplicate-once: $(grep -c 'already used' err.txt) lines"
"$tool" check dups.xml --max-errors 3 >out.txt 2>err.txt
[[ $(grep -c "already used" err.txt) -eq 3 ]] && grep -q "too many errors: 9996 more" err.txt &&
    echo "PASS: cli/max-errors-3" || echo "FAIL: cli/max-errors-3: $(tail -1 err.txt)"
status max-errors-not-a-number 2 "$tool" check system.xml --max-errors many
# A large legal description (20,000 regions and maps) is checked, and a duplicate in it
# found; how the time grows with size is measured by tests/tool/scale/measure-scaling.sh.
"$gen" 20000 >large.xml
status large-description 0 "$tool" check large.xml
sed 's/name="r19999"/name="r7"/; s/mr="r19999"/mr="r7"/' large.xml >large-dup.xml
"$tool" check large-dup.xml >out.txt 2>err.txt
grep -q "memory_region name 'r7' is already used at line 10;" err.txt && [[ $(grep -c error: err.txt) -eq 1 ]] &&
    echo "PASS: cli/large-description-duplicate" || echo "FAIL: cli/large-description-duplicate: $(head -2 err.txt)"

# Command line.
status help-word 0 "$tool" help
status help-short 0 "$tool" -h
"$tool" check system.xml --jsn x.json >out.txt 2>err.txt
grep -q "unknown option '--jsn'; did you mean '--json'?" err.txt && echo "PASS: cli/option-suggestion" ||
    echo "FAIL: cli/option-suggestion: $(head -1 err.txt)"
status json-to-stdout 0 "$tool" check system.xml --json -
[[ $(head -c 1 out.txt) == "{" && ! -e ./- ]] && echo "PASS: cli/json-to-stdout-content" ||
    echo "FAIL: cli/json-to-stdout-content"
status graph-to-stdout 0 "$tool" graph system.xml -o -
grep -q "^digraph system" out.txt && echo "PASS: cli/graph-to-stdout-content" ||
    echo "FAIL: cli/graph-to-stdout-content"

# Outputs are whole or absent: a failed run removes the outputs it was asked for, so a
# later step cannot take one from an earlier run for current; a good run leaves no
# temporary file beside them.
mkdir -p stale && echo stale >stale/system.spec && echo stale >stale.json && echo stale >stale.txt
status failed-build 1 "$tool" build "$here/errors/map-overlap.xml" -o stale --json stale.json --report stale.txt
[[ ! -e stale/system.spec && ! -e stale.json && ! -e stale.txt ]] &&
    echo "PASS: cli/failed-build-leaves-no-stale-output" ||
    echo "FAIL: cli/failed-build-leaves-no-stale-output: $(ls stale stale.* 2>/dev/null)"
echo stale >stale.dot
status failed-graph 1 "$tool" graph "$here/errors/map-overlap.xml" -o stale.dot
[[ ! -e stale.dot ]] && echo "PASS: cli/failed-graph-leaves-no-stale-output" ||
    echo "FAIL: cli/failed-graph-leaves-no-stale-output"
status good-outputs 0 "$tool" check system.xml --json fresh.json --report fresh.txt
[[ -s fresh.json && -s fresh.txt && -z $(ls | grep '\.tmp-') ]] &&
    echo "PASS: cli/outputs-without-temporaries" || echo "FAIL: cli/outputs-without-temporaries: $(ls)"

# Sizes: the RAM the system needs is in the report and the JSON; --ram makes more an error.
status ram-report 0 "$tool" check system.xml --report ram.txt --json ram.json
grep -q "^RAM needed: 0x10000 bytes (regions 0x2000, stacks and IPC buffers 0xe000" ram.txt &&
    grep -q '"ram_needed"' ram.json && echo "PASS: cli/ram-in-report-and-json" ||
    echo "FAIL: cli/ram-in-report-and-json"
status ram-enough 0 "$tool" check system.xml --ram 64K
status ram-too-little 1 "$tool" check system.xml --ram 0xf000
grep -q "error: <memory_region> 'shared': the system needs 0x10000 bytes of RAM (regions 0x2000, stacks 0xe000), more than the machine's 0xf000 (--ram)" err.txt &&
    echo "PASS: cli/ram-too-little-message" || echo "FAIL: cli/ram-too-little-message: $(head -1 err.txt)"
status ram-not-a-size 2 "$tool" check system.xml --ram lots

# CPUs (issue 20): --cpus N makes a PD's cpu of N or above a located error; the
# supervisor example has a PD on CPU 1.
cp "$here/good/supervisor.xml" cpus.xml
status cpus-enough 0 "$tool" check cpus.xml --cpus 2
status cpus-too-few 1 "$tool" check cpus.xml --cpus 1
grep -q "^cpus.xml:17:81: error: <protection_domain> 'logger' in protection_domain 'supervisor': cpu 1: the machine has 1 CPU (--cpus), numbered from 0; choose one of them" err.txt &&
    echo "PASS: cli/cpus-too-few-message" || echo "FAIL: cli/cpus-too-few-message: $(head -1 err.txt)"
status cpus-without 0 "$tool" check cpus.xml
status cpus-not-a-number 2 "$tool" check cpus.xml --cpus 0
status cpus-too-many 2 "$tool" check cpus.xml --cpus 65

# UTF-16 (little- and big-endian, with a byte order mark): columns count characters as
# for UTF-8 (the duplicate name attribute is at column 18 of line 4).
{ printf '<?xml version="1.0" encoding="UTF-16"?>\n'; cat "$here/errors/mr-duplicate-name.xml"; } >utf8.xml
iconv -f UTF-8 -t UTF-16 utf8.xml >utf16.xml
{ printf '\xfe\xff'; iconv -f UTF-8 -t UTF-16BE utf8.xml; } >utf16be.xml
for f in utf16 utf16be; do
    "$tool" check $f.xml >out.txt 2>err.txt
    grep -q "^$f.xml:4:18: error: <memory_region> 'm': memory_region name 'm' is already used at line 3;" err.txt &&
        grep -q "^$f.xml:4:3: warning:" err.txt && echo "PASS: cli/$f-columns" ||
        echo "FAIL: cli/$f-columns: $(cat err.txt)"
done
printf '\xff\xfe<\0s\0\0\xd8' >bad16.xml # an unpaired surrogate
status bad-utf16 1 "$tool" check bad16.xml

# The picture: a legend, channel ids marked as ids, and domains drawn as clusters.
"$tool" graph "$here/good/supervisor.xml" -o legend.dot 2>/dev/null
grep -q "subgraph cluster_legend" legend.dot && grep -q 'taillabel="id ' legend.dot &&
    grep -A5 "subgraph cluster_domain1" legend.dot | grep -q 'label="domain best_effort"' &&
    echo "PASS: cli/graph-legend-and-domain-clusters" || echo "FAIL: cli/graph-legend-and-domain-clusters"
