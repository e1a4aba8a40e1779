# The coverage-guided system-call fuzzer for the real kernel (tests/system/kcovfuzz;
# docs/testing.md, "Coverage-guided fuzzing in QEMU").
#
#   system-kcov-fuzz   the default kernel has no coverage code; the coverage kernel
#                      (KCOV=1, clang, in $(BUILD)/kcov) boots the fuzzing root task: the
#                      counters' checks, then KCOV_SUITE_CALLS random calls and as many
#                      coverage-guided ones, which must reach at least as many edges
#   make fuzz-qemu     the same with FUZZ_QEMU_CALLS calls a run (default 1000000) and
#                      FUZZ_QEMU_SEED (other random numbers)
#
# The root task shares the random system-call test's generator, sandbox and harness
# (tests/system/roottask); it is built with the tree's compiler, the kernel with clang
# (gcc has no -fsanitize-coverage=trace-pc-guard).

KCOVFUZZ_SRCS := tests/system/kcovfuzz/kcovfuzz.c $(ROOTTASK_COMMON) \
    $(addprefix $(ROOTTASK_DIR)/,fuzz_calls.c fuzz_sandbox.c)
KCOVFUZZ_ELF := $(BUILD)/user/kcovfuzz.elf
$(eval $(call user_program,kcovfuzz,$(KCOVFUZZ_SRCS)))

KCOV_BUILD := $(BUILD)/kcov
KCOV_KERNEL_BIN := $(KCOV_BUILD)/kernel/bastion.bin
KCOV_SUITE_CALLS ?= 100000
FUZZ_QEMU_CALLS ?= 1000000
FUZZ_QEMU_SEED ?= 0

# The coverage kernel's build, under a lock: `make test` builds it in its host lane
# (kcov-kernel, in HOST_LANE_BUILDS) while the QEMU lane runs, and the suite's own build
# then waits for that one instead of racing it.
KCOV_KERNEL_BUILD = flock $(BUILD)/kcov-kernel.lock $(MAKE) --no-print-directory -j$(JOBS) \
    CC=clang KCOV=1 BUILD=$(KCOV_BUILD) kernel
HOST_LANE_BUILDS += kcov-kernel

.PHONY: kcov-kernel
kcov-kernel:
	$(Q)mkdir -p $(BUILD) && $(KCOV_KERNEL_BUILD) >$(BUILD)/kcov-kernel.log 2>&1 || true

# kcov_run(NAME, CALLS, TIMEOUT, SEED): build the coverage kernel, boot it with the fuzzer.
kcov_run = if $(KCOV_KERNEL_BUILD); \
	then echo "PASS: kcov/build"; else echo "FAIL: kcov/build: see log"; exit 1; fi; \
	scripts/qemu-run.sh --image $(KCOV_KERNEL_BIN) --module $(KCOVFUZZ_ELF) --append "" \
	    --harness-args "calls=$(2) seed=$(4)" --name $(1) --timeout $(3) --test-timeout $(3) \
	    --log $(BUILD)/test-logs/$(1).log \
	    --expect "^kcov: random: kernel [1-9][0-9]*/[0-9]+ edges" \
	    --expect "^kcov: feedback: kernel [1-9][0-9]*/[0-9]+ edges"

TEST_SUITES += system-kcov-fuzz

.PHONY: suite-system-kcov-fuzz fuzz-qemu
suite-system-kcov-fuzz: $(KCOVFUZZ_ELF) $(KERNEL_ELF)
	$(Q)scripts/run-suite.sh system-kcov-fuzz $(BUILD)/test-results -- bash -c '\
	    if $(NM) $(KERNEL_ELF) | grep -qE " (__sanitizer_cov_trace_pc_guard|kcov_guards_start)$$"; \
	    then echo "FAIL: kcov/default-kernel-uninstrumented"; \
	    else echo "PASS: kcov/default-kernel-uninstrumented"; fi; \
	    $(call kcov_run,kcov-fuzz,$(KCOV_SUITE_CALLS),150,0)'

fuzz-qemu: $(KCOVFUZZ_ELF)
	$(Q)$(call kcov_run,kcov-fuzz-long,$(FUZZ_QEMU_CALLS),3600,$(FUZZ_QEMU_SEED))
