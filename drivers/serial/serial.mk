# drivers/serial and drivers/timer: the serial subsystem (16550 driver, transmit and
# receive virtualisers, client library) and the timer (HPET or PIT/TSC driver, client
# library; drivers/timer/timer.mk).
# docs/drivers.md describes both.
#
#   $(call serial_system_drivers,OUT_DIR)   link the driver PDs (uart, serial_tx_virt,
#                                           serial_rx_virt, timer) into OUT_DIR, where a
#                                           system's build looks for its images
#   SERIAL_CLIENT_SRCS, TIMER_CLIENT_SRCS   sources a client PD links with (both:
#                                           SERIAL_AND_TIMER_CLIENT_SRCS)
#
#   make suite-serial-host     host tests of the header-only helpers (buffer pool,
#                              corrupt-ring check, line assembly) under ASan + UBSan
#                              (drivers/serial/tests/host)
#   make suite-system-serial   the serial/timer system test (drivers/serial/tests):
#                              input routed to the right client, whole lines from two
#                              clients printing at once, sleeps on time, the UART's IRQ
#                              masked until acknowledged

DRIVER_COMMON_SRCS := drivers/common/wait.c
DRIVER_RTC_SRCS := drivers/common/cmos_rtc.c
SERIAL_CLIENT_SRCS := drivers/serial/client/serial_client.c $(DRIVER_COMMON_SRCS)
TIMER_CLIENT_SRCS := drivers/timer/client/timer_client.c $(DRIVER_COMMON_SRCS)
SERIAL_AND_TIMER_CLIENT_SRCS := $(sort $(SERIAL_CLIENT_SRCS) $(TIMER_CLIENT_SRCS))
DRIVER_INC := -I$(QUEUE_INCLUDE) -Idrivers/common/include -Idrivers/serial/include \
    -Idrivers/timer/include
DRIVER_HEADERS := $(wildcard drivers/common/include/bastion/driver/*.h \
    drivers/serial/include/bastion/serial/*.h drivers/timer/include/bastion/timer/*.h)

# Driver, client-library and client sources see the driver headers.
$(LIB_BUILD)/drivers/%.c.o: USER_INC += $(DRIVER_INC)
$(LIB_BUILD)/examples/serial/%.c.o: USER_INC += $(DRIVER_INC)

# The timer driver (TIMER_DRIVER_SRCS) and its own tests.
include drivers/timer/timer.mk

define serial_system_drivers
$(eval $(call pd_program,uart,drivers/serial/uart/uart.c,$(1)))
$(eval $(call pd_program,serial_tx_virt,drivers/serial/virt/tx_virt.c,$(1)))
$(eval $(call pd_program,serial_rx_virt,drivers/serial/virt/rx_virt.c,$(1)))
$(eval $(call pd_program,timer,$(TIMER_DRIVER_SRCS),$(1)))
endef
SERIAL_DRIVER_ELFS = $(addprefix $(1)/,uart.elf serial_tx_virt.elf serial_rx_virt.elf timer.elf)

# The example (examples/serial): its client program lives in examples/serial/src/, out of
# reach of examples.mk's one-file-per-program rule, because it links the client libraries.
$(call serial_system_drivers,$(EXAMPLE_BUILD)/serial)
$(eval $(call pd_program,console_client,examples/serial/src/console_client.c \
    $(SERIAL_AND_TIMER_CLIENT_SRCS),$(EXAMPLE_BUILD)/serial))
$(EXAMPLE_BUILD)/serial/modules.args: $(call SERIAL_DRIVER_ELFS,$(EXAMPLE_BUILD)/serial) \
    $(EXAMPLE_BUILD)/serial/console_client.elf

# `make run EXAMPLE=serial`: COM2 gets the example's input file and writes to a file (the
# terminal is COM1, the debug console).
ifneq ($(filter run,$(MAKECMDGOALS)),)
ifeq ($(EXAMPLE),serial)
RUN_ARGS += --serial2 $(EXAMPLE_BUILD)/serial/com2.log --serial2-input examples/serial/input.txt
endif
endif

# The test system (drivers/serial/tests).
SERIAL_TEST_BUILD := $(BUILD)/drivers/serial/tests
$(call serial_system_drivers,$(SERIAL_TEST_BUILD))
$(eval $(call pd_program,serial_test_client,drivers/serial/tests/test_client.c \
    $(SERIAL_AND_TIMER_CLIENT_SRCS) $(DRIVER_RTC_SRCS),$(SERIAL_TEST_BUILD)))
$(eval $(call pd_program,serial_evil_client,drivers/serial/tests/evil_client.c,$(SERIAL_TEST_BUILD)))
$(SERIAL_TEST_BUILD)/modules.args: drivers/serial/tests/system.xml $(TOOL) $(INIT_ELF) \
    scripts/build-example.sh $(call SERIAL_DRIVER_ELFS,$(SERIAL_TEST_BUILD)) \
    $(SERIAL_TEST_BUILD)/serial_test_client.elf $(SERIAL_TEST_BUILD)/serial_evil_client.elf
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $< $(SERIAL_TEST_BUILD) > $@.tmp && mv $@.tmp $@

# Host tests of the header-only helpers, ASan + UBSan (the queue library's flags).
SERIAL_HOST_TESTS := $(BUILD)/drivers/serial/test-serial-pool $(BUILD)/drivers/serial/test-serial-line
$(BUILD)/drivers/serial/test-serial-%: drivers/serial/tests/host/test_%.c $(DRIVER_HEADERS) \
    $(QUEUE_HEADERS) drivers/common/tests/host_check.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(QUEUE_HOST_FLAGS) $(QUEUE_ASAN_FLAGS) -Idrivers/serial/include \
	    -Idrivers/common/tests $< -o $@

# Every driver header compiles on its own as freestanding, pedantic C11 with -Wconversion,
# with gcc and with clang (as the queue library's do).
$(BUILD)/drivers/serial/header-check.stamp: $(DRIVER_HEADERS) $(QUEUE_HEADERS)
	@mkdir -p $(dir $@)
	$(Q)for cc in gcc clang; do for h in $(DRIVER_HEADERS); do \
	    echo "#include <$${h#drivers/*/include/}>" | \
	    $$cc $(QUEUE_FREESTANDING) $(DRIVER_INC) -Ilib/include -Iinclude \
	        -isystem "$$($$cc -print-file-name=include)" -x c -c - -o /dev/null || exit 1; \
	done; done
	$(Q)touch $@

