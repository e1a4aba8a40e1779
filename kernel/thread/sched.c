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

#define ready_bitmap (sched_state.ready_bitmap)
#define current      (sched_state.current)
#define last_on_cpu  (sched_state.last_on_cpu)

struct tcb *sched_current(void)
{
    return current;
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
    ready_bitmap[p / 64] |= BIT(p % 64);
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
        ready_bitmap[p / 64] &= ~BIT(p % 64);
        if (ready_bitmap[p / 64] == 0) {
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
    if (t != current && !t->queued && !t->throttled) {
        if (t->sc == NULL || budget_admit(t)) { /* else it waits in the release queue */
            enqueue(t);
        }
    }
}

void sched_enqueue_released(struct tcb *t)
{
    if (t->state == THREAD_RUNNABLE && t != current && !t->queued) {
        enqueue(t);
    }
}

void sched_remove(struct tcb *t)
{
    if (t->queued) {
        dequeue(t);
    }
    if (t == current) {
        current = NULL;
    }
}

bool sched_competitor_ready(void)
{
    return current != NULL && queue_head[current->priority] != NULL;
}

void sched_make_inactive(struct tcb *t)
{
    if (t->queued) {
        dequeue(t);
    }
    if (t->throttled) {
        budget_forget(t);
    }
    if (t == current) {
        current = NULL; /* kernel_exit chooses another */
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
    if (last_on_cpu == t) {
        last_on_cpu = NULL; /* its FPU state dies with it */
    }
}

void sched_yield(void)
{
    arch_syscall_set_result(&current->arch.ctx, BST_OK, 0, 0);
    sched_tick();
}

void sched_tick(void)
{
    if (current != NULL && queue_head[current->priority] != NULL) {
        struct tcb *t = current;
        current = NULL;
        enqueue(t); /* to the tail: the next of its priority runs */
    }
}

/* Decide who runs: the current thread keeps the CPU unless a strictly higher priority
 * is ready (or it stopped being runnable). */
static void choose(void)
{
    int best = highest_ready();
    if (current != NULL && current->state == THREAD_RUNNABLE &&
        (best < 0 || best <= current->priority)) {
        return;
    }
    if (best < 0) {
        return;
    }
    struct tcb *next = queue_head[best];
    dequeue(next);
    if (current != NULL && current->state == THREAD_RUNNABLE) {
        enqueue(current);
    }
    current = next;
}

void kernel_exit(void)
{
    for (;;) {
        if (!budget_quiet()) {
            budget_step(current);
        }
        choose();
        if (current == NULL) {
            budget_arm_timer(NULL);
            arch_wait_for_interrupt(); /* idle: interrupts may make threads runnable */
            continue;
        }
        if (!arch_user_ip_valid(current->arch.ctx.rip)) {
            thread_fault_bad_ip(current);
            continue;
        }
        break;
    }
    if (!budget_quiet() || queue_head[current->priority] != NULL) {
        budget_start_running(current);
        budget_arm_timer(current);
    }
    if (last_on_cpu != current) {
        arch_switch_thread(last_on_cpu ? &last_on_cpu->arch : NULL, &current->arch);
        last_on_cpu = current;
    }
    vspace_switch_to(&current->slots[TCB_SLOT_VSPACE].cap);
    arch_return_to_user(&current->arch.ctx);
}

const char *sched_check_invariants(void)
{
    for (unsigned p = 0; p < NUM_PRIORITIES; p++) {
        bool bit = (ready_bitmap[p / 64] & BIT(p % 64)) != 0;
        if (((sched_state.ready_words >> (p / 64)) & 1) != (ready_bitmap[p / 64] != 0)) {
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
            if (t->sched_prev != prev || t == current) {
                return "queue links broken, or the current thread is queued";
            }
        }
        if (queue_tail[p] != prev) {
            return "queue tail is not the last thread";
        }
    }
    return NULL;
}
