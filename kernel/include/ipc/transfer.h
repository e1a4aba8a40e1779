/*
 * Message transfer between two threads (kernel/ipc/transfer.c).
 */
#ifndef BASTION_IPC_TRANSFER_H
#define BASTION_IPC_TRANSFER_H

#include <thread/tcb.h>

/* Deliver s's message (its registers and IPC buffer, or its pending fault message) to
 * r: r's registers get the result (BST_OK, badge, message info) and the words. With
 * can_grant, the first extra cap the message names is copied to r's receive slot. */
void ipc_transfer_general(struct tcb *s, struct tcb *r, uint64_t badge, bool can_grant);

_Static_assert(BST_MSGINFO_LENGTH_SHIFT == 0 &&
                   BST_MSGINFO_EXTRA_CAPS_SHIFT == BST_MSGINFO_LENGTH_BITS,
               "one compare checks both the length and that no caps are sent");

/* ipc_transfer_general(), with the common message inline: registers only and no caps
 * from a thread that is not faulting (the result is what the general one gives it). */
static inline __attribute__((always_inline)) void ipc_transfer(struct tcb *s, struct tcb *r,
                                                               uint64_t badge, bool can_grant)
{
    bst_msginfo_t info = arch_syscall_msginfo(&s->arch.ctx);
    if (!(s->ipc_flags & IPC_FAULT) &&
        (info & ((1ull << BST_MSGINFO_UNWRAPPED_SHIFT) - 1)) <= BST_MSG_REGISTERS) {
        arch_syscall_copy_mrs(&r->arch.ctx, &s->arch.ctx);
        arch_syscall_set_result(
            &r->arch.ctx, BST_OK, badge,
            bst_msginfo_make(bst_msginfo_label(info), bst_msginfo_length(info), 0, 0));
        return;
    }
    ipc_transfer_general(s, r, badge, can_grant);
}

#endif
