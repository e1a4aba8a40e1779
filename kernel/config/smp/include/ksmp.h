/*
 * The scheduler's CPUs in the SMP kernel (SMP=1; the single-CPU build's versions, all
 * empty: kernel/config/up/include/ksmp.h). A thread runs on the CPU of its scheduling
 * context (thread/sched.h: sched_cpu_of). The kernel lock's holder changes another CPU's
 * queues directly (nothing else runs kernel code meanwhile) and uses these for what only
 * that CPU can do: leave a thread it runs, drop translations from its TLB, decide again.
 * docs/kernel.md, "Several CPUs".
 */
#ifndef BASTION_KSMP_H
#define BASTION_KSMP_H

#include <ktypes.h>

struct tcb;

/* How many CPUs run threads: every CPU online (at most KCPU_MAX). */
unsigned ksmp_cpus(void);

/* t is the current thread of CPU `cpu` (not this one): by a cross-CPU call, that CPU
 * leaves it (its registers and FPU state are in its TCB afterwards; a system call it was
 * entering is rewound to be made again) and forgets it as its FPU owner and running
 * context (sched_stop_here). The caller then clears that CPU's current thread. Stops the
 * machine if the CPU does not answer within the call's limit: it would go on running a
 * thread the kernel is about to change. */
void ksmp_stop(struct tcb *t, unsigned cpu);

/* CPU `cpu` (not this one) should decide again (a reschedule IPI): a thread was made
 * runnable there, or its current thread was stopped. */
void ksmp_kick(unsigned cpu);

/* A translation of the address space whose root is pml4 was removed or reduced (this
 * CPU has flushed its own TLB): every other CPU that has that space in CR3 now flushes
 * its TLB (a cross-CPU call). A CPU that switched away from the space reloaded CR3 and
 * so holds none of its translations (the SMP kernel does not use PCIDs: arch/vspace.h).
 * After it returns no CPU reaches a page through the removed mapping. */
void ksmp_tlb_shootdown(paddr_t pml4);
/* The address space whose root is pml4 is being deleted: every other CPU with it in
 * CR3 loads the kernel's own root instead (a cross-CPU call). */
void ksmp_space_gone(paddr_t pml4);
/* Count an interrupt taken on this CPU, under the kernel lock: a device's (an IRQ line,
 * resched false) or a reschedule IPI (VEC_SMP_RESCHED). */
void ksmp_count_interrupt(bool resched);
/* This CPU's counts since boot (DEBUG_IDLE_CYCLES reports them to its caller). */
uint64_t ksmp_device_interrupts(void);
uint64_t ksmp_resched_interrupts(void);
#endif
