/*
 * The I/O APICs (from ACPI's MADT, ioapic.c): route each GSI to vector IRQ_VECTOR_BASE +
 * its line (irq_gsi_line), each line masked until its handler is bound and acknowledged
 * (irq/irq.h). The MSI lines' vectors (IRQ_VECTOR_BASE + IRQ_MSI_FIRST ..) lie between
 * the first 24 GSIs' and the others' (msi.c).
 */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <ktypes.h>

#define IOAPIC_DEFAULT_PHYS 0xfec00000 /* the architectural default, without a MADT */
#define IRQ_VECTOR_BASE     0x30

/* Find the I/O APICs (the MADT from the loader's RSDP, else the BIOS area's) and mask
 * every input. At boot, after paging_init. */
void ioapic_init(void);

/* The I/O APICs driven (after ioapic_init): how many, and I/O APIC i's register
 * address; the kernel keeps their pages (arch_kernel_device_ranges). */
unsigned ioapic_count(void);
paddr_t ioapic_base(unsigned i);

/* Interrupt remapping coming on (iommu.c): first write every pin's remapping entry from
 * its redirection entry, then, once remapping is on, switch the redirection entries to
 * the remappable format (the IOAPIC's messages go through the unit). */
void ioapic_remap_entries(void);
void ioapic_use_remapping(void);

#endif
