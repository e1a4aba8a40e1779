# Time protection (tests/system/timeprot; docs/testing.md, "Time protection"): a timing
# channel between two domains through the kernel, measured under QEMU -icount.
#
#   system-timeprot              the channel root task as built: runs "open" and
#                                "irq-open" must show a channel, "padded" and
#                                "irq-protected" none within the estimator's noise
#   system-timeprot-unprotected  the protected runs again with the kernel told to
#                                ignore pads and deliver interrupts in any slot
#                                (`tp_nopad tp_nodefer`): both must show the channel
#                                again, so the protected runs can fail
#
#   bench-timeprot               (`make bench`) both boots at the full 1000 symbols a run,
#                                the figures in docs/testing.md
#
# `make test` runs TIMEPROT_TEST_SYMBOLS (400) symbols a run, at 450 us a symbol of guest
# time: about 20 s and 12 s of TCG on an idle host (1000 symbols: 50 s and 30 s). The
# open channels carry about 1 bit a symbol either way and the protected ones 0.0000, so
# the verdicts do not change; only the noise threshold rises with fewer symbols.
TIMEPROT_TEST_SYMBOLS := 400
#
# channel_capacity (host) turns each boot's samples into a mutual-information figure.

TIMEPROT_DIR := tests/system/timeprot
TIMEPROT_SRCS := $(TIMEPROT_DIR)/channel.c $(TIMEPROT_DIR)/domain_thread.c $(ROOTTASK_COMMON)
TIMEPROT_ELF := $(BUILD)/user/timeprot-tests.elf
TIMEPROT_CAPACITY := $(BUILD)/host/channel_capacity
$(eval $(call user_program,timeprot-tests,$(TIMEPROT_SRCS)))

$(TIMEPROT_CAPACITY): $(TIMEPROT_DIR)/channel_capacity.c
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -o $@ $< -lm
ALL_TARGETS += $(TIMEPROT_CAPACITY)

TEST_SUITES += system-timeprot system-timeprot-unprotected

.PHONY: suite-system-timeprot suite-system-timeprot-unprotected
suite-system-timeprot suite-system-timeprot-unprotected: suite-%: $(KERNEL_BIN) $(TIMEPROT_ELF) \
    $(TIMEPROT_CAPACITY)
	$(Q)scripts/run-suite.sh $* $(BUILD)/test-results -- \
	    $(TIMEPROT_DIR)/run-channel.sh $(if $(filter %-unprotected,$*),unprotected,protected) \
	    $(KERNEL_BIN) $(TIMEPROT_ELF) $(TIMEPROT_CAPACITY) $(BUILD)/test-logs \
	    $(TIMEPROT_TEST_SYMBOLS)

BENCH_TARGETS += bench-timeprot

.PHONY: bench-timeprot
bench-timeprot: $(KERNEL_BIN) $(TIMEPROT_ELF) $(TIMEPROT_CAPACITY)
	$(Q)for which in protected unprotected; do \
	    $(TIMEPROT_DIR)/run-channel.sh $$which $(KERNEL_BIN) $(TIMEPROT_ELF) \
	        $(TIMEPROT_CAPACITY) $(BUILD)/bench-logs/timeprot 1000 | grep -E "timeprot\.(capacity|unprotected)\." ; \
	done

# The prime-and-probe cache channel (cache_channel.c, run-cache-channel.sh; docs/testing.md,
# "Cache channel"):
#
#   system-cache-channel   under TCG, the harness's mechanics only (22 s at load 9): both
#                          domains run, 100 samples a run, balanced symbols, every run's
#                          samples parsed by channel_capacity; no channel figure claimed
#   bench-cache-channel    (`make bench`) the capacity table under KVM on a host with real
#                          hardware virtualisation, else the TCG boot at 1000 symbols,
#                          its figures printed as NOT a measurement
CACHE_CHANNEL_SRCS := $(TIMEPROT_DIR)/cache_channel.c $(TIMEPROT_DIR)/domain_thread.c \
    $(ROOTTASK_COMMON)
CACHE_CHANNEL_ELF := $(BUILD)/user/cache-channel-tests.elf
$(eval $(call user_program,cache-channel-tests,$(CACHE_CHANNEL_SRCS)))

TEST_SUITES += system-cache-channel

.PHONY: suite-system-cache-channel bench-cache-channel
suite-system-cache-channel: $(KERNEL_BIN) $(CACHE_CHANNEL_ELF) $(TIMEPROT_CAPACITY)
	$(Q)scripts/run-suite.sh system-cache-channel $(BUILD)/test-results -- \
	    $(TIMEPROT_DIR)/run-cache-channel.sh test $(KERNEL_BIN) $(CACHE_CHANNEL_ELF) \
	    $(TIMEPROT_CAPACITY) $(BUILD)/test-logs

BENCH_TARGETS += bench-cache-channel

bench-cache-channel: $(KERNEL_BIN) $(CACHE_CHANNEL_ELF) $(TIMEPROT_CAPACITY)
	$(Q)$(TIMEPROT_DIR)/run-cache-channel.sh bench $(KERNEL_BIN) $(CACHE_CHANNEL_ELF) \
	    $(TIMEPROT_CAPACITY) $(BUILD)/bench-logs/cache-channel | \
	    grep -E "^cache-channel:|cache\.(capacity|mechanics)\.|^(PASS|FAIL): "
