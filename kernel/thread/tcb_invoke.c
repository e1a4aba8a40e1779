/*
 * TCB invocations: decode every argument and capability, then perform. Arguments and
 * errors: docs/syscalls.md.
 */
#include <ipc/ipc.h>
#include <syscall/syscall.h>
#include <thread/sched.h>
#include <vm/vspace.h>

/* The slots a configure/set-space call will copy into the thread, decoded. */
struct space_args {
    struct cte *fault_ep, *cspace, *vspace, *ipc_frame;
    vaddr_t ipc_vaddr;
    bool set_ipc;
};

/* Look up an optional cap argument (0: none) that must have one of two types. */
static bst_error_t decode_cap(struct invocation *inv, uint64_t cptr, bst_objtype_t want,
                              bool optional, struct cte **out)
{
    *out = NULL;
    if (cptr == 0 && optional) {
        return BST_OK;
    }
    struct lookup_result l = invocation_lookup_cap(inv, cptr);
    if (l.status != BST_OK) {
        return l.status;
    }
    bst_objtype_t t = cap_type(&l.slot->cap);
    bool frame = t == BST_OBJ_FRAME_4K || t == BST_OBJ_FRAME_2M || t == BST_OBJ_FRAME_1G;
    if (t != want && !(want == BST_OBJ_FRAME_4K && frame)) {
        return BST_INVALID_CAPABILITY;
    }
    *out = l.slot;
    return BST_OK;
}

static bst_error_t decode_spaces(struct invocation *inv, uint64_t fault, uint64_t cspace,
                                 uint64_t vspace, struct space_args *s)
{
    bst_error_t e = decode_cap(inv, fault, BST_OBJ_ENDPOINT, true, &s->fault_ep);
    if (e == BST_OK) {
        e = decode_cap(inv, cspace, BST_OBJ_CNODE, false, &s->cspace);
    }
    if (e == BST_OK) {
        e = decode_cap(inv, vspace, BST_OBJ_VSPACE, false, &s->vspace);
    }
    return e;
}

/* The IPC buffer must be a frame mapped writable at vaddr in the thread's VSpace. */
static bst_error_t decode_ipc_buffer(struct invocation *inv, uint64_t vaddr, uint64_t frame,
                                     const struct cte *vspace, struct space_args *s)
{
    s->set_ipc = true;
    s->ipc_vaddr = vaddr;
    if (vaddr == 0) {
        return BST_OK;
    }
    bst_error_t e = decode_cap(inv, frame, BST_OBJ_FRAME_4K, false, &s->ipc_frame);
    if (e != BST_OK) {
        return e;
    }
    if (!IS_ALIGNED(vaddr, BST_IPC_BUFFER_ALIGN)) {
        return BST_ALIGNMENT_ERROR;
    }
    if (cap_is_device(&s->ipc_frame->cap)) {
        return BST_INVALID_ARGUMENT; /* the kernel's direct map covers RAM only */
    }
    if (vspace == NULL || !vspace_is_prepared(&vspace->cap) ||
        !vspace_maps_frame_writable(&vspace->cap, &s->ipc_frame->cap, vaddr)) {
        return BST_INVALID_ARGUMENT;
    }
    return BST_OK;
}

static void perform_spaces(struct tcb *t, const struct space_args *s, bool spaces)
{
    if (spaces) {
        tcb_set_slot(t, TCB_SLOT_FAULT_EP, s->fault_ep);
        tcb_set_slot(t, TCB_SLOT_CSPACE, s->cspace);
        tcb_set_slot(t, TCB_SLOT_VSPACE, s->vspace);
    }
    if (s->set_ipc) {
        tcb_set_slot(t, TCB_SLOT_IPC_BUFFER, s->ipc_vaddr ? s->ipc_frame : NULL);
        t->ipc_buffer_vaddr = s->ipc_vaddr;
    }
}

static bst_error_t tcb_configure(struct invocation *inv, struct tcb *t, bool spaces, bool ipc)
{
    unsigned need = (spaces ? 3 : 0) + (ipc ? 2 : 0);
    if (inv->length < need) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct space_args s = {0};
    bst_error_t e = BST_OK;
    if (spaces) {
        e = decode_spaces(inv, invocation_arg(inv, 0), invocation_arg(inv, 1),
                          invocation_arg(inv, 2), &s);
    }
    const struct cte *vspace = spaces ? s.vspace : &t->slots[TCB_SLOT_VSPACE];
    if (e == BST_OK && spaces) {
        e = vspace_prepare(&s.vspace->cap);
    }
    if (e == BST_OK && ipc) {
        unsigned base = spaces ? 3 : 0;
        e = decode_ipc_buffer(inv, invocation_arg(inv, base), invocation_arg(inv, base + 1),
                              cap_is_null(&vspace->cap) ? NULL : vspace, &s);
    }
    if (e != BST_OK) {
        return e;
    }
    if (t->state != THREAD_INACTIVE) {
        return BST_ILLEGAL_OPERATION; /* running or blocked in IPC: suspend it first */
    }
    perform_spaces(t, &s, spaces);
    return BST_OK;
}

