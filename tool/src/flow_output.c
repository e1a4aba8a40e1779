/*
 * What the flow policy adds to the outputs (see flow.h): the spec's FLOW table, which
 * init checks the capabilities it hands out against, and the picture's colours by label
 * with the edges of violating paths in red.
 */
#include "flow.h"
#include "layout.h"

#include <bastion/flow.h>

#include <string.h>

static void add_flow_entry(struct layout *l, uint32_t what, uint32_t a, uint32_t b, uint32_t value)
{
    struct bastion_spec_flow *f = vec_push(&l->tables[BASTION_TABLE_FLOW], sizeof(*f));
    *f = (struct bastion_spec_flow){what, a, b, value};
}

/* Labels in policy order (their numbers), then the labelled nodes, then the rules. */
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
