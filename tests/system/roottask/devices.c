/*
 * Device access from user space: I/O port caps and IRQ handler caps, end to end on the
 * legacy PIT (ports 0x40-0x43, IOAPIC line 2 on a PC): program it through port caps,
 * receive its interrupts through a notification, and check that a line stays masked
 * until it is acknowledged.
 */
#include "roottask.h"

#include <libbastion/ipc.h>

#define IOPORT_CONTROL ((bst_cptr_t)BST_SLOT_IOPORT_CONTROL)
#define IRQ_CONTROL    ((bst_cptr_t)BST_SLOT_IRQ_CONTROL)
#define PIT_FIRST      0x40
#define PIT_LAST       0x43
#define PIT_LINE       2 /* the PIT's ISA IRQ 0 arrives on IOAPIC line 2 */
#define PIT_BADGE      0x40

static bst_error_t ioport_issue(uint64_t first, uint64_t last, bst_cptr_t *cap)
{
    *cap = slot_alloc();
    uint64_t args[4] = {first, last, ROOT_CNODE, *cap};
    return bst_invoke(IOPORT_CONTROL, BST_INV_IOPORT_CONTROL_ISSUE, args, 4, NULL, 0);
}

static bst_error_t port_out8(bst_cptr_t cap, uint64_t port, uint64_t value)
{
    uint64_t args[2] = {port, value};
    return bst_invoke(cap, BST_INV_IOPORT_OUT8, args, 2, NULL, 0);
}

static bst_error_t port_in8(bst_cptr_t cap, uint64_t port, uint64_t *value)
{
    return bst_invoke(cap, BST_INV_IOPORT_IN8, &port, 1, value, 1);
}

static bst_error_t irq_get(uint64_t line, uint64_t trigger, uint64_t polarity, bst_cptr_t *cap)
{
    *cap = slot_alloc();
    uint64_t args[5] = {line, trigger, polarity, ROOT_CNODE, *cap};
    return bst_invoke(IRQ_CONTROL, BST_INV_IRQ_CONTROL_GET_IOAPIC, args, 5, NULL, 0);
}

static bst_error_t delete_slot(bst_cptr_t slot)
{
    return bst_cnode_delete(ROOT_CNODE, slot, BST_ROOT_DEPTH);
}

void test_devices_ioport_access(void)
{
    bst_cptr_t pit;
    CHECK_OK(ioport_issue(PIT_FIRST, PIT_LAST, &pit));
    /* Latch channel 0's count twice: a running PIT counts down between the reads. */
    uint64_t lo1, hi1, lo2, hi2;
    CHECK_OK(port_out8(pit, 0x43, 0x00));
    CHECK_OK(port_in8(pit, 0x40, &lo1));
    CHECK_OK(port_in8(pit, 0x40, &hi1));
    settle();
    CHECK_OK(port_out8(pit, 0x43, 0x00));
    CHECK_OK(port_in8(pit, 0x40, &lo2));
    CHECK_OK(port_in8(pit, 0x40, &hi2));
    CHECK(lo1 <= 0xff && hi1 <= 0xff, "an 8-bit read returned more than 8 bits");
    CHECK(((hi1 << 8) | lo1) != ((hi2 << 8) | lo2), "the PIT counter did not move");
    CHECK_OK(delete_slot(pit));
}

