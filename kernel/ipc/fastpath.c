/*
 * The IPC fastpath. See ipc/fastpath.h; the full path is kernel/ipc/endpoint.c.
 *
 * Common case for Call: a single-level CSpace, an endpoint cap with the write right, a
 * passive receiver (no scheduling context of its own) already waiting, in the current
 * domain, whose priority is at least that of every ready thread, a message of at most
 * BST_MSG_REGISTERS words with no capabilities: the caller's scheduling context is lent
 * to the receiver (thread/donation.h). For Reply-Recv: a reply object with a caller that
 * is not waiting for a fault reply and that lent the replier the context it runs on (the
 * newest loan), an endpoint cap with the read right and no sender queued, no pending
 * bound signal, and the caller in the current domain with a priority at least that of
 * every ready thread: the context goes back. Then the message moves register to
 * register and the CPU goes straight to the other thread. The same context keeps
 * running throughout, so there is nothing to charge and no timer to move, unless its
 * budget has already run out (a late timer: budget_overrun()), which the full path
 * handles. (The thread resumed must return to a user address: one that made its system
 * call from the last bytes of user space takes the full path, which faults it.)
 *
 * The common case of the common case is also written in assembly (arch fastpath.S),
 * which runs first, straight from the SYSCALL entry; this C version catches what it
 * leaves out.
 */
#include <arch/physmap.h>
#include <bastion/fault.h>
#include <bastion/syscall.h>
#include <ipc/fastpath.h>
#include <ipc/ipc.h>
#include <thread/schedcontext.h>
#include <thread/budget.h>
#include <thread/sched.h>
#include <vm/vspace.h>

uint64_t fastpath_hits[FASTPATH_KINDS];

uint64_t fastpath_total(void)
{
    uint64_t n = 0;
    for (unsigned k = 0; k < FASTPATH_KINDS; k++) {
        n += fastpath_hits[k];
    }
    return n;
}
/* Each CPU's own (kpercpu.h: the SMP build's block starts every CPU's as here). */
KCPU_HOT_DEFINE_INIT(fastpath_syscall_pair, fastpath_syscalls, {BST_SYS_CALL, BST_SYS_REPLY_RECV});
bool fastpath_off;

static bool asm_unsupported;

/* This CPU's assembly fastpath on or off (a limited context runs on this CPU or not). */
static void asm_dispatch(bool on)
{
    on = on && !asm_unsupported;
    KCPU_HOT(fastpath_syscalls)
    [0] = on ? BST_SYS_CALL : UINT64_MAX; /* UINT64_MAX: nothing matches */
    KCPU_HOT(fastpath_syscalls)[1] = on ? BST_SYS_REPLY_RECV : UINT64_MAX;
}

/* Every CPU's off for good. */
static void asm_dispatch_off_everywhere(void)
{
    for (unsigned c = 0; c < KCPU_COUNT; c++) {
        KCPU_HOT_ON(c, fastpath_syscalls)[0] = UINT64_MAX;
        KCPU_HOT_ON(c, fastpath_syscalls)[1] = UINT64_MAX;
    }
}

void fastpath_asm_unsupported(void)
{
    asm_unsupported = true;
    asm_dispatch_off_everywhere();
}

bool fastpath_asm_available(void)
{
    return !asm_unsupported;
}

void fastpath_disable(void)
{
    fastpath_off = true;
    asm_dispatch_off_everywhere();
}

void fastpath_limited_running(bool limited)
{
    asm_dispatch(!limited && !fastpath_off);
}

#define INFO_UNWRAPPED_MASK                                                                        \
    ((((1ull << BST_MSGINFO_UNWRAPPED_BITS) - 1) << BST_MSGINFO_UNWRAPPED_SHIFT))

_Static_assert(BST_MSGINFO_LENGTH_SHIFT == 0 &&
                   BST_MSGINFO_EXTRA_CAPS_SHIFT == BST_MSGINFO_LENGTH_BITS,
               "one compare checks both the length and that no caps are sent");

