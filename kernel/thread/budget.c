/*
 * Budgets, the release queue and the one-shot timer (thread/budget.h).
 *
 * The clock is read only when something needs it: a budgeted thread is involved, a
 * thread waits for its release, or round robin needs a slice. A system with no
 * scheduling contexts in use pays a few loads per kernel exit.
 */
#include <thread/budget.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>
#include <timer.h>

#define SLICE_HZ 100 /* round-robin slice: 10 ms */

struct budget_state budget_state;
static uint64_t run_start;      /* when the current budgeted thread started running */
static struct tcb *slice_owner; /* whose round-robin slice began at slice_start */
static uint64_t slice_start;

static bool eligible(struct tcb *t, uint64_t now)
{
    return t->sc == NULL || (t->sc->budget != 0 && sc_available(t->sc, now) > 0);
}

static void release_insert(struct tcb *t)
{
    uint64_t when = sc_next_release(t->sc);
    struct tcb **p = &budget_state.release_head;
    while (*p != NULL && sc_next_release((*p)->sc) <= when) {
        p = &(*p)->release_next;
    }
    t->release_next = *p;
    *p = t;
    t->throttled = 1;
}

static void release_remove(struct tcb *t)
{
    for (struct tcb **p = &budget_state.release_head; *p != NULL; p = &(*p)->release_next) {
        if (*p == t) {
            *p = t->release_next;
            break;
        }
    }
    t->release_next = NULL;
    t->throttled = 0;
}

static void throttle(struct tcb *t)
{
    sched_remove(t);
    if (!t->throttled) {
        release_insert(t);
    }
}

static void release_due(uint64_t now)
{
    while (budget_state.release_head != NULL &&
           sc_next_release(budget_state.release_head->sc) <= now) {
        struct tcb *t = budget_state.release_head;
        release_remove(t);
        if (!eligible(t, now)) { /* an unconfigured context never releases */
            release_insert(t);
            break;
        }
        sched_enqueue_released(t);
    }
}

bool budget_admit(struct tcb *t)
{
    if (t->sc == NULL || eligible(t, arch_counter_read())) {
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
    if (slice_owner == t) {
        slice_owner = NULL;
    }
}

void budget_step(struct tcb *running)
{
    if (budget_state.release_head == NULL && (running == NULL || running->sc == NULL)) {
        return;
    }
    uint64_t now = arch_counter_read();
    if (running != NULL && running->sc != NULL) {
        sc_charge(running->sc, run_start, now - run_start);
        if (!eligible(running, now)) {
            throttle(running);
        }
    }
    release_due(now);
}

void budget_start_running(struct tcb *t)
{
    if (t->sc != NULL) {
        run_start = arch_counter_read();
    }
}

void budget_arm_timer(struct tcb *t)
{
    bool competitor = sched_competitor_ready();
    if (!budget_state.tickless || (budget_state.armed == 0 && budget_state.release_head == NULL &&
                                   (t == NULL || t->sc == NULL) && !competitor)) {
        return;
    }
    uint64_t now = arch_counter_read(), deadline = UINT64_MAX;
    if (t != NULL && t->sc != NULL) {
        deadline = now + sc_available(t->sc, now);
    }
    if (budget_state.release_head != NULL &&
        sc_next_release(budget_state.release_head->sc) < deadline) {
        deadline = sc_next_release(budget_state.release_head->sc);
    }
    if (competitor) {
        if (slice_owner != t) { /* a new slice starts with a new thread */
            slice_owner = t;
            slice_start = now;
        }
        uint64_t slice_end = slice_start + arch_counter_hz() / SLICE_HZ;
        deadline = slice_end < deadline ? slice_end : deadline;
    }
    if (deadline != budget_state.armed) {
        budget_state.armed = deadline == UINT64_MAX ? 0 : deadline;
        arch_timer_oneshot(budget_state.armed);
    }
}

void sched_account_current(void)
{
    struct tcb *t = sched_current();
    if (t != NULL && t->sc != NULL) {
        uint64_t now = arch_counter_read();
        sc_charge(t->sc, run_start, now - run_start);
        run_start = now;
    }
}

void sched_sc_changed(struct sched_context *sc)
{
    struct tcb *t = sc->tcb;
    if (t == NULL || t->state != THREAD_RUNNABLE) {
        return;
    }
    uint64_t now = arch_counter_read();
    if (t->throttled && eligible(t, now)) {
        release_remove(t);
        sched_enqueue_released(t);
    } else if (!t->throttled && !eligible(t, now)) {
        throttle(t);
    }
    if (t == sched_current()) {
        run_start = now;
    }
}

void sched_sc_unbinding(struct tcb *t)
{
    if (t->throttled) {
        release_remove(t);
        sched_enqueue_released(t);
    }
}

void sched_tickless_start(void)
{
    budget_state.tickless = true;
    arch_timer_stop();
}

void sched_timer_event(void)
{
    budget_state.armed = 0;
    struct tcb *t = sched_current();
    if (t != NULL && slice_owner == t &&
        arch_counter_read() - slice_start >= arch_counter_hz() / SLICE_HZ) {
        slice_owner = NULL;
        sched_tick();
    }
}

/* Unbind t's scheduling context (UNBIND, deleting either side). */
void sc_unbind_tcb(struct tcb *t)
{
    struct sched_context *sc = t->sc;
    if (sc == NULL) {
        return;
    }
    sched_sc_unbinding(t);
    sc->tcb = NULL;
    t->sc = NULL;
    budget_state.bound--;
}
