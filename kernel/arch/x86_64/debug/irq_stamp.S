/*
 * Interrupt-entry stamping stubs (arch/irq_stamp.h), one per IOAPIC pin vector, each
 * IRQ_STAMP_STUB_SIZE bytes. The CPU has pushed its frame on the kernel stack; the stub
 * reads the TSC exactly as the benchmarks' user-side timestamps do (lfence; rdtsc;
 * lfence), stores it, restores the two registers it used and jumps to the vector's
 * ordinary stub, so the entry path that follows is the one every interrupt takes.
 * It touches no GS-relative state (GS may still be the user's here). In .kpti.text: it
 * runs before the entry switches to the kernel view (arch/kpti.h).
 */
#include <arch/irq_stamp.h>
#include <arch/trap.h>

    .section .kpti.text, "ax"
    .balign 64
    .globl irq_stamp_stubs
irq_stamp_stubs:
    .set stamp_vector, IRQ_STAMP_FIRST_VECTOR
    .rept IRQ_STAMP_VECTORS
    .balign IRQ_STAMP_STUB_SIZE
    pushq %rax
    pushq %rdx
    lfence
    rdtsc
    lfence
    shlq $32, %rdx
    orq %rax, %rdx
    movq %rdx, arch_irq_entry_stamp(%rip)
    popq %rdx
    popq %rax
    jmp entry_stubs + stamp_vector * ENTRY_STUB_SIZE
    .set stamp_vector, stamp_vector + 1
    .endr

