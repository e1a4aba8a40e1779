/*
 * The root CSpace and boot-info page (see object/boot.h).
 *
 * boot_create_root_cspace() decodes first -- checks and sorts the ranges, picks memory
 * for the root CNode and boot-info page, counts the untyped blocks -- and only then
 * writes anything. boot_check_untyped_cover() recomputes the cover independently from
 * the caller's ranges and compares it with the caps actually made.
 */
#include "object/boot.h"
#include "object/cdt.h"
#include "object/cnode.h"
#include "object/objects.h"
#include "object/untyped.h"
#include "kassert.h"
#include "kmem.h"
#include "kstring.h"

struct span {
    paddr_t base;
    paddr_t end;
    bool device;
};

#define SPAN_CAPACITY  (2 * BOOT_MAX_RANGES + 4)
#define BLOCK_CAPACITY (BST_BOOTINFO_MAX_UNTYPED + 2)

/* Scratch: the sorted free ranges (boot) and the two lists compared by the check. */
static struct span boot_spans[SPAN_CAPACITY];
static struct span want_spans[SPAN_CAPACITY];
static struct span have_spans[BLOCK_CAPACITY];

struct span_list {
    struct span *v;
    size_t n;
    size_t cap;
};

/* Insert keeping the list sorted by base. */
static void span_insert(struct span_list *l, struct span s)
{
    kassert(l->n < l->cap);
    size_t i = l->n++;
    while (i > 0 && l->v[i - 1].base > s.base) {
        l->v[i] = l->v[i - 1];
        i--;
    }
    l->v[i] = s;
}

static bst_error_t check_range(const struct boot_range *r)
{
    if (r->base >= r->end)
        return BST_INVALID_ARGUMENT;
    if (!IS_ALIGNED(r->base, BIT(BOOT_PAGE_BITS)) || !IS_ALIGNED(r->end, BIT(BOOT_PAGE_BITS)))
        return BST_ALIGNMENT_ERROR;
    if (r->end > BOOT_MAX_PADDR)
        return BST_RANGE_ERROR;
    return BST_OK;
}

static bst_error_t add_ranges(struct span_list *l, const struct boot_range *r, size_t n,
                              bool device)
{
    if (n > BOOT_MAX_RANGES)
        return BST_RANGE_ERROR;
    for (size_t i = 0; i < n; i++) {
        bst_error_t e = check_range(&r[i]);
        if (e != BST_OK)
            return e;
        span_insert(l, (struct span){.base = r[i].base, .end = r[i].end, .device = device});
    }
    return BST_OK;
}

static bool spans_overlap(const struct span_list *l)
{
    for (size_t i = 1; i < l->n; i++) {
        if (l->v[i].base < l->v[i - 1].end)
            return true;
    }
    return false;
}

/* Remove [base, end) from the RAM span that contains it, splitting it. */
static bool span_cut(struct span_list *l, paddr_t base, paddr_t end)
{
    for (size_t i = 0; i < l->n; i++) {
        struct span s = l->v[i];
        if (s.device || base < s.base || end > s.end)
            continue;
        l->v[i].end = base;
        span_insert(l, (struct span){.base = end, .end = s.end, .device = false});
        return true;
    }
    return false;
}

/* Drop empty spans. */
static void span_compact(struct span_list *l)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].base < l->v[i].end)
            l->v[k++] = l->v[i];
    }
    l->n = k;
}

/* First fit: a naturally aligned 2^bits block of free RAM, taken out of the list. */
static bool carve(struct span_list *l, unsigned bits, struct boot_range *out)
{
    for (size_t i = 0; i < l->n; i++) {
        paddr_t at = ALIGN_UP(l->v[i].base, BIT(bits));
        if (l->v[i].device || at >= l->v[i].end || l->v[i].end - at < BIT(bits))
            continue;
        *out = (struct boot_range){.base = at, .end = at + BIT(bits)};
        span_cut(l, out->base, out->end);
        span_compact(l);
        return true;
    }
    return false;
}

