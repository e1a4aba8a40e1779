/*
 * timer: the timer driver PD (docs/drivers.md, "Timer"). It tells the time and wakes
 * clients at deadlines, through the protocol of bastion/timer/protocol.h.
 *
 *   channel i        client i (0 .. TIMER_MAX_CLIENTS-1): its calls and its wake-ups
 *   <irq id="16">    the backend's deadline interrupt (IOAPIC pin 2, edge, active high)
 *
 * The device is one of two backends (backend.h), chosen by the system description: the
 * HPET when the system maps its registers (setvar_vaddr="hpet_regs", hpet.c), else the
 * PIT with the TSC (<ioport id="0"> at 0x40, pit.c). An HPET that is mapped but not
 * usable (none at that address, or no route to pin 2) is reported, and the PIT is used.
 *
 * The line is masked by the kernel from the interrupt until bst_irq_ack(), and an edge
 * on a masked line is lost: the driver acknowledges before it looks at the clock and
 * re-arms, and every masked period ends with notified(), which re-reads the clock, so a
 * lost edge cannot lose a deadline. A deadline that passes while it is being armed is
 * caught by the backend (arm() returns false) and served at once.
 */
#include <bastion/driver/recovery_stamp.h>
#include <bastion/timer/protocol.h>
#include <libbastion/fault_inject.h>
#include <libbastion/pd.h>

#include "backend.h"

uintptr_t recovery_stamp; /* setvar_vaddr, benchmarks only: struct recovery_stamp, or 0 */

static const struct timer_backend *backend;
static struct {
    bool armed;
    uint64_t deadline; /* ns */
} timeouts[TIMER_MAX_CLIENTS];

/* Notify every client whose deadline has come; the earliest deadline left, or
 * UINT64_MAX. */
static uint64_t notify_due(uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < TIMER_MAX_CLIENTS; i++) {
        if (!timeouts[i].armed)
            continue;
        if (timeouts[i].deadline <= now) {
            bst_fault_point("timer-due");
            timeouts[i].armed = false;
            bst_notify(i);
        } else if (timeouts[i].deadline < next) {
            next = timeouts[i].deadline;
        }
    }
    return next;
}

/* Wake every client whose deadline has come; arm the device for the earliest one left.
 * Ends: each pass that cannot arm finds its deadline due on the next pass, and wakes it. */
static void timer_service(void)
{
    for (;;) {
        uint64_t now = backend->now_ns(), next = notify_due(now);
        if (next == UINT64_MAX) {
            backend->disarm();
            return;
        }
        if (backend->arm(next, now))
            return;
    }
}

/* A crash's recovery ends when the restarted driver is back in service (benchmarks). */
static void in_service(void)
{
    if (recovery_stamp != 0)
        recovery_completed((volatile struct recovery_stamp *)recovery_stamp);
}

void init(void)
{
    backend = &timer_pit_backend;
    if (hpet_regs != 0 && timer_hpet_backend.start())
        backend = &timer_hpet_backend;
    else if (hpet_regs != 0)
        bst_printf("timer: falling back to the PIT\n");
    if (backend == &timer_pit_backend)
        backend->start();
    in_service();
}

void notified(bst_channel_t ch)
{
    if (ch != TIMER_IRQ)
        return;
    bst_irq_ack(TIMER_IRQ);
    bst_fault_point("timer-irq");
    timer_service();
}

static bst_msginfo_t reply(unsigned count)
{
    return bst_msginfo_new(0, count);
}

/* Client ch's one timeout is now `deadline`. */
static bst_msginfo_t set_deadline(bst_channel_t ch, uint64_t deadline)
{
    timeouts[ch].deadline = deadline;
    timeouts[ch].armed = true;
    timer_service();
    bst_fault_point("timer-armed");
    bst_mr_set(0, deadline);
    return reply(1);
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    if (ch >= TIMER_MAX_CLIENTS)
        return bst_msginfo_new(TIMER_ERROR, 0);
    switch (bst_msginfo_label(msginfo)) {
    case TIMER_NOW:
        bst_mr_set(0, backend->now_ns());
        return reply(1);
    case TIMER_SET_TIMEOUT: {
        uint64_t now = backend->now_ns(), delay = bst_mr_get(0);
        bst_fault_point("timer-set");
        return set_deadline(ch, delay > UINT64_MAX - now ? UINT64_MAX : now + delay);
    }
    case TIMER_SET_DEADLINE:
        bst_fault_point("timer-set-deadline");
        return set_deadline(ch, bst_mr_get(0));
    case TIMER_CANCEL:
        timeouts[ch].armed = false;
        return reply(0);
    default:
        return bst_msginfo_new(TIMER_ERROR, 0);
    }
}
