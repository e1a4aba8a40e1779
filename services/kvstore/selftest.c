/*
 * The self-test workload (selftest.h). Values are derived from a seed that the value
 * itself starts with (8 bytes, little-endian), so a boot can check every value it
 * recovered without knowing the history: its length and bytes must be the seed's.
 */
#include "selftest.h"

#include <libbastion/pd.h>
#include <libbastion/printf.h>

#include "bytes.h"
#include "crc32c.h"

#define BOOT_KEY     "boot"
#define BOOT_KEY_LEN 4u
#define SEED_BYTES   8u
#define VALUE_SPREAD 600u /* values are 8 to 8 + VALUE_SPREAD - 1 bytes */

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* The value of a seed: its length, and its bytes into out (KV_VALUE_MAX). */
static uint32_t value_of_seed(uint64_t seed, uint8_t *out)
{
    uint64_t state = seed | 1;
    uint32_t len = SEED_BYTES + (uint32_t)(next_random(&state) % VALUE_SPREAD);
    le64_store(out, seed);
    for (uint32_t i = SEED_BYTES; i < len; i++) {
        out[i] = (uint8_t)next_random(&state);
    }
    return len;
}

/* A key as text when it is printable, else as hex (each line is one bst_printf, so that
 * another PD's output cannot split it). */
static const char *key_text(const uint8_t *key, uint32_t len)
{
    static char text[2 * KV_KEY_MAX + 3];
    bool printable = true;
    for (uint32_t i = 0; i < len; i++) {
        printable = printable && key[i] > 0x20 && key[i] < 0x7f;
    }
    if (printable) {
        kv_memcpy(text, key, len);
        text[len] = 0;
        return text;
    }
    static const char hex[] = "0123456789abcdef";
    text[0] = '0', text[1] = 'x';
    for (uint32_t i = 0; i < len; i++) {
        text[2 + 2 * i] = hex[key[i] >> 4];
        text[3 + 2 * i] = hex[key[i] & 15];
    }
    text[2 + 2 * len] = 0;
    return text;
}

static bool is_boot_key(const uint8_t *key, uint32_t len)
{
    return len == BOOT_KEY_LEN && kv_memcmp(key, BOOT_KEY, BOOT_KEY_LEN) == 0;
}

static uint8_t value[KV_VALUE_MAX], expected[KV_VALUE_MAX];

void selftest_dump(struct kv_store *s)
{
    uint32_t cursor = 0, keys = 0;
    for (const struct kv_entry *e; (e = kv_next_key(s, &cursor)) != NULL;) {
        struct kv_get_result g = kv_get(s, e->key, e->key_len, value);
        if (g.status != KV_OK) {
            bst_printf("kvstore: corrupt %s read status %u\n", key_text(e->key, e->key_len),
                       (unsigned)g.status);
            continue;
        }
        if (!is_boot_key(e->key, e->key_len) &&
            (g.value_len < SEED_BYTES || value_of_seed(le64_load(value), expected) != g.value_len ||
             kv_memcmp(value, expected, g.value_len) != 0)) {
            bst_printf("kvstore: corrupt %s content of %u bytes\n", key_text(e->key, e->key_len),
                       g.value_len);
        }
        bst_printf("kvstore: key %s len %u crc 0x%08x\n", key_text(e->key, e->key_len), g.value_len,
                   crc32c(0, value, g.value_len));
        keys++;
    }
    bst_printf("kvstore: dump end %u keys\n", keys);
}

/* One workload operation, its key and value kept for the lines printed about it. */
struct test_op {
    struct kv_op op;
    uint8_t key[16];
    uint8_t value[KV_VALUE_MAX];
    uint32_t crc;
};

static void print_begin(const struct test_op *t)
{
    const char *key = key_text(t->op.key, t->op.key_len);
    if (t->op.kind == KV_RECORD_PUT) {
        bst_printf("kvstore: begin put %s len %u crc 0x%08x\n", key, t->op.value_len, t->crc);
    } else {
        bst_printf("kvstore: begin del %s\n", key);
    }
}

