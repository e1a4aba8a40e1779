/*
 * Whether each coloured domain's objects fit its colours (colour_fit.h).
 *
 * init (init/colour.c) cuts *stripes* of max(N, 16) pages out of RAM, aligned to their
 * size, and splits each, halving, into aligned blocks that lie wholly in one domain's
 * colours; a domain's objects are retyped from its blocks, first fit, each object aligned
 * to its size above the block's watermark; a stripe is cut when no block of the domain
 * holds the next object, until the coloured memory's stripes are all cut. Every stripe
 * gives a domain the same blocks, so a domain's objects land in the same places whatever
 * the other domains take: the domain fits when its objects, in init's order, need no
 * more stripes than the coloured memory has.
 *
 * init's order: the spec's objects, in table order (a region whose physical address a PD
 * receives as one untyped block of the next power of two); then an endpoint for each PD
 * that has children and no endpoint; then, PD by PD, the I/O space of its devices with
 * its I/O page tables (at most as many as its DMA regions can need) and each guest's
 * GSPACE, VCPU and guest page tables; then, for each coloured domain, its copy of the
 * kernel image (a KERNEL_IMAGE object, then one 4 KiB frame per page). This file replays
 * that order over the tool's own layout, so what it counts is what init will make; if
 * init's order or packing changes, this replay must change with it.
 */
#include "colour_fit.h"

#include "colours.h"
#include "diag.h"
#include "layout.h"
#include "model.h"
#include "util.h"

#include <bastion/objtype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_BITS        12u
#define STRIPE_MIN_PAGES 16u /* init/colour.c */
/* Stripes replayed at most (a bound on the tool's memory): coloured memory beyond them is
 * compared by bytes only, which ignores the blocks' alignment. */
#define FIT_STRIPES_MAX  4096u

struct fit_block {
    uint8_t bits;  /* log2 bytes */
    uint64_t used; /* the watermark */
};

/* One domain's pool as init builds it. */
struct fit_pool {
    const struct colour_set *colours;
    unsigned total;            /* N */
    unsigned stripe_log2;      /* log2 pages of a stripe */
    struct fit_block *pattern; /* the domain's blocks of one stripe, in init's order */
    size_t pattern_count;
    struct vec blocks;    /* struct fit_block: the blocks of the stripes cut */
    size_t full;          /* blocks[0 .. full) have no byte left */
    uint64_t stripes;     /* stripes cut */
    uint64_t limit;       /* the coloured memory's stripes */
    bool overflow;        /* an object found no room in them */
    uint8_t largest_bits; /* the largest block's log2 bytes */
    bool too_large;       /* an object larger than any block */
    uint64_t bytes;       /* what the objects take, besides alignment */
};

/* Whether every page of the aligned 2^k pages at stripe offset `first` has a colour of
 * the set (*all) or none of them does (*none). */
static void block_colours(const struct fit_pool *p, uint64_t first, unsigned k, bool *all,
                          bool *none)
{
    *all = true;
    *none = true;
    for (uint64_t j = first; j < first + (1ULL << k); j++) {
        bool mine = colour_has(p->colours, (unsigned)(j % p->total));
        *all &= mine;
        *none &= !mine;
    }
}

/* init's split(): the domain's blocks of a stripe, lower halves first. */
static void split(struct fit_pool *p, struct vec *out, uint64_t first, unsigned k)
{
    bool all, none;
    block_colours(p, first, k, &all, &none);
    if (all) {
        struct fit_block *b = vec_push(out, sizeof(*b));
        *b = (struct fit_block){(uint8_t)(k + PAGE_BITS), 0};
        if (b->bits > p->largest_bits)
            p->largest_bits = b->bits;
        return;
    }
    if (none || k == 0)
        return;
    split(p, out, first, k - 1);
    split(p, out, first + (1ULL << (k - 1)), k - 1);
}

static void pool_init(struct fit_pool *p, const struct model *m, const struct colour_set *c)
{
    memset(p, 0, sizeof(*p));
    p->colours = c;
    p->total = m->colour_total;
    unsigned pages = p->total > STRIPE_MIN_PAGES ? p->total : STRIPE_MIN_PAGES;
    while ((1u << (p->stripe_log2 + 1)) <= pages)
        p->stripe_log2++;
    struct vec pattern = {0};
    split(p, &pattern, 0, p->stripe_log2);
    p->pattern = pattern.items;
    p->pattern_count = pattern.count;
}

static void pool_free(struct fit_pool *p)
{
    free(p->pattern);
    vec_free(&p->blocks);
}

