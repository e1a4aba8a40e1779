/*
 * Choosing the root task's memory: see rootcaps.h.
 *
 * Boot modules after the first (the root task's image) are handed over as device
 * untyped, so that their bytes survive retyping into frames; boot-info lists them.
 *
 * RAM: every usable region of the memory map above the first 1 MiB, up to what the
 * kernel can reach (arch_phys_reachable_limit). The first 1 MiB is left unused: it holds
 * firmware data on PCs, is wanted later for starting other CPUs, and keeps physical
 * address 0 from ever naming an object. Device: the complement of the RAM the kernel and
 * the root task use (usable, kernel, modules) in the physical address space, minus the
 * device pages the kernel keeps for itself (interrupt controllers). ACPI memory
 * (reclaimable and NVS) is device memory, never RAM untyped: init maps the firmware's
 * tables from it (under UEFI they live there; a BIOS puts them in reserved memory), and
 * nothing is ever built in it, so the firmware's NVS data stays as it was.
 */
#include <kprintf.h>
#include <ksmp.h>
#include <kstring.h>
#include <machine.h>
#include <rootcaps.h>
#include <timer.h>

#define PAGE           4096ull
#define LOW_MEMORY_END (1ull << 20)

static struct root_caps caps;
static bool made;

const struct root_caps *root_caps(void)
{
    return made ? &caps : NULL;
}

static void collect_ram(const struct boot_info *bi)
{
    paddr_t limit = arch_phys_reachable_limit();
    for (size_t i = 0; i < bi->n_regions && caps.n_ram < BOOT_MAX_RANGES; i++) {
        const struct mem_region *r = &bi->regions[i];
        paddr_t base = r->base > LOW_MEMORY_END ? r->base : LOW_MEMORY_END;
        paddr_t end = r->base + r->size < limit ? r->base + r->size : limit;
        if (r->type == MEM_USABLE && base < end) {
            caps.ram[caps.n_ram++] = (struct boot_range){base, end};
        }
    }
}

/* Add [a, b) minus the kernel's own device pages to the device ranges. */
static void add_device(paddr_t a, paddr_t b)
{
    struct boot_range kept[16]; /* the interrupt controllers' pages (a few) */
    size_t n_kept = arch_kernel_device_ranges(kept, ARRAY_SIZE(kept));
    for (size_t i = 0; i < n_kept && a < b; i++) {
        if (kept[i].end <= a || kept[i].base >= b) {
            continue;
        }
        if (kept[i].base > a) {
            add_device(a, kept[i].base);
        }
        a = kept[i].end;
    }
    if (a < b && caps.n_dev < BOOT_MAX_RANGES) {
        caps.dev[caps.n_dev++] = (struct boot_range){a, b};
    }
}

/* The memory map is sorted, so the gaps between RAM regions come in order. */
/* RAM the kernel or the root task owns: never device untyped. */
static bool is_owned_ram(enum mem_region_type t)
{
    return t == MEM_USABLE || t == MEM_KERNEL || t == MEM_MODULE;
}

static void collect_devices(const struct boot_info *bi)
{
    paddr_t next = 0, top = 1ull << arch_phys_addr_bits();
    for (size_t i = 0; i < bi->n_regions; i++) {
        const struct mem_region *r = &bi->regions[i];
        if (!is_owned_ram(r->type)) {
            continue;
        }
        paddr_t base = ALIGN_DOWN(r->base, PAGE);
        if (base > next) {
            add_device(next, base);
        }
        next = ALIGN_UP(r->base + r->size, PAGE);
    }
    if (next < top) {
        add_device(next, top);
    }
}

/* Modules 1.. as device memory, rounded out to pages (they start page aligned). */
static void collect_modules(const struct boot_info *bi)
{
    for (size_t i = 1; i < bi->n_modules && i <= BST_BOOTINFO_MAX_MODULES; i++) {
        const struct boot_module *m = &bi->modules[i];
        add_device(ALIGN_DOWN(m->base, PAGE), ALIGN_UP(m->base + m->size, PAGE));
    }
}

static void describe_modules(const struct boot_info *bi, struct bst_bootinfo *b)
{
    for (size_t i = 1; i < bi->n_modules && i <= BST_BOOTINFO_MAX_MODULES; i++) {
        struct bst_module_desc *d = &b->modules[b->n_modules++];
        d->paddr = ALIGN_DOWN(bi->modules[i].base, PAGE);
        d->size = bi->modules[i].size;
        /* A name too long for the descriptor keeps its end (the file's own name). */
        const char *name = bi->modules[i].name;
        size_t len = 0;
        while (len + 1 < sizeof(bi->modules[i].name) && name[len]) {
            len++;
        }
        size_t skip = len + 1 > sizeof(d->name) ? len + 1 - sizeof(d->name) : 0;
        for (size_t c = 0; c + 1 < sizeof(d->name) && name[skip + c]; c++) {
            d->name[c] = name[skip + c];
        }
    }
}

/* What init needs to find the platform: the firmware kind and the RSDP the loader saw
 * (init checks it; the kernel only copies it). */
static void describe_firmware(const struct boot_info *bi, struct bst_bootinfo *b)
{
    b->firmware = bi->firmware == NULL                ? BST_FIRMWARE_UNKNOWN
                  : strcmp(bi->firmware, "uefi") == 0 ? BST_FIRMWARE_UEFI
                                                      : BST_FIRMWARE_BIOS;
    b->acpi_rsdp_size = bi->acpi_rsdp_size <= sizeof(b->acpi_rsdp) ? bi->acpi_rsdp_size : 0;
    for (uint32_t i = 0; i < b->acpi_rsdp_size; i++) {
        b->acpi_rsdp[i] = bi->acpi_rsdp[i];
    }
}

const struct root_caps *root_caps_create(const struct boot_info *bi)
{
    collect_ram(bi);
    collect_devices(bi);
    collect_modules(bi);
    struct boot_options opt = {.root_cnode_radix = BOOT_DEFAULT_RADIX, .cpus = ksmp_cpus()};
    caps.result = boot_create_root_cspace(caps.ram, caps.n_ram, caps.dev, caps.n_dev, &opt);
    if (caps.result.status != BST_OK) {
        kprintf("rootcaps: the object layer refused the boot memory: %s\n",
                bst_error_name(caps.result.status));
        return NULL;
    }
    struct bst_bootinfo *b = caps.result.bootinfo;
    describe_modules(bi, b);
    b->counter_khz = (uint32_t)(arch_counter_hz() / 1000);
    describe_firmware(bi, b);
    kprintf("rootcaps: root CNode of %u slots at %#lx; %u untyped caps: %lu KiB RAM, "
            "%lu MiB device\n",
            1u << b->root_cnode_radix, b->root_cnode_paddr, b->n_untyped, b->ram_bytes >> 10,
            b->device_bytes >> 20);
    made = true;
    return &caps;
}
