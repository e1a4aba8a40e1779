#!/usr/bin/env bash
# The back-off test's timing check (system.xml says what the system does).
#
#   check.sh LOG [BACKOFF_MS RESTARTS]
#
# LOG is the boot's serial log. The crasher printed "crasher: generation G at T ms" for
# G = 0 .. RESTARTS. Restart G+1 follows fault G after BACKOFF_MS << min(G, 6) ms: the gap
# between the starts of G and G+1 must be at least that (the delay is counted from the
# fault, which comes after the print), and at most 1.5 times it plus 1000 ms (TCG and a
# loaded host delay a timer's wake-up, but not by seconds). Exits non-zero, saying why,
# otherwise prints the gaps.
set -uo pipefail
log=$1 backoff=${2:-10} restarts=${3:-8}
awk -v backoff="$backoff" -v restarts="$restarts" '
    /^crasher: generation [0-9]+ at [0-9]+ ms/ { at[$3] = $5; seen++ }
    END {
        if (seen != restarts + 1) {
            printf "expected %d starts of the crasher, found %d\n", restarts + 1, seen
            exit 1
        }
        for (g = 0; g < restarts; g++) {
            if (!(g in at) || !((g + 1) in at)) { printf "generation %d or %d missing\n", g, g + 1; exit 1 }
            delay = backoff * 2 ^ (g < 6 ? g : 6)
            gap = at[g + 1] - at[g]
            if (gap < delay) { printf "restart %d came %d ms after the last start, before its delay of %d ms\n", g + 1, gap, delay; exit 1 }
            if (gap > 1.5 * delay + 1000) { printf "restart %d came %d ms after the last start, long after its delay of %d ms\n", g + 1, gap, delay; exit 1 }
            gaps = gaps sprintf(" %d/%d", gap, delay)
        }
        printf "gaps (ms, measured/delay):%s\n", gaps
    }' "$log"
