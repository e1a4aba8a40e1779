/*
 * The store's core (store.h): mount and recovery, commits, reads, compaction.
 *
 * The one rule every step keeps: the newest durable superblock, and the records of its
 * live segment up to the last durable commit, are never written. A commit goes to fresh
 * blocks after the tail; compaction writes only the other segment and then the other
 * superblock slot, each after a flush of what it depends on. So a power cut at any point
 * leaves the last durable state readable, plus perhaps part of what was in flight, which
 * recovery accepts only as a checksummed, sequence-continuous prefix.
 */
#include "store.h"

#include "bytes.h"

#define B KV_BLOCK_SIZE

/* Where the I/O area's parts lie. */
#define STAGE_OFFSET  0u
#define WINDOW_OFFSET (KV_STAGE_BLOCKS * B)
#define SUPER_OFFSET  ((KV_STAGE_BLOCKS + KV_WINDOW_BLOCKS) * B)
#define STAGE_BYTES   (KV_STAGE_BLOCKS * B)

_Static_assert(KV_COMMIT_BLOCKS <= KV_STAGE_BLOCKS, "a commit fits the stage");
_Static_assert(KV_RECORD_MAX_SIZE + KV_RECORD_HEADER_SIZE <= B,
               "a record spans two blocks at most");
_Static_assert(KV_WINDOW_BLOCKS >= 2, "the window holds any record");
_Static_assert(KV_COMMIT_BLOCKS + 1 <= KV_MIN_SEGMENT_BLOCKS, "a segment holds a commit");

/* ---- Broken variants for the tests (never in a PD build) --------------------------------
 * The host tests build this file a second time with one of these defined and check that
 * their power cuts catch the loss (tests/test_kvstore.c, "broken"). */
#if defined(KV_BROKEN_ACK_BEFORE_FLUSH)
static bool commit_flush(struct kv_store *s)
{
    (void)s; /* broken: a commit is acknowledged while it may still be in the cache */
    return true;
}
#else
static bool commit_flush(struct kv_store *s)
{
    return s->disk.flush(s->disk.ctx);
}
#endif

#if defined(KV_BROKEN_SUPER_BEFORE_DATA)
static bool compaction_data_flush(struct kv_store *s)
{
    (void)s; /* broken: the new superblock may become durable before the segment it names */
    return true;
}
#else
static bool compaction_data_flush(struct kv_store *s)
{
    return s->disk.flush(s->disk.ctx);
}
#endif

/* ---- Disk access ------------------------------------------------------------------------ */

static uint64_t segment_start(const struct kv_store *s, uint32_t segment)
{
    return KV_SUPER_BLOCKS + (uint64_t)segment * s->sb.segment_blocks;
}

static uint64_t segment_bytes(const struct kv_store *s)
{
    return s->sb.segment_blocks * B;
}

static uint64_t round_up_block(uint64_t bytes)
{
    return (bytes + B - 1) / B;
}

/* Write blocks from the I/O area; a window that held any of them is forgotten. */
static bool write_blocks(struct kv_store *s, uint64_t block, uint32_t count, uint32_t io_offset)
{
    if (s->window_count != 0 && block < s->window_block + s->window_count &&
        s->window_block < block + count) {
        s->window_count = 0;
    }
    if (!s->disk.write(s->disk.ctx, block, count, s->io + io_offset)) {
        s->failed = true;
        return false;
    }
    return true;
}

static bool flush_failed(struct kv_store *s, bool ok)
{
    if (!ok) {
        s->failed = true;
    }
    return !ok;
}

/* The bytes [pos, pos + length) of a segment, through the read window; NULL on an I/O
 * error. The caller keeps pos + length inside the segment and length below two blocks. */
