/*
 * The checking pipeline shared by every command and by the fuzz target:
 * read -> XML parse -> model (structure, values) -> schema -> semantic checks -> images
 * -> whether the coloured domains' objects fit their colours (colour_fit.h).
 * Each stage runs only when the ones before it found no error, so that one mistake
 * gives one clear message rather than a cascade.
 */
#ifndef BASTION_TOOL_PIPELINE_H
#define BASTION_TOOL_PIPELINE_H

#include "diag.h"
#include "document.h"
#include "images.h"
#include "model.h"

#include <stdio.h>

struct checked_system {
    struct document doc;
    struct model model;
    struct diag_sink diag;
};

/* How a description is checked. */
struct pipeline_options {
    struct image_options images; /* images.search NULL: images are not looked up */
    size_t max_errors;           /* errors (and warnings) printed at most; 0: all */
    uint64_t ram;                /* the machine's RAM (--ram); 0: not given */
    uint64_t kimage_pages;       /* pages of a kernel image copy (--kernel); 0: unknown */
    uint32_t cpus;               /* the machine's CPUs (--cpus); 0: not given */
};

/*
 * Checks the description at `path` (or the buffer text/size when text is not NULL).
 * Prints diagnostics to `diag_out` (NULL: discard them). Returns EXIT_OK, EXIT_DESCRIPTION
 * or EXIT_IO. The caller frees `s` with checked_system_free whatever the result.
 */
int pipeline_check(struct checked_system *s, const char *path, const char *text, size_t size,
                   const struct pipeline_options *o, FILE *diag_out);

void checked_system_free(struct checked_system *s);

#endif
