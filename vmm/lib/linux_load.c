/*
 * Loading Linux into guest RAM (linux_boot.h): decode the image and place everything,
 * checking that each piece fits in RAM without overlapping another, then copy.
 */
#include <vmm/bytes.h>
#include <vmm/linux_boot.h>

static uint64_t align_down(uint64_t v, uint64_t a)
{
    return v & ~(a - 1);
}

static size_t cmdline_length(const char *cmdline)
{
    size_t n = 0;
    while (n <= VMM_BOOT_CMDLINE_MAX && cmdline[n])
        n++;
    return n;
}

/* Place the kernel, initrd and command line; no byte of RAM is written. */
static bool plan(const struct vmm_guest_ram *ram, const struct vmm_bzimage *bz, size_t initrd_size,
                 size_t cmdline_len, struct vmm_linux_layout *layout, struct vmm_error *err)
{
    if (!ram->base || ram->size < VMM_BOOT_MIN_RAM || ram->size > VMM_BOOT_MAX_RAM ||
        (ram->size & ((2u << 20) - 1)))
        return vmm_error_set(
            err, "guest RAM not a multiple of 2 MiB in [32 MiB, 3 GiB]: ", ram->size, true);
    if (cmdline_len > VMM_BOOT_CMDLINE_MAX || (bz->cmdline_size && cmdline_len > bz->cmdline_size))
        return vmm_error_set(err, "command line longer than the kernel takes: ", cmdline_len, true);
    if (bz->pref_address & (bz->kernel_alignment - 1))
        return vmm_error_set(
            err, "bzImage: pref_address not aligned to kernel_alignment: ", bz->pref_address, true);
    layout->kernel_addr = bz->pref_address;
    layout->kernel_size = bz->kernel_size;
    layout->init_size = bz->init_size;
    uint64_t kernel_end = layout->kernel_addr + bz->init_size;
    if (kernel_end > ram->size)
        return vmm_error_set(err, "guest RAM too small for the kernel: it needs up to ", kernel_end,
                             true);
    uint64_t top = ram->size;
    if (bz->initrd_addr_max && (uint64_t)bz->initrd_addr_max + 1 < top)
        top = (uint64_t)bz->initrd_addr_max + 1;
    layout->initrd_size = initrd_size;
    layout->initrd_addr = initrd_size ? align_down(top - initrd_size, 0x1000) : 0;
    if (initrd_size && (initrd_size > top || layout->initrd_addr < kernel_end))
        return vmm_error_set(err, "guest RAM too small for kernel and initrd: initrd bytes ",
                             initrd_size, true);
    layout->cmdline_addr = VMM_BOOT_CMDLINE;
    layout->boot_params_addr = VMM_BOOT_PARAMS;
    layout->entry = layout->kernel_addr + VMM_BZ_ENTRY64_OFFSET;
    return true;
}

bool vmm_linux_load(const struct vmm_guest_ram *ram, const uint8_t *image, size_t image_size,
                    const uint8_t *initrd, size_t initrd_size, const char *cmdline,
                    struct vmm_linux_layout *layout, struct vmm_cpu_state *state,
                    struct vmm_error *err)
{
    struct vmm_bzimage bz;
    if (!vmm_bzimage_parse(image, image_size, &bz, err))
        return false;
    if (initrd_size && !initrd)
        return vmm_error_set(err, "initrd: no bytes for a size of ", initrd_size, true);
    size_t cmdline_len = cmdline ? cmdline_length(cmdline) : 0;
    if (!plan(ram, &bz, initrd_size, cmdline_len, layout, err))
        return false;

    vmm_bytes_copy(ram->base + layout->kernel_addr, bz.kernel, bz.kernel_size);
    if (initrd_size)
        vmm_bytes_copy(ram->base + layout->initrd_addr, initrd, initrd_size);
    vmm_bytes_copy(ram->base + VMM_BOOT_CMDLINE, (const uint8_t *)(cmdline ? cmdline : ""),
                   cmdline_len);
    ram->base[VMM_BOOT_CMDLINE + cmdline_len] = 0;
    vmm_boot_params_write(ram, image, &bz, layout);
    vmm_boot_tables_write(ram, state);
    vmm_mptable_write(ram);
    vmm_acpi_write(ram, NULL);
    state->rip = layout->entry;
    state->rsi = VMM_BOOT_PARAMS;
    state->rsp = 0; /* the 64-bit entry sets up its own stack */
    return true;
}
