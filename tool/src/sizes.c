/*
 * The RAM a system needs (see sizes.h). Sums saturate: a hostile description with
 * regions of 2^63 bytes gives "more than 64 bits", not a small wrapped number.
 */
#include "sizes.h"
#include "elf_image.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return add_overflows(a, b) ? UINT64_MAX : a + b;
}

static uint64_t round_page(uint64_t v)
{
    return v > UINT64_MAX - 0xfff ? UINT64_MAX : (v + 0xfff) & ~0xfffULL;
}

struct ram_need sizes_ram_need(const struct model *m)
{
    struct ram_need n = {0, 0, 0, 0};
    for (size_t i = 0; i < m->regions.count; i++) {
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, i);
        if (model_region_is_ram(r))
            n.regions = add_sat(n.regions, round_page(r->size));
    }
    for (size_t i = 0; i < m->pds.count; i++) {
        const struct model_pd *pd = VEC_AT(&m->pds, struct model_pd, i);
        n.stacks = add_sat(n.stacks, add_sat(round_page(pd->stack_size), 0x1000));
        n.images = add_sat(n.images, pd->late_node ? pd->late_max_size : 0);
        for (size_t s = 0; pd->elf && s < pd->elf->segment_count; s++) {
            const struct elf_segment *seg = &pd->elf->segments[s];
            uint64_t start = seg->vaddr & ~0xfffULL;
            uint64_t end = round_page(add_sat(seg->vaddr, seg->memsz));
            n.images = add_sat(n.images, end - start);
        }
    }
    n.total = add_sat(add_sat(n.regions, n.stacks), n.images);
    return n;
}

/* The node a RAM message is reported at: the biggest RAM region, else the first PD. */
static const xmlNode *ram_culprit(const struct model *m, uint64_t *biggest)
{
    const xmlNode *node = NULL;
    *biggest = 0;
    for (size_t i = 0; i < m->regions.count; i++) {
        const struct model_region *r = VEC_AT(&m->regions, struct model_region, i);
        if (model_region_is_ram(r) && (!node || r->size > *biggest)) {
            node = r->node;
            *biggest = r->size;
        }
    }
    if (!node && m->pds.count)
        node = VEC_AT(&m->pds, struct model_pd, 0)->node;
    return node;
}

void check_ram(const struct model *m, uint64_t ram, struct diag_sink *d)
{
    struct ram_need n = sizes_ram_need(m);
    uint64_t limit = ram ? ram : SIZES_DEFAULT_RAM_WARNING;
    if (n.total <= limit)
        return;
    uint64_t biggest;
    const xmlNode *node = ram_culprit(m, &biggest);
    if (!node)
        return;
    char total[32];
    if (n.total == UINT64_MAX)
        snprintf(total, sizeof(total), "more than 2^64 bytes");
    else
        snprintf(total, sizeof(total), "0x%" PRIx64 " bytes", n.total);
    if (ram)
        diag_node(d, DIAG_ERROR, node, NULL,
                  "the system needs %s of RAM (regions 0x%" PRIx64 ", stacks 0x%" PRIx64
                  "), more than the machine's 0x%" PRIx64 " (--ram); the biggest region is "
                  "0x%" PRIx64 " bytes, make it smaller",
                  total, n.regions, n.stacks, ram, biggest);
    else
        diag_node(d, DIAG_WARNING, node, NULL,
                  "the system needs %s of RAM (regions 0x%" PRIx64 ", stacks 0x%" PRIx64
                  "), more than 4 GiB; the biggest region is 0x%" PRIx64 " bytes: check "
                  "the sizes, or pass --ram with the machine's memory",
                  total, n.regions, n.stacks, biggest);
}

bool sizes_parse(const char *text, uint64_t *out)
{
    char *end;
    if (!*text || *text == '-')
        return false;
    errno = 0;
    uint64_t v = strtoull(text, &end, 0);
    if (errno)
        return false;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    else if (*end == 'T' || *end == 't')
        shift = 40;
    if (shift)
        end++;
    if (*end || end == text || (shift && v > (UINT64_MAX >> shift)))
        return false;
    *out = v << shift;
    return true;
}
