/*
 * The SMP kernel's cross-CPU scheduling (ksmp.h): stopping a thread another CPU runs,
 * asking a CPU to decide again, and TLB shootdown. Each runs under the kernel lock, on
 * the CPU that holds it; what only the other CPU can do (its registers, its TLB) it does
 * in a cross-CPU call (arch/smp.h), which it serves without the lock.
 */
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/vspace.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/thread.h>
#include <arch/trap.h>
#include <kassert.h>
#include <kprintf.h>
#include <ksmp.h>
#include <thread/sched.h>

unsigned ksmp_cpus(void)
{
    unsigned n = smp_cpus_online();
    return n < KCPU_MAX ? n : KCPU_MAX;
}

/* On the CPU that runs t, in a cross-CPU call: its registers are in its TCB already (the
 * entry that serves the call saved them: a SYSCALL entry waiting for the lock, or an
 * interrupt or exception from user mode). A system call it was entering is made again
 * when it next runs, on whichever CPU: nothing of it was done. */
static void stop_here(uint64_t arg)
{
    struct tcb *t = (struct tcb *)arg;
    struct cpu_local *c = this_cpu();
    if (c->klock_syscall && c->current_ctx == &t->arch.ctx) {
        arch_syscall_restart(&t->arch.ctx);
    }
    sched_stop_here(t);
}

void ksmp_stop(struct tcb *t, unsigned cpu)
{
    kassert(cpu != kcpu_id());
    if (!smp_call(1u << cpu, stop_here, (uint64_t)t)) {
        kprintf("smp: CPU %u did not stop its thread within 1 s\n", cpu);
        kassert_fail("the stop was served", __FILE__, __LINE__, __func__);
    }
    ksmp_kick(cpu);
}

static uint64_t device_interrupts[KCPU_MAX], resched_interrupts[KCPU_MAX];

void ksmp_count_interrupt(bool resched)
{
    uint64_t *count = resched ? resched_interrupts : device_interrupts;
    count[kcpu_id()]++;
}

uint64_t ksmp_device_interrupts(void)
{
    return device_interrupts[kcpu_id()];
}

uint64_t ksmp_resched_interrupts(void)
{
    return resched_interrupts[kcpu_id()];
}

void ksmp_kick(unsigned cpu)
{
    smp_send_ipi(cpu, VEC_SMP_RESCHED);
}

static void flush_tlb(uint64_t unused)
{
    (void)unused;
    write_cr3(read_cr3());
}

/* The other CPUs with pml4 in CR3. */
static uint32_t cpus_in(paddr_t pml4)
{
    uint32_t cpus = 0;
    unsigned self = kcpu_id();
    for (unsigned c = 0; c < ksmp_cpus(); c++) {
        if (c != self && KCPU_HOT_ON(c, arch_active_pml4) == pml4) {
            cpus |= 1u << c;
        }
    }
    return cpus;
}

void ksmp_tlb_shootdown(paddr_t pml4)
{
    uint32_t cpus = cpus_in(pml4);
    if (cpus != 0 && !smp_call(cpus, flush_tlb, 0)) {
        kprintf("smp: TLB shootdown not served within 1 s (CPUs %#x)\n", cpus);
        kassert_fail("the shootdown was served", __FILE__, __LINE__, __func__);
    }
}

static void leave_space(uint64_t pml4)
{
    if (KCPU_HOT(arch_active_pml4) == pml4) {
        write_cr3(paging_kernel_root());
        KCPU_HOT(arch_active_pml4) = 0;
    }
}

void ksmp_space_gone(paddr_t pml4)
{
    uint32_t cpus = cpus_in(pml4);
    if (cpus != 0 && !smp_call(cpus, leave_space, pml4)) {
        kprintf("smp: CPUs %#x did not leave a deleted address space within 1 s\n", cpus);
        kassert_fail("the space was left", __FILE__, __LINE__, __func__);
    }
}
