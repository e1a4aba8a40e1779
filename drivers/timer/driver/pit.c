/*
 * The timer driver's PIT backend (backend.h; docs/drivers.md, "Timer"): the fallback for
 * a system that maps no HPET. It needs only I/O ports:
 *
 *   <ioport id="0">  the PIT's ports 0x40-0x43
 *   <irq id="16">    the PIT's channel 0 (ISA IRQ 0: IOAPIC pin 2, edge, active high)
 *
 * The clock is the CPU's time-stamp counter (read with rdtsc, no system call), whose rate
 * is measured against the PIT's 1.193182 MHz once at start. Deadlines use the PIT's
 * channel 0 in one-shot mode (mode 0): it is programmed for the earliest deadline (at
 * most 65535 PIT ticks, about 55 ms, ahead; a later deadline takes several shots), so the
 * timer interrupts only while a timeout is pending.
 */
#include <libbastion/pd.h>

#include "backend.h"

#define PORTS 0 /* <ioport id="0"> */

#define PIT_CH0       0x40
#define PIT_COMMAND   0x43
#define PIT_HZ        1193182u
#define PIT_MODE0     0x30 /* channel 0, low then high byte, mode 0 (one shot), binary */
#define PIT_LATCH0    0x00
#define PIT_MAX_TICKS 0xffffu

/* Measure the TSC over this many PIT ticks (about 40 ms). */
#define CALIBRATION_TICKS 47727u

static uint64_t tsc_hz, tsc_start;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t)hi << 32 | lo;
}

/* ns since start, without overflow for any TSC rate below 18 GHz. */
static uint64_t pit_now_ns(void)
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

/* A PIT count and the TSC at the moment it was read: the read is bracketed by two TSC
 * reads and the best of STAMP_TRIES kept, so a stall of this thread during one try (the
 * host descheduling a virtual CPU) shows as a wide bracket and is dropped, instead of
 * skewing the rate. */
#define STAMP_TRIES 8

struct stamp {
    uint64_t tsc, spread;
    uint32_t count;
};

static struct stamp pit_stamp(void)
{
    struct stamp best = {0, UINT64_MAX, 0};
    uint32_t previous = PIT_MAX_TICKS;
    for (unsigned i = 0; i < STAMP_TRIES; i++) {
        uint64_t before = rdtsc();
        uint32_t count = pit_count();
        uint64_t after = rdtsc();
        if (count > previous)
            break; /* the countdown ran out and wrapped: the tries before it stand */
        previous = count;
        if (after - before < best.spread)
            best = (struct stamp){before + (after - before) / 2, after - before, count};
    }
    return best;
}

/* The TSC's rate: TSC cycles between two stamps CALIBRATION_TICKS PIT ticks or more
 * apart, in one countdown from PIT_MAX_TICKS. A stall while waiting changes nothing; a
 * countdown that ran out (the thread stalled past it) is measured again. Only a stall
 * of more than a whole countdown (55 ms) right at the end could pass unseen. */
static uint64_t calibrate(void)
{
    for (;;) {
        pit_one_shot(PIT_MAX_TICKS);
        struct stamp first = pit_stamp();
        uint32_t count = first.count;
        while (count <= first.count && first.count - count < CALIBRATION_TICKS)
            count = pit_count();
        struct stamp last = pit_stamp();
        if (count <= first.count && last.count <= count &&
            first.count - last.count >= CALIBRATION_TICKS / 2)
            return (last.tsc - first.tsc) * PIT_HZ / (first.count - last.count);
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

static bool pit_start(void)
{
    tsc_hz = calibrate();
    tsc_start = 0; /* the TSC's zero: the clock carries on across a restart of the driver */
    if (bst_pd_generation() == 0)
        bst_printf("timer: TSC at %lu kHz (measured against the PIT); deadlines by PIT one-shot, "
                   "IRQ on channel %u\n",
                   (unsigned long)(tsc_hz / 1000), TIMER_IRQ);
    return true;
}

/* A relative shot: it cannot be missed while it is being programmed. */
static bool pit_arm(uint64_t deadline_ns, uint64_t now_ns)
{
    pit_one_shot(ns_to_pit_ticks(deadline_ns - now_ns));
    return true;
}

/* Nothing to do: a shot already programmed fires once more, and the driver finds no
 * deadline due. */
static void pit_disarm(void)
{
}

const struct timer_backend timer_pit_backend = {
    .start = pit_start,
    .now_ns = pit_now_ns,
    .arm = pit_arm,
    .disarm = pit_disarm,
};
