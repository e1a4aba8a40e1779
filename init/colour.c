/*
 * The domains' colour pools (colour.h). A page's colour is its physical frame number
 * modulo N, the spec's colour count (a power of two).
 *
 * init cuts *stripes* out of RAM untyped: blocks of max(N, 16) pages aligned to their
 * size, so the page at offset j of a stripe has colour j mod N wherever the stripe
 * lies. Each stripe is split, halving, into aligned untyped blocks that lie wholly in one
 * domain's colours (that domain's pool) or wholly in no domain's (never used: the memory
 * colouring costs). A coloured domain's objects are retyped from the blocks of its pool
 * (the kernel places objects inside an untyped, aligned, from its start), so every page
 * they occupy has one of its colours. An object larger than the largest aligned block of
 * a domain's colours (a 2 MiB page; a CNode wider than the domain's longest aligned run
 * of colours) cannot be coloured and is refused. Stripes are cut on demand, as long as
 * the spec's coloured memory lasts; the tool has checked that the RAM regions and
 * stacks fit, and what does not fit at boot stops init with the domain's name.
 *
 * Why init and not the tool: the tool does not know where RAM lies (the kernel's untyped
 * list is only known at boot) and init already makes every object from untyped memory;
 * an aligned stripe makes colours independent of where it lies, so nothing here depends
 * on the machine's memory map.
 */
#include "colour.h"

#include <libbastion/untyped.h>
#include <libbastion/vspace.h>

#define BLOCKS_MAX       2048
#define STRIPE_MIN_PAGES 16 /* a PD's 32 KiB CNode fits a stripe even with few colours */
#define NO_OWNER         0xffff
#define DOMAINS_MAX      256 /* spec.h's domain index is a byte */
#define PAGE_BITS        12u

struct colour_block {
    uint64_t slot;   /* untyped cap in init's CNode */
    uint64_t used;   /* bytes from its start that objects take (the kernel's watermark) */
    uint16_t domain; /* whose colours */
    uint8_t bits;    /* log2 bytes */
};

static struct colour_block blocks[BLOCKS_MAX];
static uint32_t n_blocks;
static uint16_t owner[BASTION_COLOURS_MAX]; /* colour -> domain, or NO_OWNER */
static bool coloured[DOMAINS_MAX];
static uint8_t largest_bits[DOMAINS_MAX]; /* log2 bytes of the largest block a stripe gives */
static uint32_t total;                    /* N; 0: no colouring */
static unsigned stripe_log2;              /* log2 pages of a stripe */
static uint64_t stripes_max, stripes_cut, retypes;
static uint64_t cut_cycles; /* cutting and splitting stripes */
static uint64_t pages_owned[DOMAINS_MAX], pages_unowned;
static uint64_t bytes_used[DOMAINS_MAX]; /* what the domain's objects take of its pages */

uint32_t colour_total(void)
{
    return total;
}

bool colour_in_set(uint32_t domain, uint32_t colour)
{
    return colour < total && owner[colour] == domain;
}

bool colour_domain_coloured(uint32_t domain)
{
    return domain < DOMAINS_MAX && coloured[domain];
}

static const char *domain_name(uint32_t d)
{
    return spec_string(&the_spec, the_spec.domains[d].name);
}

static unsigned log2_floor(uint64_t v)
{
    unsigned b = 0;
    while (v >> (b + 1))
        b++;
    return b;
}

/* The owner of every page of the aligned block of 2^k pages at stripe offset `first`,
 * or NO_OWNER when the pages have different owners (*mixed) or none. */
static uint16_t block_owner(uint64_t first, unsigned k, bool *mixed)
{
    uint16_t o = owner[first % total];
    *mixed = false;
    for (uint64_t j = first + 1; j < first + (1ULL << k); j++)
        if (owner[j % total] != o) {
            *mixed = true;
            return NO_OWNER;
        }
    return o;
}

/* For each domain, the largest aligned block of a stripe that lies in its colours. */
static void find_largest_blocks(void)
{
    for (unsigned k = 0; k <= stripe_log2; k++)
        for (uint64_t first = 0; first < (1ULL << stripe_log2); first += 1ULL << k) {
            bool mixed;
            uint16_t o = block_owner(first, k, &mixed);
            if (!mixed && o != NO_OWNER)
                largest_bits[o] = (uint8_t)(k + PAGE_BITS);
        }
}

