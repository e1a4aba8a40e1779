/*
 * Kernel-object invocations: read the message, find the invoked cap, hand the decoded
 * invocation to the object, and write the results back. See syscall/invocation.h.
 */
#include <kassert.h>
#include <irq/irq.h>
#include <object/cnode.h>
#include <object/cspace.h>
#include <syscall/invocation.h>
#include <syscall/syscall.h>
#include <thread/domain.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>
#include <vm/gspace.h>
#include <vm/iospace.h>
#include <vm/kimage.h>
#include <vm/vcpu.h>
#include <vm/vspace.h>

static void load_arguments(struct invocation *inv, const struct arch_context *c)
{
    const struct bst_ipc_buffer *buf = tcb_ipc_buffer(inv->caller);
    unsigned n = inv->length < INVOCATION_MAX_ARGS ? inv->length : INVOCATION_MAX_ARGS;
    for (unsigned i = 0; i < n; i++) {
        if (i < BST_MSG_REGISTERS) {
            inv->args[i] = arch_syscall_get_mr(c, i);
        } else if (buf != NULL) {
            inv->args[i] = buf->msg[i];
        } else {
            inv->length = i; /* no IPC buffer: the message ends at the registers */
            break;
        }
    }
}

void invocation_reply(struct invocation *inv, unsigned i, uint64_t value)
{
    struct arch_context *c = &inv->caller->arch.ctx;
    if (i < BST_MSG_REGISTERS) {
        arch_syscall_set_mr(c, i, value);
    } else {
        struct bst_ipc_buffer *buf = tcb_ipc_buffer(inv->caller);
        if (buf == NULL) {
            return; /* results past the registers need an IPC buffer */
        }
        buf->msg[i] = value;
    }
    if (i + 1 > inv->reply_length) {
        inv->reply_length = i + 1;
    }
}

const struct cap *invocation_cspace_root(const struct invocation *inv)
{
    return &inv->caller->slots[TCB_SLOT_CSPACE].cap;
}

/* The caller's CSpace, through the TCB's decoded root where it has the common shape (the
 * same result as the walk, which takes every other address and shape). */
struct lookup_result invocation_lookup_cap(const struct invocation *inv, uint64_t cptr)
{
    return tcb_lookup_cap(inv->caller, cptr);
}

bst_error_t invocation_typed_cap(const struct invocation *inv, uint64_t cptr, bst_objtype_t want,
                                 struct cte **out)
{
    struct lookup_result l = invocation_lookup_cap(inv, cptr);
    if (l.status != BST_OK) {
        return l.status;
    }
    if (cap_type(&l.slot->cap) != want) {
        return BST_INVALID_CAPABILITY;
    }
    *out = l.slot;
    return BST_OK;
}

bst_error_t invocation_dest_slot(struct invocation *inv, unsigned cnode_arg, struct cte **out)
{
    struct cte *slot;
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, cnode_arg), BST_OBJ_CNODE, &slot);
    if (e != BST_OK) {
        return e;
    }
    const struct cap *cn = &slot->cap;
    uint64_t index = invocation_arg(inv, cnode_arg + 1);
    if (index == 0 || index >= (1ull << cn->u.cnode.radix)) {
        return BST_RANGE_ERROR;
    }
    *out = cnode_slot(cn, index);
    return cap_is_null(&(*out)->cap) ? BST_OK : BST_SLOT_OCCUPIED;
}

static bst_error_t dispatch(struct invocation *inv)
{
    switch (cap_type(&inv->slot->cap)) {
    case BST_OBJ_UNTYPED:
        return untyped_invoke(inv);
    case BST_OBJ_CNODE:
        return cnode_invoke(inv);
    case BST_OBJ_TCB:
        return tcb_invoke(inv);
    case BST_OBJ_FRAME_4K:
    case BST_OBJ_FRAME_2M:
    case BST_OBJ_FRAME_1G:
        if (inv->label == BST_INV_FRAME_GUEST_MAP) {
            return gspace_frame_invoke(inv);
        }
        if (inv->label == BST_INV_FRAME_IO_MAP ||
            (inv->label == BST_INV_FRAME_UNMAP && cap_is_io_mapped(&inv->slot->cap))) {
            return iospace_frame_invoke(inv);
        }
        return frame_invoke(inv);
    case BST_OBJ_PT_L1:
    case BST_OBJ_PT_L2:
    case BST_OBJ_PT_L3:
        return page_table_invoke(inv);
    case BST_OBJ_SCHED_CONTROL:
        return sched_control_invoke(inv);
    case BST_OBJ_SCHED_CONTEXT:
        return sched_context_invoke(inv);
    case BST_OBJ_DOMAIN_CONTROL:
        return domain_control_invoke(inv);
    case BST_OBJ_IRQ_CONTROL:
        if (inv->label == BST_INV_IOMMU_SETUP) {
            return iommu_setup_invoke(inv); /* IRQ control: the authority over devices */
        }
        return irq_control_invoke(inv);
    case BST_OBJ_IRQ_HANDLER:
        return irq_handler_invoke(inv);
    case BST_OBJ_IOPORT_CONTROL:
        return arch_ioport_control_invoke(inv);
    case BST_OBJ_IOPORT:
        return arch_ioport_invoke(inv);
    case BST_OBJ_IOSPACE:
        return iospace_invoke(inv);
    case BST_OBJ_IOPT:
        return iopt_invoke(inv);
    case BST_OBJ_VCPU:
        return vcpu_invoke(inv);
    case BST_OBJ_GSPACE:
        return gspace_invoke(inv);
    case BST_OBJ_GPT:
        return gpt_invoke(inv);
    case BST_OBJ_KERNEL_IMAGE:
        return kimage_invoke(inv);
    default:
        return BST_ILLEGAL_OPERATION;
    }
}

void syscall_invoke(struct tcb *caller)
{
    struct arch_context *c = &caller->arch.ctx;
    bst_msginfo_t info = arch_syscall_msginfo(c);
    struct invocation inv = {
        .caller = caller,
        .label = (bst_invocation_t)bst_msginfo_label(info),
        .length = bst_msginfo_length(info),
    };
    inv.cptr = arch_syscall_cptr(c);
    struct lookup_result l = invocation_lookup_cap(&inv, inv.cptr);
    bst_error_t e = l.status;
    if (e == BST_OK) {
        inv.slot = l.slot;
        load_arguments(&inv, c);
        e = dispatch(&inv);
    }
    if (e == BST_PREEMPTED) {
        arch_syscall_restart(c); /* nothing changed that the retry will not redo */
        return;
    }
    unsigned n = e == BST_OK ? inv.reply_length : 0;
    arch_syscall_set_result(c, e, 0, bst_msginfo_make(0, n, 0, 0));
}
