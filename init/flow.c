/*
 * The boot-time flow check (issue 25): after check_cspaces() has proved that every PD
 * holds exactly the caps of the spec, derive from those caps the flows they allow and
 * refuse the system when the spec's flow policy forbids one. The graph is the tool's
 * (docs/system-description.md, "Information flow"), built here from what init handed
 * out rather than from the description: a notification cap of another PD's notification
 * is a notify edge, an endpoint cap a call both ways (and the budget, when the callee is
 * passive), a child's TCB cap control both ways, a map of a region memory from a writer
 * and to every mapper, a PCI device DMA to every region of its PD. A physical address
 * init hands a PD (a REGION_PADDR patch, or a fixed one the FLOW table names) is in the
 * I/O space of its peers' devices (bastion_flow_paddr_peers, the rule of init/iommu.c),
 * and reaches further devices by bastion_flow_paddr_round(), in rounds until one adds
 * nothing. The check itself is bastion_flow_check(), the tool's.
 */
#include "init.h"

#include <bastion/flow.h>

#define MAX_NODES  1024u
#define MAX_EDGES  8192u
#define MAX_LEARNT 1024u

/* The graph: PDs, regions, PCI devices, then one DMA node per PD with devices. */
static struct {
    uint32_t nodes, count, pds, regions, pcis;
    uint32_t efrom[MAX_EDGES], eto[MAX_EDGES];
    uint8_t ekind[MAX_EDGES];
    uint32_t first[MAX_NODES + 2], from[MAX_EDGES], to[MAX_EDGES];
    uint8_t kind[MAX_EDGES];
    uint16_t label[MAX_NODES];
    uint32_t hub_of[MAX_NODES];
    uint32_t parent_edge[MAX_NODES], queue[MAX_NODES], stamp[MAX_NODES];
    uint32_t reverse_first[MAX_NODES + 2], reverse_edge[MAX_EDGES]; /* the edges by target */
    uint8_t allow[BASTION_FLOW_MAX_LABELS * BASTION_FLOW_MAX_LABELS];
    uint8_t trusted[BASTION_FLOW_MAX_LABELS], is_source[BASTION_FLOW_MAX_LABELS];
    uint32_t label_name[BASTION_FLOW_MAX_LABELS];
    uint32_t labels;
    struct bastion_flow_paddr learnt[MAX_LEARNT]; /* physical addresses PDs learn */
    uint32_t learnt_count;
    bool overflow;
} g;

static void edge(uint32_t from, uint32_t to, unsigned kind)
{
    if (g.count >= MAX_EDGES || from >= g.nodes || to >= g.nodes) {
        g.overflow = true;
        return;
    }
    g.efrom[g.count] = from;
    g.eto[g.count] = to;
    g.ekind[g.count++] = (uint8_t)kind;
}

static void both(uint32_t a, uint32_t b, unsigned kind)
{
    edge(a, b, kind);
    edge(b, a, kind);
}

/* The PD that owns object entry `index` (NONE for shared frames). */
static uint32_t owner(uint32_t index)
{
    return index < the_spec.n[BASTION_TABLE_OBJECTS] ? the_spec.objects[index].pd
                                                     : BASTION_SPEC_NONE;
}

static void cap_edges(void)
{
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_CAPS]; i++) {
        const struct bastion_spec_cap *c = &the_spec.caps[i];
        if (c->kind != BASTION_CAP_OBJECT)
            continue;
        uint32_t q = owner(c->index), type = the_spec.objects[c->index].type;
        if (c->slot >= BASTION_SLOT_NOTIFY_BASE && c->slot < BASTION_SLOT_PPCALL_BASE &&
            type == BASTION_OBJ_NOTIFICATION && q != c->pd)
            edge(c->pd, q, BASTION_FLOW_NOTIFY);
        else if (c->slot >= BASTION_SLOT_PPCALL_BASE && c->slot < BASTION_SLOT_IRQ_BASE &&
                 type == BASTION_OBJ_ENDPOINT && q != c->pd) {
            both(c->pd, q, BASTION_FLOW_PPC);
            if (q < g.pds && (the_spec.pds[q].flags & BASTION_PD_PASSIVE))
                both(c->pd, q, BASTION_FLOW_BUDGET);
        } else if (c->slot >= BASTION_SLOT_CHILD_TCB_BASE && c->slot < BASTION_SLOT_CHILD_SC_BASE &&
                   type == BASTION_OBJ_TCB)
            both(c->pd, q, BASTION_FLOW_CONTROL);
    }
}

