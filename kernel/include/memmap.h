/*
 * The physical memory map in struct boot_info: built from the loader's (possibly
 * overlapping, unsorted) entries, kept sorted and non-overlapping.
 *
 * Where entries overlap, the more restrictive type wins (bad > reserved > ACPI NVS >
 * ACPI reclaimable > kernel/module > usable), so RAM the firmware also calls reserved is
 * never handed out. Usable regions are trimmed inwards to whole 4 KiB pages.
 */
#ifndef BASTION_MEMMAP_H
#define BASTION_MEMMAP_H

#include "boot.h"

/* Add a loader entry; the map is normalised again afterwards. */
void memmap_add(struct boot_info *bi, paddr_t base, uint64_t size, enum mem_region_type type);

/* Mark [base, base+size), rounded out to pages, as `type` (kernel image, modules). */
void memmap_carve(struct boot_info *bi, paddr_t base, uint64_t size, enum mem_region_type type);

/* Total bytes of the given type. */
uint64_t memmap_total(const struct boot_info *bi, enum mem_region_type type);

void memmap_print(const struct boot_info *bi);

/* Check the map's invariants (sorted, non-overlapping, non-empty, usable page-aligned);
 * returns NULL when they hold, else a description of the first violation. */
const char *memmap_check(const struct boot_info *bi);

#endif