/* One more stripe's blocks; false when the coloured memory has no more. */
static bool cut_stripe(struct fit_pool *p)
{
    if (p->stripes == p->limit)
        return false;
    for (size_t j = 0; j < p->pattern_count; j++)
        *(struct fit_block *)vec_push(&p->blocks, sizeof(struct fit_block)) = p->pattern[j];
    p->stripes++;
    return true;
}

/* init's colour_alloc(): `count` objects of 2^bits bytes, first fit, cutting stripes as
 * needed; p->overflow once the coloured memory's stripes cannot hold them. */
static void pool_alloc(struct fit_pool *p, unsigned bits, uint64_t count)
{
    if (count == 0)
        return;
    p->bytes += count << bits;
    if (bits > p->largest_bits)
        p->too_large = true;
    if (p->too_large || p->overflow)
        return;
    uint64_t align = 1ULL << bits;
    for (size_t i = p->full;; i++) {
        if (i == p->blocks.count && !cut_stripe(p)) {
            p->overflow = true;
            return;
        }
        struct fit_block *b = VEC_AT(&p->blocks, struct fit_block, i);
        if (i == p->full && b->used == 1ULL << b->bits) {
            p->full++;
            continue;
        }
        uint64_t start = (b->used + align - 1) & ~(align - 1), size = 1ULL << b->bits;
        uint64_t n = start < size ? (size - start) >> bits : 0;
        n = n < count ? n : count;
        if (n == 0)
            continue;
        b->used = start + (n << bits);
        count -= n;
        if (count == 0)
            return;
    }
}

/* The kernel object size (log2 bytes) of a spec object, as init retypes it. */
static unsigned object_bits(const struct bastion_spec_object *o)
{
    switch (o->type) {
    case BASTION_OBJ_TCB:
        return bst_obj_fixed_bits(BST_OBJ_TCB);
    case BASTION_OBJ_SCHED_CONTEXT:
        return bst_obj_fixed_bits(BST_OBJ_SCHED_CONTEXT);
    case BASTION_OBJ_CNODE:
        return bst_obj_size_bits(BST_OBJ_CNODE, o->size_bits);
    case BASTION_OBJ_ENDPOINT:
        return bst_obj_fixed_bits(BST_OBJ_ENDPOINT);
    case BASTION_OBJ_NOTIFICATION:
        return bst_obj_fixed_bits(BST_OBJ_NOTIFICATION);
    case BASTION_OBJ_REPLY:
        return bst_obj_fixed_bits(BST_OBJ_REPLY);
    case BASTION_OBJ_VSPACE:
        return bst_obj_fixed_bits(BST_OBJ_VSPACE);
    case BASTION_OBJ_PAGE_DIR_PT:
        return bst_obj_fixed_bits(BST_OBJ_PT_L3);
    case BASTION_OBJ_PAGE_DIR:
        return bst_obj_fixed_bits(BST_OBJ_PT_L2);
    case BASTION_OBJ_PAGE_TABLE:
        return bst_obj_fixed_bits(BST_OBJ_PT_L1);
    default:
        return o->size_bits;
    }
}

static const struct bastion_spec_pd *spec_pd(const struct layout *l, uint32_t p)
{
    return LAYOUT_ENTRY(l, BASTION_TABLE_PDS, struct bastion_spec_pd, p);
}

/* init's colour_pd_domain(): PD p's domain when it is coloured, else NO_INDEX. */
static uint32_t pd_domain(const struct model *m, const struct layout *l, uint32_t p)
{
    uint32_t d = spec_pd(l, p)->domain;
    return d < m->domains.count && MODEL_DOMAIN(m, d)->has_colours ? d : NO_INDEX;
}

/* init's region_domain(): the one coloured domain whose PDs alone map region r (a guest's
 * map counting as its VMM PD's). */
static uint32_t region_domain(const struct model *m, const struct layout *l, uint32_t r)
{
    const struct bastion_spec_region *reg =
        LAYOUT_ENTRY(l, BASTION_TABLE_REGIONS, struct bastion_spec_region, r);
    if (reg->flags & (BASTION_REGION_FIXED_PHYS | BASTION_REGION_PLATFORM_HPET))
        return NO_INDEX;
    uint32_t dom = NO_INDEX;
    for (size_t k = 0; k < l->tables[BASTION_TABLE_MAPS].count; k++) {
        const struct bastion_spec_map *map =
            LAYOUT_ENTRY(l, BASTION_TABLE_MAPS, struct bastion_spec_map, k);
        if (map->region != r)
            continue;
        uint32_t d = pd_domain(m, l, map->pd);
        if (d == NO_INDEX || (dom != NO_INDEX && d != dom))
            return NO_INDEX;
        dom = d;
    }
    for (size_t k = 0; k < l->tables[BASTION_TABLE_VM_MAPS].count; k++) { /* its VMM PD's */
        const struct bastion_spec_vm_map *map =
            LAYOUT_ENTRY(l, BASTION_TABLE_VM_MAPS, struct bastion_spec_vm_map, k);
        if (map->region != r)
            continue;
        uint32_t d = pd_domain(
            m, l, LAYOUT_ENTRY(l, BASTION_TABLE_VMS, struct bastion_spec_vm, map->vm)->pd);
        if (d == NO_INDEX || (dom != NO_INDEX && d != dom))
            return NO_INDEX;
        dom = d;
    }
    return dom;
}

