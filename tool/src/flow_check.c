/*
 * The flow check (see flow.h): labels and rules resolved with located errors, the
 * authority graph derived from the description in one pass over its elements, and
 * bastion_flow_check() (include/bastion/flow.h) run on it. Every violation is reported
 * at the element where forbidden information arrives, with the whole path that carries
 * it: each node and each connection (channel end, map, child, PCI device) with its
 * file:line:col. Linear in the description for each label: labels * (nodes + edges),
 * plus the rounds of learnt physical addresses (setvar_paddr), which add DMA edges.
 */
#include "attrs.h"
#include "check.h"
#include "flow.h"
#include "name_table.h"

#include <bastion/flow.h>

#include <stdlib.h>
#include <string.h>

/* One edge as it is collected, before the rows are sorted by source. */
struct edge {
    uint32_t from, to;
    uint8_t kind;
    const xmlNode *why; /* the element that makes the connection */
    const char *attr;   /* its attribute that does, or NULL for the element itself */
};

/* The graph: PDs, then regions, then PCI devices, then one DMA node per PD with devices. */
struct graph {
    uint32_t pds, regions, pcis, nodes;
    uint32_t *hub_of;      /* per PD: its DMA node, or NO_INDEX */
    uint32_t *dev_of_hub;  /* per DMA node (from pds + regions + pcis): its PD's first device */
    struct vec edges;      /* struct edge, then sorted by from */
    struct vec learnt;     /* struct bastion_flow_paddr: a PD learns a region's address */
    struct vec learnt_map; /* const xmlNode *: the <map> with setvar_paddr, per learnt */
    uint32_t *first, *from, *to;
    uint8_t *kind;
    const xmlNode **why;
    const char **attr;
    uint16_t *label;
};

static void add_edge(struct graph *g, uint32_t from, uint32_t to, unsigned kind, const xmlNode *why)
{
    struct edge *e = vec_push(&g->edges, sizeof(*e));
    *e = (struct edge){from, to, (uint8_t)kind, why, NULL};
}

static void add_both(struct graph *g, uint32_t a, uint32_t b, unsigned kind, const xmlNode *why)
{
    add_edge(g, a, b, kind, why);
    add_edge(g, b, a, kind, why);
}

/* Channels: a notify goes one way; a call and its reply both ways, and a passive callee
 * runs on the caller's budget, which is a flow both ways too. */
static void add_channel_edges(struct graph *g, const struct model *m)
{
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = MODEL_CHANNEL(m, i);
        for (int s = 0; s < 2; s++) {
            const struct model_end *a = &ch->end[s], *b = &ch->end[1 - s];
            if (a->notify)
                add_edge(g, a->pd, b->pd, BASTION_FLOW_NOTIFY, a->node);
            if (a->pp) {
                add_both(g, a->pd, b->pd, BASTION_FLOW_PPC, a->node);
                if (MODEL_PD(m, b->pd)->passive)
                    add_both(g, a->pd, b->pd, BASTION_FLOW_BUDGET, a->node);
            }
        }
    }
}

/* Maps: whoever maps a region writable writes into it; every mapping reads it (x86 pages
 * are always readable). A PD's bus-mastering devices reach every region it maps. A map
 * with setvar_paddr gives its PD the region's address: learnt, for the rounds of
 * add_paddr_edges. */
static void add_memory_edges(struct graph *g, const struct model *m)
{
    for (size_t i = 0; i < m->maps.count; i++) {
        const struct model_map *map = MODEL_MAP(m, i);
        uint32_t r = g->pds + map->region;
        if (map->perms & PERM_W)
            add_edge(g, map->pd, r, BASTION_FLOW_MEMORY, map->node);
        add_edge(g, r, map->pd, BASTION_FLOW_MEMORY, map->node);
        if (g->hub_of[map->pd] != NO_INDEX)
            add_both(g, g->hub_of[map->pd], r, BASTION_FLOW_DMA, map->node);
        if (map->setvar_paddr) {
            struct bastion_flow_paddr *l = vec_push(&g->learnt, sizeof(*l));
            *l = (struct bastion_flow_paddr){map->pd, r};
            *(const xmlNode **)vec_push(&g->learnt_map, sizeof(xmlNode *)) = map->node;
        }
    }
}

