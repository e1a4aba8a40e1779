/* The CPUID and MSR policy on the host: what is hidden, added and refused. */
#include <string.h>
#include <vmm/cpuid_policy.h>
#include <vmm/msr_policy.h>
#include <vmm/vcpu_state.h>

#include "check.h"
#include "tests.h"

/* A host that says yes to everything: every bit set, max leaves high. */
static void host_all(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    (void)subleaf;
    out[0] = out[1] = out[2] = out[3] = 0xffffffffu;
    if (leaf == 0)
        out[0] = 0x20;
    if (leaf == 0x80000000u)
        out[0] = 0x80000021u;
}

void test_cpuid_policy(void)
{
    struct vmm_cpuid_policy p = {.host = host_all, .tsc_khz = 2000000};
    uint32_t r[4];
    vmm_cpuid(&p, 0, 0, r);
    CHECK(r[VMM_EAX] == VMM_CPUID_MAX_BASIC);
    vmm_cpuid(&p, 1, 0, r);
    CHECK(r[VMM_ECX] & (1u << 31));                                  /* hypervisor */
    CHECK(r[VMM_ECX] & (1u << 21) && r[VMM_ECX] & (1u << 24));       /* x2APIC, TSC deadline */
    CHECK(!(r[VMM_ECX] & (1u << 5)));                                /* no VMX */
    CHECK(!(r[VMM_ECX] & (1u << 3)));                                /* no MONITOR */
    CHECK(!(r[VMM_ECX] & (1u << 26)) && !(r[VMM_ECX] & (1u << 28))); /* no XSAVE, AVX */
    CHECK((r[VMM_EBX] >> 24) == 0 && ((r[VMM_EBX] >> 16) & 0xff) == 1);
    vmm_cpuid(&p, 0x80000001u, 0, r);
    CHECK(!(r[VMM_ECX] & (1u << 2))); /* no SVM */
    vmm_cpuid(&p, 0x8000000au, 0, r);
    CHECK(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0);
    vmm_cpuid(&p, 0x90000000u, 0, r); /* above the extended maximum */
    CHECK(r[0] == 0 && r[3] == 0);
    vmm_cpuid(&p, 7, 0, r);
    CHECK(!(r[VMM_EBX] & (1u << 5)) && r[VMM_EAX] == 0 && r[VMM_EDX] == 0);
    vmm_cpuid(&p, 7, 1, r);
    CHECK(r[0] == 0 && r[1] == 0);
    vmm_cpuid(&p, 0xd, 0, r); /* XSAVE leaf: nothing */
    CHECK(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0);
    vmm_cpuid(&p, 0xb, 0, r);
    CHECK(r[VMM_EBX] == 1 && r[VMM_ECX] == 0x100 && r[VMM_EDX] == 0);
    vmm_cpuid(&p, 0x40000000u, 0, r);
    char sig[13] = {0};
    memcpy(sig, &r[1], 4), memcpy(sig + 4, &r[2], 4), memcpy(sig + 8, &r[3], 4);
    CHECK(strcmp(sig, "BastionVMM") == 0 && r[0] == 0x40000010u);
    vmm_cpuid(&p, 0x40000010u, 0, r);
    CHECK(r[0] == 2000000 && r[1] == 2000000);
    vmm_cpuid(&p, 0x4fffffffu, 0, r);
    CHECK(r[0] == 0);
}

