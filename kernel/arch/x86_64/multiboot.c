/*
 * Multiboot 1 and 2 boot information -> struct boot_info. Runs under the boot page
 * tables, which map the first 1 GiB at KERNEL_VMA; the loader's structures lie there.
 *
 * Under Multiboot 2 the memory map is the EFI memory map when the loader gives one (a
 * UEFI boot: its types say which memory the firmware keeps at run time), else the
 * BIOS-style map. The RSDP is copied from the loader's ACPI tag (new before old), else
 * found through the EFI system table's configuration table; init checks and uses it.
 */
#include <arch/layout.h>
#include <arch/multiboot.h>
#include <kstring.h>
#include <memmap.h>

#define MB1_FLAG_MEM         BIT(0)
#define MB1_FLAG_CMDLINE     BIT(2)
#define MB1_FLAG_MODS        BIT(3)
#define MB1_FLAG_MMAP        BIT(6)
#define MB1_FLAG_LOADER_NAME BIT(9)

#define MB2_TAG_END         0
#define MB2_TAG_CMDLINE     1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE      3
#define MB2_TAG_MMAP        6
#define MB2_TAG_EFI32       11 /* EFI 32-bit system table pointer */
#define MB2_TAG_EFI64       12 /* EFI 64-bit system table pointer */
#define MB2_TAG_ACPI_OLD    14 /* a copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW    15 /* a copy of the ACPI 2.0+ RSDP */
#define MB2_TAG_EFI_MMAP    17
#define MB2_TAG_EFI_BS      18 /* EFI boot services not terminated */

#define RSDP_V1_SIZE 20u

#define BOOT_MAPPED_LIMIT (1ull << 30)

static const void *early_ptr(paddr_t pa)
{
    return pa < BOOT_MAPPED_LIMIT ? (const void *)(uintptr_t)(KERNEL_VMA + pa) : NULL;
}

static void copy_string(char *dst, size_t size, paddr_t src)
{
    const char *s = early_ptr(src);
    size_t n = 0;
    while (s && n + 1 < size && s[n]) {
        dst[n] = s[n];
        n++;
    }
    dst[n] = '\0';
}

/* A module's name (its command line) keeps its end when it is too long: the end holds the
 * file's own name, by which init and the test harness find their modules. */
#define MODULE_NAME_SCAN 4096

static void copy_module_name(char *dst, size_t size, paddr_t src)
{
    const char *s = early_ptr(src);
    size_t len = 0;
    while (s && len < MODULE_NAME_SCAN && s[len]) {
        len++;
    }
    size_t skip = len + 1 > size ? len + 1 - size : 0;
    copy_string(dst, size, s ? src + skip : src);
}

/* Multiboot memory types: 1 available, 3 ACPI reclaimable, 4 NVS, 5 bad, else reserved. */
static enum mem_region_type mb_mem_type(uint32_t t)
{
    switch (t) {
    case 1:
        return MEM_USABLE;
    case 3:
        return MEM_ACPI_RECLAIM;
    case 4:
        return MEM_ACPI_NVS;
    case 5:
        return MEM_BAD;
    default:
        return MEM_RESERVED;
    }
}

static void add_module(struct boot_info *bi, paddr_t start, paddr_t end, paddr_t name)
{
    if (bi->n_modules == BOOT_MAX_MODULES || end <= start) {
        return;
    }
    struct boot_module *m = &bi->modules[bi->n_modules++];
    m->base = start;
    m->size = end - start;
    copy_module_name(m->name, sizeof(m->name), name);
}

static bool parse_mb1(const struct mb1_info *mb, struct boot_info *bi)
{
    bi->loader = "multiboot1";
    bi->mmap_from = mb->flags & MB1_FLAG_MMAP ? "Multiboot 1 memory map" : "Multiboot 1 sizes";
    if (mb->flags & MB1_FLAG_CMDLINE) {
        copy_string(bi->cmdline, sizeof(bi->cmdline), mb->cmdline);
    }
    if (mb->flags & MB1_FLAG_LOADER_NAME) {
        copy_string(bi->loader_name, sizeof(bi->loader_name), mb->boot_loader_name);
    }
    if (mb->flags & MB1_FLAG_MMAP) {
        const uint8_t *p = early_ptr(mb->mmap_addr), *end = p + mb->mmap_length;
        while (p && p + sizeof(struct mb1_mmap_entry) <= end) {
            const struct mb1_mmap_entry *e = (const void *)p;
            memmap_add(bi, e->base, e->length, mb_mem_type(e->type));
            p += e->size + sizeof(e->size);
        }
    } else if (mb->flags & MB1_FLAG_MEM) {
        memmap_add(bi, 0, (uint64_t)mb->mem_lower << 10, MEM_USABLE);
        memmap_add(bi, 1ull << 20, (uint64_t)mb->mem_upper << 10, MEM_USABLE);
    }
    if (mb->flags & MB1_FLAG_MODS) {
        const struct mb1_module *mods = early_ptr(mb->mods_addr);
        for (uint32_t i = 0; mods && i < mb->mods_count; i++) {
            add_module(bi, mods[i].start, mods[i].end, mods[i].string);
        }
    }
    return bi->n_regions > 0;
}

