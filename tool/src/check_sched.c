/*
 * Scheduling checks: budget within period; protected procedure calls go only to a
 * strictly higher priority and never form a cycle; a passive PD can be called (and is
 * warned about notifications and interrupts, which do not run it); channels connect two different
 * PDs and do something; domains are used consistently.
 */
#include "check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void check_budgets(struct model *m, struct diag_sink *d)
{
    for (size_t i = 0; i < m->pds.count; i++) {
        struct model_pd *pd = MODEL_PD(m, i);
        if (pd->budget > pd->period)
            diag_node(d, DIAG_ERROR, pd->node, "budget",
                      "budget %" PRIu64 " us is above the period %" PRIu64
                      " us; a budget can use at most its whole period, lower it or raise the "
                      "period",
                      pd->budget, pd->period);
    }
}

/* Checks the two ends of one channel against each other. */
static void check_channel_ends(struct model *m, struct model_channel *ch, struct diag_sink *d)
{
    struct model_end *a = &ch->end[0], *b = &ch->end[1];
    if (a->pd == NO_INDEX || b->pd == NO_INDEX)
        return;
    if (a->pd == b->pd) {
        diag_node(d, DIAG_ERROR, b->node, "pd",
                  "pd '%s' is at both ends of the channel; a channel connects two different "
                  "protection domains",
                  check_pd_name(m, a->pd));
        return;
    }
    if (!a->notify && !a->pp && !b->notify && !b->pp)
        diag_node(d, DIAG_WARNING, ch->node, NULL,
                  "neither end may notify or call the other, so the channel does nothing; set "
                  "notify=\"true\" or pp=\"true\" on an end, or remove the channel");
    for (int e = 0; e < 2; e++) {
        struct model_end *caller = &ch->end[e], *callee = &ch->end[1 - e];
        struct model_pd *from = MODEL_PD(m, caller->pd), *to = MODEL_PD(m, callee->pd);
        if (caller->pp && to->priority <= from->priority)
            diag_node(
                d, DIAG_ERROR, caller->node, "pp",
                "pp=\"true\" lets '%s' (priority %u) call '%s' (priority %u), but a protected "
                "procedure call must go to a strictly higher priority; raise the "
                "priority of '%s' above %u",
                from->name, from->priority, to->name, to->priority, to->name, from->priority);
    }
}

/* One protected procedure call a channel allows: to `callee`, from the end `node`. */
struct call_edge {
    uint32_t callee;
    const xmlNode *node;
};

/*
 * Depth-first search state for finding cycles of calls. The search keeps its own stack
 * (of PDs, and of the next call to follow from each), so that a chain of a million PDs
 * needs no deeper C stack than a chain of two.
 */
struct call_graph {
    struct model *m;
    struct diag_sink *d;
    uint8_t *state; /* 0 unvisited, 1 on the stack, 2 done */
    uint32_t *stack;
    size_t *next_edge; /* [depth]: the next call of stack[depth] to follow */
    size_t depth;
    bool reported;
    size_t *first;           /* [pd .. pd + 1): that PD's calls in `edges` */
    struct call_edge *edges; /* grouped by caller, each group in channel order */
};

/* Reports the cycle that the call from stack top to `to` closes, at that call's end. */
static void report_cycle(struct call_graph *g, uint32_t to, const xmlNode *end)
{
    char path[512];
    size_t used = 0, start = 0;
    while (g->stack[start] != to)
        start++;
    for (size_t i = start; i < g->depth && used < sizeof(path); i++)
        used += (size_t)snprintf(path + used, sizeof(path) - used, "%s -> ",
                                 check_pd_name(g->m, g->stack[i]));
    if (used < sizeof(path))
        snprintf(path + used, sizeof(path) - used, "%s", check_pd_name(g->m, to));
    diag_node(g->d, DIAG_ERROR, end, "pp",
              "pp=\"true\" closes a cycle of protected procedure calls (%s), which could "
              "deadlock; remove one of the calls",
              path);
    g->reported = true;
}

static void push(struct call_graph *g, uint32_t pd)
{
    g->state[pd] = 1;
    g->next_edge[g->depth] = g->first[pd];
    g->stack[g->depth++] = pd;
}

/* Follows every call reachable from `root` (depth first), until a cycle is reported. */
static void visit(struct call_graph *g, uint32_t root)
{
    push(g, root);
    while (g->depth && !g->reported) {
        uint32_t pd = g->stack[g->depth - 1];
        size_t i = g->next_edge[g->depth - 1];
        if (i == g->first[pd + 1]) { /* every call of pd followed */
            g->state[pd] = 2;
            g->depth--;
            continue;
        }
        g->next_edge[g->depth - 1] = i + 1;
        uint32_t callee = g->edges[i].callee;
        if (g->state[callee] == 1)
            report_cycle(g, callee, g->edges[i].node);
        else if (g->state[callee] == 0)
            push(g, callee);
    }
}

/* The end `e` of channel `ch` lets its PD call the other end's PD. */
static bool is_call(const struct model_channel *ch, int e)
{
    uint32_t caller = ch->end[e].pd, callee = ch->end[1 - e].pd;
    return ch->end[e].pp && caller != NO_INDEX && callee != NO_INDEX && callee != caller;
}