static const uint8_t *segment_bytes_at(struct kv_store *s, uint32_t segment, uint64_t pos,
                                       uint32_t length)
{
    uint64_t first = segment_start(s, segment) + pos / B;
    uint64_t last = segment_start(s, segment) + (pos + length - 1) / B;
    if (s->window_count == 0 || first < s->window_block ||
        last >= s->window_block + s->window_count) {
        uint64_t left = segment_start(s, segment) + s->sb.segment_blocks - first;
        uint32_t count = left < KV_WINDOW_BLOCKS ? (uint32_t)left : KV_WINDOW_BLOCKS;
        s->window_count = 0;
        if (!s->disk.read(s->disk.ctx, first, count, s->io + WINDOW_OFFSET)) {
            return NULL;
        }
        s->window_block = first;
        s->window_count = count;
    }
    return s->io + WINDOW_OFFSET + (first - s->window_block) * B + pos % B;
}

/* Write sb into its slot (generation % 2) and flush it. */
static bool write_superblock(struct kv_store *s, const struct kv_superblock *sb)
{
    kv_memset(s->io + SUPER_OFFSET, 0, B);
    superblock_encode(s->io + SUPER_OFFSET, sb);
    if (!write_blocks(s, sb->generation % 2, 1, SUPER_OFFSET)) {
        return false;
    }
    return !flush_failed(s, s->disk.flush(s->disk.ctx));
}

/* ---- Layout ------------------------------------------------------------------------------ */

/* Where a record goes when the stream has reached `pos`: a header never crosses a block
 * boundary (recovery reads the rest of such a block as padding). */
static uint64_t record_place(uint64_t pos)
{
    uint64_t used = pos % B;
    return (used != 0 && B - used < KV_RECORD_HEADER_SIZE) ? pos + (B - used) : pos;
}

/* What a record charges against the space: its size, and the padding that may precede it
 * in a compacted segment or a commit. */
static uint64_t record_charge(uint32_t key_len, uint32_t value_len)
{
    return record_size(key_len, value_len) + KV_RECORD_HEADER_SIZE;
}

/* Whether a store holding `live` charged bytes can always compact and then take one more
 * commit. A put is accepted only if this stays true after it. */
static bool live_fits(const struct kv_store *s, uint64_t live)
{
    return round_up_block(live) + KV_COMMIT_BLOCKS <= s->sb.segment_blocks;
}

/* ---- Reading one record ------------------------------------------------------------------ */

/* Read the record an entry names and check it is the one the index believes in. */
static struct kv_get_result read_entry(struct kv_store *s, const struct kv_entry *e,
                                       const uint8_t **record)
{
    uint32_t size = record_size(e->key_len, e->value_len);
    if (e->loc + size > s->tail_block * B) {
        return (struct kv_get_result){KV_CORRUPT, 0};
    }
    const uint8_t *rec = segment_bytes_at(s, s->sb.active, e->loc, size);
    if (rec == NULL) {
        return (struct kv_get_result){KV_IO, 0};
    }
    struct kv_record_header h;
    if (!record_header_decode(rec, &h) || h.kind != KV_RECORD_PUT || h.seq != e->seq ||
        h.key_len != e->key_len || h.value_len != e->value_len || h.store_id != s->sb.store_id ||
        kv_memcmp(rec + KV_RECORD_HEADER_SIZE, e->key, e->key_len) != 0 ||
        !record_payload_check(rec, &h)) {
        return (struct kv_get_result){KV_CORRUPT, 0};
    }
    *record = rec;
    return (struct kv_get_result){KV_OK, h.value_len};
}

struct kv_get_result kv_get(struct kv_store *s, const uint8_t *key, uint32_t key_len,
                            uint8_t *value_out)
{
    if (!s->mounted) {
        return (struct kv_get_result){KV_IO, 0};
    }
    if (key_len == 0 || key_len > KV_KEY_MAX) {
        return (struct kv_get_result){KV_TOO_LARGE, 0};
    }
    const struct kv_entry *e = index_find(&s->index, key, key_len);
    if (e == NULL) {
        return (struct kv_get_result){KV_NOT_FOUND, 0};
    }
    const uint8_t *rec = NULL;
    struct kv_get_result r = read_entry(s, e, &rec);
    if (r.status == KV_OK && r.value_len != 0) {
        kv_memcpy(value_out, rec + KV_RECORD_HEADER_SIZE + e->key_len, r.value_len);
    }
    return r;
}

