#!/usr/bin/env bash
# The kvstore-host suite: the tests of the real store, then the two broken builds, each of
# which must be caught; and the power-cut checker script's own tests.
#   run-host.sh BUILD_DIR RUNS FIRST
set -u
dir=$1 runs=$2 first=$3
here=$(dirname "$0")
rc=0
"$dir/test-kvstore" "$runs" "$first" || rc=1
"$dir/test-kvstore-broken-ack-before-flush" || rc=1
"$dir/test-kvstore-broken-super-before-data" || rc=1
python3 "$here/test_check_acks.py" || rc=1
exit $rc