/* A message the fastpath can move: register words only, no caps, not the signal label. */
static inline bool message_is_simple(bst_msginfo_t info)
{
    uint64_t length_and_caps = info & ((1ull << BST_MSGINFO_UNWRAPPED_SHIFT) - 1);
    return length_and_caps <= BST_MSG_REGISTERS &&
           (info >> BST_MSGINFO_LABEL_SHIFT) != BST_LABEL_SIGNAL;
}

/* The slot `cptr` names in t's CSpace when that CSpace is one CNode whose guard and
 * radix take all 64 bits (the usual shape, decoded in the TCB); NULL otherwise (the
 * slow path decides). */
static inline struct cte *lookup_single_level(const struct tcb *t, uint64_t cptr)
{
    uint64_t index = cptr & ((1ull << t->cspace_radix) - 1);
    if (t->cspace_slots == NULL || (cptr >> t->cspace_radix) != t->cspace_guard || index == 0 ||
        cap_is_null(&t->slots[TCB_SLOT_CSPACE].cap)) {
        return NULL;
    }
    return t->cspace_slots + index;
}

static inline __attribute__((always_inline)) void copy_message(struct arch_context *to,
                                                               const struct arch_context *from,
                                                               uint64_t badge, bst_msginfo_t info)
{
    arch_syscall_copy_mrs(to, from); /* all four: words past the length are undefined */
    arch_syscall_set_result(to, BST_OK, badge, info & ~INFO_UNWRAPPED_MASK);
}

static inline __attribute__((always_inline)) NORETURN void
switch_to(struct tcb *from, struct tcb *to, enum fastpath_kind kind)
{
    to->state = THREAD_RUNNABLE;
    to->blocked_on = NULL;
    fastpath_hits[kind]++;
    sched_switch_directly(to);
    arch_switch_thread(&from->arch, &to->arch);
    vspace_switch_to(&to->slots[TCB_SLOT_VSPACE].cap);
    arch_return_to_user(&to->arch.ctx);
}

bool fastpath_call(struct tcb *t)
{
    struct arch_context *c = &t->arch.ctx;
    bst_msginfo_t info = arch_syscall_msginfo(c);
    if (!message_is_simple(info) || budget_overrun()) {
        return false;
    }
    struct cte *slot = lookup_single_level(t, arch_syscall_cptr(c));
    if (slot == NULL || cap_type(&slot->cap) != BST_OBJ_ENDPOINT ||
        !(slot->cap.rights & BST_RIGHT_WRITE)) {
        return false;
    }
    struct endpoint *ep = arch_physmap_ptr(slot->cap.paddr);
    struct tcb *r = ep->queue.head;
    if (ep->state != EP_RECEIVING || (int)r->priority <= sched_highest_ready() || r->sc != NULL ||
        r->domain != KCPU_HOT(sched_state).domain ||
        !arch_user_ip_valid(r->arch.ctx.rip)) { /* an active receiver: the full path switches
           contexts and charges them */
        return false;
    }
    /* Commit: take the receiver off the endpoint, leave the caller on its reply. */
    ep->queue.head = r->ipc_next;
    if (r->ipc_next == NULL) {
        ep->queue.tail = NULL;
        ep->state = EP_IDLE;
    } else {
        r->ipc_next->ipc_prev = NULL;
        r->ipc_next = NULL;
    }
    struct reply *reply = r->reply;
    r->reply = NULL;
    reply->receiver = NULL;
    reply->caller = t;
    t->state = THREAD_BLOCKED_REPLY;
    t->blocked_on = reply;
    t->ipc_flags = IPC_CALL | (slot->cap.rights & BST_RIGHT_GRANT_REPLY ? IPC_GRANT_REPLY : 0);
    struct sched_context *sc = t->sc; /* lend it (donation_lend) */
    t->sc = NULL;
    r->sc = sc;
    sc->tcb = r;
    reply->sc = sc;
    reply->sc_prev = sc->reply;
    sc->reply = reply;
    copy_message(&r->arch.ctx, c, cap_badge(&slot->cap), info);
    switch_to(t, r, FASTPATH_CALL_PASSIVE);
}