/* A PD's DMA node, made at its first device with that device's label; a device of
 * another label leaves it unlabelled (the tool's rule, flow.h). NONE when out of room. */
static uint32_t dma_node(uint32_t pd, uint32_t device)
{
    uint32_t dev = g.pds + g.regions + device;
    if (pd >= g.pds)
        return BASTION_FLOW_NONE;
    if (g.hub_of[pd] == BASTION_FLOW_NONE) {
        if (g.nodes == MAX_NODES)
            return BASTION_FLOW_NONE;
        g.hub_of[pd] = g.nodes++;
        g.label[g.hub_of[pd]] = g.label[dev];
    } else if (g.label[g.hub_of[pd]] != g.label[dev]) {
        g.label[g.hub_of[pd]] = BASTION_FLOW_NO_LABEL;
    }
    return g.hub_of[pd];
}

static void memory_and_device_edges(void)
{
    for (uint32_t i = 0; i < g.pcis; i++) {
        uint32_t pd = the_spec.pci_devices[i].pd, hub = dma_node(pd, i);
        if (hub == BASTION_FLOW_NONE) {
            g.overflow = true;
            return;
        }
        both(pd, g.pds + g.regions + i, BASTION_FLOW_DMA);
        both(g.pds + g.regions + i, hub, BASTION_FLOW_DMA);
    }
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_MAPS]; i++) {
        const struct bastion_spec_map *m = &the_spec.maps[i];
        uint32_t r = g.pds + m->region;
        if (m->perms & BASTION_PERM_W)
            edge(m->pd, r, BASTION_FLOW_MEMORY);
        edge(r, m->pd, BASTION_FLOW_MEMORY);
        if (m->pd < g.pds && g.hub_of[m->pd] != BASTION_FLOW_NONE)
            both(g.hub_of[m->pd], r, BASTION_FLOW_DMA);
    }
}

/* Records that PD `pd` learns the physical address of region `region`; false when either
 * is out of range. More addresses than the check holds set g.overflow. */
static bool learn(uint32_t pd, uint32_t region)
{
    if (pd >= g.pds || region >= g.regions)
        return false;
    if (g.learnt_count == MAX_LEARNT)
        g.overflow = true;
    else
        g.learnt[g.learnt_count++] = (struct bastion_flow_paddr){pd, g.pds + region};
    return true;
}

/* The FLOW table's labels, numbered in table order wherever they stand among the other
 * entries. False when there are more than the check holds. */
static bool read_labels(void)
{
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_FLOW]; i++) {
        const struct bastion_spec_flow *f = &the_spec.flow[i];
        if (f->what != BASTION_FLOW_ENTRY_LABEL)
            continue;
        if (g.labels == BASTION_FLOW_MAX_LABELS)
            return false;
        g.label_name[g.labels] = f->a;
        g.trusted[g.labels++] = f->value != 0;
    }
    return true;
}

/* One entry other than a label, against the labels read_labels() numbered. */
static bool read_entry(const struct bastion_spec_flow *f)
{
    uint32_t base = f->what == BASTION_FLOW_ENTRY_REGION   ? g.pds
                    : f->what == BASTION_FLOW_ENTRY_DEVICE ? g.pds + g.regions
                                                           : 0;
    uint32_t limit = f->what == BASTION_FLOW_ENTRY_PD       ? g.pds
                     : f->what == BASTION_FLOW_ENTRY_REGION ? g.regions
                                                            : g.pcis;
    switch (f->what) {
    case BASTION_FLOW_ENTRY_LABEL:
        return true;
    case BASTION_FLOW_ENTRY_ALLOW:
        if (f->a >= g.labels || f->b >= g.labels || f->value > BASTION_FLOW_ALL_KINDS)
            return false;
        g.allow[f->a * g.labels + f->b] = (uint8_t)f->value;
        return true;
    case BASTION_FLOW_ENTRY_PD:
    case BASTION_FLOW_ENTRY_REGION:
    case BASTION_FLOW_ENTRY_DEVICE:
        if (f->a >= limit || f->b >= g.labels)
            return false;
        g.label[base + f->a] = (uint16_t)f->b;
        g.is_source[f->b] = 1;
        return true;
    case BASTION_FLOW_ENTRY_PADDR:
        return learn(f->a, f->b);
    default:
        return false;
    }
}