/* log2 of the largest naturally aligned block at `p` that ends by `end`. */
static unsigned block_bits(paddr_t p, paddr_t end)
{
    unsigned bits = p == 0 ? 63 : (unsigned)__builtin_ctzll(p);
    unsigned fit = 63 - (unsigned)__builtin_clzll(end - p);
    bits = bits < fit ? bits : fit;
    return bits < BST_UNTYPED_MAX_BITS ? bits : BST_UNTYPED_MAX_BITS;
}

static size_t count_blocks(const struct span_list *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        for (paddr_t p = l->v[i].base; p < l->v[i].end; p += BIT(block_bits(p, l->v[i].end)))
            n++;
    }
    return n;
}

struct boot_plan {
    struct span_list spans;
    struct boot_range cnode;
    struct boot_range info;
    unsigned radix;
    size_t n_blocks;
    unsigned cpus; /* 1 .. BOOT_MAX_CPUS */
};

static bst_error_t boot_decode(const struct boot_range *ram, size_t n_ram,
                               const struct boot_range *dev, size_t n_dev,
                               const struct boot_options *opt, struct boot_plan *p)
{
    p->radix = opt->root_cnode_radix;
    if (p->radix < BST_CNODE_MIN_RADIX || p->radix > BST_CNODE_MAX_RADIX ||
        BIT(p->radix) <= BST_SLOT_FIRST_DYNAMIC)
        return BST_RANGE_ERROR;
    p->spans = (struct span_list){.v = boot_spans, .n = 0, .cap = SPAN_CAPACITY};
    bst_error_t e = add_ranges(&p->spans, ram, n_ram, false);
    if (e == BST_OK)
        e = add_ranges(&p->spans, dev, n_dev, true);
    if (e != BST_OK)
        return e;
    if (spans_overlap(&p->spans))
        return BST_INVALID_ARGUMENT;
    if (!carve(&p->spans, p->radix + BST_CNODE_SLOT_BITS, &p->cnode) ||
        !carve(&p->spans, BOOT_PAGE_BITS, &p->info))
        return BST_NOT_ENOUGH_MEMORY;
    p->n_blocks = count_blocks(&p->spans);
    p->cpus = opt->cpus == 0 ? 1 : opt->cpus;
    if (p->cpus > BOOT_MAX_CPUS || p->n_blocks > BST_BOOTINFO_MAX_UNTYPED ||
        p->n_blocks + p->cpus - 1 > BIT(p->radix) - BST_SLOT_FIRST_DYNAMIC)
        return BST_RANGE_ERROR;
    return BST_OK;
}

/* Put `c` in root CNode slot `index` as a child of the CDT root. */
static void place_boot_cap(const struct cap *root_cnode, uint64_t index, struct cap c)
{
    struct cte *slot = cnode_slot(root_cnode, index);
    slot->cap = c;
    cdt_insert_last_child(cdt_root(), slot);
}

static struct cap make_root_cnode_cap(const struct boot_plan *p)
{
    struct cap c =
        cap_make_object(BST_OBJ_CNODE, p->cnode.base, p->radix + BST_CNODE_SLOT_BITS, p->radix, 0);
    c.u.cnode.guard_bits = (uint8_t)(64 - p->radix);
    return c;
}

static void place_fixed_caps(const struct cap *root, const struct boot_plan *p)
{
    place_boot_cap(root, BST_SLOT_ROOT_CNODE, *root);
    place_boot_cap(root, BST_SLOT_IRQ_CONTROL, cap_make_control(BST_OBJ_IRQ_CONTROL));
    place_boot_cap(root, BST_SLOT_IOPORT_CONTROL, cap_make_control(BST_OBJ_IOPORT_CONTROL));
    place_boot_cap(root, BST_SLOT_DOMAIN_CONTROL, cap_make_control(BST_OBJ_DOMAIN_CONTROL));
    place_boot_cap(root, BST_SLOT_SCHED_CONTROL, cap_make_control(BST_OBJ_SCHED_CONTROL));
    /* The other CPUs' control caps, in the slots after the untyped caps but next to CPU
     * 0's in the derivation tree (caps of one kind of control object stay together). */
    for (unsigned cpu = 1; cpu < p->cpus; cpu++) {
        struct cap c = cap_make_control(BST_OBJ_SCHED_CONTROL);
        c.u.sched_control.cpu = cpu;
        place_boot_cap(root, BST_SLOT_FIRST_DYNAMIC + p->n_blocks + cpu - 1, c);
    }
    place_boot_cap(root, BST_SLOT_BOOTINFO,
                   cap_make_object(BST_OBJ_FRAME_4K, p->info.base, BOOT_PAGE_BITS, 0, 0));
}

