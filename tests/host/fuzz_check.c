/*
 * The fuzzer's invariant checks (fuzz_check.h). The IPC and thread rules are those of
 * the model-based IPC test (test_ipc_random.c), for any objects at all: the live ones
 * are found from their caps, so a pointer to an object whose last cap went (freed
 * memory, perhaps reused) is caught, which the sanitizers cannot see in host "physical
 * memory".
 */
#include "fuzz_check.h"

#include "support.h"

#include <ipc/ipc.h>
#include <thread/budget.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>
#include <vm/vspace.h>
#include <vm/vspace_check.h>

#define MAX_LIVE 1024

/* The live objects of one type, each once. */
struct live_set {
    unsigned n;
    const void *obj[MAX_LIVE];
};

static struct live_set tcbs, endpoints, notifications, replies, contexts;

static bool live_has(const struct live_set *s, const void *p)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (s->obj[i] == p) {
            return true;
        }
    }
    return false;
}

static void live_add(struct live_set *s, const void *p)
{
    if (!live_has(s, p) && s->n < MAX_LIVE) {
        s->obj[s->n++] = p;
    }
}

static void collect_live(void)
{
    tcbs.n = endpoints.n = notifications.n = replies.n = contexts.n = 0;
    for (const struct cte *n = cdt_next_preorder(cdt_root()); n != NULL; n = cdt_next_preorder(n)) {
        const struct cap *c = &n->cap;
        switch (cap_type(c)) {
        case BST_OBJ_TCB:
            live_add(&tcbs, tcb_of(c));
            break;
        case BST_OBJ_ENDPOINT:
            live_add(&endpoints, endpoint_of(c));
            break;
        case BST_OBJ_NOTIFICATION:
            live_add(&notifications, notification_of(c));
            break;
        case BST_OBJ_REPLY:
            live_add(&replies, reply_of(c));
            break;
        case BST_OBJ_SCHED_CONTEXT:
            live_add(&contexts, sched_context_of(c));
            break;
        default:
            break;
        }
    }
}

/* A queue of threads blocked on `obj` in `state`: links both ways, the tail, no loop. */
static const char *check_queue(const struct thread_queue *q, const void *obj, uint8_t state)
{
    const struct tcb *prev = NULL;
    unsigned n = 0;
    for (const struct tcb *t = q->head; t != NULL; prev = t, t = t->ipc_next) {
        if (!live_has(&tcbs, t) || ++n > tcbs.n) {
            return "an IPC queue holds a dead thread, or loops";
        }
        if (t->ipc_prev != prev || t->blocked_on != obj || t->state != state) {
            return "an IPC queue's thread is not blocked on it, or its links are broken";
        }
    }
    return q->tail == prev ? NULL : "an IPC queue's tail is not its last thread";
}

static bool in_queue(const struct thread_queue *q, const struct tcb *t)
{
    unsigned n = 0;
    for (const struct tcb *x = q->head; x != NULL && n <= tcbs.n; x = x->ipc_next, n++) {
        if (x == t) {
            return true;
        }
    }
    return false;
}

static const char *check_endpoints(void)
{
    for (unsigned i = 0; i < endpoints.n; i++) {
        const struct endpoint *ep = endpoints.obj[i];
        if (ep->state > EP_RECEIVING || (ep->state == EP_IDLE) != (ep->queue.head == NULL)) {
            return "an endpoint's state disagrees with its queue";
        }
        uint8_t s = ep->state == EP_SENDING ? THREAD_BLOCKED_SEND : THREAD_BLOCKED_RECV;
        const char *why = check_queue(&ep->queue, ep, s);
        if (why != NULL) {
            return why;
        }
    }
    return NULL;
}

