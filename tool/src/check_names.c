/*
 * Name checks: PDs, memory regions and domains have unique names; every reference (map
 * to region, channel end to PD, PD to domain) resolves; ids are unique within their PD
 * and namespace. Channel ends and IRQs share one namespace (they are bits of the same
 * notification word); I/O ports and child PDs have their own.
 */
#include "check.h"
#include "flow.h"
#include "name_table.h"
#include "sizes.h"

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

/* The names of each kind, with the first holder of each: built once, then used to report
 * duplicates and to resolve references in time linear in the size of the description. */
struct name_tables {
    struct name_table pds, regions, domains;
};

/*
 * Adds the name of entity `index` of `kind` to t, reporting it when an earlier entity
 * already holds it: each duplicate is reported once, against the first holder.
 */
static void add_unique(struct name_table *t, struct diag_sink *d, const char *kind,
                       const char *name, const xmlNode *node, uint32_t index,
                       const xmlNode *(*node_of)(const struct model *, uint32_t),
                       const struct model *m)
{
    if (!name)
        return;
    uint32_t first = name_table_add(t, name, index);
    if (first == NAME_TABLE_NONE)
        return;
    diag_node(d, DIAG_ERROR, node, "name",
              "%s name '%s' is already used at line %d; names of %ss must be unique, rename one",
              kind, name, check_line(node_of(m, first)), kind);
}

static const xmlNode *pd_node(const struct model *m, uint32_t i)
{
    return VEC_AT(&m->pds, struct model_pd, i)->node;
}

static const xmlNode *region_node(const struct model *m, uint32_t i)
{
    return VEC_AT(&m->regions, struct model_region, i)->node;
}

static const xmlNode *domain_node(const struct model *m, uint32_t i)
{
    return VEC_AT(&m->domains, struct model_domain, i)->node;
}

static void check_unique_names(struct model *m, struct name_tables *t, struct diag_sink *d)
{
    name_table_init(&t->pds, m->pds.count);
    name_table_init(&t->regions, m->regions.count);
    name_table_init(&t->domains, m->domains.count);
    for (uint32_t i = 0; i < m->pds.count; i++)
        add_unique(&t->pds, d, "protection_domain", MODEL_PD(m, i)->name, MODEL_PD(m, i)->node, i,
                   pd_node, m);
    for (uint32_t i = 0; i < m->regions.count; i++)
        add_unique(&t->regions, d, "memory_region", MODEL_REGION(m, i)->name,
                   MODEL_REGION(m, i)->node, i, region_node, m);
    for (uint32_t i = 0; i < m->domains.count; i++)
        add_unique(&t->domains, d, "domain", MODEL_DOMAIN(m, i)->name, MODEL_DOMAIN(m, i)->node, i,
                   domain_node, m);
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
    /* Past the cap the message is most likely not printed: spare the search. */
    const char *close = diag_full(d) ? NULL : suggest_word(name, candidates);
    if (close)
        diag_node(d, DIAG_ERROR, node, attr, "%s '%s' does not name a <%s>; did you mean '%s'?",
                  attr, name, kind, close);
    else
        diag_node(d, DIAG_ERROR, node, attr,
                  "%s '%s' does not name a <%s>; declare <%s name=\"%s\" ...> or fix the name",
                  attr, name, kind, kind, name);
}

/* The index named by `name` in t, or NO_INDEX. */
static uint32_t find_name(const struct name_table *t, const char *name)
{
    uint32_t i = name ? name_table_find(t, name) : NAME_TABLE_NONE;
    return i == NAME_TABLE_NONE ? NO_INDEX : i;
}

static void resolve_maps(struct model *m, const struct name_tables *t, struct diag_sink *d)
{
    const char **names = NULL; /* built at the first unresolved name, for suggestions */
    for (size_t i = 0; i < m->maps.count; i++) {
        struct model_map *map = MODEL_MAP(m, i);
        map->region = find_name(&t->regions, map->region_name);
        if (map->region != NO_INDEX)
            continue;
        if (!names)
            names = region_names(m);
        report_undefined(d, map->node, "mr", "memory_region", map->region_name, names);
    }
    free(names);
}

static void resolve_ends(struct model *m, const struct name_tables *t, struct diag_sink *d)
{
    const char **names = NULL; /* built at the first unresolved name, for suggestions */
    for (size_t i = 0; i < m->channels.count; i++) {
        for (int e = 0; e < 2; e++) {
            struct model_end *end = &MODEL_CHANNEL(m, i)->end[e];
            end->pd = find_name(&t->pds, end->pd_name);
            if (end->pd != NO_INDEX)
                continue;
            if (!names)
                names = pd_names(m);
            report_undefined(d, end->node, "pd", "protection_domain", end->pd_name, names);
        }
    }
    free(names);
}

static void resolve_domains(struct model *m, const struct name_tables *t, struct diag_sink *d)
{
    for (size_t i = 0; i < m->pds.count; i++) {
        struct model_pd *pd = MODEL_PD(m, i);
        if (!pd->domain_name)
            continue;
        pd->domain = find_name(&t->domains, pd->domain_name);
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
    struct name_tables t;
    check_unique_names(m, &t, d);
    resolve_maps(m, &t, d);
    resolve_ends(m, &t, d);
    resolve_domains(m, &t, d);
    name_table_free(&t.pds);
    name_table_free(&t.regions);
    name_table_free(&t.domains);
    check_channel_ids(m, d);
    check_other_ids(m, d);
}

bool check_all(struct model *m, uint64_t ram, struct diag_sink *d)
{
    size_t before = d->errors;
    check_names(m, d);
    check_vm_resolve(m, d);
    check_memory(m, d);
    check_sched(m, d);
    check_hw(m, d);
    check_vm(m, d);
    check_ram(m, ram, d);
    if (d->errors == before)
        check_flow(m, d); /* follows the references resolved above */
    return d->errors == before;
}
