/*
 * ACPI, as far as init needs it: the PCI Express configuration area (ECAM) from the MCFG
 * table. ACPI parsing lives here, in user space, not in the kernel: the kernel needs
 * only the interrupt controllers' fixed addresses, and init already holds every non-RAM
 * page as device untyped.
 *
 * The RSDP is searched on its 16-byte boundaries in the BIOS area 0xe0000-0xfffff (a
 * BIOS boot, such as QEMU's SeaBIOS). The EBDA is not searched: it lies in the low RAM
 * below 1 MiB that the kernel hands to nobody. A UEFI boot would need the loader's RSDP
 * (Multiboot 2 tag) passed on by the kernel: not done. This file maps; the parsing, which
 * trusts no length, checksum or pointer of the firmware's, is acpi_parse.c's.
 */
#include "device.h"

#define BIOS_AREA      0xe0000ULL
#define BIOS_AREA_SIZE 0x20000ULL

/* The table at paddr, mapped whole, with a valid length and checksum (and signature
 * unless NULL); its length in *length. NULL when unusable or not device memory. */
static const volatile uint8_t *map_table(uint64_t paddr, const char *signature, uint32_t *length)
{
    const volatile uint8_t *header = phys_map(paddr, ACPI_SDT_HEADER_SIZE);
    *length = header ? acpi_table_length(header) : 0;
    if (*length == 0)
        return NULL;
    const volatile uint8_t *table = phys_map(paddr, *length);
    return table && acpi_table_ok(table, *length, signature) ? table : NULL;
}

/* The first table with `signature` that the root table lists; NULL if none. */
static const volatile uint8_t *find_table(const char *signature, uint32_t *length)
{
    const volatile uint8_t *area = phys_map(BIOS_AREA, BIOS_AREA_SIZE);
    long at = area ? acpi_rsdp_scan(area, BIOS_AREA_SIZE) : -1;
    if (at < 0)
        return NULL;
    struct acpi_root root = acpi_rsdp_root(area + at);
    uint32_t root_length;
    const volatile uint8_t *rt = map_table(root.paddr, NULL, &root_length);
    if (rt == NULL)
        return NULL;
    uint32_t n = acpi_root_entries(root_length, root.entry_size);
    for (uint32_t i = 0; i < n; i++) {
        const volatile uint8_t *t =
            map_table(acpi_root_entry(rt, i, root.entry_size), signature, length);
        if (t != NULL)
            return t;
    }
    return NULL;
}

bool acpi_find_ecam(struct ecam *out)
{
    uint32_t length;
    const volatile uint8_t *mcfg = find_table("MCFG", &length);
    return mcfg != NULL && acpi_mcfg_ecam(mcfg, length, out);
}
