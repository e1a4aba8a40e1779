/*
 * Endpoints and reply objects: Send, Call, Recv, Reply (docs/ipc.md).
 *
 * A sender meeting a waiting receiver hands its message over at once; otherwise the
 * one that arrives first waits in the endpoint's FIFO queue. A Call also leaves the
 * caller waiting on the receiver's reply object until the reply comes.
 */
#include <bastion/fault.h>
#include <ipc/ipc.h>
#include <ipc/transfer.h>
#include <kmem.h>
#include <object/cspace.h>
#include <object/finalise.h>
#include <thread/donation.h>
#include <thread/fault.h>
#include <thread/sched.h>

struct endpoint *endpoint_of(const struct cap *c)
{
    return kmem_ptr(c->paddr);
}

struct reply *reply_of(const struct cap *c)
{
    return kmem_ptr(c->paddr);
}

static void block(struct tcb *t, enum thread_state state, void *object)
{
    sched_make_inactive(t);
    t->state = state;
    t->blocked_on = object;
}

static void make_runnable(struct tcb *t)
{
    t->state = THREAD_RUNNABLE;
    t->blocked_on = NULL;
    sched_make_runnable(t);
}

/* Link caller to the reply object: it waits there for the reply. */
static void wait_for_reply(struct tcb *caller, struct reply *r)
{
    r->caller = caller;
    block(caller, THREAD_BLOCKED_REPLY, r);
}

/* A receiver about to wait with reply object r: a caller still waiting on r loses its
 * reply (docs/ipc.md: reusing a reply object). */
static void reply_discard(struct reply *r)
{
    if (r != NULL && r->caller != NULL) {
        struct tcb *c = r->caller;
        donation_return(r);
        r->caller = NULL;
        ipc_wake_with_error(c, BST_OBJECT_DELETED);
    }
}

/* s's message goes to r, now. Neither is in a queue any more. */
static void deliver(struct tcb *s, struct tcb *r, uint64_t badge, uint8_t flags)
{
    r->reply->receiver = NULL;
    s->ipc_flags = flags; /* ipc_transfer reads IPC_FAULT from the sender */
    ipc_transfer(s, r, badge, (flags & IPC_GRANT) != 0);
    if (flags & (IPC_CALL | IPC_FAULT)) {
        s->ipc_flags = flags; /* remembered until the reply: grant-reply, fault */
        wait_for_reply(s, r->reply);
        if (!(flags & IPC_FAULT)) {
            donation_lend(s, r, r->reply); /* a passive server runs on the caller's time */
        }
        make_runnable(r);
    } else {
        make_runnable(r);
        if (s->state != THREAD_RUNNABLE) {
            arch_syscall_set_result(&s->arch.ctx, BST_OK, 0, arch_syscall_msginfo(&s->arch.ctx));
        }
        s->ipc_flags = 0;
        make_runnable(s);
    }
    r->reply = NULL;
}

/* Send s's message to the endpoint (s is current, or a faulting thread). */
static void endpoint_send(struct endpoint *ep, struct tcb *s, uint64_t badge, uint8_t flags,
                          bool blocking)
{
    if (ep->state == EP_RECEIVING) {
        struct tcb *r = ep->queue.head;
        thread_queue_remove(&ep->queue, r);
        if (ep->queue.head == NULL) {
            ep->state = EP_IDLE;
        }
        deliver(s, r, badge, flags);
        return;
    }
    if (!blocking) {
        return; /* no receiver: a non-blocking send is dropped */
    }
    s->ipc_badge = badge;
    s->ipc_flags = flags;
    block(s, THREAD_BLOCKED_SEND, ep);
    thread_queue_append(&ep->queue, s);
    ep->state = EP_SENDING;
}

/* A reply object serves one receiver at a time: another thread still waiting in Recv
 * with it loses it (its Recv fails with OBJECT_DELETED, as if the reply were deleted). */
static void reply_take(struct reply *reply, struct tcb *r)
{
    struct tcb *other = reply->receiver;
    if (other != NULL && other != r) {
        ipc_cancel(other);
        ipc_wake_with_error(other, BST_OBJECT_DELETED);
    }
}

static void endpoint_recv(struct endpoint *ep, struct tcb *r, struct reply *reply, bool blocking)
{
    if (blocking) {
        donation_return_on_wait(r);
    }
    reply_discard(reply);
    reply_take(reply, r);
    if (ep->state == EP_SENDING) {
        struct tcb *s = ep->queue.head;
        thread_queue_remove(&ep->queue, s);
        if (ep->queue.head == NULL) {
            ep->state = EP_IDLE;
        }
        r->reply = reply;
        reply->receiver = r;
        deliver(s, r, s->ipc_badge, s->ipc_flags);
        return;
    }
    if (!blocking) {
        arch_syscall_set_result(&r->arch.ctx, BST_OK, 0, bst_msginfo_make(0, 0, 0, 0));
        return; /* polled: nothing there (length 0, badge 0) */
    }
    r->reply = reply;
    reply->receiver = r;
    block(r, THREAD_BLOCKED_RECV, ep);
    thread_queue_append(&ep->queue, r);
    ep->state = EP_RECEIVING;
}

