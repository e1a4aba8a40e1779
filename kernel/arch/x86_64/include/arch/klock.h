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
/* Take the kernel lock (the SYSCALL entries, once the user registers are saved in the
 * context at RSP). Clobbers flags only when the lock is free. Otherwise it waits out of
 * line in C (klock_syscall_wait, on the kernel stack), which serves cross-CPU calls
 * meanwhile: the holder may be waiting for this CPU (a TLB shootdown, a stop). The C
 * call clobbers the registers the C ABI does not preserve, so they are loaded back from
 * the context (SAVE_USER_REGS saved them all). When a call stopped this thread (it is
 * no longer this CPU's current thread: its system call was rewound to be made again),
 * the entry is abandoned and the kernel's exit chooses afresh. */
.macro KLOCK_ACQUIRE
    lock btsl $0, kernel_lock(%rip)
    jc 97f
98:
    .pushsection .text.klock_wait, "ax"
97: movq %gs:CPU_KERNEL_RSP, %rsp
    call klock_syscall_wait
    testb %al, %al
    jz 96f
    movq %gs:CPU_CURRENT_CTX, %rsp
    movq CTX_RIP(%rsp), %rcx
    movq CTX_RFLAGS(%rsp), %r11
    movq CTX_RAX(%rsp), %rax
    movq CTX_RDX(%rsp), %rdx
    movq CTX_RSI(%rsp), %rsi
    movq CTX_RDI(%rsp), %rdi
    movq CTX_R8(%rsp), %r8
    movq CTX_R9(%rsp), %r9
    movq CTX_R10(%rsp), %r10
    jmp 98b
96: call kernel_exit
    .popsection
.endm

/* The assembly fastpath's check that the scheduling context `sc` is unlimited and this
 * CPU's (a switch to a thread whose context runs elsewhere is the full path's): one
 * compare of its fastpath_cpu (0xff when limited) with this CPU's number, one
 * instruction more than the single-CPU kernel's test of `limited`. Clobbers RCX. */
.macro KLOCK_SC_UNLIMITED_HERE sc, fail
    movzbl SC_FASTPATH_CPU(\sc), %ecx
    cmpl %gs:CPU_ID, %ecx
    jne \fail
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

/* The SYSCALL entries' wait for the lock (KLOCK_ACQUIRE, config/smp/klock.c): takes it,
 * serving cross-CPU calls meanwhile; returns whether this CPU's current thread is still
 * the one that entered (false: a call stopped it, and the entry is abandoned). */
bool klock_syscall_wait(void);

/* While waiting: tell the CPU it spins (PAUSE). */
static inline void arch_klock_spin(void)
{
    __asm__ volatile("pause" ::: "memory");
}
#endif

#endif
