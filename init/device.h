/*
 * init's device side: physical memory at fixed addresses (devmem.c), the physical-memory
 * window through which init itself reads firmware tables and configuration space
 * (devmem.c), ACPI (acpi.c), PCI configuration access and enumeration (pci.c), giving
 * PCI functions to PDs (pci_give.c), and region frames that must lie at a given or a
 * contiguous physical range (region.c). See docs/drivers.md, "PCI devices".
 */
#ifndef INIT_DEVICE_H
#define INIT_DEVICE_H

#include "init.h"
#include "parse.h"

/* Physical pages init reads or writes itself appear at PHYS_WINDOW + their address. */
#define PHYS_WINDOW 0x400000000000ULL

/* ---- devmem.c ------------------------------------------------------------------------ */

/* Take the device untyped of the boot info that the boot modules do not occupy. */
void devmem_init(const struct bst_bootinfo *bi);

/* A new frame cap (2^bits bytes, bits 12, 21 or 30) for the device memory at `paddr`
 * (aligned to 2^bits), carved from the device untyped the kernel handed over; each call
 * for the same page returns another copy (a cap holds one mapping). 0 when no device
 * untyped covers it: it is RAM, or a page the kernel keeps (interrupt controllers). */
uint64_t devmem_frame(uint64_t paddr, unsigned bits);

/* Map device memory [paddr, paddr + size) into init's PHYS_WINDOW (pages already there
 * stay) and return a pointer to paddr; NULL when some page is not device memory. */
volatile void *phys_map(uint64_t paddr, uint64_t size);

/* ---- acpi.c -------------------------------------------------------------------------- */

/* Keep the loader's RSDP copy from the boot info (checked; a damaged one is said and
 * ignored). Once, before any other acpi_ call. */
void acpi_init(const struct bst_bootinfo *bi);

/* Find the RSDP (the loader's, else the BIOS area's), walk the XSDT (or RSDT) to MCFG;
 * false when there is none (no ACPI, or a machine without ECAM such as QEMU's `pc`). */
bool acpi_find_ecam(struct ecam *out);

/* Print the platform ACPI describes (I/O APICs, HPET, PCI segments) and keep the MADT's
 * I/O APICs. After devmem_init. */
void acpi_describe_platform(void);

/* The HPET's register address from ACPI's HPET table; false without a usable one. */
bool acpi_find_hpet(uint64_t *base);

/* The GSI of pin `pin` of the MADT's I/O APIC number `ioapic` (in the MADT's order;
 * without a MADT only 0, the kernel's default, with GSI base 0); false when there is no
 * such I/O APIC. After acpi_describe_platform. */
bool acpi_ioapic_gsi(uint32_t ioapic, uint32_t pin, uint32_t *gsi);

/* The register page of the DMA remapping unit ACPI's DMAR table names (the one that
 * covers every device of segment 0) and the requester id of its IOAPIC (DMAR_NO_IOAPIC
 * when the table gives none); false without one. */
bool acpi_find_dmar(uint64_t *base, uint32_t *ioapic_source);

/* ---- iommu.c ------------------------------------------------------------------------- */

/* Turn DMA remapping on when ACPI has a DMAR table, else say that DMA is not confined.
 * After devmem_init and before any PD is built. */
void iommu_init(void);

/* Whether iommu_init turned DMA remapping on. */
bool iommu_confines_dma(void);

/* Report the DMA faults each PD's I/O space has had since the last report (init's loop,
 * on the signal the spaces send). */
void iommu_report_faults(void);

/* Whether iommu_give_devices put an I/O space cap into PD p's CSpace. */
bool iommu_gave_space(uint32_t p);

/* With DMA remapping on: an I/O space for PD p's PCI functions holding only its DMA
 * regions, its functions assigned to it, a read-only cap to it in the PD's
 * BASTION_SLOT_IOSPACE. Nothing without remapping or without functions. After the PD's
 * CSpace is built; init_fatal on failure. */
void iommu_give_devices(uint32_t p);

/* ---- pci.c --------------------------------------------------------------------------- */

struct pci_address {
    uint8_t bus, dev, fn;
};

/* Choose the configuration mechanism (ECAM from MCFG, else ports 0xcf8/0xcfc through an
 * I/O port cap init issues itself) and print what is on bus 0. Once, before any access. */
void pci_init(void);

/* True when configuration space is memory mapped (ECAM): a PD then gets its function's
 * page; else a read-only copy. */
bool pci_is_ecam(void);

/* The physical address of a function's 4 KiB ECAM page (pci_is_ecam() only). */
uint64_t pci_ecam_page(struct pci_address a);

uint32_t pci_read32(struct pci_address a, unsigned offset);
void pci_write32(struct pci_address a, unsigned offset, uint32_t value);
uint16_t pci_read16(struct pci_address a, unsigned offset);
void pci_write16(struct pci_address a, unsigned offset, uint16_t value);

/* Decode BAR `index` (sizing it with decoding switched off); false if it is absent or
 * the upper half of a 64-bit BAR. */
bool pci_bar_read(struct pci_address a, unsigned index, struct pci_bar *bar);

/* The offset of the function's capability `id` in configuration space, or 0. */
unsigned pci_find_capability(struct pci_address a, uint8_t id);

/* ---- pci_give.c ---------------------------------------------------------------------- */

/* Give PD p its <pci_device>s: enable memory decoding and bus mastering, map each
 * <bar> uncached, and map the configuration page at BASTION_PCI_CONFIG_VADDR. */
void pci_give_devices(uint32_t p);

/* A message-signalled handler for <irq> entry `irq` (of PD p): a vector from the kernel,
 * programmed into the function's MSI capability (vector 0 only) or, when it has none,
 * into entry `vector` of its MSI-X table, and enabled, INTx disabled. init_fatal when the
 * function has neither, or the vector or the table is unusable. Returns the handler's
 * slot in init. */
uint64_t pci_issue_msi(uint32_t p, const struct bastion_spec_irq *irq);

/* ---- region.c ------------------------------------------------------------------------ */

/* Make object entry i when it is the frames of a region that needs particular physical
 * memory (a phys_addr, or a physical address delivered by setvar_paddr: contiguous);
 * false when it is any other object. */
bool region_frames_make(uint32_t i);

#endif
