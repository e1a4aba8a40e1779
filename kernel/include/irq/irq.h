/*
 * Interrupts as capabilities: IRQ control issues an IRQ handler cap for one interrupt
 * line; the handler cap binds the line to a notification (the badge of the
 * notification cap given is OR-ed into its word on every interrupt) and acknowledges
 * it. A line stays masked from the moment it fires until its handler acknowledges it,
 * so a driver that never acknowledges only silences its own device. See docs/drivers.md.
 *
 * Lines are numbered by the architecture (x86_64: IOAPIC pins, IRQ_LINES of them).
 */
#ifndef BASTION_IRQ_IRQ_H
#define BASTION_IRQ_IRQ_H

#include <object/cap.h>

#define IRQ_LINES 24

struct invocation;
bst_error_t irq_control_invoke(struct invocation *inv);
bst_error_t irq_handler_invoke(struct invocation *inv);

/* The architecture's interrupt entry for line `irq` (after it masked the line and
 * acknowledged the interrupt controller). */
void irq_raised(unsigned irq);

/* A notification is being deleted: stop delivering interrupts to it. */
struct notification;
void irq_forget_notification(const struct notification *n);

/* Interrupts delivered so far (for reports and tests). */
uint64_t irq_count(unsigned irq);

/* Architecture hooks. */
/* Route `line` (trigger: 0 edge, 1 level; polarity: 0 active high, 1 active low) to the
 * kernel, masked. Errors: RANGE_ERROR (no such line). */
bst_error_t arch_irq_route(unsigned line, unsigned trigger, unsigned polarity);
void arch_irq_mask(unsigned line);
void arch_irq_unmask(unsigned line);

#endif
