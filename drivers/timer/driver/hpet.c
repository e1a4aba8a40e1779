/*
 * The timer driver's HPET backend (backend.h; docs/drivers.md, "Timer"), used when the
 * system maps the HPET's registers into the driver:
 *
 *   <memory_region name="hpet" size="0x1000" phys_addr="0xfed00000"/>
 *   <map mr="hpet" vaddr="..." cached="false" setvar_vaddr="hpet_regs"/>
 *   <irq id="16" pin="2" trigger="edge" polarity="high"/>
 *
 * The clock is the HPET's main counter, whose period (in fs) the HPET states in its
 * capabilities register: no calibration, and the clock and the deadlines are one counter,
 * so a deadline interrupt always finds its deadline reached. Deadlines use timer 0 in
 * one-shot, edge-triggered, 32-bit mode: a single 32-bit write sets the comparator (no
 * half-written 64-bit value can fire early), and a shot reaches at most
 * HPET_MAX_SHOT_TICKS ahead (a later deadline takes several shots). After writing the
 * comparator the driver reads the counter again: a comparator the counter passed during
 * the write would fire only after a wrap, so arm() says the deadline may have passed.
 *
 * Timer 0 reaches IOAPIC pin 2 by legacy replacement routing when the HPET has it (the
 * HPET then takes pin 2 and pin 8 from the PIT and the RTC, which stop interrupting),
 * else by its own routing if its route capability allows pin 2; an HPET with neither is
 * refused. A 32-bit main counter is extended in software: the driver then keeps a shot
 * armed at all times, so it reads the counter at least every HPET_MAX_SHOT_TICKS (a
 * quarter of a wrap).
 *
 * All register accesses are 32 bits wide, which every HPET accepts.
 */
#include <libbastion/pd.h>

#include "backend.h"
#include "hpet_time.h"

uintptr_t hpet_regs; /* setvar_vaddr: the registers, mapped uncached */

/* Registers (IA-PC HPET specification 1.0a, section 2.3), byte offsets. */
#define HPET_CAPS         0x000 /* low: capabilities and id; high (+4): period in fs */
#define HPET_CONFIG       0x010
#define HPET_COUNTER      0x0f0 /* low; high at +4 */
#define HPET_TIMER_CONFIG 0x100 /* timer 0; low: configuration, high (+4): route capability */
#define HPET_TIMER_CMP    0x108 /* timer 0's comparator, low */

#define CAPS_REV_MASK   0xffu
#define CAPS_TIMERS(c)  ((((c) >> 8) & 0x1fu) + 1)
#define CAPS_COUNTER_64 (1u << 13)
#define CAPS_LEGACY     (1u << 15)

#define CONFIG_ENABLE (1u << 0)
#define CONFIG_LEGACY (1u << 1)

#define TIMER_LEVEL       (1u << 1)
#define TIMER_INT_ENABLE  (1u << 2)
#define TIMER_PERIODIC    (1u << 3)
#define TIMER_32BIT_MODE  (1u << 8)
#define TIMER_ROUTE_SHIFT 9
#define TIMER_ROUTE_MASK  (0x1fu << TIMER_ROUTE_SHIFT)
#define TIMER_FSB_ENABLE  (1u << 14)

#define HPET_TIMER_STRIDE   0x20u
#define HPET_PIN            2u                  /* the IOAPIC pin of the driver's <irq> */
#define HPET_MAX_SHOT_TICKS ((uint64_t)1 << 30) /* a quarter of a 32-bit wrap */

static struct {
    uint32_t period_fs;
    bool counter_64;
    bool int_enabled;    /* timer 0's interrupt is on */
    uint32_t timer0;     /* timer 0's configuration, interrupt off */
    uint64_t start;      /* the count at start() */
    uint64_t last_count; /* the last count read (a 32-bit counter's extension) */
} hpet;

static uint32_t hpet_read(uint32_t offset)
{
    return *(volatile uint32_t *)(hpet_regs + offset);
}

static void hpet_write(uint32_t offset, uint32_t value)
{
    *(volatile uint32_t *)(hpet_regs + offset) = value;
}

/* The main counter, 64 bits: read high, low, high again until the high half holds still;
 * a 32-bit counter is extended from the last reading. */
static uint64_t hpet_count(void)
{
    if (!hpet.counter_64) {
        hpet.last_count = hpet_extend32(hpet.last_count, hpet_read(HPET_COUNTER));
        return hpet.last_count;
    }
    for (;;) {
        uint32_t high = hpet_read(HPET_COUNTER + 4), low = hpet_read(HPET_COUNTER);
        if (hpet_read(HPET_COUNTER + 4) == high)
            return (uint64_t)high << 32 | low;
    }
}

static uint64_t hpet_now_ns(void)
{
    return hpet_ticks_to_ns(hpet_count() - hpet.start, hpet.period_fs);
}

/* Timer 0 fires when the counter reaches `target` (at most HPET_MAX_SHOT_TICKS ahead);
 * false when the counter may have passed it before the comparator held it. */
