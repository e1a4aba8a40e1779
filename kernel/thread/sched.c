/*
 * The scheduler. See thread/sched.h.
 */
#include <kassert.h>
#include <ksmp.h>
#include <machine.h>
#include <thread/fault.h>
#include <thread/budget.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>
#include <vm/kimage.h>
#include <vm/vspace.h>

/* Each CPU's own (kpercpu.h): its ready queues, their maps, its scheduler state. */
typedef struct tcb *sched_queue_ends[NUM_DOMAINS][NUM_PRIORITIES];
typedef struct ready_map sched_ready_maps[NUM_DOMAINS];
static KCPU_DEFINE(sched_queue_ends, queue_head);
static KCPU_DEFINE(sched_queue_ends, queue_tail);
static KCPU_DEFINE(sched_ready_maps, ready_maps);
KCPU_SCHED_STATE_DEFINE(ready_maps);

struct tcb *sched_current(void)
{
    return KCPU_HOT(sched_state).current;
}

/* Into its CPU's queue, at the tail (the woken thread, if any, is already there). */
static inline __attribute__((always_inline)) void enqueue_now(struct tcb *t)
{
    kassert(!t->queued);
    unsigned p = t->priority, d = t->domain, c = sched_cpu_of(t);
    (void)c; /* (the single-CPU kernel's KCPU_ON does not read it) */
    t->sched_next = NULL;
    t->sched_prev = KCPU_ON(c, queue_tail)[d][p];
    if (KCPU_ON(c, queue_tail)[d][p] != NULL) {
        KCPU_ON(c, queue_tail)[d][p]->sched_next = t;
    } else {
        KCPU_ON(c, queue_head)[d][p] = t;
    }
    KCPU_ON(c, queue_tail)[d][p] = t;
    KCPU_ON(c, ready_maps)[d].bitmap[p / 64] |= BIT(p % 64);
    KCPU_ON(c, ready_maps)[d].words |= BIT(p / 64);
    t->queued = 1;
}

/* Write the woken thread into its queue. */
static void flush_woken_now(void)
{
    struct tcb *w = KCPU_HOT(sched_state).woken;
    if (w != NULL) {
        KCPU_HOT(sched_state).woken = NULL;
        w->queued = 0;
        enqueue_now(w);
    }
}

static inline __attribute__((always_inline)) void flush_woken(void)
{
    if (KCPU_HOT(sched_state).woken != NULL) {
        flush_woken_now();
    }
}

static inline __attribute__((always_inline)) void enqueue(struct tcb *t)
{
    flush_woken();
    enqueue_now(t);
}

/* Out of its CPU's queue (not the woken thread). */
static inline __attribute__((always_inline)) void dequeue_now(struct tcb *t)
{
    kassert(t->queued);
    unsigned p = t->priority, d = t->domain, c = sched_cpu_of(t);
    (void)c;
    if (t->sched_prev != NULL) {
        t->sched_prev->sched_next = t->sched_next;
    } else {
        KCPU_ON(c, queue_head)[d][p] = t->sched_next;
    }
    if (t->sched_next != NULL) {
        t->sched_next->sched_prev = t->sched_prev;
    } else {
        KCPU_ON(c, queue_tail)[d][p] = t->sched_prev;
    }
    if (KCPU_ON(c, queue_head)[d][p] == NULL) {
        KCPU_ON(c, ready_maps)[d].bitmap[p / 64] &= ~BIT(p % 64);
        if (KCPU_ON(c, ready_maps)[d].bitmap[p / 64] == 0) {
            KCPU_ON(c, ready_maps)[d].words &= ~BIT(p / 64);
        }
    }
    t->sched_next = t->sched_prev = NULL;
    t->queued = 0;
}

static inline __attribute__((always_inline)) void dequeue(struct tcb *t)
{
    if (t == KCPU_HOT(sched_state).woken) { /* never written into its queue */
        KCPU_HOT(sched_state).woken = NULL;
        t->queued = 0;
        return;
    }
    dequeue_now(t);
}

void sched_preempt_current(void)
{
    struct tcb *t = KCPU_HOT(sched_state).current;
    KCPU_HOT(sched_state).current = NULL;
    enqueue_now(t); /* at kernel entry (the signal fastpath): no thread is woken yet */
}

/* t's CPU c is another: the lock's holder writes c's queues (c runs no kernel code now,
 * so its woken thread is empty) and has c decide again, which preempts its current thread
 * if t outranks it (and arms its round-robin timer if t equals it). A limited context's
 * admission uses c's release queue (budget.c), and c's exit arms the timer for it. */