/* ---- Recovery ---------------------------------------------------------------------------- */

/* Apply one recovered record to the index. False: more keys than the index holds. */
static bool replay(struct kv_store *s, const struct kv_record_header *h, const uint8_t *key,
                   uint64_t pos)
{
    struct kv_entry *e = index_find(&s->index, key, h->key_len);
    if (e != NULL) {
        s->live_bytes -= record_charge(e->key_len, e->value_len);
    }
    if (h->kind == KV_RECORD_DELETE) {
        if (e != NULL) {
            index_remove(&s->index, e);
        }
        return true;
    }
    if (e == NULL) {
        e = index_insert(&s->index, key, h->key_len);
        if (e == NULL) {
            return false;
        }
    }
    e->loc = pos;
    e->seq = h->seq;
    e->value_len = h->value_len;
    s->live_bytes += record_charge(h->key_len, h->value_len);
    return true;
}

/* Whether the header at pos continues the log: the next sequence number, an epoch no
 * older than the last record's (newer, when `newer` says so) and no newer than the
 * superblock, this store's id. */
static bool continues_log(const struct kv_store *s, const struct kv_record_header *h,
                          uint64_t expected_seq, uint32_t last_epoch, bool newer)
{
    return h->seq == expected_seq && h->epoch >= last_epoch + (newer ? 1u : 0u) &&
           h->epoch <= s->sb.generation && h->store_id == s->sb.store_id;
}

/* The record at pos, if it is intact and continues the log; NULL (and *io_error if the
 * disk failed) if not. */
static const uint8_t *next_record(struct kv_store *s, uint64_t pos, uint64_t expected,
                                  uint32_t last_epoch, bool newer, struct kv_record_header *h,
                                  bool *io_error)
{
    uint64_t limit = segment_bytes(s);
    if (pos + KV_RECORD_HEADER_SIZE > limit) {
        return NULL;
    }
    const uint8_t *hdr = segment_bytes_at(s, s->sb.active, pos, KV_RECORD_HEADER_SIZE);
    if (hdr == NULL) {
        *io_error = true;
        return NULL;
    }
    if (!record_header_decode(hdr, h) || !continues_log(s, h, expected, last_epoch, newer) ||
        pos + record_size(h->key_len, h->value_len) > limit) {
        return NULL;
    }
    const uint8_t *rec =
        segment_bytes_at(s, s->sb.active, pos, record_size(h->key_len, h->value_len));
    if (rec == NULL) {
        *io_error = true;
        return NULL;
    }
    return record_payload_check(rec, h) ? rec : NULL;
}

/* Scan the live segment from its start and rebuild the index, stopping at the first
 * record that is not intact or does not continue the log: that is the tail.
 *
 * One exception: a commit cut by the power may end in the middle of a block with a torn
 * record (its last durable record has no KV_RECORD_COMMIT_END). The next mount put its
 * first commit on the next block, under a newer epoch. So where a record fails in the
 * middle of a block, the scan looks once at the next block for a record that continues the
 * sequence with a newer epoch; anything else there (stale or torn) ends the log. */
static enum kv_status scan_log(struct kv_store *s)
{
    uint64_t pos = 0, end = 0, expected = s->sb.start_seq;
    uint32_t last_epoch = s->sb.segment_epoch;
    bool newer = false, io_error = false;
    for (;;) {
        pos = record_place(pos);
        struct kv_record_header h;
        const uint8_t *rec = next_record(s, pos, expected, last_epoch, newer, &h, &io_error);
        if (io_error) {
            return KV_IO;
        }
        if (rec == NULL) {
            if (newer || pos % B == 0) {
                break;
            }
            pos = round_up_block(pos) * B; /* past a torn commit's end: look once more */
            newer = true;
            continue;
        }
        if (!replay(s, &h, rec + KV_RECORD_HEADER_SIZE, pos)) {
            return KV_CORRUPT;
        }
        pos += record_size(h.key_len, h.value_len);
        if (h.flags & KV_RECORD_COMMIT_END) {
            pos = round_up_block(pos) * B; /* the next commit starts on a fresh block */
        }
        end = pos;
        newer = false;
        expected++;
        last_epoch = h.epoch;
        s->mount_records++;
    }
    s->tail_block = round_up_block(end);
    s->next_seq = expected;
    return KV_OK;
}

