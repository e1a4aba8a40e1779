/*
 * Cross-CPU calls (arch/smp.h), the SMP kernel's way for one CPU to make others act on
 * their own state (TLB shootdown, stopping a thread they run: docs/kernel.md, "Several
 * CPUs"). Only the kernel lock's holder makes a call, so there is one at a time: the
 * function and its argument in `call`, and per target CPU a count of calls asked
 * (cpu_local.call_asked, raised by the caller after it wrote `call`) and served
 * (call_served, set by the target after it ran the function). The caller holds the lock
 * while it waits, so a target must serve without it: the call IPI's handler serves before
 * it would take the lock, and a CPU that waits for the lock (interrupts off, so the IPI
 * stays pending) serves from the wait loop (klock.h). Without that second place two CPUs
 * deadlock: the caller waits for a CPU that waits for the caller's lock.
 */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <timer.h>

static struct {
    void (*fn)(uint64_t);
    uint64_t arg;
} call;

void smp_call_serve(void)
{
    struct cpu_local *c = this_cpu();
    uint32_t asked = __atomic_load_n(&c->call_asked, __ATOMIC_ACQUIRE);
    if (asked != c->call_served) {
        call.fn(call.arg);
        __atomic_store_n(&c->call_served, asked, __ATOMIC_RELEASE);
    }
}

bool smp_call(uint32_t cpus, void (*fn)(uint64_t), uint64_t arg)
{
    unsigned n = smp_cpus_online(), self = this_cpu()->id;
    uint32_t asked[ARCH_MAX_CPUS] = {0};
    call.fn = fn;
    call.arg = arg;
    for (unsigned i = 0; i < n; i++) {
        if (i != self && (cpus & (1u << i))) {
            asked[i] = __atomic_add_fetch(&cpu_locals[i].call_asked, 1, __ATOMIC_RELEASE);
            smp_send_ipi(i, VEC_SMP_CALL);
        }
    }
    uint64_t end = arch_counter_read() + arch_counter_hz();
    bool all = true;
    for (unsigned i = 0; i < n; i++) {
        if (i == self || !(cpus & (1u << i))) {
            continue;
        }
        while (__atomic_load_n(&cpu_locals[i].call_served, __ATOMIC_ACQUIRE) != asked[i] &&
               arch_counter_read() < end) {
            cpu_relax();
        }
        all = all && cpu_locals[i].call_served == asked[i];
    }
    return all;
}
