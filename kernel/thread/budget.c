/*
 * Budgets, the release queue and the one-shot timer (thread/budget.h).
 *
 * The clock is read only when something needs it: a budget-limited context is running
 * or waiting for its release, round robin needs a slice, or a domain schedule is active.
 * A system whose contexts are all unlimited pays a few loads per kernel exit.
 *
 * Charging follows the context, not the thread: the context that was running since
 * run_start is charged at the next kernel exit, whoever holds it by then (a Call to a
 * passive server moves it without a charge, since the same context keeps running).
 */
#include <ipc/fastpath.h>
#include <ipc/ipc.h>
#include <thread/budget.h>
#include <thread/domain.h>
#include <thread/fault.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>
#include <timer.h>

#define SLICE_HZ 100 /* round-robin slice: 10 ms */

/* Each CPU's own (kpercpu.h), but timer_late. budget_end: when running_sc's budget runs
 * out; run_start: when running_sc began to run; running_sc: the limited context charged
 * at the next step; timer_late: fault injection, ticks added to each deadline;
 * slice_owner: whose round-robin slice began at slice_start. */
KCPU_HOT_DEFINE(struct budget_state, budget_state);
KCPU_DEFINE_INIT(uint64_t, budget_end, UINT64_MAX);
static KCPU_DEFINE(uint64_t, run_start);
static KCPU_DEFINE(struct sched_context *, running_sc);
static uint64_t timer_late;
static KCPU_DEFINE(struct tcb *, slice_owner);
static KCPU_DEFINE(uint64_t, slice_start);

/* No limited context is running from now on: nothing to charge, no budget to end. */
static void stop_running_sc(void)
{
    KCPU(running_sc) = NULL;
    if (KCPU(budget_end) != UINT64_MAX) {
        KCPU(budget_end) = UINT64_MAX;
        fastpath_limited_running(false);
    }
}

/* (Not const: sc_available() merges the refills that are due.) */
static bool has_budget(struct sched_context *sc, uint64_t now)
{
    return sc->budget != 0 && (!sc->limited || sc_available(sc, now) > 0);
}

static void release_insert(struct tcb *t)
{
    uint64_t when = sc_next_release(t->sc);
    struct tcb **p = &KCPU_HOT_ON(sched_cpu_of(t), budget_state).release_head;
    while (*p != NULL && sc_next_release((*p)->sc) <= when) {
        p = &(*p)->release_next;
    }
    t->release_next = *p;
    *p = t;
    t->throttled = 1;
}

static void release_remove(struct tcb *t)
{
    for (struct tcb **p = &KCPU_HOT_ON(sched_cpu_of(t), budget_state).release_head; *p != NULL;
         p = &(*p)->release_next) {
        if (*p == t) {
            *p = t->release_next;
            break;
        }
    }
    t->release_next = NULL;
    t->throttled = 0;
}

/* t's limited context ran out: t waits in the release queue (or, with a timeout
 * handler, raises a timeout fault and waits for the handler instead). */
static void throttle(struct tcb *t)
{
    sched_remove(t);
    if (t->state == THREAD_RUNNABLE && thread_timeout_fault(t)) {
        return;
    }
    if (!t->throttled && t->state == THREAD_RUNNABLE) {
        release_insert(t);
    }
}

static void release_due(uint64_t now)
{
    while (KCPU_HOT(budget_state).release_head != NULL &&
           sc_next_release(KCPU_HOT(budget_state).release_head->sc) <= now) {
        struct tcb *t = KCPU_HOT(budget_state).release_head;
        release_remove(t);
        if (!has_budget(t->sc, now)) { /* a debt took the refill: wait for the next */
            release_insert(t);
            break;
        }
        sched_enqueue_released(t);
    }
}

bool budget_admit(struct tcb *t)
{
    if (has_budget(t->sc, arch_counter_read())) {
        return true;
    }
    release_insert(t);
    return false;
}

void budget_forget(struct tcb *t)
{
    if (t->throttled) {
        release_remove(t);
    }
}

void budget_thread_gone(struct tcb *t)
{
    budget_forget(t);
    if (KCPU_COUNT > 1) {
        for (unsigned c = 0; c < KCPU_COUNT; c++) {
            if (KCPU_ON(c, slice_owner) == t) {
                KCPU_ON(c, slice_owner) = NULL;
            }
        }
    } else if (KCPU(slice_owner) == t) {
        KCPU(slice_owner) = NULL;
    }
}

