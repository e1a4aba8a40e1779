# Compiler and flag settings shared by every part of the build.
#
# Two families of flags: KERNEL_* for freestanding code (kernel, init, components),
# HOST_* for programs that run on the build machine (the bastion tool, host unit tests).
# Warnings are errors with both gcc and clang.

Q := $(if $(V),,@)
LD ?= ld
OBJCOPY ?= objcopy
NM ?= nm
HOST_CC ?= $(CC)

CC_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -q clang && echo 1)

WARN_FLAGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wpointer-arith -Wvla -Wundef

# Freestanding x86_64 code: no red zone (interrupts use the stack), no SSE in the
# kernel (its FPU state belongs to users), kernel code model for the top 2 GiB.
FREESTANDING_FLAGS := -std=c11 -ffreestanding -fno-builtin -fno-stack-protector -fno-pic \
    -fno-pie -fno-common -fno-omit-frame-pointer -fno-strict-aliasing -nostdinc \
    -isystem $(shell $(CC) -print-file-name=include) \
    -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx -mno-3dnow -msoft-float -O2 -g
ifneq ($(CC_IS_CLANG),1)
FREESTANDING_FLAGS += -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns
else
FREESTANDING_FLAGS += -fno-asynchronous-unwind-tables -fno-unwind-tables
endif

KERNEL_CFLAGS := $(FREESTANDING_FLAGS) $(WARN_FLAGS) -mcmodel=kernel -MMD -MP
KERNEL_ASFLAGS := -ffreestanding -fno-pic -nostdinc -MMD -MP -D__ASSEMBLY__
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN_FLAGS) -MMD -MP
HOST_LDFLAGS :=

# Every C file the project owns is kept clang-format clean (`make format-check`).
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
