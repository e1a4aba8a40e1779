/*
 * Threads on several CPUs (the SMP kernel, issue 20; suites system-smp-threads2/4): the
 * scheduling-control cap per CPU, a thread running on its context's CPU beside the root
 * on CPU 0, Call and Reply and Signal across CPUs, migration both ways, no stale TLB
 * entry after an unmap on another CPU, and a bounded concurrent stress followed by the
 * kernel's invariant checks. The root runs on CPU 0 and spins in its waits (wait_ge), so
 * a child of lower priority can make progress only on another CPU.
 */
#include "smp.h"

#include <bastion/msginfo.h>
#include <libbastion/ipc.h>

#define LOW_PRIO 50 /* below the root: runs only where the root does not */

static unsigned cpus(void)
{
    return env_bootinfo()->n_cpus;
}

/* A thread at `prio` on CPU `cpu` (an unlimited context through that CPU's control cap). */
static bst_error_t thread_on_cpu(unsigned cpu, uint64_t prio, bst_cptr_t *tcb, bst_cptr_t *sc)
{
    bst_error_t e = thread_new_bare(ROOT_VS, prio, tcb);
    if (e == BST_OK) {
        e = obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, sc);
    }
    if (e == BST_OK) {
        e = bst_sched_control_configure(bst_sched_control_of_cpu(env_bootinfo(), cpu), *sc,
                                        THREAD_SC_PERIOD_US, THREAD_SC_PERIOD_US);
    }
    if (e == BST_OK) {
        e = bst_sched_context_bind(*sc, *tcb);
    }
    return e;
}

static void child_counter(struct probe_block *b)
{
    b->started = 1;
    for (;;) {
        b->value++;
    }
}

void test_smp_control_caps(void)
{
    const struct bst_bootinfo *bi = env_bootinfo();
    uint64_t want = harness_args_value(bi, "cpus=", 0);
    CHECK(bi->n_cpus >= 2 && (want == 0 || bi->n_cpus == want),
          "the kernel runs threads on %u CPUs (expected %lu, at least 2)", bi->n_cpus,
          (unsigned long)want);
    CHECK(bi->sched_control_first == bi->untyped.end &&
              bi->empty.start >= bi->untyped.end + bi->n_cpus - 1,
          "control caps at %u, untyped end %lu, empty start %lu", bi->sched_control_first,
          (unsigned long)bi->untyped.end, (unsigned long)bi->empty.start);
    CHECK(bst_sched_control_of_cpu(bi, bi->n_cpus) == 0, "a cap for a CPU past the last");
    for (unsigned c = 0; c < bi->n_cpus; c++) {
        bst_cptr_t sc;
        CHECK_OK(obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, &sc));
        CHECK_OK(bst_sched_control_configure(bst_sched_control_of_cpu(bi, c), sc, 1000, 1000));
        /* Every CPU takes limited contexts; budget > period is refused on each. */
        CHECK_OK(bst_sched_control_configure(bst_sched_control_of_cpu(bi, c), sc, 500, 1000));
        CHECK_ERR(bst_sched_control_configure(bst_sched_control_of_cpu(bi, c), sc, 2000, 1000),
                  BST_INVALID_ARGUMENT);
    }
}

/* Longer periods than the single-CPU test's (5 of 20 ms): with two emulated CPUs on a
 * loaded host, each release of the limited context is taken a host scheduling delay late
 * (up to ~10 ms seen), which a 20 ms period turns into a share of 6-15%. */
#define BUDGET_US      50000
#define PERIOD_US      200000
#define WINDOW_PERIODS 10

static uint64_t cycle_counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void child_spinner(struct probe_block *b)
{
    b->started = 1;
    for (;;) {
        b->value++;
    }
}

/* The thread below the limited one: it counts, and once the window's end (`deadline`) has
 * come it records the limited context's consumed time and the counter, and signals the
 * root. It runs only while the limited one is throttled, whose CPU has then charged it
 * all it ran, so nothing is left out of the figure. */
struct budget_low_block {
    struct probe_block p;
    bst_cptr_t sc, ntfn;
    volatile uint64_t deadline, end_tsc, end_consumed_us;
    volatile bst_error_t end_error;
};

