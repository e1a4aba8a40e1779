/*
 * Host tests of the store's core (suite kvstore-host; ASan and UBSan).
 *
 *   test-kvstore [RUNS [FIRST]]    unit tests, hostile bytes, then RUNS random workloads
 *                                  (default 1500; seeds FIRST onward) with power cuts on
 *                                  the simulated disk
 *   test-kvstore-broken-* [RUNS]   the same workloads against a deliberately broken build
 *                                  of store.c; passes only if the checks catch a loss
 *
 * The workload checker: every operation reported KV_OK must be present after each power
 * cut and recovery (or a later operation on that key that was begun), no value may differ
 * from what was written for it, sequence numbers of acknowledged operations increase, and
 * kv_check()'s invariants hold.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../crc32c.h"
#include "../index.h"
#include "../record.h"
#include "../store.h"
#include "../superblock.h"
#include "simdisk.h"

#define SUITE "kvstore-host"

static int failures;
static int violations; /* checker findings in the workloads */
static bool quiet_violations;

static void fail(const char *test, const char *fmt, ...)
{
    va_list ap;
    printf("FAIL: " SUITE "/%s: ", test);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    failures++;
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail(__func__, __VA_ARGS__);                                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void pass(const char *test)
{
    printf("PASS: " SUITE "/%s\n", test);
}

static uint8_t io_area[KV_IO_BYTES];
static struct kv_store store;

/* ---- CRC32C --------------------------------------------------------------------------- */

static void test_crc32c_vectors(void)
{
    uint8_t buf[32];
    CHECK(crc32c(0, "123456789", 9) == 0xe3069283u, "check value");
    memset(buf, 0, sizeof(buf));
    CHECK(crc32c(0, buf, 32) == 0x8a9136aau, "32 zero bytes (RFC 3720)");
    memset(buf, 0xff, sizeof(buf));
    CHECK(crc32c(0, buf, 32) == 0x62a8ab43u, "32 0xff bytes (RFC 3720)");
    for (int i = 0; i < 32; i++) {
        buf[i] = (uint8_t)i;
    }
    CHECK(crc32c(0, buf, 32) == 0x46dd794eu, "ascending bytes (RFC 3720)");
    CHECK(crc32c(crc32c(0, buf, 10), buf + 10, 22) == 0x46dd794eu, "continued");
    CHECK(crc32c(0, buf, 0) == 0, "empty");
    pass(__func__);
}

/* ---- Records and superblocks against hostile bytes ------------------------------------ */

static void test_record_roundtrip_and_flips(void)
{
    uint8_t key[KV_KEY_MAX], value[KV_VALUE_MAX], rec[KV_RECORD_MAX_SIZE];
    uint64_t rng = 88172645463325252ull;
    for (int round = 0; round < 200; round++) {
        uint32_t kl = 1 + (uint32_t)(simdisk_rand(&rng) % KV_KEY_MAX);
        uint32_t vl = (uint32_t)(simdisk_rand(&rng) % (KV_VALUE_MAX + 1));
        for (uint32_t i = 0; i < kl; i++) {
            key[i] = (uint8_t)simdisk_rand(&rng);
        }
        for (uint32_t i = 0; i < vl; i++) {
            value[i] = (uint8_t)simdisk_rand(&rng);
        }
        struct kv_record_header h = {.seq = simdisk_rand(&rng),
                                     .epoch = 7,
                                     .kind = KV_RECORD_PUT,
                                     .key_len = (uint8_t)kl,
                                     .value_len = (uint16_t)vl,
                                     .store_id = 0x1234};
        record_encode(rec, h, key, value);
        struct kv_record_header d;
        CHECK(record_header_decode(rec, &d) && record_payload_check(rec, &d), "round %d", round);
        CHECK(d.seq == h.seq && d.key_len == kl && d.value_len == vl && d.epoch == 7 &&
                  d.store_id == 0x1234 && memcmp(rec + 32, key, kl) == 0,
              "fields");
        /* Every single-bit error is caught by the magic, the field checks or the CRC. */
        uint32_t size = record_size(kl, vl);
        for (uint32_t bit = 0; bit < size * 8; bit += 1 + (uint32_t)(simdisk_rand(&rng) % 7)) {
            rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            bool ok = record_header_decode(rec, &d) && record_payload_check(rec, &d) &&
                      record_size(d.key_len, d.value_len) == size;
            rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            CHECK(!ok, "a flip of bit %u of %u bytes went unnoticed", bit, size);
        }
    }
    pass(__func__);
}

static void test_record_header_fuzz(void)
{
    uint8_t hdr[KV_RECORD_HEADER_SIZE];
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    uint32_t accepted = 0;
    for (int round = 0; round < 2000000; round++) {
        for (uint32_t i = 0; i < sizeof(hdr); i++) {
            hdr[i] = (uint8_t)simdisk_rand(&rng);
        }
        if (round % 2) { /* a real magic and reserved word, the rest hostile */
            memcpy(hdr, "KVR1", 4);
            memset(hdr + 28, 0, 4);
            if (round % 4 == 1) {
                hdr[21] = (uint8_t)(hdr[21] % 80);
                hdr[23] = (uint8_t)(hdr[23] % 6);
            }
        }
        struct kv_record_header h;
        if (!record_header_decode(hdr, &h)) {
            continue;
        }
        accepted++;
        CHECK(h.key_len >= 1 && h.key_len <= KV_KEY_MAX && h.value_len <= KV_VALUE_MAX &&
                  (h.kind == KV_RECORD_PUT || (h.kind == KV_RECORD_DELETE && h.value_len == 0)),
              "accepted a header with key %u value %u kind %u", h.key_len, h.value_len, h.kind);
    }
    CHECK(accepted > 0, "the fuzz never produced a well-formed header");
    pass(__func__);
}

static void test_superblock_hostile(void)
{
    uint8_t b[KV_SUPER_SIZE];
    struct kv_superblock sb = {.generation = 5,
                               .start_seq = 9,
                               .segment_blocks = 10,
                               .active = 1,
                               .segment_epoch = 4,
                               .store_id = 77},
                         d;
    superblock_encode(b, &sb);
    CHECK(superblock_decode(b, 1, 22, 8, &d) && d.generation == 5 && d.active == 1 &&
              d.segment_blocks == 10 && d.store_id == 77,
          "round trip");
    CHECK(!superblock_decode(b, 0, 22, 8, &d), "wrong slot parity accepted");
    CHECK(!superblock_decode(b, 1, 21, 8, &d), "segments beyond the disk accepted");
    for (uint32_t bit = 0; bit < KV_SUPER_SIZE * 8; bit++) {
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECK(!superblock_decode(b, 1, 22, 8, &d), "flip of bit %u accepted", bit);
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    /* Hostile fields with a correct checksum: only consistent ones pass. */
    uint64_t rng = 1234567;
    for (int round = 0; round < 200000; round++) {
        for (uint32_t i = 0; i < KV_SUPER_SIZE; i++) {
            b[i] = (uint8_t)simdisk_rand(&rng);
        }
        memcpy(b, "KVSB", 4);
        b[4] = 1, b[5] = b[6] = b[7] = 0;
        memset(b + 44, 0, 16);
        if (round % 2) {
            memset(b + 12, 0, 4), memset(b + 20, 0, 4), memset(b + 25, 0, 7);
            b[33] = b[34] = b[35] = 0, b[32] &= 1, b[37] = b[38] = b[39] = 0;
        }
        uint32_t crc = crc32c(0, b, 60);
        memcpy(b + 60, &crc, 4);
        uint64_t disk = 2 + simdisk_rand(&rng) % 600;
        if (superblock_decode(b, (uint32_t)(round & 1), disk, 8, &d)) {
            CHECK(d.active <= 1 && 2 + 2 * d.segment_blocks <= disk && d.segment_blocks >= 8 &&
                      d.generation % 2 == (uint64_t)(round & 1) &&
                      d.segment_epoch <= d.generation && d.start_seq > 0,
                  "accepted an inconsistent superblock");
        }
    }
    pass(__func__);
}

/* ---- The index against a plain model ------------------------------------------------- */

static void test_index_model(void)
{
    static struct kv_index idx;
    static bool held[3000];
    uint64_t rng = 42;
    index_init(&idx);
    uint32_t count = 0;
    for (int step = 0; step < 200000; step++) {
        uint32_t k = (uint32_t)(simdisk_rand(&rng) % 3000);
        char key[16];
        int len = snprintf(key, sizeof(key), "%u", k);
        struct kv_entry *e = index_find(&idx, (const uint8_t *)key, (uint32_t)len);
        CHECK((e != NULL) == held[k], "step %d: key %u held %d found %d", step, k, held[k],
              e != NULL);
        if (e != NULL && simdisk_rand(&rng) % 2) {
            index_remove(&idx, e);
            held[k] = false;
            count--;
        } else if (e == NULL) {
            e = index_insert(&idx, (const uint8_t *)key, (uint32_t)len);
            CHECK((e == NULL) == (count == KV_MAX_KEYS), "insert with %u held", count);
            if (e != NULL) {
                held[k] = true;
                count++;
            }
        }
        if (step % 997 == 0) {
            CHECK(index_check(&idx) && idx.count == count, "invariants at step %d", step);
        }
    }
    CHECK(index_check(&idx), "invariants at the end");
    pass(__func__);
}

/* ---- Values the workloads write --------------------------------------------------------- */

static uint32_t value_fill(uint32_t key, uint32_t version, uint32_t max_len, uint8_t *out)
{
    uint64_t seed = ((uint64_t)key << 32 | version) * 0x9e3779b97f4a7c15ull + 1;
    uint64_t r = simdisk_rand(&seed);
    uint32_t len;
    switch (r % 6) {
    case 0:
        len = 0;
        break;
    case 1:
        len = max_len;
        break;
    default:
        len = (uint32_t)((r >> 8) % (max_len + 1));
        break;
    }
    for (uint32_t i = 0; i < len; i++) {
        out[i] = (uint8_t)simdisk_rand(&seed);
    }
    return len;
}

static uint32_t key_name(uint32_t key, uint8_t *out)
{
    int n = snprintf((char *)out, KV_KEY_MAX + 1, "k%u", key);
    uint32_t len = (uint32_t)n + (key * 7) % (KV_KEY_MAX - 8);
    memset(out + n, 'a' + (int)(key % 26), len - (uint32_t)n);
    return len;
}

/* ---- Basic behaviour ------------------------------------------------------------------ */

static void test_store_basic(void)
{
    struct simdisk d;
    simdisk_init(&d, 2 + 2 * 64);
    struct kv_disk disk = simdisk_kv_disk(&d);
    uint8_t key[KV_KEY_MAX + 1], value[KV_VALUE_MAX + 1], got[KV_VALUE_MAX];
    CHECK(kv_mount(&store, &disk, io_area, 99) == KV_OK, "mount of an empty disk");
    CHECK(kv_stats(&store).keys == 0, "an empty store");
    memcpy(key, "alpha", 5);
    memset(value, 'v', sizeof(value));
    struct kv_result r = kv_put(&store, key, 5, value, 10);
    CHECK(r.status == KV_OK && r.seq >= 1, "put");
    struct kv_get_result g = kv_get(&store, key, 5, got);
    CHECK(g.status == KV_OK && g.value_len == 10 && memcmp(got, value, 10) == 0, "get");
    CHECK(kv_put(&store, key, 5, value, KV_VALUE_MAX + 1).status == KV_TOO_LARGE, "value limit");
    CHECK(kv_put(&store, key, 0, value, 1).status == KV_TOO_LARGE, "empty key");
    CHECK(kv_put(&store, key, KV_KEY_MAX + 1, value, 1).status == KV_TOO_LARGE, "key limit");
    CHECK(kv_delete(&store, (const uint8_t *)"beta", 4).status == KV_NOT_FOUND, "delete absent");
    CHECK(kv_get(&store, (const uint8_t *)"beta", 4, got).status == KV_NOT_FOUND, "get absent");
    CHECK(kv_put(&store, key, 5, value, 0).status == KV_OK, "empty value");
    CHECK(kv_get(&store, key, 5, got).value_len == 0, "empty value read");
    CHECK(kv_delete(&store, key, 5).status == KV_OK, "delete");
    CHECK(kv_get(&store, key, 5, got).status == KV_NOT_FOUND, "deleted");
    /* A batch: put, overwrite, delete of one key and others, one flush. */
    struct kv_op ops[3] = {{KV_RECORD_PUT, 1, 3, (const uint8_t *)"x", value},
                           {KV_RECORD_PUT, 1, 4, (const uint8_t *)"x", value},
                           {KV_RECORD_DELETE, 1, 0, (const uint8_t *)"y", NULL}};
    struct kv_result rs[3];
    kv_apply(&store, ops, 3, rs);
    CHECK(rs[0].status == KV_OK && rs[1].status == KV_OK && rs[1].seq == rs[0].seq + 1 &&
              rs[2].status == KV_NOT_FOUND,
          "batch");
    CHECK(kv_get(&store, (const uint8_t *)"x", 1, got).value_len == 4, "batch's last put wins");
    /* Fill the keys: the one beyond KV_MAX_KEYS is refused. */
    uint32_t held = kv_stats(&store).keys;
    for (uint32_t k = 0; held < KV_MAX_KEYS; k++, held++) {
        uint32_t kl = (uint32_t)snprintf((char *)key, sizeof(key), "key%u", k);
        CHECK(kv_put(&store, key, kl, value, 1).status == KV_OK, "key %u", k);
    }
    CHECK(kv_put(&store, (const uint8_t *)"onemore", 7, value, 1).status == KV_FULL, "keys full");
    CHECK(kv_check(&store), "invariants");
    CHECK(kv_mount(&store, &disk, io_area, 99) == KV_OK && kv_stats(&store).keys == KV_MAX_KEYS,
          "remount");
    CHECK(kv_get(&store, (const uint8_t *)"x", 1, got).value_len == 4, "after remount");
    CHECK(kv_check(&store), "invariants after remount");
    simdisk_free(&d);
    pass(__func__);
}

/* Fill with large values until KV_FULL: nothing acknowledged is lost, deletes still work,
 * and the space comes back after them. */
static void test_store_full(void)
{
    struct simdisk d;
    simdisk_init(&d, 2 + 2 * 12);
    struct kv_disk disk = simdisk_kv_disk(&d);
    uint8_t key[KV_KEY_MAX + 1], value[KV_VALUE_MAX], got[KV_VALUE_MAX];
    CHECK(kv_mount(&store, &disk, io_area, 5) == KV_OK, "mount");
    uint32_t k = 0;
    for (;; k++) {
        uint32_t kl = key_name(k, key);
        uint32_t vl = value_fill(k, 1, KV_VALUE_MAX, value);
        struct kv_result r = kv_put(&store, key, kl, value, vl);
        if (r.status == KV_FULL) {
            break;
        }
        CHECK(r.status == KV_OK && k < 1000, "put %u: %d", k, r.status);
    }
    for (int again = 0; again < 50; again++) { /* overwrites of the same size keep working */
        uint32_t kl = key_name(0, key);
        uint32_t vl = value_fill(0, 1, KV_VALUE_MAX, value);
        CHECK(kv_put(&store, key, kl, value, vl).status == KV_OK, "overwrite %d", again);
    }
    CHECK(kv_check(&store), "invariants when full");
    for (uint32_t i = 0; i < k; i++) {
        uint32_t kl = key_name(i, key);
        uint32_t vl = value_fill(i, 1, KV_VALUE_MAX, value);
        struct kv_get_result g = kv_get(&store, key, kl, got);
        CHECK(g.status == KV_OK && g.value_len == vl && memcmp(got, value, vl) == 0, "key %u", i);
    }
    for (uint32_t i = 0; i < k; i++) {
        uint32_t kl = key_name(i, key);
        CHECK(kv_delete(&store, key, kl).status == KV_OK, "delete %u when full", i);
    }
    CHECK(kv_stats(&store).keys == 0 && kv_check(&store), "empty again");
    uint32_t kl = key_name(1, key);
    CHECK(kv_put(&store, key, kl, value, KV_VALUE_MAX).status == KV_OK, "room again");
    simdisk_free(&d);
    pass(__func__);
}

/* ---- Recovery over garbage ------------------------------------------------------------- */

/* Whether a value read back is one that was written for this key. */
static bool value_was_written(uint32_t key, uint32_t versions, uint32_t max_len, const uint8_t *got,
                              uint32_t len)
{
    uint8_t v[KV_VALUE_MAX];
    for (uint32_t ver = 1; ver <= versions; ver++) {
        uint32_t vl = value_fill(key, ver, max_len, v);
        if (vl == len && memcmp(v, got, len) == 0) {
            return true;
        }
    }
    return false;
}

static void test_recovery_garbage(void)
{
    uint64_t rng = 7;
    uint8_t key[KV_KEY_MAX + 1], value[KV_VALUE_MAX], got[KV_VALUE_MAX];
    for (int round = 0; round < 300; round++) {
        struct simdisk d;
        uint64_t seg = 8 + simdisk_rand(&rng) % 16;
        simdisk_init(&d, 2 + 2 * seg);
        struct kv_disk disk = simdisk_kv_disk(&d);
        uint32_t versions = 0;
        if (round % 3 != 0) { /* a real log first, with overwrites and compactions */
            CHECK(kv_mount(&store, &disk, io_area, (uint32_t)round + 1) == KV_OK, "mount");
            for (versions = 1; versions <= 40; versions++) {
                for (uint32_t k = 0; k < 8; k++) {
                    uint32_t kl = key_name(k, key);
                    uint32_t vl = value_fill(k, versions, 300, value);
                    (void)kv_put(&store, key, kl, value, vl);
                }
            }
            versions--;
        }
        /* Then garbage: the whole disk, or random bytes and bit flips in places. */
        uint64_t bytes = d.blocks * KV_BLOCK_SIZE;
        uint32_t damage =
            round % 3 == 0 ? (uint32_t)bytes : 1 + (uint32_t)(simdisk_rand(&rng) % 40);
        for (uint32_t i = 0; i < damage; i++) {
            uint64_t at = round % 3 == 0 ? i : simdisk_rand(&rng) % bytes;
            if (round % 3 == 2 && at < 2 * KV_BLOCK_SIZE) {
                continue; /* keep the superblocks: garbage in the log itself */
            }
            uint8_t flipped = (uint8_t)(d.durable[at] ^ (1u << (i % 8)));
            d.durable[at] = round % 3 == 1 ? flipped : (uint8_t)simdisk_rand(&rng);
        }
        enum kv_status st = kv_mount(&store, &disk, io_area, 1);
        CHECK(st == KV_OK, "round %d: mount over garbage: %d", round, st);
        CHECK(kv_check(&store), "round %d: invariants over garbage", round);
        uint32_t cursor = 0;
        for (const struct kv_entry *e; (e = kv_next_key(&store, &cursor)) != NULL;) {
            struct kv_get_result g = kv_get(&store, e->key, e->key_len, got);
            CHECK(g.status == KV_OK, "round %d: an indexed key does not read back", round);
            char name[KV_KEY_MAX + 1] = {0};
            memcpy(name, e->key, e->key_len);
            uint32_t k = (uint32_t)strtoul(name + 1, NULL, 10);
            CHECK(e->key[0] == 'k' && k < 8 && key_name(k, key) == e->key_len &&
                      memcmp(key, e->key, e->key_len) == 0 &&
                      value_was_written(k, versions, 300, got, g.value_len),
                  "round %d: a value that was never written", round);
        }
        /* The store goes on working over what is left. */
        CHECK(kv_put(&store, (const uint8_t *)"after", 5, value, 100).status == KV_OK,
              "round %d: put after recovery", round);
        simdisk_free(&d);
    }
    pass(__func__);
}

/* ---- Power cuts ------------------------------------------------------------------------ */

#define W_KEYS    64u
#define W_PENDING 32u

struct key_state {
    bool present;
    uint32_t version;
};

struct key_model {
    struct key_state acked;
    struct key_state pending[W_PENDING]; /* begun after the last ack, not acknowledged */
    uint32_t pending_count;
};

struct workload {
    struct simdisk disk;
    struct kv_disk kv_disk;
    struct key_model keys[W_KEYS];
    uint32_t key_count, value_max, next_version;
    uint64_t last_acked_seq;
    uint64_t rng;
    const char *what; /* the run's description, for messages */
};

struct totals {
    uint64_t runs, ops, acked, cuts, cuts_in_compaction, cuts_in_mount, torn, lost, compactions;
    uint64_t full_refusals;
};
static struct totals totals;

static void violation(struct workload *w, const char *fmt, ...)
{
    violations++;
    if (quiet_violations && violations > 1) {
        return;
    }
    va_list ap;
    printf("%s: %s: ", quiet_violations ? "caught" : "FAIL: " SUITE "/power_cuts", w->what);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!quiet_violations) {
        failures++;
    }
}

static bool state_matches(const struct workload *w, uint32_t k, struct key_state st, bool present,
                          const uint8_t *got, uint32_t len)
{
    if (st.present != present) {
        return false;
    }
    if (!present) {
        return true;
    }
    uint8_t v[KV_VALUE_MAX];
    uint32_t vl = value_fill(k, st.version, w->value_max, v);
    return vl == len && memcmp(v, got, len) == 0;
}

/* After a recovery: every key holds its acknowledged state or a begun later one. The
 * model then becomes what was found. */
static void verify_recovered(struct workload *w)
{
    uint8_t key[KV_KEY_MAX + 1], got[KV_VALUE_MAX];
    uint32_t present_keys = 0;
    if (!kv_check(&store)) {
        violation(w, "invariants broken after recovery");
    }
    if (kv_stats(&store).next_seq <= w->last_acked_seq) {
        violation(w, "next seq %llu not above the last acknowledged %llu",
                  (unsigned long long)kv_stats(&store).next_seq,
                  (unsigned long long)w->last_acked_seq);
    }
    for (uint32_t k = 0; k < W_KEYS; k++) {
        struct key_model *m = &w->keys[k];
        uint32_t kl = key_name(k, key);
        struct kv_get_result g = kv_get(&store, key, kl, got);
        if (g.status != KV_OK && g.status != KV_NOT_FOUND) {
            violation(w, "key %u reads back with status %d", k, g.status);
            continue;
        }
        bool present = g.status == KV_OK;
        present_keys += present;
        struct key_state found = {present, 0};
        bool ok = state_matches(w, k, m->acked, present, got, g.value_len);
        if (ok) {
            found = m->acked;
        }
        for (uint32_t p = 0; !ok && p < m->pending_count; p++) {
            ok = state_matches(w, k, m->pending[p], present, got, g.value_len);
            found = m->pending[p];
        }
        if (!ok) {
            violation(w, "key %u: acknowledged %s (version %u) but found %s (%u bytes)", k,
                      m->acked.present ? "present" : "absent", m->acked.version,
                      present ? "a value" : "nothing", g.value_len);
            found = (struct key_state){present, 0};
        }
        m->acked = found;
        m->pending_count = 0;
    }
    if (kv_stats(&store).keys != present_keys) {
        violation(w, "the store holds %u keys, the workload's are %u", kv_stats(&store).keys,
                  present_keys);
    }
}

/* One batch of random operations; the model learns what was acknowledged and begun. */
static void random_batch(struct workload *w)
{
    uint32_t n = 1 + (uint32_t)(simdisk_rand(&w->rng) % (simdisk_rand(&w->rng) % 8 ? 4 : 12));
    static uint8_t keys[12][KV_KEY_MAX + 1], values[12][KV_VALUE_MAX];
    struct kv_op ops[12];
    struct kv_result results[12];
    uint32_t which[12], versions[12];
    for (uint32_t i = 0; i < n; i++) {
        which[i] = (uint32_t)(simdisk_rand(&w->rng) % w->key_count);
        bool put = simdisk_rand(&w->rng) % 100 < 65;
        versions[i] = put ? ++w->next_version : 0;
        uint32_t kl = key_name(which[i], keys[i]);
        uint32_t vl = put ? value_fill(which[i], versions[i], w->value_max, values[i]) : 0;
        ops[i] = (struct kv_op){put ? KV_RECORD_PUT : KV_RECORD_DELETE, kl, vl, keys[i], values[i]};
    }
    bool was_failed = store.failed;
    kv_apply(&store, ops, n, results);
    totals.ops += n;
    for (uint32_t i = 0; i < n; i++) {
        struct key_model *m = &w->keys[which[i]];
        struct key_state st = {ops[i].kind == KV_RECORD_PUT, versions[i]};
        switch (results[i].status) {
        case KV_OK:
            if (results[i].seq <= w->last_acked_seq) {
                violation(w, "acknowledged seq %llu after %llu", (unsigned long long)results[i].seq,
                          (unsigned long long)w->last_acked_seq);
            }
            w->last_acked_seq = results[i].seq;
            m->acked = st;
            m->pending_count = 0;
            totals.acked++;
            break;
        case KV_IO:
            if (!was_failed && m->pending_count < W_PENDING) {
                m->pending[m->pending_count++] = st;
            }
            break;
        case KV_NOT_FOUND:
            if (m->acked.present && m->pending_count == 0) {
                violation(w, "delete of a held key %u refused as not found", which[i]);
            }
            break;
        case KV_FULL:
            totals.full_refusals++;
            break;
        default:
            violation(w, "operation refused with %d", results[i].status);
            break;
        }
    }
}

/* Reads while the power is on must give exactly the acknowledged state. */
static void random_reads(struct workload *w)
{
    uint8_t key[KV_KEY_MAX + 1], got[KV_VALUE_MAX];
    for (int i = 0; i < 3; i++) {
        uint32_t k = (uint32_t)(simdisk_rand(&w->rng) % w->key_count);
        const struct key_model *m = &w->keys[k];
        if (m->pending_count != 0) {
            continue;
        }
        struct kv_get_result g = kv_get(&store, key, key_name(k, key), got);
        if (g.status == KV_IO && w->disk.dead) {
            continue;
        }
        if (!state_matches(w, k, m->acked, g.status == KV_OK, got, g.value_len)) {
            violation(w, "key %u reads back other than acknowledged (status %d)", k, g.status);
        }
    }
}

/* Whether the writes the cut may keep or lose include the segment that is not live (the
 * cut came during a compaction). */
static bool cut_in_compaction(const struct workload *w)
{
    uint64_t other = KV_SUPER_BLOCKS + (1 - store.sb.active) * store.sb.segment_blocks;
    for (uint32_t c = 0; c < w->disk.cached; c++) {
        uint64_t b = w->disk.cache[c].block;
        if (b >= other && b < other + store.sb.segment_blocks) {
            return true;
        }
    }
    return false;
}

/* Cut the power, then mount (perhaps cut during the mount too) until it succeeds. */
static void cut_and_recover(struct workload *w)
{
    totals.cuts++;
    totals.cuts_in_compaction += cut_in_compaction(w);
    totals.compactions += store.compactions;
    simdisk_power_cut(&w->disk, &w->rng);
    for (int attempt = 0;; attempt++) {
        if (attempt < 3 && simdisk_rand(&w->rng) % 4 == 0) {
            simdisk_arm(&w->disk, simdisk_rand(&w->rng) % 12);
        }
        enum kv_status st = kv_mount(&store, &w->kv_disk, io_area, 1);
        if (st == KV_OK) {
            break;
        }
        if (st != KV_IO || !w->disk.dead) {
            violation(w, "mount failed with %d", st);
            return;
        }
        totals.cuts++;
        totals.cuts_in_mount++;
        simdisk_power_cut(&w->disk, &w->rng);
    }
    simdisk_arm(&w->disk, UINT64_MAX);
    verify_recovered(w);
}

static void run_workload(uint64_t seed)
{
    static struct workload w;
    char what[64];
    memset(&w, 0, sizeof(w));
    w.rng = seed * 2654435761u + 1;
    snprintf(what, sizeof(what), "run %llu", (unsigned long long)seed);
    w.what = what;
    uint64_t seg = 8 + simdisk_rand(&w.rng) % 40;
    simdisk_init(&w.disk, 2 + 2 * seg + simdisk_rand(&w.rng) % 3);
    w.kv_disk = simdisk_kv_disk(&w.disk);
    w.value_max = simdisk_rand(&w.rng) % 3 == 0 ? 64 : KV_VALUE_MAX;
    w.key_count = 4 + (uint32_t)(simdisk_rand(&w.rng) % (W_KEYS - 3));
    if (kv_mount(&store, &w.kv_disk, io_area, (uint32_t)seed + 1) != KV_OK) {
        violation(&w, "mount of a new disk failed");
        simdisk_free(&w.disk);
        return;
    }
    for (int cycle = 0; cycle < 3; cycle++) {
        if (simdisk_rand(&w.rng) % 8 != 0) {
            simdisk_arm(&w.disk, simdisk_rand(&w.rng) % 700);
        }
        for (int step = 0; step < 120 && !store.failed; step++) {
            uint64_t r = simdisk_rand(&w.rng) % 100;
            if (r < 3) {
                if (r == 0) { /* a cut in the middle of this compaction, most likely */
                    simdisk_arm(&w.disk, simdisk_rand(&w.rng) % 24);
                }
                enum kv_status st = kv_compact(&store);
                if (st != KV_OK && st != KV_IO && st != KV_FULL) {
                    violation(&w, "compaction failed with %d", st);
                }
            } else if (r < 10) {
                random_reads(&w);
            } else if (r < 12) {
                if (!kv_check(&store) && !w.disk.dead) {
                    violation(&w, "invariants broken while running");
                }
            } else {
                random_batch(&w);
            }
        }
        cut_and_recover(&w);
    }
    totals.runs++;
    totals.torn += w.disk.torn_writes;
    totals.lost += w.disk.lost_writes;
    simdisk_free(&w.disk);
}

static void test_power_cuts(uint64_t first, uint64_t runs)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int before = failures;
    for (uint64_t i = first; i < first + runs && failures - before < 5; i++) {
        run_workload(i);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("power cuts: %llu runs, %llu operations (%llu acknowledged, %llu refused full), "
           "%llu cuts (%llu during compaction, %llu during mount), %llu writes torn, %llu lost, "
           "%llu compactions, %.1f s\n",
           (unsigned long long)totals.runs, (unsigned long long)totals.ops,
           (unsigned long long)totals.acked, (unsigned long long)totals.full_refusals,
           (unsigned long long)totals.cuts, (unsigned long long)totals.cuts_in_compaction,
           (unsigned long long)totals.cuts_in_mount, (unsigned long long)totals.torn,
           (unsigned long long)totals.lost, (unsigned long long)totals.compactions, secs);
    if (failures == before) {
        if (totals.cuts_in_compaction == 0 || totals.cuts_in_mount == 0 ||
            totals.compactions == 0) {
            fail(__func__, "the workloads never cut during a compaction or a mount");
            return;
        }
        pass(__func__);
    }
}

/* A broken build: the same workloads must find a violation. */
static int run_broken(const char *name, uint64_t runs)
{
    quiet_violations = true;
    for (uint64_t i = 0; i < runs && violations == 0; i++) {
        run_workload(i);
    }
    if (violations == 0) {
        printf("FAIL: " SUITE "/broken_%s_caught: %llu runs found no loss\n", name,
               (unsigned long long)totals.runs);
        return 1;
    }
    printf("PASS: " SUITE "/broken_%s_caught (after %llu runs)\n", name,
           (unsigned long long)totals.runs);
    return 0;
}

/* Which broken build of store.c this is (none: the real one). */
#if defined(KV_BROKEN_ACK_BEFORE_FLUSH)
static const char *broken_variant = "ack_before_flush";
#elif defined(KV_BROKEN_SUPER_BEFORE_DATA)
static const char *broken_variant = "super_before_data";
#else
static const char *broken_variant = NULL;
#endif

int main(int argc, char **argv)
{
    uint64_t runs = argc > 1 ? strtoull(argv[1], NULL, 0) : 1500;
    if (broken_variant != NULL) {
        return run_broken(broken_variant, argc > 1 ? runs : 5000);
    }
    test_crc32c_vectors();
    test_record_roundtrip_and_flips();
    test_record_header_fuzz();
    test_superblock_hostile();
    test_index_model();
    test_store_basic();
    test_store_full();
    test_recovery_garbage();
    test_power_cuts(argc > 2 ? strtoull(argv[2], NULL, 0) : 0, runs);
    return failures != 0;
}
