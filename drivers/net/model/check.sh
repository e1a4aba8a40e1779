#!/usr/bin/env bash
# Model-check the network receive handover (rx_lending.pml) with Spin: the suite net-model.
#
#   check.sh WORK_DIR
#
# Exhaustive searches (no bitstate hashing, no depth cut-off), each one result line:
#   net-model/safety                   the main configuration (2 buffers, client rings of
#                                      1, 4 frames): assertions and invalid end states
#                                      (deadlock, or a side waiting for ever), no claim
#   net-model/ltl/<name>               each LTL property of the model, main configuration
#   net-model/<config>/safety          the same in other configurations:
#                                      wide      3 buffers, client rings of 2, 3 frames
#                                      fine      every side statement for statement
#                                                (FINE_PEERS), 1 buffer, 1 frame
#                                      hostile   client 1 returns one buffer of its
#                                                choosing out of turn (HOSTILE): 2
#                                                buffers, 2 frames; hostile-reuse: 1
#                                                buffer, 4 frames
#   net-model/broken/<config>/<variant>  the model broken on purpose must be caught:
#                                      return-on-first (main, fine) must violate the
#                                      ownership assertion; no-recheck (main, fine) must
#                                      end in an invalid end state and violate
#                                      no_lost_wakeup; trust-returns (hostile) must
#                                      violate the ownership assertion
# State counts and times are in the log. Needs spin and a C compiler for pan.c.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: check.sh WORK_DIR}
cc=${PAN_CC:-gcc}
model=$here/rx_lending.pml
properties=(no_lost_wakeup exclusive_ownership driver_wakes virt_wakes clients_wake terminates)
# The other configurations: name and spin defines.
declare -A configs=(
    [wide]="-DNBUF=3 -DCAP=2 -DFRAMES=3"
    [fine]="-DFINE_PEERS -DNBUF=1 -DCAP=1 -DFRAMES=1"
    [hostile]="-DHOSTILE -DNBUF=2 -DCAP=2 -DMAX_HELD=1 -DFRAMES=2"
    [hostile-reuse]="-DHOSTILE -DNBUF=1 -DCAP=2 -DMAX_HELD=1 -DFRAMES=4"
    [passes]="-DPASSES=4"
)
# The broken variants: configuration and variant.
broken=(main:BROKEN_RETURN_ON_FIRST main:BROKEN_NO_RECHECK fine:BROKEN_RETURN_ON_FIRST
    fine:BROKEN_NO_RECHECK hostile:BROKEN_TRUST_RETURNS passes:BROKEN_FLAGS_AFTER_LAST)

command -v spin >/dev/null || { echo "FAIL: net-model/spin: spin is not installed"; exit 1; }

# build NAME OPT LTL [SPIN_DEFINES...]: pan (no claim) and, if LTL is 1, pan-ltl (the
# claims) for one configuration, compiled side by side.
build() {
    local dir=$work/$1 opt=$2 ltl=$3
    shift 3
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && spin "$@" -a "$model" >spin.log 2>&1) || return 1
    local safety claims=
    (cd "$dir" && $cc "$opt" -w -DSAFETY -DNOCLAIM -o pan pan.c) &
    safety=$!
    if [[ $ltl == 1 ]]; then
        (cd "$dir" && $cc "$opt" -w -o pan-ltl pan.c) &
        claims=$!
    fi
    wait "$safety" && { [[ -z $claims ]] || wait "$claims"; }
}

# search NAME OUT PAN [ARGS...]: run pan, keep its output in OUT.out, show the summary.
search() {
    local name=$1 out=$2 dir=$work/$1
    shift 2
    (cd "$dir" && "$@" -m1000000 >"$out.out" 2>&1)
    echo "--- $name $out: $*"
    grep -E 'errors:|states, stored|pan:[0-9]|elapsed|depth too small' "$dir/$out.out"
}

# A full search that found nothing and was not cut short.
exhaustive_clean() {
    grep -q 'errors: 0' "$1" && ! grep -q 'depth too small' "$1" && grep -q 'states, stored' "$1"
}

