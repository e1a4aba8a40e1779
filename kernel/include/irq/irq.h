/*
 * Interrupts as capabilities: IRQ control issues an IRQ handler cap for one interrupt
 * line; the handler cap binds the line to a notification (the badge of the
 * notification cap given is OR-ed into its word on every interrupt) and acknowledges
 * it. A line stays masked from the moment it fires until its handler acknowledges it,
 * so a driver that never acknowledges only silences its own device. See docs/drivers.md.
 *
 * Lines 0 .. IRQ_PIN_LINES-1 are interrupt-controller inputs (x86_64: IOAPIC pins),
 * masked at the controller. Lines IRQ_MSI_FIRST .. IRQ_LINES-1 are message-signalled
 * interrupts (MSIs): the kernel hands out the first free one and tells the caller the
 * message (address, data) the device must write. The kernel cannot mask an MSI at the
 * device (it has no access to the device's configuration space), so an MSI line is
 * "masked" in the kernel: one that arrives before the acknowledgement is latched, not
 * delivered, and the acknowledgement delivers it (at most one is remembered).
 */
#ifndef BASTION_IRQ_IRQ_H
#define BASTION_IRQ_IRQ_H

#include <object/cap.h>

#define IRQ_PIN_LINES 24
#define IRQ_MSI_LINES 32
#define IRQ_MSI_FIRST IRQ_PIN_LINES
#define IRQ_LINES     (IRQ_PIN_LINES + IRQ_MSI_LINES)

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

/* What a device writes to raise MSI line `line` (IRQ_MSI_FIRST <= line < IRQ_LINES):
 * the address and data to program into its MSI capability. Where the architecture can
 * check the sender (x86_64: VT-d interrupt remapping), only PCI requester `source_id`
 * (bus << 8 | dev << 3 | fn) may raise it; MSI_ANY_SOURCE: any device. */
struct msi_message {
    uint64_t address;
    uint64_t data;
};
#define MSI_ANY_SOURCE UINT64_MAX
struct msi_message arch_irq_msi_message(unsigned line, uint64_t source_id);

#endif