static bool paddr_delivered(const struct layout *l, uint32_t r)
{
    for (size_t i = 0; i < l->tables[BASTION_TABLE_PATCHES].count; i++) {
        const struct bastion_spec_patch *p =
            LAYOUT_ENTRY(l, BASTION_TABLE_PATCHES, struct bastion_spec_patch, i);
        if (p->kind == BASTION_PATCH_REGION_PADDR && p->index == r)
            return true;
    }
    return false;
}

/* Domain `dom`'s requests for object entry i, in init's create_objects(). */
static void alloc_object(struct fit_pool *p, const struct model *m, const struct layout *l,
                         uint32_t dom, uint32_t i)
{
    const struct bastion_spec_object *o =
        LAYOUT_ENTRY(l, BASTION_TABLE_OBJECTS, struct bastion_spec_object, i);
    for (uint32_t r = 0; r < l->tables[BASTION_TABLE_REGIONS].count; r++) {
        const struct bastion_spec_region *reg =
            LAYOUT_ENTRY(l, BASTION_TABLE_REGIONS, struct bastion_spec_region, r);
        if (reg->frames != i)
            continue;
        if (region_domain(m, l, r) != dom)
            return;
        if (paddr_delivered(l, r)) { /* one untyped of the next power of two */
            unsigned bits = 0;
            while ((1ULL << bits) < reg->size)
                bits++;
            pool_alloc(p, bits, 1);
        } else {
            pool_alloc(p, object_bits(o), o->count);
        }
        return;
    }
    if (o->pd != BASTION_SPEC_NONE && pd_domain(m, l, o->pd) == dom)
        pool_alloc(p, object_bits(o), o->count);
}

static bool has_children(const struct layout *l, uint32_t p)
{
    for (uint32_t q = 0; q < l->tables[BASTION_TABLE_PDS].count; q++)
        if (spec_pd(l, q)->parent == p)
            return true;
    return false;
}

/* ---- Guests and devices (init/vm.c, init/iommu.c) ---------------------------------------- */

#define WINDOW_LEVELS 3 /* tables below a second-level space's root: 2 MiB, 1 GiB, 512 GiB */

static const unsigned window_shift[WINDOW_LEVELS] = {21, 30, 39};

/* One table level's windows, as [first, last] index runs. */
struct window_run {
    uint64_t first, last;
};

