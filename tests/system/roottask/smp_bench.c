/*
 * The cross-CPU benchmarks (make bench-smp; issue 20): the root on CPU 0 and a thread on
 * CPU 1 under the SMP kernel, booted with -smp 2 and -icount (QEMU then runs the two
 * CPUs in turn on one host thread, so the figures are deterministic path lengths plus
 * the emulator's switching between the CPUs: docs/kernel.md, "Several CPUs", says how to
 * read them). Prints "BENCH <name> samples=.. median=.." lines as the benchmark root
 * task does (bench/roottask), then ends through the harness.
 *
 *   smp.signal_wake.cross_cpu      Signal on CPU 0 to the waiter's return from Wait on
 *                                  CPU 1 (both stamps by RDTSC)
 *   smp.call_round_trip.cross_cpu  a Call from CPU 0 answered by a server on CPU 1
 *   smp.unmap.other_cpu_in_space   FRAME_UNMAP in the root's space while CPU 1 runs a
 *                                  thread in it: the TLB shootdown's cost included
 *   smp.unmap.space_inactive       FRAME_UNMAP in a space no CPU has in CR3 (no call)
 */
#include "smp.h"

#include <bench/stats.h>
#include <libbastion/ipc.h>

#define SAMPLES        200
#define WARMUP         20
#define LOW_PRIO_BENCH 50 /* below the root */

static uint64_t samples[SAMPLES];

static inline uint64_t stamp(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static void report(const char *name)
{
    struct bench_stats s = bench_summarise(samples, SAMPLES);
    bst_printf("BENCH %s samples=%d min=%lu median=%lu max=%lu mean=%lu stddev=%lu "
               "overhead=0\n",
               name, SAMPLES, (unsigned long)s.min, (unsigned long)s.median, (unsigned long)s.max,
               (unsigned long)s.mean, (unsigned long)s.stddev);
}

/* A thread on CPU 1 with an unlimited context. */
static bst_error_t on_cpu1(uint64_t prio, bst_cptr_t *tcb)
{
    bst_cptr_t sc;
    bst_error_t e = thread_new_bare(ROOT_VS, prio, tcb);
    if (e == BST_OK) {
        e = obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, &sc);
    }
    if (e == BST_OK) {
        e = bst_sched_control_configure(bst_sched_control_of_cpu(env_bootinfo(), 1), sc, 10000,
                                        10000);
    }
    if (e == BST_OK) {
        e = bst_sched_context_bind(sc, *tcb);
    }
    return e;
}

struct waiter {
    struct probe_block p;
    bst_cptr_t ntfn;
    volatile uint64_t woke;
};

static void waiter_loop(struct probe_block *pb)
{
    struct waiter *w = (struct waiter *)pb;
    w->p.started = 1;
    for (;;) {
        uint64_t word;
        bst_wait(w->ntfn, &word);
        w->woke = stamp();
        w->p.value++;
    }
}

static void bench_signal(void)
{
    static struct waiter w;
    bst_cptr_t tcb, badged = slot_alloc();
    CHECK(badged != 0, "no slot");
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &w.ntfn));
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, badged, 64, ROOT_CNODE, w.ntfn, 64, BST_RIGHTS_ALL, 1));
    CHECK_OK(on_cpu1(HIGH_PRIO, &tcb));
    CHECK_OK(thread_start(tcb, waiter_loop, &w.p));
    CHECK(wait_eq(&w.p.started, 1), "the waiter never started");
    for (uint64_t i = 0; i < WARMUP + SAMPLES; i++) {
        for (int k = 0; k < 20000; k++) { /* let it block in Wait again */
            __asm__ volatile("pause");
        }
        uint64_t t0 = stamp();
        CHECK_OK(bst_signal(badged));
        CHECK(wait_ge(&w.p.value, i + 1), "signal %lu did not wake the waiter", (unsigned long)i);
        if (i >= WARMUP) {
            samples[i - WARMUP] = w.woke - t0;
        }
    }
    report("smp.signal_wake.cross_cpu");
}

