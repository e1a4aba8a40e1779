/*
 * Virtualisation invocation wrappers; argument order is docs/syscalls.md's.
 */
#include <stdbool.h>

#include <libbastion/invoke.h>
#include <libbastion/vcpu.h>

bst_error_t bst_vcpu_bind(bst_cptr_t vcpu, bst_cptr_t tcb, bst_cptr_t gspace)
{
    const uint64_t a[] = {tcb, gspace};
    return bst_invoke(vcpu, BST_INV_VCPU_BIND, a, 2, NULL, 0);
}

bst_error_t bst_vcpu_run(bst_cptr_t vcpu, const struct bst_vcpu_resume *resume,
                         struct bst_vm_exit_msg *exit)
{
    struct bst_vcpu_resume none = {0};
    const struct bst_vcpu_resume *r = resume != NULL ? resume : &none;
    const uint64_t a[] = {r->flags, r->rax, r->rbx, r->rcx, r->rdx};
    unsigned nargs = (r->flags & BST_VCPU_RUN_SET_GPRS) ? 5 : 1;
    return bst_invoke(vcpu, BST_INV_VCPU_RUN, a, nargs, (uint64_t *)exit, BST_VM_EXIT_MSG_LENGTH);
}

bst_error_t bst_vcpu_read_regs(bst_cptr_t vcpu, unsigned first, unsigned count, uint64_t *values)
{
    const uint64_t a[] = {first, count};
    return bst_invoke(vcpu, BST_INV_VCPU_READ_REGS, a, 2, values,
                      count <= BST_VCPU_REGS_PER_CALL ? count : 0);
}

bst_error_t bst_vcpu_write_regs(bst_cptr_t vcpu, unsigned first, unsigned count,
                                const uint64_t *values)
{
    uint64_t a[2 + BST_VCPU_REGS_PER_CALL] = {first, count};
    unsigned n = count <= BST_VCPU_REGS_PER_CALL ? count : 0;
    for (unsigned i = 0; i < n; i++) {
        a[2 + i] = values[i];
    }
    return bst_invoke(vcpu, BST_INV_VCPU_WRITE_REGS, a, 2 + n, NULL, 0);
}

bst_error_t bst_vcpu_read_reg(bst_cptr_t vcpu, unsigned reg, uint64_t *value)
{
    return bst_vcpu_read_regs(vcpu, reg, 1, value);
}

bst_error_t bst_vcpu_write_reg(bst_cptr_t vcpu, unsigned reg, uint64_t value)
{
    return bst_vcpu_write_regs(vcpu, reg, 1, &value);
}

bst_error_t bst_vcpu_set_flat32(bst_cptr_t vcpu, uint64_t rip, uint64_t rsp)
{
    uint64_t segs[24];
    for (unsigned i = 0; i < 6; i++) { /* es cs ss ds fs gs: selector, base, limit, attr */
        bool code = i == 1;
        segs[i * 4 + 0] = code ? 0x08 : 0x10;
        segs[i * 4 + 1] = 0;
        segs[i * 4 + 2] = 0xffffffffull;
        segs[i * 4 + 3] = code ? 0xc09bull : 0xc093ull; /* G, D/B, present; code RX / data RW */
    }
    bst_error_t e = bst_vcpu_write_regs(vcpu, BST_VCPU_REG_es_sel, 24, segs);
    const uint64_t ctl[] = {0x11 /* cr0: PE, ET */, 0, 0, 0 /* cr4 */, 0 /* efer */};
    if (e == BST_OK)
        e = bst_vcpu_write_regs(vcpu, BST_VCPU_REG_cr0, 5, ctl);
    if (e == BST_OK)
        e = bst_vcpu_write_reg(vcpu, BST_VCPU_REG_rflags, 2);
    if (e == BST_OK)
        e = bst_vcpu_write_reg(vcpu, BST_VCPU_REG_rsp, rsp);
    if (e == BST_OK)
        e = bst_vcpu_write_reg(vcpu, BST_VCPU_REG_rip, rip);
    return e;
}

bst_error_t bst_vcpu_inject(bst_cptr_t vcpu, uint64_t event, uint64_t error_code)
{
    const uint64_t a[] = {event, error_code};
    return bst_invoke(vcpu, BST_INV_VCPU_INJECT, a, 2, NULL, 0);
}

bst_error_t bst_gpt_map(bst_cptr_t gpt, bst_cptr_t gspace, uint64_t gpa)
{
    const uint64_t a[] = {gspace, gpa};
    return bst_invoke(gpt, BST_INV_GPT_MAP, a, 2, NULL, 0);
}

bst_error_t bst_gpt_unmap(bst_cptr_t gpt)
{
    return bst_invoke(gpt, BST_INV_GPT_UNMAP, NULL, 0, NULL, 0);
}

bst_error_t bst_frame_guest_map(bst_cptr_t frame, bst_cptr_t gspace, uint64_t gpa, uint64_t rights)
{
    const uint64_t a[] = {gspace, gpa, rights};
    return bst_invoke(frame, BST_INV_FRAME_GUEST_MAP, a, 3, NULL, 0);
}
