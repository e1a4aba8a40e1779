/*
 * An interrupt taken on its thread's CPU (the SMP kernel, issue 20; suites
 * system-smp-threads2/4): the PIT's line, its notification waited on by a thread on the
 * last CPU, is routed there (irq.c: the line follows the thread its notification would
 * wake), so each tick is taken on that CPU and wakes the thread without a reschedule
 * IPI. The thread reads its CPU's interrupt counts (DEBUG_IDLE_CYCLES, MR1 and MR2)
 * around each wait; with the routing taken out the ticks are taken on CPU 0 and reach
 * the thread by IPI, and the test fails.
 */
#include "smp.h"

#include <bastion/syscall.h>
#include <libbastion/ipc.h>
#include <libbastion/syscall.h>

#define IOPORT_CONTROL ((bst_cptr_t)BST_SLOT_IOPORT_CONTROL)
#define IRQ_CONTROL    ((bst_cptr_t)BST_SLOT_IRQ_CONTROL)
#define PIT_FIRST      0x40
#define PIT_LAST       0x43
#define PIT_LINE       2 /* the PIT's ISA IRQ 0 arrives on IOAPIC line 2 (GSI 2) */
#define TICKS          3
#define LOW_PRIO       50

/* What the thread on the last CPU saw: per tick, the device interrupts and reschedule
 * IPIs its CPU took while it waited. */
struct tick_block {
    struct probe_block p; /* value: ticks seen */
    bst_cptr_t ntfn, irq;
    uint64_t device[TICKS], resched[TICKS], words[TICKS];
};

/* This CPU's interrupt counts (the SMP kernel's DEBUG_IDLE_CYCLES, MR1 and MR2). */
static void cpu_counts(uint64_t *device, uint64_t *resched)
{
    struct bst_sysregs r = {.rax = BST_SYS_DEBUG_IDLE_CYCLES};
    bst_arch_syscall(&r);
    *device = r.mr[1];
    *resched = r.mr[2];
}

static void child_ticks(struct probe_block *pb)
{
    struct tick_block *b = (struct tick_block *)pb;
    uint64_t d0, r0, d1, r1;
    cpu_counts(&d0, &r0);
    b->p.started = 1;
    for (unsigned i = 0; i < TICKS; i++) {
        if (bst_wait(b->ntfn, &b->words[i]) != BST_OK) {
            break;
        }
        cpu_counts(&d1, &r1);
        b->device[i] = d1 - d0;
        b->resched[i] = r1 - r0;
        b->p.value++;
        cpu_counts(&d0, &r0); /* before the acknowledgement unmasks the line */
        if (i + 1 < TICKS && bst_invoke(b->irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0) != 0) {
            break;
        }
    }
    for (;;) {
        uint64_t w;
        bst_wait(b->ntfn, &w);
    }
}

static bst_error_t port_out8(bst_cptr_t cap, uint64_t port, uint64_t value)
{
    uint64_t args[2] = {port, value};
    return bst_invoke(cap, BST_INV_IOPORT_OUT8, args, 2, NULL, 0);
}

/* PIT channel 0 as a rate generator at about 1 kHz, or stopped (mode 0, count 1). */
static bst_error_t pit_program(bst_cptr_t pit, bool run)
{
    bst_error_t e = port_out8(pit, 0x43, run ? 0x34 : 0x30);
    if (e == BST_OK) {
        e = port_out8(pit, 0x40, run ? 1193 & 0xff : 1);
    }
    if (e == BST_OK) {
        e = port_out8(pit, 0x40, run ? 1193 >> 8 : 0);
    }
    return e;
}

void test_smp_irq_on_its_cpu(void)
{
    static struct tick_block b;
    unsigned c = env_bootinfo()->n_cpus - 1;
    bst_cptr_t pit = slot_alloc(), irq = slot_alloc(), tcb, sc;
    CHECK(pit != 0 && irq != 0, "no slot");
    uint64_t pargs[4] = {PIT_FIRST, PIT_LAST, ROOT_CNODE, pit};
    CHECK_OK(bst_invoke(IOPORT_CONTROL, BST_INV_IOPORT_CONTROL_ISSUE, pargs, 4, NULL, 0));
    uint64_t iargs[5] = {PIT_LINE, 0, 0, ROOT_CNODE, irq};
    CHECK_OK(bst_invoke(IRQ_CONTROL, BST_INV_IRQ_CONTROL_GET_IOAPIC, iargs, 5, NULL, 0));
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &b.ntfn));
    b.irq = irq;
    /* The thread on CPU c (below the root, so it runs only there) waits first: setting
     * the notification then routes the line to the waiter's CPU. */
    CHECK_OK(thread_new_bare(ROOT_VS, LOW_PRIO, &tcb));
    CHECK_OK(obj_alloc(BST_OBJ_SCHED_CONTEXT, 0, &sc));
    CHECK_OK(bst_sched_control_configure(bst_sched_control_of_cpu(env_bootinfo(), c), sc,
                                         THREAD_SC_PERIOD_US, THREAD_SC_PERIOD_US));
    CHECK_OK(bst_sched_context_bind(sc, tcb));
    CHECK_OK(thread_start(tcb, child_ticks, &b.p));
    CHECK(wait_eq(&b.p.started, 1), "the thread on CPU %u never started", c);
    settle(); /* into its wait */
    bst_cptr_t badged = slot_alloc();
    CHECK(badged != 0, "no slot");
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, badged, BST_ROOT_DEPTH, ROOT_CNODE, b.ntfn, BST_ROOT_DEPTH,
                            BST_RIGHTS_ALL, 1));
    uint64_t arg = badged;
    CHECK_OK(bst_invoke(irq, BST_INV_IRQ_HANDLER_SET_NOTIFICATION, &arg, 1, NULL, 0));
    CHECK_OK(pit_program(pit, true));
    CHECK_OK(bst_invoke(irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0)); /* unmask */
    bool seen = wait_ge(&b.p.value, TICKS);
    CHECK_OK(pit_program(pit, false));
    CHECK(seen, "%lu of %u ticks reached the thread on CPU %u", (unsigned long)b.p.value, TICKS, c);
    for (unsigned i = 0; i < TICKS; i++) {
        CHECK(b.device[i] >= 1,
              "tick %u was not taken on CPU %u (its device interrupts while waiting: %lu)", i, c,
              (unsigned long)b.device[i]);
        CHECK(b.resched[i] == 0, "tick %u woke the thread on CPU %u by %lu reschedule IPIs", i, c,
              (unsigned long)b.resched[i]);
    }
    CHECK_OK(bst_tcb_suspend(tcb));
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, irq, BST_ROOT_DEPTH)); /* masks the line, to CPU 0 */
    CHECK_OK(bst_cnode_delete(ROOT_CNODE, pit, BST_ROOT_DEPTH));
}
