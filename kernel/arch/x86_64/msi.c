/*
 * MSI messages on x86_64: a device raises MSI line `line` by writing the data word
 * (vector IRQ_VECTOR_BASE + line, fixed delivery, edge) to the local APIC's message
 * address for the boot CPU (APIC id 0, physical destination mode), the CPU every
 * interrupt is delivered to. The interrupt path (trap.c) treats the vector like an
 * IOAPIC line's; masking it is the generic layer's business (irq.c), since the
 * interrupt controller has no per-vector mask for messages.
 */
#include <arch/ioapic.h>
#include <irq/irq.h>

#define MSI_ADDRESS_BASE 0xfee00000ull /* + destination APIC id << 12 */
#define MSI_DEST_APIC_ID 0ull

_Static_assert(IRQ_VECTOR_BASE + IRQ_LINES <= 0xf0, "MSI vectors stay below the kernel's own");

struct msi_message arch_irq_msi_message(unsigned line)
{
    return (struct msi_message){
        .address = MSI_ADDRESS_BASE | (MSI_DEST_APIC_ID << 12),
        .data = IRQ_VECTOR_BASE + line, /* bits 8-10 0: fixed; bit 15 0: edge */
    };
}