void budget_stop_here(struct tcb *t)
{
    if (KCPU(running_sc) != NULL && KCPU(running_sc) == t->sc) {
        sched_account_current();
        stop_running_sc();
    }
}

void budget_sc_gone_elsewhere(struct sched_context *sc)
{
    for (unsigned c = 0; c < KCPU_COUNT; c++) {
        if (c != KCPU_SELF() && KCPU_ON(c, running_sc) == sc) {
            KCPU_ON(c, running_sc) = NULL; /* that CPU's next exit resets the rest */
        }
    }
}

void budget_step(void)
{
    if (KCPU_HOT(budget_state).release_head == NULL && KCPU(running_sc) == NULL &&
        !domain_schedule_active()) {
        return;
    }
    /* The domain schedule is the boot CPU's (docs/kernel.md, "Several CPUs"). */
    uint64_t now = KCPU_IS_BOOT() ? domain_check(arch_counter_read()) : arch_counter_read();
    struct sched_context *sc = KCPU(running_sc);
    if (sc != NULL) {
        sc_charge(sc, KCPU(run_start), now - KCPU(run_start));
        KCPU(run_start) = now;
        struct tcb *t = sc->tcb;
        if (t != NULL && t->state == THREAD_RUNNABLE && !has_budget(sc, now)) {
            stop_running_sc();
            throttle(t);
        }
    }
    release_due(now);
}

void budget_idle(void)
{
    if (KCPU(running_sc) != NULL) {
        sched_account_current();
        stop_running_sc();
    }
}

void budget_start_running(struct tcb *t)
{
    if (t->sc->limited) {
        uint64_t now = arch_counter_read();
        if (KCPU(running_sc) != t->sc) {
            KCPU(run_start) = now;
        }
        KCPU(running_sc) = t->sc;
        if (KCPU(budget_end) == UINT64_MAX) {
            fastpath_limited_running(true);
        }
        /* budget_step() charged it up to run_start: what is left runs out this long after */
        KCPU(budget_end) = KCPU(run_start) + sc_available(t->sc, now);
    } else {
        stop_running_sc();
    }
}

/* Program the one-shot timer for `deadline` (UINT64_MAX: none), exactly: an early timer
 * is not harmless everywhere (it charges a running limited context in pieces, each its
 * own refill), so every exit through the full path arms the deadline it computed. */
static void arm(uint64_t deadline)
{
    if (deadline != KCPU_HOT(budget_state).armed) {
        KCPU_HOT(budget_state).armed = deadline == UINT64_MAX ? 0 : deadline;
        arch_timer_oneshot(
            KCPU_HOT(budget_state).armed == 0 ? 0 : KCPU_HOT(budget_state).armed + timer_late);
    }
}

void budget_arm_timer(struct tcb *t)
{
    bool competitor = sched_competitor_ready();
    bool limited = t != NULL && t->sc->limited;
    if (!KCPU_HOT(budget_state).tickless ||
        (KCPU_HOT(budget_state).armed == 0 && KCPU_HOT(budget_state).release_head == NULL &&
         !limited && !competitor && !domain_schedule_active())) {
        return;
    }
    uint64_t now = arch_counter_read(), deadline = domain_slot_end();
    if (limited) {
        deadline = KCPU(budget_end) < deadline ? KCPU(budget_end) : deadline;
    }
    if (KCPU_HOT(budget_state).release_head != NULL &&
        sc_next_release(KCPU_HOT(budget_state).release_head->sc) < deadline) {
        deadline = sc_next_release(KCPU_HOT(budget_state).release_head->sc);
    }
    if (competitor) {
        if (KCPU(slice_owner) != t) { /* a new slice starts with a new thread */
            KCPU(slice_owner) = t;
            KCPU(slice_start) = now;
        }
        uint64_t slice_end = KCPU(slice_start) + arch_counter_hz() / SLICE_HZ;
        deadline = slice_end < deadline ? slice_end : deadline;
    }
    arm(deadline);
}

void budget_new_slice(struct tcb *t)
{
    if (!KCPU_HOT(budget_state).tickless) {
        return;
    }
    uint64_t now = arch_counter_read();
    if (KCPU(slice_owner) != t) {
        KCPU(slice_owner) = t;
        KCPU(slice_start) = now;
    }
    uint64_t slice_end = KCPU(slice_start) + arch_counter_hz() / SLICE_HZ;
    /* An earlier timer still armed (the slice of the thread that yielded) is left as it
     * is: it fires early, finds no slice over (sched_timer_event()) and the exit then
     * arms this one, which is cheaper than reprogramming the timer at each switch. This
     * is safe here only: no limited context runs and none waits for its release
     * (budget_still()), so the early interrupt charges nothing and releases nobody; the
     * first exit through the full path arms the exact deadline again. */
    if (KCPU_HOT(budget_state).armed != 0 && slice_end > KCPU_HOT(budget_state).armed) {
        return;
    }
    arm(slice_end);
}

