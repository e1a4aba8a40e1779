/*
 * What the flow policy adds to the outputs (see flow.h): the spec's FLOW table, which
 * init checks the capabilities it hands out against, the picture's colours by label with
 * the edges of violating paths in red, and the labels and rules in the JSON output and
 * the report. Without a policy it adds nothing anywhere.
 */
#include "flow.h"
#include "json_emit.h"
#include "layout.h"
#include "util.h"

#include <bastion/flow.h>

#include <stdlib.h>
#include <string.h>

static void add_flow_entry(struct layout *l, uint32_t what, uint32_t a, uint32_t b, uint32_t value)
{
    struct bastion_spec_flow *f = vec_push(&l->tables[BASTION_TABLE_FLOW], sizeof(*f));
    *f = (struct bastion_spec_flow){what, a, b, value};
}

/* Labels in policy order (their numbers), then the labelled nodes, then the fixed
 * physical addresses PDs learn (init sees the others in PATCHES), then the rules. */
void flow_layout(struct layout *l, const struct model *m)
{
    const struct flow_policy *p = m->flow;
    if (!p || !p->resolved)
        return;
    size_t n = p->labels.count;
    for (size_t i = 0; i < n; i++) {
        const struct flow_label *lab = VEC_AT(&p->labels, struct flow_label, i);
        uint32_t name = (uint32_t)l->strings.count;
        vec_append(&l->strings, lab->name, strlen(lab->name) + 1);
        add_flow_entry(l, BASTION_FLOW_ENTRY_LABEL, name, 0, lab->trusted);
    }
    for (uint32_t i = 0; i < m->pds.count; i++)
        add_flow_entry(l, BASTION_FLOW_ENTRY_PD, i, p->pd_label[i], 0);
    for (uint32_t i = 0; i < m->regions.count; i++)
        if (p->region_label[i] != BASTION_FLOW_NO_LABEL)
            add_flow_entry(l, BASTION_FLOW_ENTRY_REGION, i, p->region_label[i], 0);
    for (uint32_t i = 0; i < m->pcis.count; i++)
        if (p->pci_label[i] != BASTION_FLOW_NO_LABEL)
            add_flow_entry(l, BASTION_FLOW_ENTRY_DEVICE, i, p->pci_label[i], 0);
    for (uint32_t i = 0; i < m->maps.count; i++) {
        const struct model_map *map = MODEL_MAP(m, i);
        if (map->setvar_paddr && MODEL_REGION(m, map->region)->has_phys)
            add_flow_entry(l, BASTION_FLOW_ENTRY_PADDR, map->pd, map->region, 0);
    }
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++)
            if (p->allow[a * n + b])
                add_flow_entry(l, BASTION_FLOW_ENTRY_ALLOW, a, b, p->allow[a * n + b]);
}

/* A light colour per label, from a fixed palette. */
static const char *label_colour(uint32_t l)
{
    static const char *const palette[] = {"#cfe2f3", "#f4cccc", "#d9ead3", "#fff2cc",
                                          "#d9d2e9", "#fce5cd", "#d0e0e3", "#ead1dc"};
    return palette[l % ARRAY_SIZE(palette)];
}

/* graph.c's name of graph node u: pdN, mrN, pciN; a PD's DMA node is drawn as its PD. */
static void node_name(const struct model *m, uint32_t u, char *buf, size_t size)
{
    uint32_t pds = (uint32_t)m->pds.count, regions = (uint32_t)m->regions.count;
    uint32_t pcis = (uint32_t)m->pcis.count;
    if (u < pds)
        snprintf(buf, size, "pd%u", u);
    else if (u < pds + regions)
        snprintf(buf, size, "mr%u", u - pds);
    else if (u < pds + regions + pcis)
        snprintf(buf, size, "pci%u", u - pds - regions);
    else
        snprintf(buf, size, "dma%u", u - pds - regions - pcis);
}

