/*
 * A set of names, each remembered with the index of its first holder: the linear-time
 * replacement for comparing every name with every other one. Names are borrowed (they
 * must outlive the table); lookups cost one hash and, on average, about one comparison.
 */
#ifndef BASTION_TOOL_NAME_TABLE_H
#define BASTION_TOOL_NAME_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define NAME_TABLE_NONE UINT32_MAX

struct name_table {
    const char **names; /* NULL marks a free slot */
    uint32_t *first;    /* index of the first holder of names[slot] */
    size_t capacity;    /* a power of two, at least twice the names it may hold */
};

/* Makes an empty table able to hold up to `expected` names. */
void name_table_init(struct name_table *t, size_t expected);
void name_table_free(struct name_table *t);

/*
 * Adds `name` held by `index`; returns NAME_TABLE_NONE when the name is new, else the
 * index of its first holder (the table keeps that one).
 */
uint32_t name_table_add(struct name_table *t, const char *name, uint32_t index);

/* The index of the first holder of `name`, or NAME_TABLE_NONE. */
uint32_t name_table_find(const struct name_table *t, const char *name);

#endif