static void make_runnable_elsewhere(struct tcb *t, unsigned c)
{
    if (KCPU_HOT_ON(c, sched_state).current == t) {
        return; /* still running there */
    }
    if (!t->sc->limited || budget_admit(t)) {
        enqueue_now(t);
    }
    ksmp_kick(c);
}

void sched_make_runnable(struct tcb *t)
{
    if (t == KCPU_HOT(sched_state).current || t->queued || t->throttled || t->sc == NULL ||
        t->sc->budget == 0) {
        return; /* running, queued, waiting for its release, or for a scheduling context */
    }
    if (KCPU_COUNT > 1 && sched_cpu_of(t) != KCPU_SELF()) {
        make_runnable_elsewhere(t, sched_cpu_of(t));
        return;
    }
    if (t->sc->limited) {
        if (budget_admit(t)) { /* else it waits in the release queue */
            enqueue(t);
        }
        return;
    }
    flush_woken(); /* the one woken before it goes first */
    KCPU_HOT(sched_state).woken = t;
    t->queued = 1;
}

void sched_enqueue_released(struct tcb *t)
{
    if (t->state == THREAD_RUNNABLE && t != KCPU_HOT(sched_state).current && !t->queued) {
        enqueue(t);
    }
}

/* If t is the current thread of another CPU: stop it there, and that CPU has none. A
 * current thread has a context, on its CPU (every change of a context's CPU or holder
 * takes its thread off the CPU first), so only that CPU can be running t. */
static void leave_other_cpu(struct tcb *t)
{
    if (t->sc == NULL) {
        return;
    }
    unsigned c = sched_cpu_of(t);
    if (c != KCPU_SELF() && KCPU_HOT_ON(c, sched_state).current == t) {
        ksmp_stop(t, c);
        KCPU_HOT_ON(c, sched_state).current = NULL;
    }
}

void sched_stop_elsewhere(struct tcb *t)
{
    if (KCPU_COUNT > 1 && t->sc != NULL && t != KCPU_HOT(sched_state).current &&
        KCPU_HOT_ON(sched_cpu_of(t), sched_state).current == t) {
        leave_other_cpu(t);
        if (t->state == THREAD_RUNNABLE) {
            enqueue_now(t); /* its CPU (another) has no woken thread */
        }
    }
}

void sched_stop_here(struct tcb *t)
{
    if (KCPU_HOT(sched_state).last_on_cpu == t) {
        arch_save_thread(&t->arch);
        KCPU_HOT(sched_state).last_on_cpu = NULL;
    }
    budget_stop_here(t);
}

void sched_remove(struct tcb *t)
{
    if (t->queued) {
        dequeue(t);
    }
    if (t == KCPU_HOT(sched_state).current) {
        KCPU_HOT(sched_state).current = NULL;
    } else if (KCPU_COUNT > 1) {
        leave_other_cpu(t);
    }
}

static inline __attribute__((always_inline)) bool competitor_ready(void)
{
    struct tcb *t = KCPU_HOT(sched_state).current;
    return t != NULL && KCPU(queue_head)[t->domain][t->priority] != NULL;
}

bool sched_competitor_ready(void)
{
    return competitor_ready();
}

struct tcb *sched_competitor(void)
{
    struct tcb *t = KCPU_HOT(sched_state).current;
    return KCPU(queue_head)[t->domain][t->priority];
}

void sched_make_inactive(struct tcb *t)
{
    if (t->queued) {
        dequeue(t);
    }
    if (t->throttled) {
        budget_forget(t);
    }
    if (t == KCPU_HOT(sched_state).current) {
        KCPU_HOT(sched_state).current = NULL; /* kernel_exit chooses another */
    } else if (KCPU_COUNT > 1) {
        leave_other_cpu(t);
    }
}

void sched_set_priority(struct tcb *t, uint8_t priority)
{
    bool queued = t->queued;
    if (queued) {
        dequeue(t);
    }
    t->priority = priority;
    if (queued) {
        enqueue(t);
    }
    if (KCPU_COUNT > 1 && t->sc != NULL && sched_cpu_of(t) != KCPU_SELF()) {
        ksmp_kick(sched_cpu_of(t)); /* its CPU decides again with the new priority */
    }
}

void sched_set_domain(struct tcb *t, uint8_t domain)
{
    bool queued = t->queued;
    if (queued) {
        dequeue(t);
    }
    t->domain = domain;
    if (queued) {
        enqueue(t);
    } else if (t == KCPU_HOT(sched_state).current && domain != KCPU_HOT(sched_state).domain) {
        KCPU_HOT(sched_state).current = NULL; /* it waits for its domain's slot */
        enqueue(t);
    }
}

