# supervisor/: the supervision component (docs/supervision.md). A system links it with
# $(call pd_program,supervisor,$(SUPERVISOR_SRCS),OUT_DIR); it applies its children's
# on_fault dispositions with libbastion's supervise library. It links the timer client
# library for back-off delays (setvar timer_channel).
SUPERVISOR_SRCS = supervisor/supervisor.c $(TIMER_CLIENT_SRCS)
$(LIB_BUILD)/supervisor/%.c.o: USER_INC += $(DRIVER_INC)