static const char *check_notifications(void)
{
    for (unsigned i = 0; i < notifications.n; i++) {
        const struct notification *n = notifications.obj[i];
        const char *why = check_queue(&n->queue, n, THREAD_BLOCKED_NOTIFICATION);
        if (why != NULL) {
            return why;
        }
        if (n->queue.head != NULL && n->word != 0) {
            return "threads wait on a notification with a pending word";
        }
        if (n->bound != NULL && (!live_has(&tcbs, n->bound) || n->bound->bound != n)) {
            return "a notification's binding is not mutual";
        }
    }
    return NULL;
}

static const char *check_replies(void)
{
    for (unsigned i = 0; i < replies.n; i++) {
        const struct reply *r = replies.obj[i];
        if (r->caller != NULL &&
            (!live_has(&tcbs, r->caller) || r->caller->state != THREAD_BLOCKED_REPLY ||
             r->caller->blocked_on != r)) {
            return "a reply object's caller is not waiting on it";
        }
        if (r->receiver != NULL &&
            (!live_has(&tcbs, r->receiver) || r->receiver->state != THREAD_BLOCKED_RECV ||
             r->receiver->reply != r)) {
            return "a reply object's receiver is not receiving with it";
        }
        if (r->sc != NULL && !live_has(&contexts, r->sc)) {
            return "a reply object records a loan of a dead scheduling context";
        }
    }
    return NULL;
}

static const char *check_contexts(void)
{
    for (unsigned i = 0; i < contexts.n; i++) {
        const struct sched_context *sc = contexts.obj[i];
        if (sc->tcb != NULL && (!live_has(&tcbs, sc->tcb) || sc->tcb->sc != sc)) {
            return "a scheduling context's thread does not hold it";
        }
        unsigned n = 0;
        for (const struct reply *r = sc->reply; r != NULL; r = r->sc_prev) {
            if (!live_has(&replies, r) || r->sc != sc || ++n > replies.n) {
                return "a scheduling context's loan chain is broken";
            }
        }
    }
    return NULL;
}

/* Where a thread in `state` must be, and what it must not point at. */
static const char *check_blocked(const struct tcb *t, bool *in_ipc_queue)
{
    *in_ipc_queue = false;
    switch (t->state) {
    case THREAD_INACTIVE:
    case THREAD_RUNNABLE:
        return t->blocked_on == NULL && t->reply == NULL
                   ? NULL
                   : "a thread that is not blocked is blocked on something";
    case THREAD_BLOCKED_SEND:
    case THREAD_BLOCKED_RECV:
        if (!live_has(&endpoints, t->blocked_on) ||
            !in_queue(&((const struct endpoint *)t->blocked_on)->queue, t)) {
            return "a thread blocked on an endpoint is not in a live endpoint's queue";
        }
        if ((t->state == THREAD_BLOCKED_RECV) != (t->reply != NULL)) {
            return "a receiver without a reply object, or a sender with one";
        }
        *in_ipc_queue = true;
        return NULL;
    case THREAD_BLOCKED_REPLY:
        if (!live_has(&replies, t->blocked_on) ||
            ((const struct reply *)t->blocked_on)->caller != t || t->reply != NULL) {
            return "a thread waits for a reply its reply object does not expect";
        }
        return NULL;
    case THREAD_BLOCKED_NOTIFICATION:
        if (!live_has(&notifications, t->blocked_on) ||
            !in_queue(&((const struct notification *)t->blocked_on)->queue, t)) {
            return "a thread waits on a notification it is not queued on";
        }
        *in_ipc_queue = true;
        return NULL;
    default:
        return "a thread has an unknown state";
    }
}

/* The fastpath's view of t's CSpace (struct tcb) against its CSpace cap. Without one
 * the thread cannot run, and the view is rebuilt when it gets one (tcb_set_slot()). */
