/*
 * What the guest's RDMSR and WRMSR see for the MSRs the kernel intercepts (docs/
 * virtualisation.md, "CPUID and MSR policy"), besides the local APIC's (lapic.h).
 *
 * A short allow-list, everything else gets #GP(0), as a CPU without the MSR would: a
 * guest that probes with rdmsr_safe learns the MSR is absent, and nothing of the host
 * leaks. Allowed:
 *   IA32_APIC_BASE (0x1b)   0xfee00000, enabled, x2APIC, BSP; a write must keep that
 *                           (no xAPIC MMIO mode to switch to)
 *   IA32_TSC (0x10)         the guest's TSC (read only here)
 *   IA32_MISC_ENABLE (0x1a0) fast strings; writes of the same value
 *   IA32_BIOS_SIGN_ID (0x8b), IA32_PLATFORM_ID (0x17) read 0 (no microcode to report)
 *   MTRRCAP (0xfe) 0: no variable or fixed MTRRs; MTRR_DEF_TYPE (0x2ff) write-back
 *   by default, writes kept (the nested page tables decide caching, not the guest)
 *   AMD's HWCR (0xc0010015) reads 0, writes ignored
 */
#ifndef VMM_MSR_POLICY_H
#define VMM_MSR_POLICY_H

#include <stdint.h>
#include <vmm/lapic.h>

#define VMM_MSR_TSC          0x10u
#define VMM_MSR_PLATFORM_ID  0x17u
#define VMM_MSR_APIC_BASE    0x1bu
#define VMM_MSR_BIOS_SIGN_ID 0x8bu
#define VMM_MSR_MTRRCAP      0xfeu
#define VMM_MSR_MISC_ENABLE  0x1a0u
#define VMM_MSR_MTRR_DEF     0x2ffu
#define VMM_MSR_AMD_HWCR     0xc0010015u

#define VMM_APIC_BASE_VALUE   0xfee00d00ull /* base, EN (11), EXTD (10), BSP (8) */
#define VMM_MISC_ENABLE_VALUE 0x1ull        /* fast strings */

struct vmm_msr_state {
    uint64_t mtrr_def_type;
};

void vmm_msr_reset(struct vmm_msr_state *s);
/* RDMSR msr with the guest's TSC at now: VMM_MSR_OK with *value, or VMM_MSR_GP. */
enum vmm_msr_status vmm_msr_read(const struct vmm_msr_state *s, uint32_t msr, uint64_t now,
                                 uint64_t *value);
/* WRMSR msr = value: VMM_MSR_OK or VMM_MSR_GP. */
enum vmm_msr_status vmm_msr_write(struct vmm_msr_state *s, uint32_t msr, uint64_t value);

#endif
