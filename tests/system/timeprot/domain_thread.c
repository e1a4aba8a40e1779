/*
 * Threads in a domain of their own, for the time-protection root tasks
 * (domain_thread.h).
 */
#include "domain_thread.h"

#include <bastion/domain.h>
#include <libbastion/string.h>

/* The thread gets an IPC buffer and a TLS block that names it: some of the senders'
 * calls (a retype) take more arguments than the registers hold. */
bst_error_t start_in_domain(void (*entry)(struct probe_block *), uint64_t domain,
                            struct bst_tls *tls, bst_cptr_t *tcb_out)
{
    uint64_t base = region_alloc();
    struct tables t;
    bst_cptr_t tcb, frame;
    bst_error_t e = tables_map(ROOT_VS, base, 1, &t);
    if (e == BST_OK)
        e = frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &frame);
    if (e == BST_OK)
        e = thread_new(ROOT_VS, HIGH_PRIO, &tcb);
    if (e == BST_OK)
        e = bst_tcb_set_ipc_buffer(tcb, base, frame);
    if (e == BST_OK)
        e = bst_domain_set(DOMAIN_CONTROL, tcb, domain);
    if (e != BST_OK)
        return e;
    *tcb_out = tcb;
    struct bst_tcb_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = (uint64_t)(uintptr_t)entry;
    r.rsp = stack_alloc() - 8; /* as if called: entry sees rsp + 8 aligned to 16 */
    r.rflags = 0x202;
    r.fs_base = bst_tls_init(tls, (struct bst_ipc_buffer *)(uintptr_t)base);
    return bst_tcb_write_registers(tcb, BST_TCB_WRITE_RESUME, BST_TCB_REGISTER_COUNT, &r);
}
