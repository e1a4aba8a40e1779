/*
 * A timer driver backend: the device that tells the time and raises the deadline
 * interrupt (docs/drivers.md, "Timer"). The driver (timer.c) keeps the clients'
 * timeouts and uses exactly one backend, chosen once at start:
 *
 *   timer_hpet_backend  the HPET (hpet.c): its main counter is the clock, a comparator
 *                       the deadline; used when the system maps its registers
 *   timer_pit_backend   the TSC for the clock, PIT channel 0 one-shot for deadlines
 *                       (pit.c): the fallback, needing only I/O ports
 *
 * Both raise their interrupt on the driver's <irq id="TIMER_IRQ">, IOAPIC pin 2.
 */
#ifndef TIMER_BACKEND_H
#define TIMER_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_IRQ 16 /* <irq id="16">: the backend's interrupt */
#define NS_PER_S  1000000000u

struct timer_backend {
    /* Set the device up and print what was found; false (after saying why) when the
     * device is not there or not usable. Called once, before any other operation. */
    bool (*start)(void);
    /* ns since start(); never decreases. */
    uint64_t (*now_ns)(void);
    /* Interrupt once the clock reaches `deadline_ns` (later than `now_ns`, a recent
     * reading), or earlier: the driver re-reads the clock at every interrupt. Returns
     * false when the deadline may have passed while arming, so the interrupt may not come:
     * the driver then reads the clock again instead of waiting. */
    bool (*arm)(uint64_t deadline_ns, uint64_t now_ns);
    /* No deadline pending: interrupt no more (or as seldom as the device allows). */
    void (*disarm)(void);
};

extern const struct timer_backend timer_hpet_backend, timer_pit_backend;

/* Where the HPET's registers are mapped (hpet.c; setvar_vaddr): 0 when the system maps
 * none, and then the PIT backend is used. */
extern uintptr_t hpet_regs;

#endif /* TIMER_BACKEND_H */
