/*
 * RDMSR and WRMSR exits (machine.h). The kernel intercepts every MSR, so three kinds
 * arrive here: the local APIC's (lapic.h), the few the policy emulates (msr_policy.h),
 * and those the VCPU holds as registers (EFER, the SYSCALL and SYSENTER MSRs, FS/GS
 * bases, KERNEL_GS_BASE, PAT), which the VMM moves through VCPU_READ_REGS/WRITE_REGS:
 * they change without exits (SWAPGS, WRFSBASE), so the VMM keeps no copy of them.
 * Anything else gets #GP(0).
 */
#include "dispatch.h"

static const struct {
    uint32_t msr;
    unsigned reg;
} backed[] = {
    {0x174, BST_VCPU_REG_sysenter_cs},   {0x175, BST_VCPU_REG_sysenter_esp},
    {0x176, BST_VCPU_REG_sysenter_eip},  {0x277, BST_VCPU_REG_pat},
    {0xc0000080u, BST_VCPU_REG_efer},    {0xc0000081u, BST_VCPU_REG_star},
    {0xc0000082u, BST_VCPU_REG_lstar},   {0xc0000083u, BST_VCPU_REG_cstar},
    {0xc0000084u, BST_VCPU_REG_sfmask},  {0xc0000100u, BST_VCPU_REG_fs_base},
    {0xc0000101u, BST_VCPU_REG_gs_base}, {0xc0000102u, BST_VCPU_REG_kernel_gs_base},
};

int vmm_msr_backing_reg(uint32_t msr)
{
    for (unsigned i = 0; i < sizeof(backed) / sizeof(backed[0]); i++)
        if (backed[i].msr == msr)
            return (int)backed[i].reg;
    return -1;
}

static void refuse(struct vmm_machine *m, uint32_t msr, bool write, struct vmm_action *act)
{
    vmm_error_set(&act->report, write ? "guest WRMSR #GP: " : "guest RDMSR #GP: ", msr, true);
    vmm_inject_gp(m, act);
}

void vmm_exit_msr_read(struct vmm_machine *m, const struct bst_vm_exit_msg *e, uint64_t now,
                       struct vmm_action *act)
{
    uint32_t msr = (uint32_t)e->info0;
    uint64_t value = 0;
    int reg = vmm_msr_backing_reg(msr);
    if (reg >= 0) {
        act->reg_op = VMM_REG_READ;
        act->reg = (unsigned)reg;
        act->gprs[0] = e->rax, act->gprs[1] = e->rbx, act->gprs[2] = e->rcx, act->gprs[3] = e->rdx;
        return;
    }
    enum vmm_msr_status s = vmm_lapic_rdmsr(&m->lapic, msr, now, &value);
    if (s == VMM_MSR_NOT_MINE)
        s = vmm_msr_read(&m->msrs, msr, now, &value);
    if (s != VMM_MSR_OK) {
        refuse(m, msr, false, act);
        return;
    }
    vmm_set_gprs(act, e, value & 0xffffffff, e->rbx, e->rcx, value >> 32);
}

void vmm_exit_msr_write(struct vmm_machine *m, const struct bst_vm_exit_msg *e, uint64_t now,
                        struct vmm_action *act)
{
    uint32_t msr = (uint32_t)e->info0;
    int reg = vmm_msr_backing_reg(msr);
    if (reg >= 0) {
        act->reg_op = VMM_REG_WRITE;
        act->reg = (unsigned)reg;
        act->reg_value = e->info1;
        act->run_flags |= BST_VCPU_RUN_ADVANCE;
        return;
    }
    enum vmm_msr_status s = vmm_lapic_wrmsr(&m->lapic, msr, e->info1, now);
    if (s == VMM_MSR_NOT_MINE)
        s = vmm_msr_write(&m->msrs, msr, e->info1);
    if (s != VMM_MSR_OK) {
        refuse(m, msr, true, act);
        return;
    }
    act->run_flags |= BST_VCPU_RUN_ADVANCE;
}

void vmm_reg_read_done(struct vmm_action *act, uint64_t value)
{
    act->reg_op = VMM_REG_NONE;
    act->gprs[0] = value & 0xffffffff;
    act->gprs[3] = value >> 32;
    act->run_flags |= BST_VCPU_RUN_SET_GPRS | BST_VCPU_RUN_ADVANCE;
}

void vmm_reg_write_refused(struct vmm_machine *m, struct vmm_action *act)
{
    act->reg_op = VMM_REG_NONE;
    act->run_flags &= ~(uint64_t)BST_VCPU_RUN_ADVANCE;
    vmm_error_set(&act->report, "guest WRMSR of a value the VCPU refuses, #GP: register ", act->reg,
                  true);
    vmm_error_append(&act->report, " value ", act->reg_value, true);
    vmm_inject_gp(m, act);
}
