/*
 * Moving a message from a sender to a receiver: the message registers (the first
 * BST_MSG_REGISTERS in CPU registers, the rest between the two IPC buffers), the badge,
 * and at most BST_MSG_MAX_EXTRA_CAPS capabilities when the sender may grant.
 */
#include <bastion/fault.h>
#include <ipc/ipc.h>
#include <ipc/transfer.h>
#include <object/cdt.h>
#include <object/cspace.h>

/* Copy one capability named in the sender's IPC buffer to the receiver's receive slot.
 * Returns true if a cap was transferred. */
static bool transfer_cap(struct tcb *s, const struct bst_ipc_buffer *sbuf, struct tcb *r,
                         const struct bst_ipc_buffer *rbuf)
{
    const struct cap *sroot = &s->slots[TCB_SLOT_CSPACE].cap;
    const struct cap *rroot = &r->slots[TCB_SLOT_CSPACE].cap;
    struct lookup_result src = cspace_lookup_cap(sroot, cptr_from_word(sbuf->caps[0]));
    if (src.status != BST_OK || !cap_may_copy(&src.slot->cap) || rbuf->receive_depth == 0) {
        return false;
    }
    struct lookup_result cn =
        cspace_lookup_cap(rroot, cptr_from_word(rbuf->receive_cnode)); /* the CNode cap */
    if (cn.status != BST_OK || cap_type(&cn.slot->cap) != BST_OBJ_CNODE) {
        return false;
    }
    struct lookup_result dst =
        cspace_lookup_slot(&cn.slot->cap, cptr_from_word(rbuf->receive_index),
                           (unsigned)(rbuf->receive_depth > 64 ? 65 : rbuf->receive_depth));
    if (dst.status != BST_OK || !cap_is_null(&dst.slot->cap)) {
        return false;
    }
    struct cap_result d = cap_derive(&src.slot->cap, BST_RIGHTS_ALL, CAP_DATA_KEEP, 0);
    if (d.status != BST_OK) {
        return false;
    }
    dst.slot->cap = d.cap;
    cdt_insert_last_child(src.slot, dst.slot);
    return true;
}

void ipc_transfer_general(struct tcb *s, struct tcb *r, uint64_t badge, bool can_grant)
{
    struct arch_context *rc = &r->arch.ctx;
    if (s->ipc_flags & IPC_FAULT) { /* the fault message the kernel made: registers only */
        _Static_assert(BST_FAULT_MSG_LENGTH <= BST_MSG_REGISTERS, "a fault message fits");
        for (unsigned i = 0; i < BST_FAULT_MSG_LENGTH; i++) {
            arch_syscall_set_mr(rc, i, s->fault_msg[i]);
        }
        arch_syscall_set_result(rc, BST_OK, badge,
                                bst_msginfo_make(s->fault_label, BST_FAULT_MSG_LENGTH, 0, 0));
        return;
    }
    bst_msginfo_t info = arch_syscall_msginfo(&s->arch.ctx);
    unsigned length = bst_msginfo_length(info);
    if (length > BST_MSG_MAX_LENGTH) {
        length = BST_MSG_MAX_LENGTH;
    }
    bool want_caps = can_grant && bst_msginfo_extra_caps(info) > 0;
    /* The IPC buffers only when the message needs them (words past the registers, a cap). */
    const struct bst_ipc_buffer *sbuf = NULL;
    struct bst_ipc_buffer *rbuf = NULL;
    if (length > BST_MSG_REGISTERS || want_caps) {
        sbuf = tcb_ipc_buffer(s);
        rbuf = tcb_ipc_buffer(r);
        if (sbuf == NULL || rbuf == NULL) {
            want_caps = false;
            if (length > BST_MSG_REGISTERS) {
                length = BST_MSG_REGISTERS; /* words past the registers need both buffers */
            }
        }
    }
    arch_syscall_copy_mrs(rc, &s->arch.ctx); /* all four: words past the length are undefined */
    if (length > BST_MSG_REGISTERS) {        /* the rest as one block, buffer to buffer */
        arch_copy_words(&rbuf->msg[BST_MSG_REGISTERS], &sbuf->msg[BST_MSG_REGISTERS],
                        length - BST_MSG_REGISTERS);
    }
    unsigned caps = want_caps && transfer_cap(s, sbuf, r, rbuf) ? 1 : 0;
    arch_syscall_set_result(rc, BST_OK, badge,
                            bst_msginfo_make(bst_msginfo_label(info), length, caps, 0));
}
