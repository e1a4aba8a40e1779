/*
 * Scheduling contexts: CPU time as a kernel object. A scheduling context holds a budget
 * and a period; the thread bound to it may run for at most `budget` in any window of
 * length `period`. Consumed time comes back as a refill one period after it began to
 * be used (sporadic-server replenishment), so bursts can never exceed the budget in
 * any window. A thread whose budget is used up leaves the ready queues until its next
 * refill is due.
 *
 * Times are in counter ticks (arch_counter_read()); the invocations take microseconds.
 * Not yet (issue "Scheduling"): passive servers running on a caller's scheduling
 * context, timeout faults, the domain scheduler, and the rule that a thread with no
 * scheduling context cannot run (today such a thread runs unbudgeted).
 */
#ifndef BASTION_THREAD_SCHEDCONTEXT_H
#define BASTION_THREAD_SCHEDCONTEXT_H

#include <object/cap.h>

#define SC_MAX_REFILLS   8
#define SC_MIN_BUDGET_US 100

struct tcb;

struct sc_refill {
    uint64_t time;   /* when the amount becomes available */
    uint64_t amount; /* counter ticks */
};

struct sched_context {
    uint64_t budget, period; /* ticks; 0 budget: not configured (cannot run) */
    uint64_t consumed;       /* ticks consumed since the last CONSUMED */
    uint64_t debt;           /* overrun not yet paid from refills */
    struct tcb *tcb;         /* bound thread */
    uint8_t head, count;     /* ring of refills, earliest first */
    struct sc_refill refills[SC_MAX_REFILLS];
};

_Static_assert(sizeof(struct sched_context) <= 512, "fits its object size (objtype.h)");

struct sched_context *sched_context_of(const struct cap *c);

/* Budget available at `now` (merging refills that are due). */
uint64_t sc_available(struct sched_context *sc, uint64_t now);
/* Charge `used` ticks of running that began at `start`. */
void sc_charge(struct sched_context *sc, uint64_t start, uint64_t used);
/* When budget next becomes available (valid when sc_available() is 0). */
uint64_t sc_next_release(const struct sched_context *sc);
/* Set budget and period (ticks), with the whole budget available at `now`. */
void sc_configure(struct sched_context *sc, uint64_t budget, uint64_t period, uint64_t now);

struct invocation;
bst_error_t sched_control_invoke(struct invocation *inv);
bst_error_t sched_context_invoke(struct invocation *inv);

/* Unbind whatever is bound (TCB deletion). */
void sc_unbind_tcb(struct tcb *t);

#endif
