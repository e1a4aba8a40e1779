#!/usr/bin/env bash
# check_lines.sh COM2_LOG LINES MAX_LOST: the promise of a restarted transmit virtualiser
# (docs/drivers.md, "Restarting the serial virtualisers"). Every line on COM2 must be
# exactly a line of client a or b (restart_client.c: "NAME NNNN PAYLOAD", the payload a
# function of the name and the number): whole, never mixed, never two clients' bytes in
# one; each client's lines must come in order, each at most once. Lines may be lost (the
# ones in flight at a restart): their number is printed, and must be at most MAX_LOST.
# Prints PASS/FAIL lines; exits 1 on a failure.
log=$1 want=$2 max_lost=$3
awk -v want="$want" -v max_lost="$max_lost" '
function payload(name, n,   s, k, c) {
    c = (name == "a") ? 97 : 98; s = ""
    for (k = 0; k < 48; k++) s = s sprintf("%c", 97 + (n * 7 + k * 3 + c) % 26)
    return s
}
BEGIN { next_n["a"] = 0; next_n["b"] = 0 }
{
    sub(/\r$/, "")
    name = substr($0, 1, 1); n = substr($0, 3, 4) + 0
    if ((name != "a" && name != "b") || $0 != sprintf("%s %04d %s", name, n, payload(name, n))) {
        bad++
        if (bad <= 5) printf "FAIL: virt-restart/com2: line %d is not a whole line of a client: %s\n", NR, $0
        next
    }
    if (n < next_n[name]) {
        bad++
        if (bad <= 5) printf "FAIL: virt-restart/com2: line %d: %s %04d after %s %04d (repeated or out of order)\n", NR, name, n, name, next_n[name] - 1
        next
    }
    lost[name] += n - next_n[name]; seen[name]++
    next_n[name] = n + 1
}
END {
    for (c = 0; c < 2; c++) {
        name = c ? "b" : "a"
        lost[name] += want - next_n[name]
        total += lost[name]
    }
    if (total > max_lost) { bad++; printf "FAIL: virt-restart/com2: %d lines lost, more than %d\n", total, max_lost }
    if (seen["a"] == 0 || seen["b"] == 0) { bad++; printf "FAIL: virt-restart/com2: a client printed nothing\n" }
    if (bad) exit 1
    printf "PASS: virt-restart/com2: %d of %d lines of a and b, each whole, in order, at most once; %d lost (a %d, b %d)\n", seen["a"] + seen["b"], 2 * want, total, lost["a"], lost["b"]
}' "$log"