static void colour_nodes(FILE *out, const struct model *m, const struct flow_policy *p)
{
    for (uint32_t i = 0; i < m->pds.count; i++) {
        const struct flow_label *lab = VEC_AT(&p->labels, struct flow_label, p->pd_label[i]);
        fprintf(out, "  pd%u [style=\"rounded,filled%s%s\", fillcolor=\"%s\", xlabel=\"[%s]\"];\n",
                i, MODEL_PD(m, i)->passive ? ",dashed" : "", lab->trusted ? ",bold" : "",
                label_colour(p->pd_label[i]), lab->name);
    }
    for (uint32_t i = 0; i < m->regions.count; i++)
        if (p->region_label[i] != BASTION_FLOW_NO_LABEL)
            fprintf(out, "  mr%u [style=filled, fillcolor=\"%s\", xlabel=\"[%s]\"];\n", i,
                    label_colour(p->region_label[i]),
                    VEC_AT(&p->labels, struct flow_label, p->region_label[i])->name);
    for (uint32_t i = 0; i < m->pcis.count; i++)
        if (p->pci_label[i] != BASTION_FLOW_NO_LABEL)
            fprintf(out, "  pci%u [style=filled, fillcolor=\"%s\", xlabel=\"[%s]\"];\n", i,
                    label_colour(p->pci_label[i]),
                    VEC_AT(&p->labels, struct flow_label, p->pci_label[i])->name);
}

void flow_graph_dot(FILE *out, const struct model *m)
{
    const struct flow_policy *p = m->flow;
    if (!p || !p->resolved)
        return;
    colour_nodes(out, m, p);
    uint32_t hubs = 0; /* DMA nodes: drawn only when a violating path crosses one */
    for (size_t i = 0; i < p->marked.count; i++) {
        const struct flow_marked_edge *e = VEC_AT(&p->marked, struct flow_marked_edge, i);
        char a[32], b[32];
        node_name(m, e->from, a, sizeof(a));
        node_name(m, e->to, b, sizeof(b));
        if ((a[0] == 'd' || b[0] == 'd') && hubs++ == 0)
            fputs("  node [shape=point];\n", out);
        fprintf(out,
                "  %s -> %s [color=red, fontcolor=red, penwidth=2, label=\"violation: %s\"];\n", a,
                b, bastion_flow_kind_name(e->kind));
    }
    fputs("  subgraph cluster_labels {\n    label=\"flow labels (red: a violating path)\";\n", out);
    for (size_t l = 0; l < p->labels.count; l++) {
        const struct flow_label *lab = VEC_AT(&p->labels, struct flow_label, l);
        fprintf(out, "    label%zu [shape=box, style=filled, fillcolor=\"%s\", label=\"%s%s\"];\n",
                l, label_colour((uint32_t)l), lab->name, lab->trusted ? " (trusted)" : "");
    }
    fputs("  }\n", out);
}

bool flow_graph_despite_errors(const struct model *m)
{
    return m->flow && m->flow->resolved && m->flow->violations_only;
}

static const char *label_name(const struct model *m, uint16_t label)
{
    const struct flow_policy *p = m->flow;
    if (!p || !p->resolved || label == BASTION_FLOW_NO_LABEL)
        return NULL;
    return VEC_AT(&p->labels, struct flow_label, label)->name;
}

const char *flow_pd_label(const struct model *m, uint32_t index)
{
    return m->flow && m->flow->resolved ? label_name(m, m->flow->pd_label[index]) : NULL;
}

const char *flow_region_label(const struct model *m, uint32_t index)
{
    return m->flow && m->flow->resolved ? label_name(m, m->flow->region_label[index]) : NULL;
}

const char *flow_pci_label(const struct model *m, uint32_t index)
{
    return m->flow && m->flow->resolved ? label_name(m, m->flow->pci_label[index]) : NULL;
}

/* Writes the kinds of mask `kinds`, each followed by `sep`, in enum order. */
static void kinds_text(FILE *out, uint8_t kinds, const char *sep)
{
    for (unsigned k = 0; k < BASTION_FLOW_KIND_COUNT; k++)
        if (kinds & (1u << k))
            fprintf(out, "%s%s", sep, bastion_flow_kind_name(k));
}