static int run_cmp(const void *a, const void *b)
{
    const struct window_run *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* How many distinct windows the runs cover (they may overlap). */
static uint64_t windows_covered(struct vec *runs)
{
    if (runs->count == 0)
        return 0;
    qsort(runs->items, runs->count, sizeof(struct window_run), run_cmp);
    const struct window_run *r = VEC_AT(runs, struct window_run, 0);
    uint64_t n = r->last - r->first + 1, end = r->last;
    for (size_t i = 1; i < runs->count; i++) {
        r = VEC_AT(runs, struct window_run, i);
        if (r->first > end)
            n += r->last - r->first + 1;
        else if (r->last > end)
            n += r->last - end;
        if (r->last > end)
            end = r->last;
    }
    return n;
}

static const struct bastion_spec_region *spec_region(const struct layout *l, uint32_t r)
{
    return LAYOUT_ENTRY(l, BASTION_TABLE_REGIONS, struct bastion_spec_region, r);
}

/* The GPTs guest v's maps need: for each level above a map's page size, each window of
 * guest-physical addresses a map touches (init/vm.c adds one when a mapping misses it). */
static uint64_t guest_tables(const struct layout *l, uint32_t v)
{
    const struct bastion_spec_vm *vm =
        LAYOUT_ENTRY(l, BASTION_TABLE_VMS, struct bastion_spec_vm, v);
    uint64_t tables = 0;
    for (unsigned lvl = 0; lvl < WINDOW_LEVELS; lvl++) {
        struct vec runs = {0};
        for (uint32_t k = vm->first_map; k < vm->first_map + vm->map_count; k++) {
            const struct bastion_spec_vm_map *map =
                LAYOUT_ENTRY(l, BASTION_TABLE_VM_MAPS, struct bastion_spec_vm_map, k);
            const struct bastion_spec_region *reg = spec_region(l, map->region);
            if (reg->size == 0 || reg->page_size >= 1ULL << window_shift[lvl])
                continue; /* mapped above this level */
            *(struct window_run *)vec_push(&runs, sizeof(struct window_run)) = (struct window_run){
                map->gpa >> window_shift[lvl], (map->gpa + reg->size - 1) >> window_shift[lvl]};
        }
        tables += windows_covered(&runs);
        vec_free(&runs);
    }
    return tables;
}

static bool learns_paddr(const struct layout *l, uint32_t q, uint32_t r)
{
    for (size_t i = 0; i < l->tables[BASTION_TABLE_PATCHES].count; i++) {
        const struct bastion_spec_patch *p =
            LAYOUT_ENTRY(l, BASTION_TABLE_PATCHES, struct bastion_spec_patch, i);
        if (p->pd == q && p->kind == BASTION_PATCH_REGION_PADDR && p->index == r)
            return true;
    }
    return false;
}

/* init/iommu.c's is_peer(): a channel between them, or one is the other's parent. */
static bool is_peer(const struct layout *l, uint32_t p, uint32_t q)
{
    if (spec_pd(l, p)->parent == q || spec_pd(l, q)->parent == p)
        return true;
    for (size_t i = 0; i < l->tables[BASTION_TABLE_CHANNELS].count; i++) {
        const struct bastion_spec_channel *c =
            LAYOUT_ENTRY(l, BASTION_TABLE_CHANNELS, struct bastion_spec_channel, i);
        if ((c->pd[0] == p && c->pd[1] == q) || (c->pd[0] == q && c->pd[1] == p))
            return true;
    }
    return false;
}

/* init/iommu.c's dma_rights() != 0: region r is mapped for PD p's devices. */
static bool dma_region(const struct layout *l, uint32_t p, uint32_t r)
{
    if (learns_paddr(l, p, r))
        return true;
    for (uint32_t q = 0; q < l->tables[BASTION_TABLE_PDS].count; q++)
        if (q != p && learns_paddr(l, q, r) && is_peer(l, p, q))
            return true;
    return false;
}

/* At most the IOPTs PD p's DMA regions need. Each is mapped at its physical address,
 * which the tool does not know: a region init makes contiguous lies in an aligned block
 * of the next power of two of its size, a fixed one anywhere (one window more), and no
 * two regions are assumed to share a table. */
static uint64_t io_tables(const struct layout *l, uint32_t p)
{
    uint64_t tables = 0;
    for (uint32_t r = 0; r < l->tables[BASTION_TABLE_REGIONS].count; r++) {
        const struct bastion_spec_region *reg = spec_region(l, r);
        if (reg->size == 0 || !dma_region(l, p, r))
            continue;
        bool fixed = reg->flags & (BASTION_REGION_FIXED_PHYS | BASTION_REGION_PLATFORM_HPET);
        uint64_t block = 1;
        while (block < reg->size)
            block <<= 1;
        for (unsigned lvl = 0; lvl < WINDOW_LEVELS; lvl++)
            if (reg->page_size < 1ULL << window_shift[lvl]) {
                uint64_t w = 1ULL << window_shift[lvl];
                tables += (block + w - 1) / w + (fixed ? 1 : 0);
            }
    }
    return tables;
}

static bool has_devices(const struct layout *l, uint32_t p)
{
    for (size_t d = 0; d < l->tables[BASTION_TABLE_PCI_DEVICES].count; d++)
        if (LAYOUT_ENTRY(l, BASTION_TABLE_PCI_DEVICES, struct bastion_spec_pci_device, d)->pd == p)
            return true;
    return false;
}

/* What init makes for PD p's devices and guests, in build_system()'s order: the I/O space
 * and its tables (iommu_give_devices(), counted as if the machine has an IOMMU), then each
 * guest's GSPACE, VCPU and GPTs (vm_build_guests()). */
static void alloc_pd_extras(struct fit_pool *p, const struct layout *l, uint32_t q)
{
    if (has_devices(l, q)) {
        pool_alloc(p, bst_obj_fixed_bits(BST_OBJ_IOSPACE), 1);
        pool_alloc(p, bst_obj_fixed_bits(BST_OBJ_IOPT), io_tables(l, q));
    }
    for (uint32_t v = 0; v < l->tables[BASTION_TABLE_VMS].count; v++)
        if (LAYOUT_ENTRY(l, BASTION_TABLE_VMS, struct bastion_spec_vm, v)->pd == q) {
            pool_alloc(p, bst_obj_fixed_bits(BST_OBJ_GSPACE), 1);
            pool_alloc(p, bst_obj_fixed_bits(BST_OBJ_VCPU), 1);
            pool_alloc(p, bst_obj_fixed_bits(BST_OBJ_GPT), guest_tables(l, v));
        }
}

/* Everything init makes from domain dom's colours, in init's order. */
static void replay(struct fit_pool *p, const struct model *m, const struct layout *l, uint32_t dom,
                   uint64_t kimage_pages)
{
    for (uint32_t i = 0; i < l->tables[BASTION_TABLE_OBJECTS].count; i++)
        alloc_object(p, m, l, dom, i);
    for (uint32_t q = 0; q < l->tables[BASTION_TABLE_PDS].count; q++)
        if (spec_pd(l, q)->endpoint == BASTION_SPEC_NONE && has_children(l, q) &&
            pd_domain(m, l, q) == dom)
            pool_alloc(p, bst_obj_fixed_bits(BST_OBJ_ENDPOINT), 1);
    for (uint32_t q = 0; q < l->tables[BASTION_TABLE_PDS].count; q++)
        if (pd_domain(m, l, q) == dom)
            alloc_pd_extras(p, l, q);
    if (kimage_pages != 0) {
        pool_alloc(p, bst_obj_fixed_bits(BST_OBJ_KERNEL_IMAGE), 1);
        for (uint64_t k = 0; k < kimage_pages; k++)
            pool_alloc(p, PAGE_BITS, 1);
    }
}

static void check_domain(const struct model *m, const struct layout *l, uint32_t dom,
                         uint64_t kimage_pages, struct diag_sink *d)
{
    const struct model_domain *md = MODEL_DOMAIN(m, dom);
    struct fit_pool p;
    pool_init(&p, m, &md->colours);
    p.limit = m->colour_memory >> (p.stripe_log2 + PAGE_BITS);
    if (p.limit > FIT_STRIPES_MAX)
        p.limit = FIT_STRIPES_MAX;
    replay(&p, m, l, dom, kimage_pages);
    uint64_t per_stripe = ((1ULL << p.stripe_log2) / p.total * colour_count(&md->colours))
                          << PAGE_BITS;
    uint64_t stripes = m->colour_memory >> (p.stripe_log2 + PAGE_BITS);
    bool huge = stripes > FIT_STRIPES_MAX; /* not replayed to the end: bytes only */
    const char *with = kimage_pages ? " and its copy of the kernel image" : "";
    if (p.too_large)
        diag_node(d, DIAG_ERROR, md->node, "colours",
                  "colours: an object init makes for the domain%s is larger than any aligned "
                  "block of its colours (at most %u KiB): give the domain an aligned run of "
                  "more colours",
                  with, (1u << p.largest_bits) / 1024);
    else if (huge ? p.bytes > stripes * per_stripe : p.overflow)
        diag_node(d, DIAG_ERROR, md->node, "colours",
                  "colours: the domain's frames, page tables and kernel objects%s (0x%" PRIx64
                  " bytes) do not fit its %u colours, which hold 0x%" PRIx64 " (0x%" PRIx64
                  " in each of the coloured memory's %" PRIu64 " stripes), as init packs them "
                  "into aligned blocks; give the domain more colours or the schedule more "
                  "memory",
                  with, p.bytes, colour_count(&md->colours), stripes * per_stripe, per_stripe,
                  stripes);
    pool_free(&p);
}

void colours_check_fit(const struct model *m, uint64_t kimage_pages, struct diag_sink *d)
{
    if (!m->has_domain_schedule || m->colour_total == 0)
        return;
    bool any = false;
    for (size_t i = 0; i < m->domains.count; i++)
        any |= MODEL_DOMAIN(m, i)->has_colours;
    if (!any)
        return;
    struct layout l;
    layout_build(&l, m);
    for (uint32_t i = 0; i < m->domains.count; i++)
        if (MODEL_DOMAIN(m, i)->has_colours)
            check_domain(m, &l, i, kimage_pages, d);
    layout_free(&l);
    if (kimage_pages == 0)
        diag_node(d, DIAG_WARNING, m->domain_schedule_node, "colours",
                  "colours: init makes a copy of the kernel image (code and read-only data) "
                  "from each coloured domain's colours, and without the kernel (--kernel "
                  "FILE) it is not counted here");
}