/* Children and devices: control both ways; a device talks with its PD and its DMA node. */
static void add_control_and_device_edges(struct graph *g, const struct model *m)
{
    for (uint32_t p = 0; p < m->pds.count; p++) {
        const struct model_pd *pd = MODEL_PD(m, p);
        if (pd->parent != NO_INDEX)
            add_both(g, pd->parent, p, BASTION_FLOW_CONTROL, pd->node);
    }
    for (uint32_t i = 0; i < m->pcis.count; i++) {
        const struct model_pci *pci = MODEL_PCI(m, i);
        uint32_t dev = g->pds + g->regions + i;
        add_both(g, pci->pd, dev, BASTION_FLOW_DMA, pci->node);
        add_both(g, dev, g->hub_of[pci->pd], BASTION_FLOW_DMA, pci->node);
    }
}

/* Sorts the collected edges into rows by source (a counting sort). */
static void graph_rows(struct graph *g)
{
    size_t n = g->edges.count;
    g->first = xcalloc(g->nodes + 2, sizeof(uint32_t));
    g->from = xmalloc((n + 1) * sizeof(uint32_t));
    g->to = xmalloc((n + 1) * sizeof(uint32_t));
    g->kind = xmalloc(n + 1);
    g->why = xmalloc((n + 1) * sizeof(*g->why));
    g->attr = xmalloc((n + 1) * sizeof(*g->attr));
    const struct edge *edges = g->edges.items;
    for (size_t i = 0; i < n; i++)
        g->first[edges[i].from + 2]++;
    for (uint32_t u = 0; u < g->nodes; u++)
        g->first[u + 2] += g->first[u + 1];
    for (size_t i = 0; i < n; i++) {
        uint32_t at = g->first[edges[i].from + 1]++;
        g->from[at] = edges[i].from;
        g->to[at] = edges[i].to;
        g->kind[at] = edges[i].kind;
        g->why[at] = edges[i].why;
        g->attr[at] = edges[i].attr;
    }
}

static void graph_free_rows(struct graph *g)
{
    free(g->first);
    free(g->from);
    free(g->to);
    free(g->kind);
    free(g->why);
    free(g->attr);
}

/* A PD's DMA node has its devices' label when they all have the same one, else none. */
static void set_hub_labels(struct graph *g, const struct model *m, const struct flow_policy *p)
{
    uint32_t hubs = g->pds + g->regions + g->pcis;
    for (uint32_t i = hubs; i < g->nodes; i++)
        g->label[i] = BASTION_FLOW_NO_LABEL;
    uint8_t *seen = xcalloc(g->nodes - hubs + 1, 1);
    for (uint32_t i = 0; i < g->pcis; i++) {
        uint32_t hub = g->hub_of[MODEL_PCI(m, i)->pd];
        if (!seen[hub - hubs]++)
            g->label[hub] = p->pci_label[i];
        else if (g->label[hub] != p->pci_label[i])
            g->label[hub] = BASTION_FLOW_NO_LABEL;
    }
    free(seen);
}

/* The graph's nodes, labels and edges, without the rows (graph_rows) or the edges of
 * learnt addresses (add_paddr_edges). */
