/*
 * Diagnostics in compiler style: "FILE:LINE:COL: error: <elem> in protection_domain 'x':
 * what is wrong; how to fix it". Messages are collected, then printed sorted by position
 * so that output is in document order whatever order the checks ran in.
 */
#ifndef BASTION_TOOL_DIAG_H
#define BASTION_TOOL_DIAG_H

#include "locate.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>

enum diag_severity {
    DIAG_ERROR,
    DIAG_WARNING,
};

struct diag_entry {
    enum diag_severity severity;
    struct src_pos pos;
    size_t seq; /* keeps messages at the same position in the order they were made */
    char *text; /* the whole line, without the newline */
};

struct diag_sink {
    const char *file; /* name printed in front of every message */
    struct vec entries;
    size_t errors;
    size_t warnings;
    size_t max_shown; /* at most this many errors, and as many warnings, are printed; 0: all */
};

/* The default of --max-errors. */
#define DIAG_DEFAULT_MAX_SHOWN 50

/* True when more errors were reported than will be printed (checks may skip extra work). */
bool diag_full(const struct diag_sink *sink);

void diag_init(struct diag_sink *sink, const char *file);
void diag_free(struct diag_sink *sink);

/* A message at an explicit position (used for XML syntax errors and files). */
void diag_at(struct diag_sink *sink, enum diag_severity sev, struct src_pos pos, const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));

/*
 * A message about element `node`, placed at its attribute `attr` when attr is not NULL
 * (and the attribute is present), else at the element's '<'. The element and its owner
 * are named in front of the message.
 */
void diag_node(struct diag_sink *sink, enum diag_severity sev, const xmlNode *node,
               const char *attr, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A message about a file that is not the description (a program image, prefill data). */
void diag_file(struct diag_sink *sink, enum diag_severity sev, const char *file, const char *fmt,
               ...) __attribute__((format(printf, 4, 5)));

/*
 * Prints the messages sorted by position and forgets them: the first max_shown errors and
 * the first max_shown warnings, then one line saying how many more there were.
 */
void diag_flush(struct diag_sink *sink, FILE *out);

/* Writes "<elem> 'name' in protection_domain 'owner'" for node into buf. */
void diag_describe(const xmlNode *node, char *buf, size_t size);

#endif
