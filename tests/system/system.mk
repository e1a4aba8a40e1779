# System tests: images booted in QEMU by scripts/qemu-run.sh.
#
#   system-kernel        in-kernel tests and boot output of the gcc-built kernel
#   system-kernel-clang  the same kernel built with clang (`make CC=clang` must work)

TEST_SUITES += system-kernel system-kernel-clang

.PHONY: suite-system-kernel suite-system-kernel-clang
suite-system-kernel: $(KERNEL_BIN)
	$(Q)scripts/run-suite.sh system-kernel $(BUILD)/test-results -- \
	    tests/system/kernel-boot-tests.sh $(KERNEL_BIN) $(BUILD)/test-logs/kernel gcc

# Build the whole tree with clang in its own build directory, then boot that kernel.
suite-system-kernel-clang:
	$(Q)scripts/run-suite.sh system-kernel-clang $(BUILD)/test-results -- bash -c '\
	    if $(MAKE) --no-print-directory CC=clang BUILD=$(BUILD)/clang all; \
	    then echo "PASS: clang/build-all"; else echo "FAIL: clang/build-all: see log"; exit 1; fi; \
	    tests/system/kernel-boot-tests.sh $(BUILD)/clang/kernel/bastion.bin $(BUILD)/test-logs/clang clang'