void sched_account_current(void)
{
    if (KCPU(running_sc) != NULL) {
        uint64_t now = arch_counter_read();
        sc_charge(KCPU(running_sc), KCPU(run_start), now - KCPU(run_start));
        KCPU(run_start) = now;
    }
}

/* Re-check t after its context changed (configured, attached): it may run now, or
 * may have to wait for its release. */
static void recheck(struct tcb *t)
{
    if (t->state != THREAD_RUNNABLE) {
        return;
    }
    budget_forget(t);
    if (t == sched_current()) {
        if (!has_budget(t->sc, arch_counter_read())) {
            throttle(t);
        }
    } else if (t->queued) {
        if (!has_budget(t->sc, arch_counter_read())) {
            throttle(t);
        }
    } else {
        sched_make_runnable(t);
    }
}

void budget_sc_move_cpu(struct sched_context *sc, unsigned cpu)
{
    struct tcb *t = sc->tcb;
    if (KCPU(running_sc) == sc) {
        sched_account_current();
        stop_running_sc();
    }
    if (t != NULL) {
        budget_forget(t); /* out of the old CPU's release queue */
        sched_remove(t);  /* out of its ready queue, or stopped where it runs */
        if (sc->limited) {
            KCPU_HOT_ON(sc->cpu, budget_state).limited--;
        }
    }
    budget_sc_gone_elsewhere(sc);
    sc->cpu = cpu;
    if (t != NULL && sc->limited) {
        KCPU_HOT_ON(cpu, budget_state).limited++;
    }
}

void budget_sc_configure(struct sched_context *sc, uint64_t budget, uint64_t period)
{
    sched_account_current();
    if (KCPU(running_sc) == sc) {
        stop_running_sc();
    }
    if (sc->tcb != NULL && sc->limited) {
        KCPU_HOT_ON(sc->cpu, budget_state).limited--;
    }
    sc_configure(sc, budget, period, arch_counter_read());
    sc->limited = budget < period;
    if (KCPU_COUNT > 1) {
        sc->fastpath_cpu = sc->limited ? 0xff : (uint8_t)sc->cpu;
    }
    if (sc->tcb != NULL && sc->limited) {
        KCPU_HOT_ON(sc->cpu, budget_state).limited++;
    }
    if (sc->tcb != NULL) {
        recheck(sc->tcb);
    }
}

void sc_attach(struct sched_context *sc, struct tcb *t)
{
    sc->tcb = t;
    t->sc = sc;
    if (sc->limited) {
        KCPU_HOT_ON(sc->cpu, budget_state).limited++;
    }
    recheck(t);
}

void sc_unbind_tcb(struct tcb *t)
{
    struct sched_context *sc = t->sc;
    if (sc == NULL) {
        return;
    }
    if (KCPU(running_sc) == sc) {
        sched_account_current();
        stop_running_sc();
    }
    budget_forget(t);
    sched_remove(t); /* no context, no CPU (it stays runnable, waiting for one) */
    if (sc->limited) {
        KCPU_HOT_ON(sc->cpu, budget_state).limited--;
    }
    sc->tcb = NULL;
    t->sc = NULL;
}

void sc_move(struct sched_context *sc, struct tcb *from, struct tcb *to)
{
    if (KCPU(running_sc) == sc) {
        sched_account_current();
        stop_running_sc();
    }
    budget_forget(from);
    sched_remove(from); /* no context, no CPU (it stays runnable, waiting for one) */
    from->sc = NULL;
    sc->tcb = to; /* held by a thread before and after: KCPU_HOT(budget_state).limited stays */
    to->sc = sc;
    recheck(to);
}

void budget_timer_late_by(uint64_t ticks)
{
    timer_late = ticks;
}

void sched_tickless_start(void)
{
    KCPU_HOT(budget_state).tickless = true;
    arch_timer_stop();
}

void sched_timer_event(void)
{
    KCPU_HOT(budget_state).armed = 0;
    struct tcb *t = sched_current();
    if (t != NULL && KCPU(slice_owner) == t &&
        arch_counter_read() - KCPU(slice_start) >= arch_counter_hz() / SLICE_HZ) {
        KCPU(slice_owner) = NULL;
        sched_tick();
    }
}
