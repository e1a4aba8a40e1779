/*
 * The host "architecture"'s interrupt controller (the arch hooks of irq/irq.h): which
 * pins are routed and masked, as data. MSI messages are the x86_64 shape (the local
 * APIC's address, the line's vector as data), so results look as on a PC.
 */
#include <irq/irq.h>

#include "host_arch.h"

#define HOST_IRQ_VECTOR_BASE 0x30 /* as kernel/arch/x86_64 */
#define HOST_IOAPIC_PINS     24   /* one I/O APIC with GSI base 0, as QEMU's */

static bool masked[IRQ_LINES];

void host_irq_reset(void)
{
    for (unsigned i = 0; i < IRQ_LINES; i++) {
        masked[i] = true; /* as the I/O APIC comes out of reset */
    }
}

bool host_irq_masked(unsigned line)
{
    return line < IRQ_LINES && masked[line];
}

bst_error_t arch_irq_route(unsigned line, unsigned trigger, unsigned polarity)
{
    (void)trigger;
    (void)polarity;
    if (irq_line_is_msi(line) || irq_line_gsi(line) >= HOST_IOAPIC_PINS) {
        return BST_RANGE_ERROR; /* no controller has that GSI */
    }
    masked[line] = true; /* routed masked: the handler's first ACK unmasks it */
    return BST_OK;
}

void arch_irq_mask(unsigned line)
{
    masked[line] = true;
}

void arch_irq_unmask(unsigned line)
{
    masked[line] = false;
}

struct msi_message arch_irq_msi_message(unsigned line, uint64_t source_id)
{
    (void)source_id; /* no interrupt remapping: any device may send it */
    return (struct msi_message){UINT64_C(0xfee00000), HOST_IRQ_VECTOR_BASE + line};
}