static bool hpet_arm_ticks(uint64_t target)
{
    hpet_write(HPET_TIMER_CMP, (uint32_t)target);
    if (!hpet.int_enabled) {
        hpet_write(HPET_TIMER_CONFIG, hpet.timer0 | TIMER_INT_ENABLE);
        hpet.int_enabled = true;
    }
    return !hpet_comparator_reached((uint32_t)hpet_count(), (uint32_t)target);
}

static bool hpet_arm(uint64_t deadline_ns, uint64_t now_ns)
{
    (void)now_ns; /* the counter is read afresh: it is the clock */
    uint64_t target = hpet.start + hpet_ns_to_ticks_ceil(deadline_ns, hpet.period_fs);
    uint64_t limit = hpet_count() + HPET_MAX_SHOT_TICKS;
    return hpet_arm_ticks(target < limit ? target : limit);
}

static void hpet_disarm(void)
{
    if (!hpet.counter_64) { /* keep reading the counter at least every quarter wrap */
        while (!hpet_arm_ticks(hpet_count() + HPET_MAX_SHOT_TICKS)) {
        }
        return;
    }
    if (hpet.int_enabled) {
        hpet_write(HPET_TIMER_CONFIG, hpet.timer0);
        hpet.int_enabled = false;
    }
}

/* Whether the capabilities describe an HPET (and not absent or unrelated memory). */
static bool hpet_caps_valid(uint32_t caps, uint32_t period_fs)
{
    return caps != 0 && caps != UINT32_MAX && (caps & CAPS_REV_MASK) != 0 && period_fs != 0 &&
           period_fs <= HPET_MAX_PERIOD_FS;
}

/* Halt the counter, silence every timer, set timer 0 up (interrupt off), then run. */
static void hpet_setup(unsigned timers, bool legacy)
{
    uint32_t config = hpet_read(HPET_CONFIG) & ~(CONFIG_ENABLE | CONFIG_LEGACY);
    hpet_write(HPET_CONFIG, config);
    for (unsigned i = 0; i < timers; i++) {
        uint32_t at = HPET_TIMER_CONFIG + i * HPET_TIMER_STRIDE;
        hpet_write(at, hpet_read(at) & ~(TIMER_INT_ENABLE | TIMER_FSB_ENABLE | TIMER_PERIODIC));
    }
    /* Edge, one-shot, 32-bit comparator, to the IOAPIC: the route field when not legacy. */
    uint32_t cleared =
        TIMER_LEVEL | TIMER_INT_ENABLE | TIMER_PERIODIC | TIMER_ROUTE_MASK | TIMER_FSB_ENABLE;
    uint32_t route = legacy ? 0 : HPET_PIN << TIMER_ROUTE_SHIFT;
    hpet.timer0 = (hpet_read(HPET_TIMER_CONFIG) & ~cleared) | TIMER_32BIT_MODE | route;
    hpet_write(HPET_TIMER_CONFIG, hpet.timer0);
    hpet_write(HPET_CONFIG, config | CONFIG_ENABLE | (legacy ? CONFIG_LEGACY : 0));
}

static bool hpet_start(void)
{
    uint32_t caps = hpet_read(HPET_CAPS), period_fs = hpet_read(HPET_CAPS + 4);
    if (!hpet_caps_valid(caps, period_fs)) {
        bst_printf("timer: no HPET at the mapped registers (capabilities 0x%x, period %u fs)\n",
                   caps, period_fs);
        return false;
    }
    uint32_t route_cap = hpet_read(HPET_TIMER_CONFIG + 4);
    bool legacy = (caps & CAPS_LEGACY) != 0;
    if (!legacy && !(route_cap & (1u << HPET_PIN))) {
        bst_printf("timer: the HPET's timer 0 cannot reach IOAPIC pin %u (route capability "
                   "0x%x, no legacy replacement routing)\n",
                   HPET_PIN, route_cap);
        return false;
    }
    unsigned timers = CAPS_TIMERS(caps);
    hpet.period_fs = period_fs;
    hpet.counter_64 = (caps & CAPS_COUNTER_64) != 0;
    hpet_setup(timers, legacy);
    hpet.last_count = hpet_count();
    /* A 64-bit counter's own zero is the epoch, so that the clock, and the deadlines
     * clients hold, carry on across a restart of the driver (docs/supervision.md); a
     * 32-bit one's extension cannot survive a restart, so it starts where it is. */
    hpet.start = hpet.counter_64 ? 0 : hpet.last_count;
    if (!hpet.counter_64)
        hpet_disarm();

    if (bst_pd_generation() == 0) { /* once, not at every restart */
        uint64_t khz = (uint64_t)1000000000000u / period_fs;
        bst_printf(
            "timer: HPET at %lu kHz (period %u fs), %u-bit counter, %u timers; deadlines by "
            "timer 0 one-shot to IOAPIC pin %u by %s (route capability 0x%x), IRQ on channel "
            "%u\n",
            (unsigned long)khz, period_fs, hpet.counter_64 ? 64 : 32, timers, HPET_PIN,
            legacy ? "legacy replacement" : "its own routing", route_cap, TIMER_IRQ);
    }
    return true;
}

const struct timer_backend timer_hpet_backend = {
    .start = hpet_start,
    .now_ns = hpet_now_ns,
    .arm = hpet_arm,
    .disarm = hpet_disarm,
};