void test_devices_ioport_errors(void)
{
    bst_cptr_t pit, other, ro = slot_alloc();
    uint64_t v;
    CHECK_OK(ioport_issue(PIT_FIRST, PIT_LAST, &pit));
    CHECK_ERR(ioport_issue(0x42, 0x50, &other), BST_REVOKE_FIRST);   /* overlaps */
    CHECK_ERR(ioport_issue(0x3f8, 0x3f8, &other), BST_REVOKE_FIRST); /* the console */
    CHECK_ERR(ioport_issue(0x50, 0x4f, &other), BST_RANGE_ERROR);
    CHECK_ERR(ioport_issue(0x10000, 0x10000, &other), BST_RANGE_ERROR);
    CHECK_ERR(port_in8(pit, 0x44, &v), BST_RANGE_ERROR);
    uint64_t wide = 0x43;
    CHECK_ERR(bst_invoke(pit, BST_INV_IOPORT_IN16, &wide, 1, &v, 1), BST_RANGE_ERROR);
    CHECK_ERR(bst_invoke(pit, BST_INV_IOPORT_OUT8, &wide, 1, NULL, 0), BST_TRUNCATED_MESSAGE);
    /* A port number near 2^64: port + width wraps past the range's end (issue 26). */
    uint64_t huge = UINT64_MAX;
    CHECK_ERR(bst_invoke(pit, BST_INV_IOPORT_IN16, &huge, 1, &v, 1), BST_RANGE_ERROR);
    huge = UINT64_MAX - 1;
    CHECK_ERR(bst_invoke(pit, BST_INV_IOPORT_IN32, &huge, 1, &v, 1), BST_RANGE_ERROR);
    CHECK_ERR(bst_invoke(pit, BST_INV_TCB_RESUME, NULL, 0, NULL, 0), BST_ILLEGAL_OPERATION);
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, ro, BST_ROOT_DEPTH, ROOT_CNODE, pit, BST_ROOT_DEPTH,
                            BST_RIGHT_READ, 0));
    CHECK_ERR(port_out8(ro, 0x43, 0), BST_INSUFFICIENT_RIGHTS);
    CHECK_OK(port_in8(ro, 0x40, &v));
    /* The range is free again only when its last cap is gone. */
    CHECK_OK(delete_slot(pit));
    CHECK_ERR(ioport_issue(PIT_FIRST, PIT_LAST, &other), BST_REVOKE_FIRST);
    CHECK_OK(delete_slot(ro));
    CHECK_OK(ioport_issue(PIT_FIRST, PIT_LAST, &other));
    CHECK_OK(delete_slot(other));
}

/* Program PIT channel 0 as a rate generator at about 1 kHz, or stop it. */
static bst_error_t pit_program(bst_cptr_t pit, bool run)
{
    bst_error_t e = port_out8(pit, 0x43, run ? 0x34 : 0x30); /* ch 0, lo/hi, mode 2 or 0 */
    if (e == BST_OK) {
        e = port_out8(pit, 0x40, run ? 1193 & 0xff : 1);
    }
    if (e == BST_OK) {
        e = port_out8(pit, 0x40, run ? 1193 >> 8 : 0);
    }
    return e;
}

void test_devices_irq_delivery(void)
{
    bst_cptr_t pit, irq, ntfn, badged = slot_alloc();
    uint64_t word;
    CHECK_OK(ioport_issue(PIT_FIRST, PIT_LAST, &pit));
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ntfn));
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, badged, BST_ROOT_DEPTH, ROOT_CNODE, ntfn, BST_ROOT_DEPTH,
                            BST_RIGHTS_ALL, PIT_BADGE));
    CHECK_OK(irq_get(PIT_LINE, 0, 0, &irq));
    uint64_t arg = badged;
    CHECK_OK(bst_invoke(irq, BST_INV_IRQ_HANDLER_SET_NOTIFICATION, &arg, 1, NULL, 0));
    CHECK_OK(pit_program(pit, true));
    CHECK_OK(bst_invoke(irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0)); /* unmask */
    for (int i = 0; i < 3; i++) {
        CHECK_OK(bst_wait(ntfn, &word));
        CHECK(word == PIT_BADGE, "interrupt %d arrived with word %lx", i, (unsigned long)word);
        if (i < 2) {
            CHECK_OK(bst_invoke(irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0));
        }
    }
    /* Not acknowledged: the line stays masked, however long the PIT keeps ticking. */
    settle();
    settle();
    CHECK_OK(bst_poll(ntfn, &word));
    CHECK(word == 0, "an unacknowledged line delivered again (word %lx)", (unsigned long)word);
    CHECK_OK(bst_invoke(irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0));
    CHECK_OK(bst_wait(ntfn, &word));
    CHECK(word == PIT_BADGE, "after the acknowledgement: word %lx", (unsigned long)word);
    CHECK_OK(pit_program(pit, false));
    CHECK_OK(delete_slot(irq)); /* masks the line and frees it */
    CHECK_OK(irq_get(PIT_LINE, 0, 0, &irq));
    CHECK_OK(delete_slot(irq));
    CHECK_OK(delete_slot(pit));
}

