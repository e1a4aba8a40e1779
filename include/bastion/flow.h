/*
 * The information-flow check (issue 25), shared by the `bastion` tool and by init: one
 * definition of what a policy allows, so that the tool and the boot-time check cannot
 * disagree. Freestanding (<stdint.h> only); the caller owns every array.
 *
 * The authority graph: nodes are components (PDs, memory regions, PCI devices and a
 * per-PD "DMA reach" node) and a directed edge u -> v of kind k says that u can pass
 * information to v by that means. A node has a label, or BASTION_FLOW_NO_LABEL: an
 * unlabelled node (a region or device without a label) is a conduit that information
 * crosses without being checked there. A PD's DMA node stands for what its devices do
 * on the bus, so it has their label when they all have one and the same, else none.
 *
 * The policy: allow[from * labels + to] holds the kinds (1 << enum bastion_flow_kind)
 * with which information may go from one label straight to another; a label may always
 * flow to itself. A trusted label marks declassifiers: information that reaches a
 * trusted node stops there (the trusted node's own flows are checked as its label's).
 *
 * bastion_flow_check() reports, for every source label L:
 *   - FORBIDDEN: a node of label M != L that information from L reaches, along a path
 *     that passes through no trusted node, and the policy has no rule L -> M at all. The
 *     policy is not transitive: A -> B and B -> C allow nothing from A to C.
 *   - WRONG_KIND: a labelled node of label M != L that a node of label L reaches in one
 *     hop (an edge, possibly through unlabelled conduits) whose first edge has kind k,
 *     while the rule L -> M exists but does not list k.
 * Each (L, node) is reported at most once, at the first node where forbidden information
 * arrives; the search does not go on past it. The cost is labels * 7 * (nodes + edges).
 */
#ifndef BASTION_FLOW_H
#define BASTION_FLOW_H

#include <stdint.h>

enum bastion_flow_kind {
    BASTION_FLOW_NOTIFY = 0, /* a notification: one bit, sender to receiver */
    BASTION_FLOW_PPC,        /* a protected procedure call and its reply: both ways */
    BASTION_FLOW_MEMORY,     /* a shared region: writers to readers */
    BASTION_FLOW_CONTROL,    /* parent and child: the parent reads and writes the child's
                                state, the child's faults reach the parent */
    BASTION_FLOW_DMA,        /* a bus-mastering device: its PD's regions, both ways */
    BASTION_FLOW_BUDGET,     /* a passive server runs on its caller's budget */
    BASTION_FLOW_KIND_COUNT,
};

#define BASTION_FLOW_ALL_KINDS  ((1u << BASTION_FLOW_KIND_COUNT) - 1u)
#define BASTION_FLOW_NO_LABEL   0xffffu
#define BASTION_FLOW_MAX_LABELS 256u
#define BASTION_FLOW_NONE       0xffffffffu

static inline const char *bastion_flow_kind_name(unsigned k)
{
    static const char *const names[BASTION_FLOW_KIND_COUNT] = {"notify",  "ppc", "memory",
                                                               "control", "dma", "budget"};
    return k < BASTION_FLOW_KIND_COUNT ? names[k] : "?";
}

/* The graph in compressed rows: the edges leaving node u are first[u] .. first[u+1]-1. */
struct bastion_flow_graph {
    uint32_t nodes;
    const uint32_t *first;    /* nodes + 1 entries */
    const uint32_t *from;     /* per edge: its source (for paths) */
    const uint32_t *to;       /* per edge */
    const uint8_t *kind;      /* per edge: enum bastion_flow_kind */
    const uint16_t *label;    /* per node, or BASTION_FLOW_NO_LABEL */
    uint32_t labels;          /* at most BASTION_FLOW_MAX_LABELS */
    const uint8_t *allow;     /* labels * labels kind masks */
    const uint8_t *trusted;   /* per label: 1 when declassifying */
    const uint8_t *is_source; /* per label: 1 when some node has it (others are skipped) */
};

enum bastion_flow_verdict {
    BASTION_FLOW_FORBIDDEN = 1,
    BASTION_FLOW_WRONG_KIND = 2,
};

