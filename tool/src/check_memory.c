/*
 * Memory checks: region sizes and physical addresses; where each mapping lands in its
 * PD's address space (aligned, inside the user range, not overlapping another mapping or
 * PCI BAR); legal permissions; setvar symbols (of <map>, <bar> and <setvar>) given once
 * per PD. Overlap with program images, and the setvar symbols themselves, are checked once
 * images are loaded (images.c).
 */
#include "check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PHYS_LIMIT (1ULL << 52)

static void check_region(struct model *m, uint32_t i, struct diag_sink *d)
{
    struct model_region *r = MODEL_REGION(m, i);
    if (r->size % r->page_size) {
        uint64_t up = (r->size + r->page_size - 1) / r->page_size * r->page_size;
        diag_node(d, DIAG_ERROR, r->node, "size",
                  "size 0x%" PRIx64 " is not a multiple of the page size 0x%" PRIx64
                  "; round it up to 0x%" PRIx64,
                  r->size, r->page_size, up);
    }
    if (r->platform == REGION_PLATFORM_HPET && (r->page_size != 0x1000 || r->prefill))
        diag_node(d, DIAG_ERROR, r->node, "platform",
                  "the HPET's registers (platform=\"hpet\") are device memory in 4 KiB pages; "
                  "remove page_size and prefill");
    if (!r->has_phys)
        return;
    if (r->phys_addr % r->page_size)
        diag_node(d, DIAG_ERROR, r->node, "phys_addr",
                  "phys_addr 0x%" PRIx64 " is not aligned to the page size 0x%" PRIx64
                  "; align it to 0x%" PRIx64,
                  r->phys_addr, r->page_size, r->page_size);
    else if (r->phys_addr + r->size > PHYS_LIMIT)
        diag_node(d, DIAG_ERROR, r->node, "size",
                  "the region ends at 0x%" PRIx64 ", beyond the 52-bit physical address "
                  "space; make it smaller or fix phys_addr",
                  r->phys_addr + r->size);
}

/* A fixed region, for the physical overlap check. */
struct phys_range {
    uint32_t region;
    uint64_t start, end; /* end exclusive */
};

static int compare_phys(const void *a, const void *b)
{
    const struct phys_range *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->region < y->region ? -1 : (x->region > y->region);
}

/* Reports region a (the later one in the description) overlapping region b. */
static void report_phys_overlap(struct diag_sink *d, const struct model_region *a,
                                const struct model_region *b)
{
    diag_node(d, DIAG_ERROR, a->node, "phys_addr",
              "phys_addr range 0x%" PRIx64 "-0x%" PRIx64 " overlaps memory_region "
              "'%s' (0x%" PRIx64 "-0x%" PRIx64 "); share one region instead of "
              "declaring two",
              a->phys_addr, a->phys_addr + a->size - 1, b->name, b->phys_addr,
              b->phys_addr + b->size - 1);
}

/*
 * Two fixed regions must not share physical memory. Sorted by start, each range is
 * compared with the one before it that reaches furthest: n log n. Every region that
 * overlaps one sorted before it is found; each is reported once, preferably the later
 * declared one of the pair.
 */
static void check_phys_overlaps(struct model *m, struct diag_sink *d)
{
    struct vec ranges = {0};
    for (uint32_t i = 0; i < m->regions.count; i++) {
        struct model_region *r = MODEL_REGION(m, i);
        if (!r->has_phys || r->phys_addr + r->size > PHYS_LIMIT || r->size == 0)
            continue;
        struct phys_range *p = vec_push(&ranges, sizeof(*p));
        *p = (struct phys_range){i, r->phys_addr, r->phys_addr + r->size};
    }
    vec_sort(&ranges, sizeof(struct phys_range), compare_phys);
    uint8_t *reported = xcalloc(m->regions.count ? m->regions.count : 1, 1);
    const struct phys_range *reach = NULL; /* the range seen so far that ends last */
    for (size_t i = 0; i < ranges.count; i++) {
        const struct phys_range *p = VEC_AT(&ranges, struct phys_range, i);
        if (reach && p->start < reach->end) {
            uint32_t later = p->region > reach->region ? p->region : reach->region;
            uint32_t earlier = p->region ^ reach->region ^ later;
            if (reported[later]) { /* then report the other one, if it is not yet */
                uint32_t t = later;
                later = earlier;
                earlier = t;
            }
            if (!reported[later]) {
                reported[later] = 1;
                report_phys_overlap(d, MODEL_REGION(m, later), MODEL_REGION(m, earlier));
            }
        }
        if (!reach || p->end > reach->end)
            reach = p;
    }
    free(reported);
    vec_free(&ranges);
}