static void print_machine(void)
{
    struct llc_geometry g;
    if (!llc_geometry_read(&g)) {
        bst_printf("init: colours: CPUID describes no last-level cache; the description's %u "
                   "colours are used as they are\n",
                   total);
        return;
    }
    if (g.colours == 0) /* sets x line under a page: every page spans all its sets */
        g.colours = 1;
    bst_printf("init: colours: the last-level cache (L%u, %s): %lu sets x %u-byte lines x %u "
               "ways = %lu KiB, %lu page colours\n",
               g.level, g.source, (unsigned long)g.sets, g.line, g.ways,
               (unsigned long)(g.sets * g.line * g.ways / 1024), (unsigned long)g.colours);
    if ((g.colours & (g.colours - 1)) == 0 && total > g.colours)
        init_fatal("colours: the description divides memory into %u colours, but this machine's "
                   "cache has only %lu: colours c and c + %lu share cache sets, so the domains' "
                   "sets would not separate them; describe at most %lu colours",
                   total, (unsigned long)g.colours, (unsigned long)g.colours,
                   (unsigned long)g.colours);
    if ((g.colours & (g.colours - 1)) == 0)
        bst_printf("init: colours: the description's %u colours each cover %lu of them\n", total,
                   (unsigned long)(g.colours / total));
    else
        bst_printf("init: colours: %lu is not a power of two (a hashed cache?); the "
                   "description's %u colours are used as they are\n",
                   (unsigned long)g.colours, total);
}

void colour_init(void)
{
    const struct spec *s = &the_spec;
    for (unsigned c = 0; c < BASTION_COLOURS_MAX; c++)
        owner[c] = NO_OWNER;
    if (s->n[BASTION_TABLE_COLOURS] == 0)
        return;
    total = (uint32_t)s->colours[0].last + 1;
    for (uint32_t i = 1; i < s->n[BASTION_TABLE_COLOURS]; i++) {
        const struct bastion_spec_colour *e = &s->colours[i];
        for (unsigned c = e->first; c <= e->last; c++)
            owner[c] = (uint16_t)e->domain;
        coloured[e->domain] = true;
    }
    unsigned pages = total > STRIPE_MIN_PAGES ? total : STRIPE_MIN_PAGES;
    stripe_log2 = log2_floor(pages);
    stripes_max = s->colours[0].memory >> (stripe_log2 + PAGE_BITS);
    find_largest_blocks();
    print_machine();
    bst_printf("init: colours: %u colours, %lu KiB coloured memory in stripes of %lu KiB%s\n",
               total, (unsigned long)(s->colours[0].memory / 1024),
               (unsigned long)((1ULL << (stripe_log2 + PAGE_BITS)) / 1024),
               colour_enforced() ? "" : " (NOT ENFORCED: this init allocates from any RAM)");
    if (stripes_max == 0)
        init_fatal("colours: memory=\"%lu\" holds no whole stripe of %lu bytes",
                   (unsigned long)s->colours[0].memory,
                   (unsigned long)(1ULL << (stripe_log2 + PAGE_BITS)));
}

uint32_t colour_pd_domain(uint32_t p)
{
    uint32_t d = the_spec.pds[p].domain;
    return total != 0 && d < the_spec.n[BASTION_TABLE_DOMAINS] && coloured[d] ? d
                                                                              : BASTION_SPEC_NONE;
}

/* The one domain whose PDs alone map region r (a guest's map counts as its VMM PD's),
 * or NONE. */
static uint32_t region_domain(uint32_t r)
{
    const struct spec *s = &the_spec;
    if (s->regions[r].flags & (BASTION_REGION_FIXED_PHYS | BASTION_REGION_PLATFORM_HPET))
        return BASTION_SPEC_NONE; /* device memory */
    uint32_t dom = BASTION_SPEC_NONE;
    for (uint32_t k = 0; k < s->n[BASTION_TABLE_MAPS]; k++) {
        if (s->maps[k].region != r)
            continue;
        uint32_t d = colour_pd_domain(s->maps[k].pd);
        if (d == BASTION_SPEC_NONE || (dom != BASTION_SPEC_NONE && d != dom))
            return BASTION_SPEC_NONE;
        dom = d;
    }
    for (uint32_t k = 0; k < s->n[BASTION_TABLE_VM_MAPS]; k++) { /* a guest's: its VMM PD's */
        if (s->vm_maps[k].region != r)
            continue;
        uint32_t d = colour_pd_domain(s->vms[s->vm_maps[k].vm].pd);
        if (d == BASTION_SPEC_NONE || (dom != BASTION_SPEC_NONE && d != dom))
            return BASTION_SPEC_NONE;
        dom = d;
    }
    return dom;
}

uint32_t colour_object_domain(uint32_t i)
{
    const struct spec *s = &the_spec;
    if (total == 0)
        return BASTION_SPEC_NONE;
    if (s->objects[i].pd != BASTION_SPEC_NONE)
        return colour_pd_domain(s->objects[i].pd);
    for (uint32_t r = 0; r < s->n[BASTION_TABLE_REGIONS]; r++)
        if (s->regions[r].frames == i)
            return region_domain(r);
    return BASTION_SPEC_NONE;
}

