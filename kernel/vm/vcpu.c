/*
 * Virtual CPUs, generically (vm/vcpu.h): the binding of a VCPU to its thread and
 * guest-physical space, the invocations (decode everything, then perform), and the
 * restart of VCPU_RUN when a host interrupt takes the CPU from the guest.
 *
 * Bound VCPUs are on one list, so that a deleted thread can be unbound from its VCPU
 * without a field in the TCB; a thread runs at most one VCPU, so the list is as long as
 * the number of VMM threads.
 */
#include <bastion/ipcbuffer.h>
#include <ipc/ipc.h>
#include <kmem.h>
#include <syscall/invocation.h>
#include <thread/tcb.h>
#include <vm/gspace.h>
#include <vm/vcpu.h>

static struct vcpu *bound_head;

static struct vcpu *vcpu_of(const struct cap *c)
{
    return (struct vcpu *)kmem_ptr(c->paddr + VCPU_RECORD_OFFSET);
}

/* The record and the hardware state, set up the first time the VCPU is used. */
static struct vcpu *vcpu_ready(const struct cap *c)
{
    struct vcpu *v = vcpu_of(c);
    if (!v->reset_done) {
        v->obj = c->paddr;
        arch_vcpu_reset(v);
        v->reset_done = 1;
    }
    return v;
}

static void unbind(struct vcpu *v)
{
    if (v->tcb == NULL) {
        return;
    }
    if (v->bound_prev != NULL) {
        v->bound_prev->bound_next = v->bound_next;
    } else {
        bound_head = v->bound_next;
    }
    if (v->bound_next != NULL) {
        v->bound_next->bound_prev = v->bound_prev;
    }
    v->bound_next = v->bound_prev = NULL;
    v->tcb = NULL;
    v->space_id = 0;
    v->space_generation = 0;
}

static struct vcpu *bound_to(const struct tcb *t)
{
    for (struct vcpu *v = bound_head; v != NULL; v = v->bound_next) {
        if (v->tcb == t) {
            return v;
        }
    }
    return NULL;
}

void vcpu_finalise(const struct cap *cap)
{
    struct vcpu *v = vcpu_of(cap);
    if (v->reset_done) {
        unbind(v);
    }
}

void vcpu_forget_thread(const struct tcb *t)
{
    struct vcpu *v = bound_to(t);
    if (v != NULL) {
        unbind(v);
    }
}

const char *vcpu_check_invariants(void)
{
    unsigned n = 0;
    for (const struct vcpu *v = bound_head; v != NULL; v = v->bound_next) {
        if (++n > (1u << 20)) {
            return "the bound VCPU list does not end";
        }
        if (v->tcb == NULL || !v->reset_done) {
            return "an unbound or never used VCPU is on the bound list";
        }
        if ((v->bound_prev == NULL) != (v == bound_head) ||
            (v->bound_next != NULL && v->bound_next->bound_prev != v)) {
            return "the bound VCPU list's links disagree";
        }
        if (kmem_ptr(v->obj + VCPU_RECORD_OFFSET) != (const void *)v) {
            return "a VCPU's record does not name its own object";
        }
        if (v->space_id == 0 || v->space_id >= SECOND_LEVEL_MAX_IDS) {
            return "a bound VCPU names no guest space identifier";
        }
        for (const struct vcpu *w = v->bound_next; w != NULL; w = w->bound_next) {
            if (w->tcb == v->tcb) {
                return "a thread has two VCPUs bound";
            }
        }
    }
    return NULL;
}

/* VCPU_BIND: MR0 TCB cap, MR1 GSPACE cap (write right). */
static bst_error_t vcpu_bind(struct invocation *inv, const struct cap *cap)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    struct cte *tcb_slot, *space;
    bst_error_t e = invocation_typed_cap(inv, invocation_arg(inv, 0), BST_OBJ_TCB, &tcb_slot);
    if (e != BST_OK) {
        return e;
    }
    e = invocation_typed_cap(inv, invocation_arg(inv, 1), BST_OBJ_GSPACE, &space);
    if (e != BST_OK) {
        return e;
    }
    if (!(cap->rights & BST_RIGHT_WRITE) || !(space->cap.rights & BST_RIGHT_WRITE)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    unsigned id;
    e = second_level_prepare(&gspace_kind, &space->cap, &id);
    if (e != BST_OK) {
        return e;
    }
    struct tcb *t = tcb_of(&tcb_slot->cap);
    struct vcpu *v = vcpu_ready(cap), *other = bound_to(t);
    if (other != NULL) {
        unbind(other); /* a thread runs one VCPU */
    }
    unbind(v);
    v->tcb = t;
    v->bound_prev = NULL;
    v->bound_next = bound_head;
    if (bound_head != NULL) {
        bound_head->bound_prev = v;
    }
    bound_head = v;
    v->space_id = id;
    v->space_generation = gspace_kind.spaces[id].generation;
    v->tlb_seen = 0; /* the first entry flushes */
    return BST_OK;
}