/* The newest valid superblock copy; false when neither is valid. */
static enum kv_status read_superblock(struct kv_store *s, bool *found)
{
    if (!s->disk.read(s->disk.ctx, 0, KV_SUPER_BLOCKS, s->io + WINDOW_OFFSET)) {
        return KV_IO;
    }
    *found = false;
    for (uint32_t slot = 0; slot < KV_SUPER_BLOCKS; slot++) {
        struct kv_superblock sb;
        if (superblock_decode(s->io + WINDOW_OFFSET + slot * B, slot, s->disk.blocks,
                              KV_MIN_SEGMENT_BLOCKS, &sb) &&
            (!*found || sb.generation > s->sb.generation)) {
            s->sb = sb;
            *found = true;
        }
    }
    return KV_OK;
}

enum kv_status kv_mount(struct kv_store *s, const struct kv_disk *disk, void *io, uint32_t store_id)
{
    kv_memset(s, 0, sizeof(*s));
    index_init(&s->index);
    s->disk = *disk;
    s->io = io;
    if (disk->blocks < KV_SUPER_BLOCKS + 2 * KV_MIN_SEGMENT_BLOCKS) {
        return KV_FULL;
    }
    bool found;
    enum kv_status st = read_superblock(s, &found);
    if (st != KV_OK) {
        return st;
    }
    if (!found) {
        /* A new store (neither copy valid: the rule above keeps one valid once made). */
        uint64_t half = (disk->blocks - KV_SUPER_BLOCKS) / 2;
        s->sb = (struct kv_superblock){
            .generation = 1,
            .start_seq = 1,
            .segment_blocks = half < KV_MAX_SEGMENT_BLOCKS ? half : KV_MAX_SEGMENT_BLOCKS,
            .active = 0,
            .segment_epoch = 1,
            .store_id = store_id != 0 ? store_id : 1,
        };
        if (!write_superblock(s, &s->sb)) {
            return KV_IO;
        }
    }
    st = scan_log(s);
    if (st != KV_OK) {
        return st;
    }
    /* A new generation for this mount: records written from now on carry it, so a record
     * left beyond the tail by a commit the cut interrupted (an older epoch) can never be
     * read as continuing the records written after it. */
    struct kv_superblock next = s->sb;
    next.generation++;
    if (!write_superblock(s, &next)) {
        return KV_IO;
    }
    s->sb = next;
    s->mounted = true;
    return KV_OK;
}

/* ---- Compaction -------------------------------------------------------------------------- */

/* Write the stage's complete blocks, up to stream position `upto`, to the segment being
 * written; keep the partial block at the stage's start. *stage_base is the stream offset
 * of the stage's first byte. */
static bool stage_drain(struct kv_store *s, uint64_t target_start, uint64_t *stage_base,
                        uint64_t upto)
{
    uint32_t full = (uint32_t)((upto - *stage_base) / B);
    if (full == 0) {
        return true;
    }
    if (!write_blocks(s, target_start + *stage_base / B, full, STAGE_OFFSET)) {
        return false;
    }
    __builtin_memmove(s->io + STAGE_OFFSET, s->io + STAGE_OFFSET + full * B,
                      STAGE_BYTES - full * B);
    kv_memset(s->io + STAGE_OFFSET + STAGE_BYTES - full * B, 0, full * B);
    *stage_base += (uint64_t)full * B;
    return true;
}