void test_devices_irq_errors(void)
{
    bst_cptr_t irq, other, ep;
    CHECK_ERR(irq_get(24, 0, 0, &other), BST_RANGE_ERROR);
    CHECK_ERR(irq_get(5, 2, 0, &other), BST_INVALID_ARGUMENT);
    CHECK_ERR(irq_get(5, 0, 2, &other), BST_INVALID_ARGUMENT);
    CHECK_OK(irq_get(5, 1, 1, &irq));
    CHECK_ERR(irq_get(5, 0, 0, &other), BST_REVOKE_FIRST);
    CHECK_OK(obj_alloc(BST_OBJ_ENDPOINT, 0, &ep));
    uint64_t arg = ep;
    CHECK_ERR(bst_invoke(irq, BST_INV_IRQ_HANDLER_SET_NOTIFICATION, &arg, 1, NULL, 0),
              BST_INVALID_CAPABILITY);
    CHECK_ERR(bst_invoke(irq, BST_INV_IRQ_HANDLER_SET_NOTIFICATION, NULL, 0, NULL, 0),
              BST_TRUNCATED_MESSAGE);
    CHECK_ERR(bst_invoke(IRQ_CONTROL, BST_INV_IRQ_CONTROL_GET, NULL, 0, NULL, 0),
              BST_ILLEGAL_OPERATION);
    uint64_t bad_dest[5] = {6, 0, 0, ep, 0};
    CHECK_ERR(bst_invoke(IRQ_CONTROL, BST_INV_IRQ_CONTROL_GET_IOAPIC, bad_dest, 5, NULL, 0),
              BST_INVALID_CAPABILITY);
    CHECK_OK(delete_slot(irq));
}

static uint64_t counter_now(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* DEBUG_IDLE_CYCLES: waiting for the PIT's interrupts halts the CPU (the root is the
 * only thread that can run) and the halted cycles grow, by no more than the time the
 * wait took; spinning without a system call that blocks leaves them exactly where they
 * were, and the busy cycles (d(now) - d(halted)) cover the spin. */
void test_devices_idle_cycles(void)
{
    struct bst_idle_cycles a, b, c, d;
    bst_cptr_t pit, irq, ntfn, badged = slot_alloc();
    uint64_t word;
    CHECK_OK(bst_debug_idle_cycles(&a));
    uint64_t khz = env_bootinfo()->counter_khz;
    CHECK(a.hz / 1000 == khz, "counter at %lu Hz, boot-info says %lu kHz", (unsigned long)a.hz,
          (unsigned long)khz);
    CHECK(a.halted < a.now, "halted %lu cycles of %lu", (unsigned long)a.halted,
          (unsigned long)a.now);

    CHECK_OK(ioport_issue(PIT_FIRST, PIT_LAST, &pit));
    CHECK_OK(obj_alloc(BST_OBJ_NOTIFICATION, 0, &ntfn));
    CHECK_OK(bst_cnode_mint(ROOT_CNODE, badged, BST_ROOT_DEPTH, ROOT_CNODE, ntfn, BST_ROOT_DEPTH,
                            BST_RIGHTS_ALL, PIT_BADGE));
    CHECK_OK(irq_get(PIT_LINE, 0, 0, &irq));
    uint64_t arg = badged;
    CHECK_OK(bst_invoke(irq, BST_INV_IRQ_HANDLER_SET_NOTIFICATION, &arg, 1, NULL, 0));
    CHECK_OK(pit_program(pit, true));
    CHECK_OK(bst_debug_idle_cycles(&a));
    for (int i = 0; i < 3; i++) {
        CHECK_OK(bst_invoke(irq, BST_INV_IRQ_HANDLER_ACK, NULL, 0, NULL, 0));
        CHECK_OK(bst_wait(ntfn, &word));
    }
    CHECK_OK(bst_debug_idle_cycles(&b));
    CHECK_OK(pit_program(pit, false));
    CHECK_OK(delete_slot(irq));
    CHECK_OK(delete_slot(pit));
    CHECK(b.halted > a.halted, "three waits for the PIT halted no cycle");
    CHECK(b.halted - a.halted <= b.now - a.now, "halted %lu cycles in a window of %lu",
          (unsigned long)(b.halted - a.halted), (unsigned long)(b.now - a.now));

    /* A spin of 2 ms on the counter, no system call in it. */
    uint64_t spin = a.hz / 500;
    CHECK_OK(bst_debug_idle_cycles(&c));
    for (uint64_t start = counter_now(); counter_now() - start < spin;) {
    }
    CHECK_OK(bst_debug_idle_cycles(&d));
    CHECK(d.halted == c.halted, "halted %lu cycles while the root spun",
          (unsigned long)(d.halted - c.halted));
    CHECK((d.now - c.now) - (d.halted - c.halted) >= spin, "busy %lu cycles over a spin of %lu",
          (unsigned long)((d.now - c.now) - (d.halted - c.halted)), (unsigned long)spin);
}
