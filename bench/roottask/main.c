/*
 * The benchmark root task: builds servers, waiters and yielders in its own and in
 * other address spaces, measures each operation BENCH_SAMPLES times after BENCH_WARMUP
 * runs, and prints "BENCH <name> samples=.. min=.. median=.. max=.. mean=.. stddev=..
 * overhead=.." lines (figures with the timestamp overhead subtracted), then ends the
 * image through DEBUG_EXIT. bench/run-bench.sh turns the lines into the table.
 */
#include "bench.h"

#include <bench/stats.h>
#include <libbastion/printf.h>
#include <libbastion/tcb.h>

#define ROOT_TCB  ((bst_cptr_t)BST_SLOT_ROOT_TCB)
#define ROOT_VS   ((bst_cptr_t)BST_SLOT_ROOT_VSPACE)
#define PRIO_ROOT 100
#define PRIO_HIGH 150

static uint64_t overhead;
static uint64_t call_s[BENCH_SAMPLES], reply_s[BENCH_SAMPLES], round_s[BENCH_SAMPLES];

uint64_t bench_less_overhead(uint64_t c)
{
    return c > overhead ? c - overhead : 0;
}

void bench_report(const char *name, uint64_t *samples, uint64_t subtracted)
{
    struct bench_stats s = bench_summarise(samples, BENCH_SAMPLES);
    bst_printf("BENCH %s samples=%d min=%lu median=%lu max=%lu mean=%lu stddev=%lu "
               "overhead=%lu\n",
               name, BENCH_SAMPLES, (unsigned long)s.min, (unsigned long)s.median,
               (unsigned long)s.max, (unsigned long)s.mean, (unsigned long)s.stddev,
               (unsigned long)subtracted);
}

static void measure_overhead(void)
{
    for (int i = 0; i < BENCH_SAMPLES; i++) {
        call_s[i] = bench_timestamp_cost();
    }
    struct bench_stats s = bench_summarise(call_s, BENCH_SAMPLES);
    overhead = s.median;
    bench_report("user.measurement_overhead", call_s, 0);
}

/* The server of a benchmark: its endpoint and the words it leaves t2, t1 in. */
struct server {
    bst_cptr_t ep;
    volatile uint64_t *stamps;
};

/* Call / Reply-Recv one way and the round trip, against a server already waiting. */
static void bench_ipc(const char *what, const struct server *sv, unsigned length)
{
    uint64_t info = bst_msginfo_make(0, length, 0, 0), t[2];
    for (int i = 0; i < BENCH_WARMUP; i++) {
        bench_call(sv->ep, info, t);
    }
    for (int i = 0; i < BENCH_SAMPLES; i++) {
        bench_call(sv->ep, info, t); /* t = {t0, t3}; the server's {t2, t1} are shared */
        call_s[i] = bench_less_overhead(sv->stamps[1] - t[0]);
        reply_s[i] = bench_less_overhead(t[1] - sv->stamps[0]);
        round_s[i] = bench_less_overhead(t[1] - t[0]);
    }
    char name[80];
    bst_snprintf(name, sizeof(name), "ipc.call.%s.len%u", what, length);
    bench_report(name, call_s, overhead);
    bst_snprintf(name, sizeof(name), "ipc.reply_recv.%s.len%u", what, length);
    bench_report(name, reply_s, overhead);
    bst_snprintf(name, sizeof(name), "ipc.round_trip.%s.len%u", what, length);
    bench_report(name, round_s, overhead);
}

static void bench_syscall(const char *name, uint64_t number, bst_cptr_t cptr)
{
    for (int i = 0; i < BENCH_WARMUP; i++) {
        bench_syscall_cost(number, cptr);
    }
    for (int i = 0; i < BENCH_SAMPLES; i++) {
        call_s[i] = bench_less_overhead(bench_syscall_cost(number, cptr));
    }
    bench_report(name, call_s, overhead);
}

/* A server on its own endpoint and reply object, in a new or the root's space, with a
 * frame shared with the root for its timestamps. */
static struct server start_server(bool other_space, uint64_t prio, bool passive)
{
    bst_cptr_t ep = setup_object(BST_OBJ_ENDPOINT), reply = setup_object(BST_OBJ_REPLY);
    bst_cptr_t ipc_frame, tcb;
    uint64_t ipc_vaddr, shared_vaddr;
    bst_cptr_t shared = setup_root_frame(&shared_vaddr);
    if (other_space) {
        bst_cptr_t vs = setup_space(bench_server, bench_server_end, shared, &ipc_frame);
        tcb = setup_thread(vs, SPACE_IPC, ipc_frame, prio, SPACE_CODE, ep, reply, SPACE_SHARED);
    } else {
        ipc_frame = setup_root_frame(&ipc_vaddr);
        tcb = setup_thread(ROOT_VS, ipc_vaddr, ipc_frame, prio, (uint64_t)(uintptr_t)bench_server,
                           ep, reply, shared_vaddr);
    }
    if (passive) {
        bst_yield(); /* an equal-priority server gets to its first Recv */
        setup_make_passive(tcb);
    }
    return (struct server){ep, (volatile uint64_t *)(uintptr_t)shared_vaddr};
}