/* Copy every live record into the other segment with new sequence numbers, flush it, then
 * write the superblock that names it. Until that superblock is durable the old segment
 * and superblock stay the store; nothing of theirs is written. */
static enum kv_status compact(struct kv_store *s)
{
    uint32_t target = 1 - s->sb.active;
    uint64_t target_start = segment_start(s, target), limit = segment_bytes(s);
    uint32_t epoch = (uint32_t)s->sb.generation + 1;
    uint64_t out = 0, stage_base = 0, seq = s->next_seq;
    uint32_t left = s->index.count; /* the last one copied ends the commit */
    kv_memset(s->io + STAGE_OFFSET, 0, STAGE_BYTES);
    for (uint32_t n = 0; n < KV_MAX_KEYS; n++) {
        struct kv_entry *e = &s->index.entries[n];
        if (e->key_len == 0) {
            continue;
        }
        const uint8_t *rec = NULL;
        struct kv_get_result r = read_entry(s, e, &rec);
        if (r.status != KV_OK) {
            return r.status;
        }
        uint32_t size = record_size(e->key_len, e->value_len);
        uint64_t pos = record_place(out);
        if (pos + size > limit) {
            return KV_FULL;
        }
        if (pos + size - stage_base > STAGE_BYTES &&
            !stage_drain(s, target_start, &stage_base, out)) {
            return KV_IO;
        }
        struct kv_record_header h = {
            .seq = seq++,
            .epoch = epoch,
            .kind = KV_RECORD_PUT,
            .key_len = e->key_len,
            .value_len = e->value_len,
            .store_id = s->sb.store_id,
            .flags = --left == 0 ? KV_RECORD_COMMIT_END : 0,
        };
        record_encode(s->io + STAGE_OFFSET + (pos - stage_base), h, rec + KV_RECORD_HEADER_SIZE,
                      rec + KV_RECORD_HEADER_SIZE + e->key_len);
        e->new_loc = pos;
        out = pos + size;
    }
    uint32_t rest = (uint32_t)round_up_block(out - stage_base);
    if (rest != 0 && !write_blocks(s, target_start + stage_base / B, rest, STAGE_OFFSET)) {
        return KV_IO;
    }
    if (flush_failed(s, compaction_data_flush(s))) {
        return KV_IO;
    }
    struct kv_superblock next = s->sb;
    next.generation++;
    next.active = target;
    next.start_seq = s->next_seq;
    next.segment_epoch = epoch;
    if (!write_superblock(s, &next)) {
        return KV_IO;
    }
    /* The switch is durable: the index follows it (the same order as the copy above). */
    uint64_t copied_seq = s->next_seq;
    for (uint32_t n = 0; n < KV_MAX_KEYS; n++) {
        struct kv_entry *e = &s->index.entries[n];
        if (e->key_len != 0) {
            e->loc = e->new_loc;
            e->seq = copied_seq++;
        }
    }
    s->sb = next;
    s->tail_block = round_up_block(out);
    s->next_seq = seq;
    s->compactions++;
    return KV_OK;
}

enum kv_status kv_compact(struct kv_store *s)
{
    if (!s->mounted || s->failed) {
        return KV_IO;
    }
    return compact(s);
}

/* ---- Commits ----------------------------------------------------------------------------- */

/* What the batch so far leaves of a key: the last accepted operation on it in ops[0..i),
 * else the index. Returns whether the key is present and, if so, its value length. */
static bool key_state(const struct kv_store *s, const struct kv_op *ops,
                      const struct kv_result *results, uint32_t i, uint32_t *value_len)
{
    for (uint32_t j = i; j-- > 0;) {
        if (results[j].status == KV_OK && ops[j].key_len == ops[i].key_len &&
            kv_memcmp(ops[j].key, ops[i].key, ops[i].key_len) == 0) {
            *value_len = ops[j].value_len;
            return ops[j].kind == KV_RECORD_PUT;
        }
    }
    const struct kv_entry *e = index_find((struct kv_index *)&s->index, ops[i].key, ops[i].key_len);
    if (e != NULL) {
        *value_len = e->value_len;
    }
    return e != NULL;
}