void test_msr_policy(void)
{
    struct vmm_msr_state s;
    vmm_msr_reset(&s);
    uint64_t v = 0;
    CHECK(vmm_msr_read(&s, VMM_MSR_APIC_BASE, 0, &v) == VMM_MSR_OK && v == 0xfee00d00ull);
    CHECK(vmm_msr_write(&s, VMM_MSR_APIC_BASE, 0xfee00d00ull) == VMM_MSR_OK);
    CHECK(vmm_msr_write(&s, VMM_MSR_APIC_BASE, 0xfee00900ull) == VMM_MSR_GP); /* leave x2APIC */
    CHECK(vmm_msr_read(&s, VMM_MSR_TSC, 12345, &v) == VMM_MSR_OK && v == 12345);
    CHECK(vmm_msr_read(&s, VMM_MSR_MTRRCAP, 0, &v) == VMM_MSR_OK && v == 0);
    CHECK(vmm_msr_write(&s, VMM_MSR_MTRR_DEF, 0x806) == VMM_MSR_OK);
    CHECK(vmm_msr_read(&s, VMM_MSR_MTRR_DEF, 0, &v) == VMM_MSR_OK && v == 0x806);
    CHECK(vmm_msr_write(&s, VMM_MSR_MTRR_DEF, 1ull << 40) == VMM_MSR_GP);
    /* Unknown MSRs: #GP both ways, e.g. SVM's VM_CR and HSAVE, a made-up one. */
    CHECK(vmm_msr_read(&s, 0xc0010114u, 0, &v) == VMM_MSR_GP);
    CHECK(vmm_msr_write(&s, 0xc0010117u, 0) == VMM_MSR_GP);
    CHECK(vmm_msr_read(&s, 0x12345678u, 0, &v) == VMM_MSR_GP);
    CHECK(vmm_msr_read(&s, 0x3a, 0, &v) == VMM_MSR_GP); /* FEATURE_CONTROL: no VMX to lock */
}

/* The boot state as vCPU registers: every field lands at its register number. */
void test_vcpu_state_regs(void)
{
    struct vmm_cpu_state s = {.rip = 0x1000200,
                              .rsi = 0x10000,
                              .rflags = 2,
                              .cr0 = 0x80000031,
                              .cr3 = 0x1000,
                              .cr4 = 0x20,
                              .efer = 0x500,
                              .cs = {.selector = 0x10, .limit = 0xffffffff, .attr = 0xa09b},
                              .ds = {.selector = 0x18, .limit = 0xffffffff, .attr = 0xc093},
                              .tr = {.selector = 0, .limit = 0xffff, .attr = 0x8b},
                              .gdtr_base = 0x7000,
                              .gdtr_limit = 31};
    uint64_t regs[BST_VCPU_REG_COUNT];
    for (unsigned i = 0; i < BST_VCPU_REG_COUNT; i++)
        regs[i] = 0x5555;
    vmm_vcpu_state_regs(&s, regs);
    CHECK(regs[BST_VCPU_REG_rip] == 0x1000200 && regs[BST_VCPU_REG_rsi] == 0x10000);
    CHECK(regs[BST_VCPU_REG_rax] == 0 && regs[BST_VCPU_REG_r15] == 0);
    CHECK(regs[BST_VCPU_REG_cr0] == 0x80000031 && regs[BST_VCPU_REG_efer] == 0x500);
    CHECK(regs[BST_VCPU_REG_cs_sel] == 0x10 && regs[BST_VCPU_REG_cs_attr] == 0xa09b);
    CHECK(regs[BST_VCPU_REG_cs_limit] == 0xffffffff && regs[BST_VCPU_REG_cs_base] == 0);
    CHECK(regs[BST_VCPU_REG_ds_sel] == 0x18 && regs[BST_VCPU_REG_es_sel] == 0);
    CHECK(regs[BST_VCPU_REG_tr_attr] == 0x8b && regs[BST_VCPU_REG_gdtr_limit] == 31);
    CHECK(regs[BST_VCPU_REG_dr7] == VMM_DR7_RESET && regs[BST_VCPU_REG_pat] == VMM_PAT_RESET);
    CHECK(regs[BST_VCPU_REG_xcr0] == VMM_XCR0_RESET);
    unsigned untouched = 0;
    for (unsigned i = 0; i < BST_VCPU_REG_COUNT; i++)
        untouched += regs[i] == 0x5555;
    CHECK(untouched == 0);
}
