/*
 * Thread control block invocations (docs/syscalls.md, "TCB"). Every function returns
 * the kernel's error code; results go to out-parameters.
 */
#ifndef LIBBASTION_TCB_H
#define LIBBASTION_TCB_H

#include <libbastion/syscall.h>
#include <bastion/tcbregs.h>

/*
 * Set a thread's fault endpoint (0: none), CSpace root, VSpace and IPC buffer
 * (ipc_buffer_vaddr 0: none; the frame cap is then ignored). The thread must be
 * inactive or suspended.
 */
bst_error_t bst_tcb_configure(bst_cptr_t tcb, bst_cptr_t fault_ep, bst_cptr_t cspace_root,
                              bst_cptr_t vspace, uint64_t ipc_buffer_vaddr,
                              bst_cptr_t ipc_buffer_frame);

/* Set fault endpoint, CSpace root and VSpace. */
bst_error_t bst_tcb_set_space(bst_cptr_t tcb, bst_cptr_t fault_ep, bst_cptr_t cspace_root,
                              bst_cptr_t vspace);

/* Set the IPC buffer (vaddr 0: none). */
bst_error_t bst_tcb_set_ipc_buffer(bst_cptr_t tcb, uint64_t vaddr, bst_cptr_t frame);

/* Set MCP and priority, both bounded by the MCP of the thread `authority` names. */
bst_error_t bst_tcb_set_sched_params(bst_cptr_t tcb, bst_cptr_t authority, uint64_t mcp,
                                     uint64_t priority);

/* Set the priority, bounded by the MCP of `authority`. */
bst_error_t bst_tcb_set_priority(bst_cptr_t tcb, bst_cptr_t authority, uint64_t priority);

/*
 * Read the first `count` registers (1..BST_TCB_REGISTER_COUNT, bst_tcb_regs order) into
 * the leading fields of *regs; the others are left as they were.
 */
bst_error_t bst_tcb_read_registers(bst_cptr_t tcb, unsigned count, struct bst_tcb_regs *regs);

/*
 * Write the first `count` registers from *regs; flags BST_TCB_WRITE_RESUME resumes the
 * thread afterwards.
 */
bst_error_t bst_tcb_write_registers(bst_cptr_t tcb, unsigned flags, unsigned count,
                                    const struct bst_tcb_regs *regs);

/* Start an inactive or suspended thread. */
bst_error_t bst_tcb_resume(bst_cptr_t tcb);

/* Stop a thread (from running or from any wait). */
bst_error_t bst_tcb_suspend(bst_cptr_t tcb);

/*
 * Bind the notification `ntfn` (cap with the read right) to the thread: its signals then
 * also end the thread's Recv on an endpoint (docs/ipc.md). One binding each way.
 */
bst_error_t bst_tcb_bind_notification(bst_cptr_t tcb, bst_cptr_t ntfn);

/* Undo the thread's binding (no error if it has none). */
bst_error_t bst_tcb_unbind_notification(bst_cptr_t tcb);

#endif