static void graph_build(struct graph *g, const struct model *m, const struct flow_policy *p)
{
    memset(g, 0, sizeof(*g));
    g->pds = (uint32_t)m->pds.count;
    g->regions = (uint32_t)m->regions.count;
    g->pcis = (uint32_t)m->pcis.count;
    g->nodes = g->pds + g->regions + g->pcis;
    g->hub_of = xmalloc((g->pds + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < g->pds; i++)
        g->hub_of[i] = NO_INDEX;
    g->dev_of_hub = xmalloc((g->pcis + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < g->pcis; i++) {
        uint32_t pd = MODEL_PCI(m, i)->pd;
        if (g->hub_of[pd] == NO_INDEX) {
            g->dev_of_hub[g->nodes - g->pds - g->regions - g->pcis] = i;
            g->hub_of[pd] = g->nodes++;
        }
    }
    g->label = xmalloc((g->nodes + 1) * sizeof(uint16_t));
    set_hub_labels(g, m, p);
    for (uint32_t i = 0; i < g->pds; i++)
        g->label[i] = p->pd_label[i];
    for (uint32_t i = 0; i < g->regions; i++)
        g->label[g->pds + i] = p->region_label[i];
    for (uint32_t i = 0; i < g->pcis; i++)
        g->label[g->pds + g->regions + i] = p->pci_label[i];
    add_channel_edges(g, m);
    add_memory_edges(g, m);
    add_control_and_device_edges(g, m);
}

static void graph_free(struct graph *g)
{
    free(g->hub_of);
    free(g->dev_of_hub);
    vec_free(&g->edges);
    vec_free(&g->learnt);
    vec_free(&g->learnt_map);
    graph_free_rows(g);
    free(g->label);
}

/* ---- Labels and rules --------------------------------------------------------------- */

/* Resolves the label attribute of `node` into *out; `need` says whether it must be there. */
static bool resolve_label(struct diag_sink *d, const struct flow_policy *p,
                          const struct name_table *names, const xmlNode *node, enum attr_need need,
                          uint16_t *out)
{
    const char *name = NULL;
    *out = BASTION_FLOW_NO_LABEL;
    if (!attr_name(d, node, "label", ATTR_OPTIONAL, &name))
        return false;
    if (!name) {
        if (need == ATTR_REQUIRED)
            diag_node(d, DIAG_ERROR, node, NULL,
                      "no label; with a <flow_policy> every protection domain needs "
                      "label=\"...\", one of the policy's labels");
        return need != ATTR_REQUIRED;
    }
    uint32_t l = name_table_find(names, name);
    if (l == NAME_TABLE_NONE) {
        const char *cands[9] = {NULL};
        for (size_t i = 0; i < p->labels.count && i < 8; i++)
            cands[i] = VEC_AT(&p->labels, struct flow_label, i)->name;
        const char *close = suggest_word(name, cands);
        diag_node(d, DIAG_ERROR, node, "label",
                  "label '%s' is not declared in the <flow_policy> (line %d)%s%s%s; declare it "
                  "with <label name=\"%s\"/>",
                  name, check_line(p->node), close ? " (did you mean '" : "", close ? close : "",
                  close ? "'?)" : "", name);
        return false;
    }
    *out = (uint16_t)l;
    return true;
}

/* Declared labels: unique, at most BASTION_FLOW_MAX_LABELS. */
static bool declare_labels(struct diag_sink *d, struct flow_policy *p, struct name_table *names)
{
    bool ok = true;
    name_table_init(names, p->labels.count);
    for (uint32_t i = 0; i < p->labels.count; i++) {
        const struct flow_label *l = VEC_AT(&p->labels, struct flow_label, i);
        if (i == BASTION_FLOW_MAX_LABELS) {
            diag_node(d, DIAG_ERROR, l->node, NULL,
                      "a flow policy has at most %u labels; merge some", BASTION_FLOW_MAX_LABELS);
            return false;
        }
        uint32_t first = name_table_add(names, l->name, i);
        if (first != NAME_TABLE_NONE) {
            diag_node(d, DIAG_ERROR, l->node, "name",
                      "label '%s' is already declared at line %d; declare each label once", l->name,
                      check_line(VEC_AT(&p->labels, struct flow_label, first)->node));
            ok = false;
        }
    }
    return ok;
}

static bool resolve_rule_end(struct diag_sink *d, const struct name_table *names,
                             const struct flow_rule *r, const char *attr, const char *name,
                             uint32_t *out)
{
    *out = name_table_find(names, name);
    if (*out != NAME_TABLE_NONE)
        return true;
    diag_node(d, DIAG_ERROR, r->node, attr,
              "label '%s' is not declared; add <label name=\"%s\"/> to the policy", name, name);
    return false;
}

/* Rules: both ends declared, different; the allowed kinds per pair of labels. */
static bool resolve_rules(struct diag_sink *d, struct flow_policy *p,
                          const struct name_table *names)
{
    bool ok = true;
    size_t n = p->labels.count;
    p->allow = xcalloc(n * n + 1, 1);
    for (size_t i = 0; i < p->rules.count; i++) {
        struct flow_rule *r = VEC_AT(&p->rules, struct flow_rule, i);
        bool good = resolve_rule_end(d, names, r, "from", r->from, &r->from_label);
        good &= resolve_rule_end(d, names, r, "to", r->to, &r->to_label);
        if (good && r->from_label == r->to_label) {
            diag_node(d, DIAG_ERROR, r->node, "to",
                      "a flow from label '%s' to itself is always allowed; remove this rule",
                      r->from);
            good = false;
        }
        if (!good) {
            ok = false;
            continue;
        }
        p->allow[r->from_label * n + r->to_label] |= r->kinds;
        if (r->both)
            p->allow[r->to_label * n + r->from_label] |= r->kinds;
    }
    return ok;
}

/* Every PD, region and device label resolved (all PDs need one). */
static bool resolve_nodes(struct diag_sink *d, const struct model *m, struct flow_policy *p,
                          const struct name_table *names)
{
    bool ok = true;
    p->pd_label = xmalloc((m->pds.count + 1) * sizeof(uint16_t));
    p->region_label = xmalloc((m->regions.count + 1) * sizeof(uint16_t));
    p->pci_label = xmalloc((m->pcis.count + 1) * sizeof(uint16_t));
    for (size_t i = 0; i < m->pds.count; i++)
        ok &= resolve_label(d, p, names, MODEL_PD(m, i)->node, ATTR_REQUIRED, &p->pd_label[i]);
    for (size_t i = 0; i < m->regions.count; i++)
        ok &= resolve_label(d, p, names, MODEL_REGION(m, i)->node, ATTR_OPTIONAL,
                            &p->region_label[i]);
    for (size_t i = 0; i < m->pcis.count; i++)
        ok &= resolve_label(d, p, names, MODEL_PCI(m, i)->node, ATTR_OPTIONAL, &p->pci_label[i]);
    return ok;
}

/* Without a policy a label means nothing: say so once, at the first one. */
static void warn_labels_without_policy(const struct model *m, struct diag_sink *d)
{
    const xmlNode *first = NULL;
    for (size_t i = 0; i < m->pds.count && !first; i++)
        if (attr_text(MODEL_PD(m, i)->node, "label"))
            first = MODEL_PD(m, i)->node;
    for (size_t i = 0; i < m->regions.count && !first; i++)
        if (attr_text(MODEL_REGION(m, i)->node, "label"))
            first = MODEL_REGION(m, i)->node;
    for (size_t i = 0; i < m->pcis.count && !first; i++)
        if (attr_text(MODEL_PCI(m, i)->node, "label"))
            first = MODEL_PCI(m, i)->node;
    if (first)
        diag_node(d, DIAG_WARNING, first, "label",
                  "labels have no effect without a <flow_policy>; add one (docs/"
                  "system-description.md, \"Information flow\") or remove the labels");
}

/* ---- Reporting ---------------------------------------------------------------------- */

struct report_ctx {
    const struct model *m;
    struct flow_policy *p;
    const struct graph *g;
    struct diag_sink *d;
    uint32_t *path; /* edges, last first */
};

static const char *label_name(const struct flow_policy *p, uint32_t l)
{
    return l == BASTION_FLOW_NO_LABEL ? NULL : VEC_AT(&p->labels, struct flow_label, l)->name;
}

/* Appends "kind 'name' [label] (FILE:L:C)" for a node. */
static size_t describe_node(const struct report_ctx *c, uint32_t u, char *buf, size_t size)
{
    const struct graph *g = c->g;
    const xmlNode *node;
    char what[160];
    if (u < g->pds) {
        node = MODEL_PD(c->m, u)->node;
        snprintf(what, sizeof(what), "'%s'", MODEL_PD(c->m, u)->name);
    } else if (u < g->pds + g->regions) {
        node = MODEL_REGION(c->m, u - g->pds)->node;
        snprintf(what, sizeof(what), "region '%s'", MODEL_REGION(c->m, u - g->pds)->name);
    } else if (u < g->pds + g->regions + g->pcis) {
        const struct model_pci *pci = MODEL_PCI(c->m, u - g->pds - g->regions);
        node = pci->node;
        snprintf(what, sizeof(what), "device %02x:%02x.%x", pci->addr.bus, pci->addr.dev,
                 pci->addr.fn);
    } else {
        const struct model_pci *pci =
            MODEL_PCI(c->m, g->dev_of_hub[u - g->pds - g->regions - g->pcis]);
        node = pci->node;
        snprintf(what, sizeof(what), "the DMA of the devices of '%s'",
                 MODEL_PD(c->m, pci->pd)->name);
    }
    struct src_pos pos = src_locate(node, NULL);
    const char *l = label_name(c->p, g->label[u]);
    return (size_t)snprintf(buf, size, "%s%s%s%s (%s:%d:%d)", what, l ? " [" : "", l ? l : "",
                            l ? "]" : "", c->d->file, pos.line, pos.col);
}

/* Appends " -kind (<elem> FILE:L:C)-> " for an edge, or " -kind (ATTR of <elem> ...)-> "
 * with the attribute's position when an attribute makes it. */
static size_t describe_edge(const struct report_ctx *c, uint32_t e, char *buf, size_t size)
{
    const char *attr = c->g->attr[e];
    struct src_pos pos = src_locate(c->g->why[e], attr);
    return (size_t)snprintf(buf, size, " -%s (%s%s<%s> %s:%d:%d)-> ",
                            bastion_flow_kind_name(c->g->kind[e]), attr ? attr : "",
                            attr ? " of " : "", (const char *)c->g->why[e]->name, c->d->file,
                            pos.line, pos.col);
}

/* The path to `node` as text, and each of its edges marked for the picture. */
static void describe_path(struct report_ctx *c, const struct bastion_flow_work *w, uint32_t node,
                          char *buf, size_t size)
{
    size_t len = 0;
    uint32_t n = 0;
    for (uint32_t e = w->parent_edge[node]; e != BASTION_FLOW_NONE;
         e = w->parent_edge[c->g->from[e]])
        c->path[n++] = e;
    len += describe_node(c, c->g->from[c->path[n - 1]], buf, size);
    for (uint32_t i = n; i-- > 0 && len < size;) {
        uint32_t e = c->path[i];
        len += describe_edge(c, e, buf + len, size - len);
        if (len < size)
            len += describe_node(c, c->g->to[e], buf + len, size - len);
        struct flow_marked_edge *mk = vec_push(&c->p->marked, sizeof(*mk));
        *mk = (struct flow_marked_edge){c->g->from[e], c->g->to[e], c->g->kind[e]};
    }
    if (len >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

/* The element of node u; a DMA node's is its PD's first <pci_device>. */
static const xmlNode *node_element(const struct report_ctx *c, uint32_t u)
{
    const struct graph *g = c->g;
    if (u < g->pds)
        return MODEL_PD(c->m, u)->node;
    if (u < g->pds + g->regions)
        return MODEL_REGION(c->m, u - g->pds)->node;
    if (u < g->pds + g->regions + g->pcis)
        return MODEL_PCI(c->m, u - g->pds - g->regions)->node;
    return MODEL_PCI(c->m, g->dev_of_hub[u - g->pds - g->regions - g->pcis])->node;
}

static int report_violation(void *ctx, const struct bastion_flow_graph *fg,
                            const struct bastion_flow_work *w, enum bastion_flow_verdict verdict,
                            uint32_t source_label, uint32_t node, unsigned kind)
{
    struct report_ctx *c = ctx;
    char path[2048];
    describe_path(c, w, node, path, sizeof(path));
    const char *from = label_name(c->p, source_label), *to = label_name(c->p, fg->label[node]);
    if (verdict == BASTION_FLOW_FORBIDDEN)
        diag_node(c->d, DIAG_ERROR, node_element(c, node), NULL,
                  "information of label '%s' reaches label '%s', and the policy allows no flow "
                  "from '%s' to '%s': %s; add <flow from=\"%s\" to=\"%s\"/>, remove a "
                  "connection, or pass the flow through a trusted label",
                  from, to, from, to, path, from, to);
    else
        diag_node(c->d, DIAG_ERROR, node_element(c, node), NULL,
                  "information of label '%s' reaches label '%s' by %s, a kind the policy's "
                  "flows from '%s' to '%s' do not list: %s; add %s to their kinds, or remove "
                  "the connection",
                  from, to, bastion_flow_kind_name(kind), from, to, path,
                  bastion_flow_kind_name(kind));
    return !diag_full(c->d);
}

/* bastion_flow_dma_fn: the DMA node `hub` reaches the region both ways, because of the
 * setvar_paddr of learnt address `learner`. */
static int add_paddr_edge(void *ctx, uint32_t hub, uint32_t region, uint32_t learner)
{
    struct graph *g = ctx;
    const xmlNode *map = *VEC_AT(&g->learnt_map, const xmlNode *, learner);
    for (int s = 0; s < 2; s++) {
        struct edge *e = vec_push(&g->edges, sizeof(*e));
        *e = (struct edge){s ? region : hub, s ? hub : region, BASTION_FLOW_DMA, map,
                           "setvar_paddr"};
    }
    return 1;
}

/* The IOMMU's rule (bastion_flow_paddr_peers): the regions whose address a PD's peer
 * learns, for every channel and every parent and child. */
static void add_peer_paddr_edges(struct graph *g, const struct model *m)
{
    const struct bastion_flow_paddr *learnt = g->learnt.items;
    uint32_t count = (uint32_t)g->learnt.count;
    for (size_t i = 0; i < m->channels.count && count; i++) {
        const struct model_channel *ch = MODEL_CHANNEL(m, i);
        bastion_flow_paddr_peers(g->hub_of, g->pds, learnt, count, ch->end[0].pd, ch->end[1].pd,
                                 add_paddr_edge, g);
    }
    for (uint32_t p = 0; p < g->pds && count; p++)
        bastion_flow_paddr_peers(g->hub_of, g->pds, learnt, count, p, MODEL_PD(m, p)->parent,
                                 add_paddr_edge, g);
}

/* Rows, then rounds of the learnt addresses' DMA edges until one adds none (include/
 * bastion/flow.h); `fg` is left describing the final rows. */
static void add_paddr_edges(struct graph *g, struct bastion_flow_graph *fg,
                            const struct bastion_flow_work *w)
{
    for (;;) {
        graph_rows(g);
        fg->first = g->first;
        fg->from = g->from;
        fg->to = g->to;
        fg->kind = g->kind;
        if (g->learnt.count == 0)
            return;
        struct bastion_flow_reverse r = {xmalloc((g->nodes + 2) * sizeof(uint32_t)),
                                         xmalloc((g->edges.count + 1) * sizeof(uint32_t))};
        int32_t added =
            bastion_flow_paddr_round(fg, g->hub_of, g->pds, g->learnt.items,
                                     (uint32_t)g->learnt.count, w, &r, add_paddr_edge, g);
        free(r.first);
        free(r.edge);
        if (added <= 0)
            return;
        graph_free_rows(g);
    }
}

/* Builds the graph and runs the shared check on it. */
static void check_graph(const struct model *m, struct flow_policy *p, struct diag_sink *d)
{
    struct graph g;
    graph_build(&g, m, p);
    size_t labels = p->labels.count;
    uint8_t *trusted = xcalloc(labels + 1, 1), *is_source = xcalloc(labels + 1, 1);
    for (size_t l = 0; l < labels; l++)
        trusted[l] = VEC_AT(&p->labels, struct flow_label, l)->trusted;
    for (uint32_t u = 0; u < g.nodes; u++)
        if (g.label[u] != BASTION_FLOW_NO_LABEL)
            is_source[g.label[u]] = 1;
    struct bastion_flow_graph fg = {g.nodes,          NULL,     NULL,    NULL,     NULL, g.label,
                                    (uint32_t)labels, p->allow, trusted, is_source};
    uint32_t *scratch = xcalloc(3 * (size_t)g.nodes + 3, sizeof(uint32_t));
    struct bastion_flow_work w = {scratch, scratch + g.nodes + 1,
                                  scratch + 2 * (size_t)g.nodes + 2};
    add_peer_paddr_edges(&g, m);
    add_paddr_edges(&g, &fg, &w);
    struct report_ctx c = {m, p, &g, d, xmalloc((g.nodes + 1) * sizeof(uint32_t))};
    bastion_flow_check(&fg, &w, report_violation, &c);
    free(c.path);
    free(scratch);
    free(trusted);
    free(is_source);
    graph_free(&g);
}

void check_flow(struct model *m, struct diag_sink *d)
{
    struct flow_policy *p = m->flow;
    if (!p) {
        warn_labels_without_policy(m, d);
        return;
    }
    size_t before = d->errors;
    struct name_table names;
    bool ok = declare_labels(d, p, &names);
    ok = ok && resolve_rules(d, p, &names);
    ok = ok && resolve_nodes(d, m, p, &names);
    name_table_free(&names);
    if (!ok)
        return;
    p->resolved = true;
    check_graph(m, p, d);
    p->violations_only = d->errors > before;
}
