/*
 * Name checks: PDs, memory regions and domains have unique names; every reference (map
 * to region, channel end to PD, PD to domain) resolves; ids are unique within their PD
 * and namespace. Channel ends and IRQs share one namespace (they are bits of the same
 * notification word); I/O ports and child PDs have their own.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

int check_line(const xmlNode *node)
{
    return src_locate(node, NULL).line;
}

const char *check_pd_name(const struct model *m, uint32_t pd)
{
    const char *name = pd < m->pds.count ? VEC_AT(&m->pds, struct model_pd, pd)->name : NULL;
    return name ? name : "?";
}

/* Reports the second of two entities of `kind` with the same name. */
static void check_unique(struct diag_sink *d, const char *kind, const char *name,
                         const xmlNode *node, const char *prev_name, const xmlNode *prev)
{
    if (!name || !prev_name || strcmp(name, prev_name) != 0)
        return;
    diag_node(d, DIAG_ERROR, node, "name",
              "%s name '%s' is already used at line %d; names of %ss must be unique, rename one",
              kind, name, check_line(prev), kind);
}

static void check_unique_names(struct model *m, struct diag_sink *d)
{
    for (size_t i = 0; i < m->pds.count; i++)
        for (size_t j = 0; j < i; j++)
            check_unique(d, "protection_domain", MODEL_PD(m, i)->name, MODEL_PD(m, i)->node,
                         MODEL_PD(m, j)->name, MODEL_PD(m, j)->node);
    for (size_t i = 0; i < m->regions.count; i++)
        for (size_t j = 0; j < i; j++)
            check_unique(d, "memory_region", MODEL_REGION(m, i)->name, MODEL_REGION(m, i)->node,
                         MODEL_REGION(m, j)->name, MODEL_REGION(m, j)->node);
    for (size_t i = 0; i < m->domains.count; i++)
        for (size_t j = 0; j < i; j++)
            check_unique(d, "domain", MODEL_DOMAIN(m, i)->name, MODEL_DOMAIN(m, i)->node,
                         MODEL_DOMAIN(m, j)->name, MODEL_DOMAIN(m, j)->node);
}

/* Builds a NULL-terminated list of the names of one kind, for suggestions. */
static const char **pd_names(const struct model *m)
{
    const char **names = xcalloc(m->pds.count + 1, sizeof(*names));
    for (size_t i = 0; i < m->pds.count; i++)
        names[i] = VEC_AT(&m->pds, struct model_pd, i)->name;
    return names;
}

static const char **region_names(const struct model *m)
{
    const char **names = xcalloc(m->regions.count + 1, sizeof(*names));
    for (size_t i = 0; i < m->regions.count; i++)
        names[i] = VEC_AT(&m->regions, struct model_region, i)->name;
    return names;
}

/* Reports an unresolved reference, with a suggestion when a name is close. */
static void report_undefined(struct diag_sink *d, const xmlNode *node, const char *attr,
                             const char *kind, const char *name, const char **candidates)
{
    const char *close = suggest_word(name, candidates);
    if (close)
        diag_node(d, DIAG_ERROR, node, attr, "%s '%s' does not name a <%s>; did you mean '%s'?",
                  attr, name, kind, close);
    else
        diag_node(d, DIAG_ERROR, node, attr,
                  "%s '%s' does not name a <%s>; declare <%s name=\"%s\" ...> or fix the name",
                  attr, name, kind, kind, name);
}

static void resolve_maps(struct model *m, struct diag_sink *d)
{
    const char **names = region_names(m);
    for (size_t i = 0; i < m->maps.count; i++) {
        struct model_map *map = MODEL_MAP(m, i);
        map->region = model_find_region(m, map->region_name);
        if (map->region == NO_INDEX)
            report_undefined(d, map->node, "mr", "memory_region", map->region_name, names);
    }
    free(names);
}

static void resolve_ends(struct model *m, struct diag_sink *d)
{
    const char **names = pd_names(m);
    for (size_t i = 0; i < m->channels.count; i++) {
        for (int e = 0; e < 2; e++) {
            struct model_end *end = &MODEL_CHANNEL(m, i)->end[e];
            end->pd = model_find_pd(m, end->pd_name);
            if (end->pd == NO_INDEX)
                report_undefined(d, end->node, "pd", "protection_domain", end->pd_name, names);
        }
    }
    free(names);
}

static void resolve_domains(struct model *m, struct diag_sink *d)
{
    for (size_t i = 0; i < m->pds.count; i++) {
        struct model_pd *pd = MODEL_PD(m, i);
        if (!pd->domain_name)
            continue;
        pd->domain = model_find_domain(m, pd->domain_name);
        if (pd->domain != NO_INDEX)
            continue;
        if (!m->has_domain_schedule)
            diag_node(d, DIAG_ERROR, pd->node, "domain",
                      "domain '%s' is given but there is no <domain_schedule>; add one with "
                      "<domain name=\"%s\" length=\"...\"/>",
                      pd->domain_name, pd->domain_name);
        else
            diag_node(d, DIAG_ERROR, pd->node, "domain",
                      "domain '%s' is not in the <domain_schedule>; add <domain name=\"%s\" "
                      "length=\"...\"/> or fix the name",
                      pd->domain_name, pd->domain_name);
    }
}