void flow_json_policy(struct json_emitter *j, const struct model *m)
{
    const struct flow_policy *p = m->flow;
    if (!p || !p->resolved)
        return;
    json_object_begin(j, "flow_policy");
    json_array_begin(j, "labels");
    for (size_t i = 0; i < p->labels.count; i++) {
        const struct flow_label *lab = VEC_AT(&p->labels, struct flow_label, i);
        json_object_begin(j, NULL);
        json_string(j, "name", lab->name);
        json_bool(j, "trusted", lab->trusted);
        json_object_end(j);
    }
    json_array_end(j);
    json_array_begin(j, "flows");
    for (size_t i = 0; i < p->rules.count; i++) {
        const struct flow_rule *r = VEC_AT(&p->rules, struct flow_rule, i);
        json_object_begin(j, NULL);
        json_string(j, "from", r->from);
        json_string(j, "to", r->to);
        json_array_begin(j, "kinds");
        for (unsigned k = 0; k < BASTION_FLOW_KIND_COUNT; k++)
            if (r->kinds & (1u << k))
                json_string(j, NULL, bastion_flow_kind_name(k));
        json_array_end(j);
        json_string(j, "direction", r->both ? "both" : "one-way");
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
}

/* The labelled components grouped by label (a counting sort: linear in the description):
 * order[first[l] .. first[l + 1] - 1] are the nodes of label l, PDs, regions, devices. */
static void group_by_label(const struct model *m, const struct flow_policy *p, uint32_t *first,
                           uint32_t *order)
{
    uint32_t pds = (uint32_t)m->pds.count, regions = (uint32_t)m->regions.count;
    uint32_t nodes = pds + regions + (uint32_t)m->pcis.count;
    size_t labels = p->labels.count;
    memset(first, 0, (labels + 2) * sizeof(*first));
    for (uint32_t u = 0; u < nodes; u++) {
        uint16_t l = u < pds             ? p->pd_label[u]
                     : u < pds + regions ? p->region_label[u - pds]
                                         : p->pci_label[u - pds - regions];
        if (l != BASTION_FLOW_NO_LABEL)
            first[l + 2]++;
    }
    for (size_t l = 0; l < labels; l++)
        first[l + 2] += first[l + 1];
    for (uint32_t u = 0; u < nodes; u++) {
        uint16_t l = u < pds             ? p->pd_label[u]
                     : u < pds + regions ? p->region_label[u - pds]
                                         : p->pci_label[u - pds - regions];
        if (l != BASTION_FLOW_NO_LABEL)
            order[first[l + 1]++] = u;
    }
}

static void report_component(FILE *out, const struct model *m, uint32_t u)
{
    uint32_t pds = (uint32_t)m->pds.count, regions = (uint32_t)m->regions.count;
    if (u < pds) {
        fprintf(out, " %s", MODEL_PD(m, u)->name);
    } else if (u < pds + regions) {
        fprintf(out, " region %s", VEC_AT(&m->regions, struct model_region, u - pds)->name);
    } else {
        const struct model_pci *pci = VEC_AT(&m->pcis, struct model_pci, u - pds - regions);
        fprintf(out, " pci %02x:%02x.%x", pci->addr.bus, pci->addr.dev, pci->addr.fn);
    }
}

void flow_report_policy(FILE *out, const struct model *m)
{
    const struct flow_policy *p = m->flow;
    if (!p || !p->resolved)
        return;
    size_t labels = p->labels.count;
    uint32_t *first = xcalloc(labels + 2, sizeof(*first));
    uint32_t *order = xcalloc(m->pds.count + m->regions.count + m->pcis.count + 1, sizeof(*order));
    group_by_label(m, p, first, order);
    fprintf(out,
            "\nflow policy: %zu labels, %zu rules (unlabelled regions and devices are conduits)\n",
            labels, p->rules.count);
    for (size_t l = 0; l < labels; l++) {
        const struct flow_label *lab = VEC_AT(&p->labels, struct flow_label, l);
        fprintf(out, "    label %s%s:", lab->name, lab->trusted ? " (trusted)" : "");
        for (uint32_t k = first[l]; k < first[l + 1]; k++)
            report_component(out, m, order[k]);
        fputc('\n', out);
    }
    for (size_t i = 0; i < p->rules.count; i++) {
        const struct flow_rule *r = VEC_AT(&p->rules, struct flow_rule, i);
        fprintf(out, "    %s %s %s:", r->from, r->both ? "<->" : "->", r->to);
        kinds_text(out, r->kinds, " ");
        fputc('\n', out);
    }
    free(first);
    free(order);
}
