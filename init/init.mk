# init: the root task that instantiates a system spec (init/README.md).
#
#   $(BUILD)/user/init.elf         init
#   $(BUILD)/user/init-tamper.elf  the same with check_tamper.c: it gives one PD a cap the
#                                  spec does not, so a test can see the check fail
#   $(BUILD)/user/init-nocolour.elf  the same with colour_enforce_none.c: it allocates
#                                  coloured domains' memory from any RAM, so a test can
#                                  see the colour check fail
#   $(BUILD)/user/init-nokimage.elf  the same with colour_kimage_off.c: no coloured domain
#                                  gets its copy of the kernel image, so a test can see
#                                  the check of the copies fail
#   $(BUILD)/user/init-nocolourobj.elf  the same with colour_objects_off.c: a coloured
#                                  domain's kernel objects (not its frames) come from
#                                  another domain's colours, so a test can see the check
#                                  of the objects fail for each
# Both are root tasks (crt0, main(bootinfo)).

INIT_DIR := init
INIT_COMMON := $(filter-out $(INIT_DIR)/check_tamper.c $(INIT_DIR)/check_tamper_none.c \
    $(INIT_DIR)/colour_enforce.c $(INIT_DIR)/colour_enforce_none.c \
    $(INIT_DIR)/colour_kimage_on.c $(INIT_DIR)/colour_kimage_off.c \
    $(INIT_DIR)/colour_objects_on.c $(INIT_DIR)/colour_objects_off.c, \
    $(wildcard $(INIT_DIR)/*.c))
INIT_ELF := $(BUILD)/user/init.elf
INIT_TAMPER_ELF := $(BUILD)/user/init-tamper.elf
INIT_NOCOLOUR_ELF := $(BUILD)/user/init-nocolour.elf
INIT_NOKIMAGE_ELF := $(BUILD)/user/init-nokimage.elf
INIT_NOCOLOUROBJ_ELF := $(BUILD)/user/init-nocolourobj.elf

$(eval $(call user_program,init,$(INIT_COMMON) $(INIT_DIR)/check_tamper_none.c \
    $(INIT_DIR)/colour_enforce.c $(INIT_DIR)/colour_kimage_on.c $(INIT_DIR)/colour_objects_on.c))
$(eval $(call user_program,init-tamper,$(INIT_COMMON) $(INIT_DIR)/check_tamper.c \
    $(INIT_DIR)/colour_enforce.c $(INIT_DIR)/colour_kimage_on.c $(INIT_DIR)/colour_objects_on.c))
$(eval $(call user_program,init-nocolour,$(INIT_COMMON) $(INIT_DIR)/check_tamper_none.c \
    $(INIT_DIR)/colour_enforce_none.c $(INIT_DIR)/colour_kimage_on.c \
    $(INIT_DIR)/colour_objects_on.c))
$(eval $(call user_program,init-nokimage,$(INIT_COMMON) $(INIT_DIR)/check_tamper_none.c \
    $(INIT_DIR)/colour_enforce.c $(INIT_DIR)/colour_kimage_off.c $(INIT_DIR)/colour_objects_on.c))
$(eval $(call user_program,init-nocolourobj,$(INIT_COMMON) $(INIT_DIR)/check_tamper_none.c \
    $(INIT_DIR)/colour_enforce.c $(INIT_DIR)/colour_kimage_on.c $(INIT_DIR)/colour_objects_off.c))

.PHONY: init
init: $(INIT_ELF) $(INIT_TAMPER_ELF) $(INIT_NOCOLOUR_ELF) $(INIT_NOKIMAGE_ELF) \
    $(INIT_NOCOLOUROBJ_ELF)

# Host tests of init's parsing of firmware tables and BARs (init/parse.h), with ASan and
# UBSan: suite host-init-parse.
INIT_PARSE_TEST := $(BUILD)/host/init-parse-tests
$(INIT_PARSE_TEST): init/tests/host_parse.c init/acpi_parse.c init/pci_bar.c init/parse.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -o $@ init/tests/host_parse.c init/acpi_parse.c init/pci_bar.c
ALL_TARGETS += $(INIT_PARSE_TEST)

TEST_SUITES += host-init-parse
.PHONY: suite-host-init-parse
suite-host-init-parse: $(INIT_PARSE_TEST)
	$(Q)scripts/run-suite.sh host-init-parse $(BUILD)/test-results -- $<

# Host tests of the late image's ELF check (init/late_elf.h), with ASan and UBSan: suite
# host-init-late-elf.
INIT_LATE_ELF_TEST := $(BUILD)/host/init-late-elf-tests
$(INIT_LATE_ELF_TEST): init/tests/host_late_elf.c init/late_elf.c init/late_elf.h init/elf64.h
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -o $@ init/tests/host_late_elf.c init/late_elf.c
ALL_TARGETS += $(INIT_LATE_ELF_TEST)

TEST_SUITES += host-init-late-elf
.PHONY: suite-host-init-late-elf
suite-host-init-late-elf: $(INIT_LATE_ELF_TEST)
	$(Q)scripts/run-suite.sh host-init-late-elf $(BUILD)/test-results -- $<
