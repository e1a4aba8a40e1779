/*
 * The key-value store PD (bastion/kvstore.h, docs/kvstore.md): the store's core on the
 * partition that blk_virt gives it (channel 0), served to clients by protected procedure
 * calls, each client with a KV_SHARED_SIZE region.
 *
 * Every call runs to completion inside protected(): a put or delete writes its record and
 * flushes the disk before the reply (the block client's synchronous calls sleep on the
 * PD's notification meanwhile; the caller's reply object waits untouched, and other
 * callers queue on the endpoint). One call at a time, so the store needs no locking.
 *
 * The shared region is the client's: each length is read once into private memory and
 * bounded, the key and value are copied out before use, and a get's value is copied in
 * from private memory. A client that scribbles on its region during its call can only
 * get its own request wrong.
 */
#include <bastion/blk/client.h>
#include <bastion/kvstore.h>
#include <libbastion/pd.h>
#include <libbastion/printf.h>

#include "bytes.h"
#include "selftest.h"
#include "store.h"

/* Patched by the tool: operations the self-test runs per boot (0: off), and each client's
 * shared region (setvar_vaddr; 0: no such client). */
uint64_t kv_selftest;
uintptr_t kv_client0, kv_client1, kv_client2, kv_client3, kv_client4, kv_client5, kv_client6,
    kv_client7;

static uintptr_t *const client_regions[KV_MAX_CLIENTS] = {
    &kv_client0, &kv_client1, &kv_client2, &kv_client3,
    &kv_client4, &kv_client5, &kv_client6, &kv_client7,
};

static struct kv_store store;
static bool ready;

/* ---- The disk: the block client library, buffers inside its data region --------------- */

static uint64_t data_offset(const void *buffer)
{
    return (uint64_t)((uintptr_t)buffer - blk_data);
}

/* Move count blocks in requests of at most BLK_MAX_REQUEST_BLOCKS. */
static bool transfer(enum blk_status (*op)(uint64_t, uint32_t, uint64_t), uint64_t block,
                     uint32_t count, uint64_t offset)
{
    while (count > 0) {
        uint32_t n = count < BLK_MAX_REQUEST_BLOCKS ? count : BLK_MAX_REQUEST_BLOCKS;
        if (op(block, n, offset) != BLK_OK) {
            return false;
        }
        block += n;
        offset += (uint64_t)n * BLK_BLOCK_SIZE;
        count -= n;
    }
    return true;
}

static bool disk_read(void *ctx, uint64_t block, uint32_t count, void *buffer)
{
    (void)ctx;
    return transfer(blk_read, block, count, data_offset(buffer));
}

static bool disk_write(void *ctx, uint64_t block, uint32_t count, const void *buffer)
{
    (void)ctx;
    return transfer(blk_write, block, count, data_offset(buffer));
}

static bool disk_flush(void *ctx)
{
    (void)ctx;
    return blk_flush() == BLK_OK;
}

_Static_assert(KV_BLOCK_SIZE == BLK_BLOCK_SIZE, "the store's blocks are the protocol's");
_Static_assert(KV_IO_BYTES <= BLK_DATA_REGION_SIZE, "the I/O area fits the data region");

/* ---- Start ------------------------------------------------------------------------------- */