static void child_low(struct probe_block *pb)
{
    struct budget_low_block *l = (struct budget_low_block *)pb;
    l->p.started = 1;
    for (;;) {
        l->p.value++;
        if (l->deadline != 0 && cycle_counter() >= l->deadline) {
            uint64_t us = 0;
            l->end_error = bst_sched_context_consumed(l->sc, &us);
            l->end_consumed_us = us;
            l->end_tsc = cycle_counter();
            l->deadline = 0;
            bst_signal(l->ntfn);
        }
    }
}

/* A limited context (25% of each 200 ms period) on the last CPU, holding a spinner above
 * a counter there (child_low). Its CPU charges, throttles and releases it with its own
 * timer: over WINDOW_PERIODS periods it is charged at most a third and at least 8% (the
 * single-CPU test's host-clock bounds; it gets 18-22%), and the counter below it runs. The root
 * waits blocked meanwhile, so CPU 0 halts and its emulated CPU leaves the host's cores to the
 * others (with the root spinning, releases taken a host scheduling delay late gave 6-22% with 20 ms
 * periods and 14-21% with 100 ms ones on the shared 2-core host; blocked, 18-22% with 100 ms).
 * Without enforcement on that CPU the spinner is charged all the window (or, never released,
 * nothing) and the counter never runs. */
void test_smp_budget_on_cpu(void)
{
    static struct budget_low_block low;
    static struct probe_block spin;
    unsigned c = cpus() - 1;
    bst_cptr_t tcb, sc, low_tcb, low_sc;
    uint64_t khz = env_bootinfo()->counter_khz, consumed_before;
    CHECK(khz > 0, "boot-info gives no counter frequency");
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &low.ntfn));
    CHECK_OK(thread_on_cpu(c, LOW_PRIO, &low_tcb, &low_sc));
    CHECK_OK(thread_new_bare(ROOT_VS, HIGH_PRIO, &tcb));
    CHECK_OK(obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, &sc));
    CHECK_OK(bst_sched_control_configure(bst_sched_control_of_cpu(env_bootinfo(), c), sc, BUDGET_US,
                                         PERIOD_US));
    CHECK_OK(bst_sched_context_bind(sc, tcb));
    low.sc = sc;
    CHECK_OK(thread_start(tcb, child_spinner, &spin));
    CHECK(wait_ge(&spin.value, 1000), "the limited thread on CPU %u never ran", c);
    CHECK_OK(thread_start(low_tcb, child_low, &low.p));
    uint64_t low_before = low.p.value;
    CHECK(wait_ge(&low.p.value, low_before + 1000),
          "the thread below the limited one on CPU %u never ran: the limited one was not "
          "throttled",
          c);
    CHECK_OK(bst_sched_context_consumed(sc, &consumed_before));
    uint64_t start = cycle_counter();
    low.deadline = start + khz * PERIOD_US / 1000 * WINDOW_PERIODS;
    uint64_t word;
    CHECK_OK(bst_wait(low.ntfn, &word));
    CHECK_OK(bst_tcb_suspend(tcb));
    CHECK_OK(bst_tcb_suspend(low_tcb));
    CHECK_OK(low.end_error);
    uint64_t consumed_us = low.end_consumed_us - consumed_before;
    uint64_t elapsed_us = (low.end_tsc - start) * 1000 / khz;
    uint64_t share = consumed_us * 100 / elapsed_us;
    bst_printf("smp: limited context on CPU %u: %lu%% (%lu of %lu us)\n", c, (unsigned long)share,
               (unsigned long)consumed_us, (unsigned long)elapsed_us);
    /* The host-clock bounds of sched.budget_25_percent (budget.c): a ceiling, and a budget
     * that keeps coming back; 18% was seen at host load 9. */
    CHECK(share >= 8 && share <= 33, "the 25%% thread on CPU %u got %lu%% (%lu of %lu us)", c,
          (unsigned long)share, (unsigned long)consumed_us, (unsigned long)elapsed_us);
}

