/*
 * Per-CPU data, reached through GS in the kernel (SWAPGS on every entry from user
 * mode and before every return). The first words are read by the entry assembly.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <arch/context.h>
#include <ktypes.h>

struct cpu_local {
    uint64_t kernel_rsp;              /* top of this CPU's kernel stack */
    uint64_t user_rsp;                /* scratch during SYSCALL entry */
    struct arch_context *current_ctx; /* where entry saves the user registers */
    struct cpu_local *self;
    unsigned id;
    uint64_t fs_base; /* the user FS and GS bases loaded in the MSRs */
    uint64_t gs_base;
};

_Static_assert(offsetof(struct cpu_local, kernel_rsp) == CPU_KERNEL_RSP, "percpu layout");
_Static_assert(offsetof(struct cpu_local, user_rsp) == CPU_USER_RSP, "percpu layout");
_Static_assert(offsetof(struct cpu_local, current_ctx) == CPU_CURRENT_CTX, "percpu layout");

/* Set up this (the boot) CPU's block and GS; kernel_rsp is the kernel stack top. */
void percpu_init(uint64_t kernel_rsp);

static inline struct cpu_local *this_cpu(void)
{
    struct cpu_local *c;
    __asm__ volatile("movq %%gs:24, %0" : "=r"(c));
    return c;
}

#endif