/* ---- Stripes ---------------------------------------------------------------------------- */

static void add_block(uint64_t slot, uint16_t domain, unsigned bits)
{
    if (n_blocks == BLOCKS_MAX)
        init_fatal("colours: more than %u coloured blocks (use fewer, longer colour runs)",
                   BLOCKS_MAX);
    blocks[n_blocks++] = (struct colour_block){slot, 0, domain, (uint8_t)bits};
    pages_owned[domain] += 1ULL << (bits - PAGE_BITS);
}

/* Sort the untyped `slot` (2^k pages at stripe offset `first`) into the pools. */
static void split(uint64_t slot, uint64_t first, unsigned k)
{
    bool mixed;
    uint16_t o = block_owner(first, k, &mixed);
    if (!mixed) {
        if (o != NO_OWNER)
            add_block(slot, o, k + PAGE_BITS);
        else
            pages_unowned += 1ULL << k;
        return;
    }
    uint64_t halves = slot_alloc(2);
    if (halves == 0)
        init_fatal("colours: not enough capability slots in init's CNode to split a stripe");
    bst_error_t e =
        bst_untyped_retype(slot, BST_OBJ_UNTYPED, k - 1 + PAGE_BITS, ROOT_CNODE, halves, 2);
    retypes++;
    if (e != BST_OK)
        init_fatal("colours: cannot split a stripe: %s", bst_error_name(e));
    split(halves, first, k - 1);
    split(halves + 1, first + (1ULL << (k - 1)), k - 1);
}

/* One more stripe into the pools; false when the coloured memory is used up. */
static bool cut_stripe(void)
{
    if (stripes_cut == stripes_max)
        return false;
    uint64_t start = colour_cycles();
    uint64_t slot = slot_alloc(1);
    if (slot == 0 || untyped_alloc(BST_OBJ_UNTYPED, stripe_log2 + PAGE_BITS, slot, 1) != BST_OK)
        init_fatal("colours: no aligned %lu KiB of RAM left for stripe %lu of %lu",
                   (unsigned long)((1ULL << (stripe_log2 + PAGE_BITS)) / 1024),
                   (unsigned long)stripes_cut + 1, (unsigned long)stripes_max);
    retypes++;
    stripes_cut++;
    split(slot, 0, stripe_log2);
    cut_cycles += colour_cycles() - start;
    return true;
}

/* ---- Allocation ------------------------------------------------------------------------- */

/* Retype as many of `count` objects (2^need bytes each) as fit block b; returns how many
 * it made. The kernel places them from the block's watermark rounded up to their size
 * (kernel/object/untyped.c), so init knows what fits without a failing call. */
static uint64_t retype_from(struct colour_block *b, bst_objtype_t type, unsigned size_bits,
                            unsigned need, uint64_t slot, uint64_t count, bst_error_t *error)
{
    uint64_t start = (b->used + (1ULL << need) - 1) & ~((1ULL << need) - 1);
    uint64_t size = 1ULL << b->bits;
    uint64_t n = start < size ? (size - start) >> need : 0;
    n = n < count ? n : count;
    n = n < BST_RETYPE_MAX_COUNT ? n : BST_RETYPE_MAX_COUNT;
    if (n == 0)
        return 0;
    bst_error_t e = bst_untyped_retype(b->slot, type, size_bits, ROOT_CNODE, slot, n);
    retypes++;
    if (e != BST_OK) {
        *error = e;
        return 0;
    }
    b->used = start + (n << need);
    return n;
}

/* As much of the request as domain d's blocks hold; returns how many remain. */
static uint64_t from_pool(uint32_t d, bst_objtype_t type, unsigned size_bits, uint64_t *slot,
                          uint64_t count, bst_error_t *error)
{
    unsigned need = bst_obj_size_bits(type, size_bits);
    for (uint32_t i = 0; i < n_blocks && count > 0; i++) {
        struct colour_block *b = &blocks[i];
        if (b->domain != d || b->bits < need)
            continue;
        for (uint64_t made = 1; count > 0 && made > 0;) {
            made = retype_from(b, type, size_bits, need, *slot, count, error);
            if (*error != BST_OK)
                return count;
            *slot += made;
            count -= made;
        }
    }
    return count;
}

/* The next coloured domain after d (cyclically), or NONE when d is the only one: where
 * init-nocolourobj.elf puts d's kernel objects, so that every one of them lies outside
 * d's colours and the boot check must see each (objects from any RAM could land in d's
 * colours by chance). */
static uint32_t other_domain(uint32_t d)
{
    for (uint32_t k = 1; k < DOMAINS_MAX; k++)
        if (coloured[(d + k) % DOMAINS_MAX])
            return (d + k) % DOMAINS_MAX;
    return BASTION_SPEC_NONE;
}

