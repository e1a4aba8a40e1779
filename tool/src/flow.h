/*
 * The information-flow policy of a description (issue 25): <flow_policy> with its labels
 * and allowed flows, the labels of PDs, regions and PCI devices, the authority graph
 * derived from the description, and its check against the policy (include/bastion/flow.h
 * holds the check itself, shared with init). docs/system-description.md, "Information
 * flow", says what counts as a flow.
 *
 *   flow_parse.c   <flow_policy>, <label>, <flow>: structure and values
 *   flow_check.c   labels resolved, the graph built, violations reported with their paths
 *   flow_output.c  the FLOW table of the spec, and the picture's colours
 */
#ifndef BASTION_TOOL_FLOW_H
#define BASTION_TOOL_FLOW_H

#include "diag.h"
#include "model.h"

#include <stdio.h>

struct json_emitter;
struct layout;

struct flow_label {
    const char *name;
    xmlNode *node;
    bool trusted;
};

struct flow_rule {
    xmlNode *node;
    const char *from, *to;
    uint32_t from_label, to_label; /* resolved by flow_check */
    uint8_t kinds;                 /* 1 << enum bastion_flow_kind */
    bool both;                     /* direction="both": to -> from as well */
};

/* An edge of a violating path, in the graph's node numbering (flow_check.c). */
struct flow_marked_edge {
    uint32_t from, to;
    uint8_t kind;
};

struct flow_policy {
    xmlNode *node;
    struct vec labels; /* struct flow_label */
    struct vec rules;  /* struct flow_rule */
    /* Filled by flow_check: */
    bool resolved;          /* labels and rules resolved; the tables below are valid */
    bool violations_only;   /* the check's errors were all violations (graph draws them) */
    uint16_t *pd_label;     /* per PD */
    uint16_t *region_label; /* per region; BASTION_FLOW_NO_LABEL when none */
    uint16_t *pci_label;    /* per PCI device; BASTION_FLOW_NO_LABEL when none */
    uint8_t *allow;         /* labels * labels kind masks */
    struct vec marked;      /* struct flow_marked_edge: edges of violating paths */
};

/* Parses <flow_policy> (a child of <system>) into m->flow; at most one per system. */
bool flow_parse_policy(struct model *m, xmlNode *node, struct diag_sink *d);

/*
 * Resolves labels and checks every flow of the description against the policy; without
 * a policy, only warns about labels that then mean nothing. Runs after the other checks
 * found no error (it follows resolved references).
 */
void check_flow(struct model *m, struct diag_sink *d);

/* Adds the FLOW table to the spec (nothing without a policy). */
void flow_layout(struct layout *l, const struct model *m);

/* DOT statements colouring nodes by label and marking violating edges (nothing without a
 * policy). Node names follow graph.c: pdN, mrN, pciN. */
void flow_graph_dot(FILE *out, const struct model *m);

/* The label of PD, region or PCI device `index`; NULL without a (resolved) policy or where
 * the component has no label. */
const char *flow_pd_label(const struct model *m, uint32_t index);
const char *flow_region_label(const struct model *m, uint32_t index);
const char *flow_pci_label(const struct model *m, uint32_t index);

/* The policy as a "flow_policy" member of the JSON object open in `j`: labels and rules
 * as written. Nothing without a policy, so that outputs without one stay as they were. */
void flow_json_policy(struct json_emitter *j, const struct model *m);

/* The report's "flow policy" section: each label with its components, then the rules.
 * Nothing without a policy. */
void flow_report_policy(FILE *out, const struct model *m);

/* True when the only errors of the description are flow violations: `graph` still draws. */
bool flow_graph_despite_errors(const struct model *m);

void flow_free(struct flow_policy *p);

#endif
