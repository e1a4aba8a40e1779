/*
 * Memory and string helpers (libbastion/string.h). memcpy is the architecture's
 * (lib/arch/<arch>/memcpy.S: network components copy every frame); memset stores 8-byte
 * words (through __builtin_memcpy of 8 bytes, one store at any alignment); the rest are
 * byte loops, simple and small.
 */
#include <libbastion/string.h>
#include <stdint.h>

#define WORD sizeof(uint64_t)

static inline void store_word(unsigned char *p, uint64_t w)
{
    __builtin_memcpy(p, &w, WORD);
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((uintptr_t)d < (uintptr_t)s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t w = (unsigned char)c * 0x0101010101010101ull;
    for (; n >= WORD; n -= WORD, d += WORD)
        store_word(d, w);
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t bst_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t bst_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int bst_strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y)
            return x < y ? -1 : 1;
        if (x == 0)
            return 0;
    }
    return 0;
}

int bst_strcmp(const char *a, const char *b)
{
    return bst_strncmp(a, b, SIZE_MAX);
}

size_t bst_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = bst_strlen(src);
    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}
