/*
 * Thread control blocks: state changes and the caps a thread runs with. See
 * thread/tcb.h. Invocations are decoded in thread/tcb_invoke.c.
 */
#include <ipc/ipc.h>
#include <kassert.h>
#include <kmem.h>
#include <kstring.h>
#include <object/cdt.h>
#include <object/delete.h>
#include <object/finalise.h>
#include <thread/donation.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>
#include <thread/tcb.h>
#include <vm/vspace.h>

struct cte fastpath_no_slot;

struct tcb *tcb_of(const struct cap *c)
{
    kassert(cap_type(c) == BST_OBJ_TCB);
    return kmem_ptr(c->paddr);
}

paddr_t tcb_paddr(const struct tcb *t)
{
    return kmem_paddr(t);
}

struct bst_ipc_buffer *tcb_ipc_buffer(const struct tcb *t)
{
    const struct cap *frame = &t->slots[TCB_SLOT_IPC_BUFFER].cap;
    if (cap_is_null(frame) || t->ipc_buffer_vaddr == 0) {
        return NULL;
    }
    uint64_t offset = t->ipc_buffer_vaddr & (cap_obj_size(frame) - 1);
    return kmem_ptr(frame->paddr + offset);
}

bool tcb_can_run(const struct tcb *t)
{
    return cap_type(&t->slots[TCB_SLOT_CSPACE].cap) == BST_OBJ_CNODE &&
           cap_type(&t->slots[TCB_SLOT_VSPACE].cap) == BST_OBJ_VSPACE;
}

void tcb_resume(struct tcb *t)
{
    if (!t->initialised) {
        arch_tcb_init(&t->arch);
        t->initialised = 1;
    }
    if (t->state == THREAD_INACTIVE) { /* a running or blocked thread is left alone */
        t->state = THREAD_RUNNABLE;
        sched_make_runnable(t);
    }
}

/* A thread suspended while blocked in IPC leaves its queue. One waiting to send or
 * receive re-issues its system call when resumed; one waiting for a reply gets
 * CANCELLED; a fault message is simply raised again when the thread resumes. */
void tcb_suspend(struct tcb *t)
{
    enum thread_state s = (enum thread_state)t->state;
    bool fault = (t->ipc_flags & IPC_FAULT) != 0;
    if (s == THREAD_RUNNABLE) {
        sched_make_inactive(t);
    } else if (s != THREAD_INACTIVE) {
        ipc_cancel(t);
        t->ipc_flags = 0;
        if (s == THREAD_BLOCKED_REPLY && !fault) {
            arch_syscall_set_result(&t->arch.ctx, BST_CANCELLED, 0, 0);
        } else if (!fault) {
            arch_syscall_restart(&t->arch.ctx);
        }
    }
    t->state = THREAD_INACTIVE;
    donation_abandon(t);
}

/* Decode a single-level CSpace root for the fastpath (see struct tcb). */
static void cache_cspace(struct tcb *t, const struct cap *root)
{
    unsigned radix = root->u.cnode.radix;
    bool single = root->u.cnode.guard_bits + radix == 64;
    t->cspace_slots = single ? kmem_ptr(root->paddr) : NULL;
    t->cspace_guard = root->u.cnode.guard;
    t->cspace_radix = (uint8_t)radix;
    for (unsigned i = 0; i < 2; i++) {
        t->fp_cptr[i] = 0;
        t->fp_slot[i] = &fastpath_no_slot;
    }
}

void tcb_set_slot(struct tcb *t, enum tcb_slot which, struct cte *src)
{
    struct cte *slot = &t->slots[which];
    if (!cap_is_null(&slot->cap)) {
        cap_delete_slot(slot);
    }
    if (src == NULL || cap_is_null(&src->cap)) {
        return;
    }
    slot->cap = src->cap;
    slot->cap.flags |= CAP_F_THREAD; /* its delete suspends the thread (tcb_slot_emptied) */
    if (which == TCB_SLOT_IPC_BUFFER) {
        vm_cap_clear_mapping(&slot->cap); /* the copy maps nothing itself */
    }
    if (which == TCB_SLOT_CSPACE) {
        cache_cspace(t, &slot->cap);
    }
    cdt_insert_last_child(src, slot);
}

void tcb_slot_emptied(struct cte *slot)
{
    /* A TCB is aligned to its size and begins with its struct: the slot's TCB is the
     * object it lies in. */
    struct tcb *t =
        (struct tcb *)ALIGN_DOWN((uintptr_t)slot, (uintptr_t)1 << bst_obj_fixed_bits(BST_OBJ_TCB));
    unsigned which = (unsigned)(slot - t->slots);
    kassert(which < TCB_SLOTS && slot == &t->slots[which]);
    if (which == TCB_SLOT_CSPACE) {
        t->cspace_slots = NULL; /* the fastpath's cached root went with it */
        for (unsigned i = 0; i < 2; i++) {
            t->fp_cptr[i] = 0;
            t->fp_slot[i] = &fastpath_no_slot; /* and its lookups, which named its slots */
        }
    }
    if (which == TCB_SLOT_CSPACE || which == TCB_SLOT_VSPACE) {
        tcb_suspend(t); /* resumed only once TCB_CONFIGURE gives it new ones */
    }
}

/* The last cap to a TCB is gone: stop the thread and drop the caps it held. */
void tcb_finalise(const struct cap *cap)
{
    struct tcb *t = tcb_of(cap);
    tcb_suspend(t);
    vcpu_forget_thread(t);
    notification_unbind(t);
    sc_unbind_tcb(t);
    sched_forget(t);
    for (unsigned i = 0; i < TCB_SLOTS; i++) {
        if (!cap_is_null(&t->slots[i].cap)) {
            cap_delete_slot(&t->slots[i]);
        }
    }
}
