/*
 * A simulated disk for the store's host tests: a durable image and a volatile write cache.
 * Writes go to the cache (reads see them); flush makes them durable. A power cut keeps the
 * durable image plus a random subset of the cached writes, in order, each either whole or
 * torn: its first 1 to 7 sectors (512 bytes) new, the rest of the block old.
 *
 * simdisk_arm(d, n) makes the (n + 1)th operation from now fail, and every one after it,
 * as if the power went at that moment; simdisk_power_cut() then decides what survived.
 */
#ifndef KVSTORE_SIMDISK_H
#define KVSTORE_SIMDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "../disk.h"

struct simdisk_write {
    uint64_t block;
    uint8_t data[KV_BLOCK_SIZE];
};

struct simdisk {
    uint64_t blocks;
    uint8_t *durable;
    struct simdisk_write *cache;
    uint32_t cached, cache_capacity;
    uint64_t ops_left; /* operations before the power goes; UINT64_MAX: never */
    bool dead;
    uint64_t ops, power_cuts, torn_writes, lost_writes;
};

void simdisk_init(struct simdisk *d, uint64_t blocks);
void simdisk_free(struct simdisk *d);
struct kv_disk simdisk_kv_disk(struct simdisk *d);
void simdisk_arm(struct simdisk *d, uint64_t ops);
void simdisk_power_cut(struct simdisk *d, uint64_t *rng);
uint64_t simdisk_rand(uint64_t *rng);

#endif /* KVSTORE_SIMDISK_H */
