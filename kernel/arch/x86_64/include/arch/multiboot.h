/*
 * Reading the boot information of Multiboot 1 (QEMU -kernel) and Multiboot 2 (GRUB)
 * into the generic struct boot_info. Only the fields the kernel uses are described.
 */
#ifndef ARCH_MULTIBOOT_H
#define ARCH_MULTIBOOT_H

#include <boot.h>

#define MB1_BOOT_MAGIC 0x2badb002
#define MB2_BOOT_MAGIC 0x36d76289

struct PACKED mb1_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
};
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "Multiboot 1 info layout");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "Multiboot 1 info layout");

struct PACKED mb1_mmap_entry {
    uint32_t size; /* of the rest of the entry */
    uint64_t base, length;
    uint32_t type;
};
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "Multiboot 1 memory map entry");

struct PACKED mb1_module {
    uint32_t start, end, string, reserved;
};

struct PACKED mb2_tag {
    uint32_t type, size;
};

struct PACKED mb2_mmap {
    uint32_t type, size, entry_size, entry_version;
};

struct PACKED mb2_mmap_entry {
    uint64_t base, length;
    uint32_t type, reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "Multiboot 2 memory map entry");

/* The EFI memory map tag: the firmware's descriptors, each descriptor_size bytes (which
 * may be more than the structure below: later UEFI versions append fields). */
struct PACKED mb2_efi_mmap {
    uint32_t type, size, descriptor_size, descriptor_version;
};

struct PACKED efi_memory_descriptor {
    uint32_t type, pad;
    uint64_t phys_start, virt_start, pages, attribute;
};
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "EFI memory descriptor");

struct PACKED mb2_module {
    uint32_t type, size, start, end;
    char string[];
};

/* Fill `bi` from the loader's information at physical `info` (still identity-mapped).
 * Returns false when the magic is unknown or the information unusable. */
bool multiboot_parse(uint32_t magic, paddr_t info, struct boot_info *bi);

#endif
