# Test-suite registry.
#
# A part of the tree registers a suite by adding its name to TEST_SUITES and giving a
# rule for `suite-<name>` that runs it through scripts/run-suite.sh, e.g.
#
#   TEST_SUITES += cap-host
#   suite-cap-host: $(BUILD)/tests/cap_test
#   	$(Q)scripts/run-suite.sh cap-host $(BUILD)/test-results -- $<
#
# run-suite.sh records the suite's result lines ("PASS: name" / "FAIL: name: why") in
# $(BUILD)/test-results/<name>.txt; `make test` adds them all up at the end.
# `make suite-<name>` runs one suite on its own.

TEST_SUITES :=
# Builds that `make test` runs in its host lane, before that lane's suites, so that a
# QEMU-lane suite needing them finds them built (see `test` in the Makefile). Each must
# hold a lock that the suite's own build also takes.
HOST_LANE_BUILDS :=
ALL_TARGETS :=
BENCH_TARGETS :=
