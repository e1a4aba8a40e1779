/*
 * Memory and string helpers. The mem* functions carry their standard C names because
 * compilers emit calls to them for struct copies and initialisers even in freestanding
 * code; the string helpers are prefixed.
 */
#ifndef LIBBASTION_STRING_H
#define LIBBASTION_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t bst_strlen(const char *s);
size_t bst_strnlen(const char *s, size_t max);
int bst_strcmp(const char *a, const char *b);
int bst_strncmp(const char *a, const char *b, size_t n);
/* Copy at most size - 1 characters and terminate; returns strlen(src). */
size_t bst_strlcpy(char *dst, const char *src, size_t size);

#endif
