# The virtualisation test root task (tests/system/roottask/vm, docs/virtualisation.md):
# the root thread is the VMM of small guests (guest.S) on the shared root-task harness.
#
#   system-vm   $(BUILD)/user/vm-tests.elf under QEMU TCG -cpu max (AMD SVM with nested
#               paging emulated): every exit, refusals, deletion, preemption
#
# The 100,000-exit storm is one of its tests (a few seconds under TCG).

VM_TESTS_DIR := tests/system/roottask/vm
VM_TESTS_SRCS := $(ROOTTASK_COMMON) $(wildcard $(VM_TESTS_DIR)/*.c) $(VM_TESTS_DIR)/guest.S
VM_TESTS_ELF := $(BUILD)/user/vm-tests.elf

$(eval $(call user_program,vm-tests,$(VM_TESTS_SRCS)))

TEST_SUITES += system-vm

.PHONY: suite-system-vm
suite-system-vm: $(KERNEL_BIN) $(VM_TESTS_ELF)
	$(Q)scripts/run-suite.sh system-vm $(BUILD)/test-results -- \
	    scripts/qemu-run.sh --image $(KERNEL_BIN) --module $(VM_TESTS_ELF) --append "" \
	    --name vm --timeout 120 --log $(BUILD)/test-logs/vm.log \
	    --expect "^virt: AMD SVM yes, nested paging yes, .*guests can run"