/* Scratch space: three arrays of `nodes` entries each. */
struct bastion_flow_work {
    uint32_t *parent_edge; /* the edge by which the search reached a node; NONE at sources */
    uint32_t *queue;
    uint32_t *stamp; /* the search that last reached a node; zero it before the first call */
};

/*
 * Called per violation: information of `source_label` reaches `node` (the last edge of
 * the path is work->parent_edge[node]; follow parent_edge back through graph->from to a
 * node whose parent_edge is NONE). `kind` is the first edge's kind for WRONG_KIND.
 * Returns 0 to stop the check.
 */
typedef int (*bastion_flow_report_fn)(void *ctx, const struct bastion_flow_graph *g,
                                      const struct bastion_flow_work *w,
                                      enum bastion_flow_verdict verdict, uint32_t source_label,
                                      uint32_t node, unsigned kind);

/* Starts a search: every node of `label` is a source, reached by no edge. */
static inline uint32_t bastion_flow_seed_(const struct bastion_flow_graph *g,
                                          const struct bastion_flow_work *w, uint32_t label,
                                          uint32_t stamp)
{
    uint32_t tail = 0;
    for (uint32_t u = 0; u < g->nodes; u++) {
        if (g->label[u] == label) {
            w->stamp[u] = stamp;
            w->parent_edge[u] = BASTION_FLOW_NONE;
            w->queue[tail++] = u;
        }
    }
    return tail;
}

/* FORBIDDEN: everything the sources of `label` reach, not past trusted nodes. */
static inline int bastion_flow_reach_(const struct bastion_flow_graph *g,
                                      const struct bastion_flow_work *w, uint32_t label,
                                      uint32_t stamp, bastion_flow_report_fn report, void *ctx)
{
    uint32_t head = 0, tail = bastion_flow_seed_(g, w, label, stamp);
    while (head < tail) {
        uint32_t u = w->queue[head++];
        uint32_t lu = g->label[u];
        if (lu != label && lu != BASTION_FLOW_NO_LABEL && g->trusted[lu])
            continue; /* a declassifier: what it passes on is checked as its own label's */
        for (uint32_t e = g->first[u]; e < g->first[u + 1]; e++) {
            uint32_t v = g->to[e];
            if (w->stamp[v] == stamp)
                continue;
            w->stamp[v] = stamp;
            w->parent_edge[v] = e;
            uint32_t lv = g->label[v];
            if (lv != BASTION_FLOW_NO_LABEL && lv != label && !g->allow[label * g->labels + lv]) {
                if (!report(ctx, g, w, BASTION_FLOW_FORBIDDEN, label, v, 0))
                    return 0;
                continue; /* reported where it arrives; not followed further */
            }
            w->queue[tail++] = v;
        }
    }
    return 1;
}

/* WRONG_KIND: the labelled nodes one hop of first kind `kind` away from the sources. */
static inline int bastion_flow_hop_(const struct bastion_flow_graph *g,
                                    const struct bastion_flow_work *w, uint32_t label,
                                    unsigned kind, uint32_t stamp, bastion_flow_report_fn report,
                                    void *ctx)
{
    uint32_t head = 0, tail = bastion_flow_seed_(g, w, label, stamp);
    uint32_t sources = tail;
    while (head < tail) {
        uint32_t u = w->queue[head++];
        for (uint32_t e = g->first[u]; e < g->first[u + 1]; e++) {
            uint32_t v = g->to[e];
            if ((head <= sources && g->kind[e] != kind) || w->stamp[v] == stamp)
                continue;
            w->stamp[v] = stamp;
            w->parent_edge[v] = e;
            uint32_t lv = g->label[v];
            if (lv == BASTION_FLOW_NO_LABEL) {
                w->queue[tail++] = v; /* a conduit: the hop goes on */
                continue;
            }
            uint8_t allowed =
                lv == label ? BASTION_FLOW_ALL_KINDS : g->allow[label * g->labels + lv];
            if (allowed && !(allowed & (1u << kind)) &&
                !report(ctx, g, w, BASTION_FLOW_WRONG_KIND, label, v, kind))
                return 0;
        }
    }
    return 1;
}

