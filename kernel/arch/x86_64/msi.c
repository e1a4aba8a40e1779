/*
 * MSI messages on x86_64: a device raises MSI line `line` by writing the data word
 * (vector IRQ_VECTOR_BASE + line, fixed delivery, edge) to the local APIC's message
 * address for the boot CPU (APIC id 0, physical destination mode). With interrupt
 * remapping on, the line's remapping entry holds the destination instead, and the SMP
 * kernel moves it to the CPU of the thread the line wakes (irq.c, arch_irq_set_cpu);
 * without remapping the address a device was given stays the boot CPU's (the kernel
 * cannot rewrite the device's registers). The interrupt path (trap.c) treats the vector like an
 * IOAPIC line's; masking it is the generic layer's business (irq.c), since the
 * interrupt controller has no per-vector mask for messages.
 */
#include <arch/ioapic.h>
#include <arch/iommu_unit.h>
#include <irq/irq.h>

#define MSI_ADDRESS_BASE 0xfee00000ull /* + destination APIC id << 12 */
#define MSI_DEST_APIC_ID 0ull

_Static_assert(IRQ_VECTOR_BASE + IRQ_LINES <= 0xf0, "MSI vectors stay below the kernel's own");

/* With interrupt remapping on (iommu_ir.c) the message names the line's remapping entry
 * (remappable format, no subhandle: the data is not used by the unit), and the entry
 * holds the vector and, when the caller named one, the only requester it accepts; a
 * message in the old format would be blocked. */
#define MSI_REMAPPABLE    BIT(4)
#define MSI_INDEX_LOW(i)  (((uint64_t)(i)&0x7fff) << 5)
#define MSI_INDEX_HIGH(i) ((((uint64_t)(i) >> 15) & 1) << 2)

_Static_assert(MSI_ANY_SOURCE == IOMMU_IR_ANY_SOURCE, "one 'any requester' value");

struct msi_message arch_irq_msi_message(unsigned line, uint64_t source_id)
{
    if (iommu_ir_enabled()) {
        iommu_ir_set(line, IRQ_VECTOR_BASE + line, false, source_id);
        return (struct msi_message){
            .address =
                MSI_ADDRESS_BASE | MSI_REMAPPABLE | MSI_INDEX_LOW(line) | MSI_INDEX_HIGH(line),
            .data = IRQ_VECTOR_BASE + line, /* ignored by the unit; kept for reports */
        };
    }
    return (struct msi_message){
        .address = MSI_ADDRESS_BASE | (MSI_DEST_APIC_ID << 12),
        .data = IRQ_VECTOR_BASE + line, /* bits 8-10 0: fixed; bit 15 0: edge */
    };
}
