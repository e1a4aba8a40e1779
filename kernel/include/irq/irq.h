/*
 * Interrupts as capabilities: IRQ control issues an IRQ handler cap for one interrupt
 * line; the handler cap binds the line to a notification (the badge of the
 * notification cap given is OR-ed into its word on every interrupt) and acknowledges
 * it. A line stays masked from the moment it fires until its handler acknowledges it,
 * so a driver that never acknowledges only silences its own device. See docs/drivers.md.
 *
 * Interrupt-controller inputs are named by their global system interrupt number (GSI,
 * x86_64: an I/O APIC's GSI base plus its pin, from ACPI's MADT), 0 .. IRQ_GSIS-1, and
 * masked at the controller. GSIs 0 .. IRQ_LOW_GSIS-1 are lines 0 .. IRQ_LOW_GSIS-1;
 * lines IRQ_MSI_FIRST .. IRQ_MSI_END-1 come next and are message-signalled interrupts
 * (MSIs); the GSIs from IRQ_LOW_GSIS are the lines after them (irq_gsi_line), so that
 * the first I/O APIC's lines and the MSI lines keep their numbers (and x86_64 vectors)
 * however many GSIs a machine has. For an MSI the kernel hands out the first free
 * line and tells the caller the
 * message (address, data) the device must write. The kernel cannot mask an MSI at the
 * device (it has no access to the device's configuration space), so an MSI line is
 * "masked" in the kernel: one that arrives before the acknowledgement is latched, not
 * delivered, and the acknowledgement delivers it (at most one is remembered).
 */
#ifndef BASTION_IRQ_IRQ_H
#define BASTION_IRQ_IRQ_H

#include <object/cap.h>

#define IRQ_LOW_GSIS  24  /* a PC's first I/O APIC */
#define IRQ_GSIS      120 /* one I/O APIC of a recent PC chipset has 120 inputs */
#define IRQ_MSI_LINES 32
#define IRQ_MSI_FIRST IRQ_LOW_GSIS
#define IRQ_MSI_END   (IRQ_MSI_FIRST + IRQ_MSI_LINES)
#define IRQ_LINES     (IRQ_GSIS + IRQ_MSI_LINES)

/* The line of GSI gsi (< IRQ_GSIS), and the GSI of a line that is not an MSI's. */
static inline unsigned irq_gsi_line(unsigned gsi)
{
    return gsi < IRQ_LOW_GSIS ? gsi : gsi + IRQ_MSI_LINES;
}

static inline unsigned irq_line_gsi(unsigned line)
{
    return line < IRQ_LOW_GSIS ? line : line - IRQ_MSI_LINES;
}

static inline bool irq_line_is_msi(unsigned line)
{
    return line >= IRQ_MSI_FIRST && line < IRQ_MSI_END;
}

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
/* Route `line`, a GSI's (trigger: 0 edge, 1 level; polarity: 0 active high, 1 active
 * low) to the kernel, masked. Errors: RANGE_ERROR (no interrupt controller has that
 * GSI). */
bst_error_t arch_irq_route(unsigned line, unsigned trigger, unsigned polarity);
void arch_irq_mask(unsigned line);
void arch_irq_unmask(unsigned line);
/* Deliver `line` to CPU `cpu` from now on (the SMP kernel: irq.c calls it when the thread
 * the line's notification would wake is on another CPU than the line's). An IOAPIC pin's
 * redirection entry, or with interrupt remapping on the line's remapping entry (a pin's
 * or an MSI's), names that CPU's APIC id. Without remapping an MSI keeps the address it
 * was issued with (the boot CPU): the kernel cannot rewrite a device's registers. */
void arch_irq_set_cpu(unsigned line, unsigned cpu);

/* What a device writes to raise MSI line `line` (IRQ_MSI_FIRST <= line < IRQ_MSI_END):
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
