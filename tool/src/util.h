/*
 * Small helpers shared by every part of the bastion tool: checked allocation, growable
 * arrays and "did you mean" suggestions. Allocation failure ends the program with exit
 * status 3 (internal error), so callers never see NULL from these functions.
 */
#ifndef BASTION_TOOL_UTIL_H
#define BASTION_TOOL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses of the tool, documented in docs/bastion-tool.md and `bastion --help`. */
enum exit_status {
    EXIT_OK = 0,
    EXIT_DESCRIPTION = 1, /* the system description (or a program image) has errors */
    EXIT_USAGE = 2,       /* bad command line */
    EXIT_IO = 3,          /* a file could not be read or written, or an internal error */
};

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

/* A growable array of fixed-size elements; zero-initialise before first use. */
struct vec {
    void *items;
    size_t count;
    size_t capacity;
};

/* Appends one zeroed element of `elem_size` bytes and returns a pointer to it. */
void *vec_push(struct vec *v, size_t elem_size);
void vec_free(struct vec *v);

/* Appends `count` bytes to a vector of bytes. */
void vec_append(struct vec *v, const void *bytes, size_t count);

/* Sorts the elements of v with cmp (qsort semantics); an empty vec is left alone. */
void vec_sort(struct vec *v, size_t elem_size, int (*cmp)(const void *, const void *));

#define VEC_AT(v, type, i) (&((type *)(v)->items)[(i)])

/*
 * Returns the candidate closest to `word` (edit distance at most a third of its length,
 * at least 1), or NULL when none is close enough. `candidates` ends with NULL.
 */
const char *suggest_word(const char *word, const char *const *candidates);

/* Reads a whole file into a NUL-terminated buffer; returns NULL (errno set) on failure. */
char *read_file(const char *path, size_t *size_out);

/* True when a + b overflows 64 bits. */
static inline int add_overflows(uint64_t a, uint64_t b)
{
    return a + b < a;
}

#endif
