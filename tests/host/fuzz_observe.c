/*
 * The observable state's digest (fuzz_observe.h). Objects are visited in derivation-tree
 * order and named by address: two runs of one input from the same boot lay out memory
 * alike, so equal states give equal digests.
 */
#include "fuzz_observe.h"

#include "support.h"

#include <ipc/ipc.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>

struct digest {
    uint64_t h;
    FILE *dump;
};

static void mix(struct digest *d, const char *what, uint64_t v)
{
    d->h = (d->h ^ v) * UINT64_C(0x100000001b3);
    d->h ^= d->h >> 29;
    if (d->dump != NULL) {
        fprintf(d->dump, " %s=%llx", what, (unsigned long long)v);
    }
}

static void observe_thread(struct digest *d, const struct tcb *t)
{
    const struct arch_context *c = &t->arch.ctx;
    unsigned length = bst_msginfo_length(c->reg[HOST_REG_RSI]);
    for (unsigned r = 0; r < BST_TCB_REGISTER_COUNT; r++) {
        bool undefined_mr = false;
        for (unsigned i = length; i < BST_MSG_REGISTERS; i++) {
            undefined_mr |= r == host_mr_reg(i);
        }
        mix(d, "r", undefined_mr ? 0 : c->reg[r]);
    }
    mix(d, "state", t->state);
    mix(d, "on", (uintptr_t)t->blocked_on);
    mix(d, "prio", t->priority);
    mix(d, "domain", t->domain);
    mix(d, "sc", (uintptr_t)t->sc);
    mix(d, "bound", (uintptr_t)t->bound);
}

static void observe_queue(struct digest *d, const struct thread_queue *q)
{
    for (const struct tcb *t = q->head; t != NULL; t = t->ipc_next) {
        mix(d, "q", (uintptr_t)t);
    }
}

static void observe(struct digest *d, const struct cap *c)
{
    switch (cap_type(c)) {
    case BST_OBJ_TCB:
        observe_thread(d, tcb_of(c));
        break;
    case BST_OBJ_ENDPOINT:
        mix(d, "ep", endpoint_of(c)->state);
        observe_queue(d, &endpoint_of(c)->queue);
        break;
    case BST_OBJ_NOTIFICATION:
        mix(d, "word", notification_of(c)->word);
        observe_queue(d, &notification_of(c)->queue);
        break;
    case BST_OBJ_REPLY:
        mix(d, "caller", (uintptr_t)reply_of(c)->caller);
        mix(d, "receiver", (uintptr_t)reply_of(c)->receiver);
        mix(d, "loan", (uintptr_t)reply_of(c)->sc);
        break;
    case BST_OBJ_SCHED_CONTEXT:
        mix(d, "holder", (uintptr_t)sched_context_of(c)->tcb);
        mix(d, "lent", (uintptr_t)sched_context_of(c)->reply);
        break;
    default:
        return;
    }
    if (d->dump != NULL) {
        fprintf(d->dump, " [%s %llx]\n", bst_obj_name(cap_type(c)), (unsigned long long)c->paddr);
    }
}

uint64_t fuzz_observe_digest(FILE *dump)
{
    struct digest d = {UINT64_C(0xcbf29ce484222325), dump};
    mix(&d, "current", (uintptr_t)sched_current());
    for (const struct cte *n = cdt_next_preorder(cdt_root()); n != NULL; n = cdt_next_preorder(n)) {
        observe(&d, &n->cap);
    }
    return d.h;
}
