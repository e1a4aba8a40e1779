/*
 * Loading a system description: read the file, parse it with libxml2 (reporting syntax
 * errors with line and column) and attach exact source positions to every element.
 */
#ifndef BASTION_TOOL_DOCUMENT_H
#define BASTION_TOOL_DOCUMENT_H

#include "diag.h"
#include "locate.h"

#include <libxml/tree.h>

struct document {
    char *text;
    size_t size;
    xmlDoc *doc;
    struct src_map map;
};

/*
 * Loads `path` (or, when `text` is not NULL, parses that buffer and uses path only for
 * messages). Returns EXIT_OK, EXIT_DESCRIPTION after reporting syntax errors to `d`, or
 * EXIT_IO when the file cannot be read.
 */
int document_load(struct document *doc, const char *path, const char *text, size_t size,
                  struct diag_sink *d);
void document_free(struct document *doc);

#endif