struct server {
    struct probe_block p;
    bst_cptr_t ep, reply;
};

static void server_loop(struct probe_block *pb)
{
    struct server *s = (struct server *)pb;
    uint64_t mr[BST_MSG_REGISTERS] = {0};
    bst_msginfo_t info;
    s->p.started = 1;
    bst_recv(s->ep, s->reply, NULL, &info, mr);
    for (;;) {
        bst_reply_recv(s->ep, s->reply, bst_msginfo_make(0, 0, 0, 0), mr, NULL, &info);
    }
}

static void bench_call(void)
{
    static struct server s;
    bst_cptr_t tcb;
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &s.ep));
    CHECK_OK(obj_alloc(BST_OBJ_REPLY, 0, &s.reply));
    CHECK_OK(on_cpu1(HIGH_PRIO, &tcb));
    CHECK_OK(thread_start(tcb, server_loop, &s.p));
    for (uint64_t i = 0; i < WARMUP + SAMPLES; i++) {
        uint64_t mr[BST_MSG_REGISTERS] = {0};
        bst_msginfo_t info;
        uint64_t t0 = stamp();
        CHECK_OK(bst_call(s.ep, bst_msginfo_make(0, 0, 0, 0), mr, &info));
        uint64_t t1 = stamp();
        if (i >= WARMUP) {
            samples[i - WARMUP] = t1 - t0;
        }
    }
    report("smp.call_round_trip.cross_cpu");
}

static void spinner(struct probe_block *b)
{
    b->started = 1;
    for (;;) {
        b->value++;
    }
}

/* Map and unmap `frame` at vaddr in `vspace` SAMPLES times; the unmaps are the samples. */
static bool unmap_samples(bst_cptr_t frame, bst_cptr_t vspace, uint64_t vaddr)
{
    for (int i = 0; i < WARMUP + SAMPLES; i++) {
        if (bst_frame_map(frame, vspace, vaddr, BST_RIGHTS_RW, 0) != BST_OK) {
            return false;
        }
        uint64_t t0 = stamp();
        bst_error_t e = bst_frame_unmap(frame);
        uint64_t t1 = stamp();
        if (e != BST_OK) {
            return false;
        }
        if (i >= WARMUP) {
            samples[i - WARMUP] = t1 - t0;
        }
    }
    return true;
}

static void bench_unmap(void)
{
    static struct probe_block b;
    bst_cptr_t tcb, frame, other;
    struct tables t, ot;
    uint64_t base = region_alloc();
    CHECK_OK(tables_map(ROOT_VS, base, 1, &t));
    CHECK_OK(obj_alloc(BST_OBJ_FRAME_4K, 0, &frame));
    CHECK_OK(on_cpu1(LOW_PRIO_BENCH, &tcb));
    CHECK_OK(thread_start(tcb, spinner, &b));
    CHECK(wait_ge(&b.value, 1000), "the spinner on CPU 1 did not run");
    CHECK(unmap_samples(frame, ROOT_VS, base), "map or unmap failed");
    report("smp.unmap.other_cpu_in_space");
    CHECK_OK(obj_alloc(BST_OBJ_VSPACE, 0, &other));
    CHECK_OK(tables_map(other, base, 1, &ot));
    CHECK(unmap_samples(frame, other, base), "map or unmap in the other space failed");
    report("smp.unmap.space_inactive");
    CHECK_OK(bst_tcb_suspend(tcb));
}

void test_smp_bench(void)
{
    CHECK(env_bootinfo()->n_cpus >= 2, "the kernel runs threads on %u CPUs",
          env_bootinfo()->n_cpus);
    bench_signal();
    if (test_failed()) {
        return;
    }
    bench_call();
    if (test_failed()) {
        return;
    }
    bench_unmap();
}