/* Reads the FLOW table (its entries in any order) and the physical addresses init
 * patches into PDs. False when the table is malformed: an unknown entry, a reference out
 * of range, or a PD without a label (the tool gives every PD one; an unlabelled PD would
 * be a conduit that the check looks through). */
static bool read_policy(void)
{
    if (!read_labels())
        return false;
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_FLOW]; i++)
        if (!read_entry(&the_spec.flow[i]))
            return false;
    for (uint32_t p = 0; p < g.pds; p++)
        if (g.label[p] == BASTION_FLOW_NO_LABEL)
            return false;
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_PATCHES]; i++) {
        const struct bastion_spec_patch *patch = &the_spec.patches[i];
        if (patch->kind == BASTION_PATCH_REGION_PADDR && !learn(patch->pd, patch->index))
            return false;
    }
    return true;
}

/* A node's name; a DMA node is named after its PD ("the DMA of PD's devices"). */
static void print_node(uint32_t u)
{
    if (u < g.pds) {
        bst_printf("%s", spec_string(&the_spec, the_spec.pds[u].name));
    } else if (u < g.pds + g.regions) {
        bst_printf("%s", spec_string(&the_spec, the_spec.regions[u - g.pds].name));
    } else if (u < g.pds + g.regions + g.pcis) {
        bst_printf("a PCI device of %s",
                   spec_string(&the_spec,
                               the_spec.pds[the_spec.pci_devices[u - g.pds - g.regions].pd].name));
    } else {
        uint32_t p = 0;
        while (p < g.pds && g.hub_of[p] != u)
            p++;
        bst_printf("the DMA of %s's devices",
                   p < g.pds ? spec_string(&the_spec, the_spec.pds[p].name) : "?");
    }
}

static unsigned violations;

static int report(void *ctx, const struct bastion_flow_graph *fg, const struct bastion_flow_work *w,
                  enum bastion_flow_verdict verdict, uint32_t source_label, uint32_t node,
                  unsigned kind)
{
    (void)ctx;
    bst_printf("init: flow: label '%s' reaches '",
               spec_string(&the_spec, g.label_name[source_label]));
    print_node(node);
    bst_printf("' (label '%s')%s%s: ", spec_string(&the_spec, g.label_name[fg->label[node]]),
               verdict == BASTION_FLOW_WRONG_KIND ? " by " : ", which the policy forbids",
               verdict == BASTION_FLOW_WRONG_KIND ? bastion_flow_kind_name(kind) : "");
    uint32_t path[16], n = 0;
    for (uint32_t e = w->parent_edge[node]; e != BASTION_FLOW_NONE && n < 16;
         e = w->parent_edge[fg->from[e]])
        path[n++] = e;
    print_node(fg->from[path[n - 1]]);
    while (n-- > 0) {
        bst_printf(" -%s-> ", bastion_flow_kind_name(fg->kind[path[n]]));
        print_node(fg->to[path[n]]);
    }
    bst_printf("\n");
    return ++violations < 32;
}

/* Sorts the edges into rows by source (counting sort); again after edges are added. */
static void rows(void)
{
    for (uint32_t u = 0; u < g.nodes + 2; u++)
        g.first[u] = 0;
    for (uint32_t i = 0; i < g.count; i++)
        g.first[g.efrom[i] + 2]++;
    for (uint32_t u = 0; u < g.nodes; u++)
        g.first[u + 2] += g.first[u + 1];
    for (uint32_t i = 0; i < g.count; i++) {
        uint32_t at = g.first[g.efrom[i] + 1]++;
        g.from[at] = g.efrom[i];
        g.to[at] = g.eto[i];
        g.kind[at] = g.ekind[i];
    }
}

