/*
 * The IOAPIC: routes interrupt lines (pins) to vectors IRQ_VECTOR_BASE + pin, each line
 * masked until its handler is bound and acknowledged (irq/irq.h). The vectors after the
 * pins' (IRQ_VECTOR_BASE + IRQ_MSI_FIRST ..) are the MSI lines' (msi.c).
 */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <ktypes.h>

#define IOAPIC_PHYS     0xfec00000 /* the architectural default (MADT parsing: later) */
#define IRQ_VECTOR_BASE 0x30

void ioapic_init(void);
unsigned ioapic_lines(void);

/* Interrupt remapping coming on (iommu.c): first write every pin's remapping entry from
 * its redirection entry, then, once remapping is on, switch the redirection entries to
 * the remappable format (the IOAPIC's messages go through the unit). */
void ioapic_remap_entries(void);
void ioapic_use_remapping(void);

#endif
