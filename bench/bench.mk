# `make bench`: the benchmark suite (bench/run-bench.sh). Two images are booted under
# QEMU with -icount: the kernel's own benchmarks (kbench=all) and the benchmark root
# task (bench/roottask), which measures system calls and IPC from user space.
# Results: bench/results/.

BENCH_ROOTTASK_SRCS := $(wildcard bench/roottask/*.c) $(wildcard bench/roottask/*.S)
BENCH_ROOTTASK_ELF := $(BUILD)/user/bench-roottask.elf
$(eval $(call user_program,bench-roottask,$(BENCH_ROOTTASK_SRCS)))
$(patsubst %,$(BUILD)/lib/%.o,$(BENCH_ROOTTASK_SRCS)): USER_INC += -Ibench/include

BENCH_TARGETS += bench-icount

.PHONY: bench-icount
bench-icount: $(KERNEL_BIN) $(BENCH_ROOTTASK_ELF)
	$(Q)bench/run-bench.sh $(KERNEL_BIN) $(BENCH_ROOTTASK_ELF) bench/results

# The path-length regression check of `make test` (bench/limits.txt).
TEST_SUITES += bench-regression

.PHONY: suite-bench-regression
suite-bench-regression: $(KERNEL_BIN) $(BENCH_ROOTTASK_ELF)
	$(Q)scripts/run-suite.sh bench-regression $(BUILD)/test-results -- \
	    tests/system/bench-regression.sh $(KERNEL_BIN) $(BENCH_ROOTTASK_ELF) $(BUILD)/test-logs

# The network benchmark: UDP echo against a Linux guest (bench/net/net.mk).
-include bench/net/net.mk

# The block benchmark: block requests against a Linux guest (bench/blk/blk.mk).
-include bench/blk/blk.mk

# Recovery time after a driver crash, per class (bench/recovery/recovery.mk).
-include bench/recovery/recovery.mk

# What cache colouring costs at boot (bench/colour/colour.mk).
-include bench/colour/colour.mk