static void bench_all_ipc(void)
{
    /* Passive servers (the caller lends its scheduling context: the fastpath's case), and
     * one active server with its own context (every Call switches contexts: full path). */
    static const struct {
        const char *name;
        bool other_space;
        uint64_t prio;
        bool passive;
    } configs[] = {
        {"inter_as.equal_prio", true, PRIO_ROOT, true},
        {"inter_as.to_higher_prio", true, PRIO_HIGH, true},
        {"intra_as.equal_prio", false, PRIO_ROOT, true},
        {"intra_as.to_higher_prio", false, PRIO_HIGH, true},
        {"inter_as.active_server", true, PRIO_ROOT, false},
    };
    static const unsigned lengths[] = {0, BST_MSG_REGISTERS, BST_MSG_MAX_LENGTH};
    for (unsigned c = 0; c < sizeof(configs) / sizeof(configs[0]); c++) {
        struct server sv =
            start_server(configs[c].other_space, configs[c].prio, configs[c].passive);
        for (unsigned l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
            bench_ipc(configs[c].name, &sv, lengths[l]);
        }
    }
}

/* Signal a higher-priority waiter in another space: it runs at once and stores the
 * time it woke in a shared word; the figure is wake time - time before the Signal. */
static void bench_signal_wake(void)
{
    uint64_t shared_vaddr;
    bst_cptr_t shared = setup_root_frame(&shared_vaddr), ntfn = setup_object(BST_OBJ_NOTIFICATION);
    bst_cptr_t ipc_frame, vs = setup_space(bench_waiter, bench_waiter_end, shared, &ipc_frame);
    bst_cptr_t waiter =
        setup_thread(vs, SPACE_IPC, ipc_frame, PRIO_HIGH, SPACE_CODE, ntfn, SPACE_SHARED, 0);
    volatile uint64_t *woke = (volatile uint64_t *)(uintptr_t)shared_vaddr;
    for (int i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
        uint64_t t0 = bench_timestamped_syscall(BST_SYS_SEND, ntfn);
        if (i >= BENCH_WARMUP) {
            call_s[i - BENCH_WARMUP] = bench_less_overhead(*woke - t0);
        }
    }
    bench_report("notification.signal_wake.inter_as.to_higher_prio", call_s, overhead);
    bst_tcb_suspend(waiter);
}

/* Yield to another thread of the same priority, which yields straight back: two
 * switches per sample. */
static void bench_yield_pair(void)
{
    uint64_t ipc_vaddr;
    bst_cptr_t ipc_frame = setup_root_frame(&ipc_vaddr);
    bst_cptr_t yielder = setup_thread(ROOT_VS, ipc_vaddr, ipc_frame, PRIO_ROOT,
                                      (uint64_t)(uintptr_t)bench_yielder, 0, 0, 0);
    bench_syscall("sched.yield_to_other_and_back", BST_SYS_YIELD, 0);
    bst_tcb_suspend(yielder);
}

/* The hardware floor: a bare SYSCALL/SYSRET pair (the kernel routes SYSCALL to an
 * entry that returns at once, between DEBUG_FLOOR_BEGIN and DEBUG_FLOOR_END). */
static void bench_floor(void)
{
    bench_syscall_cost(BST_SYS_DEBUG_FLOOR_BEGIN, 0);
    for (int i = 0; i < BENCH_WARMUP; i++) {
        bench_syscall_cost(BST_SYS_YIELD, 0);
    }
    for (int i = 0; i < BENCH_SAMPLES; i++) {
        call_s[i] = bench_less_overhead(bench_syscall_cost(BST_SYS_YIELD, 0));
    }
    bench_syscall_cost(BST_SYS_DEBUG_FLOOR_END, 0);
    bench_report("floor.syscall_sysret_pair", call_s, overhead);
}

int main(const struct bst_bootinfo *bi)
{
    setup_init(bi);
    bst_tcb_set_priority(ROOT_TCB, ROOT_TCB, PRIO_ROOT);
    bst_printf("BENCH-BEGIN roottask\n");
    measure_overhead();
    bench_floor();
    bench_syscall("syscall.yield_alone", BST_SYS_YIELD, 0);
    bst_cptr_t idle_ep = setup_object(BST_OBJ_ENDPOINT), ntfn = setup_object(BST_OBJ_NOTIFICATION);
    bench_syscall("ipc.nb_send_no_receiver", BST_SYS_NB_SEND, idle_ep);
    bench_syscall("notification.signal_no_waiter", BST_SYS_SEND, ntfn);
    bench_all_ipc();
    bench_signal_wake();
    bench_yield_pair();
    bench_ports(overhead);
    bench_irq_latency(overhead);
    bench_iommu(bi, overhead);
    bench_vm_exit(overhead);
    bst_printf("BENCH-END\n");
    return 0;
}
