/*
 * Per-CPU data, reached through GS in the kernel (SWAPGS on every entry from user
 * mode and before every return). The first words are read by the entry assembly.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <arch/context.h>
#include <kpercpu.h>
#include <ktypes.h>

/* CPUs the kernel brings up (the boot CPU and up to 7 application processors: smp.c). */
#define ARCH_MAX_CPUS 8

struct cpu_local {
    uint64_t kernel_rsp;              /* top of this CPU's kernel stack */
    uint64_t user_rsp;                /* scratch during SYSCALL entry */
    struct arch_context *current_ctx; /* where entry saves the user registers */
    struct cpu_local *self;
    unsigned id;
    uint64_t fs_base; /* the user FS and GS bases loaded in the MSRs */
    uint64_t gs_base;
    /* Page-table isolation (arch/kpti.h): the top of the entry stack (TSS.RSP0 then),
     * where the exit builds its IRETQ frame; a register's home while the exit switches
     * to the user view; and how many entries from user mode found the kernel view
     * loaded, which a correct exit never leaves (DEBUG_ISOLATION reports it). */
    uint64_t entry_rsp;
    uint64_t exit_scratch;
    uint64_t kpti_misses;
    /* Idle accounting (machine.c): the TSC at the end of each idle halt added and at its
     * start subtracted, as two sums of its low and high halves; the cycles halted are
     * idle_tsc_lo + (idle_tsc_hi << 32), modulo 2^64. */
    uint64_t idle_tsc_lo;
    uint64_t idle_tsc_hi;
    /* The SMP build's kernel lock (klock.h): 1 while this CPU halts idle without it, so
     * that the interrupt that wakes it takes the lock for its handler. */
    uint8_t klock_idle;
    /* 1 while this CPU waits for the lock in a SYSCALL entry (klock_syscall_wait): a
     * cross-CPU call that stops its thread there rewinds the system call. */
    uint8_t klock_syscall;
    /* Cross-CPU calls (smp_call.c): how many were asked of this CPU, and how many it
     * served. */
    uint32_t call_asked;
    uint32_t call_served;
} KCPU_STRIDE_ATTR; /* the SMP build: its per-CPU kernel block's stride (kpercpu.h) */

_Static_assert(offsetof(struct cpu_local, kernel_rsp) == CPU_KERNEL_RSP, "percpu layout");
_Static_assert(offsetof(struct cpu_local, user_rsp) == CPU_USER_RSP, "percpu layout");
_Static_assert(offsetof(struct cpu_local, current_ctx) == CPU_CURRENT_CTX, "percpu layout");
#ifdef KCPU_ID_GS /* the SMP build's per-CPU variables (kpercpu.h) */
_Static_assert(offsetof(struct cpu_local, id) == KCPU_ID_GS, "percpu layout");
_Static_assert(offsetof(struct cpu_local, self) == KCPU_SELF_GS, "percpu layout");
_Static_assert(sizeof(struct cpu_local) == KCPU_STRIDE, "percpu stride");
_Static_assert(KCPU_MAX == ARCH_MAX_CPUS, "per-CPU variables for every CPU");
#endif

/* Every CPU's block (the SMP build's kernel.ld measures from it: kpercpu.h). */
extern struct cpu_local cpu_locals[ARCH_MAX_CPUS];

/* Set up this (the boot) CPU's block and GS, and the SYSCALL entry (page-table
 * isolation chosen: arch/kpti.h); kernel_rsp is the kernel stack top. The block is in
 * .kpti.data: the entry reaches it before it switches to the kernel view. */
void percpu_init(uint64_t kernel_rsp);
/* Application processor `cpu`'s block and GS, its SYSCALL MSRs (the entry the boot CPU
 * chose) and, under page-table isolation, its TSS's entry stack (smp.c; after
 * gdt_init_ap). It runs no user code yet. */
void percpu_init_ap(unsigned cpu, uint64_t kernel_rsp);

static inline struct cpu_local *this_cpu(void)
{
    struct cpu_local *c;
    __asm__ volatile("movq %%gs:24, %0" : "=r"(c));
    return c;
}

#endif
