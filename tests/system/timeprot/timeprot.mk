# Time protection (tests/system/timeprot; docs/testing.md, "Time protection"): a timing
# channel between two domains through the kernel, measured under QEMU -icount.
#
#   system-timeprot  boots the channel root task twice: as it is (run "open" must show
#                    a channel, run "padded" none within the estimator's noise), then
#                    with the kernel told to ignore pads (`tp_nopad`), where run
#                    "padded" must show the channel again: the test can fail.
#
# channel_capacity (host) turns each boot's samples into a mutual-information figure.

TIMEPROT_DIR := tests/system/timeprot
TIMEPROT_SRCS := $(TIMEPROT_DIR)/channel.c $(ROOTTASK_COMMON)
TIMEPROT_ELF := $(BUILD)/user/timeprot-tests.elf
TIMEPROT_CAPACITY := $(BUILD)/host/channel_capacity
$(eval $(call user_program,timeprot-tests,$(TIMEPROT_SRCS)))

$(TIMEPROT_CAPACITY): $(TIMEPROT_DIR)/channel_capacity.c
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -o $@ $< -lm
ALL_TARGETS += $(TIMEPROT_CAPACITY)

TEST_SUITES += system-timeprot

.PHONY: suite-system-timeprot
suite-system-timeprot: $(KERNEL_BIN) $(TIMEPROT_ELF) $(TIMEPROT_CAPACITY)
	$(Q)scripts/run-suite.sh system-timeprot $(BUILD)/test-results -- \
	    $(TIMEPROT_DIR)/run-channel.sh $(KERNEL_BIN) $(TIMEPROT_ELF) $(TIMEPROT_CAPACITY) \
	    $(BUILD)/test-logs
