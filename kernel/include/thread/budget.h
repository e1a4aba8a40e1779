/*
 * Budgets and time for the scheduler: charging scheduling contexts for the time their
 * threads run, the release queue of threads that ran out of budget, and the one-shot
 * timer that replaces a periodic tick (thread/budget.c). The scheduler (sched.c) calls
 * these at fixed points; the decisions stay in sched.c.
 */
#ifndef BASTION_THREAD_BUDGET_H
#define BASTION_THREAD_BUDGET_H

#include <kpercpu.h>
#include <thread/domain.h>
#include <thread/sched_state.h>
#include <thread/tcb.h>
#include <timer.h>

KCPU_HOT_DECLARE(struct budget_state, budget_state);

/* No budget in play, no timer armed, no domain schedule: the scheduler can skip all of
 * this. */
static inline __attribute__((always_inline)) bool budget_quiet(void)
{
    return KCPU_HOT(budget_state).limited == 0 && KCPU_HOT(budget_state).release_head == NULL &&
           KCPU_HOT(budget_state).armed == 0 && !domain_schedule_active();
}

/*
 * When the budget of the limited context now running runs out, in counter ticks
 * (UINT64_MAX while none runs). The timer is armed for then, but a timer can fire late
 * (an emulator's host busy elsewhere, a long SMI): a thread must not make a system call
 * on time its context no longer has. Every way in from a system call asks
 * budget_overrun() first (the assembly fastpath is closed while a limited context runs:
 * ipc/fastpath.h); when it says yes, the call is not made but restarted: kernel_exit()
 * charges the context, and the thread raises its timeout fault or waits for its
 * release, then makes the call again. budget_end is UINT64_MAX whenever no limited
 * context runs (budget.c resets it wherever it forgets the running one), so a thread
 * on an unlimited context never restarts.
 * A Call or a Reply that moves the context moves its budget with it, so budget_end
 * stays right across the fastpath's switches.
 */
KCPU_DECLARE(uint64_t, budget_end);

/* The running limited context's budget is gone (one load when none runs). */
static inline bool budget_overrun(void)
{
    return KCPU(budget_end) != UINT64_MAX && arch_counter_read() >= KCPU(budget_end);
}

/*
 * The checks the fastpaths make in place of budget_quiet(), for a switch between two
 * threads whose contexts are both unlimited (the caller checks the incoming one):
 * budget_still() says the full path's budget_step() would do nothing (no limited context
 * runs, so there is nothing to charge; no thread waits for its release; no domain
 * schedule), and with no timer armed its budget_arm_timer() would arm none either (when
 * no other thread of the incoming one's priority is ready). Limited contexts that other
 * threads hold, not running, change nothing on that exit, so unlike budget_quiet() these
 * do not look at budget_state.limited.
 */
static inline __attribute__((always_inline)) bool budget_still(void)
{
    return KCPU(budget_end) == UINT64_MAX && KCPU_HOT(budget_state).release_head == NULL &&
           !domain_schedule_active();
}
static inline __attribute__((always_inline)) bool budget_still_unarmed(void)
{
    return budget_still() && KCPU_HOT(budget_state).armed == 0;
}

/* Before choosing: move to the next domain slot if it is due, charge the limited context
 * that was running, take its thread off the CPU if the budget is gone (or raise its
 * timeout fault), and put threads whose budget came back into the ready queues. */
void budget_step(void);
/* The CPU goes idle: the limited context that ran last is charged up to now and is no
 * longer running, so that the halt is charged to nobody (charged to the context of the
 * thread that blocked last, it would throttle that thread for time it never ran: a
 * native PD of 1 ms per 10 ms that waited for a 10 ms timeout on an idle CPU was charged
 * the whole wait and came 100 ms late; docs/virtualisation.md, "Linux under Bastion"). */
void budget_idle(void);
/* `t` (with a scheduling context) starts running now (remembered for its next charge). */
void budget_start_running(struct tcb *t);
/* Program the one-shot timer for the next event while `t` runs (NULL: idle). */
void budget_arm_timer(struct tcb *t);
/* budget_arm_timer(t) for the yield fastpath, which calls it only while budget_still()
 * holds, t's context is unlimited and another thread of t's priority is ready: a
 * round-robin slice for t, and nothing else to time. */
void budget_new_slice(struct tcb *t);
/* May `t` enter a ready queue now? If not, it has been put in the release queue. */
bool budget_admit(struct tcb *t);
/* `t` stops being runnable, or is destroyed: it leaves the release queue. */
void budget_forget(struct tcb *t);
void budget_thread_gone(struct tcb *t);
/* On the CPU that ran t, stopped by another (sched_stop_here): its context stops running
 * here, charged up to now. */
void budget_stop_here(struct tcb *t);
/* sc's threads run on CPU `cpu` from now on (the SMP kernel; a configure follows, which
 * makes its thread runnable there): its thread leaves the old CPU's queues, or stops
 * where it runs. */
void budget_sc_move_cpu(struct sched_context *sc, unsigned cpu);
/* sc is deleted or moves to another CPU: no other CPU keeps it as its running context. */
void budget_sc_gone_elsewhere(struct sched_context *sc);

/* Charge the running thread now (the CONSUMED query). */
void sched_account_current(void);
/* Configure sc (ticks) and re-check the thread holding it. */
struct sched_context;
void budget_sc_configure(struct sched_context *sc, uint64_t budget, uint64_t period);
/* From now on the timer is one-shot, programmed at each kernel exit for the next event
 * (end of budget, a release, the end of a round-robin slice): no tick when idle. */
void sched_tickless_start(void);
/* Fault injection (kernel option late_timer=US): arm every deadline `ticks` late, as a
 * loaded emulator host does now and then, so tests see it on every run. */
void budget_timer_late_by(uint64_t ticks);
/* The one-shot timer fired. */
void sched_timer_event(void);

#endif
