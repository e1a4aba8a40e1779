/*
 * Deferred interrupts (docs/kernel.md, "Time protection"): under a protected domain
 * schedule, an interrupt whose notification's waiter (the first thread queued on it, else
 * the TCB bound to it) belongs to another domain than the current one is not delivered
 * now: its line stays masked (a pin) or latched (an MSI), as if unacknowledged, and is
 * delivered at the switch into that domain, inside the pad of the slot before it. So a
 * domain's device can take from another domain's slot at most the one trap that masks
 * its line, once per line until its own domain acknowledges it in its own slot.
 */
#ifndef BASTION_THREAD_DOMAIN_IRQ_H
#define BASTION_THREAD_DOMAIN_IRQ_H

#include <ktypes.h>
#include <thread/domain.h>

struct notification;

/* Line `irq` fired for `n`: true when it must wait for its domain's slot (it is then
 * remembered; the caller keeps the line unacknowledged). The interrupt path calls it only
 * while domain_state.protect is set, out of line (irq.c): without time protection an
 * interrupt pays one load and a branch. */
bool domain_irq_defer(unsigned irq, const struct notification *n);

/* Deliver what waited for `domain` (domain.c, at the switch into it). */
void domain_irq_release(uint8_t domain);

/* How many deliveries waited for their domain since boot (tests). */
uint64_t domain_irq_deferred_count(void);

/* The domain whose thread a signal of `n` would wake: its first waiter's, else its bound
 * TCB's; -1 when nobody's. */
int domain_irq_owner(const struct notification *n);

/* irq/irq.c: deliver line `irq` now, if it still has a handler (the deferred delivery). */
void irq_deliver_deferred(unsigned irq);

/* irq/irq.c: at the switch into `domain` (-1: protection ends), mask the pins of other
 * domains' devices and unmask this domain's (docs/kernel.md, "Time protection"). */
void irq_domain_enter(int domain);

#endif