/* Groups the calls by caller (counting sort, in channel order): linear in the channels. */
static void build_call_edges(struct call_graph *g)
{
    const struct model *m = g->m;
    g->first = xcalloc(m->pds.count + 1, sizeof(*g->first));
    for (size_t i = 0; i < m->channels.count; i++)
        for (int e = 0; e < 2; e++)
            if (is_call(MODEL_CHANNEL(m, i), e))
                g->first[MODEL_CHANNEL(m, i)->end[e].pd + 1]++;
    for (size_t p = 0; p < m->pds.count; p++)
        g->first[p + 1] += g->first[p];
    size_t *next = xcalloc(m->pds.count + 1, sizeof(*next));
    memcpy(next, g->first, (m->pds.count + 1) * sizeof(*next));
    g->edges = xcalloc(g->first[m->pds.count] + 1, sizeof(*g->edges));
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = MODEL_CHANNEL(m, i);
        for (int e = 0; e < 2; e++)
            if (is_call(ch, e))
                g->edges[next[ch->end[e].pd]++] =
                    (struct call_edge){ch->end[1 - e].pd, ch->end[e].node};
    }
    free(next);
}

/* Finds (and reports) at most one cycle: one is enough to act on. */
static void check_call_cycles(struct model *m, struct diag_sink *d)
{
    struct call_graph g = {.m = m,
                           .d = d,
                           .state = xcalloc(m->pds.count, 1),
                           .stack = xcalloc(m->pds.count, sizeof(uint32_t)),
                           .next_edge = xcalloc(m->pds.count, sizeof(size_t))};
    build_call_edges(&g);
    for (uint32_t pd = 0; pd < m->pds.count && !g.reported; pd++)
        if (g.state[pd] == 0)
            visit(&g, pd);
    free(g.state);
    free(g.stack);
    free(g.next_edge);
    free(g.first);
    free(g.edges);
}

enum {
    REACH_CALLED = 1,   /* some channel lets another PD call it */
    REACH_NOTIFIED = 2, /* some channel lets another PD notify it, or it has an IRQ */
};

/* How each PD can be reached, in one pass over channels and IRQs; caller frees. */
static uint8_t *reach_of_pds(const struct model *m)
{
    uint8_t *reach = xcalloc(m->pds.count + 1, 1);
    for (size_t i = 0; i < m->channels.count; i++) {
        const struct model_channel *ch = VEC_AT(&m->channels, struct model_channel, i);
        for (int e = 0; e < 2; e++) {
            uint32_t from = ch->end[e].pd, to = ch->end[1 - e].pd;
            if (to == NO_INDEX || from == to)
                continue;
            if (ch->end[e].pp)
                reach[to] |= REACH_CALLED;
            if (ch->end[e].notify)
                reach[to] |= REACH_NOTIFIED;
        }
    }
    for (size_t i = 0; i < m->irqs.count; i++) {
        uint32_t pd = VEC_AT(&m->irqs, struct model_irq, i)->pd;
        if (pd < m->pds.count)
            reach[pd] |= REACH_NOTIFIED;
    }
    return reach;
}

/* A passive PD has no CPU time of its own after init(): it runs only when called (on
 * the caller's time). Notifications and interrupts do not run it: they stay pending. */
static void check_passive(struct model *m, struct diag_sink *d)
{
    uint8_t *reach = reach_of_pds(m);
    for (uint32_t i = 0; i < m->pds.count; i++) {
        struct model_pd *pd = MODEL_PD(m, i);
        if (!pd->passive)
            continue;
        if (!(reach[i] & REACH_CALLED))
            diag_node(d, DIAG_ERROR, pd->node, "passive",
                      "passive=\"true\" but nothing can ever call this protection domain, and "
                      "a passive one runs only on its callers' time; add a pp=\"true\" channel "
                      "to it or remove passive");
        else if (reach[i] & REACH_NOTIFIED)
            diag_node(d, DIAG_WARNING, pd->node, "passive",
                      "notifications and interrupts do not run a passive protection domain (it "
                      "has no time of its own): they stay pending while it waits for calls; "
                      "give it a budget instead of passive, or let only calls reach it");
    }
    free(reach);
}

/* The kernel's shortest slot, besides its pad (DOMAIN_SCHEDULE, docs/syscalls.md). */
#define DOMAIN_MIN_SLOT_US 100u

/* Every domain is used, and every slot holds its pad and the kernel's minimum. */
static void check_domains(struct model *m, struct diag_sink *d)
{
    if (!m->has_domain_schedule)
        return;
    uint8_t *used = xcalloc(m->domains.count + 1, 1);
    for (size_t j = 0; j < m->pds.count; j++)
        if (MODEL_PD(m, j)->domain < m->domains.count)
            used[MODEL_PD(m, j)->domain] = 1;
    for (size_t i = 0; i < m->domains.count; i++) {
        struct model_domain *dom = MODEL_DOMAIN(m, i);
        if (dom->pad + DOMAIN_MIN_SLOT_US > dom->length)
            diag_node(d, DIAG_ERROR, dom->node, dom->pad_inherited ? "length" : "pad",
                      "with a pad of %llu us%s, length %llu leaves %lld us; the kernel needs at "
                      "least %u us besides the pad (lengthen the slot or shorten the pad)",
                      (unsigned long long)dom->pad,
                      dom->pad_inherited ? " (the <domain_schedule>'s)" : "",
                      (unsigned long long)dom->length, (long long)dom->length - (long long)dom->pad,
                      DOMAIN_MIN_SLOT_US);
        if (!used[i] && i != 0)
            diag_node(d, DIAG_WARNING, dom->node, NULL,
                      "no protection domain runs in domain '%s', so its time slice is idle; "
                      "assign one with domain=\"%s\" or remove it",
                      dom->name, dom->name);
    }
    free(used);
}

void check_sched(struct model *m, struct diag_sink *d)
{
    check_budgets(m, d);
    for (size_t i = 0; i < m->channels.count; i++)
        check_channel_ends(m, MODEL_CHANNEL(m, i), d);
    check_call_cycles(m, d);
    check_passive(m, d);
    check_domains(m, d);
    check_colours(m, d);
}
