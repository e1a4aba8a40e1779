#!/usr/bin/env bash
# Replays the checked-in fuzz corpus (tests/tool/fuzz/corpus) and every golden description
# through the fuzz entry point built with ASan + UBSan. A sanitizer report aborts the run,
# which run-suite.sh records as a failure.
#
#   run-fuzz-replay.sh FUZZ_REPLAY_BINARY
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$here" || exit 1
exec "$1" fuzz/corpus/* errors/*.xml warnings/*.xml good/*.xml
