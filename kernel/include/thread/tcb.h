/*
 * Thread control blocks: the kernel's thread object.
 *
 * A TCB is made by retype, so it starts as zeroed memory, which is a valid inactive
 * thread with no spaces and priority 0. The capabilities a thread runs with (CSpace
 * root, VSpace, IPC buffer frame, fault endpoint) are held in the TCB's own slots as
 * CDT children of the caps they were configured from: deleting or revoking the
 * original also removes the thread's copy, so a TCB never points at a dead object.
 */
#ifndef BASTION_THREAD_TCB_H
#define BASTION_THREAD_TCB_H

#include <arch/thread.h>
#include <bastion/ipcbuffer.h>
#include <object/cap.h>
#include <object/cspace.h>

enum thread_state {
    THREAD_INACTIVE = 0,         /* never started, suspended, or stopped by a fault */
    THREAD_RUNNABLE,             /* running, or ready to run */
    THREAD_BLOCKED_SEND,         /* in an endpoint's queue, to send (or call) */
    THREAD_BLOCKED_RECV,         /* in an endpoint's queue, to receive */
    THREAD_BLOCKED_REPLY,        /* waiting for the reply to a call (or fault) */
    THREAD_BLOCKED_NOTIFICATION, /* in a notification's queue */
};

/* What a thread blocked in an endpoint queue is doing (ipc_flags). */
#define IPC_CALL        0x1u /* a Call: it waits for a reply afterwards */
#define IPC_GRANT       0x2u /* its endpoint cap has the grant right */
#define IPC_GRANT_REPLY 0x4u /* its endpoint cap has the grant-reply right */
#define IPC_FAULT       0x8u /* the message is a fault message the kernel made */

struct endpoint;
struct notification;
struct reply;

enum tcb_slot {
    TCB_SLOT_CSPACE,
    TCB_SLOT_VSPACE,
    TCB_SLOT_IPC_BUFFER,
    TCB_SLOT_FAULT_EP,
    TCB_SLOT_TIMEOUT_EP, /* receives timeout faults (thread/budget.c) */
    TCB_SLOTS,
};

struct tcb {
    struct arch_tcb arch;        /* registers and FPU state */
    struct cte slots[TCB_SLOTS]; /* the caps the thread runs with (see above) */
    struct tcb *sched_next;      /* ready queue links */
    struct tcb *sched_prev;
    vaddr_t ipc_buffer_vaddr; /* 0: none */
    uint8_t state;            /* enum thread_state */
    uint8_t priority;
    uint8_t mcp;         /* maximum controlled priority */
    uint8_t queued;      /* in a ready queue */
    uint8_t initialised; /* arch_tcb_init() done */
    uint8_t domain;      /* scheduling domain (thread/domain.h) */
    char name[BST_DEBUG_NAME_MAX];
    /* IPC (kernel/ipc): the queue the thread waits in and what for. */
    struct tcb *ipc_next;
    struct tcb *ipc_prev;
    void *blocked_on;           /* endpoint, notification or reply object */
    uint64_t ipc_badge;         /* badge of the cap it sends with */
    struct reply *reply;        /* receiving: the reply object a call fills */
    struct notification *bound; /* bound notification */
    uint8_t ipc_flags;          /* IPC_* */
    uint64_t fault_label;       /* a pending fault message (IPC_FAULT) */
    uint64_t fault_msg[4];
    /* The CSpace root decoded for the IPC fastpath when it is one CNode whose guard and
     * radix take all 64 address bits (else cspace_slots is NULL). Valid while
     * slots[TCB_SLOT_CSPACE] holds a cap: only tcb_set_slot() fills that slot. */
    struct cte *cspace_slots;
    uint64_t cspace_guard;
    uint8_t cspace_radix;
    /* The assembly fastpath's last lookups in that CNode: the endpoint (entry 0) and the
     * reply object (entry 1) CPtrs and their slots (a slot follows from the CPtr and the
     * cached root alone). Reset with the root; an empty entry names fastpath_no_slot,
     * which never holds a cap. */
    uint64_t fp_cptr[2];
    struct cte *fp_slot[2];
    /* Scheduling (thread/schedcontext.h): the scheduling context it runs on (its own or
     * one lent to it over a Call; NULL: it cannot run), and the release queue of threads
     * waiting for budget. */
    struct sched_context *sc;
    struct tcb *release_next;
    uint8_t throttled; /* in the release queue */
};

_Static_assert(sizeof(struct tcb) <= (1u << 11), "a TCB fits its object size (objtype.h)");
_Static_assert(offsetof(struct tcb, arch) == 0 && offsetof(struct arch_tcb, ctx) == 0,
               "the entry code's context pointer is the TCB's address (ipc/fastpath.h)");
_Static_assert(offsetof(struct tcb, slots) % 64 == 0, "CDT slots are 64-byte aligned");

/* An empty CNode slot: what an empty entry of a TCB's lookup memory names (fp_slot). */
extern struct cte fastpath_no_slot;

struct tcb *tcb_of(const struct cap *c);
paddr_t tcb_paddr(const struct tcb *t);

/* The thread's IPC buffer as kernel memory, or NULL if it has none. */
struct bst_ipc_buffer *tcb_ipc_buffer(const struct tcb *t);

/* Start / stop a thread (used by invocations, faults and the root task). */
void tcb_resume(struct tcb *t);
void tcb_suspend(struct tcb *t);

/* cspace_lookup_cap() in t's CSpace, with the common shape's shortcut: when the root is
 * one CNode whose guard and radix take all 64 bits (decoded in the TCB), the slot
 * follows from the address at once; any other address or shape takes the walk, which
 * gives the same result for these and the errors for the rest. */
static inline __attribute__((always_inline)) struct lookup_result
tcb_lookup_cap(const struct tcb *t, uint64_t cptr)
{
    uint64_t index = cptr & ((1ull << t->cspace_radix) - 1);
    if (t->cspace_slots != NULL && (cptr >> t->cspace_radix) == t->cspace_guard && index != 0 &&
        !cap_is_null(&t->slots[TCB_SLOT_CSPACE].cap)) {
        struct cte *slot = t->cspace_slots + index;
        return (struct lookup_result){cap_is_null(&slot->cap) ? BST_INVALID_CAPABILITY : BST_OK,
                                      slot};
    }
    return cspace_lookup_cap(&t->slots[TCB_SLOT_CSPACE].cap, cptr_from_word(cptr));
}

/* Whether the thread has what it needs to run: a CSpace and a VSpace. */
bool tcb_can_run(const struct tcb *t);

/* Copy the cap in `src` into the thread's slot `which`, replacing what was there. */
void tcb_set_slot(struct tcb *t, enum tcb_slot which, struct cte *src);

#endif