static const char *status_name(enum kv_status st)
{
    static const char *const names[] = {"ok",        "not found", "too large",  "full",
                                        "I/O error", "corrupt",   "bad request"};
    return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/* A store id for a new store: the cycle counter, so that stores made one after another on
 * one disk differ. */
static uint32_t new_store_id(void)
{
    return (uint32_t)__builtin_ia32_rdtsc() | 1u;
}

void init(void)
{
    struct blk_info info;
    blk_client_init(&info);
    if (info.read_only) {
        bst_printf("kvstore: error the partition is read-only\n");
        return;
    }
    struct kv_disk disk = {NULL, info.blocks, disk_read, disk_write, disk_flush};
    enum kv_status st = kv_mount(&store, &disk, blk_client_buffer(0), new_store_id());
    if (st != KV_OK) {
        bst_printf("kvstore: error mount failed: %s\n", status_name(st));
        return;
    }
    struct kv_stats stats = kv_stats(&store);
    bst_printf("kvstore: recovered %lu records, %u keys, next seq %lu, generation %lu\n",
               (unsigned long)stats.mount_records, stats.keys, (unsigned long)stats.next_seq,
               (unsigned long)stats.generation);
    ready = true;
    if (kv_selftest != 0) {
        selftest_dump(&store);
        selftest_run(&store, kv_selftest);
    }
}

void notified(bst_channel_t ch)
{
    (void)ch; /* blk_virt's signals: each synchronous block call waits for its own */
}

/* ---- Calls --------------------------------------------------------------------------------- */

static uint8_t key_copy[KV_KEY_MAX], value_copy[KV_VALUE_MAX];

/* The lengths, read once from the client's region. */
struct request {
    uint32_t key_len, value_len;
};

static struct request read_request(volatile struct kv_shared *shared)
{
    return (struct request){
        .key_len = __atomic_load_n(&shared->key_len, __ATOMIC_RELAXED),
        .value_len = __atomic_load_n(&shared->value_len, __ATOMIC_RELAXED),
    };
}

static bst_msginfo_t reply(enum kv_status st, unsigned count)
{
    return bst_msginfo_new((uint64_t)st, count);
}

static bst_msginfo_t call_put(struct kv_shared *shared, struct request rq)
{
    if (rq.key_len == 0 || rq.key_len > KV_KEY_MAX || rq.value_len > KV_VALUE_MAX) {
        return reply(KV_TOO_LARGE, 0);
    }
    kv_memcpy(key_copy, shared->key, rq.key_len);
    kv_memcpy(value_copy, shared->value, rq.value_len);
    struct kv_result r = kv_put(&store, key_copy, rq.key_len, value_copy, rq.value_len);
    bst_mr_set(0, r.seq);
    return reply(r.status, 1);
}

static bst_msginfo_t call_delete(struct kv_shared *shared, struct request rq)
{
    if (rq.key_len == 0 || rq.key_len > KV_KEY_MAX) {
        return reply(KV_TOO_LARGE, 0);
    }
    kv_memcpy(key_copy, shared->key, rq.key_len);
    struct kv_result r = kv_delete(&store, key_copy, rq.key_len);
    bst_mr_set(0, r.seq);
    return reply(r.status, 1);
}

static bst_msginfo_t call_get(struct kv_shared *shared, struct request rq)
{
    if (rq.key_len == 0 || rq.key_len > KV_KEY_MAX) {
        return reply(KV_TOO_LARGE, 0);
    }
    kv_memcpy(key_copy, shared->key, rq.key_len);
    struct kv_get_result g = kv_get(&store, key_copy, rq.key_len, value_copy);
    if (g.status != KV_OK) {
        return reply(g.status, 0);
    }
    kv_memcpy(shared->value, value_copy, g.value_len);
    bst_mr_set(0, g.value_len);
    return reply(KV_OK, 1);
}

static bst_msginfo_t call_stats(void)
{
    struct kv_stats stats = kv_stats(&store);
    bst_mr_set(0, stats.keys);
    bst_mr_set(1, stats.live_bytes);
    bst_mr_set(2, stats.capacity_bytes);
    bst_mr_set(3, stats.next_seq);
    return reply(KV_OK, 4);
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    uint32_t client = ch - KV_CH_CLIENT0;
    if (ch < KV_CH_CLIENT0 || client >= KV_MAX_CLIENTS || *client_regions[client] == 0) {
        return reply(KV_BAD_REQUEST, 0);
    }
    if (!ready) {
        return reply(KV_IO, 0);
    }
    struct kv_shared *shared = (struct kv_shared *)*client_regions[client];
    struct request rq = read_request(shared);
    switch (bst_msginfo_label(msginfo)) {
    case KV_PUT:
        return call_put(shared, rq);
    case KV_GET:
        return call_get(shared, rq);
    case KV_DELETE:
        return call_delete(shared, rq);
    case KV_STATS:
        return call_stats();
    default:
        return reply(KV_BAD_REQUEST, 0);
    }
}