/* Decide each operation (decode, no side effects): KV_OK for those to be written. Returns
 * how many; *bytes is the commit's length. */
static uint32_t plan_batch(const struct kv_store *s, const struct kv_op *ops, uint32_t count,
                           struct kv_result *results, uint64_t *bytes)
{
    uint64_t live = s->live_bytes, pos = 0;
    uint32_t keys = s->index.count, accepted = 0;
    for (uint32_t i = 0; i < count; i++) {
        const struct kv_op *op = &ops[i];
        results[i] = (struct kv_result){KV_OK, 0};
        bool put = op->kind == KV_RECORD_PUT;
        if (op->key_len == 0 || op->key_len > KV_KEY_MAX || (put && op->value_len > KV_VALUE_MAX)) {
            results[i].status = KV_TOO_LARGE;
            continue;
        }
        if (!put && op->kind != KV_RECORD_DELETE) {
            results[i].status = KV_BAD_REQUEST;
            continue;
        }
        uint32_t old_len = 0;
        bool present = key_state(s, ops, results, i, &old_len);
        uint64_t old = present ? record_charge(op->key_len, old_len) : 0;
        if (!put) {
            if (!present) {
                results[i].status = KV_NOT_FOUND;
                continue;
            }
            live -= old;
            keys--;
        } else {
            uint64_t after = live - old + record_charge(op->key_len, op->value_len);
            if ((!present && keys >= KV_MAX_KEYS) || !live_fits(s, after)) {
                results[i].status = KV_FULL;
                continue;
            }
            live = after;
            keys += present ? 0 : 1;
        }
        pos = record_place(pos) + record_size(op->key_len, put ? op->value_len : 0);
        accepted++;
    }
    *bytes = pos;
    return accepted;
}

/* Put the accepted operations' records into the stage, numbered from next_seq. */
static void stage_batch(struct kv_store *s, const struct kv_op *ops, uint32_t count,
                        struct kv_result *results, uint64_t blocks)
{
    uint64_t pos = 0, seq = s->next_seq;
    uint32_t last = 0;
    for (uint32_t i = 0; i < count; i++) {
        last = results[i].status == KV_OK ? i : last;
    }
    kv_memset(s->io + STAGE_OFFSET, 0, blocks * B);
    for (uint32_t i = 0; i < count; i++) {
        if (results[i].status != KV_OK) {
            continue;
        }
        bool put = ops[i].kind == KV_RECORD_PUT;
        struct kv_record_header h = {
            .seq = seq,
            .epoch = (uint32_t)s->sb.generation,
            .kind = ops[i].kind,
            .key_len = (uint8_t)ops[i].key_len,
            .value_len = put ? (uint16_t)ops[i].value_len : 0,
            .store_id = s->sb.store_id,
            .flags = i == last ? KV_RECORD_COMMIT_END : 0,
        };
        pos = record_place(pos);
        record_encode(s->io + STAGE_OFFSET + pos, h, ops[i].key, ops[i].value);
        results[i].seq = seq++;
        pos += record_size(h.key_len, h.value_len);
    }
}

/* The commit is durable: record it in the index. */
static void index_batch(struct kv_store *s, const struct kv_op *ops, uint32_t count,
                        const struct kv_result *results)
{
    uint64_t pos = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (results[i].status != KV_OK) {
            continue;
        }
        struct kv_record_header h = {
            .seq = results[i].seq,
            .kind = ops[i].kind,
            .key_len = (uint8_t)ops[i].key_len,
            .value_len = ops[i].kind == KV_RECORD_PUT ? (uint16_t)ops[i].value_len : 0,
        };
        pos = record_place(pos);
        /* Cannot fail: plan_batch() counted the keys. */
        (void)replay(s, &h, ops[i].key, s->tail_block * B + pos);
        pos += record_size(h.key_len, h.value_len);
        s->next_seq = h.seq + 1;
    }
}

