# Proofs: Frama-C/WP shows the absence of run-time errors (and the contracts written in
# the code) for the queue library and the kernel's capability code (docs/testing.md,
# "Proofs"; tests/prove holds the runner and the specifications the proofs assume).
#
#   make prove             every unit; prints each function's proved goals and a summary,
#                          fails if any goal is unproved
#   make prove UNITS=cap   one unit (queue, cap, cspace)
#   make suite-prove       the same, as a `make test` suite
#
# PROVE_PAR (provers run at once, default 2) and PROVE_TIMEOUT (seconds a goal, default
# 10) tune a run. Logs and reports: $(BUILD)/prove. The suite allows 60 s a goal: in
# `make test` it runs at the lowest priority beside the QEMU suites (the host lane), and
# Why3's limit is wall-clock time; every goal proves in under a second on an idle core,
# so the longer limit changes no verdict, it only makes an unprovable goal fail later.

PROVE_OUT := $(BUILD)/prove

.PHONY: prove suite-prove
prove: deps
	$(Q)tests/prove/prove.py $(PROVE_OUT) $(UNITS)

TEST_SUITES += prove
suite-prove: deps
	$(Q)PROVE_TIMEOUT=$${PROVE_TIMEOUT:-60} scripts/run-suite.sh prove $(BUILD)/test-results -- \
	    tests/prove/prove.py $(PROVE_OUT)