/* One id namespace of every PD: the element that took each id. */
struct id_table {
    const xmlNode **owner; /* [pd * (MODEL_MAX_ID + 1) + id] */
    const char *what;      /* "channel and IRQ", ... */
};

/* Claims `id` of `pd` for `node`, reporting a clash. */
static void claim_id(struct id_table *t, const struct model *m, struct diag_sink *d, uint32_t pd,
                     uint32_t id, const xmlNode *node)
{
    const xmlNode **slot = &t->owner[pd * (MODEL_MAX_ID + 1) + id];
    if (*slot) {
        diag_node(d, DIAG_ERROR, node, "id",
                  "id %u is already used in protection_domain '%s' by the <%s> at line %d; "
                  "%s ids must be unique per protection domain, pick an unused one from 0 to %d",
                  id, check_pd_name(m, pd), (const char *)(*slot)->name, check_line(*slot), t->what,
                  MODEL_MAX_ID);
        return;
    }
    *slot = node;
}

/* Claims ids in document order so that the later element is the one reported. */
static int compare_nodes_by_position(const void *a, const void *b)
{
    const xmlNode *const *x = a, *const *y = b;
    struct src_pos p = src_locate(*x, NULL), q = src_locate(*y, NULL);
    if (p.line != q.line)
        return p.line < q.line ? -1 : 1;
    return p.col < q.col ? -1 : (p.col > q.col);
}

struct id_claim {
    const xmlNode *node;
    uint32_t pd;
    uint32_t id;
};

static int compare_claims(const void *a, const void *b)
{
    const struct id_claim *x = a, *y = b;
    return compare_nodes_by_position(&x->node, &y->node);
}

static void check_channel_ids(struct model *m, struct diag_sink *d)
{
    struct vec claims = {0};
    for (size_t i = 0; i < m->channels.count; i++) {
        for (int e = 0; e < 2; e++) {
            struct model_end *end = &MODEL_CHANNEL(m, i)->end[e];
            if (end->pd == NO_INDEX)
                continue;
            struct id_claim *c = vec_push(&claims, sizeof(*c));
            *c = (struct id_claim){end->node, end->pd, end->id};
        }
    }
    for (size_t i = 0; i < m->irqs.count; i++) {
        struct id_claim *c = vec_push(&claims, sizeof(*c));
        *c = (struct id_claim){MODEL_IRQ(m, i)->node, MODEL_IRQ(m, i)->pd, MODEL_IRQ(m, i)->id};
    }
    vec_sort(&claims, sizeof(struct id_claim), compare_claims);
    struct id_table t = {xcalloc(m->pds.count * (MODEL_MAX_ID + 1), sizeof(xmlNode *)),
                         "channel and IRQ"};
    for (size_t i = 0; i < claims.count; i++) {
        struct id_claim *c = VEC_AT(&claims, struct id_claim, i);
        claim_id(&t, m, d, c->pd, c->id, c->node);
    }
    free(t.owner);
    vec_free(&claims);
}

static void check_other_ids(struct model *m, struct diag_sink *d)
{
    struct id_table io = {xcalloc(m->pds.count * (MODEL_MAX_ID + 1), sizeof(xmlNode *)),
                          "I/O port"};
    for (size_t i = 0; i < m->ioports.count; i++)
        claim_id(&io, m, d, MODEL_IOPORT(m, i)->pd, MODEL_IOPORT(m, i)->id,
                 MODEL_IOPORT(m, i)->node);
    free(io.owner);
    struct id_table child = {xcalloc(m->pds.count * (MODEL_MAX_ID + 1), sizeof(xmlNode *)),
                             "child protection_domain"};
    for (size_t i = 0; i < m->pds.count; i++) {
        struct model_pd *pd = MODEL_PD(m, i);
        if (pd->parent != NO_INDEX && pd->has_child_id)
            claim_id(&child, m, d, pd->parent, pd->child_id, pd->node);
    }
    free(child.owner);
}

void check_names(struct model *m, struct diag_sink *d)
{
    check_unique_names(m, d);
    resolve_maps(m, d);
    resolve_ends(m, d);
    resolve_domains(m, d);
    check_channel_ids(m, d);
    check_other_ids(m, d);
}

bool check_all(struct model *m, struct diag_sink *d)
{
    size_t before = d->errors;
    check_names(m, d);
    check_memory(m, d);
    check_sched(m, d);
    check_hw(m, d);
    return d->errors == before;
}
