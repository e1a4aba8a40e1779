/*
 * timer: the timer driver PD (docs/drivers.md, "Timer"). It tells the time and wakes
 * clients at deadlines, through the protocol of bastion/timer/protocol.h.
 *
 *   <ioport id="0">  the PIT's ports 0x40-0x43
 *   <irq id="16">    the PIT's channel 0 (ISA IRQ 0: IOAPIC pin 2, edge, active high)
 *   channel i        client i (0 .. TIMER_MAX_CLIENTS-1): its calls and its wake-ups
 *
 * The clock is the CPU's time-stamp counter (read with rdtsc, no system call), whose rate
 * the driver measures against the PIT's 1.193182 MHz once at start. Deadlines use the
 * PIT's channel 0 in one-shot mode (mode 0): it is programmed for the earliest deadline
 * (at most 65535 PIT ticks, about 55 ms, ahead; a later deadline takes several shots), so
 * the timer interrupts only while a timeout is pending. The HPET would do as well once
 * init maps fixed physical regions; the LAPIC timer belongs to the kernel.
 *
 * The line is masked by the kernel from the interrupt until bst_irq_ack(), and an edge
 * on a masked line is lost: the driver acknowledges before it looks at the clock and
 * reprograms, and every masked period ends with notified(), which re-reads the clock,
 * so a lost edge cannot lose a deadline.
 */
#include <bastion/timer/protocol.h>
#include <libbastion/pd.h>

#define PORTS     0  /* <ioport id="0"> */
#define TIMER_IRQ 16 /* <irq id="16"> */

#define PIT_CH0       0x40
#define PIT_COMMAND   0x43
#define PIT_HZ        1193182u
#define PIT_MODE0     0x30 /* channel 0, low then high byte, mode 0 (one shot), binary */
#define PIT_LATCH0    0x00
#define PIT_MAX_TICKS 0xffffu
#define NS_PER_S      1000000000u

/* Measure the TSC over this many PIT ticks (about 40 ms). */
#define CALIBRATION_TICKS 47727u

static uint64_t tsc_hz, tsc_start;
static struct {
    bool armed;
    uint64_t deadline; /* ns */
} timeouts[TIMER_MAX_CLIENTS];

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t)hi << 32 | lo;
}

/* ns since start, without overflow for any TSC rate below 18 GHz. */
static uint64_t now_ns(void)
{
    uint64_t ticks = rdtsc() - tsc_start;
    return ticks / tsc_hz * NS_PER_S + ticks % tsc_hz * NS_PER_S / tsc_hz;
}

static void pit_one_shot(uint32_t ticks)
{
    bst_ioport_out8(PORTS, PIT_COMMAND, PIT_MODE0);
    bst_ioport_out8(PORTS, PIT_CH0, (uint8_t)(ticks & 0xff));
    bst_ioport_out8(PORTS, PIT_CH0, (uint8_t)(ticks >> 8));
}

static uint32_t pit_count(void)
{
    bst_ioport_out8(PORTS, PIT_COMMAND, PIT_LATCH0);
    uint32_t lo = bst_ioport_in8(PORTS, PIT_CH0);
    return (uint32_t)bst_ioport_in8(PORTS, PIT_CH0) << 8 | lo;
}

/* The TSC's rate: count TSC cycles while the PIT counts CALIBRATION_TICKS down. */
static uint64_t calibrate(void)
{
    for (;;) {
        pit_one_shot(PIT_MAX_TICKS);
        uint32_t first = pit_count(), count = first;
        uint64_t start = rdtsc(), end = start;
        while (count <= first && first - count < CALIBRATION_TICKS) {
            count = pit_count();
            end = rdtsc();
        }
        if (count <= first) /* else the count wrapped (we were stalled): measure again */
            return (end - start) * PIT_HZ / (first - count);
    }
}

/* PIT ticks for `ns` (rounded up, so the shot is never early), within the PIT's range. */
static uint32_t ns_to_pit_ticks(uint64_t ns)
{
    if (ns >= NS_PER_S) /* a shot is at most 55 ms: no need to multiply (or overflow) */
        return PIT_MAX_TICKS;
    uint64_t ticks = (ns * PIT_HZ + NS_PER_S - 1) / NS_PER_S;
    if (ticks < 2)
        return 2;
    return ticks > PIT_MAX_TICKS ? PIT_MAX_TICKS : (uint32_t)ticks;
}

/* Wake every client whose deadline has come; aim the PIT at the earliest one left. */
static void timer_service(void)
{
    uint64_t now = now_ns(), next = UINT64_MAX;
    for (unsigned i = 0; i < TIMER_MAX_CLIENTS; i++) {
        if (!timeouts[i].armed)
            continue;
        if (timeouts[i].deadline <= now) {
            timeouts[i].armed = false;
            bst_notify(i);
        } else if (timeouts[i].deadline < next) {
            next = timeouts[i].deadline;
        }
    }
    if (next != UINT64_MAX)
        pit_one_shot(ns_to_pit_ticks(next - now));
}

void init(void)
{
    tsc_hz = calibrate();
    tsc_start = rdtsc();
    bst_printf("timer: TSC at %lu kHz (measured against the PIT); deadlines by PIT one-shot, "
               "IRQ on channel %u\n",
               (unsigned long)(tsc_hz / 1000), TIMER_IRQ);
}

void notified(bst_channel_t ch)
{
    if (ch != TIMER_IRQ)
        return;
    bst_irq_ack(TIMER_IRQ);
    timer_service();
}

static bst_msginfo_t reply(unsigned count)
{
    return bst_msginfo_new(0, count);
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    if (ch >= TIMER_MAX_CLIENTS)
        return bst_msginfo_new(TIMER_ERROR, 0);
    switch (bst_msginfo_label(msginfo)) {
    case TIMER_NOW:
        bst_mr_set(0, now_ns());
        return reply(1);
    case TIMER_SET_TIMEOUT: {
        uint64_t now = now_ns(), delay = bst_mr_get(0);
        timeouts[ch].deadline = delay > UINT64_MAX - now ? UINT64_MAX : now + delay;
        timeouts[ch].armed = true;
        timer_service();
        bst_mr_set(0, timeouts[ch].deadline);
        return reply(1);
    }
    case TIMER_CANCEL:
        timeouts[ch].armed = false;
        return reply(0);
    default:
        return bst_msginfo_new(TIMER_ERROR, 0);
    }
}
