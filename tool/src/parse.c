/*
 * Parser for the top level of a system description: <system>, <memory_region>,
 * <channel> and <domain_schedule>. Protection domains are parsed by parse_pd.c.
 */
#include "parse.h"
#include "attrs.h"
#include "flow.h"

#include <string.h>

static bool is_element(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

bool parse_no_text(const xmlNode *node, struct diag_sink *d)
{
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
            continue;
        const char *s = (const char *)c->content;
        while (s && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
            s++;
        if (s && *s) {
            int len = 0;
            while (len < 20 && s[len] && s[len] != ' ' && s[len] != '\n' && s[len] != '\t' &&
                   s[len] != '\r')
                len++;
            diag_node(d, DIAG_ERROR, node, NULL,
                      "unexpected text '%.*s' inside the element; remove it (only elements "
                      "and comments may appear here)",
                      len, s);
            return false;
        }
    }
    return true;
}

void parse_unknown_element(const xmlNode *node, const char *const *allowed, struct diag_sink *d)
{
    const char *name = (const char *)node->name;
    const char *close = suggest_word(name, allowed);
    if (close) {
        diag_node(d, DIAG_ERROR, node, NULL, "unknown element; did you mean <%s>?", close);
        return;
    }
    char list[256] = "";
    size_t used = 0;
    for (size_t i = 0; allowed[i] && used < sizeof(list); i++)
        used +=
            (size_t)snprintf(list + used, sizeof(list) - used, "%s<%s>", i ? ", " : "", allowed[i]);
    if (allowed[0])
        diag_node(d, DIAG_ERROR, node, NULL, "element not allowed here; allowed here are: %s",
                  list);
    else
        diag_node(d, DIAG_ERROR, node, NULL, "element not allowed here; this element is empty");
}

static const uint64_t page_sizes[] = {0x1000, 0x200000, 0x40000000};

/* Parses one <memory_region>. */
static bool parse_region(struct model *m, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed[] = {"name",    "size",  "page_size", "phys_addr",
                                          "prefill", "label", "platform",  NULL};
    static const char *const platforms[] = {"none", "hpet", NULL};
    struct model_region *r = vec_push(&m->regions, sizeof(*r));
    r->node = node;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_name(d, node, "name", ATTR_REQUIRED, &r->name);
    ok &= attr_u64(d, node, "size", ATTR_REQUIRED, 0, 1, 1ULL << 40, &r->size);
    ok &= attr_u64(d, node, "page_size", ATTR_OPTIONAL, 0x1000, 0, UINT64_MAX, &r->page_size);
    if (ok && r->page_size != page_sizes[0] && r->page_size != page_sizes[1] &&
        r->page_size != page_sizes[2]) {
        diag_node(d, DIAG_ERROR, node, "page_size",
                  "page_size %s is not a page size of x86_64; use 0x1000 (4 KiB), 0x200000 "
                  "(2 MiB) or 0x40000000 (1 GiB)",
                  attr_text(node, "page_size"));
        ok = false;
    }
    r->has_phys = attr_text(node, "phys_addr") != NULL;
    ok &= attr_u64(d, node, "phys_addr", ATTR_OPTIONAL, 0, 0, (1ULL << 52) - 1, &r->phys_addr);
    ok &= attr_path(d, node, "prefill", ATTR_OPTIONAL, &r->prefill);
    unsigned platform;
    ok &= attr_choice(d, node, "platform", platforms, REGION_PLATFORM_NONE, &platform);
    r->platform = (enum region_platform)platform;
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses one <end> of a channel. */
static bool parse_end(struct model_end *e, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed[] = {"pd", "id", "notify", "pp", NULL};
    e->node = node;
    e->pd = NO_INDEX;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_name(d, node, "pd", ATTR_REQUIRED, &e->pd_name);
    ok &= attr_u32(d, node, "id", ATTR_REQUIRED, 0, 0, MODEL_MAX_ID, &e->id);
    ok &= attr_bool(d, node, "notify", true, &e->notify);
    ok &= attr_bool(d, node, "pp", false, &e->pp);
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses one <channel>, which must hold exactly two <end>s. */
static bool parse_channel(struct model *m, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed_attrs[] = {NULL};
    static const char *const allowed_children[] = {"end", NULL};
    struct model_channel *ch = vec_push(&m->channels, sizeof(*ch));
    ch->node = node;
    bool ok = attrs_only(d, node, allowed_attrs);
    ok &= parse_no_text(node, d);
    size_t ends = 0;
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!is_element(c, "end")) {
            parse_unknown_element(c, allowed_children, d);
            ok = false;
        } else if (ends == 2) {
            diag_node(d, DIAG_ERROR, c, NULL,
                      "a channel has exactly two ends; remove this one or make another "
                      "<channel>");
            ok = false;
        } else {
            ok &= parse_end(&ch->end[ends++], c, d);
        }
    }
    if (ok && ends < 2) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "a channel needs exactly two <end> elements, found %zu; add <end pd=\"...\" "
                  "id=\"...\"/>",
                  ends);
        ok = false;
    }
    return ok;
}

