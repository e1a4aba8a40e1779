/*
 * Thread queues of endpoints and notifications (FIFO), and waking blocked threads.
 */
#include <ipc/ipc.h>
#include <kassert.h>
#include <thread/sched.h>

void thread_queue_append(struct thread_queue *q, struct tcb *t)
{
    t->ipc_next = NULL;
    t->ipc_prev = q->tail;
    if (q->tail != NULL) {
        q->tail->ipc_next = t;
    } else {
        q->head = t;
    }
    q->tail = t;
}

void thread_queue_remove(struct thread_queue *q, struct tcb *t)
{
    if (t->ipc_prev != NULL) {
        t->ipc_prev->ipc_next = t->ipc_next;
    } else {
        q->head = t->ipc_next;
    }
    if (t->ipc_next != NULL) {
        t->ipc_next->ipc_prev = t->ipc_prev;
    } else {
        q->tail = t->ipc_prev;
    }
    t->ipc_next = t->ipc_prev = NULL;
}

void ipc_wake_with_error(struct tcb *t, bst_error_t e)
{
    if (!(t->ipc_flags & IPC_FAULT)) { /* a faulting thread is in no system call: it
                                          retries its instruction and faults anew */
        arch_syscall_set_result(&t->arch.ctx, e, 0, 0);
    }
    t->blocked_on = NULL;
    t->ipc_flags = 0;
    t->state = THREAD_RUNNABLE;
    sched_make_runnable(t);
}

const char *ipc_check_queue(const struct thread_queue *q, const void *object,
                            enum thread_state state)
{
    const struct tcb *prev = NULL;
    for (const struct tcb *t = q->head; t != NULL; prev = t, t = t->ipc_next) {
        if (t->ipc_prev != prev) {
            return "queue links broken";
        }
        if (t->blocked_on != object || t->state != state) {
            return "a queued thread is not blocked on its queue's object";
        }
    }
    return q->tail == prev ? NULL : "queue tail is not the last thread";
}
