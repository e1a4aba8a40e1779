/*
 * Exact source positions for elements and attributes.
 *
 * libxml2 records only a line per element, and that line is where the start tag ends.
 * This module scans the source text itself, finds every start tag in document order and
 * the position of its '<' and of each attribute name, and attaches them to the parsed
 * elements (matched by document order). Lines and columns are 1-based; a column counts
 * characters (UTF-8 code points), a tab counts as one.
 */
#ifndef BASTION_TOOL_LOCATE_H
#define BASTION_TOOL_LOCATE_H

#include <libxml/tree.h>

struct src_pos {
    int line;
    int col;
};

struct src_attr {
    const char *name; /* points into the source text, not NUL-terminated */
    size_t name_len;
    struct src_pos pos;
};

struct src_tag {
    struct src_pos pos;     /* of the '<' */
    struct src_attr *attrs; /* into src_map.attrs */
    size_t attr_count;
};

struct src_map {
    struct src_tag *tags;
    size_t tag_count;
    struct src_attr *attrs; /* of every tag, tag after tag */
    int matched;            /* 1 when every element of the document got its tag */
};

/* Scans `text` (NUL-terminated) for start tags. */
void src_map_scan(struct src_map *map, const char *text);

/*
 * Attaches tags to the elements of `doc` in document order (through node->_private).
 * If the counts differ (which only entity tricks could cause) nothing is attached and
 * positions fall back to libxml2's line numbers with column 1.
 */
void src_map_attach(struct src_map *map, xmlDoc *doc);

void src_map_free(struct src_map *map);

/* Position of `node`'s '<', or of its attribute `attr` when attr is not NULL and present. */
struct src_pos src_locate(const xmlNode *node, const char *attr);

/* Converts a byte offset within `text` to a line and column. */
struct src_pos src_offset_pos(const char *text, size_t offset);

#endif