/* One batch of at most KV_BATCH_MAX operations: plan, make room, write, flush, then ack. */
static void apply_batch(struct kv_store *s, const struct kv_op *ops, uint32_t count,
                        struct kv_result *results)
{
    uint64_t bytes;
    if (plan_batch(s, ops, count, results, &bytes) == 0) {
        return;
    }
    uint64_t blocks = round_up_block(bytes);
    enum kv_status st = KV_OK;
    if (s->tail_block + blocks > s->sb.segment_blocks) {
        st = compact(s);
        if (st == KV_OK && s->tail_block + blocks > s->sb.segment_blocks) {
            st = KV_FULL; /* only where the limits changed since the records were written */
        }
    }
    if (st == KV_OK) {
        stage_batch(s, ops, count, results, blocks);
        if (!write_blocks(s, segment_start(s, s->sb.active) + s->tail_block, (uint32_t)blocks,
                          STAGE_OFFSET) ||
            flush_failed(s, commit_flush(s))) {
            st = KV_IO;
        }
    }
    if (st != KV_OK) {
        for (uint32_t i = 0; i < count; i++) {
            if (results[i].status == KV_OK) {
                results[i] = (struct kv_result){st, 0};
            }
        }
        return;
    }
    index_batch(s, ops, count, results);
    s->tail_block += blocks;
}

void kv_apply(struct kv_store *s, const struct kv_op *ops, uint32_t count,
              struct kv_result *results)
{
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < KV_BATCH_MAX ? count - done : KV_BATCH_MAX;
        if (!s->mounted || s->failed) {
            for (uint32_t i = 0; i < n; i++) {
                results[done + i] = (struct kv_result){KV_IO, 0};
            }
        } else {
            apply_batch(s, ops + done, n, results + done);
        }
        done += n;
    }
}

struct kv_result kv_put(struct kv_store *s, const uint8_t *key, uint32_t key_len,
                        const uint8_t *value, uint32_t value_len)
{
    struct kv_op op = {KV_RECORD_PUT, key_len, value_len, key, value};
    struct kv_result r;
    kv_apply(s, &op, 1, &r);
    return r;
}

struct kv_result kv_delete(struct kv_store *s, const uint8_t *key, uint32_t key_len)
{
    struct kv_op op = {KV_RECORD_DELETE, key_len, 0, key, NULL};
    struct kv_result r;
    kv_apply(s, &op, 1, &r);
    return r;
}

/* ---- Inspection -------------------------------------------------------------------------- */

struct kv_stats kv_stats(const struct kv_store *s)
{
    return (struct kv_stats){
        .keys = s->index.count,
        .live_bytes = s->live_bytes,
        .capacity_bytes = segment_bytes(s),
        .next_seq = s->next_seq,
        .generation = s->sb.generation,
        .tail_blocks = s->tail_block,
        .mount_records = s->mount_records,
        .compactions = s->compactions,
    };
}

const struct kv_entry *kv_next_key(const struct kv_store *s, uint32_t *cursor)
{
    while (*cursor < KV_MAX_KEYS) {
        const struct kv_entry *e = &s->index.entries[(*cursor)++];
        if (e->key_len != 0) {
            return e;
        }
    }
    return NULL;
}

bool kv_check(struct kv_store *s)
{
    if (!s->mounted || !index_check(&s->index) || s->tail_block > s->sb.segment_blocks) {
        return false;
    }
    uint64_t live = 0;
    for (uint32_t n = 0; n < KV_MAX_KEYS; n++) {
        const struct kv_entry *e = &s->index.entries[n];
        if (e->key_len == 0) {
            continue;
        }
        live += record_charge(e->key_len, e->value_len);
        const uint8_t *rec;
        if (e->seq >= s->next_seq || e->seq < s->sb.start_seq ||
            read_entry(s, e, &rec).status != KV_OK) {
            return false;
        }
    }
    return live == s->live_bytes;
}
