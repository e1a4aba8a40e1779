/*
 * The superblock: which of the two log segments is live and where its log starts. Two
 * copies, in blocks 0 and 1; the copy of generation g lives in block g % 2, so writing
 * generation g + 1 never touches the copy of generation g (docs/kvstore.md).
 *
 *   offset  size  field
 *   0       4     magic KV_SUPER_MAGIC
 *   4       4     version KV_SUPER_VERSION
 *   8       8     generation (>= 1)
 *   16      8     start_seq: the sequence number of the live segment's first record
 *   24      8     segment_blocks: blocks per segment; segment s starts at 2 + s * that
 *   32      4     active: the live segment, 0 or 1
 *   36      4     segment_epoch: the generation the live segment was started under
 *   40      4     store_id: chosen when the store was made; every record carries it
 *   44      16    reserved, 0
 *   60      4     crc: CRC32C of bytes 0..59
 *
 * 64 bytes: within one 512-byte sector, so a torn write leaves the old or the new copy.
 */
#ifndef KVSTORE_SUPERBLOCK_H
#define KVSTORE_SUPERBLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define KV_SUPER_MAGIC   0x4253564bu /* "KVSB" */
#define KV_SUPER_VERSION 1u
#define KV_SUPER_SIZE    64u
#define KV_SUPER_BLOCKS  2u /* blocks 0 and 1 */

struct kv_superblock {
    uint64_t generation;
    uint64_t start_seq;
    uint64_t segment_blocks;
    uint32_t active;
    uint32_t segment_epoch;
    uint32_t store_id;
};

/* Fill out (KV_SUPER_SIZE bytes). */
void superblock_encode(uint8_t *out, const struct kv_superblock *sb);

/* Decode the copy read from block `slot` of a disk of `disk_blocks` blocks. False unless
 * it is intact and consistent: magic, version, checksum, generation of the slot's
 * parity, active segment 0 or 1, segments of at least `min_segment_blocks` inside the
 * disk, epochs within the generation. */
bool superblock_decode(const uint8_t *in, uint32_t slot, uint64_t disk_blocks,
                       uint64_t min_segment_blocks, struct kv_superblock *out);

#endif /* KVSTORE_SUPERBLOCK_H */
