/*
 * The kernel lock's x86_64 parts (the SMP build only: kernel/config/smp/include/klock.h):
 * the lock word, and the two assembly macros the entry and exit paths use where C cannot
 * run yet (syscall.S, fastpath.S). A test-and-test-and-set lock: an acquirer sets bit 0
 * with one LOCK BTS and owns the lock if it was clear; otherwise it waits, out of line,
 * reading the word (PAUSE) until it looks free and tries again. The holder releases by
 * storing 0: x86's store order makes a plain store a release (every store of the
 * critical section is visible before it). Three instructions in all on an uncontended
 * entry and exit, which is what lets the SMP kernel's same-CPU round trip stay within 3%
 * of the single-CPU one (a ticket lock, FIFO, took five: docs/kernel.md, "Several
 * CPUs"). It is not FIFO: under contention a CPU may lose the race more than once.
 */
#ifndef ARCH_KLOCK_H
#define ARCH_KLOCK_H

#ifdef __ASSEMBLER__
/* clang-format off */
/* Take the kernel lock. Clobbers flags only. */
.macro KLOCK_ACQUIRE
    lock btsl $0, kernel_lock(%rip)
    jc 97f
98:
    .pushsection .text.klock_wait, "ax"
97: pause
    testl $1, kernel_lock(%rip)
    jnz 97b
    lock btsl $0, kernel_lock(%rip)
    jc 97b
    jmp 98b
    .popsection
.endm

/* Release it: no register is needed, so it can be the last thing before the exit
 * switches to the user view. */
.macro KLOCK_RELEASE
    movl $0, kernel_lock(%rip)
.endm
/* clang-format on */
#else
#include <ktypes.h>

/* Bit 0: held. */
struct klock {
    uint32_t word;
};

/* While waiting: tell the CPU it spins (PAUSE). */
static inline void arch_klock_spin(void)
{
    __asm__ volatile("pause" ::: "memory");
}
#endif

#endif
