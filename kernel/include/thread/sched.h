/*
 * The scheduler: 256 fixed priorities, one FIFO ready queue each per domain, and a
 * bitmap per domain that finds the highest non-empty queue in O(1). Only the current
 * domain's queues are chosen from (thread/domain.h). The running thread is not in a
 * queue. A thread runs only with a scheduling context that has budget
 * (thread/schedcontext.h); a runnable thread without one waits in no queue until it gets
 * one. Decisions are made at kernel exit (kernel_exit), never deep inside operations:
 * operations only make threads runnable or not.
 */
#ifndef BASTION_THREAD_SCHED_H
#define BASTION_THREAD_SCHED_H

#include <kpercpu.h>
#include <thread/sched_state.h>
#include <thread/schedcontext.h>
#include <thread/tcb.h>

/* The per-CPU scheduler variables: each CPU's own in the SMP build (kpercpu.h). */
KCPU_HOT_DECLARE(struct sched_state, sched_state);

/* The highest priority with a ready thread in map m, or -1 (the woken thread aside). */
static inline int sched_ready_top(const struct ready_map *m)
{
    if (m->words == 0) {
        return -1;
    }
    int w = 63 - __builtin_clzll(m->words);
    return w * 64 + 63 - __builtin_clzll(m->bitmap[w]);
}

/* The highest priority with a ready thread in the current domain, or -1. Like
 * sched_competitor_ready(), sched_competitor() and sched_rotate(), only where no thread is
 * woken: at kernel entry (the fastpaths) or after the decision at exit (budget). */
static inline int sched_highest_ready(void)
{
    return sched_ready_top(KCPU_HOT(sched_state).ready);
}

/* The fastpath hands the CPU from the current thread (now blocked) to `to` (now
 * runnable, in no queue) without going through the ready queues. */
static inline void sched_switch_directly(struct tcb *to)
{
    KCPU_HOT(sched_state).current = to;
    KCPU_HOT(sched_state).last_on_cpu = to;
}

/* The CPU t runs on: its scheduling context's (only a thread with one is queued or
 * current anywhere; the caller knows t has one). Always 0 in the single-CPU kernel, where
 * it reads nothing. */
static inline __attribute__((always_inline)) unsigned sched_cpu_of(const struct tcb *t)
{
    return KCPU_COUNT > 1 ? t->sc->cpu : 0;
}

/* t, if it runs on another CPU now, stops there (the SMP kernel: ksmp.h) and, if still
 * runnable, waits in its queue there; afterwards its registers and FPU state are in its
 * TCB and may be read or written. Before a register write, a space change or a
 * migration of a thread that may be running. Nothing in the single-CPU kernel. */
void sched_stop_elsewhere(struct tcb *t);

/* On the CPU that ran t, in the cross-CPU call that stops it there (ksmp.h; without the
 * lock, which the stopping CPU holds for it): t's FPU state goes back to its TCB and the
 * CPU forgets t as its FPU owner and its running context (charged up to now). */
void sched_stop_here(struct tcb *t);

/* The thread that entered the kernel (NULL while idle). */
struct tcb *sched_current(void);

/* The current thread stays runnable but is preempted (the signal fastpath): it goes to
 * the tail of its priority's ready queue, and the CPU is about to be handed on. Only at
 * kernel entry, where no thread is woken yet (sched_state.woken). */
void sched_preempt_current(void);

/* Make t runnable: put it in its priority's queue (at the tail). */
void sched_make_runnable(struct tcb *t);
/* t stops being runnable: take it out of its queue, or off the CPU. */
void sched_make_inactive(struct tcb *t);
/* Change t's priority, moving it between queues. */
void sched_set_priority(struct tcb *t, uint8_t priority);
/* Move t to another domain. */
void sched_set_domain(struct tcb *t, uint8_t domain);
/* The domain scheduler's switch point changed the current domain (thread/domain.c). */
void sched_enter_domain(uint8_t domain);

/* t is being destroyed: forget every reference the scheduler holds to it. */
void sched_forget(struct tcb *t);

/* The current thread gives up the rest of its turn: the next thread of its priority
 * (if any) runs. */
void sched_yield(void);

/* For the budget machinery (thread/budget.c): put a released thread back in its ready
 * queue; take a thread off the CPU and out of its queue; whether another thread of the
 * running thread's priority is ready (then round robin needs a slice timer). */
void sched_enqueue_released(struct tcb *t);
void sched_remove(struct tcb *t);
bool sched_competitor_ready(void);
/* The next thread of the running thread's priority in its queue (NULL: none ready). */
struct tcb *sched_competitor(void);

/* Yield's direct switch (fastpath_yield()), when another thread of the current thread's
 * priority is ready and none above it: the current thread goes to the tail of its queue
 * and the head of that queue becomes current, as sched_yield() and the decision at
 * kernel exit would have it. Returns the new current thread, or NULL (nothing changed)
 * when no other thread of its priority is ready. */
struct tcb *sched_rotate(void);

/* The timer tick: round robin among threads of the running thread's priority. */
void sched_tick(void);

/* Leave the kernel: choose the thread to run (idling until there is one), switch to
 * it, and return to user mode. */
NORETURN void kernel_exit(void);

/* The ready-queue invariants: every queued thread runnable and in its priority's
 * queue, links consistent, bitmap bits exactly for the non-empty queues. NULL when
 * they hold, else the first violation. */
const char *sched_check_invariants(void);

#endif
