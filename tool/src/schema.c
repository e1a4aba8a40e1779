/*
 * RELAX NG validation with libxml2 (see schema.h). libxml2 reports violations per
 * element; each becomes a located diagnostic that points to the schema's documentation.
 *
 * The tool validates structure only: before the schema is compiled, every <data> of it
 * (the lexical types: numbers, names, symbols, PCI, MAC and IPv4 addresses, paths) is
 * replaced by <text/>. The parser (attrs.c) has by then read every attribute with the
 * same rules or stricter ones, and said what is wrong in its own words. The reason is
 * cost: libxml2 compiles a pattern facet's regular expression anew for every value it
 * checks, which made three quarters of the instructions of a large `bastion check`.
 * The schema file itself keeps its types, for editors and xmllint.
 */
#include "schema.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <string.h>

/* Receives one schema violation. */
static void on_schema_error(void *ctx, xmlErrorPtr err)
{
    struct diag_sink *d = ctx;
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "invalid");
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        msg[--len] = '\0';
    const xmlNode *node = err->node;
    if (node && node->type == XML_ELEMENT_NODE)
        diag_node(d, DIAG_ERROR, node, NULL,
                  "does not match the schema: %s; see docs/system-description.md", msg);
    else
        diag_at(d, DIAG_ERROR, (struct src_pos){err->line > 0 ? err->line : 1, 1},
                "does not match the schema: %s; see docs/system-description.md", msg);
}

/* Swallows errors of the schema compiler: the built-in schema is known to be valid. */
static void on_internal_error(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    fprintf(stderr, "bastion: internal error: schema: %s", err->message ? err->message : "?\n");
}

static bool is_data_element(const xmlNode *n)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "data") == 0;
}

/* The node after `n` in document order, not entering n's children when `skip_children`. */
static xmlNode *next_in_order(xmlNode *n, bool skip_children)
{
    if (!skip_children && n->children)
        return n->children;
    for (; n; n = n->parent) {
        if (n->next)
            return n->next;
        if (n->parent && n->parent->type == XML_DOCUMENT_NODE)
            return NULL;
    }
    return NULL;
}

/* Replaces every <data> of the schema (and its parameters) by <text/>; see the top. */
static void drop_lexical_types(xmlDoc *schema)
{
    xmlNode *n = xmlDocGetRootElement(schema);
    while (n) {
        if (!is_data_element(n)) {
            n = next_in_order(n, false);
            continue;
        }
        xmlNode *text = xmlNewDocNode(schema, n->ns, (const xmlChar *)"text", NULL);
        xmlReplaceNode(n, text);
        xmlFreeNode(n);
        n = next_in_order(text, true);
    }
}

/* Compiles the built-in schema, structure only; NULL if it is broken (a bug). */
static xmlRelaxNGPtr compile_schema(void)
{
    xmlDoc *doc = xmlReadMemory(bastion_schema_rng, (int)strlen(bastion_schema_rng), "system.rng",
                                NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return NULL;
    drop_lexical_types(doc);
    xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewDocParserCtxt(doc);
    xmlRelaxNGSetParserStructuredErrors(pctx, on_internal_error, NULL);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pctx);
    xmlRelaxNGFreeParserCtxt(pctx);
    xmlFreeDoc(doc);
    return schema;
}

bool schema_validate(xmlDoc *doc, struct diag_sink *d)
{
    xmlRelaxNGPtr schema = compile_schema();
    if (!schema) {
        diag_at(d, DIAG_ERROR, (struct src_pos){1, 1}, "internal error: the schema is invalid");
        return false;
    }
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidStructuredErrors(vctx, on_schema_error, d);
    size_t before = d->errors;
    int rc = xmlRelaxNGValidateDoc(vctx, doc);
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlRelaxNGFree(schema);
    if (rc != 0 && d->errors == before)
        diag_at(d, DIAG_ERROR, (struct src_pos){1, 1},
                "does not match the schema; see docs/system-description.md");
    return rc == 0;
}
