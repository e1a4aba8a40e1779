/*
 * Little-endian loads and stores at byte offsets of a buffer (the boot protocol's
 * structures are byte layouts, read from an untrusted image). The VMM library builds
 * freestanding, without a C library: these and vmm_bytes_fill/copy are all it needs.
 * Callers check bounds first; these never do.
 */
#ifndef VMM_BYTES_H
#define VMM_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t vmm_le_load(const uint8_t *p, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = width; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static inline void vmm_le_store(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static inline void vmm_bytes_fill(uint8_t *p, uint8_t value, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = value;
}

static inline void vmm_bytes_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

#endif