void sched_enter_domain(uint8_t domain)
{
    struct tcb *t = KCPU_HOT(sched_state).current;
    if (t != NULL && t->domain != domain && t->state == THREAD_RUNNABLE) {
        KCPU_HOT(sched_state).current = NULL;
        enqueue(t); /* it goes on in its domain's next slot */
    }
    KCPU_HOT(sched_state).domain = domain;
    KCPU_HOT(sched_state).ready = &KCPU(ready_maps)[domain];
}

void sched_forget(struct tcb *t)
{
    sched_make_inactive(t);
    budget_thread_gone(t);
    if (KCPU_HOT(sched_state).last_on_cpu == t) {
        KCPU_HOT(sched_state).last_on_cpu = NULL; /* its FPU state dies with it */
    }
}

void sched_yield(void)
{
    arch_syscall_set_result(&KCPU_HOT(sched_state).current->arch.ctx, BST_OK, 0, 0);
    sched_tick();
}

struct tcb *sched_rotate(void)
{
    struct tcb *t = KCPU_HOT(sched_state).current;
    struct tcb **head = &KCPU(queue_head)[t->domain][t->priority];
    struct tcb **tail = &KCPU(queue_tail)[t->domain][t->priority];
    struct tcb *next = *head;
    if (next == NULL) {
        return NULL;
    }
    /* The queue is not empty before or after: its bitmap bit stays. */
    *head = next->sched_next;
    if (*head != NULL) {
        (*head)->sched_prev = NULL;
    } else {
        *tail = NULL;
    }
    next->sched_next = NULL;
    next->queued = 0;
    t->sched_next = NULL;
    t->sched_prev = *tail;
    if (*tail != NULL) {
        (*tail)->sched_next = t;
    } else {
        *head = t;
    }
    *tail = t;
    t->queued = 1;
    KCPU_HOT(sched_state).current = next;
    return next;
}

void sched_tick(void)
{
    flush_woken(); /* one woken by this interrupt competes too */
    if (competitor_ready()) {
        struct tcb *t = KCPU_HOT(sched_state).current;
        KCPU_HOT(sched_state).current = NULL;
        enqueue_now(t); /* to the tail: the next of its priority runs */
    }
}

/* The woken thread at the decision: it runs at once when, written into its queue, it would
 * be taken straight out again (the only one of its priority, the head of the highest
 * queue, above a current thread that still runs); returns whether it did. Otherwise it
 * goes into its queue and the decision is made as usual. */
static bool run_woken(void)
{
    struct tcb *w = KCPU_HOT(sched_state).woken, *cur = KCPU_HOT(sched_state).current;
    bool cur_runs = cur != NULL && cur->state == THREAD_RUNNABLE;
    KCPU_HOT(sched_state).woken = NULL;
    w->queued = 0;
    if (w->domain != KCPU_HOT(sched_state).domain ||
        sched_ready_top(KCPU_HOT(sched_state).ready) >= (int)w->priority ||
        (cur_runs && w->priority <= cur->priority)) {
        enqueue_now(w);
        return false;
    }
    if (cur_runs) {
        enqueue_now(cur);
    }
    KCPU_HOT(sched_state).current = w;
    return true;
}

/* Decide who runs: the current thread keeps the CPU unless a strictly higher priority
 * is ready (or it stopped being runnable). The current thread always has a scheduling
 * context and belongs to the current domain: losing either took it off the CPU. */
static void choose(void)
{
    if (KCPU_HOT(sched_state).woken != NULL && run_woken()) {
        return;
    }
    int best = sched_ready_top(KCPU_HOT(sched_state).ready);
    struct tcb *cur = KCPU_HOT(sched_state).current;
    if (cur != NULL && cur->state == THREAD_RUNNABLE && (best < 0 || best <= cur->priority)) {
        return;
    }
    if (best < 0) {
        return;
    }
    struct tcb *next =
        KCPU(queue_head)[KCPU_HOT(sched_state).domain][best]; /* (no thread is woken now) */
    dequeue_now(next);
    if (cur != NULL && cur->state == THREAD_RUNNABLE) {
        enqueue_now(cur);
    }
    KCPU_HOT(sched_state).current = next;
}

/* The SMP kernel, before an idle halt: the last thread's FPU state goes back to its TCB,
 * so that a thread no CPU runs never has state in another CPU's registers and may run on
 * any CPU next (a migration, a passive server called from another CPU) without a call
 * to this one. */