bool fastpath_reply_recv(struct tcb *t)
{
    struct arch_context *c = &t->arch.ctx;
    bst_msginfo_t info = arch_syscall_msginfo(c);
    if (!message_is_simple(info) || budget_overrun()) {
        return false;
    }
    struct cte *rslot = lookup_single_level(t, arch_syscall_reply_cptr(c));
    struct cte *eslot = lookup_single_level(t, arch_syscall_cptr(c));
    if (rslot == NULL || eslot == NULL || cap_type(&rslot->cap) != BST_OBJ_REPLY ||
        cap_type(&eslot->cap) != BST_OBJ_ENDPOINT || !(eslot->cap.rights & BST_RIGHT_READ)) {
        return false;
    }
    struct reply *reply = arch_physmap_ptr(rslot->cap.paddr);
    struct endpoint *ep = arch_physmap_ptr(eslot->cap.paddr);
    struct tcb *caller = reply->caller;
    struct sched_context *sc = t->sc;
    if (caller == NULL || (caller->ipc_flags & IPC_FAULT) || ep->state == EP_SENDING ||
        (t->bound != NULL && t->bound->word != 0) ||
        (int)caller->priority <= sched_highest_ready() || reply->sc != sc || sc->reply != reply ||
        caller->domain != KCPU_HOT(sched_state).domain ||
        !arch_user_ip_valid(caller->arch.ctx.rip)) {
        return false;
    }
    /* Commit: the reply and the lent context go to the caller; t waits on the endpoint
     * with the reply (donation_return). */
    sc->reply = reply->sc_prev;
    reply->sc = NULL;
    reply->sc_prev = NULL;
    sc->tcb = caller;
    caller->sc = sc;
    t->sc = NULL;
    reply->caller = NULL;
    caller->ipc_flags = 0;
    copy_message(&caller->arch.ctx, c, 0, info);
    t->ipc_prev = ep->queue.tail;
    t->ipc_next = NULL;
    if (ep->queue.tail != NULL) {
        ep->queue.tail->ipc_next = t;
    } else {
        ep->queue.head = t;
    }
    ep->queue.tail = t;
    ep->state = EP_RECEIVING;
    t->reply = reply;
    reply->receiver = t;
    t->state = THREAD_BLOCKED_RECV;
    t->blocked_on = ep;
    switch_to(t, caller, FASTPATH_REPLY_PASSIVE);
}

/* The caller goes on at once (no thread changed state), when the full path's exit would
 * do nothing else either: nothing to charge or release, no domain schedule, no timer to
 * disarm (budget_still_unarmed(); the caller's own context is unlimited, as none
 * limited runs), no other thread of its priority ready (no rotation), a user RIP to
 * return to. */
static inline bool may_continue(const struct tcb *t)
{
    return budget_still_unarmed() && !sched_competitor_ready() &&
           arch_user_ip_valid(t->arch.ctx.rip);
}

/* NB_Send on an endpoint where no receiver waits: the message is dropped. */
static bool fastpath_nb_send_dropped(struct tcb *t, struct cte *slot)
{
    struct arch_context *c = &t->arch.ctx;
    struct endpoint *ep = arch_physmap_ptr(slot->cap.paddr);
    if (ep->state == EP_RECEIVING || !may_continue(t)) {
        return false;
    }
    arch_syscall_set_result(c, BST_OK, 0, arch_syscall_msginfo(c));
    fastpath_hits[FASTPATH_SEND]++;
    arch_return_to_user(c);
}

/* Send and NB_Send: NB_Send on an endpoint with no receiver (dropped, the sender goes
 * on: fastpath_nb_send_dropped), and Signal on a notification, while nothing is to be
 * charged or released, no domain schedule is active and no timer is armed
 * (budget_still_unarmed(): then the full path would arm no timer either). With
 * nobody waiting, the badge is ORed into the word and the signaller goes on at once
 * (may_continue).
 * A waiter of strictly higher priority than the signaller and than any other ready
 * thread, in the current domain, with an unlimited scheduling context, gets the word and
 * runs at once; the signaller, preempted, goes to the tail of its priority's queue, as
 * the full path's decision puts it. A thread bound to the notification and blocked in
 * Recv, and every other case, take the full path. */