static const char *check_decoded_cspace(const struct tcb *t)
{
    const struct cap *root = &t->slots[TCB_SLOT_CSPACE].cap;
    const struct cte *slots = NULL;
    if (cap_is_null(root)) {
        return t->cspace_slots == NULL ? NULL : "a thread without a CSpace has a decoded root";
    }
    if (cap_type(root) == BST_OBJ_CNODE && root->u.cnode.guard_bits + root->u.cnode.radix == 64) {
        slots = kmem_ptr(root->paddr);
    }
    if (t->cspace_slots != slots || (slots != NULL && (t->cspace_radix != root->u.cnode.radix ||
                                                       t->cspace_guard != root->u.cnode.guard))) {
        return "a thread's decoded CSpace root is not its CSpace cap's";
    }
    for (unsigned i = 0; i < 2; i++) {
        uint64_t index = t->fp_cptr[i] & ((UINT64_C(1) << t->cspace_radix) - 1);
        if (t->fp_slot[i] != &fastpath_no_slot &&
            (slots == NULL || t->fp_slot[i] != t->cspace_slots + index)) {
            return "a thread's cached fastpath lookup is not a slot of its CSpace";
        }
    }
    return NULL;
}

/* The thread the kernel just returned to: what a CPU would run it with. */
static const char *check_running(const struct tcb *t)
{
    const struct cap *vs = &t->slots[TCB_SLOT_VSPACE].cap;
    if (!tcb_can_run(t) || !vspace_is_prepared(vs)) {
        return "the kernel returned to a thread without a CSpace or a prepared VSpace";
    }
    return arch_active_pml4 == vs->paddr ? NULL
                                         : "the kernel returned to a thread in another VSpace";
}

static const char *check_threads(void)
{
    const struct tcb *cur = sched_current();
    if (cur != NULL && (!live_has(&tcbs, cur) || cur->state != THREAD_RUNNABLE)) {
        return "the current thread is dead or not runnable";
    }
    for (unsigned i = 0; i < tcbs.n; i++) {
        const struct tcb *t = tcbs.obj[i];
        bool in_ipc_queue;
        const char *why = check_blocked(t, &in_ipc_queue);
        if (why != NULL) {
            return why;
        }
        if (!in_ipc_queue && (t->ipc_next != NULL || t->ipc_prev != NULL)) {
            return "a thread in no IPC queue has queue links";
        }
        if (t->reply != NULL && (!live_has(&replies, t->reply) || t->reply->receiver != t)) {
            return "a thread's reply object does not name it";
        }
        if (t->bound != NULL && (!live_has(&notifications, t->bound) || t->bound->bound != t)) {
            return "a thread's binding is not mutual";
        }
        if ((why = check_decoded_cspace(t)) != NULL) {
            return why;
        }
        if (t->sc != NULL && (!live_has(&contexts, t->sc) || t->sc->tcb != t)) {
            return "a thread holds a scheduling context that does not name it";
        }
        bool on_cpu = t->queued || t == cur;
        if (on_cpu && t->state != THREAD_RUNNABLE) {
            return "a thread that cannot run is queued or current";
        }
        if (t->throttled && (t->state != THREAD_RUNNABLE || on_cpu)) {
            return "a thread waiting for its release is blocked, queued or current";
        }
        bool can_run = t->state == THREAD_RUNNABLE && t->sc != NULL && t->sc->budget != 0;
        if (can_run && !on_cpu && !t->throttled) {
            return "a runnable thread with a context is neither queued, current nor throttled";
        }
    }
    return NULL;
}

const char *fuzz_check_all(bool left_to_user)
{
    struct invariant_result o = objects_check_invariants();
    if (!o.ok) {
        return o.why;
    }
    const char *why = sched_check_invariants();
    if (why != NULL) {
        return why;
    }
    struct vspace_check_result v = vspace_check_mappings();
    if (v.why != NULL) {
        return v.why;
    }
    collect_live();
    static const char *(*const checks[])(void) = {check_endpoints, check_notifications,
                                                  check_replies, check_contexts, check_threads};
    for (size_t i = 0; i < ARRAY_SIZE(checks) && why == NULL; i++) {
        why = checks[i]();
    }
    if (why == NULL && left_to_user) {
        why = check_running(sched_current());
    }
    return why;
}