/* The register range of READ_REGS / WRITE_REGS (MR0 first, MR1 count). */
static bst_error_t decode_range(struct invocation *inv, unsigned *first, unsigned *count)
{
    if (inv->length < 2) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t f = invocation_arg(inv, 0), n = invocation_arg(inv, 1);
    if (n == 0 || n > BST_VCPU_REGS_PER_CALL || f >= BST_VCPU_REG_COUNT ||
        n > BST_VCPU_REG_COUNT - f) {
        return BST_RANGE_ERROR;
    }
    *first = (unsigned)f;
    *count = (unsigned)n;
    return BST_OK;
}

static bst_error_t vcpu_read_regs(struct invocation *inv, const struct cap *cap)
{
    unsigned first, count;
    bst_error_t e = decode_range(inv, &first, &count);
    if (e != BST_OK) {
        return e;
    }
    if (!(cap->rights & BST_RIGHT_READ)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    struct vcpu *v = vcpu_ready(cap);
    for (unsigned i = 0; i < count; i++) {
        invocation_reply(inv, i, arch_vcpu_get_reg(v, first + i));
    }
    return BST_OK;
}

static bst_error_t vcpu_write_regs(struct invocation *inv, const struct cap *cap)
{
    unsigned first, count;
    bst_error_t e = decode_range(inv, &first, &count);
    if (e != BST_OK) {
        return e;
    }
    if (inv->length < 2 + count) {
        return BST_TRUNCATED_MESSAGE;
    }
    if (!(cap->rights & BST_RIGHT_WRITE)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    for (unsigned i = 0; i < count; i++) {
        if (!arch_vcpu_reg_valid(first + i, invocation_arg(inv, 2 + i))) {
            return BST_INVALID_ARGUMENT;
        }
    }
    struct vcpu *v = vcpu_ready(cap);
    for (unsigned i = 0; i < count; i++) {
        arch_vcpu_set_reg(v, first + i, invocation_arg(inv, 2 + i));
    }
    return BST_OK;
}

/* VCPU_INJECT: MR0 event, MR1 error code (optional). */
static bst_error_t vcpu_inject(struct invocation *inv, const struct cap *cap)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t event = invocation_arg(inv, 0);
    uint64_t error = inv->length >= 2 ? invocation_arg(inv, 1) : 0;
    uint64_t type = event & BST_VCPU_EVENT_TYPE_MASK;
    bool has_error = (event & BST_VCPU_EVENT_ERROR_CODE) != 0;
    if ((event & ~BST_VCPU_EVENT_VALID_MASK) != 0 || error > 0xffffffffull) {
        return BST_INVALID_ARGUMENT;
    }
    if (type != BST_VCPU_EVENT_EXTINT && type != BST_VCPU_EVENT_NMI &&
        type != BST_VCPU_EVENT_EXCEPTION && type != BST_VCPU_EVENT_SOFTINT) {
        return BST_INVALID_ARGUMENT;
    }
    if (has_error && type != BST_VCPU_EVENT_EXCEPTION) {
        return BST_INVALID_ARGUMENT;
    }
    if (!(cap->rights & BST_RIGHT_WRITE)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    struct vcpu *v = vcpu_ready(cap);
    if (v->event_pending) {
        return BST_SLOT_OCCUPIED;
    }
    v->event = event;
    v->event_error = has_error ? error : 0;
    v->event_pending = 1;
    return BST_OK;
}

/* The exit message: MR0-MR3 in registers, the rest straight into the IPC buffer (one
 * lookup of it, not one per word: this is every exit's path). VCPU_RUN's decode made
 * sure there is a buffer. */
static void reply_exit(struct invocation *inv, const struct bst_vm_exit_msg *msg)
{
    const uint64_t *words = (const uint64_t *)msg;
    for (unsigned i = 0; i < BST_MSG_REGISTERS; i++) {
        invocation_reply(inv, i, words[i]);
    }
    struct bst_ipc_buffer *buf = tcb_ipc_buffer(inv->caller);
    for (unsigned i = BST_MSG_REGISTERS; i < BST_VM_EXIT_MSG_LENGTH; i++) {
        buf->msg[i] = words[i];
    }
    inv->reply_length = BST_VM_EXIT_MSG_LENGTH;
}

/* A SIGNAL exit: the thread's bound notification has bits pending; they are taken. */
static bool take_signal(struct vcpu *v, struct tcb *t, struct bst_vm_exit_msg *msg)
{
    struct notification *n = t->bound;
    if (n == NULL || n->word == 0) {
        return false;
    }
    *msg = (struct bst_vm_exit_msg){
        .reason = BST_VM_EXIT_SIGNAL,
        .rip = arch_vcpu_get_reg(v, BST_VCPU_REG_rip),
        .info0 = n->word,
        .rax = arch_vcpu_get_reg(v, BST_VCPU_REG_rax),
        .rbx = arch_vcpu_get_reg(v, BST_VCPU_REG_rbx),
        .rcx = arch_vcpu_get_reg(v, BST_VCPU_REG_rcx),
        .rdx = arch_vcpu_get_reg(v, BST_VCPU_REG_rdx),
        .flags = v->event_pending ? BST_VM_STATE_PENDING : 0,
    };
    n->word = 0;
    v->last_insn_len = 0;
    return true;
}

/* VCPU_RUN: MR0 flags, MR1-MR4 rax-rdx with SET_GPRS. */
static bst_error_t vcpu_run(struct invocation *inv, const struct cap *cap)
{
    if (inv->length < 1) {
        return BST_TRUNCATED_MESSAGE;
    }
    uint64_t flags = invocation_arg(inv, 0);
    if ((flags & ~(uint64_t)BST_VCPU_RUN_FLAGS) != 0) {
        return BST_INVALID_ARGUMENT;
    }
    if ((flags & BST_VCPU_RUN_SET_GPRS) && inv->length < 5) {
        return BST_TRUNCATED_MESSAGE;
    }
    if (!(cap->rights & BST_RIGHT_WRITE)) {
        return BST_INSUFFICIENT_RIGHTS;
    }
    struct vcpu *v = vcpu_of(cap);
    if (!v->reset_done || v->tcb != inv->caller) {
        return BST_ILLEGAL_OPERATION; /* only the bound thread runs it */
    }
    const struct second_level_space *space =
        second_level_space(&gspace_kind, v->space_id, v->space_generation);
    if (space == NULL || tcb_ipc_buffer(inv->caller) == NULL) {
        return BST_ILLEGAL_OPERATION; /* its space is gone; or no room for the exit */
    }
    /* Perform: finish the last exit's emulation, then enter. */
    if (flags & BST_VCPU_RUN_ADVANCE) {
        arch_vcpu_advance(v, v->last_insn_len);
        v->last_insn_len = 0;
    }
    if (flags & BST_VCPU_RUN_SET_GPRS) {
        arch_vcpu_set_gprs(v, invocation_arg(inv, 1), invocation_arg(inv, 2),
                           invocation_arg(inv, 3), invocation_arg(inv, 4));
    }
    struct bst_vm_exit_msg msg;
    if (take_signal(v, inv->caller, &msg)) {
        reply_exit(inv, &msg);
        return BST_OK;
    }
    uint64_t tlb = space->tlb_generation;
    struct vcpu_entry entry = {
        .root = space->root,
        .flush = v->tlb_seen != tlb,
        .window = (flags & BST_VCPU_RUN_WINDOW) != 0,
    };
    v->tlb_seen = tlb;
    if (arch_vcpu_run(v, inv->caller, &entry, &msg) == VCPU_EXIT_HOST) {
        /* The call goes on when the thread runs again: what was applied stays applied. */
        arch_syscall_set_mr(&inv->caller->arch.ctx, 0, flags & BST_VCPU_RUN_WINDOW);
        return BST_PREEMPTED;
    }
    v->last_insn_len = msg.insn_len;
    reply_exit(inv, &msg);
    return BST_OK;
}

bst_error_t vcpu_invoke(struct invocation *inv)
{
    const struct cap *cap = &inv->slot->cap;
    if (inv->label < BST_INV_VCPU_BIND || inv->label > BST_INV_VCPU_INJECT) {
        return BST_ILLEGAL_OPERATION;
    }
    if (!arch_virt_available()) {
        return BST_ILLEGAL_OPERATION;
    }
    switch (inv->label) {
    case BST_INV_VCPU_BIND:
        return vcpu_bind(inv, cap);
    case BST_INV_VCPU_RUN:
        return vcpu_run(inv, cap);
    case BST_INV_VCPU_READ_REGS:
        return vcpu_read_regs(inv, cap);
    case BST_INV_VCPU_WRITE_REGS:
        return vcpu_write_regs(inv, cap);
    default:
        return vcpu_inject(inv, cap);
    }
}
