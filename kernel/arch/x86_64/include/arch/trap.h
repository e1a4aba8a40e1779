/*
 * The trap frame: what entry.S saves on every exception and interrupt, in the order it
 * pushes it. The layout is ABI between assembly and C; the asserts pin it.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#define ENTRY_STUB_SIZE 16

#ifndef __ASSEMBLY__
#include <ktypes.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    /* pushed by the CPU */
    uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout is ABI with entry.S");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "entry.S pushes vector here");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "CPU frame follows error code");

/* Exception vectors. */
enum {
    VEC_DE = 0,
    VEC_DB = 1,
    VEC_NMI = 2,
    VEC_BP = 3,
    VEC_OF = 4,
    VEC_BR = 5,
    VEC_UD = 6,
    VEC_NM = 7,
    VEC_DF = 8,
    VEC_TS = 10,
    VEC_NP = 11,
    VEC_SS = 12,
    VEC_GP = 13,
    VEC_PF = 14,
    VEC_MF = 16,
    VEC_AC = 17,
    VEC_MC = 18,
    VEC_XM = 19,
    VEC_VE = 20,
    VEC_CP = 21,
    VEC_FIRST_IRQ = 32,
    VEC_TIMER = 32,
    VEC_IOMMU_FAULT = 0xf1, /* the DMA remapping unit's fault event (iommu.c) */
    VEC_SMP_WAKE = 0xf2,    /* an IPI that wakes an idle CPU (smp.c) */
    VEC_SMP_CALL = 0xf3,    /* a cross-CPU call, served without the kernel lock (smp_call.c) */
    VEC_SMP_RESCHED = 0xf4, /* decide again: a thread was made runnable here (ksmp.c) */
    VEC_BENCH = 0xfe,       /* software interrupt of the trap round-trip benchmark */
    VEC_SPURIOUS = 255,
};

#define NUM_VECTORS 256

void idt_init(void);
/* Load the IDT idt_init() built (the application processors: smp.c). */
void idt_load(void);
/* Route `vector` to `handler` (an entry with the stubs' contract: it ends by jumping to
 * the vector's own stub), or back to its own stub when handler is 0. Debug tools only. */
void idt_route(unsigned vector, uint64_t handler);
void trap_dispatch(struct trap_frame *f);
/* The IOMMU's fault event: read and report its fault records (iommu.c). */
void arch_iommu_fault_interrupt(void);

#endif /* __ASSEMBLY__ */

#endif
