/*
 * Multiboot 1 and 2 boot information -> struct boot_info. Runs under the boot page
 * tables, which map the first 1 GiB at KERNEL_VMA; the loader's structures lie there.
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
        } else if (tag->type == MB2_TAG_MMAP) {
            parse_mb2_mmap((const struct mb2_mmap *)tag, bi);
        }
        off += ALIGN_UP(tag->size, 8u);
    }
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