/* SET_PRIORITY (mcp < 0: keep) and SET_SCHED_PARAMS. */
static bst_error_t tcb_set_sched(struct invocation *inv, struct tcb *t, bool with_mcp)
{
    unsigned need = with_mcp ? 3 : 2;
    if (inv->length < need) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *auth;
    bst_error_t e = decode_cap(inv, invocation_arg(inv, 0), BST_OBJ_TCB, false, &auth);
    if (e != BST_OK) {
        return e;
    }
    uint64_t mcp = with_mcp ? invocation_arg(inv, 1) : t->mcp;
    uint64_t prio = invocation_arg(inv, with_mcp ? 2 : 1);
    uint8_t limit = tcb_of(&auth->cap)->mcp;
    if (prio > limit || (with_mcp && mcp > limit)) {
        return BST_RANGE_ERROR;
    }
    t->mcp = (uint8_t)mcp;
    sched_set_priority(t, (uint8_t)prio);
    return BST_OK;
}

static bst_error_t tcb_read_registers(struct invocation *inv, struct tcb *t)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t n = invocation_arg(inv, 0);
    if (n < 1 || n > BST_TCB_REGISTER_COUNT) {
        return BST_RANGE_ERROR;
    }
    if (n > BST_MSG_REGISTERS && tcb_ipc_buffer(inv->caller) == NULL) {
        return BST_INVALID_ARGUMENT; /* the results would not fit in registers */
    }
    sched_stop_elsewhere(t); /* its registers are in its TCB, not another CPU's */
    for (unsigned i = 0; i < n; i++) {
        invocation_reply(inv, i, arch_tcb_get_reg(&t->arch, i));
    }
    return BST_OK;
}

static bst_error_t tcb_write_registers(struct invocation *inv, struct tcb *t)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t flags = invocation_arg(inv, 0), n = invocation_arg(inv, 1);
    if ((flags & ~(uint64_t)BST_TCB_WRITE_RESUME) != 0) {
        return BST_INVALID_ARGUMENT;
    }
    if (n < 1 || n > BST_TCB_REGISTER_COUNT) {
        return BST_RANGE_ERROR;
    }
    if (inv->length < 2 + n) {
        return BST_TRUNCATED_MESSAGE;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!arch_tcb_reg_valid(i, invocation_arg(inv, 2 + i))) {
            return BST_INVALID_ARGUMENT;
        }
    }
    if ((flags & BST_TCB_WRITE_RESUME) && !tcb_can_run(t)) {
        return BST_ILLEGAL_OPERATION;
    }
    if (!t->initialised) {
        arch_tcb_init(&t->arch);
        t->initialised = 1;
    }
    sched_stop_elsewhere(t); /* another CPU's exit must not restore the old values */
    for (unsigned i = 0; i < n; i++) {
        arch_tcb_set_reg(&t->arch, i, invocation_arg(inv, 2 + i));
    }
    if (flags & BST_TCB_WRITE_RESUME) {
        tcb_resume(t);
    }
    return BST_OK;
}

/* BIND_NOTIFICATION: MR0 the notification (cap, with the read right). */
static bst_error_t tcb_bind(struct invocation *inv, struct tcb *t)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *n;
    bst_error_t e = decode_cap(inv, invocation_arg(inv, 0), BST_OBJ_NOTIFICATION, false, &n);
    if (e != BST_OK) {
        return e;
    }
    if (!(n->cap.rights & BST_RIGHT_READ)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    return notification_bind(notification_of(&n->cap), t);
}

/* SET_FAULT_ENDPOINT / SET_TIMEOUT_ENDPOINT: MR0 the endpoint (0: none). */
static bst_error_t tcb_set_endpoint(struct invocation *inv, struct tcb *t, enum tcb_slot which)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *ep;
    bst_error_t e = decode_cap(inv, invocation_arg(inv, 0), BST_OBJ_ENDPOINT, true, &ep);
    if (e != BST_OK) {
        return e;
    }
    tcb_set_slot(t, which, ep);
    return BST_OK;
}

bst_error_t tcb_invoke(struct invocation *inv)
{
    struct tcb *t = tcb_of(&inv->slot->cap);
    switch (inv->label) {
    case BST_INV_TCB_CONFIGURE:
        return tcb_configure(inv, t, true, true);
    case BST_INV_TCB_SET_SPACE:
        return tcb_configure(inv, t, true, false);
    case BST_INV_TCB_SET_IPC_BUFFER:
        return tcb_configure(inv, t, false, true);
    case BST_INV_TCB_SET_PRIORITY:
        return tcb_set_sched(inv, t, false);
    case BST_INV_TCB_SET_SCHED_PARAMS:
        return tcb_set_sched(inv, t, true);
    case BST_INV_TCB_READ_REGISTERS:
        return tcb_read_registers(inv, t);
    case BST_INV_TCB_WRITE_REGISTERS:
        return tcb_write_registers(inv, t);
    case BST_INV_TCB_RESUME:
        if (!tcb_can_run(t)) {
            return BST_ILLEGAL_OPERATION;
        }
        tcb_resume(t);
        return BST_OK;
    case BST_INV_TCB_SUSPEND:
        tcb_suspend(t);
        return BST_OK;
    case BST_INV_TCB_BIND_NOTIFICATION:
        return tcb_bind(inv, t);
    case BST_INV_TCB_UNBIND_NOTIFICATION:
        notification_unbind(t);
        return BST_OK;
    case BST_INV_TCB_SET_FAULT_ENDPOINT:
        return tcb_set_endpoint(inv, t, TCB_SLOT_FAULT_EP);
    case BST_INV_TCB_SET_TIMEOUT_ENDPOINT:
        return tcb_set_endpoint(inv, t, TCB_SLOT_TIMEOUT_EP);
    default:
        return BST_ILLEGAL_OPERATION;
    }
}