/* Time protection: the pad in microseconds (the spec keeps 16 bits) and the flushes. */
#define DOMAIN_PAD_MAX_US 65535
static const char *const domain_flushes[] = {"none", "core", "all", NULL};

/* Parses one <domain> of the domain schedule; pad and flush default to the schedule's. */
static bool parse_domain(struct model *m, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed[] = {"name", "length", "pad", "flush", "colours", NULL};
    struct model_domain *dom = vec_push(&m->domains, sizeof(*dom));
    dom->node = node;
    bool ok = attrs_only(d, node, allowed);
    ok &= attr_name(d, node, "name", ATTR_REQUIRED, &dom->name);
    ok &= attr_u64(d, node, "length", ATTR_REQUIRED, 0, 1, 1000000000, &dom->length);
    dom->pad_inherited = attr_text(node, "pad") == NULL;
    ok &= attr_u64(d, node, "pad", ATTR_OPTIONAL, m->schedule_pad, 0, DOMAIN_PAD_MAX_US, &dom->pad);
    unsigned flush;
    ok &= attr_choice(d, node, "flush", domain_flushes, m->schedule_flush, &flush);
    dom->flush = (enum domain_flush)flush;
    ok &= attr_colours(d, node, "colours", &dom->colours, &dom->has_colours);
    ok &= parse_empty(node, d);
    return ok;
}

/* Parses the <domain_schedule>; there may be at most one. */
static bool parse_domain_schedule(struct model *m, xmlNode *node, struct diag_sink *d)
{
    static const char *const allowed_attrs[] = {"pad", "flush", "colours", "memory", NULL};
    static const char *const allowed_children[] = {"domain", NULL};
    if (m->has_domain_schedule) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "a system has at most one <domain_schedule>; merge it into the first one");
        return false;
    }
    m->has_domain_schedule = true;
    m->domain_schedule_node = node;
    bool ok = attrs_only(d, node, allowed_attrs);
    ok &= attr_u64(d, node, "pad", ATTR_OPTIONAL, 0, 0, DOMAIN_PAD_MAX_US, &m->schedule_pad);
    unsigned flush;
    ok &= attr_choice(d, node, "flush", domain_flushes, DOMAIN_FLUSH_NONE, &flush);
    m->schedule_flush = (enum domain_flush)flush;
    ok &= attr_u32(d, node, "colours", ATTR_OPTIONAL, 0, 1, COLOURS_MAX, &m->colour_total);
    ok &= attr_u64(d, node, "memory", ATTR_OPTIONAL, 0, 1, 1ULL << 52, &m->colour_memory);
    if ((m->colour_total == 0) != (m->colour_memory == 0)) {
        diag_node(d, DIAG_ERROR, node, m->colour_total ? "colours" : "memory",
                  "colours and memory go together: the machine's colour count and the RAM "
                  "coloured among them");
        ok = false;
    }
    ok &= parse_no_text(node, d);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_element(c, "domain")) {
            ok &= parse_domain(m, c, d);
        } else {
            parse_unknown_element(c, allowed_children, d);
            ok = false;
        }
    }
    if (ok && m->domains.count == 0) {
        diag_node(d, DIAG_ERROR, node, NULL,
                  "the domain schedule is empty; add <domain name=\"...\" length=\"...\"/>");
        ok = false;
    }
    return ok;
}

/* Dispatches one child of <system>. */
static bool parse_top_child(struct model *m, xmlNode *c, struct diag_sink *d)
{
    static const char *const allowed[] = {"protection_domain", "memory_region", "channel",
                                          "domain_schedule",   "flow_policy",   NULL};
    if (is_element(c, "protection_domain"))
        return parse_pd(m, c, NO_INDEX, d);
    if (is_element(c, "memory_region"))
        return parse_region(m, c, d);
    if (is_element(c, "channel"))
        return parse_channel(m, c, d);
    if (is_element(c, "domain_schedule"))
        return parse_domain_schedule(m, c, d);
    if (is_element(c, "flow_policy"))
        return flow_parse_policy(m, c, d);
    parse_unknown_element(c, allowed, d);
    return false;
}

bool parse_system(struct model *m, xmlDoc *doc, struct diag_sink *d)
{
    static const char *const allowed_attrs[] = {NULL};
    xmlNode *root = xmlDocGetRootElement(doc);
    memset(m, 0, sizeof(*m));
    m->root = root;
    if (!root || !is_element(root, "system")) {
        if (root)
            diag_node(d, DIAG_ERROR, root, NULL,
                      "the root element must be <system>; wrap the description in "
                      "<system>...</system>");
        return false;
    }
    bool ok = attrs_only(d, root, allowed_attrs);
    ok &= parse_no_text(root, d);
    for (xmlNode *c = root->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            ok &= parse_top_child(m, c, d);
    }
    if (ok && m->pds.count == 0) {
        diag_node(d, DIAG_ERROR, root, NULL,
                  "the system has no protection domain; add at least one "
                  "<protection_domain>");
        ok = false;
    }
    return ok;
}

bool parse_empty(const xmlNode *node, struct diag_sink *d)
{
    static const char *const none[] = {NULL};
    bool ok = parse_no_text(node, d);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            parse_unknown_element(c, none, d);
            ok = false;
        }
    }
    return ok;
}