/* A signal pending on t's bound notification ends its Recv at once (not for a thread
 * without a scheduling context: a passive server waiting for calls leaves it pending). */
static bool take_bound_signal(struct tcb *t)
{
    struct notification *n = t->bound;
    if (n == NULL || n->word == 0 || t->sc == NULL) {
        return false;
    }
    arch_syscall_set_result(&t->arch.ctx, BST_OK, n->word,
                            bst_msginfo_make(BST_LABEL_SIGNAL, 0, 0, 0));
    n->word = 0;
    return true;
}

/* Error for the current thread's IPC system call: a capability fault to its handler
 * when it has one, else the error code in its result. */
void ipc_error(struct tcb *t, bst_error_t e, uint64_t cptr)
{
    struct user_fault f = {USER_FAULT_CAPABILITY, 0, cptr, e, t->arch.ctx.rip};
    if (!cap_is_null(&t->slots[TCB_SLOT_FAULT_EP].cap) && ipc_send_fault(t, &f)) {
        arch_syscall_restart(&t->arch.ctx); /* RESUME retries the call (the handler may
                                               have fixed the CSpace) */
        return;
    }
    arch_syscall_set_result(&t->arch.ctx, e, 0, 0);
}

void ipc_send(struct tcb *t, struct cte *slot, bool blocking, bool call)
{
    const struct cap *c = &slot->cap;
    bst_msginfo_t info = arch_syscall_msginfo(&t->arch.ctx);
    if (bst_msginfo_label(info) == BST_LABEL_SIGNAL) {
        arch_syscall_set_result(&t->arch.ctx, BST_INVALID_ARGUMENT, 0, 0);
        return;
    }
    switch (cap_type(c)) {
    case BST_OBJ_ENDPOINT: {
        if (!(c->rights & BST_RIGHT_WRITE)) {
            ipc_error(t, BST_INSUFFICIENT_RIGHTS, arch_syscall_cptr(&t->arch.ctx));
            return;
        }
        uint8_t flags =
            (uint8_t)((call ? IPC_CALL : 0) | (c->rights & BST_RIGHT_GRANT ? IPC_GRANT : 0) |
                      (c->rights & BST_RIGHT_GRANT_REPLY ? IPC_GRANT_REPLY : 0));
        endpoint_send(endpoint_of(c), t, cap_badge(c), flags, blocking || call);
        if (t->state == THREAD_RUNNABLE) { /* delivered or dropped; a blocked sender keeps
                                              its registers so a restart re-issues the call */
            arch_syscall_set_result(&t->arch.ctx, BST_OK, 0, info);
        }
        return;
    }
    case BST_OBJ_NOTIFICATION:
        if (call || !(c->rights & BST_RIGHT_WRITE)) {
            ipc_error(t, call ? BST_ILLEGAL_OPERATION : BST_INSUFFICIENT_RIGHTS,
                      arch_syscall_cptr(&t->arch.ctx));
            return;
        }
        arch_syscall_set_result(&t->arch.ctx, BST_OK, 0, 0);
        notification_signal(notification_of(c), cap_badge(c));
        return;
    case BST_OBJ_REPLY:
        if (call) {
            ipc_error(t, BST_ILLEGAL_OPERATION, arch_syscall_cptr(&t->arch.ctx));
            return;
        }
        ipc_reply(t, slot); /* reads the message info: set the result only after */
        arch_syscall_set_result(&t->arch.ctx, BST_OK, 0, 0);
        return;
    default:
        ipc_error(t, BST_INVALID_CAPABILITY, arch_syscall_cptr(&t->arch.ctx));
        return;
    }
}

void ipc_recv(struct tcb *t, struct cte *slot, bool blocking)
{
    ipc_recv_with_reply(t, slot, tcb_lookup_cap(t, arch_syscall_reply_cptr(&t->arch.ctx)),
                        blocking);
}

void ipc_recv_with_reply(struct tcb *t, struct cte *slot, struct lookup_result rl, bool blocking)
{
    const struct cap *c = &slot->cap;
    if (!(c->rights & BST_RIGHT_READ) &&
        (cap_type(c) == BST_OBJ_ENDPOINT || cap_type(c) == BST_OBJ_NOTIFICATION)) {
        ipc_error(t, BST_INSUFFICIENT_RIGHTS, arch_syscall_cptr(&t->arch.ctx));
        return;
    }
    if (cap_type(c) == BST_OBJ_NOTIFICATION) {
        notification_wait(notification_of(c), t, blocking);
        return;
    }
    if (cap_type(c) != BST_OBJ_ENDPOINT) {
        ipc_error(t, BST_INVALID_CAPABILITY, arch_syscall_cptr(&t->arch.ctx));
        return;
    }
    if (rl.status != BST_OK || cap_type(&rl.slot->cap) != BST_OBJ_REPLY) {
        ipc_error(t, rl.status != BST_OK ? rl.status : BST_INVALID_CAPABILITY,
                  arch_syscall_reply_cptr(&t->arch.ctx));
        return;
    }
    if (take_bound_signal(t)) {
        return;
    }
    endpoint_recv(endpoint_of(c), t, reply_of(&rl.slot->cap), blocking);
}

