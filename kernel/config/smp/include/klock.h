/*
 * The kernel lock of the SMP build (SMP=1): one lock for the whole kernel, taken at every
 * entry (SYSCALL before the assembly fastpath, an exception or interrupt from user mode,
 * an interrupt that ends an idle halt) and released at every exit (arch_return_to_user,
 * the assembly fastpath's SYSRET, the end of such an interrupt). Kernel code therefore
 * runs on one CPU at a time and every kernel data structure keeps its single-CPU rules;
 * docs/kernel.md ("Several CPUs") says why one lock and what finer locking would cost.
 * A test-and-test-and-set lock (arch/klock.h). The single-CPU build has the same names, empty
 * (kernel/config/up/include/klock.h).
 */
#ifndef BASTION_KLOCK_H
#define BASTION_KLOCK_H

#include <arch/klock.h>

#ifndef __ASSEMBLER__
#include <arch/percpu.h>
#include <arch/smp.h>

#define KLOCK_SMP true

extern struct klock kernel_lock;

/* Take the lock (arch/klock.h); the caller does not hold it. While it waits it serves
 * cross-CPU calls (arch/smp.h): the holder may be waiting for this CPU to. */
static inline void klock_acquire(void)
{
    while (__atomic_fetch_or(&kernel_lock.word, 1u, __ATOMIC_ACQUIRE) & 1u) {
        while (__atomic_load_n(&kernel_lock.word, __ATOMIC_RELAXED) & 1u) {
            if (__atomic_load_n(&this_cpu()->call_asked, __ATOMIC_RELAXED) !=
                this_cpu()->call_served) {
                smp_call_serve();
            }
            arch_klock_spin();
        }
    }
}

/* Release it; the caller holds it. */
static inline void klock_release(void)
{
    __atomic_store_n(&kernel_lock.word, 0u, __ATOMIC_RELEASE);
}

/* An interrupt taken in kernel mode: the kernel runs with interrupts off, so it came
 * during an idle halt (klock_idle_begin) unless it is an NMI or a machine check, and
 * only then does its handler take the lock; returns whether it did. */
static inline bool klock_interrupt_enter(void)
{
    if (this_cpu()->klock_idle) {
        klock_acquire();
        return true;
    }
    return false;
}

static inline void klock_interrupt_exit(bool taken)
{
    if (taken) {
        klock_release();
    }
}

/* Around an idle halt (machine.c): the halted CPU gives the lock up, and an interrupt
 * that wakes it takes the lock for its handler; afterwards the CPU holds it again. */
static inline void klock_idle_begin(void)
{
    this_cpu()->klock_idle = 1;
    klock_release();
}

static inline void klock_idle_end(void)
{
    klock_acquire();
    this_cpu()->klock_idle = 0;
}
#endif

#endif