states() {
    sed -n 's/^ *\([0-9][0-9e+.]*\) states, stored.*/\1/p' "$1" | head -1
}

# clean_safety NAME LABEL: the safety search of a configuration, as one result line.
clean_safety() {
    search "$1" safety ./pan
    if exhaustive_clean "$work/$1/safety.out"; then
        echo "PASS: net-model/$2 ($(states "$work/$1/safety.out") states)"
    else
        echo "FAIL: net-model/$2: see $work/$1/safety.out"
    fi
}

# Each configuration is one job; up to MODEL_JOBS (default: the CPUs) run at once, and
# their result lines are printed in the order below, whatever order they finish in.
check_main() {
    if build main -O2 1; then
        clean_safety main safety
        for p in "${properties[@]}"; do
            search main "$p" ./pan-ltl -a -N "$p"
            if exhaustive_clean "$work/main/$p.out"; then
                echo "PASS: net-model/ltl/$p ($(states "$work/main/$p.out") states)"
            else
                echo "FAIL: net-model/ltl/$p: see $work/main/$p.out"
            fi
        done
    else
        echo "FAIL: net-model/build: spin -a or pan did not build (see $work/main)"
    fi
}

check_config() {
    local config=$1
    # shellcheck disable=SC2086 # the defines are words
    if build "$config" -O2 0 ${configs[$config]}; then
        clean_safety "$config" "$config/safety"
    else
        echo "FAIL: net-model/$config/build: did not build (see $work/$config)"
    fi
}

check_broken() {
    local config=${1%%:*} variant=${1#*:} name dir
    name=$(echo "$variant" | tr 'A-Z_' 'a-z-')
    name=${name#broken-}
    dir=$config-$name
    # shellcheck disable=SC2086
    if ! build "$dir" -O0 1 ${configs[$config]:-} "-D$variant"; then
        echo "FAIL: net-model/broken/$config/$name: did not build"
        return
    fi
    search "$dir" safety ./pan
    case $variant in
    BROKEN_FLAGS_AFTER_LAST)
        if grep -q 'invalid end state' "$work/$dir/safety.out" &&
            grep -q 'errors: 1' "$work/$dir/safety.out"; then
            echo "PASS: net-model/broken/$config/$name (caught: a frame left without a signal)"
        else
            echo "FAIL: net-model/broken/$config/$name: the lost wake-up was not caught"
        fi
        ;;
    BROKEN_NO_RECHECK)
        search "$dir" no_lost_wakeup ./pan-ltl -a -N no_lost_wakeup
        if grep -q 'invalid end state' "$work/$dir/safety.out" &&
            grep -q 'errors: 1' "$work/$dir/safety.out" &&
            grep -q 'errors: 1' "$work/$dir/no_lost_wakeup.out"; then
            echo "PASS: net-model/broken/$config/$name (caught: lost wake-up)"
        else
            echo "FAIL: net-model/broken/$config/$name: the lost wake-up was not caught"
        fi
        ;;
    *)
        # the ownership assertion of give_to_driver(): no client may still read it
        if grep -q 'errors: 1' "$work/$dir/safety.out" &&
            grep -q 'assertion violated.*lent\[.*drv_side' "$work/$dir/safety.out"; then
            echo "PASS: net-model/broken/$config/$name (caught: ownership assertion)"
        else
            echo "FAIL: net-model/broken/$config/$name: not caught"
        fi
        ;;
    esac
}

mkdir -p "$work"
jobs_max=${MODEL_JOBS:-$(nproc)}
results=()
# start NAME COMMAND...: run a job once fewer than jobs_max are running; its output goes
# to $work/NAME.result.
start() {
    local name=$1
    shift
    while (($(jobs -rp | wc -l) >= jobs_max)); do
        wait -n
    done
    "$@" >"$work/$name.result" 2>&1 &
    results+=("$work/$name.result")
}

start main check_main
for config in wide fine hostile hostile-reuse passes; do
    start "config-$config" check_config "$config"
done
for entry in "${broken[@]}"; do
    start "broken-${entry/:/-}" check_broken "$entry"
done
wait
cat "${results[@]}"
