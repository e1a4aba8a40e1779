/*
 * The scheduler's CPUs in the single-CPU kernel (the default build, SMP unset): one, so
 * no thread ever runs on another CPU and every operation below is empty. The scheduler
 * calls them only behind KCPU_COUNT > 1 (kpercpu.h), which is false here, so the code
 * compiles to exactly what it was. The SMP build's versions:
 * kernel/config/smp/include/ksmp.h.
 */
#ifndef BASTION_KSMP_H
#define BASTION_KSMP_H

#include <ktypes.h>

struct tcb;

/* How many CPUs run threads. */
static inline unsigned ksmp_cpus(void)
{
    return 1;
}
/* Stop t, the current thread of CPU `cpu` (not this one). */
static inline void ksmp_stop(struct tcb *t, unsigned cpu)
{
    (void)t;
    (void)cpu;
}
/* CPU `cpu` (not this one) should decide again: a thread was made runnable there. */
static inline void ksmp_kick(unsigned cpu)
{
    (void)cpu;
}
/* Other CPUs with the space whose root is pml4 in CR3 flush their TLBs: none here. */
static inline void ksmp_tlb_shootdown(paddr_t pml4)
{
    (void)pml4;
}
/* The address space whose root is pml4 is being deleted: every other CPU with it in
 * CR3 loads the kernel's own root instead (a cross-CPU call). */
static inline void ksmp_space_gone(paddr_t pml4)
{
    (void)pml4;
}
/* Count an interrupt taken on this CPU (a device's, or a reschedule IPI): not kept here. */
static inline void ksmp_count_interrupt(bool resched)
{
    (void)resched;
}
/* Interrupts counted per CPU: none kept here (the caller asks only when KCPU_COUNT > 1). */
static inline uint64_t ksmp_device_interrupts(void)
{
    return 0;
}
static inline uint64_t ksmp_resched_interrupts(void)
{
    return 0;
}
#endif