static void parse_mb2_mmap(const struct mb2_mmap *m, struct boot_info *bi)
{
    const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->size;
    for (; m->entry_size != 0 && p + sizeof(struct mb2_mmap_entry) <= end; p += m->entry_size) {
        const struct mb2_mmap_entry *e = (const void *)p;
        memmap_add(bi, e->base, e->length, mb_mem_type(e->type));
    }
}

/* UEFI memory types (UEFI 2.10, 7.2, EFI_MEMORY_TYPE) as the kernel sees them once boot
 * services have ended: the loader's and boot services' memory is free RAM, runtime
 * services' code and data stay the firmware's (reserved), ACPI memory is ACPI memory.
 * With boot services still running, their memory is theirs too. */
static enum mem_region_type efi_mem_type(uint32_t t, bool boot_services_live)
{
    switch (t) {
    case 1: /* EfiLoaderCode */
    case 2: /* EfiLoaderData: the loader's structures, modules (carved out later) */
    case 7: /* EfiConventionalMemory */
        return MEM_USABLE;
    case 3: /* EfiBootServicesCode */
    case 4: /* EfiBootServicesData */
        return boot_services_live ? MEM_RESERVED : MEM_USABLE;
    case 8: /* EfiUnusableMemory */
        return MEM_BAD;
    case 9: /* EfiACPIReclaimMemory */
        return MEM_ACPI_RECLAIM;
    case 10: /* EfiACPIMemoryNVS */
        return MEM_ACPI_NVS;
    default: /* runtime services, MMIO, persistent memory, unknown types */
        return MEM_RESERVED;
    }
}

static void parse_mb2_efi_mmap(const struct mb2_efi_mmap *m, bool boot_services_live,
                               struct boot_info *bi)
{
    const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->size;
    if (m->descriptor_size < sizeof(struct efi_memory_descriptor)) {
        return;
    }
    for (; p + sizeof(struct efi_memory_descriptor) <= end; p += m->descriptor_size) {
        const struct efi_memory_descriptor *d = (const void *)p;
        if (d->pages < (1ull << 52)) { /* else the size wraps: a damaged entry */
            memmap_add(bi, d->phys_start, d->pages << 12,
                       efi_mem_type(d->type, boot_services_live));
        }
    }
}

static void copy_rsdp(struct boot_info *bi, const uint8_t *rsdp, uint32_t size, const char *from)
{
    size = size < BOOT_RSDP_MAX ? size : BOOT_RSDP_MAX;
    for (uint32_t i = 0; i < size; i++) {
        bi->acpi_rsdp[i] = rsdp[i];
    }
    bi->acpi_rsdp_size = size;
    bi->rsdp_from = from;
}

/* The EFI configuration table's GUIDs of the ACPI 2.0 and 1.0 RSDPs, as stored. */
static const uint8_t guid_acpi20[16] = {0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4, 0xd3, 0x11,
                                        0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81};
static const uint8_t guid_acpi10[16] = {0x30, 0x2d, 0x9d, 0xeb, 0x88, 0x2d, 0xd3, 0x11,
                                        0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d};

#define EFI_ST_N_TABLES 104 /* EFI_SYSTEM_TABLE (64-bit): NumberOfTableEntries */
#define EFI_ST_TABLES   112 /* ConfigurationTable */
#define EFI_MAX_TABLES  256 /* more is not a system table */

/* The RSDP through the EFI system table at `st` (a loader gave no ACPI tag): the ACPI 2.0
 * entry of its configuration table, else the 1.0 one. Everything must lie in the boot
 * mapping; anything else leaves the RSDP unknown. */