void test_smp_thread_runs_on_its_cpu(void)
{
    for (unsigned c = 1; c < cpus(); c++) {
        static struct probe_block b[8];
        bst_cptr_t tcb, sc;
        CHECK_OK(thread_on_cpu(c, LOW_PRIO, &tcb, &sc));
        CHECK_OK(thread_start(tcb, child_counter, &b[c]));
        CHECK(wait_ge(&b[c].value, 100000),
              "a lower-priority thread on CPU %u made no progress beside the root (%lu)", c,
              (unsigned long)b[c].value);
        CHECK_OK(bst_tcb_suspend(tcb));
        uint64_t frozen = b[c].value;
        settle();
        CHECK(b[c].value == frozen, "CPU %u's thread ran on after suspend (%lu -> %lu)", c,
              (unsigned long)frozen, (unsigned long)b[c].value);
    }
}

/* The server: replies to each Call with MR0 + 1, counting. */
struct server_block {
    struct probe_block p;
    bst_cptr_t ep, reply;
};

static void child_server(struct probe_block *pb)
{
    struct server_block *s = (struct server_block *)pb;
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    bst_msginfo_t info;
    s->p.started = 1;
    bst_recv(s->ep, s->reply, NULL, &info, mr);
    for (;;) {
        mr[0]++;
        s->p.value++;
        bst_reply_recv(s->ep, s->reply, bst_msginfo_make(0, 1, 0, 0), mr, NULL, &info);
    }
}

void test_smp_call_across_cpus(void)
{
    for (unsigned c = 1; c < cpus(); c++) {
        static struct server_block s[8];
        bst_cptr_t tcb, sc;
        CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &s[c].ep));
        CHECK_OK(obj_alloc(BST_OBJ_REPLY, 0, &s[c].reply));
        /* Above the root: on CPU 0 it would run at once, so only CPU c's queue delays it. */
        CHECK_OK(thread_on_cpu(c, HIGH_PRIO, &tcb, &sc));
        CHECK_OK(thread_start(tcb, child_server, &s[c].p));
        for (uint64_t i = 0; i < 200; i++) {
            uint64_t mr[BST_MSG_REGISTERS] = {i * 7};
            bst_msginfo_t info;
            CHECK_OK(bst_call(s[c].ep, bst_msginfo_make(0, 1, 0, 0), mr, &info));
            CHECK(mr[0] == i * 7 + 1, "call %lu to CPU %u came back %lu", (unsigned long)i, c,
                  (unsigned long)mr[0]);
        }
        CHECK(s[c].p.value == 200, "the server on CPU %u counted %lu calls", c,
              (unsigned long)s[c].p.value);
    }
}

/* Waits on its notification, counting wake-ups. */
struct waiter_block {
    struct probe_block p;
    bst_cptr_t ntfn;
};

static void child_waiter(struct probe_block *pb)
{
    struct waiter_block *w = (struct waiter_block *)pb;
    w->p.started = 1;
    for (;;) {
        uint64_t word;
        if (bst_wait(w->ntfn, &word) == BST_OK) {
            w->p.value++;
        }
    }
}

void test_smp_signal_across_cpus(void)
{
    for (unsigned c = 1; c < cpus(); c++) {
        static struct waiter_block w[8];
        bst_cptr_t tcb, sc, badged = slot_alloc();
        CHECK(badged != 0, "no slot");
        CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &w[c].ntfn));
        CHECK_OK(
            bst_cnode_mint(ROOT_CNODE, badged, 64, ROOT_CNODE, w[c].ntfn, 64, BST_RIGHTS_ALL, 1));
        CHECK_OK(thread_on_cpu(c, LOW_PRIO, &tcb, &sc));
        CHECK_OK(thread_start(tcb, child_waiter, &w[c].p));
        CHECK(wait_eq(&w[c].p.started, 1), "the waiter on CPU %u never started", c);
        for (uint64_t i = 1; i <= 100; i++) {
            /* One signal at a time: each is seen once the count says it woke. */
            CHECK_OK(bst_signal(badged));
            CHECK(wait_ge(&w[c].p.value, i), "signal %lu did not wake CPU %u's waiter (%lu)",
                  (unsigned long)i, c, (unsigned long)w[c].p.value);
        }
    }
}

