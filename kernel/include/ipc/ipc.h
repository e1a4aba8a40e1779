/*
 * Inter-process communication: endpoints (synchronous message passing), notifications
 * (asynchronous signals), reply objects (where a call's reply goes), and faults
 * delivered as messages. See docs/ipc.md for the semantics and docs/syscalls.md for the
 * registers.
 *
 * Objects are made by retype (zeroed memory is an idle endpoint, a zero notification
 * and an empty reply). Thread queues are FIFO doubly linked lists through the TCBs'
 * ipc_next/ipc_prev; a thread is in at most one queue, named by blocked_on.
 */
#ifndef BASTION_IPC_IPC_H
#define BASTION_IPC_IPC_H

#include <object/cap.h>
#include <thread/tcb.h>

struct thread_queue {
    struct tcb *head;
    struct tcb *tail;
};

enum endpoint_state {
    EP_IDLE = 0, /* nobody waiting */
    EP_SENDING,  /* the queue holds senders */
    EP_RECEIVING /* the queue holds receivers */
};

struct endpoint {
    struct thread_queue queue;
    uint64_t state; /* enum endpoint_state */
    uint64_t reserved;
};

struct notification {
    uint64_t word; /* pending badge bits */
    struct thread_queue queue;
    struct tcb *bound; /* the TCB bound to it, if any */
    uint64_t reserved[4];
};

struct reply {
    struct tcb *caller;       /* the thread waiting for this reply, if any */
    struct tcb *receiver;     /* the thread blocked in Recv that will fill it, if any */
    struct sched_context *sc; /* the caller's context, lent to the server until the reply */
    struct reply *sc_prev;    /* the reply sc was lent through before this one (a chain) */
};

_Static_assert(sizeof(struct endpoint) <= 32, "endpoint fits its object size (objtype.h)");
_Static_assert(sizeof(struct notification) <= 64, "notification fits its object size");
_Static_assert(sizeof(struct reply) <= 32, "reply fits its object size");

struct endpoint *endpoint_of(const struct cap *c);
struct notification *notification_of(const struct cap *c);
struct reply *reply_of(const struct cap *c);

/* The system calls, for the current thread `t` (arguments in its registers). */
void ipc_send(struct tcb *t, struct cte *cap_slot, bool blocking, bool call);
void ipc_recv(struct tcb *t, struct cte *cap_slot, bool blocking);
/* ipc_recv with the lookup of the reply-object CPtr already made (Reply-Recv decodes it
 * once for both halves: its reply cannot change that slot, as a cap the reply transfers
 * goes only into an empty slot, and the looked-up one holds the reply object). */
void ipc_recv_with_reply(struct tcb *t, struct cte *cap_slot, struct lookup_result reply,
                         bool blocking);
void ipc_reply(struct tcb *t, struct cte *reply_slot);

/* An IPC system call of t failed with e on capability address cptr: a capability
 * fault to its handler, or the error code in its result. */
void ipc_error(struct tcb *t, bst_error_t e, uint64_t cptr);

/* Deliver a fault of t to its fault endpoint; false if it has none (the caller then
 * reports and suspends it). */
struct user_fault;
bool ipc_send_fault(struct tcb *t, const struct user_fault *f);
/* The same to another endpoint cap (the timeout endpoint); false if ep is none. */
bool ipc_send_fault_to(struct tcb *t, const struct cap *ep, const struct user_fault *f);

/* Take t out of whatever IPC it is blocked in (suspend, delete); its state and
 * ipc_flags are left for the caller (which may need to know it was sending a fault). */
void ipc_cancel(struct tcb *t);

/* Notifications. */
void notification_signal(struct notification *n, uint64_t badge);
void notification_wait(struct notification *n, struct tcb *t, bool blocking);
bst_error_t notification_bind(struct notification *n, struct tcb *t);
void notification_unbind(struct tcb *t);

/* FIFO thread queues. */
void thread_queue_append(struct thread_queue *q, struct tcb *t);
void thread_queue_remove(struct thread_queue *q, struct tcb *t);

/* Wake a blocked thread with an error code (its call fails with it). */
void ipc_wake_with_error(struct tcb *t, bst_error_t e);

/* Queue invariants for the checker: NULL when they hold, else the first violation. */
const char *ipc_check_queue(const struct thread_queue *q, const void *object,
                            enum thread_state state);

#endif
