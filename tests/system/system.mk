# System tests: images booted in QEMU by scripts/qemu-run.sh.
#
#   system-kernel        in-kernel tests and boot output of the gcc-built kernel
#   system-kernel-clang  the same kernel built with clang (`make CC=clang` must work)

TEST_SUITES += system-kernel system-kernel-clang

.PHONY: suite-system-kernel suite-system-kernel-clang
suite-system-kernel: $(KERNEL_BIN)
	$(Q)scripts/run-suite.sh system-kernel $(BUILD)/test-results -- \
	    tests/system/kernel-boot-tests.sh $(KERNEL_BIN) $(BUILD)/test-logs/kernel gcc

# Build the whole tree with clang in its own build directory (CLANG_TREE), then boot that
# kernel. `make test` runs `clang-tree` (in HOST_LANE_BUILDS) in its host lane while the
# QEMU lane runs; both
# builds hold the same lock, so the suite, last in the QEMU lane, waits for the host
# lane's build instead of racing it, and then finds the tree built.
CLANG_TREE := $(BUILD)/clang
CLANG_TREE_BUILD = flock $(BUILD)/clang-tree.lock $(MAKE) --no-print-directory -j$(JOBS) CC=clang \
    BUILD=$(CLANG_TREE) all

HOST_LANE_BUILDS += clang-tree

.PHONY: clang-tree
clang-tree:
	$(Q)mkdir -p $(BUILD) && $(CLANG_TREE_BUILD) >$(BUILD)/clang-tree.log 2>&1 || true

suite-system-kernel-clang:
	$(Q)scripts/run-suite.sh system-kernel-clang $(BUILD)/test-results -- bash -c '\
	    if $(CLANG_TREE_BUILD); \
	    then echo "PASS: clang/build-all"; else echo "FAIL: clang/build-all: see log"; exit 1; fi; \
	    tests/system/kernel-boot-tests.sh $(CLANG_TREE)/kernel/bastion.bin $(BUILD)/test-logs/clang clang'


# The release configuration (CONFIG=release: no assertions, no debug system calls, no
# in-kernel tests) builds, leaves the debug code out, and boots.
TEST_SUITES += system-kernel-release

.PHONY: suite-system-kernel-release
suite-system-kernel-release:
	$(Q)scripts/run-suite.sh system-kernel-release $(BUILD)/test-results -- bash -c '\
	    if $(MAKE) --no-print-directory CONFIG=release BUILD=$(BUILD)/release kernel; \
	    then echo "PASS: release/build"; else echo "FAIL: release/build: see log"; exit 1; fi; \
	    if $(NM) $(BUILD)/release/kernel/bastion.elf | grep -qE " (dump_caps|set_name|ktest_expect_fault|kbench_summary)$$"; \
	    then echo "FAIL: release/no-debug-code: debug code linked in"; else echo "PASS: release/no-debug-code"; fi; \
	    scripts/qemu-run.sh --image $(BUILD)/release/kernel/bastion.bin --append "ticks=1 exit" \
	        --no-protocol --name release --log $(BUILD)/test-logs/release.log \
	        --expect "^Bastion [^ ]+ \(x86_64\) booting" --expect "^tick: [0-9]+ interrupts after 1 s"'
