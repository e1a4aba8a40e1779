/*
 * What init parses from firmware and hardware, as pure functions: ACPI tables (to find
 * PCI's ECAM) and PCI BAR registers. They read only the bytes or values they are given
 * and trust none of them: a table's length, checksum and every entry's bounds are
 * checked before use. No system calls and no libbastion, so the host tests them
 * (init/tests/host_parse.c, suite host-init-parse) with malformed input.
 */
#ifndef INIT_PARSE_H
#define INIT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- acpi_parse.c -------------------------------------------------------------------- */

#define ACPI_SDT_HEADER_SIZE 36u
#define ACPI_RSDP_SIZE       36u
#define ACPI_MAX_TABLE_SIZE  0x10000u /* larger tables are not what init looks for */

/* A PCI Express enhanced configuration area (ECAM), one MCFG entry. */
struct ecam {
    uint64_t base; /* physical address of bus 0's configuration space */
    uint8_t first_bus, last_bus;
    uint16_t segment;
};

/* An I/O APIC the MADT lists: its registers and the first global system interrupt (GSI)
 * its pin 0 takes. */
struct acpi_ioapic {
    uint64_t base;
    uint32_t gsi_base;
    uint8_t id;
};

/* What a MADT walk found: up to `max` I/O APICs in `out`, how many the table lists
 * (which may exceed max), and whether an entry was malformed (length below 2 or past the
 * table's end, where the walk stopped; an I/O APIC entry shorter than 12 bytes). */
struct acpi_madt_result {
    unsigned n_ioapics;
    bool malformed;
};

/* Where the RSDP tells the root table is: the XSDT (8-byte entries) when the RSDP is
 * version 2 with a valid extended checksum and a nonzero XSDT, else the RSDT (4-byte). */
struct acpi_root {
    uint64_t paddr;
    unsigned entry_size;
};

/* The offset of the first valid RSDP (signature, 20-byte checksum) on a 16-byte boundary
 * of area[0 .. size), or -1. */
long acpi_rsdp_scan(const volatile uint8_t *area, size_t size);

/* The root table named by the RSDP at rsdp (ACPI_RSDP_SIZE bytes readable). */
struct acpi_root acpi_rsdp_root(const volatile uint8_t *rsdp);

/* A table's length from its header (ACPI_SDT_HEADER_SIZE bytes readable), or 0 when it is
 * shorter than a header or longer than ACPI_MAX_TABLE_SIZE. */
uint32_t acpi_table_length(const volatile uint8_t *header);

/* True when the table (length bytes readable) sums to zero and has the 4-byte signature
 * (NULL: any). */
bool acpi_table_ok(const volatile uint8_t *table, uint32_t length, const char *signature);

/* The number of entries of a root table of `length` bytes, and entry i. */
uint32_t acpi_root_entries(uint32_t length, unsigned entry_size);
uint64_t acpi_root_entry(const volatile uint8_t *root, uint32_t i, unsigned entry_size);

/* The first usable MCFG entry (segment 0, first_bus <= last_bus, page-aligned base) of
 * the checked table mcfg (length bytes); false if none. */
bool acpi_mcfg_ecam(const volatile uint8_t *mcfg, uint32_t length, struct ecam *out);

/* Every usable MCFG entry, any segment, into out[0 .. max); returns how many were usable
 * (which may exceed max: only max are written). Unusable entries are skipped. */
unsigned acpi_mcfg_segments(const volatile uint8_t *mcfg, uint32_t length, struct ecam *out,
                            unsigned max);

/* The I/O APICs of the checked MADT (length bytes) into out[0 .. max). */
struct acpi_madt_result acpi_madt_ioapics(const volatile uint8_t *madt, uint32_t length,
                                          struct acpi_ioapic *out, unsigned max);

/* The register page of a DMA remapping unit (Intel VT-d) of PCI segment 0 in the checked
 * DMAR table: the one that covers every device (a DRHD with INCLUDE_PCI_ALL), else the
 * first one (QEMU's names its devices one by one); false if none, or if a register
 * address is zero or not page aligned. Structures after a malformed one are ignored. */
bool acpi_dmar_unit(const volatile uint8_t *dmar, uint32_t length, uint64_t *base,
                    uint32_t *ioapic_source);
/* *ioapic_source: the requester id of the unit's first IOAPIC device scope with a
 * one-step path, or this when it has none. */
#define DMAR_NO_IOAPIC 0xffffffffu

/* The HPET's register block from the checked HPET table (length bytes): true with *base
 * when the table is long enough and its address is in system memory space (GAS space 0),
 * nonzero and 1 KiB aligned. */
bool acpi_hpet_base(const volatile uint8_t *hpet, uint32_t length, uint64_t *base);

/* True when the RSDP copy of `size` bytes (20 or 36) has its signature and a valid
 * 20-byte checksum (what acpi_rsdp_root needs; the extended checksum it checks itself). */
bool acpi_rsdp_ok(const volatile uint8_t *rsdp, size_t size);

/* ---- pci_bar.c ----------------------------------------------------------------------- */

/* A BAR as firmware assigned it. */
struct pci_bar {
    uint64_t base;
    uint64_t size; /* 0: the BAR is not implemented */
    bool io;       /* an I/O-space BAR (base and size are port numbers) */
};

/* A BAR's register(s) as read (`value`, and `upper` for a 64-bit memory BAR) and as read
 * back after writing all ones (`mask`, `mask_upper`). */
struct pci_bar_regs {
    uint32_t value, upper, mask, mask_upper;
};

/* True when the BAR register value is a 64-bit memory BAR (it takes two registers). */
bool pci_bar_is_64bit(uint32_t value);

struct pci_bar pci_bar_decode(struct pci_bar_regs r);

#endif
