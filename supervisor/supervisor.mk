# supervisor/: the supervision component (docs/supervision.md). A system links it with
# $(call pd_program,supervisor,$(SUPERVISOR_SRCS),OUT_DIR); it applies its children's
# on_fault dispositions with libbastion's supervise library. It links the timer client
# library for back-off delays (setvar timer_channel).
SUPERVISOR_SRCS = supervisor/supervisor.c $(TIMER_CLIENT_SRCS)
$(LIB_BUILD)/supervisor/%.c.o: USER_INC += $(DRIVER_INC)

# Suite system-supervise: back-off under a real timer (supervisor/tests/backoff): a child
# that faults at every start, restarted after delays that double, timed by the HPET timer
# driver; check.sh compares each restart's time with its delay.
SUPERVISE_BACKOFF_BUILD := $(BUILD)/supervisor/backoff
$(eval $(call pd_program,supervisor,$(SUPERVISOR_SRCS),$(SUPERVISE_BACKOFF_BUILD)))
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(SUPERVISE_BACKOFF_BUILD)))
$(eval $(call pd_program,crasher,supervisor/tests/backoff/crasher.c,$(SUPERVISE_BACKOFF_BUILD)))
$(SUPERVISE_BACKOFF_BUILD)/modules.args: supervisor/tests/backoff/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(addprefix $(SUPERVISE_BACKOFF_BUILD)/,supervisor.elf timer.elf crasher.elf)
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(dir $@) > $@.tmp && mv $@.tmp $@
ALL_TARGETS += $(SUPERVISE_BACKOFF_BUILD)/modules.args

TEST_SUITES += system-supervise
.PHONY: suite-system-supervise
suite-system-supervise: $(KERNEL_BIN) $(SUPERVISE_BACKOFF_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-supervise $(BUILD)/test-results -- \
	    scripts/test-system.sh $(KERNEL_BIN) $(BUILD)/test-logs/supervise \
	    backoff:supervisor/tests/backoff:$(SUPERVISE_BACKOFF_BUILD)
