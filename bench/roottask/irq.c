/*
 * Interrupt delivery latency: from the kernel's entry for a device interrupt to the
 * user thread that waits for it running again (docs/performance.md says exactly what
 * lies inside). The device is the legacy PIT (ports 0x40-0x43) at 1 kHz, its IRQ on
 * IOAPIC pin 2 through an IRQ handler cap bound to a notification, as examples/pit
 * does. The start is the TSC read by the kernel's interrupt-entry stamp (debug builds,
 * DEBUG_IRQ_STAMP); the end, the waiting thread's own TSC read after its Wait returned.
 *
 *   irq.pit_to_user.idle                      the CPU idles in the kernel when the
 *                                             interrupt comes; the root task waits
 *   irq.pit_to_user.preempt_inter_as          the root task spins; the waiter has a
 *                                             higher priority in another address space
 */
#include "bench.h"

#include <libbastion/invoke.h>
#include <libbastion/tcb.h>

#define ROOT_CNODE ((bst_cptr_t)BST_SLOT_ROOT_CNODE)
#define PRIO_HIGH  150
#define PIT_LINE   2
#define PIT_RELOAD 1193 /* 1.193182 MHz / 1193: 1 kHz */

static uint64_t samples[BENCH_SAMPLES];

static void check(bst_error_t e, const char *what)
{
    if (e != BST_OK) {
        setup_fail(what, e);
    }
}

static void pit_out(bst_cptr_t pit, uint64_t port, uint64_t value)
{
    uint64_t args[2] = {port, value};
    check(bst_invoke(pit, BST_INV_IOPORT_OUT8, args, 2, NULL, 0), "program the PIT");
}

/* Channel 0, lo/hi byte, mode 2 (rate generator) at PIT_RELOAD; or mode 0 (one shot,
 * which then stays quiet). */
static void pit_run(bst_cptr_t pit, bool run)
{
    pit_out(pit, 0x43, run ? 0x34 : 0x30);
    pit_out(pit, 0x40, run ? PIT_RELOAD & 0xff : 1);
    pit_out(pit, 0x40, run ? PIT_RELOAD >> 8 : 0);
}

static void ack(bst_cptr_t irq)
{
    check(bst_invoke(irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0), "acknowledge");
}

/* The root waits; each interrupt finds the CPU idle. */
static void bench_idle(bst_cptr_t irq, bst_cptr_t ntfn, uint64_t overhead)
{
    for (int i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
        ack(irq);
        uint64_t woke = bench_wait_timestamp(ntfn);
        uint64_t entry = bench_irq_stamp(1);
        if (i >= BENCH_WARMUP) {
            samples[i - BENCH_WARMUP] = bench_less_overhead(woke - entry);
        }
    }
    bench_report("irq.pit_to_user.idle", samples, overhead);
}

/* A higher-priority waiter in another space (bench_waiter: Wait, store the time it
 * woke, again); the root spins until it has stored, then acknowledges. */
static void bench_preempt(bst_cptr_t irq, bst_cptr_t ntfn, uint64_t overhead)
{
    uint64_t shared_vaddr;
    bst_cptr_t shared = setup_root_frame(&shared_vaddr), ipc_frame;
    bst_cptr_t vs = setup_space(bench_waiter, bench_waiter_end, shared, &ipc_frame);
    bst_cptr_t waiter =
        setup_thread(vs, SPACE_IPC, ipc_frame, PRIO_HIGH, SPACE_CODE, ntfn, SPACE_SHARED, 0);
    volatile uint64_t *woke = (volatile uint64_t *)(uintptr_t)shared_vaddr;
    for (int i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
        *woke = 0;
        ack(irq);
        while (*woke == 0) {
            __asm__ volatile("pause");
        }
        uint64_t entry = bench_irq_stamp(1);
        if (i >= BENCH_WARMUP) {
            samples[i - BENCH_WARMUP] = bench_less_overhead(*woke - entry);
        }
    }
    bench_report("irq.pit_to_user.preempt_inter_as", samples, overhead);
    bst_tcb_suspend(waiter);
}

void bench_irq_latency(uint64_t overhead)
{
    bst_cptr_t pit = setup_slot(), irq = setup_slot();
    bst_cptr_t ntfn = setup_object(BST_OBJ_NOTIFICATION);
    uint64_t ports[4] = {0x40, 0x43, ROOT_CNODE, pit};
    check(bst_invoke((bst_cptr_t)BST_SLOT_IOPORT_CONTROL, BST_INV_IOPORT_CONTROL_ISSUE, ports, 4,
                     NULL, 0),
          "issue the PIT's ports");
    uint64_t line[5] = {PIT_LINE, 0, 0, ROOT_CNODE, irq}; /* edge, active high */
    check(bst_invoke((bst_cptr_t)BST_SLOT_IRQ_CONTROL, BST_INV_IRQ_CONTROL_GET_IOAPIC, line, 5,
                     NULL, 0),
          "get the PIT's IRQ");
    uint64_t arg = ntfn;
    check(bst_invoke(irq, BST_INV_IRQ_HANDLER_SET_NOTIFICATION, &arg, 1, NULL, 0), "bind");
    bench_irq_stamp(1);
    pit_run(pit, true);
    bench_idle(irq, ntfn, overhead);
    bench_preempt(irq, ntfn, overhead);
    pit_run(pit, false);
    bench_irq_stamp(0);
}
