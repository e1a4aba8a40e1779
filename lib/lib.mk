# libbastion: the freestanding user library (lib/README.md, docs/libbastion.md).
#
# Outputs:
#   $(BUILD)/lib/libbastion.a      the library
#   $(BUILD)/user/NAME.elf         user programs, linked by $(call user_program,...)
#
# User code is freestanding like the kernel but in the small code model at low
# addresses (-mcmodel=small, no PIC/PIE), linked static at 0x400000 by
# lib/arch/$(ARCH)/user.ld. SSE stays off for now, as in the kernel.

LIB_ARCH ?= x86_64
LIB_BUILD := $(BUILD)/lib
LIBBASTION := $(LIB_BUILD)/libbastion.a
USER_LDS := lib/arch/$(LIB_ARCH)/user.ld

# The debug system calls are numbered in include/bastion/syscall.h; until they are,
# libbastion/syscall.h numbers them itself (the one marked place).
LIB_ABI_DEFS := $(if $(shell grep -s 'X.DEBUG_EXIT,' include/bastion/syscall.h),,-DBST_LIB_PENDING_DEBUG_SYSCALLS)

USER_CFLAGS := $(FREESTANDING_FLAGS) $(WARN_FLAGS) -mcmodel=small -fno-pic -fno-pie -MMD -MP \
    $(LIB_ABI_DEFS)
USER_ASFLAGS := -ffreestanding -fno-pic -fno-pie -nostdinc -MMD -MP -D__ASSEMBLY__
USER_INC := -Ilib/include -Iinclude
USER_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
    -T $(USER_LDS)

LIB_SRCS := $(wildcard lib/src/*.c) $(wildcard lib/arch/$(LIB_ARCH)/*.S)
LIB_OBJS := $(patsubst %,$(LIB_BUILD)/%.o,$(LIB_SRCS))
LIB_CRT0 := $(LIB_BUILD)/lib/arch/$(LIB_ARCH)/crt0.S.o
LIB_PD_CRT0 := $(LIB_BUILD)/lib/arch/$(LIB_ARCH)/pd_crt0.S.o
LIB_ARCHIVE_OBJS := $(filter-out $(LIB_CRT0) $(LIB_PD_CRT0),$(LIB_OBJS))

ALL_TARGETS += $(LIBBASTION) $(LIB_CRT0) $(LIB_PD_CRT0)

# Compile rules for every user source (library and programs), objects under $(BUILD)/lib.
$(LIB_BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) $(USER_INC) -c $< -o $@

$(LIB_BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_ASFLAGS) $(USER_INC) -c $< -o $@

$(LIBBASTION): $(LIB_ARCHIVE_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

.PHONY: libbastion
libbastion: $(LIBBASTION) $(LIB_CRT0)

# $(call user_program,NAME,SOURCES[,EXTRA_CFLAGS])
# Link SOURCES (C and .S files, paths from the repository root) with crt0 and
# libbastion into $(BUILD)/user/NAME.elf, and add it to `make all`.
define user_program
$(BUILD)/user/$(1).elf: $(patsubst %,$(LIB_BUILD)/%.o,$(2)) $(LIB_CRT0) $(LIBBASTION) $(USER_LDS)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(LD) $$(USER_LDFLAGS) -o $$@ $(LIB_CRT0) $(patsubst %,$(LIB_BUILD)/%.o,$(2)) $(LIBBASTION)
ALL_TARGETS += $(BUILD)/user/$(1).elf
-include $(patsubst %,$(LIB_BUILD)/%.d,$(2))
endef

# $(call pd_program,NAME,SOURCES[,OUTDIR])
# Link a protection domain (libbastion/pd.h): as user_program, but with pd_crt0 (the
# event loop's entry) instead of crt0, into OUTDIR/NAME.elf (default $(BUILD)/user).
define pd_program
$(or $(3),$(BUILD)/user)/$(1).elf: $(patsubst %,$(LIB_BUILD)/%.o,$(2)) $(LIB_PD_CRT0) $(LIBBASTION) $(USER_LDS)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(LD) $$(USER_LDFLAGS) -o $$@ $(LIB_PD_CRT0) $(patsubst %,$(LIB_BUILD)/%.o,$(2)) $(LIBBASTION)
ALL_TARGETS += $(or $(3),$(BUILD)/user)/$(1).elf
-include $(patsubst %,$(LIB_BUILD)/%.d,$(2))
endef

-include $(LIB_OBJS:.o=.d)

# init (the root task that instantiates system specs) and the example systems.
-include init/init.mk
-include examples/examples.mk