ALL_TARGETS += $(SERIAL_TEST_BUILD)/modules.args $(SERIAL_HOST_TESTS) \
    $(BUILD)/drivers/serial/header-check.stamp
TEST_SUITES += system-serial serial-host

.PHONY: suite-serial-host
suite-serial-host: $(SERIAL_HOST_TESTS) $(BUILD)/drivers/serial/header-check.stamp
	$(Q)scripts/run-suite.sh serial-host $(BUILD)/test-results -- \
	    bash -c 'status=0; for t in $(SERIAL_HOST_TESTS); do $$t || status=1; done; exit $$status'

.PHONY: suite-system-serial
suite-system-serial: $(KERNEL_BIN) $(SERIAL_TEST_BUILD)/modules.args
	$(Q)scripts/run-suite.sh system-serial $(BUILD)/test-results -- \
	    drivers/serial/tests/run.sh $(KERNEL_BIN) $(SERIAL_TEST_BUILD) $(BUILD)/test-logs/serial

# The restart test (drivers/serial/tests/restart, docs/supervision.md): the UART and timer
# drivers under the supervisor component, crashed at random fault points; clients must
# lose no line and no timeout. broken.xml turns resynchronisation off: its check must fail.
# soak.xml is the long run (`make soak`).
include supervisor/supervisor.mk
SERIAL_RESTART_BUILD := $(BUILD)/drivers/serial/restart
$(call serial_system_drivers,$(SERIAL_RESTART_BUILD))
$(eval $(call pd_program,supervisor,$(SUPERVISOR_SRCS),$(SERIAL_RESTART_BUILD)))
$(eval $(call pd_program,serial_restart_client,drivers/serial/tests/restart_client.c \
    $(SERIAL_AND_TIMER_CLIENT_SRCS),$(SERIAL_RESTART_BUILD)))
SERIAL_RESTART_ELFS := $(call SERIAL_DRIVER_ELFS,$(SERIAL_RESTART_BUILD)) \
    $(SERIAL_RESTART_BUILD)/supervisor.elf $(SERIAL_RESTART_BUILD)/serial_restart_client.elf
define serial_restart_system
$(SERIAL_RESTART_BUILD)/$(1)/modules.args: drivers/serial/tests/restart/$(1).xml $(TOOL) \
    $(INIT_ELF) scripts/build-example.sh $(SERIAL_RESTART_ELFS)
	@mkdir -p $$(dir $$@)
	$$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $$< $$(dir $$@) $(SERIAL_RESTART_BUILD) \
	    > $$@.tmp && mv $$@.tmp $$@
ALL_TARGETS += $(SERIAL_RESTART_BUILD)/$(1)/modules.args
endef
$(foreach s,system broken soak,$(eval $(call serial_restart_system,$(s))))

# The recovery benchmark's variant (bench/recovery): system.xml plus a page of recovery
# stamp per driver (bastion/driver/recovery_stamp.h) shared with the supervisor (child i's
# at 0x4000000 + i pages, supervisor.c's recovery_stamps), which stamps each
# fault, and the two drivers, which complete the stamp at their first work after it (the
# timer: a client woken; the UART: a buffer sent). Made from system.xml, so they agree.
SERIAL_RESTART_BENCH_SED := \
    -e 's|^\(  <memory_region name="hpet".*\)$$|\1\n  <memory_region name="stamp0" size="0x1000"/>\n  <memory_region name="stamp1" size="0x1000"/>|' \
    -e 's|^\(    <program_image path="supervisor.elf"/>\)$$|\1\n    <map mr="stamp0" vaddr="0x4000000" setvar_vaddr="recovery_stamps"/>\n    <map mr="stamp1" vaddr="0x4001000"/>|' \
    -e 's|^\(      <program_image path="timer.elf"/>\)$$|\1\n      <map mr="stamp0" vaddr="0x4000000" setvar_vaddr="recovery_stamp"/>|' \
    -e 's|^\(      <program_image path="uart.elf"/>\)$$|\1\n      <map mr="stamp1" vaddr="0x4000000" setvar_vaddr="recovery_stamp"/>|'