static void idle_give_up_thread(void)
{
    struct tcb *last = KCPU_HOT(sched_state).last_on_cpu;
    if (last != NULL) {
        arch_save_thread(&last->arch);
        KCPU_HOT(sched_state).last_on_cpu = NULL;
    }
}

void kernel_exit(void)
{
    for (;;) {
        if (!budget_quiet()) {
            budget_step();
        }
        choose();
        if (KCPU_HOT(sched_state).current == NULL) {
            kimage_idle_stack(); /* the wait on this slot's domain's stack (vm/kimage.h) */
            budget_idle();
            budget_arm_timer(NULL);
            if (KCPU_COUNT > 1) {
                idle_give_up_thread();
            }
            arch_wait_for_interrupt(); /* idle: interrupts may make threads runnable */
            continue;
        }
        if (!arch_user_ip_valid(KCPU_HOT(sched_state).current->arch.ctx.rip)) {
            thread_fault_bad_ip(KCPU_HOT(sched_state).current);
            continue;
        }
        break;
    }
    if (!budget_quiet() || competitor_ready()) {
        budget_start_running(KCPU_HOT(sched_state).current);
        budget_arm_timer(KCPU_HOT(sched_state).current);
    }
    if (KCPU_HOT(sched_state).last_on_cpu != KCPU_HOT(sched_state).current) {
        arch_switch_thread(
            KCPU_HOT(sched_state).last_on_cpu ? &KCPU_HOT(sched_state).last_on_cpu->arch : NULL,
            &KCPU_HOT(sched_state).current->arch);
        KCPU_HOT(sched_state).last_on_cpu = KCPU_HOT(sched_state).current;
    }
    vspace_switch_to(&KCPU_HOT(sched_state).current->slots[TCB_SLOT_VSPACE].cap);
    arch_return_to_user(&KCPU_HOT(sched_state).current->arch.ctx);
}

/* One CPU's queues, maps and state (every CPU's in the SMP build: sched_check_invariants). */
static const char *check_cpu(unsigned cpu, const sched_queue_ends *heads,
                             const sched_queue_ends *tails, const sched_ready_maps *maps,
                             const struct sched_state *st)
{
    for (unsigned d = 0; d < NUM_DOMAINS; d++) {
        const struct ready_map *m = &(*maps)[d];
        for (unsigned p = 0; p < NUM_PRIORITIES; p++) {
            bool bit = (m->bitmap[p / 64] & BIT(p % 64)) != 0;
            if (((m->words >> (p / 64)) & 1) != (m->bitmap[p / 64] != 0)) {
                return "summary bit disagrees with its bitmap word";
            }
            if (bit != ((*heads)[d][p] != NULL)) {
                return "bitmap bit disagrees with its queue";
            }
            const struct tcb *prev = NULL;
            for (const struct tcb *t = (*heads)[d][p]; t != NULL; prev = t, t = t->sched_next) {
                if (t->priority != p || t->domain != d || !t->queued ||
                    t->state != THREAD_RUNNABLE) {
                    return "a queued thread is in the wrong queue or not runnable";
                }
                if (t->sc == NULL || t->sc->budget == 0) {
                    return "a queued thread has no scheduling context";
                }
                if (sched_cpu_of(t) != cpu) {
                    return "a queued thread is in another CPU's queue than its context's";
                }
                if (t->sched_prev != prev || t == st->current) {
                    return "queue links broken, or the current thread is queued";
                }
            }
            if ((*tails)[d][p] != prev) {
                return "queue tail is not the last thread";
            }
        }
    }
    if (st->ready != &(*maps)[st->domain]) {
        return "the ready map is not the current domain's";
    }
    if (st->current != NULL && st->current->sc == NULL) {
        return "the current thread has no scheduling context";
    }
    if (st->current != NULL && sched_cpu_of(st->current) != cpu) {
        return "the current thread's scheduling context is another CPU's";
    }
    const struct tcb *w = st->woken;
    if (w != NULL && (!w->queued || w->state != THREAD_RUNNABLE || w == st->current ||
                      w->sc == NULL || w->sc->budget == 0 || w->sched_next != NULL ||
                      w->sched_prev != NULL || (*heads)[w->domain][w->priority] == w)) {
        return "the woken thread is not runnable, is current, or sits in a queue";
    }
    return NULL;
}

const char *sched_check_invariants(void)
{
    for (unsigned c = 0; c < KCPU_COUNT; c++) {
        const char *why = check_cpu(c, &KCPU_ON(c, queue_head), &KCPU_ON(c, queue_tail),
                                    &KCPU_ON(c, ready_maps), &KCPU_HOT_ON(c, sched_state));
        if (why != NULL) {
            return why;
        }
    }
    return NULL;
}
