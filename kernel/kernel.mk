# The kernel: generic core (kernel/*), the object layer (kernel/object/*) and the
# architecture (kernel/arch/$(ARCH)/*). Generic code never names an architecture: it
# includes <arch/...> headers, which the include path resolves to the chosen arch.
#
# Outputs:
#   $(BUILD)/kernel/bastion.elf   ELF64 image with Multiboot 1 and 2 headers (GRUB)
#   $(BUILD)/kernel/bastion.bin   flat image loaded by `qemu -kernel` (Multiboot 1)
#
# The kernel carries its own symbol table (for fault reports). It is linked twice: once
# with an empty table, then with the table of that first link. The table sits after all
# code, so code addresses do not move between the two links (checked by the build).

ARCH ?= x86_64
# CONFIG=debug (default): assertions, debug system calls, in-kernel tests and
# benchmarks. CONFIG=release: none of those (-DNDEBUG); a configuration differs only in
# which whole files it builds (kernel/config/<config>/ and the directories below).
CONFIG ?= debug
KERNEL_BUILD := $(BUILD)/kernel
KERNEL_DIRS := kernel/lib kernel/object kernel/thread kernel/ipc kernel/irq kernel/vm kernel/syscall \
    kernel/arch/$(ARCH) kernel/config/$(CONFIG)
ifeq ($(CONFIG),debug)
KERNEL_DIRS += kernel/tests kernel/arch/$(ARCH)/tests kernel/arch/$(ARCH)/bench \
    kernel/arch/$(ARCH)/debug
