/*
 * A log record: one put or delete, as it lies on disk (docs/kvstore.md, "Records").
 *
 *   offset  size  field
 *   0       4     magic KV_RECORD_MAGIC
 *   4       4     crc: CRC32C of bytes 8..31 of the header, then the key, then the value
 *   8       8     seq: the log's sequence number (each record is the last one's plus one)
 *   16      4     epoch: the superblock generation it was written under
 *   20      1     kind: KV_RECORD_PUT or KV_RECORD_DELETE
 *   21      1     key_len: 1 .. KV_KEY_MAX
 *   22      2     value_len: 0 .. KV_VALUE_MAX (0 for a delete)
 *   24      4     store_id: the store's, from its superblock
 *   28      1     flags: KV_RECORD_COMMIT_END on the last record of a commit
 *   29      3     reserved, 0
 *   32            key, then value
 *
 * A commit's records follow each other with no gap, except that a header never crosses a
 * block boundary (where fewer than KV_RECORD_HEADER_SIZE bytes are left in a block, the
 * next record starts in the next block); after the record marked KV_RECORD_COMMIT_END
 * the next commit starts on the next block. Both rules depend only on positions and
 * flags already checked, never on the bytes of a gap, which a torn write may have left
 * stale.
 *
 * Decoding never trusts the bytes: record_header_decode() checks every field it can on its
 * own, record_payload_check() the checksum once the payload is read.
 */
#ifndef KVSTORE_RECORD_H
#define KVSTORE_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/kvstore.h>

#define KV_RECORD_MAGIC       0x3152564bu /* "KVR1" */
#define KV_RECORD_HEADER_SIZE 32u
#define KV_RECORD_MAX_SIZE    (KV_RECORD_HEADER_SIZE + KV_KEY_MAX + KV_VALUE_MAX)

enum kv_record_kind {
    KV_RECORD_PUT = 1,
    KV_RECORD_DELETE = 2,
};

#define KV_RECORD_COMMIT_END 0x01u

struct kv_record_header {
    uint32_t crc;
    uint64_t seq;
    uint32_t epoch;
    uint8_t kind; /* enum kv_record_kind */
    uint8_t key_len;
    uint16_t value_len;
    uint32_t store_id;
    uint8_t flags; /* KV_RECORD_COMMIT_END or 0 */
};

/* Bytes a record with these lengths takes on disk. */
static inline uint32_t record_size(uint32_t key_len, uint32_t value_len)
{
    return KV_RECORD_HEADER_SIZE + key_len + value_len;
}

/* Write header and payload to out (record_size() bytes), computing the checksum. The
 * caller has checked the lengths. */
void record_encode(uint8_t *out, struct kv_record_header h, const uint8_t *key,
                   const uint8_t *value);

/* Decode the KV_RECORD_HEADER_SIZE bytes at in. False unless the magic, kind, lengths and
 * reserved field are well formed (the checksum is not checked here). */
bool record_header_decode(const uint8_t *in, struct kv_record_header *out);

/* True when the record at in (a decoded header, then its payload) has the right checksum. */
bool record_payload_check(const uint8_t *in, const struct kv_record_header *h);

#endif /* KVSTORE_RECORD_H */
