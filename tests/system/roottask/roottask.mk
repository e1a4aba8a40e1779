# The system-test root task (tests/system/roottask): the kernel loads it as the first
# boot module and it tests threads, address spaces, faults and invocation errors from
# user space, printing the harness protocol.
#
#   system-roottask   boot $(KERNEL_BIN) with $(BUILD)/user/roottask-tests.elf
#
# Besides the root task's own results, the serial log must show the kernel's reports of
# the faults the tests provoke (the probe threads are named with DEBUG_NAME) and the
# capability listing of DEBUG_DUMP_CAPS.

ROOTTASK_SRCS := $(wildcard tests/system/roottask/*.c) $(wildcard tests/system/roottask/*.S)
ROOTTASK_ELF := $(BUILD)/user/roottask-tests.elf

$(eval $(call user_program,roottask-tests,$(ROOTTASK_SRCS)))

TEST_SUITES += system-roottask

.PHONY: suite-system-roottask
suite-system-roottask: $(KERNEL_BIN) $(ROOTTASK_ELF)
	$(Q)scripts/run-suite.sh system-roottask $(BUILD)/test-results -- \
	    scripts/qemu-run.sh --image $(KERNEL_BIN) --module $(ROOTTASK_ELF) --append "" \
	    --name roottask --log $(BUILD)/test-logs/roottask.log \
	    --expect "user fault: thread 'probe-ud' .*invalid instruction" \
	    --expect "user fault: thread 'probe-divide' .*divide error" \
	    --expect "user fault: thread 'probe-read' .*page fault" \
	    --expect "user fault: thread 'probe-write' .*page fault" \
	    --expect "^cspace of 'roottask': root CNode"
