/*
 * Host tests of the ready queues (kernel/thread/sched.c), through the public API only:
 * sched_make_runnable / make_inactive / set_priority / forget / tick / yield, and the
 * decision kernel_exit() takes (run to the point where it would leave the kernel by
 * host_kernel_exit(), tests/host/arch/thread.c). 256 priorities, FIFO per priority, a
 * bitmap; the running thread is in no queue. A thread runs only with a scheduling
 * context (these tests give unlimited ones) and only in its domain's slot.
 */
#include "arch/host_arch.h"
#include "support.h"

#include <thread/budget.h>
#include <ipc/ipc.h>
#include <thread/domain.h>
#include <thread/domain_irq.h>
#include <thread/sched.h>
#include <thread/schedcontext.h>

#include <string.h>

#define N_THREADS NUM_PRIORITIES

/* In host "physical memory", where kernel code may ask for their addresses. */
static struct tcb *threads;
static struct sched_context scs[N_THREADS];
extern unsigned long host_kprintf_calls;

/* Forget every thread and start from zeroed TCBs (each test leaves the scheduler
 * empty for the next). */
static void reset(void)
{
    for (unsigned i = 0; i < N_THREADS; i++) {
        sc_unbind_tcb(&threads[i]);
        sched_forget(&threads[i]);
    }
    domain_set_schedule(NULL, 0, 0);
    memset(threads, 0, N_THREADS * sizeof(*threads));
    memset(scs, 0, sizeof(scs));
}

/* Give thread i an unlimited scheduling context. */
static void give_sc(unsigned i)
{
    if (threads[i].sc == NULL) {
        budget_sc_configure(&scs[i], 1000, 1000);
        sc_attach(&scs[i], &threads[i]);
    }
}

static struct tcb *ready(unsigned i, uint8_t priority)
{
    struct tcb *t = &threads[i];
    give_sc(i);
    t->priority = priority;
    t->arch.ctx.rip = 0x400000;
    t->state = THREAD_RUNNABLE;
    sched_make_runnable(t);
    return t;
}

/* t stops running (as when it blocks). */
static void stop(struct tcb *t)
{
    sched_make_inactive(t);
    t->state = THREAD_INACTIVE;
}

/* The ready-queue invariants, and: a runnable thread is queued or current, nothing
 * else is queued. */
static const char *check_all(void)
{
    const char *why = sched_check_invariants();
    if (why != NULL) {
        return why;
    }
    for (unsigned i = 0; i < N_THREADS; i++) {
        const struct tcb *t = &threads[i];
        bool runnable = t->state == THREAD_RUNNABLE && t->sc != NULL && t->sc->budget != 0;
        if (runnable != (t->queued || t == sched_current())) {
            return "a runnable thread is neither queued nor current, or the reverse";
        }
    }
    return NULL;
}

