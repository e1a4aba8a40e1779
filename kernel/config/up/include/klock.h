/*
 * The kernel lock of the single-CPU kernel (the default build, SMP unset): there is
 * nothing to lock, so every operation is empty and inlined away, and the entry and exit
 * paths assemble to exactly what they were before the lock existed (no instruction and
 * no byte of data: the single-CPU figures cannot move). The SMP build
 * (kernel/config/smp/include/klock.h) has the real lock behind the same names; the
 * include path picks one (kernel/kernel.mk). The application processors are started
 * and parked (arch/smp.h), and run no kernel code after that.
 */
#ifndef BASTION_KLOCK_H
#define BASTION_KLOCK_H

#ifdef __ASSEMBLER__
/* clang-format off */
.macro KLOCK_ACQUIRE
.endm
.macro KLOCK_RELEASE
.endm
/* The fastpath's check that a scheduling context is unlimited and this CPU's: there is
 * one CPU, so only that it is unlimited. */
.macro KLOCK_SC_UNLIMITED_HERE sc, fail
    cmpb $0, SC_LIMITED(\sc)
    jne \fail
.endm
/* clang-format on */
#else
#include <ktypes.h>

/* Whether the kernel runs on more than one CPU (the SMP build). */
#define KLOCK_SMP false

static inline void klock_acquire(void)
{
}
static inline void klock_release(void)
{
}
/* An interrupt taken in kernel mode: whether its handler took the lock (it never needs
 * to here), and the matching release. */
static inline bool klock_interrupt_enter(void)
{
    return false;
}
static inline void klock_interrupt_exit(bool taken)
{
    (void)taken;
}
/* Around an idle halt (machine.c): nothing to release. */
static inline void klock_idle_begin(void)
{
}
static inline void klock_idle_end(void)
{
}
#endif

#endif
