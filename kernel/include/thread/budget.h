/*
 * Budgets and time for the scheduler: charging scheduling contexts for the time their
 * threads run, the release queue of threads that ran out of budget, and the one-shot
 * timer that replaces a periodic tick (thread/budget.c). The scheduler (sched.c) calls
 * these at fixed points; the decisions stay in sched.c.
 */
#ifndef BASTION_THREAD_BUDGET_H
#define BASTION_THREAD_BUDGET_H

#include <thread/tcb.h>

/* What the inline checks below read (budget.c owns it). */
struct budget_state {
    struct tcb *release_head; /* throttled threads, earliest release first */
    unsigned bound;           /* scheduling contexts bound to threads */
    uint64_t armed;           /* the programmed one-shot deadline (0: none) */
    bool tickless;
};
extern struct budget_state budget_state;

/* No budget in play and no timer armed: the scheduler can skip all of this. */
static inline bool budget_quiet(void)
{
    return budget_state.bound == 0 && budget_state.release_head == NULL && budget_state.armed == 0;
}

/* Before choosing: charge `running` (the thread that was running, may be NULL), take it
 * off the CPU if its budget is gone, and put threads whose budget came back into the
 * ready queues. */
void budget_step(struct tcb *running);
/* `t` starts running now (remembered for its next charge). */
void budget_start_running(struct tcb *t);
/* Program the one-shot timer for the next event while `t` runs (NULL: idle). */
void budget_arm_timer(struct tcb *t);
/* May `t` enter a ready queue now? If not, it has been put in the release queue. */
bool budget_admit(struct tcb *t);
/* `t` stops being runnable, or is destroyed: it leaves the release queue. */
void budget_forget(struct tcb *t);
void budget_thread_gone(struct tcb *t);

/* Charge the running thread now (the CONSUMED query). */
void sched_account_current(void);
/* A scheduling context was configured or bound: re-check its thread. */
struct sched_context;
void sched_sc_changed(struct sched_context *sc);
/* t's scheduling context is about to be unbound: it leaves the release queue. */
void sched_sc_unbinding(struct tcb *t);
/* From now on the timer is one-shot, programmed at each kernel exit for the next event
 * (end of budget, a release, the end of a round-robin slice): no tick when idle. */
void sched_tickless_start(void);
/* The one-shot timer fired. */
void sched_timer_event(void);

#endif
