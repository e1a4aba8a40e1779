/*
 * A tiny streaming JSON emitter with two-space indentation. Keys are NULL inside arrays.
 * Strings are escaped; nesting is limited to 32 levels, which the tool never exceeds.
 */
#ifndef BASTION_TOOL_JSON_EMIT_H
#define BASTION_TOOL_JSON_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_emitter {
    FILE *out;
    int depth;
    bool has_items[32];
};

void json_begin(struct json_emitter *j, FILE *out);
void json_end(struct json_emitter *j);
void json_object_begin(struct json_emitter *j, const char *key);
void json_object_end(struct json_emitter *j);
void json_array_begin(struct json_emitter *j, const char *key);
void json_array_end(struct json_emitter *j);
void json_string(struct json_emitter *j, const char *key, const char *value); /* NULL: null */
void json_uint(struct json_emitter *j, const char *key, uint64_t value);
void json_hex(struct json_emitter *j, const char *key, uint64_t value);
void json_bool(struct json_emitter *j, const char *key, bool value);
void json_null(struct json_emitter *j, const char *key);

#endif
