/*
 * String functions of the network libc subset (libc/include/string.h). They carry the C
 * names because lwIP calls them so; libbastion's prefixed versions do the work where
 * they exist.
 */
#include <stdint.h>
#include <string.h>

size_t strlen(const char *s)
{
    return bst_strlen(s);
}

size_t strnlen(const char *s, size_t max)
{
    return bst_strnlen(s, max);
}

int strcmp(const char *a, const char *b)
{
    return bst_strcmp(a, b);
}

int strncmp(const char *a, const char *b, size_t n)
{
    return bst_strncmp(a, b, n);
}

char *strchr(const char *s, int c)
{
    const char ch = (char)c;
    for (;; s++) {
        if (*s == ch)
            return (char *)(uintptr_t)s; /* C's strchr drops the const */
        if (*s == '\0')
            return NULL;
    }
}
