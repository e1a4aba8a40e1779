#!/usr/bin/env bash
# Check what the serial test system (test_client.c) printed on COM2.
#
#   check_com2.sh COM2_LOG
#
# Every line must be exactly one a test client prints (a data line, a ready/got/done line)
# or one of evil's (only the letters of "evil"): a line with bytes of two clients in it
# matches none of them. Each client's LINES data
# lines must all be there, once each, in order, and the input must have reached the
# client it was typed for. Prints PASS/FAIL lines; exits non-zero on a failure.
set -uo pipefail
log=$1 lines=40 payload=100

awk -v lines="$lines" -v payload="$payload" '
    function fail(what) { if (++failed <= 5) print "FAIL: serial/com2/" what }
    BEGIN { pa = "a"; pb = "b"; for (i = 1; i < payload; i++) { pa = pa "a"; pb = pb "b" } }
    { sub(/\r$/, "") }
    /^[ab] [0-9][0-9][0-9][0-9] [ab]+ end$/ {
        c = substr($0, 1, 1); seq = $2 + 0
        if ($3 != (c == "a" ? pa : pb)) { fail("whole-lines: line " NR " mixes clients: " $0); next }
        if (seq != next_seq[c]) { fail("order: line " NR ": " c " line " seq ", expected " next_seq[c]); }
        next_seq[c] = seq + 1; data[c]++
        next
    }
    /^[ab]: (ready|done)$/ { seen[$0] = 1; next }
    /^[evil]*$/ { evil++; next }
    /^[ab] got: / { got[substr($0, 1, 1)] = substr($0, 8); next }
    { fail("whole-lines: line " NR " is not a line a client printed: " $0) }
    END {
        for (k = 0; k < 2; k++) {
            c = k == 0 ? "a" : "b"
            if (data[c] != lines) fail("all-lines: client " c " has " data[c] + 0 " data lines, not " lines)
            if (!seen[c ": ready"] || !seen[c ": done"]) fail("all-lines: client " c " ready/done missing")
            if (got[c] != "to-" c) fail("input: client " c " got \"" got[c] "\", not \"to-" c "\"")
        }
        if (!failed) {
            print "PASS: serial/com2/whole-lines: " NR " lines (" evil + 0 " of them evil'"'"'s), none mixed"
            print "PASS: serial/com2/all-lines: " lines " lines of each client, in order"
            print "PASS: serial/com2/input: to-a reached a, Ctrl-A switched, to-b reached b"
        }
        if (failed > 5) print "FAIL: serial/com2/more: " failed - 5 " more failures"
        exit failed > 0
    }
' "$log"
