/*
 * Layout: turns a checked model (and its loaded images, if any) into the tables of the
 * packed spec (include/bastion/spec.h): every kernel object to create, every capability
 * of every PD's CSpace, segments with their bytes, and boot-time patches. The writers
 * (spec, JSON, report, graph) all read this one result, so they always agree.
 */
#ifndef BASTION_TOOL_LAYOUT_H
#define BASTION_TOOL_LAYOUT_H

#include "model.h"

#include <bastion/spec.h>

struct layout {
    struct vec strings;                     /* bytes */
    struct vec data;                        /* bytes */
    struct vec tables[BASTION_TABLE_COUNT]; /* spec entries; STRINGS and DATA unused */
};

#define LAYOUT_ENTRY(l, table, type, i) VEC_AT(&(l)->tables[table], type, i)

/* Lays out a model that passed every check. */
void layout_build(struct layout *l, const struct model *m);
void layout_free(struct layout *l);

/* The string at `offset` of the string table. */
const char *layout_string(const struct layout *l, uint32_t offset);

/* A short name of an object type ("tcb", "frame", ...). */
const char *layout_object_type_name(uint32_t type);

/* Parts of layout_build in their own files: the description tables (layout_tables.c) and
 * the capabilities of every CSpace (layout_caps.c). */
void layout_tables(struct layout *l, const struct model *m);
void layout_caps(struct layout *l, const struct model *m);

#endif
