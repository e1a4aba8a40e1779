/*
 * The interrupt controllers from ACPI's MADT: the RSDP (the loader's copy, else the BIOS
 * area's), the XSDT or RSDT, the MADT, its I/O APICs (address, GSI base) and its
 * interrupt source overrides (ISA IRQ -> GSI, trigger, polarity); then the GSI ranges
 * the I/O APICs cover, once their pin counts are known.
 *
 * Pure logic over firmware memory read through a callback, so that the host tests can
 * feed it any table (tests/host/test_madt.c). It trusts nothing of the firmware's: every
 * length is bounded, every checksum checked, every walk ends; a table it cannot use is
 * refused with what was wrong and where (struct acpi_status), never followed.
 */
#ifndef ARCH_MADT_H
#define ARCH_MADT_H

#include <ktypes.h>

#define IOAPIC_MAX    8  /* I/O APICs the kernel drives; more in the MADT are reported */
#define ISA_IRQS      16 /* interrupt source overrides are kept for ISA IRQs 0-15 */
#define ACPI_RSDP_MAX 36 /* an ACPI 2.0 RSDP */

/* Reads n bytes of firmware memory at physical address pa into dst; false when it
 * cannot (the host tests: outside the fake memory). */
struct acpi_memory {
    bool (*read)(void *ctx, uint64_t pa, void *dst, size_t n);
    void *ctx;
};

/* NULL `what`: fine. Else what was wrong, at `offset` into the table `table` (a
 * signature such as "MADT", or "RSDP"), with `value` the offending figure. */
struct acpi_status {
    const char *what;
    const char *table;
    uint32_t offset;
    uint64_t value;
};

struct madt_ioapic {
    uint8_t id;
    uint64_t base; /* the register page's physical address */
    uint32_t gsi_base;
};

/* An ISA IRQ's route: its GSI (the IRQ itself without an override), trigger (0 edge,
 * 1 level) and polarity (0 active high, 1 active low), as IRQ_CONTROL_GET_IOAPIC
 * takes them. */
struct isa_route {
    uint32_t gsi;
    uint8_t trigger;
    uint8_t polarity;
    bool overridden;
};

struct madt_info {
    unsigned n_ioapics;    /* kept, at most IOAPIC_MAX */
    unsigned ioapics_seen; /* in the MADT (more than kept: reported) */
    struct madt_ioapic ioapic[IOAPIC_MAX];
    struct isa_route isa[ISA_IRQS];
};

/* The RSDP: the `size` bytes of `copy` (the loader's) when they are one, else the first
 * one on a 16-byte boundary of [area, area + area_size). Its bytes (36, zero past a
 * 20-byte ACPI 1.0 one) into out. */
struct acpi_status acpi_rsdp_find(const struct acpi_memory *m, const uint8_t *copy, size_t size,
                                  uint64_t area, uint64_t area_size, uint8_t out[ACPI_RSDP_MAX]);

/* The MADT ("APIC") that the root table of rsdp lists: its address and length. */
struct acpi_status acpi_madt_find(const struct acpi_memory *m, const uint8_t rsdp[ACPI_RSDP_MAX],
                                  uint64_t *madt, uint32_t *length);

/* The I/O APICs and ISA routes of the MADT at madt (of `length`, checked by
 * acpi_madt_find). A malformed entry ends the walk: what came before it is kept in out
 * and the status says where it was. */
struct acpi_status madt_parse(const struct acpi_memory *m, uint64_t madt, uint32_t length,
                              struct madt_info *out);

/* The GSI ranges of the I/O APICs the kernel drives: I/O APIC i has GSIs [gsi_base,
 * gsi_base + pins), the part below IRQ_GSIS (irq/irq.h). */
struct gsi_ranges {
    unsigned n;
    uint32_t gsi_base[IOAPIC_MAX];
    uint32_t pins[IOAPIC_MAX];
};

/* Add an I/O APIC of `pins` inputs at gsi_base; refused (status says why) when no GSI
 * of it is below IRQ_GSIS, it overlaps one already added, it has no pins or there are
 * IOAPIC_MAX already. A range that runs past IRQ_GSIS is cut there (*kept says how
 * many pins are used). */
struct acpi_status gsi_ranges_add(struct gsi_ranges *r, uint32_t gsi_base, uint32_t pins,
                                  uint32_t *kept);

/* The I/O APIC (its index) and pin of gsi; -1 when no I/O APIC added has it. */
int gsi_ranges_find(const struct gsi_ranges *r, uint32_t gsi, uint32_t *pin);

#endif
