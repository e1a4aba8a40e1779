/*
 * Streaming JSON emitter (see json_emit.h).
 */
#include "json_emit.h"

#include <inttypes.h>

static void write_escaped(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Starts a new item: separator, newline, indentation and key. */
static void item(struct json_emitter *j, const char *key)
{
    if (j->depth > 0) {
        fputs(j->has_items[j->depth] ? ",\n" : "\n", j->out);
        j->has_items[j->depth] = true;
        fprintf(j->out, "%*s", 2 * j->depth, "");
    }
    if (key) {
        write_escaped(j->out, key);
        fputs(": ", j->out);
    }
}

static void open_scope(struct json_emitter *j, const char *key, char bracket)
{
    item(j, key);
    fputc(bracket, j->out);
    if (j->depth < 31)
        j->depth++;
    j->has_items[j->depth] = false;
}

static void close_scope(struct json_emitter *j, char bracket)
{
    bool had = j->has_items[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (had)
        fprintf(j->out, "\n%*s", 2 * j->depth, "");
    fputc(bracket, j->out);
}

void json_begin(struct json_emitter *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->has_items[0] = false;
}

void json_end(struct json_emitter *j)
{
    fputc('\n', j->out);
}

void json_object_begin(struct json_emitter *j, const char *key)
{
    open_scope(j, key, '{');
}

void json_object_end(struct json_emitter *j)
{
    close_scope(j, '}');
}

void json_array_begin(struct json_emitter *j, const char *key)
{
    open_scope(j, key, '[');
}

void json_array_end(struct json_emitter *j)
{
    close_scope(j, ']');
}

void json_string(struct json_emitter *j, const char *key, const char *value)
{
    item(j, key);
    if (value)
        write_escaped(j->out, value);
    else
        fputs("null", j->out);
}

void json_uint(struct json_emitter *j, const char *key, uint64_t value)
{
    item(j, key);
    fprintf(j->out, "%" PRIu64, value);
}

void json_hex(struct json_emitter *j, const char *key, uint64_t value)
{
    item(j, key);
    fprintf(j->out, "\"0x%" PRIx64 "\"", value);
}

void json_bool(struct json_emitter *j, const char *key, bool value)
{
    item(j, key);
    fputs(value ? "true" : "false", j->out);
}

void json_null(struct json_emitter *j, const char *key)
{
    item(j, key);
    fputs("null", j->out);
}