KERNEL_GENERIC_SRCS := $(wildcard kernel/*.c)
else ifeq ($(CONFIG),release)
KERNEL_CFLAGS += -DNDEBUG
KERNEL_GENERIC_SRCS := $(filter-out kernel/ktest.c kernel/kbench.c,$(wildcard kernel/*.c))
else
$(error CONFIG must be debug or release)
endif
# KCOV=1 (CONFIG=debug, CC=clang): the coverage build for the fuzzing root task
# (docs/kernel.md, "The coverage build"). The system-call, object, IPC, thread, VM and
# IRQ code and the arch's I/O-port invocations are compiled with clang's
# -fsanitize-coverage=trace-pc-guard; kernel/config/kcov counts their edges and answers
# DEBUG_COVERAGE. Not the boot code, the entry and exit paths or the rest of the arch
# code, nor the kernel's own checkers. gcc has no trace-pc-guard (gcc 12: trace-pc and
# trace-cmp only). Without KCOV, a debug kernel has kernel/config/debug/kcov_none.c:
# DEBUG_COVERAGE is an unknown system call there, and nothing else differs.
KCOV ?=
ifeq ($(KCOV),1)
ifneq ($(CONFIG),debug)
$(error KCOV=1 needs CONFIG=debug)
endif
ifneq ($(CC_IS_CLANG),1)
$(error KCOV=1 needs CC=clang: gcc has no -fsanitize-coverage=trace-pc-guard)
endif
KERNEL_DIRS += kernel/config/kcov
KCOV_NOT_SRCS := kernel/config/debug/kcov_none.c
KCOV_SRCS := $(filter-out kernel/vm/vspace_check.c,$(wildcard kernel/syscall/*.c \
    kernel/object/*.c kernel/ipc/*.c kernel/thread/*.c kernel/vm/*.c kernel/irq/*.c)) \
    kernel/arch/$(ARCH)/ioport.c
$(patsubst %,$(KERNEL_BUILD)/%.o,$(KCOV_SRCS)): KERNEL_CFLAGS += -fsanitize-coverage=trace-pc-guard
# The link script: the arch's with kcov.ld's guard section included after .data.
KCOV_LDS := $(KERNEL_BUILD)/kernel-kcov.ld
$(KCOV_LDS): kernel/arch/$(ARCH)/kernel.ld kernel/config/kcov/kcov.ld
	@mkdir -p $(dir $@)
	$(Q)sed '/^ *_kernel_load_end = \./i INCLUDE kernel/config/kcov/kcov.ld' $< >$@.tmp
	$(Q)grep -q '^INCLUDE' $@.tmp || { echo "kernel.mk: no _kernel_load_end in $<" >&2; exit 1; }
	$(Q)mv $@.tmp $@
endif
# SMP=1: the kernel for several CPUs, with the kernel lock (kernel/config/smp: the lock's
# definition; its include/klock.h is the real lock). Without it the kernel is the
# single-CPU one: kernel/config/up/include/klock.h makes every lock operation empty, so
# its paths are exactly what they were before the lock (docs/kernel.md, "Several CPUs").
SMP ?=
ifeq ($(SMP),1)
KERNEL_DIRS += kernel/config/smp
KLOCK_INC := -Ikernel/config/smp/include
else
KLOCK_INC := -Ikernel/config/up/include
endif
KERNEL_SRCS := $(filter-out $(KCOV_NOT_SRCS),$(KERNEL_GENERIC_SRCS) \
    $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S)))
KERNEL_OBJS := $(patsubst %,$(KERNEL_BUILD)/%.o,$(KERNEL_SRCS))
KERNEL_INC := -Ikernel/include -Ikernel/arch/$(ARCH)/include -Iinclude -Ibench/include \
    -I$(KERNEL_BUILD)/generated $(KLOCK_INC)
KERNEL_LDS := $(or $(KCOV_LDS),kernel/arch/$(ARCH)/kernel.ld)
ASM_OFFSETS_H := $(KERNEL_BUILD)/generated/asm_offsets.h
KERNEL_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

KERNEL_ELF := $(KERNEL_BUILD)/bastion.elf
KERNEL_BIN := $(KERNEL_BUILD)/bastion.bin
ALL_TARGETS += $(KERNEL_ELF) $(KERNEL_BIN)
RUN_IMAGE ?= $(KERNEL_BIN)

$(KERNEL_BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KERNEL_CFLAGS) $(KERNEL_INC) -DBASTION_VERSION='"$(KERNEL_VERSION)"' -c $< -o $@

$(KERNEL_BUILD)/%.S.o: %.S $(ASM_OFFSETS_H)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KERNEL_ASFLAGS) $(KERNEL_INC) -c $< -o $@

# Structure offsets for the assembly (asm_offsets.c): compiled to assembly, each
# "->NAME value" marker becomes a #define.
$(ASM_OFFSETS_H): kernel/arch/$(ARCH)/offsets/asm_offsets.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -MMD -MP,$(KERNEL_CFLAGS)) $(KERNEL_INC) -MMD -MP -MT $@ \
	    -MF $(KERNEL_BUILD)/generated/asm_offsets.d -S $< -o $@.s
	$(Q){ echo '/* Generated from $< by kernel.mk: do not edit. */'; \
	    sed -n 's/.*->\([A-Z_0-9]*\) \$$\{0,1\}\(-\{0,1\}[0-9]*\).*/#define \1 \2/p' $@.s; } >$@.tmp
	$(Q)mv $@.tmp $@
-include $(KERNEL_BUILD)/generated/asm_offsets.d

# Symbol table: generated from a link, assembled into its own section (.ksymtab).
$(KERNEL_BUILD)/ksyms-empty.S: kernel/arch/$(ARCH)/gen-ksyms.sh
	@mkdir -p $(dir $@)
	$(Q)$< /dev/null >$@

$(KERNEL_BUILD)/ksyms-empty.o: $(KERNEL_BUILD)/ksyms-empty.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(KERNEL_BUILD)/pass1.elf: $(KERNEL_OBJS) $(KERNEL_BUILD)/ksyms-empty.o $(KERNEL_LDS)
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(KERNEL_LDS) -o $@ $(KERNEL_OBJS) $(KERNEL_BUILD)/ksyms-empty.o

$(KERNEL_BUILD)/ksyms.S: $(KERNEL_BUILD)/pass1.elf kernel/arch/$(ARCH)/gen-ksyms.sh
	$(Q)$(NM) -n --defined-only $< | kernel/arch/$(ARCH)/gen-ksyms.sh - >$@

$(KERNEL_BUILD)/ksyms.o: $(KERNEL_BUILD)/ksyms.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) $(KERNEL_BUILD)/ksyms.o $(KERNEL_LDS)
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(KERNEL_LDS) -Map=$(KERNEL_BUILD)/bastion.map -o $@ $(KERNEL_OBJS) $(KERNEL_BUILD)/ksyms.o
	$(Q)cmp -s <($(NM) -n --defined-only $(KERNEL_BUILD)/pass1.elf | grep -i ' t ') \
	          <($(NM) -n --defined-only $@ | grep -i ' t ') \
	    || { echo "kernel: code moved between the two links; symbol table would lie" >&2; rm -f $@; exit 1; }

$(KERNEL_BIN): $(KERNEL_ELF)
	$(Q)$(OBJCOPY) -O binary --remove-section=.note* $< $@

.PHONY: kernel
kernel: $(KERNEL_ELF) $(KERNEL_BIN)

-include $(KERNEL_OBJS:.o=.d)
