/* The guest's model-specific registers besides the APIC's (msr_policy.h). */
#include <vmm/msr_policy.h>

#define MTRR_DEF_ENABLE_WB 0xc06ull /* MTRRs enabled, fixed enabled, default write-back */
#define MTRR_DEF_WRITABLE  0xcffull

void vmm_msr_reset(struct vmm_msr_state *s)
{
    s->mtrr_def_type = MTRR_DEF_ENABLE_WB;
}

enum vmm_msr_status vmm_msr_read(const struct vmm_msr_state *s, uint32_t msr, uint64_t now,
                                 uint64_t *value)
{
    switch (msr) {
    case VMM_MSR_TSC:
        *value = now;
        return VMM_MSR_OK;
    case VMM_MSR_APIC_BASE:
        *value = VMM_APIC_BASE_VALUE;
        return VMM_MSR_OK;
    case VMM_MSR_MISC_ENABLE:
        *value = VMM_MISC_ENABLE_VALUE;
        return VMM_MSR_OK;
    case VMM_MSR_PLATFORM_ID:
    case VMM_MSR_BIOS_SIGN_ID:
    case VMM_MSR_MTRRCAP:
    case VMM_MSR_AMD_HWCR:
        *value = 0;
        return VMM_MSR_OK;
    case VMM_MSR_MTRR_DEF:
        *value = s->mtrr_def_type;
        return VMM_MSR_OK;
    default:
        return VMM_MSR_GP;
    }
}

enum vmm_msr_status vmm_msr_write(struct vmm_msr_state *s, uint32_t msr, uint64_t value)
{
    switch (msr) {
    case VMM_MSR_APIC_BASE:
        return value == VMM_APIC_BASE_VALUE ? VMM_MSR_OK : VMM_MSR_GP;
    case VMM_MSR_MISC_ENABLE:
        return value == VMM_MISC_ENABLE_VALUE ? VMM_MSR_OK : VMM_MSR_GP;
    case VMM_MSR_BIOS_SIGN_ID: /* Linux writes 0 before reading the microcode revision */
    case VMM_MSR_AMD_HWCR:
        return VMM_MSR_OK;
    case VMM_MSR_MTRR_DEF:
        if (value & ~MTRR_DEF_WRITABLE)
            return VMM_MSR_GP;
        s->mtrr_def_type = value;
        return VMM_MSR_OK;
    default:
        return VMM_MSR_GP;
    }
}
