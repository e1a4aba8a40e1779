# init: the root task that instantiates a system spec (init/README.md).
#
#   $(BUILD)/user/init.elf         init
#   $(BUILD)/user/init-tamper.elf  the same with check_tamper.c: it gives one PD a cap the
#                                  spec does not, so a test can see the check fail
# Both are root tasks (crt0, main(bootinfo)).

INIT_DIR := init
INIT_COMMON := $(filter-out $(INIT_DIR)/check_tamper.c $(INIT_DIR)/check_tamper_none.c, \
    $(wildcard $(INIT_DIR)/*.c))
INIT_ELF := $(BUILD)/user/init.elf
INIT_TAMPER_ELF := $(BUILD)/user/init-tamper.elf

$(eval $(call user_program,init,$(INIT_COMMON) $(INIT_DIR)/check_tamper_none.c))
$(eval $(call user_program,init-tamper,$(INIT_COMMON) $(INIT_DIR)/check_tamper.c))

.PHONY: init
init: $(INIT_ELF) $(INIT_TAMPER_ELF)
