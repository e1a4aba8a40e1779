/*
 * Source scanner that gives every start tag and attribute name an exact line and column
 * (see locate.h). It understands just enough XML to skip what cannot hold a start tag:
 * comments, CDATA sections, processing instructions, declarations and end tags.
 */
#include "locate.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Cursor over the text that tracks line and column as it advances. */
struct cursor {
    const char *p;
    struct src_pos pos;
};

static void advance(struct cursor *c)
{
    unsigned char ch = (unsigned char)*c->p;
    if (ch == '\0')
        return;
    c->p++;
    if (ch == '\n') {
        c->pos.line++;
        c->pos.col = 1;
    } else if ((ch & 0xc0) != 0x80) {
        c->pos.col++; /* UTF-8 continuation bytes do not start a new column */
    }
}

/* Advances past the next occurrence of `end` (or to the end of text). */
static void skip_past(struct cursor *c, const char *end)
{
    size_t n = strlen(end);
    while (*c->p && strncmp(c->p, end, n) != 0)
        advance(c);
    for (size_t i = 0; i < n && *c->p; i++)
        advance(c);
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int ends_name(char ch)
{
    return ch == '\0' || is_space(ch) || ch == '=' || ch == '/' || ch == '>';
}

/* Skips a declaration such as <!DOCTYPE ...>, including an internal subset in [...]. */
static void skip_declaration(struct cursor *c)
{
    int depth = 0;
    while (*c->p) {
        char ch = *c->p;
        advance(c);
        if (ch == '[')
            depth++;
        else if (ch == ']')
            depth--;
        else if (ch == '>' && depth <= 0)
            return;
    }
}

/* Scans the attributes of a start tag whose name has been consumed, into `attrs`. */
static void scan_attributes(struct cursor *c, struct src_tag *tag, struct vec *attrs)
{
    size_t before = attrs->count;
    for (;;) {
        while (is_space(*c->p))
            advance(c);
        if (*c->p == '\0' || *c->p == '>' || *c->p == '/')
            break;
        struct src_attr *a = vec_push(attrs, sizeof(*a));
        a->name = c->p;
        a->pos = c->pos;
        while (!ends_name(*c->p))
            advance(c);
        a->name_len = (size_t)(c->p - a->name);
        while (is_space(*c->p))
            advance(c);
        if (*c->p != '=')
            continue;
        advance(c);
        while (is_space(*c->p))
            advance(c);
        char quote = *c->p;
        if (quote != '"' && quote != '\'')
            continue;
        advance(c);
        while (*c->p && *c->p != quote)
            advance(c);
        advance(c);
    }
    tag->attr_count = attrs->count - before;
}

void src_map_scan(struct src_map *map, const char *text)
{
    struct vec tags = {0}, attrs = {0}; /* the attributes of all tags, in one array */
    struct cursor c = {text, {1, 1}};
    while (*c.p) {
        if (*c.p != '<') {
            advance(&c);
        } else if (strncmp(c.p, "<!--", 4) == 0) {
            skip_past(&c, "-->");
        } else if (strncmp(c.p, "<![CDATA[", 9) == 0) {
            skip_past(&c, "]]>");
        } else if (strncmp(c.p, "<?", 2) == 0) {
            skip_past(&c, "?>");
        } else if (strncmp(c.p, "<!", 2) == 0) {
            skip_declaration(&c);
        } else if (strncmp(c.p, "</", 2) == 0) {
            skip_past(&c, ">");
        } else {
            struct src_tag *tag = vec_push(&tags, sizeof(*tag));
            tag->pos = c.pos;
            advance(&c);
            while (!ends_name(*c.p))
                advance(&c);
            scan_attributes(&c, tag, &attrs);
        }
    }
    map->tags = tags.items;
    map->tag_count = tags.count;
    map->attrs = attrs.items;
    map->matched = 0;
    size_t first = 0; /* each tag's attributes follow the previous tag's */
    for (size_t i = 0; i < map->tag_count; i++) {
        map->tags[i].attrs = map->attrs + first;
        first += map->tags[i].attr_count;
    }
}

/* The element after `n` in document (pre-)order, or NULL: a walk without recursion. */
static xmlNode *next_element(xmlNode *n)
{
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
        for (xmlNode *s = n->next; s; s = s->next)
            if (s->type == XML_ELEMENT_NODE)
                return s;
    return NULL;
}

/* Counts or assigns tags to the elements under (and with) root, in document order. */
static size_t walk_elements(xmlNode *root, struct src_map *map, int assign)
{
    size_t next = 0;
    for (xmlNode *n = root; n; n = next_element(n)) {
        if (assign)
            n->_private = next < map->tag_count ? &map->tags[next] : NULL;
        next++;
    }
    return next;
}

void src_map_attach(struct src_map *map, xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || walk_elements(root, map, 0) != map->tag_count)
        return;
    walk_elements(root, map, 1);
    map->matched = 1;
}

void src_map_free(struct src_map *map)
{
    free(map->attrs);
    free(map->tags);
    map->attrs = NULL;
    map->tags = NULL;
    map->tag_count = 0;
}

struct src_pos src_locate(const xmlNode *node, const char *attr)
{
    const struct src_tag *tag = node ? node->_private : NULL;
    if (!tag) {
        struct src_pos fallback = {node ? (int)xmlGetLineNo(node) : 0, 1};
        if (fallback.line < 1)
            fallback.line = 1;
        return fallback;
    }
    if (attr) {
        size_t len = strlen(attr);
        for (size_t i = 0; i < tag->attr_count; i++) {
            const struct src_attr *a = &tag->attrs[i];
            if (a->name_len == len && memcmp(a->name, attr, len) == 0)
                return a->pos;
        }
    }
    return tag->pos;
}

struct src_pos src_offset_pos(const char *text, size_t offset)
{
    struct cursor c = {text, {1, 1}};
    while (*c.p && (size_t)(c.p - text) < offset)
        advance(&c);
    return c.pos;
}
