# The SMP kernel (issue 20; docs/kernel.md, "Several CPUs"): the kernel built with SMP=1
# (the kernel lock) in $(BUILD)/smp, beside the tree's single-CPU kernel.
#
#   system-smp-lock4   the root-task tests on 4 CPUs under multi-threaded TCG with the
#                      SMP kernel: the boot test of the kernel lock (every CPU takes it
#                      1000 times and increments a count by a load, 100 pauses and a
#                      store: the count must come out exact), the boot test of waking
#                      the idle APs (50 IPIs each, every handler run under the lock),
#                      the boot test of cross-CPU calls (100 to each AP, each served
#                      once without the lock) and every root-task test
#   system-smp-lock2   the same on 2 CPUs
#   make bench-smp     (in make bench) the benchmark root task under -icount on the SMP
#                      kernel: the same-CPU figures with the lock's cost, beside the
#                      single-CPU kernel's; then the cross-CPU figures on two CPUs
#                      (Signal to wake-up, Call round trip, TLB shootdown: smp-bench,
#                      tests/system/roottask/smp_bench.c) (tests/system/smp/bench-smp.sh)
#   system-smp-threads4/2  (below) threads on every CPU; make soak-smp-stress: the
#                      stress with 2000 rounds per worker on 4 CPUs
#
# In the lock suites the root-task tests run on CPU 0 while the others idle in their own
# scheduler loops; the threads suites (below) bind threads to every CPU.

SMP_BUILD := $(BUILD)/smp
SMP_KERNEL_BIN := $(SMP_BUILD)/kernel/bastion.bin

# The SMP kernel's build (recursively: another BUILD and SMP=1), under a lock: `make test`
# builds it in its host lane (smp-kernel, in HOST_LANE_BUILDS) while the QEMU lane runs,
# and a suite's own build then waits for that one instead of racing it.
SMP_KERNEL_BUILD = flock $(BUILD)/smp-kernel.lock $(MAKE) --no-print-directory -j$(JOBS) SMP=1 \
    BUILD=$(SMP_BUILD) kernel
HOST_LANE_BUILDS += smp-kernel

.PHONY: smp-kernel
smp-kernel:
	$(Q)mkdir -p $(BUILD)/test-logs && $(SMP_KERNEL_BUILD) >$(BUILD)/smp-kernel.log 2>&1 || true

# smp_kernel: build the SMP kernel, reported as a result line so that a failed build is a
# failed suite.
smp_kernel = if $(SMP_KERNEL_BUILD) >$(BUILD)/test-logs/smp-kernel-build.log 2>&1; \
	then echo "PASS: smp/kernel-build"; else echo "FAIL: smp/kernel-build: see log"; exit 1; fi

# smp_roottask(CPUS): the root-task tests on CPUS CPUs with the SMP kernel.
smp_roottask = $(smp_kernel); \
	scripts/qemu-run.sh --image $(SMP_KERNEL_BIN) --module $(ROOTTASK_ELF) $(ROOTTASK_QEMU_DEVICES) \
	    --append "" --smp $(1) --name roottask-smp-lock$(1) \
	    --log $(BUILD)/test-logs/roottask-smp-lock$(1).log \
	    --expect "^smp: $(1) of $(1) CPUs online" \
	    --expect "^smp: every AP has the boot CPU.s CR0, CR4, EFER, SYSCALL MSRs and XCR0" \
	    --expect "^smp: kernel lock: $(1) CPUs x [0-9]+ acquisitions, count [0-9]+: exact" \
	    --expect "^smp: wake-up: [0-9]+ IPIs to each of $$(($(1) - 1)) APs, each woke" \
	    --expect "^smp: cross-CPU calls: [0-9]+ to each of $$(($(1) - 1)) APs, each served once"

TEST_SUITES += system-smp-lock4 system-smp-lock2

# system-smp-threads2/4: the SMP tests (tests/system/roottask/smp.c: threads bound to each
# CPU, Call and Signal across CPUs, migration, the stale-TLB test, the concurrent stress
# and the invariant checks) from their own root task, on 2 and 4 CPUs.
SMP_TESTS_ELF := $(BUILD)/user/smp-tests.elf
$(eval $(call user_program,smp-tests,$(ROOTTASK_COMMON) $(ROOTTASK_DIR)/smp.c \
    $(ROOTTASK_DIR)/smp_irq.c $(ROOTTASK_DIR)/smp_main.c))
# The cross-CPU benchmarks' root task (bench-smp).
SMP_BENCH_ELF := $(BUILD)/user/smp-bench.elf
$(eval $(call user_program,smp-bench,$(ROOTTASK_COMMON) $(ROOTTASK_DIR)/smp_bench.c \
    $(ROOTTASK_DIR)/smp_bench_main.c))
$(BUILD)/lib/$(ROOTTASK_DIR)/smp_bench.c.o: USER_INC += -Ibench/include
# $(call smp_threads,CPUS,ROUNDS): ROUNDS of the stress per worker (4 CPUs take 20: on the
# shared 2-core host four emulated CPUs run at a fraction of one each); the timeout leaves
# room for a loaded host.
smp_threads = $(smp_kernel); \
	scripts/qemu-run.sh --image $(SMP_KERNEL_BIN) --module $(SMP_TESTS_ELF) \
	    --append "" --smp $(1) --name smp-threads$(1) --harness-args "cpus=$(1) rounds=$(2)" \
	    --timeout 120 --log $(BUILD)/test-logs/smp-threads$(1).log \
	    --expect "^smp: $(1) of $(1) CPUs online" \
	    --expect "^smp: stress: $$(($(1) - 1)) workers x [0-9]+ rounds.*invariants hold"

