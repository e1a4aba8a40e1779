/*
 * Checked allocation, growable arrays, file reading and spelling suggestions for the
 * bastion tool. Nothing here knows about system descriptions.
 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory is an internal error: report it and stop with the documented status. */
static void out_of_memory(void)
{
    fputs("bastion: error: out of memory\n", stderr);
    exit(EXIT_IO);
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

void *vec_push(struct vec *v, size_t elem_size)
{
    if (v->count == v->capacity) {
        v->capacity = v->capacity ? v->capacity * 2 : 8;
        v->items = xrealloc(v->items, v->capacity * elem_size);
    }
    char *slot = (char *)v->items + v->count * elem_size;
    memset(slot, 0, elem_size);
    v->count++;
    return slot;
}

void vec_append(struct vec *v, const void *bytes, size_t count)
{
    if (v->capacity - v->count < count) {
        size_t want = v->count + count;
        v->capacity = v->capacity ? v->capacity : 8;
        while (v->capacity < want)
            v->capacity *= 2;
        v->items = xrealloc(v->items, v->capacity);
    }
    if (count)
        memcpy((char *)v->items + v->count, bytes, count);
    v->count += count;
}

void vec_free(struct vec *v)
{
    free(v->items);
    v->items = NULL;
    v->count = v->capacity = 0;
}

/* Levenshtein distance between two short words (longer words are never suggested). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *suggest_word(const char *word, const char *const *candidates)
{
    size_t limit = strlen(word) / 3;
    if (limit < 1)
        limit = 1;
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    size_t wlen = strlen(word);
    for (size_t i = 0; candidates[i]; i++) {
        size_t clen = strlen(candidates[i]);
        if (wlen >= 3 && clen > wlen && strncmp(candidates[i], word, wlen) == 0)
            return candidates[i]; /* an abbreviation */
    }
    for (size_t i = 0; candidates[i]; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (d <= limit && d < best_distance) {
            best = candidates[i];
            best_distance = d;
        }
    }
    return best;
}

char *read_file(const char *path, size_t *size_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[len] = '\0';
    if (size_out)
        *size_out = len;
    return buf;
}

void vec_sort(struct vec *v, size_t elem_size, int (*cmp)(const void *, const void *))
{
    if (v->count > 1)
        qsort(v->items, v->count, elem_size, cmp);
}
