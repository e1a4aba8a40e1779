/*
 * Notifications: a word of badge bits. Signal ORs the signalling cap's badge in and
 * wakes one waiter (or the bound thread blocked in Recv, if it has a scheduling context:
 * a passive server is not woken, the signal stays pending); Wait returns the word and
 * clears it, blocking while it is zero; Poll never blocks (docs/ipc.md).
 */
#include <bastion/fault.h>
#include <ipc/ipc.h>
#include <irq/irq.h>
#include <kmem.h>
#include <object/finalise.h>
#include <thread/sched.h>

struct notification *notification_of(const struct cap *c)
{
    return kmem_ptr(c->paddr);
}

static void wake_with_word(struct tcb *t, uint64_t word, uint64_t label)
{
    arch_syscall_set_result(&t->arch.ctx, BST_OK, word, bst_msginfo_make(label, 0, 0, 0));
    t->blocked_on = NULL;
    t->state = THREAD_RUNNABLE;
    sched_make_runnable(t);
}

void notification_signal(struct notification *n, uint64_t badge)
{
    uint64_t word = n->word | badge;
    if (n->queue.head != NULL) {
        struct tcb *t = n->queue.head;
        thread_queue_remove(&n->queue, t);
        n->word = 0;
        wake_with_word(t, word, 0);
        return;
    }
    struct tcb *b = n->bound;
    if (b != NULL && b->state == THREAD_BLOCKED_RECV && b->sc != NULL) {
        /* (A passive server has no time of its own to handle the signal in: it stays
         * pending in the word, and the server goes on waiting for calls.) */
        ipc_cancel(b); /* leave the endpoint queue: the signal ends its Recv */
        n->word = 0;
        wake_with_word(b, word, BST_LABEL_SIGNAL);
        return;
    }
    n->word = word;
}

void notification_wait(struct notification *n, struct tcb *t, bool blocking)
{
    if (n->word != 0 || !blocking) {
        arch_syscall_set_result(&t->arch.ctx, BST_OK, n->word, bst_msginfo_make(0, 0, 0, 0));
        n->word = 0;
        return;
    }
    sched_make_inactive(t);
    t->state = THREAD_BLOCKED_NOTIFICATION;
    t->blocked_on = n;
    thread_queue_append(&n->queue, t);
}

bst_error_t notification_bind(struct notification *n, struct tcb *t)
{
    if (n->bound != NULL || t->bound != NULL) {
        return BST_ILLEGAL_OPERATION; /* one binding each way */
    }
    n->bound = t;
    t->bound = n;
    return BST_OK;
}

void notification_unbind(struct tcb *t)
{
    if (t->bound != NULL) {
        t->bound->bound = NULL;
        t->bound = NULL;
    }
}

/* Deleting a notification wakes its waiters with OBJECT_DELETED and unbinds it. */
void notification_finalise(const struct cap *cap)
{
    struct notification *n = notification_of(cap);
    while (n->queue.head != NULL) {
        struct tcb *t = n->queue.head;
        thread_queue_remove(&n->queue, t);
        ipc_wake_with_error(t, BST_OBJECT_DELETED);
    }
    if (n->bound != NULL) {
        notification_unbind(n->bound);
    }
    irq_forget_notification(n);
}
