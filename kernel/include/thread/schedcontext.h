/*
 * Scheduling contexts: CPU time as a kernel object. A scheduling context holds a budget
 * and a period; the thread bound to it may run for at most `budget` in any window of
 * length `period`. Consumed time comes back as a refill one period after it began to
 * be used (sporadic-server replenishment), so bursts can never exceed the budget in
 * any window. A thread whose budget is used up leaves the ready queues until its next
 * refill is due.
 *
 * A context whose budget equals its period is *unlimited*: its thread is never
 * throttled and never charged (it shares the CPU by priority and round robin only), so
 * such threads pay nothing for accounting. A thread with no scheduling context, or with
 * an unconfigured one (budget 0), cannot run.
 *
 * A context travels: a Call to a passive server (a thread with no context of its own)
 * lends the caller's context to the server until the reply (thread/donation.h).
 *
 * Times are in counter ticks (arch_counter_read()); the invocations take microseconds.
 */
#ifndef BASTION_THREAD_SCHEDCONTEXT_H
#define BASTION_THREAD_SCHEDCONTEXT_H

#include <object/cap.h>

#define SC_MAX_REFILLS   8
#define SC_MIN_BUDGET_US 100

struct tcb;
struct reply;

struct sc_refill {
    uint64_t time;   /* when the amount becomes available */
    uint64_t amount; /* counter ticks */
};

struct sched_context {
    uint64_t budget, period; /* ticks; 0 budget: not configured (cannot run) */
    uint64_t consumed;       /* ticks consumed since the last CONSUMED */
    uint64_t debt;           /* overrun not yet paid from refills */
    struct tcb *tcb;         /* the thread running on it: its owner, or a server it is lent to */
    struct reply *reply;     /* lent: the newest reply it goes back through (NULL: at home) */
    uint8_t head, count;     /* ring of refills, earliest first */
    uint8_t limited;         /* budget < period: charged and throttled */
    /* The SMP kernel's assembly fastpath checks "unlimited and on this CPU" in one compare:
     * the CPU's number when unlimited, 0xff when limited (set by each configure). */
    uint8_t fastpath_cpu;
    /* The CPU its threads run on: the one whose scheduling-control cap configured it
     * last (0 until then). Read by the SMP kernel only (thread/sched.h: sched_cpu_of). */
    uint32_t cpu;
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

/* Attach sc to t (both free): t may run on it from now on. */
void sc_attach(struct sched_context *sc, struct tcb *t);
/* t loses its scheduling context (if any): it stops running until it gets one. */
void sc_unbind_tcb(struct tcb *t);
/* sc, held by `from`, goes to `to` (which has none): sc_unbind_tcb(from) then
 * sc_attach(sc, to) in one step (a loan to a passive server, or its return). */
void sc_move(struct sched_context *sc, struct tcb *from, struct tcb *to);

#endif
