/*
 * Little-endian loads and stores on byte arrays: every on-disk field goes through these,
 * so the format does not depend on struct layout or alignment, and hostile bytes are only
 * ever read as numbers. Also the store's names for the compiler's memory built-ins (the
 * core links against libbastion's memcpy in a PD and libc's on the host).
 */
#ifndef KVSTORE_BYTES_H
#define KVSTORE_BYTES_H

#include <stdint.h>

#define kv_memcpy __builtin_memcpy
#define kv_memset __builtin_memset
#define kv_memcmp __builtin_memcmp

static inline uint16_t le16_load(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t le32_load(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t le64_load(const uint8_t *p)
{
    return (uint64_t)le32_load(p) | ((uint64_t)le32_load(p + 4) << 32);
}

static inline void le16_store(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void le32_store(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static inline void le64_store(uint8_t *p, uint64_t v)
{
    le32_store(p, (uint32_t)v);
    le32_store(p + 4, (uint32_t)(v >> 32));
}

#endif /* KVSTORE_BYTES_H */