static void place_untyped(const struct cap *root, const struct boot_plan *p,
                          struct bst_bootinfo *bi)
{
    uint64_t slot = BST_SLOT_FIRST_DYNAMIC;
    for (size_t i = 0; i < p->spans.n; i++) {
        const struct span *s = &p->spans.v[i];
        for (paddr_t at = s->base; at < s->end; at += BIT(block_bits(at, s->end))) {
            unsigned bits = block_bits(at, s->end);
            place_boot_cap(root, slot++, untyped_make(at, bits, s->device));
            bi->untyped_list[bi->n_untyped++] = (struct bst_untyped_desc){
                .paddr = at, .size_bits = (uint8_t)bits, .is_device = s->device};
            *(s->device ? &bi->device_bytes : &bi->ram_bytes) += BIT(bits);
        }
    }
}

static void fill_bootinfo_header(struct bst_bootinfo *bi, const struct boot_plan *p)
{
    bi->magic = BST_BOOTINFO_MAGIC;
    bi->version = BST_BOOTINFO_VERSION;
    bi->root_cnode_radix = p->radix;
    bi->untyped.start = BST_SLOT_FIRST_DYNAMIC;
    bi->untyped.end = BST_SLOT_FIRST_DYNAMIC + p->n_blocks;
    bi->n_cpus = p->cpus;
    bi->sched_control_first = (uint32_t)bi->untyped.end;
    bi->empty.start = bi->untyped.end + p->cpus - 1;
    bi->empty.end = BIT(p->radix);
    bi->bootinfo_paddr = p->info.base;
    bi->root_cnode_paddr = p->cnode.base;
}

struct boot_result boot_create_root_cspace(const struct boot_range *ram, size_t n_ram,
                                           const struct boot_range *dev, size_t n_dev,
                                           const struct boot_options *opt)
{
    struct boot_result r = {.status = BST_OK};
    struct boot_plan p;
    r.status = boot_decode(ram, n_ram, dev, n_dev, opt, &p);
    if (r.status != BST_OK)
        return r;

    objects_init();
    memset(kmem_ptr(p.cnode.base), 0, BIT(p.radix + BST_CNODE_SLOT_BITS));
    cnode_init(p.cnode.base, p.radix);
    struct bst_bootinfo *bi = kmem_ptr(p.info.base);
    memset(bi, 0, sizeof(*bi));
    struct cap root = make_root_cnode_cap(&p);
    place_fixed_caps(&root, &p);
    fill_bootinfo_header(bi, &p);
    place_untyped(&root, &p, bi);
    kassert(bi->n_untyped == p.n_blocks);

    r.root_cnode_slot = cnode_slot(&root, BST_SLOT_ROOT_CNODE);
    r.bootinfo = bi;
    r.root_cnode = p.cnode;
    r.bootinfo_page = p.info;
    return r;
}

/* ---- The cover check ---------------------------------------------------------------- */

/* Merge touching spans of the same kind (the list is sorted). */
static void span_coalesce(struct span_list *l)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (k > 0 && l->v[k - 1].end == l->v[i].base && l->v[k - 1].device == l->v[i].device)
            l->v[k - 1].end = l->v[i].end;
        else
            l->v[k++] = l->v[i];
    }
    l->n = k;
}