bst_error_t colour_alloc(uint32_t domain, bst_objtype_t type, unsigned size_bits,
                         uint64_t first_slot, uint64_t count)
{
    bool frames = type == BST_OBJ_FRAME_4K || type == BST_OBJ_FRAME_2M ||
                  type == BST_OBJ_FRAME_1G || type == BST_OBJ_UNTYPED;
    if (domain == BASTION_SPEC_NONE || !colour_enforced())
        return untyped_alloc(type, size_bits, first_slot, count);
    if (!frames && !colour_objects_enforced()) { /* init-nocolourobj.elf: the wrong colours */
        domain = other_domain(domain);
        if (domain == BASTION_SPEC_NONE)
            return untyped_alloc(type, size_bits, first_slot, count);
    }
    unsigned bits = bst_obj_size_bits(type, size_bits);
    if (bits > largest_bits[domain])
        return BST_RANGE_ERROR;
    bytes_used[domain] += count << bits;
    for (;;) {
        bst_error_t e = BST_OK;
        count = from_pool(domain, type, size_bits, &first_slot, count, &e);
        if (e != BST_OK || count == 0)
            return e;
        if (!cut_stripe())
            return BST_NOT_ENOUGH_MEMORY;
    }
}

#define PD_OBJECTS_MAX 1024

static struct colour_pd_object pd_objects[PD_OBJECTS_MAX];
static uint32_t n_pd_objects;

bst_error_t colour_alloc_for_pd(uint32_t p, bst_objtype_t type, uint64_t slot, const char *what)
{
    uint32_t d = colour_pd_domain(p);
    bst_error_t e = colour_alloc(d, type, 0, slot, 1);
    if (e != BST_OK || d == BASTION_SPEC_NONE)
        return e;
    if (n_pd_objects == PD_OBJECTS_MAX)
        init_fatal("colours: more than %u kernel objects for coloured domains' guests and "
                   "devices (this init checks at most that many)",
                   PD_OBJECTS_MAX);
    pd_objects[n_pd_objects++] = (struct colour_pd_object){
        slot, p, d, what, type == BST_OBJ_IOSPACE || type == BST_OBJ_IOPT};
    return BST_OK;
}

void colour_pd_why(uint32_t p, bst_objtype_t type, bst_error_t e, char *buf, size_t size)
{
    uint32_t d = colour_pd_domain(p);
    if (d != BASTION_SPEC_NONE && colour_enforced())
        colour_why(d, bst_obj_size_bits(type, 0), e, buf, size);
    else
        bst_snprintf(buf, size, "%s", bst_error_name(e));
}

uint32_t colour_pd_objects(const struct colour_pd_object **objects)
{
    *objects = pd_objects;
    return n_pd_objects;
}

void colour_why(uint32_t domain, unsigned bits, bst_error_t e, char *buf, size_t size)
{
    if (e == BST_RANGE_ERROR)
        bst_snprintf(buf, size,
                     "an object of %lu KiB spans more consecutive pages than domain '%s''s "
                     "colours give (aligned blocks of at most %lu KiB): coloured domains use "
                     "4 KiB pages and need an aligned run of 8 colours for a PD's CNode",
                     (unsigned long)((1ULL << bits) / 1024), domain_name(domain),
                     (unsigned long)((1ULL << largest_bits[domain]) / 1024));
    else if (e == BST_NOT_ENOUGH_MEMORY)
        bst_snprintf(buf, size,
                     "domain '%s''s colours are used up: all %lu stripes of the coloured memory "
                     "are cut and its %lu KiB of them are full; give it more colours or the "
                     "schedule more memory",
                     domain_name(domain), (unsigned long)stripes_max,
                     (unsigned long)(pages_owned[domain] * 4));
    else
        bst_snprintf(buf, size, "%s", bst_error_name(e));
}

void colour_print_cost(void)
{
    uint64_t stripe_kib = (1ULL << (stripe_log2 + PAGE_BITS)) / 1024;
    bst_printf("init: colours: %lu of %lu stripes cut (%lu KiB; %lu cycles) in %lu retypes; %lu "
               "pages never used (colours of no domain)",
               (unsigned long)stripes_cut, (unsigned long)stripes_max,
               (unsigned long)(stripes_cut * stripe_kib), (unsigned long)cut_cycles,
               (unsigned long)retypes, (unsigned long)pages_unowned);
    for (uint32_t d = 0; d < the_spec.n[BASTION_TABLE_DOMAINS] && d < DOMAINS_MAX; d++)
        if (coloured[d])
            bst_printf("; '%s' %lu pages, %lu KiB used", domain_name(d),
                       (unsigned long)pages_owned[d], (unsigned long)(bytes_used[d] / 1024));
    bst_printf("\n");
}
