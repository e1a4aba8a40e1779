/*
 * The store's core: a crash-safe key-value store in a log on a disk (disk.h); pure (no
 * system calls), single-threaded, bounded memory (struct kv_store, about 100 KiB, plus the
 * caller's I/O area of KV_IO_BYTES). docs/kvstore.md describes the format and why each
 * step is safe against a power cut at any point.
 *
 * Disk layout: blocks 0 and 1 hold the two superblock copies (superblock.h); the rest is
 * two log segments of equal size, one live. Records (record.h) are appended to the live
 * segment in commits: each commit starts on a fresh block, so a block that holds a
 * durable record is never written again while its segment is live.
 *
 * Guarantees:
 * - an operation reported KV_OK is durable (written and flushed) before kv_apply()
 *   returns, and survives any later power cut;
 * - after a power cut, kv_mount() restores the acknowledged state, where each key may
 *   instead hold the state of an operation begun (and not acknowledged) after its last
 *   acknowledged one; the operations of one batch survive as a prefix;
 * - kv_get() returns only a value whose record checksum verified;
 * - a full store refuses with KV_FULL and changes nothing.
 * After an I/O error the store refuses changes (KV_IO) until it is mounted again.
 */
#ifndef KVSTORE_STORE_H
#define KVSTORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/kvstore.h>

#include "disk.h"
#include "index.h"
#include "record.h"
#include "superblock.h"

#define KV_BATCH_MAX 8u /* operations one commit (one flush) carries at most */
/* Blocks one commit takes at most: each record and the padding that may precede it. */
#define KV_COMMIT_BLOCKS                                                                           \
    ((KV_BATCH_MAX * (KV_RECORD_MAX_SIZE + KV_RECORD_HEADER_SIZE) + KV_BLOCK_SIZE - 1) /           \
     KV_BLOCK_SIZE)
#define KV_MIN_SEGMENT_BLOCKS 8u
#define KV_MAX_SEGMENT_BLOCKS (1ull << 20) /* 4 GiB per segment; a larger disk is not all used */

/* The caller's I/O area: KV_STAGE_BLOCKS for what is written (commits, compaction),
 * KV_WINDOW_BLOCKS of what was read, one block for a superblock. */
#define KV_STAGE_BLOCKS  8u
#define KV_WINDOW_BLOCKS 8u
#define KV_IO_BLOCKS     (KV_STAGE_BLOCKS + KV_WINDOW_BLOCKS + 1u)
#define KV_IO_BYTES      (KV_IO_BLOCKS * KV_BLOCK_SIZE)

/* One operation of a batch. */
struct kv_op {
    uint8_t kind; /* KV_RECORD_PUT or KV_RECORD_DELETE */
    uint32_t key_len;
    uint32_t value_len; /* put */
    const uint8_t *key;
    const uint8_t *value; /* put */
};

struct kv_result {
    enum kv_status status;
    uint64_t seq; /* KV_OK: the operation's record's sequence number */
};

struct kv_get_result {
    enum kv_status status;
    uint32_t value_len;
};

struct kv_stats {
    uint32_t keys;
    uint64_t live_bytes;     /* what compaction would keep, padding allowance included */
    uint64_t capacity_bytes; /* one segment */
    uint64_t next_seq;
    uint64_t generation;
    uint64_t tail_blocks;   /* blocks of the live segment in use */
    uint64_t mount_records; /* records replayed by the last mount */
    uint64_t compactions;   /* since the mount */
};

struct kv_store {
    struct kv_disk disk;
    uint8_t *io;             /* KV_IO_BYTES: the stage, the read window, a superblock block */
    struct kv_superblock sb; /* the newest durable superblock */
    uint64_t tail_block;     /* the live segment's first free block */
    uint64_t next_seq;
    uint64_t live_bytes;   /* sum over live keys of record size + KV_RECORD_HEADER_SIZE */
    uint64_t window_block; /* the disk block at the start of the read window */
    uint32_t window_count; /* blocks the window holds; 0: none */
    bool mounted;
    bool failed; /* an I/O error: changes refused until the next mount */
    uint64_t mount_records;
    uint64_t compactions;
    struct kv_index index;
};

/* Recover the store on `disk` (or make an empty one if neither superblock copy is valid,
 * with `store_id`, which should differ between stores made on one disk) and make it ready.
 * `io` is KV_IO_BYTES of the caller's memory, used for every disk transfer. KV_OK, KV_IO,
 * KV_FULL (a disk too small for two segments of KV_MIN_SEGMENT_BLOCKS) or KV_CORRUPT (a
 * log that holds more than KV_MAX_KEYS keys). */
enum kv_status kv_mount(struct kv_store *s, const struct kv_disk *disk, void *io,
                        uint32_t store_id);

/* Carry out a batch: each operation is checked (KV_TOO_LARGE, KV_FULL, KV_NOT_FOUND: it is
 * left out), the rest are written as one commit per KV_BATCH_MAX and flushed, and only
 * then reported KV_OK. results[i] is operation i's. Compacts first when the commit does
 * not fit. */
void kv_apply(struct kv_store *s, const struct kv_op *ops, uint32_t count,
              struct kv_result *results);

struct kv_result kv_put(struct kv_store *s, const uint8_t *key, uint32_t key_len,
                        const uint8_t *value, uint32_t value_len);
struct kv_result kv_delete(struct kv_store *s, const uint8_t *key, uint32_t key_len);

/* Copy the key's value into value_out (KV_VALUE_MAX bytes). */
struct kv_get_result kv_get(struct kv_store *s, const uint8_t *key, uint32_t key_len,
                            uint8_t *value_out);

/* Copy the live records into the other segment and switch to it. */
enum kv_status kv_compact(struct kv_store *s);

struct kv_stats kv_stats(const struct kv_store *s);

/* The next key held, from *cursor (start at 0); NULL at the end. */
const struct kv_entry *kv_next_key(const struct kv_store *s, uint32_t *cursor);

/* The invariants, for the tests: the index is consistent, the byte and key counts agree,
 * and every key's record lies in the used part of the live segment and verifies. */
bool kv_check(struct kv_store *s);

#endif /* KVSTORE_STORE_H */
