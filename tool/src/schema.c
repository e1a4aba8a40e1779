/*
 * RELAX NG validation with libxml2 (see schema.h). libxml2 reports violations per
 * element; each becomes a located diagnostic that points to the schema's documentation.
 */
#include "schema.h"

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

bool schema_validate(xmlDoc *doc, struct diag_sink *d)
{
    xmlRelaxNGParserCtxtPtr pctx =
        xmlRelaxNGNewMemParserCtxt(bastion_schema_rng, (int)strlen(bastion_schema_rng));
    xmlRelaxNGSetParserStructuredErrors(pctx, on_internal_error, NULL);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pctx);
    xmlRelaxNGFreeParserCtxt(pctx);
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
