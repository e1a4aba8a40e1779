/*
 * The simulated disk (simdisk.h).
 */
#include "simdisk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 512u

uint64_t simdisk_rand(uint64_t *rng)
{
    uint64_t x = *rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *rng = x;
}

void simdisk_init(struct simdisk *d, uint64_t blocks)
{
    memset(d, 0, sizeof(*d));
    d->blocks = blocks;
    d->durable = calloc(blocks, KV_BLOCK_SIZE);
    d->ops_left = UINT64_MAX;
    if (d->durable == NULL) {
        abort();
    }
}

void simdisk_free(struct simdisk *d)
{
    free(d->durable);
    free(d->cache);
    memset(d, 0, sizeof(*d));
}

/* Count one operation; false once the power is gone. */
static bool powered(struct simdisk *d)
{
    d->ops++;
    if (d->dead) {
        return false;
    }
    if (d->ops_left == 0) {
        d->dead = true;
        return false;
    }
    if (d->ops_left != UINT64_MAX) {
        d->ops_left--;
    }
    return true;
}

static bool in_range(const struct simdisk *d, uint64_t block, uint32_t count)
{
    if (count == 0 || block >= d->blocks || count > d->blocks - block) {
        fprintf(stderr, "simdisk: request outside the disk: block %llu count %u\n",
                (unsigned long long)block, count);
        abort(); /* the store never does this: make it loud */
    }
    return true;
}

static bool sim_read(void *ctx, uint64_t block, uint32_t count, void *buffer)
{
    struct simdisk *d = ctx;
    if (!powered(d) || !in_range(d, block, count)) {
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *src = d->durable + (block + i) * KV_BLOCK_SIZE;
        for (uint32_t c = d->cached; c-- > 0;) {
            if (d->cache[c].block == block + i) {
                src = d->cache[c].data;
                break;
            }
        }
        memcpy((uint8_t *)buffer + (size_t)i * KV_BLOCK_SIZE, src, KV_BLOCK_SIZE);
    }
    return true;
}

static bool sim_write(void *ctx, uint64_t block, uint32_t count, const void *buffer)
{
    struct simdisk *d = ctx;
    if (!powered(d) || !in_range(d, block, count)) {
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (d->cached == d->cache_capacity) {
            d->cache_capacity = d->cache_capacity ? 2 * d->cache_capacity : 16;
            d->cache = realloc(d->cache, d->cache_capacity * sizeof(*d->cache));
            if (d->cache == NULL) {
                abort();
            }
        }
        d->cache[d->cached].block = block + i;
        memcpy(d->cache[d->cached].data, (const uint8_t *)buffer + (size_t)i * KV_BLOCK_SIZE,
               KV_BLOCK_SIZE);
        d->cached++;
    }
    return true;
}

static bool sim_flush(void *ctx)
{
    struct simdisk *d = ctx;
    if (!powered(d)) {
        return false;
    }
    for (uint32_t c = 0; c < d->cached; c++) {
        memcpy(d->durable + d->cache[c].block * KV_BLOCK_SIZE, d->cache[c].data, KV_BLOCK_SIZE);
    }
    d->cached = 0;
    return true;
}

struct kv_disk simdisk_kv_disk(struct simdisk *d)
{
    return (struct kv_disk){d, d->blocks, sim_read, sim_write, sim_flush};
}

void simdisk_arm(struct simdisk *d, uint64_t ops)
{
    d->ops_left = ops;
}

void simdisk_power_cut(struct simdisk *d, uint64_t *rng)
{
    for (uint32_t c = 0; c < d->cached; c++) {
        uint8_t *dst = d->durable + d->cache[c].block * KV_BLOCK_SIZE;
        switch (simdisk_rand(rng) % 3) {
        case 0:
            d->lost_writes++;
            break;
        case 1:
            memcpy(dst, d->cache[c].data, KV_BLOCK_SIZE);
            break;
        default: {
            uint32_t sectors = 1 + (uint32_t)(simdisk_rand(rng) % (KV_BLOCK_SIZE / SECTOR - 1));
            memcpy(dst, d->cache[c].data, sectors * SECTOR);
            d->torn_writes++;
            break;
        }
        }
    }
    d->cached = 0;
    d->dead = false;
    d->ops_left = UINT64_MAX;
    d->power_cuts++;
}
