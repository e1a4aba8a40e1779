# drivers/timer: the timer driver PD (HPET or PIT/TSC backend) and its tests; included
# by drivers/serial/serial.mk, which builds the driver into the serial systems and
# defines the client library (TIMER_CLIENT_SRCS). docs/drivers.md, "Timer".
#
#   TIMER_DRIVER_SRCS          the driver PD's sources: $(call pd_program,timer,...)
#
#   make suite-timer-host      host tests of the HPET backend's arithmetic (tick/ns
#                              conversions never early, 32-bit extension, comparator
#                              reached) under ASan + UBSan (drivers/timer/tests/host)
#   make suite-system-timer    the HPET backend booted on q35 and on pc, and the PIT
#                              fallback on q35 without an HPET (drivers/timer/tests):
#                              timeouts never early and on time, cancel and replace,
#                              the rate against the TSC and the RTC; and on pc with
#                              the kernel's TSC calibration stalled (calib_stall), the
#                              rate against the TSC to 1%

TIMER_DRIVER_SRCS := drivers/timer/driver/timer.c drivers/timer/driver/hpet.c \
    drivers/timer/driver/pit.c
TIMER_BUILD := $(BUILD)/drivers/timer

# The HPET test system (drivers/timer/tests).
TIMER_TEST_BUILD := $(TIMER_BUILD)/tests
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(TIMER_TEST_BUILD)))
$(eval $(call pd_program,timer_test_client,drivers/timer/tests/sleep_client.c \
    $(TIMER_CLIENT_SRCS) $(DRIVER_RTC_SRCS),$(TIMER_TEST_BUILD)))
$(TIMER_TEST_BUILD)/modules.args: drivers/timer/tests/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(TIMER_TEST_BUILD)/timer.elf $(TIMER_TEST_BUILD)/timer_test_client.elf
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(TIMER_TEST_BUILD) > $@.tmp && mv $@.tmp $@

# The same with the PIT's ports too (fallback.xml), for a machine without an HPET.
TIMER_FALLBACK_BUILD := $(TIMER_BUILD)/tests-fallback
$(TIMER_FALLBACK_BUILD)/modules.args: drivers/timer/tests/fallback.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(TIMER_TEST_BUILD)/timer.elf $(TIMER_TEST_BUILD)/timer_test_client.elf
	@mkdir -p $(dir $@)
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(TIMER_FALLBACK_BUILD) \
	    $(TIMER_TEST_BUILD) > $@.tmp && mv $@.tmp $@

# Host tests of the arithmetic, ASan + UBSan (the queue library's flags).
TIMER_HOST_TEST := $(TIMER_BUILD)/test-hpet-time
$(TIMER_HOST_TEST): drivers/timer/tests/host/test_hpet_time.c drivers/timer/driver/hpet_time.h \
    drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) -Wsign-conversion $(QUEUE_ASAN_FLAGS) \
	    -Idrivers/timer/driver -Idrivers/common/tests $< -o $@

ALL_TARGETS += $(TIMER_TEST_BUILD)/modules.args $(TIMER_FALLBACK_BUILD)/modules.args \
    $(TIMER_HOST_TEST)
TEST_SUITES += system-timer timer-host

.PHONY: suite-timer-host suite-system-timer
suite-timer-host: $(TIMER_HOST_TEST)
	$(Q)scripts/run-suite.sh timer-host $(BUILD)/test-results -- $<
suite-system-timer: $(KERNEL_BIN) $(TIMER_TEST_BUILD)/modules.args \
    $(TIMER_FALLBACK_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-timer $(BUILD)/test-results -- \
	    drivers/timer/tests/run.sh $(KERNEL_BIN) $(TIMER_TEST_BUILD) $(TIMER_FALLBACK_BUILD) \
	    $(BUILD)/test-logs/timer