static void print_result(const struct test_op *t, struct kv_result r)
{
    bool put = t->op.kind == KV_RECORD_PUT;
    const char *key = key_text(t->op.key, t->op.key_len);
    if (r.status != KV_OK) {
        bst_printf("kvstore: refused %s %s status %u\n", put ? "put" : "del", key,
                   (unsigned)r.status);
    } else if (put) {
        bst_printf("kvstore: ack put %s seq %lu len %u crc 0x%08x\n", key, (unsigned long)r.seq,
                   t->op.value_len, t->crc);
    } else {
        bst_printf("kvstore: ack del %s seq %lu\n", key, (unsigned long)r.seq);
    }
}

/* Begin, commit and report one batch. False when the store failed (stop). */
static bool run_batch(struct kv_store *s, struct test_op *ops, uint32_t count)
{
    struct kv_op batch[4];
    struct kv_result results[4];
    for (uint32_t i = 0; i < count; i++) {
        print_begin(&ops[i]);
        batch[i] = ops[i].op;
    }
    kv_apply(s, batch, count, results);
    bool ok = true;
    for (uint32_t i = 0; i < count; i++) {
        print_result(&ops[i], results[i]);
        ok = ok && results[i].status != KV_IO && results[i].status != KV_CORRUPT;
    }
    return ok;
}

static struct test_op ops[4];

/* The boot counter: one more than the last durable one. */
static uint64_t next_boot(struct kv_store *s)
{
    uint64_t boot = 1;
    struct kv_get_result g = kv_get(s, (const uint8_t *)BOOT_KEY, BOOT_KEY_LEN, value);
    if (g.status == KV_OK && g.value_len == 8) {
        boot = le64_load(value) + 1;
    }
    struct test_op *t = &ops[0];
    kv_memcpy(t->key, BOOT_KEY, BOOT_KEY_LEN);
    le64_store(t->value, boot);
    t->crc = crc32c(0, t->value, 8);
    t->op = (struct kv_op){KV_RECORD_PUT, BOOT_KEY_LEN, 8, t->key, t->value};
    return run_batch(s, ops, 1) ? boot : 0;
}

void selftest_run(struct kv_store *s, uint64_t count)
{
    uint64_t boot = next_boot(s);
    if (boot == 0) {
        bst_printf("kvstore: error the boot counter could not be written\n");
        return;
    }
    uint64_t state = boot * 0x9e3779b97f4a7c15ull + 1, done = 0, batches = 0;
    while (done < count) {
        uint32_t n = 1 + (uint32_t)(next_random(&state) % 4);
        for (uint32_t i = 0; i < n; i++) {
            struct test_op *t = &ops[i];
            uint32_t k = (uint32_t)(next_random(&state) % KV_SELFTEST_KEYS);
            uint32_t kl = (uint32_t)bst_snprintf((char *)t->key, sizeof(t->key), "k%u", k);
            bool put = next_random(&state) % 10 < 7;
            uint32_t vl = put ? value_of_seed(next_random(&state), t->value) : 0;
            t->crc = crc32c(0, t->value, vl);
            t->op =
                (struct kv_op){put ? KV_RECORD_PUT : KV_RECORD_DELETE, kl, vl, t->key, t->value};
        }
        if (!run_batch(s, ops, n)) {
            bst_printf("kvstore: error the store failed after %lu ops\n", (unsigned long)done);
            return;
        }
        done += n;
        /* Compact now and then, so that cuts land in compactions too. */
        if (++batches % 64 == 0) {
            enum kv_status st = kv_compact(s);
            bst_printf("kvstore: compacted status %u generation %lu\n", (unsigned)st,
                       (unsigned long)kv_stats(s).generation);
        }
    }
    bst_printf("kvstore: selftest done %lu ops\n", (unsigned long)done);
}