/* bastion_flow_dma_fn: a learnt address lets the DMA node `hub` reach the region. */
static int add_dma(void *ctx, uint32_t hub, uint32_t region, uint32_t learner)
{
    (void)ctx;
    (void)learner;
    if (g.count + 2 > MAX_EDGES)
        return 0;
    both(hub, region, BASTION_FLOW_DMA);
    return 1;
}

/* The IOMMU's rule (init/iommu.c, bastion_flow_paddr_peers): the regions whose address a
 * PD's peer learns are in its devices' I/O space, for every channel, parent and child.
 * False when the edges overflow. */
static bool peer_edges(void)
{
    bool ok = true;
    for (uint32_t i = 0; i < the_spec.n[BASTION_TABLE_CHANNELS]; i++)
        ok = ok && bastion_flow_paddr_peers(g.hub_of, g.pds, g.learnt, g.learnt_count,
                                            the_spec.channels[i].pd[0], the_spec.channels[i].pd[1],
                                            add_dma, NULL);
    for (uint32_t p = 0; p < g.pds; p++)
        ok = ok && bastion_flow_paddr_peers(g.hub_of, g.pds, g.learnt, g.learnt_count, p,
                                            the_spec.pds[p].parent, add_dma, NULL);
    return ok;
}

/* Rows, then rounds of the learnt addresses' DMA edges until one adds none. False when
 * the edges overflow. */
static bool learnt_edges(const struct bastion_flow_graph *fg, const struct bastion_flow_work *w)
{
    for (;;) {
        rows();
        struct bastion_flow_reverse r = {g.reverse_first, g.reverse_edge};
        int32_t added = bastion_flow_paddr_round(fg, g.hub_of, g.pds, g.learnt, g.learnt_count, w,
                                                 &r, add_dma, NULL);
        if (added <= 0)
            return added == 0;
    }
}

bool check_flow_policy(void)
{
    if (the_spec.n[BASTION_TABLE_FLOW] == 0)
        return true; /* no policy */
    g.pds = the_spec.n[BASTION_TABLE_PDS];
    g.regions = the_spec.n[BASTION_TABLE_REGIONS];
    g.pcis = the_spec.n[BASTION_TABLE_PCI_DEVICES];
    g.nodes = g.pds + g.regions + g.pcis;
    if (g.nodes > MAX_NODES) {
        bst_printf("init: flow: FAILED: %u components, more than the %u the check holds\n", g.nodes,
                   MAX_NODES);
        return false;
    }
    for (uint32_t u = 0; u < MAX_NODES; u++) {
        g.label[u] = BASTION_FLOW_NO_LABEL;
        g.hub_of[u] = BASTION_FLOW_NONE;
    }
    if (!read_policy()) {
        bst_printf("init: flow: FAILED: the spec's flow policy is malformed\n");
        return false;
    }
    cap_edges();
    memory_and_device_edges();
    struct bastion_flow_graph fg = {g.nodes, g.first,  g.from,  g.to,      g.kind,
                                    g.label, g.labels, g.allow, g.trusted, g.is_source};
    struct bastion_flow_work w = {g.parent_edge, g.queue, g.stamp};
    if (g.overflow || !peer_edges() || !learnt_edges(&fg, &w)) {
        bst_printf("init: flow: FAILED: more than %u flows or %u learnt physical addresses, or "
                   "a flow names no component\n",
                   MAX_EDGES, MAX_LEARNT);
        return false;
    }
    bastion_flow_check(&fg, &w, report, NULL);
    if (violations == 0)
        bst_printf("init: flow: the capabilities of %u PDs allow only flows the policy "
                   "allows (%u labels, %u flows)\n",
                   g.pds, g.labels, g.count);
    else
        bst_printf("init: flow: FAILED: %u flows the policy forbids\n", violations);
    return violations == 0;
}
