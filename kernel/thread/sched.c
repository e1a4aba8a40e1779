/*
 * The scheduler. See thread/sched.h.
 */
#include <kassert.h>
#include <machine.h>
#include <thread/fault.h>
#include <thread/budget.h>
#include <thread/sched.h>
#include <vm/vspace.h>

static struct tcb *queue_head[NUM_PRIORITIES], *queue_tail[NUM_PRIORITIES];
struct sched_state sched_state;

struct tcb *sched_current(void)
{
    return sched_state.current;
}

static void enqueue(struct tcb *t)
{
    kassert(!t->queued);
    unsigned p = t->priority;
    t->sched_next = NULL;
    t->sched_prev = queue_tail[p];
    if (queue_tail[p] != NULL) {
        queue_tail[p]->sched_next = t;
    } else {
        queue_head[p] = t;
    }
    queue_tail[p] = t;
    sched_state.ready_bitmap[p / 64] |= BIT(p % 64);
    sched_state.ready_words |= BIT(p / 64);
    t->queued = 1;
}

static void dequeue(struct tcb *t)
{
    kassert(t->queued);
    unsigned p = t->priority;
    if (t->sched_prev != NULL) {
        t->sched_prev->sched_next = t->sched_next;
    } else {
        queue_head[p] = t->sched_next;
    }
    if (t->sched_next != NULL) {
        t->sched_next->sched_prev = t->sched_prev;
    } else {
        queue_tail[p] = t->sched_prev;
    }
    if (queue_head[p] == NULL) {
        sched_state.ready_bitmap[p / 64] &= ~BIT(p % 64);
        if (sched_state.ready_bitmap[p / 64] == 0) {
            sched_state.ready_words &= ~BIT(p / 64);
        }
    }
    t->sched_next = t->sched_prev = NULL;
    t->queued = 0;
}

static int highest_ready(void)
{
    return sched_highest_ready();
}

void sched_make_runnable(struct tcb *t)
{
    if (t != sched_state.current && !t->queued && !t->throttled) {
        if (t->sc == NULL || budget_admit(t)) { /* else it waits in the release queue */
            enqueue(t);
        }
    }
}

void sched_enqueue_released(struct tcb *t)
{
    if (t->state == THREAD_RUNNABLE && t != sched_state.current && !t->queued) {
        enqueue(t);
    }
}

void sched_remove(struct tcb *t)
{
    if (t->queued) {
        dequeue(t);
    }
    if (t == sched_state.current) {
        sched_state.current = NULL;
    }
}

bool sched_competitor_ready(void)
{
    return sched_state.current != NULL && queue_head[sched_state.current->priority] != NULL;
}

void sched_make_inactive(struct tcb *t)
{
    if (t->queued) {
        dequeue(t);
    }
    if (t->throttled) {
        budget_forget(t);
    }
    if (t == sched_state.current) {
        sched_state.current = NULL; /* kernel_exit chooses another */
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
}

void sched_forget(struct tcb *t)
{
    sched_make_inactive(t);
    budget_thread_gone(t);
    if (sched_state.last_on_cpu == t) {
        sched_state.last_on_cpu = NULL; /* its FPU state dies with it */
    }
}

void sched_yield(void)
{
    arch_syscall_set_result(&sched_state.current->arch.ctx, BST_OK, 0, 0);
    sched_tick();
}

void sched_tick(void)
{
    if (sched_state.current != NULL && queue_head[sched_state.current->priority] != NULL) {
        struct tcb *t = sched_state.current;
        sched_state.current = NULL;
        enqueue(t); /* to the tail: the next of its priority runs */
    }
}

/* Decide who runs: the sched_state.current thread keeps the CPU unless a strictly higher priority
 * is ready (or it stopped being runnable). */
static void choose(void)
{
    int best = highest_ready();
    if (sched_state.current != NULL && sched_state.current->state == THREAD_RUNNABLE &&
        (best < 0 || best <= sched_state.current->priority)) {
        return;
    }
    if (best < 0) {
        return;
    }
    struct tcb *next = queue_head[best];
    dequeue(next);
    if (sched_state.current != NULL && sched_state.current->state == THREAD_RUNNABLE) {
        enqueue(sched_state.current);
    }
    sched_state.current = next;
}

void kernel_exit(void)
{
    for (;;) {
        if (!budget_quiet()) {
            budget_step(sched_state.current);
        }
        choose();
        if (sched_state.current == NULL) {
            budget_arm_timer(NULL);
            arch_wait_for_interrupt(); /* idle: interrupts may make threads runnable */
            continue;
        }
        if (!arch_user_ip_valid(sched_state.current->arch.ctx.rip)) {
            thread_fault_bad_ip(sched_state.current);
            continue;
        }
        break;
    }
    if (!budget_quiet() || queue_head[sched_state.current->priority] != NULL) {
        budget_start_running(sched_state.current);
        budget_arm_timer(sched_state.current);
    }
    if (sched_state.last_on_cpu != sched_state.current) {
        arch_switch_thread(sched_state.last_on_cpu ? &sched_state.last_on_cpu->arch : NULL,
                           &sched_state.current->arch);
        sched_state.last_on_cpu = sched_state.current;
    }
    vspace_switch_to(&sched_state.current->slots[TCB_SLOT_VSPACE].cap);
    arch_return_to_user(&sched_state.current->arch.ctx);
}

const char *sched_check_invariants(void)
{
    for (unsigned p = 0; p < NUM_PRIORITIES; p++) {
        bool bit = (sched_state.ready_bitmap[p / 64] & BIT(p % 64)) != 0;
        if (((sched_state.ready_words >> (p / 64)) & 1) !=
            (sched_state.ready_bitmap[p / 64] != 0)) {
            return "summary bit disagrees with its bitmap word";
        }
        if (bit != (queue_head[p] != NULL)) {
            return "bitmap bit disagrees with its queue";
        }
        const struct tcb *prev = NULL;
        for (const struct tcb *t = queue_head[p]; t != NULL; prev = t, t = t->sched_next) {
            if (t->priority != p || !t->queued || t->state != THREAD_RUNNABLE) {
                return "a queued thread is in the wrong queue or not runnable";
            }
            if (t->sched_prev != prev || t == sched_state.current) {
                return "queue links broken, or the sched_state.current thread is queued";
            }
        }
        if (queue_tail[p] != prev) {
            return "queue tail is not the last thread";
        }
    }
    return NULL;
}
