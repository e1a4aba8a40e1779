# Bastion top-level build.
#
# Non-recursive GNU make: every part of the tree contributes its rules through one
# fragment named after the part (kernel/kernel.mk, tool/tool.mk, ...), included below.
# All outputs go under $(BUILD); nothing is written into the source tree.
#
#   make            build everything (kernel image, host tool, libraries)
#   make run        build and boot the demo system in QEMU
#   make iso        a GRUB ISO of the demo that boots under BIOS and UEFI (mk/iso.mk)
#   make test       run every test suite; ends with "N passed, N failed"
#   make bench      run the benchmarks and print a table
#   make soak       the long runs (thousands of injected faults) that `make test` samples
#   make prove      Frama-C proofs: no run-time errors in the queue library and cap code
#   make clean      remove $(BUILD)
#
# Variables a user may set: CC (gcc by default, clang works), BUILD, ACCEL (tcg|kvm),
# JOBS (parallel build jobs inside `make test`, default: the CPUs), V=1 for verbose
# commands.

.DEFAULT_GOAL := all
SHELL := /bin/bash

ifeq ($(origin CC),default)
CC := gcc
endif
BUILD ?= build
ACCEL ?= tcg
JOBS ?= $(shell nproc)

include mk/toolchain.mk
include mk/suites.mk
include scripts/scripts.mk
include kernel/kernel.mk
-include tool/tool.mk
-include tests/host/host.mk
include tests/system/system.mk
-include lib/lib.mk
-include lib/tests/sha256.mk
-include lib/tests/supervise.mk
-include tests/system/roottask/roottask.mk
-include tests/system/roottask/vm/vm.mk
-include tests/system/kcovfuzz/kcovfuzz.mk
-include tests/system/timeprot/timeprot.mk
-include drivers/drivers.mk
-include services/services.mk
# The virtual-machine monitor and its Linux guest (docs/virtualisation.md).
-include vmm/vmm.mk
-include tests/net/net.mk
# After the drivers and services they build on: the storage example and the store's
# power-cut test.
-include examples/storage/storage.mk
-include services/kvstore/tests/powercut/powercut.mk
include mk/static.mk
# Frama-C proofs of the queue library and the capability code (`make prove`).
include mk/prove.mk
-include bench/bench.mk
-include tests/system/smp/smp.mk
# After the examples it packs: the GRUB ISO for BIOS and UEFI (`make iso`).
include mk/iso.mk

.PHONY: all run test bench soak clean format format-check

all: $(ALL_TARGETS)

# `make run` boots the demo system and shows the serial console on this terminal.
run: deps $(RUN_IMAGE)
	$(Q)scripts/qemu-run.sh --image $(RUN_IMAGE) $(RUN_ARGS) --interactive || [ $$? -eq 33 ] # 33: the demo ended well

# `make test` runs every suite (continuing past failures) and then prints one summary.
# It first builds the tree with JOBS jobs. The suites then run in two lanes at once:
#  - the QEMU lane: every suite that boots QEMU, one at a time (some measure time under
#    QEMU and must not share the CPUs with each other);
#  - the host lane, at the lowest CPU priority (nice 19), so that it only takes what the
#    QEMU lane leaves (TCG runs one CPU on one host thread): first HOST_LANE_BUILDS (the
#    clang tree of system-kernel-clang, the coverage kernel of system-kcov-fuzz), then
#    HOST_LANE_SUITES, which run no QEMU and measure no time.
# The host lane's lines are printed when both lanes are done. A build failure shows
# again as the failure of each suite that needs what did not build.
HOST_LANE_SUITES = $(filter tool-% host-% %-host %-host-tsan %-model prove static \
    examples-check,$(TEST_SUITES))
QEMU_LANE_SUITES = $(filter-out $(HOST_LANE_SUITES) system-kernel-clang,$(TEST_SUITES)) \
    $(filter system-kernel-clang,$(TEST_SUITES))
test: deps
	$(Q)rm -rf $(BUILD)/test-results && mkdir -p $(BUILD)/test-results
	$(Q)$(MAKE) --no-print-directory -k -j$(JOBS) all || true
	$(Q)lane=$(BUILD)/test-results/host-lane.out; \
	    (nice -n 19 $(MAKE) --no-print-directory -k $(HOST_LANE_BUILDS) \
	        $(addprefix suite-,$(HOST_LANE_SUITES)) >$$lane 2>&1 || true) & \
	    $(MAKE) --no-print-directory -k $(addprefix suite-,$(QEMU_LANE_SUITES)) || true; \
	    wait; echo "host lane (ran beside the QEMU lane):"; cat $$lane
	$(Q)scripts/test-summary.sh $(BUILD)/test-results $(TEST_SUITES)

bench: deps $(BENCH_TARGETS)

soak: deps $(SOAK_TARGETS)

clean:
	rm -rf $(BUILD)

format:
	$(Q)clang-format -i $(FORMAT_FILES)

format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES)
