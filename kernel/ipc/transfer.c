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

/* The message a (possibly blocked) sender offers: registers and the fault message. */
static uint64_t sender_word(const struct tcb *s, const struct bst_ipc_buffer *buf, unsigned i)
{
    if (s->ipc_flags & IPC_FAULT) {
        return s->fault_msg[i];
    }
    if (i < BST_MSG_REGISTERS) {
        return arch_syscall_get_mr(&s->arch.ctx, i);
    }
    return buf->msg[i];
}

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

void ipc_transfer(struct tcb *s, struct tcb *r, uint64_t badge, bool can_grant)
{
    const struct bst_ipc_buffer *sbuf = tcb_ipc_buffer(s);
    struct bst_ipc_buffer *rbuf = tcb_ipc_buffer(r);
    bool fault = (s->ipc_flags & IPC_FAULT) != 0;
    bst_msginfo_t info = fault ? bst_msginfo_make(s->fault_label, BST_FAULT_MSG_LENGTH, 0, 0)
                               : arch_syscall_msginfo(&s->arch.ctx);
    unsigned length = bst_msginfo_length(info);
    if (length > BST_MSG_MAX_LENGTH) {
        length = BST_MSG_MAX_LENGTH;
    }
    if (length > BST_MSG_REGISTERS && !fault && (sbuf == NULL || rbuf == NULL)) {
        length = BST_MSG_REGISTERS; /* words past the registers need both buffers */
    }
    struct arch_context *rc = &r->arch.ctx;
    for (unsigned i = 0; i < length; i++) {
        uint64_t w = sender_word(s, sbuf, i);
        if (i < BST_MSG_REGISTERS) {
            arch_syscall_set_mr(rc, i, w);
        } else {
            rbuf->msg[i] = w;
        }
    }
    unsigned caps = 0;
    if (!fault && can_grant && bst_msginfo_extra_caps(info) > 0 && sbuf != NULL && rbuf != NULL) {
        caps = transfer_cap(s, sbuf, r, rbuf) ? 1 : 0;
    }
    arch_syscall_set_result(rc, BST_OK, badge,
                            bst_msginfo_make(bst_msginfo_label(info), length, caps, 0));
}