void test_smp_migration(void)
{
    static struct probe_block b;
    bst_cptr_t tcb, sc;
    const struct bst_bootinfo *bi = env_bootinfo();
    unsigned last = cpus() - 1;
    CHECK_OK(thread_on_cpu(last, LOW_PRIO, &tcb, &sc));
    CHECK_OK(thread_start(tcb, child_counter, &b));
    CHECK(wait_ge(&b.value, 100000), "the thread on CPU %u made no progress", last);
    for (int round = 0; round < 3; round++) {
        /* To CPU 0, below the spinning root: it stops making progress there. */
        CHECK_OK(bst_sched_control_configure(BST_SLOT_SCHED_CONTROL, sc, THREAD_SC_PERIOD_US,
                                             THREAD_SC_PERIOD_US));
        uint64_t frozen = b.value;
        settle();
        CHECK(b.value == frozen, "round %d: moved to CPU 0 it still ran (%lu -> %lu)", round,
              (unsigned long)frozen, (unsigned long)b.value);
        /* Back to the last CPU: it runs beside the root again. */
        CHECK_OK(bst_sched_control_configure(bst_sched_control_of_cpu(bi, last), sc,
                                             THREAD_SC_PERIOD_US, THREAD_SC_PERIOD_US));
        CHECK(wait_ge(&b.value, frozen + 100000), "round %d: back on CPU %u it did not run", round,
              last);
    }
    /* Its registers move with it: a thread read and written while running elsewhere. */
    struct bst_tcb_regs r;
    CHECK_OK(bst_tcb_read_registers(tcb, 1, &r));
    uint64_t entry = (uint64_t)(uintptr_t)child_counter;
    CHECK(r.rip >= entry && r.rip < entry + 256, "rip %lx read from CPU %u is not in the child",
          (unsigned long)r.rip, last);
    CHECK_OK(bst_tcb_suspend(tcb));
}

/* Reads one word through a mapping again and again, counting reads. */
struct reader_block {
    struct probe_block p;
    volatile uint64_t seen;
};

static void child_reader(struct probe_block *pb)
{
    struct reader_block *r = (struct reader_block *)pb;
    r->p.started = 1;
    for (;;) {
        r->seen = probe_read(r->p.addr);
        r->p.value++;
    }
}

/* The word through the mapping is read on CPU c; CPU 0 unmaps the frame; the next read
 * on CPU c must fault (the thread stops at probe_read's load, its count frozen). With
 * the shootdown taken out of the kernel, CPU c's TLB keeps the translation and the
 * reader counts on. */
void test_smp_no_stale_tlb(void)
{
    for (unsigned c = 1; c < cpus(); c++) {
        static struct reader_block r[8];
        uint64_t base = region_alloc();
        struct tables t;
        bst_cptr_t frame, tcb, sc;
        CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
        CHECK_OK(frame_alloc_map(ROOT_VS, base, BST_RIGHTS_RW, 0, &frame));
        *(volatile uint64_t *)(uintptr_t)base = 0xc0ffee00u + c;
        r[c].p.addr = base;
        CHECK_OK(thread_on_cpu(c, LOW_PRIO, &tcb, &sc));
        CHECK_OK(bst_debug_name(tcb, "smp-reader"));
        CHECK_OK(thread_start(tcb, child_reader, &r[c].p));
        CHECK(wait_ge(&r[c].p.value, 10000), "the reader on CPU %u did not read", c);
        CHECK(r[c].seen == 0xc0ffee00u + c, "the reader saw %lx", (unsigned long)r[c].seen);
        CHECK_OK(bst_frame_unmap(frame));
        uint64_t after = r[c].p.value;
        settle();
        uint64_t later = r[c].p.value;
        settle();
        CHECK(r[c].p.value == later && later <= after + 1,
              "CPU %u read on through the removed mapping: %lu reads after the unmap returned", c,
              (unsigned long)(r[c].p.value - after));
        struct bst_tcb_regs regs;
        CHECK_OK(bst_tcb_read_registers(tcb, 1, &regs));
        uint64_t probe = (uint64_t)(uintptr_t)probe_read;
        CHECK(regs.rip >= probe && regs.rip < probe + 8,
              "the reader stopped at %lx, not in "
              "probe_read",
              (unsigned long)regs.rip);
    }
}

