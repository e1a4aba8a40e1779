/* The guest's CPUID (cpuid_policy.h). */
#include <vmm/cpuid_policy.h>

/* Leaf 1 ECX */
#define L1C_MONITOR      (1u << 3)
#define L1C_VMX          (1u << 5)
#define L1C_SMX          (1u << 6)
#define L1C_EST          (1u << 7)
#define L1C_TM2          (1u << 8)
#define L1C_PDCM         (1u << 15)
#define L1C_X2APIC       (1u << 21)
#define L1C_TSC_DEADLINE (1u << 24)
#define L1C_XSAVE        (1u << 26)
#define L1C_OSXSAVE      (1u << 27)
#define L1C_AVX          (1u << 28)
#define L1C_F16C         (1u << 29)
#define L1C_FMA          (1u << 12)
#define L1C_HYPERVISOR   (1u << 31)
/* Leaf 1 EDX */
#define L1D_DS           (1u << 21)
#define L1D_ACPI         (1u << 22)
#define L1D_TM           (1u << 29)
#define L1D_PBE          (1u << 31)
#define L1D_APIC         (1u << 9)
#define L1D_MCE          (1u << 7) /* machine checks: no MCG/MCi MSRs emulated */
#define L1D_MCA          (1u << 14)
/* Leaf 6 EAX */
#define L6A_ARAT         (1u << 2)
/* Leaf 7.0 EBX: AVX2, AVX-512 (F, DQ, IFMA, PF, ER, CD, BW, VL), RTM/HLE stay */
#define L7B_AVX_ALL                                                                                \
    ((1u << 5) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) |     \
     (1u << 30) | (1u << 31))
#define L7B_INTEL_PT (1u << 25)
#define L7B_SGX      (1u << 2)
/* Leaf 7.0 ECX: AVX-512 VBMI etc., WAITPKG (a sleep without exit), VAES/VPCLMUL need AVX */
#define L7C_AVX_ALL                                                                                \
    ((1u << 1) | (1u << 6) | (1u << 9) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 14))
#define L7C_WAITPKG  (1u << 5)
#define L7C_LA57     (1u << 16) /* 5-level paging: the VCPU refuses CR4.LA57 */
#define L7C_RDPID    (1u << 22) /* reads TSC_AUX, which the VCPU does not hold */
/* Leaf 0x80000001 ECX */
#define E1C_SVM      (1u << 2)
#define E1C_EXTAPIC  (1u << 3)
#define E1C_SKINIT   (1u << 12)
#define E1C_MWAITX   (1u << 29)
#define E1C_PERFCTR  ((1u << 23) | (1u << 24) | (1u << 28))
#define E1C_XOP_FMA4 ((1u << 11) | (1u << 16))
/* Leaf 0x80000001 EDX */
#define E1D_RDTSCP   (1u << 27) /* TSC_AUX: not a VCPU register */

static void zero(uint32_t out[4])
{
    out[0] = out[1] = out[2] = out[3] = 0;
}

static void leaf1(uint32_t out[4])
{
    out[VMM_EBX] &= 0x0000ffffu; /* APIC ID 0, one logical processor, CLFLUSH size kept */
    out[VMM_EBX] |= 1u << 16;
    out[VMM_ECX] &= ~(L1C_MONITOR | L1C_VMX | L1C_SMX | L1C_EST | L1C_TM2 | L1C_PDCM | L1C_XSAVE |
                      L1C_OSXSAVE | L1C_AVX | L1C_F16C | L1C_FMA);
    out[VMM_ECX] |= L1C_X2APIC | L1C_TSC_DEADLINE | L1C_HYPERVISOR;
    out[VMM_EDX] &= ~(L1D_DS | L1D_ACPI | L1D_TM | L1D_PBE | L1D_MCE | L1D_MCA);
    out[VMM_EDX] |= L1D_APIC;
}

static void leaf7(uint32_t subleaf, uint32_t out[4])
{
    if (subleaf != 0) {
        zero(out);
        return;
    }
    out[VMM_EAX] = 0; /* no further subleaves */
    out[VMM_EBX] &= ~(L7B_AVX_ALL | L7B_INTEL_PT | L7B_SGX);
    out[VMM_ECX] &= ~(L7C_AVX_ALL | L7C_WAITPKG | L7C_LA57 | L7C_RDPID);
    out[VMM_EDX] = 0; /* AVX-512 extras, hybrid, speculation controls: not offered */
}

static void hypervisor_leaf(const struct vmm_cpuid_policy *p, uint32_t leaf, uint32_t out[4])
{
    zero(out);
    if (leaf == VMM_CPUID_HV_BASE) {
        out[VMM_EAX] = VMM_CPUID_HV_TIMING;
        out[VMM_EBX] = 0x74736142; /* "Bast" */
        out[VMM_ECX] = 0x566e6f69; /* "ionV" */
        out[VMM_EDX] = 0x00004d4d; /* "MM\0\0" */
    } else if (leaf == VMM_CPUID_HV_TIMING) {
        out[VMM_EAX] = p->tsc_khz;
        out[VMM_EBX] = p->tsc_khz; /* the APIC timer counts at the TSC rate */
    }
}

static void extended_leaf(uint32_t leaf, uint32_t out[4])
{
    if (leaf == 0x80000001u) {
        out[VMM_ECX] &=
            ~(E1C_SVM | E1C_EXTAPIC | E1C_SKINIT | E1C_MWAITX | E1C_PERFCTR | E1C_XOP_FMA4);
        out[VMM_EDX] &= ~E1D_RDTSCP;
    } else if (leaf == 0x80000008u)
        out[VMM_ECX] = 0; /* one core, no APIC ID size */
    else if (leaf == 0x8000000au || leaf > 0x80000008u)
        zero(out); /* SVM's leaf, and AMD's topology, power and SEV leaves */
}

void vmm_cpuid(const struct vmm_cpuid_policy *p, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    if (leaf >= 0x40000000u && leaf < 0x80000000u) {
        hypervisor_leaf(p, leaf, out);
        return;
    }
    p->host(leaf, subleaf, out);
    if (leaf >= 0x80000000u) {
        uint32_t max[4];
        p->host(0x80000000u, 0, max);
        if (leaf > max[VMM_EAX])
            zero(out);
        else if (leaf != 0x80000000u)
            extended_leaf(leaf, out);
        return;
    }
    switch (leaf) {
    case 0:
        if (out[VMM_EAX] > VMM_CPUID_MAX_BASIC)
            out[VMM_EAX] = VMM_CPUID_MAX_BASIC;
        return;
    case 1:
        leaf1(out);
        return;
    case 2:
    case 3:
    case 0xc:
        return; /* caches, serial number, reserved: as they are */
    case 4:
        out[VMM_EAX] &= 0x3ff; /* cache level and type only: one core, no sharing */
        return;
    case 7:
        leaf7(subleaf, out);
        return;
    case 6:
        /* Thermal and power: nothing but ARAT, the APIC timer runs in every C-state (the
         * emulated one always does); without it Linux keeps the PIT as its clock. */
        zero(out);
        out[VMM_EAX] = L6A_ARAT;
        return;
    case 0xb:
        /* Topology: one thread at APIC ID 0 on level 0, nothing beyond. */
        zero(out);
        if (subleaf == 0) {
            out[VMM_EBX] = 1;
            out[VMM_ECX] = 0x100;
        } else {
            out[VMM_ECX] = subleaf & 0xff;
        }
        return;
    default: /* 5 MONITOR, 8, 9 DCA, 0xa perfmon, 0xd XSAVE, above the max */
        zero(out);
        return;
    }
}
