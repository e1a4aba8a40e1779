/*
 * Collection, formatting and ordered printing of diagnostics (see diag.h).
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag_sink *sink, const char *file)
{
    memset(sink, 0, sizeof(*sink));
    sink->file = file;
}

void diag_free(struct diag_sink *sink)
{
    for (size_t i = 0; i < sink->entries.count; i++)
        free(VEC_AT(&sink->entries, struct diag_entry, i)->text);
    vec_free(&sink->entries);
}

static const char *severity_name(enum diag_severity sev)
{
    return sev == DIAG_ERROR ? "error" : "warning";
}

/* Records one finished line of text (which the sink now owns). */
static void record(struct diag_sink *sink, enum diag_severity sev, struct src_pos pos, char *text)
{
    struct diag_entry *e = vec_push(&sink->entries, sizeof(*e));
    e->severity = sev;
    e->pos = pos;
    e->seq = sink->entries.count;
    e->text = text;
    if (sev == DIAG_ERROR)
        sink->errors++;
    else
        sink->warnings++;
}

/* Formats "prefix" + fmt into a fresh string. */
static char *format_line(const char *prefix, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int body = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    size_t plen = strlen(prefix);
    size_t size = plen + (size_t)(body > 0 ? body : 0) + 1;
    char *text = xmalloc(size);
    memcpy(text, prefix, plen);
    vsnprintf(text + plen, size - plen, fmt, ap);
    return text;
}

void diag_at(struct diag_sink *sink, enum diag_severity sev, struct src_pos pos, const char *fmt,
             ...)
{
    char prefix[512];
    snprintf(prefix, sizeof(prefix), "%s:%d:%d: %s: ", sink->file, pos.line, pos.col,
             severity_name(sev));
    va_list ap;
    va_start(ap, fmt);
    record(sink, sev, pos, format_line(prefix, fmt, ap));
    va_end(ap);
}

/* The value of attribute `name` of node, or NULL. */
static const char *name_of(const xmlNode *node)
{
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, "name") == 0 && a->children &&
            a->children->type == XML_TEXT_NODE && a->children->content)
            return (const char *)a->children->content;
    }
    return NULL;
}

static int is_named_element(const xmlNode *node)
{
    const char *tag = (const char *)node->name;
    return strcmp(tag, "protection_domain") == 0 || strcmp(tag, "memory_region") == 0 ||
           strcmp(tag, "domain") == 0 || strcmp(tag, "virtual_machine") == 0;
}

void diag_describe(const xmlNode *node, char *buf, size_t size)
{
    const char *name = is_named_element(node) ? name_of(node) : NULL;
    size_t used = (size_t)snprintf(buf, size, "<%s>", (const char *)node->name);
    if (name && used < size)
        used += (size_t)snprintf(buf + used, size - used, " '%.64s'", name);
    for (const xmlNode *up = node->parent; up && up->type == XML_ELEMENT_NODE; up = up->parent) {
        if (strcmp((const char *)up->name, "protection_domain") == 0) {
            const char *owner = name_of(up);
            if (owner && used < size)
                snprintf(buf + used, size - used, " in protection_domain '%.64s'", owner);
            else if (used < size)
                snprintf(buf + used, size - used, " in <protection_domain>");
            break;
        }
        if (strcmp((const char *)up->name, "channel") == 0 ||
            strcmp((const char *)up->name, "domain_schedule") == 0) {
            if (used < size)
                snprintf(buf + used, size - used, " in <%s>", (const char *)up->name);
            break;
        }
    }
}

void diag_node(struct diag_sink *sink, enum diag_severity sev, const xmlNode *node,
               const char *attr, const char *fmt, ...)
{
    struct src_pos pos = src_locate(node, attr);
    char what[256];
    diag_describe(node, what, sizeof(what));
    char prefix[512];
    snprintf(prefix, sizeof(prefix), "%s:%d:%d: %s: %s: ", sink->file, pos.line, pos.col,
             severity_name(sev), what);
    va_list ap;
    va_start(ap, fmt);
    record(sink, sev, pos, format_line(prefix, fmt, ap));
    va_end(ap);
}

void diag_file(struct diag_sink *sink, enum diag_severity sev, const char *file, const char *fmt,
               ...)
{
    char prefix[512];
    snprintf(prefix, sizeof(prefix), "%s: %s: ", file, severity_name(sev));
    va_list ap;
    va_start(ap, fmt);
    struct src_pos pos = {0, 0};
    record(sink, sev, pos, format_line(prefix, fmt, ap));
    va_end(ap);
}

static int compare_entries(const void *a, const void *b)
{
    const struct diag_entry *x = a, *y = b;
    if (x->pos.line != y->pos.line)
        return x->pos.line < y->pos.line ? -1 : 1;
    if (x->pos.col != y->pos.col)
        return x->pos.col < y->pos.col ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

bool diag_full(const struct diag_sink *sink)
{
    return sink->max_shown && sink->errors > sink->max_shown;
}

/* Prints the "N more not shown" line of one severity, if some were held back. */
static void report_hidden(const struct diag_sink *sink, FILE *out, enum diag_severity sev,
                          size_t hidden)
{
    if (!hidden)
        return;
    fprintf(out,
            "%s: %s: too many %ss: %zu more not shown; fix the first ones, or raise "
            "--max-errors (now %zu, 0 shows all)\n",
            sink->file, severity_name(sev), severity_name(sev), hidden, sink->max_shown);
}

void diag_flush(struct diag_sink *sink, FILE *out)
{
    vec_sort(&sink->entries, sizeof(struct diag_entry), compare_entries);
    size_t shown[2] = {0, 0}, hidden[2] = {0, 0};
    for (size_t i = 0; i < sink->entries.count; i++) {
        struct diag_entry *e = VEC_AT(&sink->entries, struct diag_entry, i);
        if (sink->max_shown && shown[e->severity] == sink->max_shown)
            hidden[e->severity]++;
        else {
            shown[e->severity]++;
            fprintf(out, "%s\n", e->text);
        }
        free(e->text);
    }
    report_hidden(sink, out, DIAG_ERROR, hidden[DIAG_ERROR]);
    report_hidden(sink, out, DIAG_WARNING, hidden[DIAG_WARNING]);
    sink->entries.count = 0;
}