static const char *check_header(const struct boot_result *br)
{
    const struct bst_bootinfo *bi = br->bootinfo;
    if (br->status != BST_OK || bi == NULL || br->root_cnode_slot == NULL)
        return "boot did not succeed";
    if (bi->magic != BST_BOOTINFO_MAGIC || bi->version != BST_BOOTINFO_VERSION)
        return "boot-info magic or version is wrong";
    if (bi->n_untyped > BST_BOOTINFO_MAX_UNTYPED ||
        bi->untyped.end - bi->untyped.start != bi->n_untyped ||
        bi->untyped.start != BST_SLOT_FIRST_DYNAMIC || bi->n_cpus < 1 ||
        bi->n_cpus > BOOT_MAX_CPUS || bi->sched_control_first != bi->untyped.end ||
        bi->empty.start != bi->untyped.end + bi->n_cpus - 1 ||
        bi->empty.end != BIT(bi->root_cnode_radix))
        return "boot-info slot ranges are inconsistent";
    return NULL;
}

/* Each untyped cap matches its boot-info entry; collect them as spans. */
static const char *collect_untyped(const struct boot_result *br, struct span_list *have)
{
    const struct bst_bootinfo *bi = br->bootinfo;
    const struct cap *root = &br->root_cnode_slot->cap;
    for (uint32_t i = 0; i < bi->n_untyped; i++) {
        const struct bst_untyped_desc *d = &bi->untyped_list[i];
        const struct cap *c = &cnode_slot(root, bi->untyped.start + i)->cap;
        if (cap_type(c) != BST_OBJ_UNTYPED || c->paddr != d->paddr ||
            c->size_bits != d->size_bits || cap_is_device(c) != (d->is_device != 0))
            return "an untyped cap differs from its boot-info entry";
        if (!IS_ALIGNED(c->paddr, BIT(c->size_bits)) || c->u.untyped.watermark != 0)
            return "an untyped cap is misaligned or already used";
        if (have->n > 0 && c->paddr < have->v[have->n - 1].end)
            return "untyped caps overlap or are out of address order";
        kassert(have->n < have->cap);
        have->v[have->n++] = (struct span){
            .base = c->paddr, .end = c->paddr + BIT(c->size_bits), .device = cap_is_device(c)};
    }
    return NULL;
}

static const char *build_expected(const struct boot_result *br, const struct boot_range *ram,
                                  size_t n_ram, const struct boot_range *dev, size_t n_dev,
                                  struct span_list *want)
{
    if (add_ranges(want, ram, n_ram, false) != BST_OK ||
        add_ranges(want, dev, n_dev, true) != BST_OK || spans_overlap(want))
        return "the ranges given to the check are invalid";
    if (!span_cut(want, br->root_cnode.base, br->root_cnode.end) ||
        !span_cut(want, br->bootinfo_page.base, br->bootinfo_page.end))
        return "the root CNode or boot-info page is not in free RAM";
    span_compact(want);
    return NULL;
}

struct boot_check boot_check_untyped_cover(const struct boot_result *br,
                                           const struct boot_range *ram, size_t n_ram,
                                           const struct boot_range *dev, size_t n_dev)
{
    struct boot_check c = {.ok = false, .why = check_header(br)};
    struct span_list have = {.v = have_spans, .n = 0, .cap = BLOCK_CAPACITY};
    struct span_list want = {.v = want_spans, .n = 0, .cap = SPAN_CAPACITY};
    if (c.why == NULL)
        c.why = collect_untyped(br, &have);
    if (c.why == NULL)
        c.why = build_expected(br, ram, n_ram, dev, n_dev, &want);
    if (c.why != NULL)
        return c;
    span_coalesce(&have);
    span_coalesce(&want);
    bool same = have.n == want.n;
    for (size_t i = 0; same && i < have.n; i++) {
        same = have.v[i].base == want.v[i].base && have.v[i].end == want.v[i].end &&
               have.v[i].device == want.v[i].device;
    }
    c.ok = same;
    c.why = same ? NULL : "untyped caps do not cover exactly the free RAM and device ranges";
    return c;
}