/* ---- The concurrent stress ------------------------------------------------------------ */

#define STRESS_ROUNDS 40      /* each worker's, unless harness.args says rounds=N */
#define STRESS_PAUSE  2000000 /* TSC cycles the root leaves the workers between its rounds */
#define MID_PRIO      60

static uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

struct worker_block {
    struct probe_block p;
    bst_cptr_t ep;     /* the next CPU's server */
    bst_cptr_t signal; /* the next CPU's waiter's notification, badged */
    bst_cptr_t frame;  /* its own frame, mapped and unmapped at p.addr */
    volatile uint64_t errors;
    volatile uint64_t call_errors; /* a Call the root's suspend cancelled counts here */
};

static void child_worker(struct probe_block *pb)
{
    struct worker_block *w = (struct worker_block *)pb;
    w->p.started = 1;
    for (;;) {
        uint64_t mr[BST_MSG_REGISTERS] = {w->p.value};
        bst_msginfo_t info;
        if (bst_call(w->ep, bst_msginfo_make(0, 1, 0, 0), mr, &info) != BST_OK ||
            mr[0] != w->p.value + 1) {
            w->call_errors++;
        }
        if (bst_signal(w->signal) != BST_OK) {
            w->errors++;
        }
        if (bst_frame_map(w->frame, ROOT_VS, w->p.addr, BST_RIGHTS_RW, 0) != BST_OK) {
            w->errors++;
        } else {
            *(volatile uint64_t *)(uintptr_t)w->p.addr = w->p.value;
            if (bst_frame_unmap(w->frame) != BST_OK) {
                w->errors++;
            }
        }
        w->p.value++;
    }
}

/* The root's share, on CPU 0, while the workers run: retype and delete objects, map a
 * copy of a frame and revoke it (a shootdown to every CPU in the root's space), stop and
 * resume a worker, move a worker's context between CPUs. */
struct churn {
    bst_cptr_t victim, victim_sc;   /* worker 1 */
    uint64_t scratch;               /* where the copy is mapped */
    bst_cptr_t frame, copy, object; /* the frame, its copy's slot, a slot to retype into */
    bst_cptr_t untyped;             /* what it retypes from */
};

/* Returns 0, or the number of the step that failed. */
static int root_churn(unsigned round, const struct churn *ch)
{
    const struct bst_bootinfo *bi = env_bootinfo();
    bst_cptr_t copy = ch->copy, scratch_frame = ch->frame, victim = ch->victim;
    uint64_t scratch = ch->scratch;
    bst_objtype_t type = round % 2 ? BST_OBJ_ENDPOINT : BST_OBJ_NOTIFICATION;
    if (bst_untyped_retype(ch->untyped, type, 0, ROOT_CNODE, ch->object, 1) != BST_OK) {
        return 1;
    }
    if (bst_cnode_delete(ROOT_CNODE, ch->object, 64) != BST_OK) {
        return 2;
    }
    if (bst_cnode_copy(ROOT_CNODE, copy, 64, ROOT_CNODE, scratch_frame, 64, BST_RIGHTS_RW) !=
        BST_OK) {
        return 3;
    }
    if (bst_frame_map(copy, ROOT_VS, scratch, BST_RIGHTS_RW, 0) != BST_OK) {
        return 4;
    }
    *(volatile uint64_t *)(uintptr_t)scratch = round;
    if (bst_cnode_revoke(ROOT_CNODE, scratch_frame, 64) != BST_OK) {
        return 5;
    }
    if (round % 4 == 0) {
        if (bst_tcb_suspend(victim) != BST_OK || bst_tcb_resume(victim) != BST_OK) {
            return 6;
        }
    }
    if (round % 8 == 0 && cpus() > 2) {
        unsigned to = 1 + (round / 8) % (cpus() - 1);
        if (bst_sched_control_configure(bst_sched_control_of_cpu(bi, to), ch->victim_sc,
                                        THREAD_SC_PERIOD_US, THREAD_SC_PERIOD_US) != BST_OK) {
            return 7;
        }
    }
    return 0;
}

