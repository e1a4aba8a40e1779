/*
 * The scheduler's per-CPU state types: the ready maps, the scheduler's own state and the
 * budget machinery's, apart from the functions (thread/sched.h, thread/budget.h) so that
 * the SMP build's per-CPU block (kpercpu.h) can hold them. Only ktypes.h below this.
 */
#ifndef BASTION_THREAD_SCHED_STATE_H
#define BASTION_THREAD_SCHED_STATE_H

#include <ktypes.h>

struct tcb;

#define NUM_PRIORITIES     256
#define SCHED_BITMAP_WORDS (NUM_PRIORITIES / 64)

/* Which priorities of one domain have a ready thread. */
struct ready_map {
    uint64_t words;                      /* bit w: bitmap[w] != 0 */
    uint64_t bitmap[SCHED_BITMAP_WORDS]; /* bit p: a thread of priority p is ready */
};

/* The scheduler's state. Only sched.c changes it, and the IPC fastpath through
 * sched_switch_directly(); it is visible so that the hot checks inline. */
struct sched_state {
    struct tcb *current;     /* the thread that entered the kernel (NULL while idle) */
    struct tcb *last_on_cpu; /* whose FPU state and segment bases the CPU holds */
    struct ready_map *ready; /* the current domain's */
    uint8_t domain;          /* the current domain */
    /* The thread made runnable last in this kernel entry, not yet written into its queue
     * (NULL: none). It counts as queued (t->queued is set) and as the tail of its queue:
     * any other queue operation writes it there first, so the queues' order is exactly
     * as if it had been. The decision at kernel exit takes it without the queue when it
     * outranks every ready thread (a Call or a reply waking the thread that runs next:
     * no enqueue and dequeue). Empty whenever the kernel is left. */
    struct tcb *woken;
};

/* What budget.h's inline checks read (budget.c owns it). */
struct budget_state {
    struct tcb *release_head; /* throttled threads, earliest release first */
    unsigned limited;         /* budget-limited scheduling contexts held by threads */
    uint64_t armed;           /* the programmed one-shot deadline (0: none) */
    bool tickless;
};

#endif
