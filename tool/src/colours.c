/*
 * Cache colouring checks (colours.h). A colour is a page's physical frame number modulo
 * the machine's colour count (the LLC's size over its ways times the page size): pages
 * of different colours never share a cache set. <domain_schedule colours="N"
 * memory="BYTES"> gives the count and the RAM that is coloured (each colour holds
 * BYTES / N); <domain colours="..."> the domain's set.
 */
#include "colours.h"

#include "attrs.h"
#include "diag.h"
#include "layout.h"
#include "model.h"

#include <bastion/objtype.h>
#include <bastion/spec.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void set_bit(struct colour_set *s, unsigned c)
{
    s->bits[c / 64] |= 1ull << (c % 64);
}

bool colour_has(const struct colour_set *s, unsigned c)
{
    return c < COLOURS_MAX && ((s->bits[c / 64] >> (c % 64)) & 1);
}

unsigned colour_count(const struct colour_set *s)
{
    unsigned n = 0;
    for (unsigned w = 0; w < COLOUR_WORDS; w++)
        n += (unsigned)__builtin_popcountll(s->bits[w]);
    return n;
}

/* One decimal number at *p (no sign, no leading '+'), advancing *p. */
static bool parse_decimal(const char **p, unsigned long *out)
{
    if (**p < '0' || **p > '9')
        return false;
    char *end;
    *out = strtoul(*p, &end, 10);
    *p = end;
    return true;
}

bool attr_colours(struct diag_sink *d, const xmlNode *node, const char *name,
                  struct colour_set *out, bool *present)
{
    memset(out, 0, sizeof(*out));
    const char *text = attr_text(node, name);
    *present = text != NULL;
    if (text == NULL)
        return true;
    const char *p = text;
    for (;;) {
        unsigned long lo, hi;
        if (!parse_decimal(&p, &lo))
            break;
        hi = lo;
        if (*p == '-') {
            p++;
            if (!parse_decimal(&p, &hi))
                break;
        }
        if (hi < lo || hi >= COLOURS_MAX) {
            diag_node(d, DIAG_ERROR, node, name,
                      "%s \"%s\": colour range %lu-%lu is empty or past the last colour %u", name,
                      text, lo, hi, COLOURS_MAX - 1);
            return false;
        }
        for (unsigned long c = lo; c <= hi; c++)
            set_bit(out, (unsigned)c);
        if (*p == '\0')
            return true;
        if (*p != ',')
            break;
        p++;
    }
    diag_node(d, DIAG_ERROR, node, name,
              "%s \"%s\" is not a list of colours; write numbers and ranges such as "
              "\"0-7,12\"",
              name, text);
    return false;
}

/* True when region r is RAM that only domain `dom`'s PDs map (so it comes from its
 * colours). */
static bool region_is_domains(const struct model *m, size_t r, uint32_t dom)
{
    if (!model_region_is_ram(MODEL_REGION(m, r)))
        return false;
    bool mine = false, other = false;
    for (size_t k = 0; k < m->maps.count; k++) {
        const struct model_map *map = MODEL_MAP(m, k);
        if (map->region != r || map->pd >= m->pds.count)
            continue;
        if (MODEL_PD(m, map->pd)->domain == dom)
            mine = true;
        else
            other = true;
    }
    return mine && !other;
}

/* Pages of a PD's CNode (spec.h's 2^BASTION_CNODE_BITS slots of 64 bytes). */
#define CNODE_PAGES ((1u << BASTION_CNODE_BITS) * 64u / 4096u)

static bool domain_has_pds(const struct model *m, uint32_t dom)
{
    for (size_t j = 0; j < m->pds.count; j++)
        if (MODEL_PD(m, j)->domain == dom)
            return true;
    return false;
}

/* True when the set holds colours k*run .. k*run + run - 1 for some k: init's aligned
 * blocks of `run` pages then lie in the domain's colours. */
static bool has_aligned_run(const struct colour_set *s, unsigned run)
{
    for (unsigned base = 0; base + run <= COLOURS_MAX; base += run) {
        unsigned c = base;
        while (c < base + run && colour_has(s, c))
            c++;
        if (c == base + run)
            return true;
    }
    return false;
}

/* True when init can make a page of `page_size` bytes from the set's colours: it lies in
 * one of init's stripes (max(N, 16) pages, init/colour.c) on an aligned run of them. */
static bool page_fits_colours(const struct model *m, const struct colour_set *s, uint64_t page_size)
{
    uint64_t pages = page_size / 0x1000, stripe = m->colour_total > 16 ? m->colour_total : 16;
    if (pages <= 1)
        return true;
    if (pages > stripe)
        return false;
    return has_aligned_run(s, pages < m->colour_total ? (unsigned)pages : m->colour_total);
}