/*
 * Physical addresses are authority (setvar_paddr). A PD that learns a region's physical
 * address can hand it to a driver, whose devices then DMA there, whatever page rights
 * anyone has. So the address is information of its learner's label, and travels as that
 * label's information does in the check: along every edge, through every node of its own
 * label, and not past a trusted node of another label (a declassifier passes on only what
 * its own label's rules allow, addresses included). Each PD it reaches whose devices have
 * a DMA node gains a dma edge between that node and the region, both ways. Those edges
 * let the address travel further, so the caller repeats rounds until one adds nothing.
 */
struct bastion_flow_paddr {
    uint32_t pd;     /* the PD node that learns the address */
    uint32_t region; /* the region's node */
};

/* Called for a DMA node `hub` that the address of learner `learner` reaches: add the dma
 * edges hub <-> region. A round offers only pairs the graph does not hold yet; the peer
 * rule may offer one that the PD's own map already gives (a duplicate edge is harmless).
 * Returns 0 when it has no room, which stops the caller. */
typedef int (*bastion_flow_dma_fn)(void *ctx, uint32_t hub, uint32_t region, uint32_t learner);

/*
 * The IOMMU's rule (init/iommu.c): the I/O space of a PD's devices holds every region
 * whose address a peer of the PD learns (a PD it shares a channel with, its parent or a
 * child), whatever the channel carries; so the devices reach it as if told. For peers
 * `p` and `q`, offers `add` each region that q learns for p's DMA node, and each that p
 * learns for q's (both, where both have devices). Returns 0 when `add` had no room. The
 * cost is count for a pair where a PD has devices, nothing otherwise.
 */
static inline int bastion_flow_paddr_peers(const uint32_t *hub_of, uint32_t pds,
                                           const struct bastion_flow_paddr *learnt, uint32_t count,
                                           uint32_t p, uint32_t q, bastion_flow_dma_fn add,
                                           void *ctx)
{
    if (p >= pds || q >= pds || p == q ||
        (hub_of[p] == BASTION_FLOW_NONE && hub_of[q] == BASTION_FLOW_NONE))
        return 1;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t to = learnt[i].pd == q ? p : learnt[i].pd == p ? q : pds;
        if (to < pds && hub_of[to] != BASTION_FLOW_NONE &&
            !add(ctx, hub_of[to], learnt[i].region, i))
            return 0;
    }
    return 1;
}

/* Scratch for a round: the graph's edges grouped by target. `first` needs nodes + 2
 * entries, `edge` one per edge of the graph. */
struct bastion_flow_reverse {
    uint32_t *first; /* the edges into v are edge[first[v]] .. edge[first[v + 1] - 1] */
    uint32_t *edge;  /* indices of the graph's edges */
};

/* Fills `r` from the graph's rows (a counting sort by target). */
static inline void bastion_flow_reverse_rows_(const struct bastion_flow_graph *g,
                                              const struct bastion_flow_reverse *r)
{
    uint32_t edges = g->first[g->nodes];
    for (uint32_t v = 0; v < g->nodes + 2; v++)
        r->first[v] = 0;
    for (uint32_t e = 0; e < edges; e++)
        r->first[g->to[e] + 2]++;
    for (uint32_t v = 0; v < g->nodes; v++)
        r->first[v + 2] += r->first[v + 1];
    for (uint32_t e = 0; e < edges; e++)
        r->edge[r->first[g->to[e] + 1]++] = e;
}

/* Stamps every node from which information of label `label` reaches `target`: a search
 * over the edges backwards that does not step onto a trusted node of another label (it
 * would pass on nothing of label's). */
static inline void bastion_flow_reach_back_(const struct bastion_flow_graph *g,
                                            const struct bastion_flow_reverse *r,
                                            const struct bastion_flow_work *w, uint32_t target,
                                            uint32_t label, uint32_t stamp)
{
    uint32_t head = 0, tail = 0;
    w->stamp[target] = stamp;
    w->queue[tail++] = target;
    while (head < tail) {
        uint32_t v = w->queue[head++];
        for (uint32_t k = r->first[v]; k < r->first[v + 1]; k++) {
            uint32_t u = g->from[r->edge[k]], lu = g->label[u];
            if (w->stamp[u] == stamp ||
                (lu != label && lu != BASTION_FLOW_NO_LABEL && g->trusted[lu]))
                continue;
            w->stamp[u] = stamp;
            w->queue[tail++] = u;
        }
    }
}