$(SERIAL_RESTART_BUILD)/bench/modules.args: drivers/serial/tests/restart/system.xml $(TOOL) \
    $(INIT_ELF) scripts/build-example.sh $(SERIAL_RESTART_ELFS)
	@mkdir -p $(dir $@)
	$(Q)sed $(SERIAL_RESTART_BENCH_SED) $< > $(dir $@)system.xml
	$(Q)[ $$(grep -c 'stamp[01]' $(dir $@)system.xml) -eq 6 ] || \
	    { echo "serial.mk: the bench variant's edits of $< did not all apply" >&2; exit 1; }
	$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $(dir $@)system.xml $(dir $@) \
	    $(SERIAL_RESTART_BUILD) > $@.tmp && mv $@.tmp $@
ALL_TARGETS += $(SERIAL_RESTART_BUILD)/bench/modules.args

TEST_SUITES += system-restart
SOAK_TARGETS += soak-restart
.PHONY: suite-system-restart soak-restart
suite-system-restart: $(KERNEL_BIN) $(SERIAL_RESTART_BUILD)/system/modules.args \
    $(SERIAL_RESTART_BUILD)/broken/modules.args
	$(Q)scripts/run-suite.sh system-restart $(BUILD)/test-results -- \
	    drivers/serial/tests/restart/run.sh $(KERNEL_BIN) $(SERIAL_RESTART_BUILD) \
	    $(BUILD)/test-logs/restart 200 system broken
soak-restart: $(KERNEL_BIN) $(SERIAL_RESTART_BUILD)/soak/modules.args
	$(Q)scripts/run-suite.sh soak-restart $(BUILD)/test-results -- \
	    drivers/serial/tests/restart/run.sh $(KERNEL_BIN) $(SERIAL_RESTART_BUILD) \
	    $(BUILD)/test-logs/restart 1000 soak

# The serial virtualiser restart test (drivers/serial/tests/virt_restart, docs/drivers.md,
# "Restarting the serial virtualisers"): serial_tx_virt under the supervisor, faulting at
# random fault points while two clients print lines in pieces; every line on COM2 must be
# whole, in order, at most once. broken.xml ignores the journals: its check must fail.
# double.xml restarts the UART beside them.
# soak.xml is the long run (`make soak`). The same ELFs as the driver restart test.
SERIAL_VRESTART_DIR := drivers/serial/tests/virt_restart
define serial_vrestart_system
$(SERIAL_RESTART_BUILD)/virt-$(1)/modules.args: $(SERIAL_VRESTART_DIR)/$(1).xml $(TOOL) \
    $(INIT_ELF) scripts/build-example.sh $(SERIAL_RESTART_ELFS)
	@mkdir -p $$(dir $$@)
	$$(Q)scripts/build-example.sh $(TOOL) $(INIT_ELF) $$< $$(dir $$@) $(SERIAL_RESTART_BUILD) \
	    > $$@.tmp && mv $$@.tmp $$@
ALL_TARGETS += $(SERIAL_RESTART_BUILD)/virt-$(1)/modules.args
endef
$(foreach s,system broken soak double,$(eval $(call serial_vrestart_system,$(s))))

TEST_SUITES += system-serial-virt-restart
SOAK_TARGETS += soak-serial-virt-restart
.PHONY: suite-system-serial-virt-restart soak-serial-virt-restart
suite-system-serial-virt-restart: $(KERNEL_BIN) $(SERIAL_RESTART_BUILD)/virt-system/modules.args \
    $(SERIAL_RESTART_BUILD)/virt-broken/modules.args $(SERIAL_RESTART_BUILD)/virt-double/modules.args
	$(Q)scripts/run-suite.sh system-serial-virt-restart $(BUILD)/test-results -- bash -c \
	    '$(SERIAL_VRESTART_DIR)/run.sh $(KERNEL_BIN) $(SERIAL_RESTART_BUILD) \
	        $(BUILD)/test-logs/serial-virt-restart 200 virt-system virt-broken; first=$$?; \
	    $(SERIAL_VRESTART_DIR)/run.sh $(KERNEL_BIN) $(SERIAL_RESTART_BUILD) \
	        $(BUILD)/test-logs/serial-virt-restart 200 virt-double && exit $$first'
soak-serial-virt-restart: $(KERNEL_BIN) $(SERIAL_RESTART_BUILD)/virt-soak/modules.args
	$(Q)scripts/run-suite.sh soak-serial-virt-restart $(BUILD)/test-results -- \
	    $(SERIAL_VRESTART_DIR)/run.sh $(KERNEL_BIN) $(SERIAL_RESTART_BUILD) \
	    $(BUILD)/test-logs/serial-virt-restart 1000 virt-soak
