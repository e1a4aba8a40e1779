/*
 * Superblock encoding and decoding (superblock.h): a copy is believed only when every
 * field is consistent, so a torn, stale or foreign block is simply not a superblock.
 */
#include "superblock.h"

#include "bytes.h"
#include "crc32c.h"

void superblock_encode(uint8_t *out, const struct kv_superblock *sb)
{
    kv_memset(out, 0, KV_SUPER_SIZE);
    le32_store(out, KV_SUPER_MAGIC);
    le32_store(out + 4, KV_SUPER_VERSION);
    le64_store(out + 8, sb->generation);
    le64_store(out + 16, sb->start_seq);
    le64_store(out + 24, sb->segment_blocks);
    le32_store(out + 32, sb->active);
    le32_store(out + 36, sb->segment_epoch);
    le32_store(out + 40, sb->store_id);
    le32_store(out + 60, crc32c(0, out, 60));
}

bool superblock_decode(const uint8_t *in, uint32_t slot, uint64_t disk_blocks,
                       uint64_t min_segment_blocks, struct kv_superblock *out)
{
    if (le32_load(in) != KV_SUPER_MAGIC || le32_load(in + 4) != KV_SUPER_VERSION ||
        le32_load(in + 60) != crc32c(0, in, 60)) {
        return false;
    }
    for (uint32_t i = 44; i < 60; i++) {
        if (in[i] != 0) {
            return false;
        }
    }
    struct kv_superblock sb = {
        .generation = le64_load(in + 8),
        .start_seq = le64_load(in + 16),
        .segment_blocks = le64_load(in + 24),
        .active = le32_load(in + 32),
        .segment_epoch = le32_load(in + 36),
        .store_id = le32_load(in + 40),
    };
    if (sb.generation == 0 || sb.generation >= UINT32_MAX || sb.generation % 2 != slot ||
        sb.active > 1 || sb.start_seq == 0 || sb.start_seq >= UINT64_MAX / 2 ||
        sb.segment_epoch == 0 || sb.segment_epoch > sb.generation) {
        return false;
    }
    if (sb.segment_blocks < min_segment_blocks || disk_blocks < KV_SUPER_BLOCKS ||
        sb.segment_blocks > (disk_blocks - KV_SUPER_BLOCKS) / 2) {
        return false;
    }
    *out = sb;
    return true;
}