/*
 * One round of the address rule above over `count` learnt addresses. `hub_of[p]` is PD
 * node p's DMA node (BASTION_FLOW_NONE when it has no device), for p < `pds`; PD nodes
 * are 0 .. pds - 1; every learner has a label. For each PD with devices and each label
 * that learns addresses, one search backwards finds the learners of that label whose
 * address reaches the PD. The work's arrays may hold anything before; its stamps are
 * zero after (bastion_flow_check wants them so). Returns how many pairs `add` took, or -1
 * when `add` had no room or a learner is out of range. The cost is (PDs with devices) *
 * (labels that learn) * (nodes + edges + count): linear in the description.
 */
static inline int32_t bastion_flow_paddr_round(const struct bastion_flow_graph *g,
                                               const uint32_t *hub_of, uint32_t pds,
                                               const struct bastion_flow_paddr *learnt,
                                               uint32_t count, const struct bastion_flow_work *w,
                                               const struct bastion_flow_reverse *r,
                                               bastion_flow_dma_fn add, void *ctx)
{
    uint8_t learns[BASTION_FLOW_MAX_LABELS] = {0};
    for (uint32_t i = 0; i < count; i++) {
        if (learnt[i].pd >= pds || learnt[i].region >= g->nodes ||
            g->label[learnt[i].pd] >= g->labels)
            return -1;
        learns[g->label[learnt[i].pd]] = 1;
    }
    for (uint32_t u = 0; u < g->nodes; u++)
        w->stamp[u] = w->parent_edge[u] = 0; /* parent_edge: regions a DMA node holds */
    bastion_flow_reverse_rows_(g, r);
    int32_t added = 0;
    uint32_t stamp = 0;
    for (uint32_t d = 0; d < pds && added >= 0; d++) {
        uint32_t hub = hub_of[d];
        if (hub == BASTION_FLOW_NONE)
            continue;
        for (uint32_t e = g->first[hub]; e < g->first[hub + 1]; e++)
            if (g->kind[e] == BASTION_FLOW_DMA)
                w->parent_edge[g->to[e]] = d + 1;
        for (uint32_t l = 0; l < g->labels && added >= 0; l++) {
            if (!learns[l])
                continue;
            bastion_flow_reach_back_(g, r, w, d, l, ++stamp);
            for (uint32_t i = 0; i < count && added >= 0; i++) {
                uint32_t p = learnt[i].pd, region = learnt[i].region;
                if (g->label[p] != l || w->stamp[p] != stamp || w->parent_edge[region] == d + 1)
                    continue;
                w->parent_edge[region] = d + 1;
                added = add(ctx, hub, region, i) ? added + 1 : -1;
            }
        }
    }
    for (uint32_t u = 0; u < g->nodes; u++)
        w->stamp[u] = 0;
    return added;
}

/*
 * Checks every flow of the graph against the policy (see the top of this file). `w`
 * needs `nodes` entries per array, its stamps zeroed. Returns 1 when the check ran to
 * its end (violations or not), 0 when `report` stopped it.
 */
static inline int bastion_flow_check(const struct bastion_flow_graph *g,
                                     const struct bastion_flow_work *w,
                                     bastion_flow_report_fn report, void *ctx)
{
    uint32_t stamp = 0;
    for (uint32_t l = 0; l < g->labels; l++) {
        if (!g->is_source[l])
            continue;
        if (!bastion_flow_reach_(g, w, l, ++stamp, report, ctx))
            return 0;
        for (unsigned k = 0; k < BASTION_FLOW_KIND_COUNT; k++) {
            if (!bastion_flow_hop_(g, w, l, k, ++stamp, report, ctx))
                return 0;
        }
    }
    return 1;
}

#endif
