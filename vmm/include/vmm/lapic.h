/*
 * The guest's local APIC in x2APIC mode with the TSC-deadline timer (docs/virtualisation.md,
 * "Interrupts and time").
 *
 * Why x2APIC: its registers are MSRs (0x800-0x8ff), so every access is an MSR exit that
 * names the register and carries the value; the xAPIC's MMIO page would need the VMM to
 * decode the guest's instructions. Why the TSC-deadline timer: the guest writes the
 * absolute TSC of its next tick, which is what the VMM needs to arm its own timeout, and
 * Linux then needs no calibration of the APIC timer against another clock. One-shot and
 * periodic modes work too, counting at the TSC rate divided by the divide register.
 *
 * Emulated: ID (0), version, TPR, PPR, EOI, LDR, SVR, ISR/TMR/IRR, ESR, ICR (self
 * IPIs only: one vCPU), the six LVTs, initial/current count, divide, SELF_IPI, and
 * IA32_TSC_DEADLINE (0x6e0). A reserved register, a write to a read-only one or a
 * non-zero reserved bit gets #GP, as on hardware.
 */
#ifndef VMM_LAPIC_H
#define VMM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VMM_MSR_TSC_DEADLINE 0x6e0u
#define VMM_MSR_X2APIC_FIRST 0x800u
#define VMM_MSR_X2APIC_LAST  0x8ffu

enum vmm_msr_status {
    VMM_MSR_OK,       /* done; a read's value is set */
    VMM_MSR_GP,       /* the guest gets #GP(0) */
    VMM_MSR_NOT_MINE, /* not this module's MSR */
};

struct vmm_lapic {
    uint32_t tpr, svr, esr, ldr;
    uint32_t lvt[6]; /* timer, thermal, perf, LINT0, LINT1, error (MSR 0x832-0x837) */
    uint32_t initial_count, divide_conf;
    uint64_t isr[4], irr[4], tmr[4];
    uint64_t timer_start; /* guest TSC when the count was loaded */
    uint64_t deadline;    /* the TSC-deadline mode's target; 0: disarmed */
    uint64_t timer_fired; /* how many timer interrupts were raised (for reports) */
};

void vmm_lapic_reset(struct vmm_lapic *l);
/* RDMSR / WRMSR of msr at guest TSC now. */
enum vmm_msr_status vmm_lapic_rdmsr(struct vmm_lapic *l, uint32_t msr, uint64_t now,
                                    uint64_t *value);
enum vmm_msr_status vmm_lapic_wrmsr(struct vmm_lapic *l, uint32_t msr, uint64_t value,
                                    uint64_t now);
/* Raise the timer's interrupt if it is due at now (call before looking for work). */
void vmm_lapic_update(struct vmm_lapic *l, uint64_t now);
/* Guest TSC of the timer's next interrupt; UINT64_MAX when none is armed. */
uint64_t vmm_lapic_next_event(const struct vmm_lapic *l);
/* Request vector (16-255) from a device or IPI. */
void vmm_lapic_raise(struct vmm_lapic *l, unsigned vector);
/* The vector to deliver now (highest requested above the processor priority), or -1. */
int vmm_lapic_pending(const struct vmm_lapic *l);
/* The guest takes vector: it moves from IRR to ISR. */
void vmm_lapic_accept(struct vmm_lapic *l, unsigned vector);
/* Whether external (8259) interrupts reach the CPU: the APIC software-disabled, or
 * LINT0 unmasked in ExtINT mode (virtual wire). */
bool vmm_lapic_extint_open(const struct vmm_lapic *l);

#endif
