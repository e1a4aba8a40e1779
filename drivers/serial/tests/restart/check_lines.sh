#!/usr/bin/env bash
# check_lines.sh COM2_LOG LINES: every line on COM2 must be exactly the next line of
# client a or b (restart_client.c: "NAME NNNN PAYLOAD", the payload a function of the
# name and the number), and each client's LINES lines must all be there, in order, once.
# Prints PASS/FAIL lines; exits 1 on a failure.
log=$1 want=$2
awk -v want="$want" '
function payload(name, n,   s, k, c) {
    c = (name == "a") ? 97 : 98; s = ""
    for (k = 0; k < 48; k++) s = s sprintf("%c", 97 + (n * 7 + k * 3 + c) % 26)
    return s
}
{
    sub(/\r$/, "")
    name = substr($0, 1, 1)
    if ((name != "a" && name != "b") || $0 != sprintf("%s %04d %s", name, next_n[name], payload(name, next_n[name]))) {
        bad++
        if (bad <= 5) printf "FAIL: restart/com2: line %d is not the next line of a client: %s\n", NR, $0
        next
    }
    next_n[name]++
}
END {
    for (c = 0; c < 2; c++) {
        name = c ? "b" : "a"
        if (next_n[name] != want) { bad++; printf "FAIL: restart/com2: client %s: %d of %d lines\n", name, next_n[name], want }
    }
    if (bad) exit 1
    printf "PASS: restart/com2: %d lines of a and b, each whole, once, in order\n", 2 * want
}' "$log"