TEST_SUITES += system-smp-threads4 system-smp-threads2
.PHONY: suite-system-smp-threads4 suite-system-smp-threads2

suite-system-smp-threads4: $(SMP_TESTS_ELF)
	@mkdir -p $(BUILD)/test-logs
	$(Q)scripts/run-suite.sh system-smp-threads4 $(BUILD)/test-results -- \
	    bash -c '$(call smp_threads,4,20)'

# system-smp-pingpong2: the pingpong example (examples/pingpong: pong has cpu="1") on the
# SMP kernel with two CPUs: init binds pong's context to CPU 1's control cap, and the
# notifications and protected procedure calls between ping (CPU 0) and pong cross CPUs.
TEST_SUITES += system-smp-pingpong2
.PHONY: suite-system-smp-pingpong2
suite-system-smp-pingpong2: $(EXAMPLE_BUILD)/pingpong/modules.args
	@mkdir -p $(BUILD)/test-logs
	$(Q)scripts/run-suite.sh system-smp-pingpong2 $(BUILD)/test-results -- \
	    bash -c '$(smp_kernel); \
	    scripts/qemu-run.sh --image $(SMP_KERNEL_BIN) $$(cat $(EXAMPLE_BUILD)/pingpong/modules.args) \
	        --append "" --smp 2 --no-protocol --name smp-pingpong2 --timeout 60 \
	        --log $(BUILD)/test-logs/smp-pingpong2.log \
	        --expect "^init: PD .pong. runs on CPU 1" \
	        --expect "^ping: round 5: ppcall answered 10" \
	        --expect "^pingpong: 5 rounds of notifications and calls done"'

# system-smp-demo2: the demo (examples/demo: bob has cpu="1") on the SMP kernel with two
# CPUs: the token ring's notifications cross CPUs (alice and carol on CPU 0, bob on 1) and
# the passive counter serves tickets on the CPU of whichever client calls it.
TEST_SUITES += system-smp-demo2
.PHONY: suite-system-smp-demo2
suite-system-smp-demo2: $(EXAMPLE_BUILD)/demo/modules.args
	@mkdir -p $(BUILD)/test-logs
	$(Q)scripts/run-suite.sh system-smp-demo2 $(BUILD)/test-results -- \
	    bash -c '$(smp_kernel); \
	    scripts/qemu-run.sh --image $(SMP_KERNEL_BIN) $$(cat $(EXAMPLE_BUILD)/demo/modules.args) \
	        --append "" --smp 2 --no-protocol --name smp-demo2 --timeout 60 \
	        --log $(BUILD)/test-logs/smp-demo2.log \
	        --expect "^init: PD .bob. runs on CPU 1" \
	        --expect "^init: PD .counter. is passive: it runs on its callers. time" \
	        --expect "^carol: token \(pass 9, previous holder bob\): ticket 9, my 3\. call" \
	        --expect "^demo: 9 passes around 3 PDs done"'

# The long stress (make soak): 2000 rounds per worker on 4 CPUs, only the stress test.
SOAK_TARGETS += soak-smp-stress
.PHONY: soak-smp-stress
soak-smp-stress: $(SMP_TESTS_ELF)
	@mkdir -p $(BUILD)/test-logs
	$(Q)$(smp_kernel)
	$(Q)scripts/qemu-run.sh --image $(SMP_KERNEL_BIN) --module $(SMP_TESTS_ELF) --append "" \
	    --smp 4 --name smp-stress-soak --harness-args "cpus=4 rounds=2000" \
	    --timeout 1800 --test-timeout 1700 --log $(BUILD)/test-logs/smp-stress-soak.log \
	    --expect "^smp: stress: 3 workers x 2000 rounds.*invariants hold"

suite-system-smp-threads2: $(SMP_TESTS_ELF)
	@mkdir -p $(BUILD)/test-logs
	$(Q)scripts/run-suite.sh system-smp-threads2 $(BUILD)/test-results -- \
	    bash -c '$(call smp_threads,2,40)'
.PHONY: suite-system-smp-lock4 suite-system-smp-lock2 bench-smp

suite-system-smp-lock4: $(ROOTTASK_ELF)
	@mkdir -p $(BUILD)/test-logs
	$(Q)scripts/run-suite.sh system-smp-lock4 $(BUILD)/test-results -- \
	    bash -c '$(call smp_roottask,4)'

suite-system-smp-lock2: $(ROOTTASK_ELF)
	@mkdir -p $(BUILD)/test-logs
	$(Q)scripts/run-suite.sh system-smp-lock2 $(BUILD)/test-results -- \
	    bash -c '$(call smp_roottask,2)'

BENCH_TARGETS += bench-smp
bench-smp: $(KERNEL_BIN) $(BENCH_ROOTTASK_ELF) $(SMP_BENCH_ELF)
	@mkdir -p $(BUILD)/test-logs
	$(Q)$(smp_kernel)
	$(Q)tests/system/smp/bench-smp.sh $(KERNEL_BIN) $(SMP_KERNEL_BIN) $(BENCH_ROOTTASK_ELF) \
	    $(BUILD)/test-logs $(SMP_BENCH_ELF)