#define CHECK_SCHED()                                                                              \
    do {                                                                                           \
        const char *why_ = check_all();                                                            \
        if (why_ != NULL) {                                                                        \
            test_fail(__FILE__, __LINE__, why_);                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* kernel_exit() chooses `want` (NULL: idle). */
#define CHECK_RUNS(want)                                                                           \
    do {                                                                                           \
        CHECK(host_kernel_exit() == (want));                                                       \
        CHECK(sched_current() == (want));                                                          \
        CHECK_SCHED();                                                                             \
    } while (0)

static void test_idle_when_empty(void)
{
    reset();
    unsigned long idles = host_arch_stats.idles;
    CHECK_RUNS(NULL);
    CHECK(host_arch_stats.idles == idles + 1);
    sched_tick(); /* nothing running: nothing to do (yield needs a current thread) */
    CHECK_RUNS(NULL);
}

static void test_highest_priority_first(void)
{
    reset();
    static const uint8_t prios[] = {0, 3, 63, 64, 127, 128, 200, 255};
    for (unsigned i = 0; i < ARRAY_SIZE(prios); i++) {
        ready(i, prios[i]);
        CHECK_SCHED();
    }
    for (int i = (int)ARRAY_SIZE(prios) - 1; i >= 0; i--) {
        CHECK_RUNS(&threads[i]);
        stop(&threads[i]);
        CHECK_SCHED();
    }
    CHECK_RUNS(NULL);
}

static void test_fifo_within_priority(void)
{
    reset();
    for (unsigned i = 0; i < 5; i++) {
        ready(i, 7);
    }
    ready(5, 6);
    for (unsigned i = 0; i < 5; i++) {
        CHECK_RUNS(&threads[i]);
        stop(&threads[i]);
    }
    CHECK_RUNS(&threads[5]);
}

static void test_current_keeps_cpu(void)
{
    reset();
    struct tcb *a = ready(0, 5);
    CHECK_RUNS(a);
    ready(1, 5); /* equal priority: after a */
    ready(2, 4);
    CHECK_RUNS(a);
    sched_make_runnable(a); /* already running: not queued */
    CHECK(!a->queued);
    CHECK_RUNS(a);
}

static void test_higher_priority_preempts(void)
{
    reset();
    struct tcb *a = ready(0, 5), *b = ready(1, 5);
    CHECK_RUNS(a);
    struct tcb *c = ready(2, 6);
    CHECK_RUNS(c);
    CHECK(a->queued); /* preempted: back in its queue */
    stop(c);
    struct tcb *next = host_kernel_exit();
    CHECK(next == a || next == b);
    CHECK_SCHED();
    stop(next);
    CHECK_RUNS(next == a ? b : a);
}

static void test_tick_round_robin(void)
{
    reset();
    struct tcb *a = ready(0, 4), *b = ready(1, 4), *c = ready(2, 4);
    ready(3, 3);
    CHECK_RUNS(a);
    sched_tick();
    CHECK_SCHED();
    CHECK_RUNS(b);
    sched_tick();
    CHECK_RUNS(c);
    sched_tick();
    CHECK_RUNS(a);
    sched_yield(); /* the same rotation */
    CHECK_RUNS(b);
}

static void test_tick_alone_keeps_cpu(void)
{
    reset();
    struct tcb *a = ready(0, 9);
    ready(1, 8); /* lower: never gets the CPU from a tick */
    CHECK_RUNS(a);
    sched_tick();
    CHECK_RUNS(a);
    sched_yield();
    CHECK_RUNS(a);
}

static void test_set_priority(void)
{
    reset();
    struct tcb *a = ready(0, 5), *b = ready(1, 3), *c = ready(2, 3);
    CHECK_RUNS(a);
    sched_set_priority(c, 9); /* queued: moves to its new queue */
    CHECK(c->priority == 9 && c->queued);
    CHECK_SCHED();
    CHECK_RUNS(c);
    sched_set_priority(c, 1); /* running: lower than a and b now */
    CHECK_SCHED();
    CHECK_RUNS(a);
    sched_set_priority(b, 5); /* to the tail of priority 5, behind nobody */
    stop(a);
    CHECK_RUNS(b);
    stop(b);
    CHECK_RUNS(c);
    sched_set_priority(c, c->priority); /* no change */
    CHECK_RUNS(c);
}

static void test_make_inactive(void)
{
    reset();
    struct tcb *a = ready(0, 2), *b = ready(1, 2), *c = ready(2, 2);
    stop(b); /* queued: taken out of the middle */
    CHECK_SCHED();
    CHECK(!b->queued);
    CHECK_RUNS(a);
    stop(a); /* running: the CPU is free */
    CHECK(sched_current() == NULL);
    CHECK_SCHED();
    CHECK_RUNS(c);
    stop(b); /* already inactive: nothing */
    CHECK_RUNS(c);
}

static void test_make_runnable_twice(void)
{
    reset();
    struct tcb *a = ready(0, 1);
    sched_make_runnable(a);
    CHECK_SCHED();
    CHECK_RUNS(a);
}

static void test_forget(void)
{
    reset();
    struct tcb *a = ready(0, 8), *b = ready(1, 8);
    CHECK_RUNS(a);
    sched_forget(b);
    b->state = THREAD_INACTIVE;
    CHECK_SCHED();
    sched_forget(a);
    a->state = THREAD_INACTIVE;
    CHECK(sched_current() == NULL);
    CHECK_RUNS(NULL);
    /* A forgotten thread that ran last is switched to afresh when it runs again. */
    unsigned long switches = host_arch_stats.switches;
    ready(0, 8);
    CHECK_RUNS(a);
    CHECK(host_arch_stats.switches == switches + 1);
}

static void test_switch_only_on_change(void)
{
    reset();
    struct tcb *a = ready(0, 3);
    CHECK_RUNS(a);
    unsigned long switches = host_arch_stats.switches;
    CHECK_RUNS(a);
    CHECK_RUNS(a);
    CHECK(host_arch_stats.switches == switches);
    struct tcb *b = ready(1, 4);
    CHECK_RUNS(b);
    CHECK(host_arch_stats.switches == switches + 1);
}

static void test_bad_ip_is_suspended(void)
{
    reset();
    struct tcb *a = ready(0, 6), *b = ready(1, 5);
    a->arch.ctx.rip = UINT64_C(0xffff800000000000); /* kernel half */
    unsigned long printed = host_kprintf_calls;
    CHECK_RUNS(b); /* a faults instead of running; no handler: suspended */
    CHECK(a->state == THREAD_INACTIVE && !a->queued);
    CHECK(host_kprintf_calls > printed);
}

static void test_all_priorities(void)
{
    reset();
    /* Every priority once, made ready in a scrambled order: they run highest first. */
    for (unsigned i = 0; i < N_THREADS; i++) {
        unsigned p = (i * 97) % NUM_PRIORITIES;
        ready(p, (uint8_t)p);
    }
    CHECK_SCHED();
    for (int p = NUM_PRIORITIES - 1; p >= 0; p--) {
        CHECK_RUNS(&threads[p]);
        stop(&threads[p]);
    }
    CHECK_RUNS(NULL);
}

/* A runnable thread with no scheduling context never runs; attaching one makes it
 * runnable at once, and taking it from the running thread takes it off the CPU. */
static void test_no_sc_cannot_run(void)
{
    reset();
    struct tcb *t = &threads[0];
    t->priority = 9;
    t->arch.ctx.rip = 0x400000;
    t->state = THREAD_RUNNABLE;
    sched_make_runnable(t);
    CHECK(!t->queued);
    CHECK_RUNS(NULL);
    struct tcb *low = ready(1, 2);
    CHECK_RUNS(low);
    budget_sc_configure(&scs[0], 1000, 1000);
    sc_attach(&scs[0], t);
    CHECK_RUNS(t);
    sc_unbind_tcb(t);
    CHECK(sched_current() != t && !t->queued);
    CHECK_RUNS(low);
    /* An unconfigured context (budget 0) does not let it run either. */
    memset(&scs[0], 0, sizeof(scs[0]));
    sc_attach(&scs[0], t);
    CHECK_RUNS(low);
    sc_unbind_tcb(t);
}

/* Threads run only in their domain's slot; the schedule cycles, and a slot with nothing
 * to run idles rather than lending its time to another domain. */
static void test_domains(void)
{
    reset();
    struct tcb *a = ready(0, 5), *b = ready(1, 9);
    sched_set_domain(b, 1);
    CHECK_RUNS(a); /* no schedule: domain 0 only */
    const uint64_t L = 1ull << 40;
    struct domain_slot sched[3] = {
        {.domain = 1, .length = L}, {.domain = 0, .length = L}, {.domain = 2, .length = L}};
    domain_set_schedule(sched, 3, 0);
    CHECK(domain_current() == 1);
    CHECK_RUNS(b);
    domain_check(L); /* slot 0 ended */
    CHECK(domain_current() == 0);
    CHECK_RUNS(a);
    sched_set_domain(a, 2); /* the running thread leaves the current domain */
    CHECK_RUNS(NULL);       /* domain 0 has nothing left: idle */
    domain_check(2 * L);
    CHECK(domain_current() == 2);
    CHECK_RUNS(a);
    domain_check(6 * L + 1); /* late by whole slots: the schedule keeps its phase */
    CHECK(domain_current() == 1 && domain_slot_end() == 7 * L);
    CHECK_RUNS(b);
    domain_check(7 * L);
    CHECK(domain_current() == 0);
    CHECK_RUNS(NULL);
    domain_check(8 * L);
    CHECK(domain_current() == 2);
    CHECK_RUNS(a);
    domain_set_schedule(NULL, 0, 0);
    CHECK(domain_current() == 0);
    CHECK_RUNS(NULL);
}

/* Time protection's pad: a padded slot hands the CPU to the kernel `pad` before its end,
 * and the switch returns exactly at the end (the next slot's start), however early in the
 * pad it began; a switch that reaches the pad after the end is counted late. A slot
 * without pad or flush switches at its end and returns at once. */
static void test_domain_pad(void)
{
    reset();
    const uint64_t L = 1000000, P = 100000;
    struct domain_slot sched[2] = {{.domain = 0, .length = L, .pad = P, .flush = 4},
                                   {.domain = 1, .length = L}};
    host_time_reset();
    host_time_freeze(true);
    domain_set_schedule(sched, 2, 0);
    CHECK(domain_current() == 0 && domain_slot_end() == L - P);
    host_time_advance(L - P - 1);
    CHECK(domain_check(L - P - 1) == L - P - 1 && domain_current() == 0);
    unsigned long flushes = host_timeprot_flushes;
    host_time_advance(6);
    CHECK(domain_check(L - P + 5) == L); /* waited out the pad: the next slot starts at L */
    CHECK(arch_counter_read() == L);
    CHECK(domain_current() == 1 && domain_slot_end() == 2 * L);
    CHECK(host_timeprot_flushes == flushes + 1);
    host_time_advance(L);
    CHECK(domain_check(2 * L) == 2 * L && domain_current() == 0); /* no pad: no wait */
    CHECK(domain_state.stats.padded == 1 && domain_state.stats.late == 0);
    host_time_advance(2 * L + 7);
    CHECK(domain_check(4 * L + 7) == 4 * L + 7); /* the pad began after the end: late */
    CHECK(domain_current() == 0 && domain_state.stats.late == 1);
    CHECK(domain_state.stats.worst_late == 7);
    domain_pads_disable(); /* tp_nopad: no early switch, no wait */
    domain_set_schedule(sched, 2, arch_counter_read());
    CHECK(domain_slot_end() == 5 * L + 7);
    domain_state.nopad = false;
    domain_set_schedule(NULL, 0, 0);
    host_time_freeze(false);
}

/* Deferred interrupts: under a protected schedule a line whose notification's waiter (or
 * bound TCB) is in another domain waits for that domain's slot, and is delivered at the
 * switch into it; in the waiter's own domain, with nobody to run, or with no protection,
 * it is delivered at once. Replacing the schedule delivers whatever still waits. */
static void test_domain_irq(void)
{
    reset();
    const uint64_t L = 1000000;
    struct tcb *b = ready(1, 5);
    sched_set_domain(b, 1);
    struct notification n = {.bound = b};
    struct domain_slot plain[2] = {{.domain = 0, .length = L}, {.domain = 1, .length = L}};
    struct domain_slot prot[2] = {{.domain = 0, .length = L, .pad = 10, .flush = 4},
                                  {.domain = 1, .length = L, .pad = 10, .flush = 4}};
    host_time_reset();
    host_time_freeze(true);
    domain_set_schedule(plain, 2, 0);
    CHECK(!domain_irq_defer(30, &n)); /* no protection */
    domain_set_schedule(prot, 2, 0);
    CHECK(!domain_irq_defer(30, NULL));
    struct notification nobody = {0};
    CHECK(!domain_irq_defer(30, &nobody));
    uint64_t before = domain_irq_deferred_count();
    unsigned long delivered = host_deferred_deliveries;
    CHECK(domain_irq_defer(30, &n) && domain_irq_defer(100, &n)); /* b is in domain 1 */
    CHECK(domain_irq_deferred_count() == before + 2);
    CHECK(host_deferred_deliveries == delivered);
    host_time_advance(L - 10);
    domain_check(L - 10); /* into domain 1: both delivered, inside the pad */
    CHECK(domain_current() == 1 && host_deferred_deliveries == delivered + 2);
    CHECK(host_deferred_last == 100);
    CHECK(!domain_irq_defer(31, &n)); /* b's own slot: at once */
    host_time_advance(L);
    domain_check(2 * L - 10);
    CHECK(domain_current() == 0 && domain_irq_defer(31, &n));
    domain_set_schedule(NULL, 0, 0); /* nothing waits for a schedule that is gone */
    CHECK(host_deferred_deliveries == delivered + 3 && host_deferred_last == 31);
    host_time_freeze(false);
}

static void test_random_against_model(void)
{
    /* Random operations, each followed by the decision: the chosen thread is runnable,
     * has a scheduling context, is in the current domain, and is of the highest
     * priority among such threads; the current thread keeps the CPU against equals, and
     * ticks rotate equals in FIFO order. */
    reset();
    const uint64_t L = 1ull << 40;
    struct domain_slot sched[2] = {{.domain = 0, .length = L}, {.domain = 1, .length = L}};
    domain_set_schedule(sched, 2, 0);
    uint64_t s = 0x5eed;
    enum { N = 24 };
    for (unsigned step = 0; step < 20000; step++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        unsigned i = (unsigned)(s >> 33) % N, op = (unsigned)(s >> 20) % 9;
        struct tcb *t = &threads[i], *before = sched_current();
        switch (op) {
        case 0:
        case 1:
            if (t->state != THREAD_RUNNABLE) {
                ready(i, (uint8_t)((s >> 40) % 8));
            }
            break;
        case 2:
            stop(t);
            break;
        case 3:
            sched_set_priority(t, (uint8_t)((s >> 40) % 8));
            break;
        case 4:
            if (t->sc != NULL) {
                sc_unbind_tcb(t);
            } else {
                give_sc(i);
            }
            break;
        case 5:
            sched_set_domain(t, (uint8_t)((s >> 40) % 2));
            break;
        case 6:
            if ((s >> 40) % 16 == 0) {
                domain_check(domain_slot_end()); /* the slot ends */
            }
            break;
        default:
            sched_tick();
            break;
        }
        CHECK_SCHED();
        struct tcb *next = host_kernel_exit();
        CHECK_SCHED();
        int best = -1;
        for (unsigned j = 0; j < N; j++) {
            const struct tcb *u = &threads[j];
            if (u->state == THREAD_RUNNABLE && u->sc != NULL && u->domain == domain_current() &&
                u->priority > best) {
                best = u->priority;
            }
        }
        CHECK((next == NULL) == (best < 0));
        CHECK(next == NULL || (next->priority == best && next->domain == domain_current()));
        if (op < 4 && before != NULL && before->state == THREAD_RUNNABLE && before->sc != NULL &&
            before->domain == domain_current() && before->priority == best) {
            CHECK(next == before); /* no tick: equals never take the CPU */
        }
    }
    reset();
}

/* The reference of the decision's order: one FIFO list per priority and the current
 * thread, with the rules of sched.h applied at once (the kernel defers writing the thread
 * woken last into its queue, and may never write it: sched_state.woken). */
enum { REF_N = 16, REF_PRIOS = 4 };
static struct {
    int q[REF_PRIOS][REF_N], len[REF_PRIOS];
    int cur; /* -1: none */
} ref;

static void ref_append(int i)
{
    int p = threads[i].priority;
    ref.q[p][ref.len[p]++] = i;
}

static bool ref_remove(int i)
{
    for (int p = 0; p < REF_PRIOS; p++) {
        for (int k = 0; k < ref.len[p]; k++) {
            if (ref.q[p][k] == i) {
                memmove(&ref.q[p][k], &ref.q[p][k + 1], (size_t)(ref.len[p] - k - 1) * sizeof(int));
                ref.len[p]--;
                return true;
            }
        }
    }
    return false;
}

static int ref_choose(void)
{
    int best = -1;
    for (int p = REF_PRIOS - 1; p >= 0 && best < 0; p--) {
        best = ref.len[p] > 0 ? p : -1;
    }
    bool cur_runs = ref.cur >= 0 && threads[ref.cur].state == THREAD_RUNNABLE;
    if ((cur_runs && best <= (int)threads[ref.cur].priority) || best < 0) {
        return cur_runs ? ref.cur : -1;
    }
    int next = ref.q[best][0];
    ref_remove(next);
    if (cur_runs) {
        ref_append(ref.cur);
    }
    return next;
}

static void test_woken_keeps_queue_order(void)
{
    /* Several operations between decisions (wakes, stops, priority changes, ticks), as
     * one kernel entry makes them: every decision agrees with the reference, so the
     * thread woken last, kept out of its queue, never changes anyone's turn. */
    reset();
    memset(&ref, 0, sizeof ref);
    ref.cur = -1;
    uint64_t s = 0xfeed;
    unsigned decisions = 0, agreed = 0;
    for (unsigned step = 0; step < 20000; step++) {
        unsigned ops = 1 + (unsigned)(step % 4);
        for (unsigned k = 0; k < ops; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            int i = (int)((s >> 33) % REF_N);
            unsigned op = (unsigned)(s >> 20) % 6;
            uint8_t prio = (uint8_t)((s >> 40) % REF_PRIOS);
            struct tcb *t = &threads[i];
            if (op <= 1 && t->state != THREAD_RUNNABLE) {
                ready((unsigned)i, prio);
                if (i != ref.cur) {
                    ref_append(i);
                }
            } else if (op == 2 && t->state == THREAD_RUNNABLE) {
                stop(t);
                ref_remove(i);
                ref.cur = ref.cur == i ? -1 : ref.cur;
            } else if (op == 3 && t->state == THREAD_RUNNABLE) {
                bool queued = ref_remove(i);
                sched_set_priority(t, prio);
                if (queued) {
                    ref_append(i);
                }
            } else if (op == 4) {
                sched_tick();
                if (ref.cur >= 0 && threads[ref.cur].state == THREAD_RUNNABLE &&
                    ref.len[threads[ref.cur].priority] > 0) {
                    ref_append(ref.cur);
                    ref.cur = -1;
                }
            }
        }
        CHECK_SCHED();
        struct tcb *next = host_kernel_exit();
        int want = ref_choose();
        ref.cur = want;
        decisions++;
        agreed += next == (want < 0 ? NULL : &threads[want]);
        CHECK(next == (want < 0 ? NULL : &threads[want]));
        CHECK_SCHED();
    }
    CHECK(agreed == decisions && decisions == 20000);
    reset();
}

static const struct test tests[] = {
    {"idle_when_empty", test_idle_when_empty},
    {"highest_priority_first", test_highest_priority_first},
    {"fifo_within_priority", test_fifo_within_priority},
    {"current_keeps_cpu", test_current_keeps_cpu},
    {"higher_priority_preempts", test_higher_priority_preempts},
    {"tick_round_robin", test_tick_round_robin},
    {"tick_alone_keeps_cpu", test_tick_alone_keeps_cpu},
    {"set_priority", test_set_priority},
    {"make_inactive", test_make_inactive},
    {"make_runnable_twice", test_make_runnable_twice},
    {"forget", test_forget},
    {"switch_only_on_change", test_switch_only_on_change},
    {"bad_ip_is_suspended", test_bad_ip_is_suspended},
    {"all_priorities", test_all_priorities},
    {"no_sc_cannot_run", test_no_sc_cannot_run},
    {"domains", test_domains},
    {"domain_pad", test_domain_pad},
    {"domain_irq", test_domain_irq},
    {"random_decisions", test_random_against_model},
    {"woken_keeps_queue_order", test_woken_keeps_queue_order},
};

int main(void)
{
    objects_init(); /* no objects: the checker run_tests() calls after each test holds */
    threads = kmem_ptr(PHYS_BASE);
    int rc = run_tests("sched", tests, ARRAY_SIZE(tests));
    reset();
    return rc;
}
