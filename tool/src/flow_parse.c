/*
 * Parser of <flow_policy> (see flow.h): its <label>s and <flow>s, with the same located
 * errors as the rest of the description. Names are resolved later, by check_flow.
 */
#include "attrs.h"
#include "flow.h"
#include "parse.h"

#include <bastion/flow.h>

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"notify", "ppc",    "memory", "control",
                                         "dma",    "budget", "all",    NULL};

/* Reads kinds="notify ppc ...": a space-separated set of kinds, or "all" (the default). */
static bool parse_kinds(struct diag_sink *d, const xmlNode *node, uint8_t *out)
{
    const char *text = attr_text(node, "kinds");
    *out = BASTION_FLOW_ALL_KINDS;
    if (!text)
        return true;
    uint8_t kinds = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        size_t len = strcspn(p, " \t\n");
        if (len == 0)
            break;
        char word[24];
        snprintf(word, sizeof(word), "%.*s", (int)(len < 23 ? len : 23), p);
        unsigned k = 0;
        while (kind_names[k] && (strlen(kind_names[k]) != len || strncmp(kind_names[k], p, len)))
            k++;
        if (!kind_names[k]) {
            const char *close = suggest_word(word, kind_names);
            diag_node(d, DIAG_ERROR, node, "kinds",
                      "kind '%s' is not a kind of flow%s%s%s; use notify, ppc, memory, control, "
                      "dma, budget or all",
                      word, close ? " (did you mean '" : "", close ? close : "",
                      close ? "'?)" : "");
            return false;
        }
        kinds |= k == BASTION_FLOW_KIND_COUNT ? BASTION_FLOW_ALL_KINDS : (uint8_t)(1u << k);
        p += len;
    }
    if (!kinds) {
        diag_node(d, DIAG_ERROR, node, "kinds",
                  "kinds is empty; list at least one of notify, ppc, memory, control, dma, "
                  "budget, or leave it out for all");
        return false;
    }
    *out = kinds;
    return true;
}

/* Parses <label name="..." trusted="..."/>. */
static bool parse_label(struct flow_policy *p, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed[] = {"name", "trusted", NULL};
    struct flow_label *l = vec_push(&p->labels, sizeof(*l));
    l->node = node;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_name(d, node, "name", ATTR_REQUIRED, &l->name);
    ok &= attr_bool(d, node, "trusted", false, &l->trusted);
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses <flow from="..." to="..." kinds="..." direction="one-way|both"/>. */
static bool parse_rule(struct flow_policy *p, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed[] = {"from", "to", "kinds", "direction", NULL};
    static const char *const directions[] = {"one-way", "both", NULL};
    struct flow_rule *r = vec_push(&p->rules, sizeof(*r));
    r->node = node;
    unsigned direction = 0;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_name(d, node, "from", ATTR_REQUIRED, &r->from);
    ok &= attr_name(d, node, "to", ATTR_REQUIRED, &r->to);
    ok &= parse_kinds(d, node, &r->kinds);
    ok &= attr_choice(d, node, "direction", directions, 0, &direction);
    r->both = direction == 1;
    ok &= parse_empty(node, d);
    return ok;
}

bool flow_parse_policy(struct model *m, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed_attrs[] = {NULL};
    static const char *const allowed_children[] = {"label", "flow", NULL};
    if (m->flow) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "a system has at most one <flow_policy>; merge it into the first one (line %d)",
                  src_locate(m->flow->node, NULL).line);
        return false;
    }
    struct flow_policy *p = xcalloc(1, sizeof(*p));
    p->node = node;
    m->flow = p;
    bool ok = attrs_only(d, node, allowed_attrs);
    ok &= parse_no_text(node, d);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "label") == 0) {
            ok &= parse_label(p, c, d);
        } else if (strcmp((const char *)c->name, "flow") == 0) {
            ok &= parse_rule(p, c, d);
        } else {
            parse_unknown_element(c, allowed_children, d);
            ok = false;
        }
    }
    if (ok && p->labels.count == 0) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "the flow policy declares no label; add <label name=\"...\"/> for each "
                  "security level or compartment");
        ok = false;
    }
    return ok;
}

void flow_free(struct flow_policy *p)
{
    if (!p)
        return;
    vec_free(&p->labels);
    vec_free(&p->rules);
    vec_free(&p->marked);
    free(p->pd_label);
    free(p->region_label);
    free(p->pci_label);
    free(p->allow);
    free(p);
}