void check_colours(struct model *m, struct diag_sink *d)
{
    if (!m->has_domain_schedule)
        return;
    if (m->colour_total & (m->colour_total - 1))
        diag_node(d, DIAG_ERROR, m->domain_schedule_node, "colours",
                  "colours=\"%u\" is not a power of two; a cache's colour count (its sets "
                  "times its line size over 4 KiB) always is",
                  m->colour_total);
    for (size_t i = 0; i < m->domains.count; i++) {
        struct model_domain *dom = MODEL_DOMAIN(m, i);
        if (!dom->has_colours)
            continue;
        if (m->colour_total == 0) {
            diag_node(d, DIAG_ERROR, dom->node, "colours",
                      "colours need the machine's colour count and coloured memory; add "
                      "colours=\"N\" memory=\"BYTES\" to <domain_schedule>");
            continue;
        }
        bool ok = true;
        for (unsigned c = m->colour_total; c < COLOURS_MAX && ok; c++)
            if (colour_has(&dom->colours, c)) {
                diag_node(d, DIAG_ERROR, dom->node, "colours",
                          "colours: colour %u is past the machine's %u colours (0 to %u)", c,
                          m->colour_total, m->colour_total - 1);
                ok = false;
            }
        for (size_t j = 0; j < i && ok; j++) {
            const struct model_domain *other = MODEL_DOMAIN(m, j);
            if (!other->has_colours)
                continue;
            for (unsigned c = 0; c < m->colour_total && ok; c++)
                if (colour_has(&dom->colours, c) && colour_has(&other->colours, c)) {
                    diag_node(d, DIAG_ERROR, dom->node, "colours",
                              "colours: colour %u is also domain '%s''s; colour sets must be "
                              "disjoint, or the domains share cache sets",
                              c, other->name);
                    ok = false;
                }
        }
        if (!ok)
            continue;
        for (size_t r = 0; r < m->regions.count && ok; r++)
            if (region_is_domains(m, r, (uint32_t)i) &&
                !page_fits_colours(m, &dom->colours, MODEL_REGION(m, r)->page_size)) {
                diag_node(d, DIAG_ERROR, dom->node, "colours",
                          "colours: region '%s', which only this domain's PDs map, has pages of "
                          "0x%" PRIx64 " bytes, which span colours the domain does not own; give "
                          "it 4 KiB pages",
                          MODEL_REGION(m, r)->name, MODEL_REGION(m, r)->page_size);
                ok = false;
            }
        if (!ok)
            continue;
        unsigned run = m->colour_total < CNODE_PAGES ? m->colour_total : CNODE_PAGES;
        if (domain_has_pds(m, (uint32_t)i) && !has_aligned_run(&dom->colours, run))
            diag_node(d, DIAG_ERROR, dom->node, "colours",
                      "colours: the set has no aligned run of %u colours (such as %u-%u): each "
                      "PD's CSpace is a %u KiB CNode, which init makes from %u consecutive "
                      "pages of the domain's colours",
                      run, run, 2 * run - 1, CNODE_PAGES * 4, CNODE_PAGES);
    }
}

static void add_colour_entry(struct layout *l, uint32_t domain, unsigned first, unsigned last,
                             uint64_t memory)
{
    struct bastion_spec_colour *e = vec_push(&l->tables[BASTION_TABLE_COLOURS], sizeof(*e));
    *e = (struct bastion_spec_colour){domain, (uint16_t)first, (uint16_t)last, memory};
}

void colours_layout(struct layout *l, const struct model *m)
{
    bool any = false;
    for (size_t i = 0; i < m->domains.count; i++)
        any |= MODEL_DOMAIN(m, i)->has_colours;
    if (!any || m->colour_total == 0)
        return;
    add_colour_entry(l, BASTION_SPEC_NONE, 0, m->colour_total - 1, m->colour_memory);
    for (size_t i = 0; i < m->domains.count; i++) {
        const struct model_domain *dom = MODEL_DOMAIN(m, i);
        if (!dom->has_colours)
            continue;
        for (unsigned c = 0; c < m->colour_total; c++) {
            if (!colour_has(&dom->colours, c) || (c > 0 && colour_has(&dom->colours, c - 1)))
                continue;
            unsigned last = c;
            while (last + 1 < m->colour_total && colour_has(&dom->colours, last + 1))
                last++;
            add_colour_entry(l, (uint32_t)i, c, last, 0);
        }
    }
}