bool fastpath_send(struct tcb *t)
{
    struct arch_context *c = &t->arch.ctx;
    if ((arch_syscall_msginfo(c) >> BST_MSGINFO_LABEL_SHIFT) == BST_LABEL_SIGNAL) {
        return false;
    }
    struct cte *slot = lookup_single_level(t, arch_syscall_cptr(c));
    if (slot == NULL || !(slot->cap.rights & BST_RIGHT_WRITE)) {
        return false;
    }
    if (cap_type(&slot->cap) == BST_OBJ_ENDPOINT && arch_syscall_number(c) == BST_SYS_NB_SEND) {
        return fastpath_nb_send_dropped(t, slot);
    }
    if (cap_type(&slot->cap) != BST_OBJ_NOTIFICATION) {
        return false;
    }
    struct notification *n = arch_physmap_ptr(slot->cap.paddr);
    struct tcb *w = n->queue.head;
    if (w == NULL) {
        if ((n->bound != NULL && n->bound->state == THREAD_BLOCKED_RECV) || !may_continue(t)) {
            return false;
        }
        n->word |= cap_badge(&slot->cap);
        arch_syscall_set_result(c, BST_OK, 0, 0);
        fastpath_hits[FASTPATH_SEND]++;
        arch_return_to_user(c);
    }
    if (w->priority <= t->priority || (int)w->priority <= sched_highest_ready() ||
        w->domain != KCPU_HOT(sched_state).domain || w->sc == NULL || w->sc->budget == 0 ||
        w->sc->limited || sched_cpu_of(w) != KCPU_SELF() || !budget_still_unarmed() ||
        !arch_user_ip_valid(w->arch.ctx.rip)) {
        return false;
    }
    /* Commit: the waiter leaves the queue with the word; the signaller is preempted. */
    n->queue.head = w->ipc_next;
    if (w->ipc_next == NULL) {
        n->queue.tail = NULL;
    } else {
        w->ipc_next->ipc_prev = NULL;
        w->ipc_next = NULL;
    }
    uint64_t word = n->word | cap_badge(&slot->cap);
    n->word = 0;
    arch_syscall_set_result(&w->arch.ctx, BST_OK, word, bst_msginfo_make(0, 0, 0, 0));
    arch_syscall_set_result(c, BST_OK, 0, 0);
    sched_preempt_current();
    switch_to(t, w, FASTPATH_SEND);
}

/* Yield, while nothing is to be charged or released and no domain schedule is active
 * (budget_still(): the caller's context is unlimited; a round-robin slice timer may be
 * armed). Alone at its priority, the caller goes on at once when the full path's exit
 * would do nothing else either (may_continue()). With another thread of its priority
 * ready, on an unlimited context, and none above, that thread runs now: the caller goes
 * to the tail of the queue (sched_rotate()) and the new thread gets a fresh slice
 * (budget_new_slice()), as the full path's sched_yield() and exit do. A limited next
 * thread takes the full path (its budget must be started and timed). A thread to resume
 * whose RIP is not a user address takes the full path (which faults it). */
bool fastpath_yield(struct tcb *t)
{
    struct arch_context *c = &t->arch.ctx;
    if (!budget_still() || sched_highest_ready() > (int)t->priority ||
        KCPU_HOT(sched_state).last_on_cpu != t) {
        return false;
    }
    struct tcb *next = sched_competitor();
    if (next != NULL && next->sc->limited) {
        return false;
    }
    next = sched_rotate();
    if (next == NULL) {
        if (KCPU_HOT(budget_state).armed != 0 || !arch_user_ip_valid(c->rip)) {
            return false;
        }
        arch_syscall_set_result(c, BST_OK, 0, 0);
        fastpath_hits[FASTPATH_YIELD]++;
        arch_return_to_user(c);
    }
    arch_syscall_set_result(c, BST_OK, 0, 0);
    if (!arch_user_ip_valid(next->arch.ctx.rip)) {
        kernel_exit(); /* the decision is taken; the exit faults it */
    }
    budget_new_slice(next);
    fastpath_hits[FASTPATH_YIELD]++;
    KCPU_HOT(sched_state).last_on_cpu = next;
    arch_switch_thread(&t->arch, &next->arch);
    vspace_switch_to(&next->slots[TCB_SLOT_VSPACE].cap);
    arch_return_to_user(&next->arch.ctx);
}
