#!/usr/bin/env bash
# Model-check the queue signalling protocol (queue.pml) with Spin: the suite queue-model.
#
#   check.sh WORK_DIR
#
# Exhaustive searches (no bitstate hashing, no depth cut-off), each one result line:
#   queue-model/safety                 assertions and invalid end states (deadlock or a
#                                      side waiting forever), no never claim
#   queue-model/ltl/<name>             each LTL property of the model (pan -a)
#   queue-model/broken/<variant>       the model broken on purpose must be caught: its
#                                      safety search must end in an invalid end state and
#                                      its no_lost_wakeup claim must be violated
# State counts and times are in the log. Needs spin and a C compiler for pan.c.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: check.sh WORK_DIR}
cc=${PAN_CC:-gcc}
properties=(no_lost_wakeup exclusive_ownership client_wakes driver_wakes terminates)
broken=(BROKEN_NO_RECHECK BROKEN_SIGNAL_BEFORE_CLEAR)

command -v spin >/dev/null || { echo "FAIL: queue-model/spin: spin is not installed"; exit 1; }

# build VARIANT OPT [SPIN_DEFINE]: pan (no claim) and pan-ltl (claims) for one variant,
# compiled side by side (compiling pan.c takes longer than most searches).
build() {
    local dir=$work/$1 opt=$2
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && spin ${3:+-D$3} -a "$here/queue.pml" >spin.log 2>&1) || return 1
    local safety ltl
    (cd "$dir" && $cc "$opt" -w -DNOCLAIM -o pan pan.c) &
    safety=$!
    (cd "$dir" && $cc "$opt" -w -o pan-ltl pan.c) &
    ltl=$!
    wait "$safety" && wait "$ltl"
}

# search VARIANT NAME PAN [ARGS...]: run pan, keep its output in NAME.out, show the summary.
search() {
    local variant=$1 name=$2 dir=$work/$1
    shift 2
    (cd "$dir" && "$@" -m1000000 >"$name.out" 2>&1)
    echo "--- $variant $name: $*"
    grep -E 'errors:|states, stored|pan:[0-9]|elapsed|depth too small' "$dir/$name.out"
}

# exhaustive FILE: a full search that found nothing and was not cut short.
exhaustive_clean() {
    grep -q 'errors: 0' "$1" && ! grep -q 'depth too small' "$1" && grep -q 'states, stored' "$1"
}

states() {
    sed -n 's/^ *\([0-9][0-9e+.]*\) states, stored.*/\1/p' "$1" | head -1
}

if build correct -O2; then
    search correct safety ./pan
    if exhaustive_clean "$work/correct/safety.out"; then
        echo "PASS: queue-model/safety ($(states "$work/correct/safety.out") states)"
    else
        echo "FAIL: queue-model/safety: see $work/correct/safety.out"
    fi
    for p in "${properties[@]}"; do
        search correct "$p" ./pan-ltl -a -N "$p"
        if exhaustive_clean "$work/correct/$p.out"; then
            echo "PASS: queue-model/ltl/$p ($(states "$work/correct/$p.out") states)"
        else
            echo "FAIL: queue-model/ltl/$p: see $work/correct/$p.out"
        fi
    done
else
    echo "FAIL: queue-model/build: spin -a or pan did not build (see $work/correct)"
fi

for variant in "${broken[@]}"; do
    name=$(echo "$variant" | tr 'A-Z_' 'a-z-')
    if ! build "$name" -O0 "$variant"; then
        echo "FAIL: queue-model/$name: did not build"
        continue
    fi
    search "$name" safety ./pan
    search "$name" no_lost_wakeup ./pan-ltl -a -N no_lost_wakeup
    if grep -q 'invalid end state' "$work/$name/safety.out" &&
        grep -q 'errors: 1' "$work/$name/safety.out" &&
        grep -q 'errors: 1' "$work/$name/no_lost_wakeup.out"; then
        echo "PASS: queue-model/$name (caught: lost wake-up)"
    else
        echo "FAIL: queue-model/$name: the broken protocol was not caught"
    fi
done