/* Permissions x86_64 paging can express: read is implied by write and by execute. */
static void check_perms(struct diag_sink *d, const xmlNode *node, uint8_t perms)
{
    if (!(perms & PERM_R) && (perms & PERM_W))
        diag_node(d, DIAG_ERROR, node, "perms",
                  "perms without 'r' cannot be expressed: x86_64 pages that can be written "
                  "can be read; use \"rw\"%s",
                  (perms & PERM_X) ? "x" : "");
    else if (!(perms & PERM_R) && (perms & PERM_X))
        diag_node(d, DIAG_ERROR, node, "perms",
                  "perms \"x\" cannot be expressed: x86_64 pages that can be executed can be "
                  "read; use \"rx\"");
    else if ((perms & PERM_W) && (perms & PERM_X))
        diag_node(d, DIAG_WARNING, node, "perms",
                  "perms \"rwx\" make the mapping both writable and executable; drop 'w' or "
                  "'x' unless the program really writes code");
}

/* A range of a PD's address space taken by a mapping or a BAR. */
struct va_range {
    uint32_t pd;
    uint64_t start;
    uint64_t end; /* exclusive */
    uint64_t align;
    const xmlNode *node;
};

/* Checks alignment and user range of one placement; true when it may enter overlap checks. */
static bool check_placement(struct diag_sink *d, const xmlNode *node, uint64_t vaddr, uint64_t size,
                            uint64_t align, const char *align_what)
{
    if (vaddr % align) {
        diag_node(d, DIAG_ERROR, node, "vaddr",
                  "vaddr 0x%" PRIx64 " is not aligned to %s 0x%" PRIx64 "; align it to 0x%" PRIx64,
                  vaddr, align_what, align, align);
        return false;
    }
    if (vaddr < MODEL_USER_VADDR_MIN || add_overflows(vaddr, size) ||
        vaddr + size > MODEL_USER_VADDR_END) {
        diag_node(d, DIAG_ERROR, node, "vaddr",
                  "vaddr 0x%" PRIx64 " with size 0x%" PRIx64 " is outside the user address "
                  "range 0x%llx-0x%llx; move it inside",
                  vaddr, size, MODEL_USER_VADDR_MIN, MODEL_USER_VADDR_END - 1);
        return false;
    }
    return true;
}

static void report_va_overlap(const struct model *m, const struct va_range *a,
                              const struct va_range *b, struct diag_sink *d)
{
    uint64_t next = (b->end + a->align - 1) / a->align * a->align;
    diag_node(d, DIAG_ERROR, a->node, "vaddr",
              "vaddr range 0x%" PRIx64 "-0x%" PRIx64 " overlaps the <%s> at line %d "
              "(0x%" PRIx64 "-0x%" PRIx64 ") in protection_domain '%s'; move it to "
              "0x%" PRIx64 " or above",
              a->start, a->end - 1, (const char *)b->node->name, check_line(b->node), b->start,
              b->end - 1, check_pd_name(m, a->pd), next);
}

static int compare_by_address(const void *a, const void *b)
{
    const struct va_range *const *x = a, *const *y = b;
    if ((*x)->pd != (*y)->pd)
        return (*x)->pd < (*y)->pd ? -1 : 1;
    if ((*x)->start != (*y)->start)
        return (*x)->start < (*y)->start ? -1 : 1;
    return *x < *y ? -1 : (*x > *y); /* document order: ranges are sorted by position */
}

/*
 * Reports ranges of one PD that overlap. `ranges` is in document order. Sorted by PD and
 * address, each range is compared with the one of its PD before it that reaches
 * furthest (n log n); of an overlapping pair the later one in the document is reported,
 * against the earlier, and no range twice.
 */
