/*
 * What the architecture's boot code hands the generic kernel: the physical memory map,
 * the boot modules and the command line, already copied out of the loader's structures
 * (which the kernel does not keep mapped).
 */
#ifndef BASTION_BOOT_H
#define BASTION_BOOT_H

#include "ktypes.h"

#define BOOT_MAX_MEM_REGIONS 64
#define BOOT_MAX_MODULES     16
#define BOOT_CMDLINE_MAX     256

enum mem_region_type {
    MEM_USABLE = 1,   /* free RAM */
    MEM_RESERVED,     /* firmware, MMIO holes, ... */
    MEM_ACPI_RECLAIM, /* ACPI tables; RAM once they are read */
    MEM_ACPI_NVS,
    MEM_BAD,
    MEM_KERNEL, /* RAM the kernel image occupies */
    MEM_MODULE, /* RAM a boot module occupies */
};

struct mem_region {
    paddr_t base;
    uint64_t size;
    enum mem_region_type type;
};

struct boot_module {
    paddr_t base;
    uint64_t size;
    char name[64];
};

#define BOOT_RSDP_MAX 36 /* an ACPI 2.0 RSDP */

struct boot_info {
    const char *loader;               /* "multiboot1" or "multiboot2" */
    char loader_name[64];             /* the loader's own name, when it gives one */
    const char *firmware;             /* "bios", "uefi", or NULL when the loader does not say */
    const char *rsdp_from;            /* where acpi_rsdp came from, NULL when there is none */
    uint8_t acpi_rsdp[BOOT_RSDP_MAX]; /* a copy of the firmware's RSDP (unchecked) */
    uint32_t acpi_rsdp_size;          /* 0, 20 (ACPI 1.0) or 36 */
    const char *mmap_from;            /* which of the loader's memory maps was used */
    char cmdline[BOOT_CMDLINE_MAX];
    size_t n_regions;
    struct mem_region regions[BOOT_MAX_MEM_REGIONS]; /* sorted, non-overlapping */
    size_t n_modules;
    struct boot_module modules[BOOT_MAX_MODULES];
};

/* The generic kernel's entry, called once by the arch boot code on the boot CPU with
 * interrupts off, the final kernel page tables loaded and the console working. */
NORETURN void kernel_main(const struct boot_info *bi);

/* The boot information kernel_main was given (for tests and reports). */
const struct boot_info *kernel_boot_info(void);

const char *mem_region_type_name(enum mem_region_type t);

/* Look up "key=value" (or a bare "key") in the command line. Returns the value (empty
 * for a bare key) copied into buf, or NULL when the key is absent. */
const char *cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

#endif
