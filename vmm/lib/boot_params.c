/*
 * The zero page (struct boot_params of the x86 boot protocol) for a 64-bit entry
 * (linux_boot.h): the image's own setup header, then what the loader must fill: loader
 * type, command line, initrd, the e820 memory map and the ACPI RSDP's address.
 */
#include <vmm/bytes.h>
#include <vmm/linux_boot.h>

#define LOADER_UNDEFINED 0xff /* type_of_loader: a loader without an assigned id */

static void e820_entry(uint8_t *zp, unsigned index, uint64_t addr, uint64_t size, uint32_t type)
{
    uint8_t *e = zp + VMM_BP_E820_TABLE + index * 20;
    vmm_le_store(e, 8, addr);
    vmm_le_store(e + 8, 8, size);
    vmm_le_store(e + 16, 4, type);
}

void vmm_boot_params_write(const struct vmm_guest_ram *ram, const uint8_t *image,
                           const struct vmm_bzimage *bz, const struct vmm_linux_layout *layout)
{
    uint8_t *zp = ram->base + VMM_BOOT_PARAMS;
    vmm_bytes_fill(zp, 0, 4096);
    vmm_bytes_copy(zp + VMM_BZ_SETUP_SECTS, image + VMM_BZ_SETUP_SECTS,
                   bz->header_end - VMM_BZ_SETUP_SECTS);
    zp[VMM_BZ_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    vmm_le_store(zp + VMM_BZ_CMD_LINE_PTR, 4, layout->cmdline_addr);
    vmm_le_store(zp + VMM_BP_EXT_CMD_LINE_PTR, 4, layout->cmdline_addr >> 32);
    vmm_le_store(zp + VMM_BZ_RAMDISK_IMAGE, 4, layout->initrd_addr);
    vmm_le_store(zp + VMM_BP_EXT_RAMDISK_IMAGE, 4, layout->initrd_addr >> 32);
    vmm_le_store(zp + VMM_BZ_RAMDISK_SIZE, 4, layout->initrd_size);
    vmm_le_store(zp + VMM_BP_EXT_RAMDISK_SIZE, 4, layout->initrd_size >> 32);
    e820_entry(zp, 0, 0, 0x9fc00, VMM_E820_RAM);
    e820_entry(zp, 1, 0x9fc00, 0x100000 - 0x9fc00, VMM_E820_RESERVED);
    e820_entry(zp, 2, 0x100000, ram->size - 0x100000, VMM_E820_RAM);
    zp[VMM_BP_E820_ENTRIES] = 3;
    vmm_le_store(zp + VMM_BP_ACPI_RSDP_ADDR, 8, VMM_BOOT_ACPI);
}