static void check_va_overlaps(const struct model *m, struct vec *ranges, struct diag_sink *d)
{
    size_t n = ranges->count;
    const struct va_range **by_addr = xcalloc(n ? n : 1, sizeof(*by_addr));
    uint8_t *reported = xcalloc(n ? n : 1, 1);
    const struct va_range *first = ranges->items;
    for (size_t i = 0; i < n; i++)
        by_addr[i] = VEC_AT(ranges, struct va_range, i);
    qsort(by_addr, n, sizeof(*by_addr), compare_by_address);
    const struct va_range *reach = NULL; /* the range of this PD so far that ends last */
    for (size_t i = 0; i < n; i++) {
        const struct va_range *p = by_addr[i];
        if (reach && reach->pd != p->pd)
            reach = NULL;
        if (reach && p->start < reach->end) {
            const struct va_range *later = p > reach ? p : reach, *earlier = p > reach ? reach : p;
            if (reported[later - first]) {
                const struct va_range *t = later;
                later = earlier;
                earlier = t;
            }
            if (!reported[later - first]) {
                reported[later - first] = 1;
                report_va_overlap(m, later, earlier, d);
            }
        }
        if (!reach || p->end > reach->end)
            reach = p;
    }
    free(reported);
    free(by_addr);
}

static void check_map(struct model *m, struct model_map *map, struct vec *ranges,
                      struct diag_sink *d)
{
    check_perms(d, map->node, map->perms);
    if (map->region == NO_INDEX)
        return;
    struct model_region *r = MODEL_REGION(m, map->region);
    if (!map->cached && model_region_is_ram(r))
        diag_node(d, DIAG_WARNING, map->node, "cached",
                  "uncached mapping of ordinary memory (region '%s' has no phys_addr) is slow "
                  "and rarely needed; remove cached=\"false\" unless a device reads it",
                  r->name);
    if (!check_placement(d, map->node, map->vaddr, r->size, r->page_size, "the region's page size"))
        return;
    struct va_range *v = vec_push(ranges, sizeof(*v));
    *v = (struct va_range){map->pd, map->vaddr, map->vaddr + r->size, r->page_size, map->node};
}

static void check_bar(struct model_bar *bar, struct vec *ranges, struct diag_sink *d)
{
    check_perms(d, bar->node, bar->perms);
    if (bar->size < 0x1000 || (bar->size & (bar->size - 1))) {
        diag_node(d, DIAG_ERROR, bar->node, "size",
                  "size 0x%" PRIx64 " is not a BAR size; BARs are mapped in whole pages, use a "
                  "power of two of at least 0x1000",
                  bar->size);
        return;
    }
    if (bar->cached)
        diag_node(d, DIAG_WARNING, bar->node, "cached",
                  "a cached mapping of device registers can lose or reorder accesses; remove "
                  "cached=\"true\" unless the BAR is prefetchable memory");
    if (!check_placement(d, bar->node, bar->vaddr, bar->size, 0x1000, "the page size"))
        return;
    struct va_range *v = vec_push(ranges, sizeof(*v));
    *v = (struct va_range){bar->pd, bar->vaddr, bar->vaddr + bar->size, 0x1000, bar->node};
}

static int compare_ranges(const void *a, const void *b)
{
    const struct va_range *x = a, *y = b;
    struct src_pos p = src_locate(x->node, NULL), q = src_locate(y->node, NULL);
    if (p.line != q.line)
        return p.line < q.line ? -1 : 1;
    return p.col < q.col ? -1 : (p.col > q.col);
}

/* One setvar symbol patched by one place of a PD. */
struct setvar_use {
    uint32_t pd;
    const char *symbol;
    const xmlNode *node;
    const char *attr;
};

static void add_setvar(struct vec *uses, uint32_t pd, const char *symbol, const xmlNode *node,
                       const char *attr)
{
    if (!symbol)
        return;
    struct setvar_use *u = vec_push(uses, sizeof(*u));
    *u = (struct setvar_use){pd, symbol, node, attr};
}

/* Orders setvar uses by where their symbol attribute is written. */
static int compare_uses(const void *a, const void *b)
{
    const struct setvar_use *x = a, *y = b;
    struct src_pos p = src_locate(x->node, x->attr), q = src_locate(y->node, y->attr);
    if (p.line != q.line)
        return p.line < q.line ? -1 : 1;
    return p.col < q.col ? -1 : (p.col > q.col);
}

/* Orders setvar uses by PD, then symbol, then position: uses of one variable side by side. */
static int compare_uses_by_symbol(const void *a, const void *b)
{
    const struct setvar_use *x = a, *y = b;
    if (x->pd != y->pd)
        return x->pd < y->pd ? -1 : 1;
    int c = strcmp(x->symbol, y->symbol);
    return c ? c : compare_uses(a, b);
}

