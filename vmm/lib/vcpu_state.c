/* The boot CPU state as vCPU registers (vcpu_state.h). */
#include <vmm/vcpu_state.h>

static void segment(uint64_t *regs, unsigned first, const struct vmm_segment *seg)
{
    regs[first] = seg->selector;
    regs[first + 1] = seg->base;
    regs[first + 2] = seg->limit;
    regs[first + 3] = seg->attr;
}

void vmm_vcpu_state_regs(const struct vmm_cpu_state *s, uint64_t regs[BST_VCPU_REG_COUNT])
{
    for (unsigned i = 0; i < BST_VCPU_REG_COUNT; i++)
        regs[i] = 0;
    regs[BST_VCPU_REG_rsi] = s->rsi;
    regs[BST_VCPU_REG_rsp] = s->rsp;
    regs[BST_VCPU_REG_rip] = s->rip;
    regs[BST_VCPU_REG_rflags] = s->rflags;
    regs[BST_VCPU_REG_cr0] = s->cr0;
    regs[BST_VCPU_REG_cr3] = s->cr3;
    regs[BST_VCPU_REG_cr4] = s->cr4;
    regs[BST_VCPU_REG_efer] = s->efer;
    regs[BST_VCPU_REG_dr6] = VMM_DR6_RESET;
    regs[BST_VCPU_REG_dr7] = VMM_DR7_RESET;
    segment(regs, BST_VCPU_REG_es_sel, &s->es);
    segment(regs, BST_VCPU_REG_cs_sel, &s->cs);
    segment(regs, BST_VCPU_REG_ss_sel, &s->ss);
    segment(regs, BST_VCPU_REG_ds_sel, &s->ds);
    segment(regs, BST_VCPU_REG_fs_sel, &s->fs);
    segment(regs, BST_VCPU_REG_gs_sel, &s->gs);
    segment(regs, BST_VCPU_REG_ldtr_sel, &s->ldtr);
    segment(regs, BST_VCPU_REG_tr_sel, &s->tr);
    regs[BST_VCPU_REG_gdtr_base] = s->gdtr_base;
    regs[BST_VCPU_REG_gdtr_limit] = s->gdtr_limit;
    regs[BST_VCPU_REG_idtr_base] = s->idtr_base;
    regs[BST_VCPU_REG_idtr_limit] = s->idtr_limit;
    regs[BST_VCPU_REG_pat] = VMM_PAT_RESET;
    regs[BST_VCPU_REG_xcr0] = VMM_XCR0_RESET;
}
