/*
 * Open-addressing hash set of names (see name_table.h). FNV-1a hashing and linear
 * probing; the table is sized once, at least twice the names, so it never fills.
 */
#include "name_table.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_name(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

void name_table_init(struct name_table *t, size_t expected)
{
    size_t capacity = 16;
    while (capacity < 2 * expected + 1)
        capacity *= 2;
    t->names = xcalloc(capacity, sizeof(*t->names));
    t->first = xcalloc(capacity, sizeof(*t->first));
    t->capacity = capacity;
}

void name_table_free(struct name_table *t)
{
    free(t->names);
    free(t->first);
    t->names = NULL;
    t->first = NULL;
    t->capacity = 0;
}

/* The slot that holds `name`, or the free slot where it would go. */
static size_t slot_of(const struct name_table *t, const char *name)
{
    size_t mask = t->capacity - 1;
    size_t slot = (size_t)hash_name(name) & mask;
    while (t->names[slot] && strcmp(t->names[slot], name) != 0)
        slot = (slot + 1) & mask;
    return slot;
}

uint32_t name_table_add(struct name_table *t, const char *name, uint32_t index)
{
    size_t slot = slot_of(t, name);
    if (t->names[slot])
        return t->first[slot];
    t->names[slot] = name;
    t->first[slot] = index;
    return NAME_TABLE_NONE;
}

uint32_t name_table_find(const struct name_table *t, const char *name)
{
    if (!t->capacity)
        return NAME_TABLE_NONE;
    size_t slot = slot_of(t, name);
    return t->names[slot] ? t->first[slot] : NAME_TABLE_NONE;
}
