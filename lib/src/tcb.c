/*
 * TCB invocation wrappers; argument order is docs/syscalls.md's.
 */
#include <libbastion/tcb.h>
#include <libbastion/invoke.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

bst_error_t bst_tcb_configure(bst_cptr_t tcb, bst_cptr_t fault_ep, bst_cptr_t cspace_root,
                              bst_cptr_t vspace, uint64_t ipc_buffer_vaddr,
                              bst_cptr_t ipc_buffer_frame)
{
    const uint64_t a[] = {fault_ep, cspace_root, vspace, ipc_buffer_vaddr, ipc_buffer_frame};
    return bst_invoke(tcb, BST_INV_TCB_CONFIGURE, a, ARRAY_LEN(a), NULL, 0);
}

bst_error_t bst_tcb_set_space(bst_cptr_t tcb, bst_cptr_t fault_ep, bst_cptr_t cspace_root,
                              bst_cptr_t vspace)
{
    const uint64_t a[] = {fault_ep, cspace_root, vspace};
    return bst_invoke(tcb, BST_INV_TCB_SET_SPACE, a, ARRAY_LEN(a), NULL, 0);
}

bst_error_t bst_tcb_set_ipc_buffer(bst_cptr_t tcb, uint64_t vaddr, bst_cptr_t frame)
{
    const uint64_t a[] = {vaddr, frame};
    return bst_invoke(tcb, BST_INV_TCB_SET_IPC_BUFFER, a, ARRAY_LEN(a), NULL, 0);
}

bst_error_t bst_tcb_set_sched_params(bst_cptr_t tcb, bst_cptr_t authority, uint64_t mcp,
                                     uint64_t priority)
{
    const uint64_t a[] = {authority, mcp, priority};
    return bst_invoke(tcb, BST_INV_TCB_SET_SCHED_PARAMS, a, ARRAY_LEN(a), NULL, 0);
}

bst_error_t bst_tcb_set_priority(bst_cptr_t tcb, bst_cptr_t authority, uint64_t priority)
{
    const uint64_t a[] = {authority, priority};
    return bst_invoke(tcb, BST_INV_TCB_SET_PRIORITY, a, ARRAY_LEN(a), NULL, 0);
}

/* The registers as an array in ABI order (the struct has no padding: tcbregs.h). */
static uint64_t *regs_words(struct bst_tcb_regs *regs)
{
    return &regs->rip;
}

bst_error_t bst_tcb_read_registers(bst_cptr_t tcb, unsigned count, struct bst_tcb_regs *regs)
{
    const uint64_t a[] = {count};
    uint64_t out[BST_TCB_REGISTER_COUNT];
    unsigned n = count <= BST_TCB_REGISTER_COUNT ? count : BST_TCB_REGISTER_COUNT;
    bst_error_t e = bst_invoke(tcb, BST_INV_TCB_READ_REGISTERS, a, ARRAY_LEN(a), out, n);
    if (e != BST_OK)
        return e;
    uint64_t *w = regs_words(regs);
    for (unsigned i = 0; i < n; i++)
        w[i] = out[i];
    return BST_OK;
}

bst_error_t bst_tcb_write_registers(bst_cptr_t tcb, unsigned flags, unsigned count,
                                    const struct bst_tcb_regs *regs)
{
    uint64_t a[2 + BST_TCB_REGISTER_COUNT] = {flags, count};
    unsigned n = count <= BST_TCB_REGISTER_COUNT ? count : BST_TCB_REGISTER_COUNT;
    const uint64_t *w = &regs->rip;
    for (unsigned i = 0; i < n; i++)
        a[2 + i] = w[i];
    return bst_invoke(tcb, BST_INV_TCB_WRITE_REGISTERS, a, 2 + n, NULL, 0);
}

bst_error_t bst_tcb_resume(bst_cptr_t tcb)
{
    return bst_invoke(tcb, BST_INV_TCB_RESUME, NULL, 0, NULL, 0);
}

bst_error_t bst_tcb_suspend(bst_cptr_t tcb)
{
    return bst_invoke(tcb, BST_INV_TCB_SUSPEND, NULL, 0, NULL, 0);
}

bst_error_t bst_tcb_bind_notification(bst_cptr_t tcb, bst_cptr_t ntfn)
{
    const uint64_t a[] = {ntfn};
    return bst_invoke(tcb, BST_INV_TCB_BIND_NOTIFICATION, a, ARRAY_LEN(a), NULL, 0);
}

bst_error_t bst_tcb_unbind_notification(bst_cptr_t tcb)
{
    return bst_invoke(tcb, BST_INV_TCB_UNBIND_NOTIFICATION, NULL, 0, NULL, 0);
}
