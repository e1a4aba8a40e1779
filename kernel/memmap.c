/*
 * Physical memory map normalisation. See memmap.h for the rules.
 */
#include <kprintf.h>
#include <memmap.h>

#define PAGE 4096ull

static int type_priority(enum mem_region_type t)
{
    switch (t) {
    case MEM_USABLE:
        return 0;
    case MEM_KERNEL:
    case MEM_MODULE:
        return 1;
    case MEM_ACPI_RECLAIM:
        return 2;
    case MEM_ACPI_NVS:
        return 3;
    case MEM_RESERVED:
        return 4;
    case MEM_BAD:
        return 5;
    }
    return 4;
}

const char *mem_region_type_name(enum mem_region_type t)
{
    switch (t) {
    case MEM_USABLE:
        return "usable";
    case MEM_RESERVED:
        return "reserved";
    case MEM_ACPI_RECLAIM:
        return "ACPI reclaimable";
    case MEM_ACPI_NVS:
        return "ACPI NVS";
    case MEM_BAD:
        return "bad";
    case MEM_KERNEL:
        return "kernel";
    case MEM_MODULE:
        return "module";
    }
    return "?";
}

/* The winning type of the regions covering [a, b), or 0 when none does. */
static enum mem_region_type type_over(const struct mem_region *r, size_t n, paddr_t a, paddr_t b)
{
    enum mem_region_type best = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].base <= a && b <= r[i].base + r[i].size &&
            (best == 0 || type_priority(r[i].type) > type_priority(best))) {
            best = r[i].type;
        }
    }
    return best;
}

static void sort_addresses(paddr_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            paddr_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
}

static void append(struct mem_region *out, size_t *n, paddr_t a, paddr_t b, enum mem_region_type t)
{
    if (t == MEM_USABLE) {
        a = ALIGN_UP(a, PAGE);
        b = ALIGN_DOWN(b, PAGE);
    }
    if (b <= a) {
        return;
    }
    if (*n > 0 && out[*n - 1].type == t && out[*n - 1].base + out[*n - 1].size == a) {
        out[*n - 1].size += b - a;
    } else if (*n < BOOT_MAX_MEM_REGIONS) {
        out[(*n)++] = (struct mem_region){a, b - a, t};
    }
}

/* Rebuild the map from its elementary intervals (between any two region boundaries). */
static void normalise(struct boot_info *bi)
{
    paddr_t points[2 * BOOT_MAX_MEM_REGIONS];
    size_t np = 0;
    for (size_t i = 0; i < bi->n_regions; i++) {
        points[np++] = bi->regions[i].base;
        points[np++] = bi->regions[i].base + bi->regions[i].size;
    }
    sort_addresses(points, np);
    struct mem_region out[BOOT_MAX_MEM_REGIONS];
    size_t n = 0;
    for (size_t i = 0; i + 1 < np; i++) {
        if (points[i] == points[i + 1]) {
            continue;
        }
        enum mem_region_type t = type_over(bi->regions, bi->n_regions, points[i], points[i + 1]);
        if (t != 0) {
            append(out, &n, points[i], points[i + 1], t);
        }
    }
    for (size_t i = 0; i < n; i++) {
        bi->regions[i] = out[i];
    }
    bi->n_regions = n;
}

void memmap_add(struct boot_info *bi, paddr_t base, uint64_t size, enum mem_region_type type)
{
    if (size == 0 || base + size < base) {
        return; /* empty or wrapping entries from the loader are ignored */
    }
    if (bi->n_regions == BOOT_MAX_MEM_REGIONS) {
        normalise(bi);
        if (bi->n_regions == BOOT_MAX_MEM_REGIONS) {
            return;
        }
    }
    bi->regions[bi->n_regions++] = (struct mem_region){base, size, type};
    normalise(bi);
}

void memmap_carve(struct boot_info *bi, paddr_t base, uint64_t size, enum mem_region_type type)
{
    paddr_t a = ALIGN_DOWN(base, PAGE), b = ALIGN_UP(base + size, PAGE);
    memmap_add(bi, a, b - a, type);
}

uint64_t memmap_total(const struct boot_info *bi, enum mem_region_type type)
{
    uint64_t total = 0;
    for (size_t i = 0; i < bi->n_regions; i++) {
        total += bi->regions[i].type == type ? bi->regions[i].size : 0;
    }
    return total;
}

void memmap_print(const struct boot_info *bi)
{
    kprintf("memory map (%zu regions):\n", bi->n_regions);
    for (size_t i = 0; i < bi->n_regions; i++) {
        const struct mem_region *r = &bi->regions[i];
        kprintf("  [%#014lx - %#014lx) %8lu KiB  %s\n", r->base, r->base + r->size, r->size >> 10,
                mem_region_type_name(r->type));
    }
    kprintf("memory: %lu KiB usable, %lu KiB kernel, %lu KiB modules\n",
            memmap_total(bi, MEM_USABLE) >> 10, memmap_total(bi, MEM_KERNEL) >> 10,
            memmap_total(bi, MEM_MODULE) >> 10);
}

const char *memmap_check(const struct boot_info *bi)
{
    if (bi->n_regions == 0) {
        return "the memory map is empty";
    }
    for (size_t i = 0; i < bi->n_regions; i++) {
        const struct mem_region *r = &bi->regions[i];
        if (r->size == 0) {
            return "a region is empty";
        }
        if (r->type == MEM_USABLE && (!IS_ALIGNED(r->base, PAGE) || !IS_ALIGNED(r->size, PAGE))) {
            return "a usable region is not page aligned";
        }
        if (i > 0 && bi->regions[i - 1].base + bi->regions[i - 1].size > r->base) {
            return "regions overlap or are out of order";
        }
    }
    return NULL;
}