void test_smp_stress(void)
{
    static struct server_block servers[8];
    static struct waiter_block waiters[8];
    static struct worker_block workers[8];
    unsigned n = cpus();
    bst_cptr_t tcb[8], sc[8];
    for (unsigned c = 1; c < n; c++) {
        bst_cptr_t t, s;
        CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &servers[c].ep));
        CHECK_OK(obj_alloc(BST_OBJ_REPLY, 0, &servers[c].reply));
        CHECK_OK(thread_on_cpu(c, HIGH_PRIO, &t, &s));
        CHECK_OK(thread_start(t, child_server, &servers[c].p));
        CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &waiters[c].ntfn));
        CHECK_OK(thread_on_cpu(c, MID_PRIO, &t, &s));
        CHECK_OK(thread_start(t, child_waiter, &waiters[c].p));
    }
    for (unsigned c = 1; c < n; c++) {
        unsigned next = c + 1 < n ? c + 1 : 1;
        struct tables t;
        workers[c].ep = servers[next].ep;
        workers[c].signal = slot_alloc();
        CHECK(workers[c].signal != 0, "no slot");
        CHECK_OK(bst_cnode_mint(ROOT_CNODE, workers[c].signal, 64, ROOT_CNODE, waiters[next].ntfn,
                                64, BST_RIGHTS_ALL, 1u << c));
        workers[c].p.addr = region_alloc();
        CHECK_OK(tables_map(ROOT_VS, workers[c].p.addr, 1, &t));
        CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &workers[c].frame));
        CHECK_OK(thread_on_cpu(c, LOW_PRIO, &tcb[c], &sc[c]));
        CHECK_OK(thread_start(tcb[c], child_worker, &workers[c].p));
    }
    struct churn ch = {.victim = tcb[1],
                       .victim_sc = sc[1],
                       .scratch = region_alloc(),
                       .copy = slot_alloc(),
                       .object = slot_alloc()};
    struct tables st;
    CHECK(ch.copy != 0 && ch.object != 0, "no slot");
    CHECK_OK(tables_map(ROOT_VS, ch.scratch, 1, &st));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &ch.frame));
    CHECK_OK(obj_alloc(BST_OBJ_UNTYPED, 21, &ch.untyped));
    uint64_t rounds = harness_args_value(env_bootinfo(), "rounds=", STRESS_ROUNDS);
    unsigned round = 0;
    for (;; round++) {
        uint64_t least = UINT64_MAX;
        for (unsigned c = 1; c < n; c++) {
            least = workers[c].p.value < least ? workers[c].p.value : least;
        }
        if (least >= rounds) {
            break;
        }
        CHECK(round < 20 * rounds + 1000,
              "after %u rounds of the root's churn a worker had done %lu of %lu", round,
              (unsigned long)least, (unsigned long)rounds);
        int step = root_churn(round, &ch);
        CHECK(step == 0, "the root's churn failed in round %u at step %d", round, step);
        for (uint64_t until = tsc() + STRESS_PAUSE; tsc() < until;) {
        }
    }
    for (unsigned c = 1; c < n; c++) {
        CHECK_OK(bst_tcb_suspend(tcb[c]));
        CHECK(workers[c].errors == 0 && (c == 1 || workers[c].call_errors == 0),
              "worker on CPU %u: %lu failed operations, %lu failed calls", c,
              (unsigned long)workers[c].errors, (unsigned long)workers[c].call_errors);
    }
    const char *why = kernel_state_check(NULL);
    CHECK(why == NULL, "after the stress (%u root rounds): %s", round, why);
    bst_printf("smp: stress: %u workers x %lu rounds of Call, Signal, map and unmap; %u root "
               "rounds of retype, delete, copy, map, revoke, stop and migration; invariants hold\n",
               n - 1, (unsigned long)rounds, round);
}
