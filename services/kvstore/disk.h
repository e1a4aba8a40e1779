/*
 * The disk the store's core works against: numbered blocks of KV_BLOCK_SIZE bytes, with a
 * volatile write cache that flush() empties. The PD implements it over the block client
 * library (kvstore_pd.c), the host tests over a simulated disk that loses and tears
 * unflushed writes (tests/simdisk.c).
 *
 * Contract: read() and write() move `count` whole blocks between the disk and `buffer`
 * (always inside the store's I/O area) and return false on an I/O error. A write may sit
 * in a volatile cache until a later flush() returns true: then every write that returned
 * before the flush was called is durable. A power cut may keep any subset of unflushed
 * writes, each possibly torn at 512-byte sector granularity, but leaves a sector either
 * old or new.
 */
#ifndef KVSTORE_DISK_H
#define KVSTORE_DISK_H

#include <stdbool.h>
#include <stdint.h>

#define KV_BLOCK_SIZE 4096u

struct kv_disk {
    void *ctx;       /* the implementation's */
    uint64_t blocks; /* the disk's (partition's) size in blocks */
    bool (*read)(void *ctx, uint64_t block, uint32_t count, void *buffer);
    bool (*write)(void *ctx, uint64_t block, uint32_t count, const void *buffer);
    bool (*flush)(void *ctx);
};

#endif /* KVSTORE_DISK_H */
