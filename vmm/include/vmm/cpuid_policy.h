/*
 * What CPUID tells the guest (docs/virtualisation.md, "CPUID and MSR policy").
 *
 * Start from the host's answer and take away what the VMM does not provide or must not
 * lend: virtualisation itself (SVM, VMX), MONITOR/MWAIT (a guest could sleep without an
 * exit), performance counters and debug stores (not switched), XSAVE and everything
 * that needs it (AVX...: the vCPU interface has no way to set the guest's XCR0 yet),
 * the topology of the host (one vCPU, APIC ID 0), thermal and power leaves. Add what it
 * emulates: the hypervisor bit, x2APIC and the TSC-deadline timer, and the hypervisor
 * leaves 0x40000000 ("BastionVMM\0\0") and 0x40000010 (TSC and APIC timer kHz).
 * Leaves above the maximum the guest is told are zero.
 */
#ifndef VMM_CPUID_POLICY_H
#define VMM_CPUID_POLICY_H

#include <stdint.h>

enum { VMM_EAX, VMM_EBX, VMM_ECX, VMM_EDX };

/* The host's CPUID: out[VMM_EAX..VMM_EDX] for (leaf, subleaf). */
typedef void (*vmm_host_cpuid_fn)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

struct vmm_cpuid_policy {
    vmm_host_cpuid_fn host;
    uint32_t tsc_khz; /* the guest's TSC rate, told in leaf 0x40000010 */
};

#define VMM_CPUID_MAX_BASIC 0xdu
#define VMM_CPUID_HV_BASE   0x40000000u
#define VMM_CPUID_HV_TIMING 0x40000010u

/* The guest's answer for (leaf, subleaf) into out[4]. */
void vmm_cpuid(const struct vmm_cpuid_policy *p, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

#endif
