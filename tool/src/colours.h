/*
 * Cache colouring of domains (docs/system-description.md, "Cache colouring"): each
 * domain of the schedule may own a set of page colours; the tool checks that the sets
 * are disjoint and inside the machine's colour count (a power of two), and
 * (colour_fit.h, once the images are read) large enough for what init makes from them,
 * and writes them into the spec's COLOURS table, from
 * which init allocates each domain's frames and kernel objects (init/colour.c).
 */
#ifndef BASTION_TOOL_COLOURS_H
#define BASTION_TOOL_COLOURS_H

#include <bastion/spec.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

#define COLOURS_MAX  BASTION_COLOURS_MAX /* include/bastion/spec.h */
#define COLOUR_WORDS (COLOURS_MAX / 64)

struct colour_set {
    uint64_t bits[COLOUR_WORDS];
};

struct diag_sink;
struct layout;
struct model;

/* Parse attribute `name` of `node`, a list of colours and ranges ("0-7,12,20-23"), each
 * below COLOURS_MAX; absent: *present false. Errors are reported at the attribute. */
bool attr_colours(struct diag_sink *d, const xmlNode *node, const char *name,
                  struct colour_set *out, bool *present);

unsigned colour_count(const struct colour_set *s);
bool colour_has(const struct colour_set *s, unsigned colour);

/* The checks once names are resolved (called by check_sched). */
void check_colours(struct model *m, struct diag_sink *d);

/* The spec's COLOURS table (include/bastion/spec.h): nothing without colour sets. */
void colours_layout(struct layout *l, const struct model *m);

#endif