static void report_setvar_twice(const struct setvar_use *a, const struct setvar_use *first,
                                struct diag_sink *d)
{
    bool plain = strcmp(a->attr, "symbol") == 0; /* a <setvar> */
    diag_node(d, DIAG_ERROR, a->node, a->attr,
              "%s%ssymbol '%s' is already set by the <%s> at line %d; a variable can "
              "be set only once, use another symbol",
              plain ? "" : a->attr, plain ? "" : " ", a->symbol, (const char *)first->node->name,
              check_line(first->node));
}

/*
 * Each variable of a PD is set at most once, by setvar_vaddr/setvar_paddr of a <map> or
 * <bar>, or by a <setvar>. Every later use in document order is reported, against the
 * first (sorting makes this n log n).
 */
static void check_setvars(struct model *m, struct diag_sink *d)
{
    struct vec uses = {0};
    for (size_t i = 0; i < m->maps.count; i++) {
        struct model_map *map = MODEL_MAP(m, i);
        add_setvar(&uses, map->pd, map->setvar_vaddr, map->node, "setvar_vaddr");
        add_setvar(&uses, map->pd, map->setvar_paddr, map->node, "setvar_paddr");
    }
    for (size_t i = 0; i < m->bars.count; i++)
        add_setvar(&uses, MODEL_BAR(m, i)->pd, MODEL_BAR(m, i)->setvar_vaddr, MODEL_BAR(m, i)->node,
                   "setvar_vaddr");
    for (size_t i = 0; i < m->setvars.count; i++)
        add_setvar(&uses, MODEL_SETVAR(m, i)->pd, MODEL_SETVAR(m, i)->symbol,
                   MODEL_SETVAR(m, i)->node, "symbol");
    vec_sort(&uses, sizeof(struct setvar_use), compare_uses_by_symbol);
    size_t first = 0;
    for (size_t i = 1; i < uses.count; i++) {
        struct setvar_use *a = VEC_AT(&uses, struct setvar_use, i);
        struct setvar_use *f = VEC_AT(&uses, struct setvar_use, first);
        if (a->pd != f->pd || strcmp(a->symbol, f->symbol) != 0)
            first = i;
        else
            report_setvar_twice(a, f, d);
    }
    vec_free(&uses);
}

/*
 * Warns about regions nothing maps, and about mixed cacheability of one region. One
 * pass over the maps, remembering the first map of each region.
 */
static void check_region_use(struct model *m, struct diag_sink *d)
{
    size_t n = m->regions.count;
    const struct model_map **first = xcalloc(n ? n : 1, sizeof(*first));
    uint8_t *mixed = xcalloc(n ? n : 1, 1);
    for (size_t j = 0; j < m->maps.count; j++) {
        const struct model_map *map = MODEL_MAP(m, j);
        if (map->region == NO_INDEX)
            continue;
        const struct model_map *f = first[map->region];
        if (!f) {
            first[map->region] = map;
        } else if (f->cached != map->cached && !mixed[map->region]) {
            mixed[map->region] = 1;
            diag_node(d, DIAG_WARNING, map->node, "cached",
                      "region '%s' is mapped with cached=\"%s\" at line %d but "
                      "cached=\"%s\" here; mixed cacheability breaks coherence, map it the "
                      "same way everywhere",
                      MODEL_REGION(m, map->region)->name, f->cached ? "true" : "false",
                      check_line(f->node), map->cached ? "true" : "false");
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct model_region *r = MODEL_REGION(m, i);
        if (!first[i] && !check_vm_maps_region(m, (uint32_t)i))
            diag_node(d, DIAG_WARNING, r->node, NULL,
                      "memory region '%s' is not mapped by any protection domain; map it or "
                      "remove it",
                      r->name);
    }
    free(mixed);
    free(first);
}

void check_memory(struct model *m, struct diag_sink *d)
{
    for (uint32_t i = 0; i < m->regions.count; i++)
        check_region(m, i, d);
    check_phys_overlaps(m, d);
    struct vec ranges = {0};
    for (size_t i = 0; i < m->maps.count; i++)
        check_map(m, MODEL_MAP(m, i), &ranges, d);
    for (size_t i = 0; i < m->bars.count; i++)
        check_bar(MODEL_BAR(m, i), &ranges, d);
    vec_sort(&ranges, sizeof(struct va_range), compare_ranges);
    check_va_overlaps(m, &ranges, d);
    vec_free(&ranges);
    check_setvars(m, d);
    check_region_use(m, d);
}