/* The reply to a fault: resume, resume with new registers, or stop. */
static void fault_reply(struct tcb *server, struct tcb *c)
{
    struct arch_context *sc = &server->arch.ctx;
    bst_msginfo_t info = arch_syscall_msginfo(sc);
    uint64_t label = bst_msginfo_label(info);
    c->ipc_flags = 0;
    c->blocked_on = NULL;
    if (label == BST_FAULT_REPLY_STOP) {
        c->state = THREAD_INACTIVE;
        donation_abandon(c);
        return;
    }
    if (label == BST_FAULT_REPLY_RESUME_REGS) {
        const struct bst_ipc_buffer *buf = tcb_ipc_buffer(server);
        unsigned n = bst_msginfo_length(info);
        n = n > BST_TCB_REGISTER_COUNT ? BST_TCB_REGISTER_COUNT : n;
        for (unsigned i = 0; i < n && (i < BST_MSG_REGISTERS || buf != NULL); i++) {
            uint64_t v = i < BST_MSG_REGISTERS ? arch_syscall_get_mr(sc, i) : buf->msg[i];
            if (arch_tcb_reg_valid(i, v)) {
                arch_tcb_set_reg(&c->arch, i, v);
            }
        }
    }
    make_runnable(c);
}

void ipc_reply(struct tcb *server, struct cte *reply_slot)
{
    struct reply *r = reply_of(&reply_slot->cap);
    struct tcb *c = r->caller;
    if (c == NULL) {
        return; /* nobody is waiting: the reply goes nowhere */
    }
    donation_return(r); /* the caller's time comes back first */
    r->caller = NULL;
    if (c->ipc_flags & IPC_FAULT) {
        fault_reply(server, c);
        return;
    }
    bool grant = (c->ipc_flags & IPC_GRANT_REPLY) != 0;
    c->ipc_flags = 0;
    ipc_transfer(server, c, 0, grant);
    make_runnable(c);
}

bool ipc_send_fault(struct tcb *t, const struct user_fault *f)
{
    return ipc_send_fault_to(t, &t->slots[TCB_SLOT_FAULT_EP].cap, f);
}

bool ipc_send_fault_to(struct tcb *t, const struct cap *ep, const struct user_fault *f)
{
    if (cap_type(ep) != BST_OBJ_ENDPOINT || !(ep->rights & BST_RIGHT_WRITE)) {
        return false;
    }
    t->fault_label = user_fault_abi_label(f->kind);
    t->fault_msg[0] = f->ip;
    t->fault_msg[1] = f->address;
    t->fault_msg[2] = ((uint64_t)f->vector << 32) | (f->code & 0xffffffffu);
    if (f->kind == USER_FAULT_UNKNOWN_SYSCALL || f->kind == USER_FAULT_CAPABILITY) {
        t->fault_msg[2] = f->code;
    }
    t->fault_msg[3] = arch_tcb_get_reg(&t->arch, 1);
    endpoint_send(endpoint_of(ep), t, cap_badge(ep), IPC_FAULT, true);
    return true;
}

void ipc_cancel(struct tcb *t)
{
    switch (t->state) {
    case THREAD_BLOCKED_SEND:
    case THREAD_BLOCKED_RECV: {
        struct endpoint *ep = t->blocked_on;
        thread_queue_remove(&ep->queue, t);
        if (ep->queue.head == NULL) {
            ep->state = EP_IDLE;
        }
        if (t->reply != NULL) {
            t->reply->receiver = NULL;
            t->reply = NULL;
        }
        break;
    }
    case THREAD_BLOCKED_REPLY:
        donation_return(t->blocked_on);
        ((struct reply *)t->blocked_on)->caller = NULL;
        break;
    case THREAD_BLOCKED_NOTIFICATION:
        thread_queue_remove(&((struct notification *)t->blocked_on)->queue, t);
        break;
    default:
        break;
    }
    t->blocked_on = NULL; /* ipc_flags stay: the caller may need to know it was a fault */
}

/* Deleting an endpoint wakes everyone waiting in it with OBJECT_DELETED. */
void endpoint_finalise(const struct cap *cap)
{
    struct endpoint *ep = endpoint_of(cap);
    while (ep->queue.head != NULL) {
        struct tcb *t = ep->queue.head;
        ipc_cancel(t);
        ipc_wake_with_error(t, BST_OBJECT_DELETED);
    }
    ep->state = EP_IDLE;
}

/* Deleting a reply object fails the call waiting on it, and the Recv that would have
 * filled it, with OBJECT_DELETED. */
void reply_finalise(const struct cap *cap)
{
    struct reply *r = reply_of(cap);
    reply_discard(r);
    if (r->receiver != NULL) {
        struct tcb *t = r->receiver;
        ipc_cancel(t);
        ipc_wake_with_error(t, BST_OBJECT_DELETED);
    }
}
