/*
 * Record encoding and decoding (record.h). Everything read is checked before it is
 * believed: a header from disk may be garbage, a stale record or half of a torn write.
 */
#include "record.h"

#include "bytes.h"
#include "crc32c.h"

/* CRC32C of the header's bytes 8..31 (seq onward) and the payload that follows it. */
static uint32_t record_crc(const uint8_t *rec, uint32_t payload_len)
{
    return crc32c(0, rec + 8, KV_RECORD_HEADER_SIZE - 8 + payload_len);
}

void record_encode(uint8_t *out, struct kv_record_header h, const uint8_t *key,
                   const uint8_t *value)
{
    le32_store(out, KV_RECORD_MAGIC);
    le64_store(out + 8, h.seq);
    le32_store(out + 16, h.epoch);
    out[20] = h.kind;
    out[21] = h.key_len;
    le16_store(out + 22, h.value_len);
    le32_store(out + 24, h.store_id);
    le32_store(out + 28, h.flags);
    kv_memcpy(out + KV_RECORD_HEADER_SIZE, key, h.key_len);
    if (h.value_len != 0) {
        kv_memcpy(out + KV_RECORD_HEADER_SIZE + h.key_len, value, h.value_len);
    }
    le32_store(out + 4, record_crc(out, (uint32_t)h.key_len + h.value_len));
}

bool record_header_decode(const uint8_t *in, struct kv_record_header *out)
{
    if (le32_load(in) != KV_RECORD_MAGIC || (le32_load(in + 28) & ~KV_RECORD_COMMIT_END) != 0) {
        return false;
    }
    struct kv_record_header h = {
        .crc = le32_load(in + 4),
        .seq = le64_load(in + 8),
        .epoch = le32_load(in + 16),
        .kind = in[20],
        .key_len = in[21],
        .value_len = le16_load(in + 22),
        .store_id = le32_load(in + 24),
        .flags = in[28],
    };
    if (h.key_len == 0 || h.key_len > KV_KEY_MAX || h.value_len > KV_VALUE_MAX) {
        return false;
    }
    if (h.kind != KV_RECORD_PUT && !(h.kind == KV_RECORD_DELETE && h.value_len == 0)) {
        return false;
    }
    *out = h;
    return true;
}

bool record_payload_check(const uint8_t *in, const struct kv_record_header *h)
{
    return record_crc(in, (uint32_t)h->key_len + h->value_len) == h->crc;
}
