/*
 * Spec serialiser (see spec_writer.h). The host is little-endian (checked below), so
 * entries are copied as they are; the header is filled last, then the checksum.
 */
#include "spec_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the spec writer assumes a little-endian host"
#endif

/* The entries of table t: its bytes and entry count. */
static const void *table_bytes(const struct layout *l, int t, size_t *count)
{
    const struct vec *v = t == BASTION_TABLE_STRINGS ? &l->strings
                          : t == BASTION_TABLE_DATA  ? &l->data
                                                     : &l->tables[t];
    *count = v->count;
    return v->items;
}

static size_t align_up(size_t v)
{
    return (v + BASTION_SPEC_ALIGN - 1) & ~(size_t)(BASTION_SPEC_ALIGN - 1);
}

uint8_t *spec_pack(const struct layout *l, size_t *size)
{
    struct bastion_spec_header h = {0};
    size_t offset = sizeof(h);
    for (int t = 0; t < BASTION_TABLE_COUNT; t++) {
        size_t count;
        table_bytes(l, t, &count);
        offset = align_up(offset);
        h.tables[t].offset = (uint32_t)offset;
        h.tables[t].count = (uint32_t)count;
        offset += count * bastion_spec_entry_size((unsigned)t);
    }
    size_t total = align_up(offset);
    uint8_t *blob = xcalloc(1, total);
    for (int t = 0; t < BASTION_TABLE_COUNT; t++) {
        size_t count;
        const void *bytes = table_bytes(l, t, &count);
        if (count)
            memcpy(blob + h.tables[t].offset, bytes, count * bastion_spec_entry_size((unsigned)t));
    }
    h.magic = BASTION_SPEC_MAGIC;
    h.version = BASTION_SPEC_VERSION;
    h.header_size = sizeof(h);
    h.total_size = total;
    memcpy(blob, &h, sizeof(h));
    h.checksum = bastion_spec_checksum(blob, total);
    memcpy(blob, &h, sizeof(h));
    *size = total;
    return blob;
}

bool spec_write(const struct layout *l, FILE *f)
{
    size_t size;
    uint8_t *blob = spec_pack(l, &size);
    bool ok = fwrite(blob, 1, size, f) == size;
    free(blob);
    return ok;
}