static void rsdp_from_efi(paddr_t st, struct boot_info *bi)
{
    const uint8_t *table = early_ptr(st);
    if (table == NULL || st + EFI_ST_TABLES + 8 > BOOT_MAPPED_LIMIT) {
        return;
    }
    uint64_t n = *(const uint64_t *)(table + EFI_ST_N_TABLES);
    paddr_t entries = *(const uint64_t *)(table + EFI_ST_TABLES);
    if (n > EFI_MAX_TABLES || early_ptr(entries) == NULL || entries + n * 24 > BOOT_MAPPED_LIMIT) {
        return;
    }
    for (unsigned pass = 0; pass < 2; pass++) {
        const uint8_t *want = pass == 0 ? guid_acpi20 : guid_acpi10;
        for (uint64_t i = 0; i < n; i++) {
            const uint8_t *e = (const uint8_t *)early_ptr(entries) + i * 24;
            paddr_t rsdp = *(const uint64_t *)(e + 16);
            if (memcmp(e, want, 16) == 0 && early_ptr(rsdp) != NULL &&
                rsdp + BOOT_RSDP_MAX <= BOOT_MAPPED_LIMIT) {
                copy_rsdp(bi, early_ptr(rsdp), pass == 0 ? BOOT_RSDP_MAX : RSDP_V1_SIZE,
                          "EFI system table");
                return;
            }
        }
    }
}

/* The first tag of `type`, or NULL. */
static const struct mb2_tag *mb2_find(const uint8_t *info, uint32_t type)
{
    uint32_t total = *(const uint32_t *)info;
    for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
        const struct mb2_tag *tag = (const void *)(info + off);
        if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag) || tag->size > total - off) {
            return NULL;
        }
        if (tag->type == type) {
            return tag;
        }
        off += ALIGN_UP(tag->size, 8u);
    }
    return NULL;
}

/* The platform's tags: which firmware, its memory map, its RSDP. */
static void parse_mb2_platform(const uint8_t *info, struct boot_info *bi)
{
    const struct mb2_tag *efi64 = mb2_find(info, MB2_TAG_EFI64);
    bool uefi = efi64 != NULL || mb2_find(info, MB2_TAG_EFI32) != NULL;
    bi->firmware = uefi ? "uefi" : "bios";

    const struct mb2_tag *efi_mmap = mb2_find(info, MB2_TAG_EFI_MMAP);
    const struct mb2_tag *mmap = mb2_find(info, MB2_TAG_MMAP);
    if (efi_mmap != NULL) {
        parse_mb2_efi_mmap((const struct mb2_efi_mmap *)efi_mmap,
                           mb2_find(info, MB2_TAG_EFI_BS) != NULL, bi);
        bi->mmap_from = "EFI memory map";
    } else if (mmap != NULL) {
        parse_mb2_mmap((const struct mb2_mmap *)mmap, bi);
        bi->mmap_from = "Multiboot 2 memory map";
    }

    const struct mb2_tag *acpi = mb2_find(info, MB2_TAG_ACPI_NEW);
    const char *from = "Multiboot 2 ACPI (new) tag";
    if (acpi == NULL) {
        acpi = mb2_find(info, MB2_TAG_ACPI_OLD);
        from = "Multiboot 2 ACPI (old) tag";
    }
    if (acpi != NULL) {
        copy_rsdp(bi, (const uint8_t *)(acpi + 1), acpi->size - (uint32_t)sizeof(*acpi), from);
    } else if (efi64 != NULL && efi64->size >= sizeof(*efi64) + 8) {
        rsdp_from_efi(*(const uint64_t *)(efi64 + 1), bi);
    }
}

static bool parse_mb2(const uint8_t *info, paddr_t info_pa, struct boot_info *bi)
{
    bi->loader = "multiboot2";
    uint32_t total = *(const uint32_t *)info;
    for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
        const struct mb2_tag *tag = (const void *)(info + off);
        const paddr_t payload = info_pa + off + sizeof(*tag);
        if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag)) {
            break;
        }
        if (tag->type == MB2_TAG_CMDLINE) {
            copy_string(bi->cmdline, sizeof(bi->cmdline), payload);
        } else if (tag->type == MB2_TAG_LOADER_NAME) {
            copy_string(bi->loader_name, sizeof(bi->loader_name), payload);
        } else if (tag->type == MB2_TAG_MODULE) {
            const struct mb2_module *m = (const void *)tag;
            add_module(bi, m->start, m->end, payload + 8);
        }
        off += ALIGN_UP(tag->size, 8u);
    }
    parse_mb2_platform(info, bi);
    return bi->n_regions > 0;
}

bool multiboot_parse(uint32_t magic, paddr_t info, struct boot_info *bi)
{
    const void *p = early_ptr(info);
    if (p == NULL) {
        return false;
    }
    if (magic == MB1_BOOT_MAGIC) {
        return parse_mb1(p, bi);
    }
    if (magic == MB2_BOOT_MAGIC) {
        return parse_mb2(p, info, bi);
    }
    return false;
}
