/*
 * Host tests of the virtio-blk driver's pure parts (suite virtio-blk-host, ASan + UBSan):
 * the virtqueue bookkeeping (blkq.c) against a simulated device that completes chains
 * honestly, out of order, and with every kind of garbage (wild ids, repeated ids, unset and
 * unknown status bytes, short lengths, wild indices); the request checks (request.c) at
 * and around every limit; and the shared transport's matching of block devices
 * (virtio_pci_find with VIRTIO_DEVICE_BLOCK).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_CHECK_SUITE "virtio-blk-host"
#include "host_check.h"

#include <bastion/virtio/transport.h>

#include "blkq.h"
#include "request.h"

#define AREA_PADDR 0x7000000ull
#define DATA_BASE  0x10000000ull
#define NO_LIMITS  ((struct blkq_limits){0, 0})

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return n ? (uint32_t)(rng_state % n) : 0;
}

static void *new_area(void)
{
    void *a = aligned_alloc(4096, BLKQ_AREA_BYTES);
    memset(a, 0xa5, BLKQ_AREA_BYTES); /* blkq_init must clear it */
    return a;
}

/* ---- The device's side ------------------------------------------------------------------ */

static uint16_t device_avail(const struct blkq *q, uint16_t pos)
{
    return q->avail->ring[pos & (q->size - 1)];
}

static void device_use(struct blkq *q, uint32_t id, uint32_t len)
{
    uint16_t idx = q->used->idx;
    q->used->ring[idx & (q->size - 1)].id = id;
    q->used->ring[idx & (q->size - 1)].len = len;
    q->used->idx = (uint16_t)(idx + 1);
}

/* Follow the chain at `head` as a device would (bounded by the table): its descriptors'
 * count, data bytes, and the status descriptor's address. */
struct walked {
    unsigned descs, data_descs;
    uint64_t data_bytes, first_data, status_addr, header_addr;
    uint16_t data_flags;
};

static struct walked device_walk(const struct blkq *q, uint16_t head)
{
    struct walked w = {0};
    uint16_t d = head;
    for (unsigned steps = 0; steps < q->size; steps++) {
        volatile struct virtq_desc *e = &q->desc[d];
        w.descs++;
        if (steps == 0) {
            w.header_addr = e->addr;
        } else if (!(e->flags & VIRTQ_DESC_F_NEXT)) {
            w.status_addr = e->addr;
        } else {
            if (w.data_descs == 0)
                w.first_data = e->addr;
            w.data_descs++;
            w.data_bytes += e->len;
            w.data_flags = e->flags;
        }
        if (!(e->flags & VIRTQ_DESC_F_NEXT))
            break;
        d = e->next;
    }
    return w;
}

static struct blk_request request(uint32_t id, uint16_t op, uint32_t count)
{
    return (struct blk_request){.id = id, .op = op, .count = count, .block = id, .offset = 0};
}

static struct blkq_chain io_chain(uint32_t type, uint64_t sector, uint64_t data, uint32_t bytes)
{
    return (struct blkq_chain){.type = type, .sector = sector, .data = data, .data_bytes = bytes};
}

/* ---- blkq --------------------------------------------------------------------------------- */

static void test_init(void)
{
    struct blkq q;
    void *area = new_area();
    CHECK(blkq_init(&q, area, AREA_PADDR, 0, NO_LIMITS) == BLKQ_INIT_BAD_SIZE && q.size == 0,
          "size 0");
    CHECK(blkq_init(&q, area, AREA_PADDR, 96, NO_LIMITS) == BLKQ_INIT_BAD_SIZE, "size 96");
    CHECK(blkq_init(&q, area, AREA_PADDR, 512, NO_LIMITS) == BLKQ_INIT_BAD_SIZE, "size 512");
    CHECK(blkq_init(&q, area, AREA_PADDR, 2, NO_LIMITS) == BLKQ_INIT_LIMITS, "2 < a chain");
    CHECK(((uint8_t *)area)[0] == 0xa5, "a refused init leaves the area alone");
    CHECK(blkq_init(&q, area, AREA_PADDR, 256, NO_LIMITS) == BLKQ_INIT_OK && q.slots == 85 &&
              q.chain_descs == 3 && q.segments == 1 && q.segment_bytes == 131072,
          "256 descriptors: 85 chains of 3");
    CHECK(q.avail->idx == 0 && q.used->idx == 0 && q.avail->flags == 0, "a cleared area");
    CHECK(blkq_init(&q, area, AREA_PADDR, 4, NO_LIMITS) == BLKQ_INIT_OK && q.slots == 1, "4: 1");
    CHECK(blkq_init(&q, area, AREA_PADDR, 256, (struct blkq_limits){4096, 0}) == BLKQ_INIT_OK &&
              q.segments == 32 && q.chain_descs == 34 && q.slots == 7,
          "size_max 4096: 32 segments, 7 chains");
    CHECK(blkq_init(&q, area, AREA_PADDR, 256, (struct blkq_limits){4096, 31}) == BLKQ_INIT_LIMITS,
          "seg_max 31 cannot carry 128 KiB in 4 KiB segments");
    CHECK(blkq_init(&q, area, AREA_PADDR, 256, (struct blkq_limits){1000, 0}) == BLKQ_INIT_LIMITS,
          "size_max 1000: 132 segments, more than BLKQ_MAX_SEGMENTS");
    CHECK(blkq_init(&q, area, AREA_PADDR, 32, (struct blkq_limits){4096, 254}) == BLKQ_INIT_LIMITS,
          "a chain of 34 in a queue of 32");
    CHECK(blkq_init(&q, area, AREA_PADDR, 256, (struct blkq_limits){1u << 20, 1}) == BLKQ_INIT_OK &&
              q.segments == 1,
          "a size_max above 128 KiB: one segment");
    struct blkq_addresses a = blkq_addresses(&q);
    CHECK(a.desc == AREA_PADDR && a.avail == AREA_PADDR + 0x1000 && a.used == AREA_PADDR + 0x2000,
          "the parts' device addresses");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_chains(void)
{
    struct blkq q;
    void *area = new_area();
    blkq_init(&q, area, AREA_PADDR, 16, NO_LIMITS); /* 5 chains */
    CHECK(q.slots == 5, "5 chains of 3 in 16 descriptors");
    CHECK(blkq_post(&q, io_chain(VIRTIO_BLK_T_IN, 80, DATA_BASE, 8192), request(1, BLK_READ, 2)),
          "a read");
    CHECK(blkq_post(&q, io_chain(VIRTIO_BLK_T_OUT, 16, DATA_BASE + 0x10000, 4096),
                    request(2, BLK_WRITE, 1)),
          "a write");
    CHECK(blkq_post(&q, (struct blkq_chain){.type = VIRTIO_BLK_T_FLUSH}, request(3, BLK_FLUSH, 0)),
          "a flush");
    CHECK(
        blkq_post(&q, io_chain(VIRTIO_BLK_T_GET_ID, 0, DATA_BASE + 0x20000, 20), request(4, 0, 0)),
        "a GET_ID");
    CHECK(!blkq_post(&q, io_chain(VIRTIO_BLK_T_IN, 0, DATA_BASE, 0), request(9, BLK_READ, 0)) &&
              !blkq_post(&q, io_chain(VIRTIO_BLK_T_IN, 0, DATA_BASE, 131073),
                         request(9, BLK_READ, 0)) &&
              !blkq_post(&q, io_chain(VIRTIO_BLK_T_FLUSH, 0, DATA_BASE, 512),
                         request(9, BLK_FLUSH, 0)) &&
              !blkq_post(&q, io_chain(VIRTIO_BLK_T_GET_ID, 0, DATA_BASE, 512), request(9, 0, 0)) &&
              !blkq_post(&q, io_chain(7, 0, DATA_BASE, 512), request(9, 0, 0)),
          "malformed chains are refused");
    CHECK(q.in_flight == 4 && q.n_free == 1, "and took no slot");
    CHECK(q.avail->idx == 0 && blkq_publish(&q) && q.avail->idx == 4 && !blkq_publish(&q),
          "visible on the publish, once");
    const uint32_t types[4] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH,
                               VIRTIO_BLK_T_GET_ID};
    const uint64_t sectors[4] = {80, 16, 0, 0}, bytes[4] = {8192, 4096, 0, 20};
    for (uint16_t p = 0; p < 4; p++) {
        uint16_t head = device_avail(&q, p);
        CHECK(head % 3 == 0 && head < 15, "chain %u's head is a slot's first descriptor", p);
        struct walked w = device_walk(&q, head);
        unsigned slot = head / 3u;
        CHECK(w.descs == (bytes[p] ? 3u : 2u) && w.data_bytes == bytes[p],
              "chain %u: %u descriptors, %lu data bytes", p, w.descs, (unsigned long)w.data_bytes);
        CHECK(w.header_addr == AREA_PADDR + 0x1400 + slot * 16 && q.desc[head].len == 16 &&
                  q.desc[head].flags == VIRTQ_DESC_F_NEXT,
              "chain %u's header: device-readable, 16 bytes, its slot's", p);
        CHECK(q.headers[slot].type == types[p] && q.headers[slot].reserved == 0 &&
                  q.headers[slot].sector == sectors[p],
              "chain %u's header fields", p);
        CHECK(w.status_addr == AREA_PADDR + 0x1c00 + slot && q.status[slot] == BLKQ_STATUS_UNSET,
              "chain %u's status byte: its slot's, unset", p);
        if (bytes[p])
            CHECK(w.data_flags == (VIRTQ_DESC_F_NEXT | (p == 1 ? 0 : VIRTQ_DESC_F_WRITE)),
                  "chain %u's data direction", p);
    }
    /* Out of order, each back exactly once, with its request. */
    uint16_t heads[4];
    for (uint16_t p = 0; p < 4; p++)
        heads[p] = device_avail(&q, p);
    q.status[heads[2] / 3] = VIRTIO_BLK_S_OK;
    device_use(&q, heads[2], 1);
    q.status[heads[0] / 3] = VIRTIO_BLK_S_OK;
    device_use(&q, heads[0], 8193);
    struct blkq_completion c = blkq_take(&q);
    CHECK(c.status == BLKQ_DONE && c.request.id == 3 && c.type == VIRTIO_BLK_T_FLUSH &&
              blkq_result(&c) == BLK_OK,
          "the flush first");
    c = blkq_take(&q);
    CHECK(c.status == BLKQ_DONE && c.request.id == 1 && c.writable == 8193 &&
              blkq_result(&c) == BLK_OK,
          "then the read, its length covering data and status");
    CHECK(blkq_take(&q).status == BLKQ_NONE, "then nothing");
    CHECK(q.in_flight == 2 && q.n_free == 3, "two in flight, three free");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_segments(void)
{
    struct blkq q;
    void *area = new_area();
    blkq_init(&q, area, AREA_PADDR, 256, (struct blkq_limits){.size_max = 12288, .seg_max = 11});
    CHECK(q.segments == 11 && q.chain_descs == 13, "128 KiB in 12 KiB segments: 11");
    CHECK(
        blkq_post(&q, io_chain(VIRTIO_BLK_T_OUT, 8, DATA_BASE, 131072), request(1, BLK_WRITE, 32)),
        "a 128 KiB write");
    CHECK(blkq_post(&q, io_chain(VIRTIO_BLK_T_IN, 8, DATA_BASE + 0x100000, 4096),
                    request(2, BLK_READ, 1)),
          "a 4 KiB read");
    blkq_publish(&q);
    struct walked w = device_walk(&q, device_avail(&q, 0));
    CHECK(w.data_descs == 11 && w.data_bytes == 131072 && w.first_data == DATA_BASE,
          "the write in 11 data descriptors");
    uint16_t head = device_avail(&q, 0);
    for (unsigned i = 1; i <= 11; i++) {
        volatile struct virtq_desc *d = &q.desc[head + i];
        CHECK(d->addr == DATA_BASE + (i - 1) * 12288ull &&
                  d->len == (i < 11 ? 12288u : 131072u - 10 * 12288u) && d->next == head + i + 1,
              "segment %u: contiguous, at most size_max", i);
    }
    w = device_walk(&q, device_avail(&q, 1));
    CHECK(w.descs == 3 && w.data_bytes == 4096, "the read in one");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_bad_completions(void)
{
    struct blkq q;
    void *area = new_area();
    blkq_init(&q, area, AREA_PADDR, 16, NO_LIMITS);
    CHECK(blkq_take(&q).status == BLKQ_NONE, "nothing in flight, nothing taken");
    q.used->idx = 1000;
    CHECK(!blkq_used_pending(&q) && blkq_take(&q).status == BLKQ_NONE,
          "used entries with nothing in flight are not looked at");
    blkq_init(&q, area, AREA_PADDR, 16, NO_LIMITS);
    blkq_post(&q, io_chain(VIRTIO_BLK_T_IN, 0, DATA_BASE, 4096), request(1, BLK_READ, 1));
    blkq_post(&q, io_chain(VIRTIO_BLK_T_OUT, 0, DATA_BASE, 4096), request(2, BLK_WRITE, 1));
    blkq_publish(&q);
    uint16_t h0 = device_avail(&q, 0), h1 = device_avail(&q, 1);
    const uint32_t bad_ids[] = {h0 + 1u, h0 + 2u, 15, 16, 0xffffffffu, 9 /* a slot never posted */};
    for (unsigned i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        device_use(&q, bad_ids[i], 4097);
        struct blkq_completion c = blkq_take(&q);
        CHECK(c.status == BLKQ_BAD_ID && c.id == bad_ids[i], "id %u is refused", bad_ids[i]);
        CHECK(q.in_flight == 2, "and frees nothing");
    }
    /* The read: the status byte left unset, then one the device never defines, a short
     * length; each is an I/O error. */
    device_use(&q, h0, 4097);
    struct blkq_completion c = blkq_take(&q);
    CHECK(c.status == BLKQ_DONE && c.device_status == BLKQ_STATUS_UNSET &&
              blkq_result(&c) == BLK_ERR_IO,
          "an unset status byte is an I/O error");
    CHECK(blkq_take(&q).status == BLKQ_NONE, "nothing more");
    device_use(&q, h0, 4097); /* twice */
    CHECK(blkq_take(&q).status == BLKQ_BAD_ID, "a chain returned twice is refused the second time");
    struct blkq_completion fake = c;
    fake.device_status = 7;
    CHECK(blkq_result(&fake) == BLK_ERR_IO, "status 7 is an I/O error");
    fake.device_status = VIRTIO_BLK_S_UNSUPP;
    CHECK(blkq_result(&fake) == BLK_ERR_IO, "UNSUPP is an I/O error");
    fake.device_status = VIRTIO_BLK_S_OK;
    fake.length = 4096;
    CHECK(blkq_result(&fake) == BLK_ERR_IO, "a read of 4096 + 1 bytes said to write 4096");
    fake.length = 4097;
    CHECK(blkq_result(&fake) == BLK_OK, "4097 is whole");
    /* A write's length is not judged (the device writes only its status byte). */
    q.status[h1 / 3] = VIRTIO_BLK_S_OK;
    device_use(&q, h1, 0);
    c = blkq_take(&q);
    CHECK(c.status == BLKQ_DONE && c.request.id == 2 && blkq_result(&c) == BLK_OK,
          "a write with status OK");
    CHECK(q.in_flight == 0 && q.n_free == q.slots, "everything back");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

static void test_held_and_flags(void)
{
    struct blkq q;
    struct blk_request held[BLKQ_MAX_SLOTS];
    memset(&q, 0, sizeof q);
    CHECK(blkq_held(&q, held) == 0, "a queue never set up holds nothing");
    void *area = new_area();
    blkq_init(&q, area, AREA_PADDR, 16, NO_LIMITS);
    for (uint32_t i = 0; i < 3; i++)
        blkq_post(&q, io_chain(VIRTIO_BLK_T_OUT, i, DATA_BASE, 4096),
                  request(100 + i, BLK_WRITE, 1));
    blkq_publish(&q);
    q.status[device_avail(&q, 1) / 3] = 0;
    device_use(&q, device_avail(&q, 1), 1);
    CHECK(blkq_take(&q).status == BLKQ_DONE, "one back");
    unsigned n = blkq_held(&q, held);
    CHECK(n == 2 && ((held[0].id == 100 && held[1].id == 102) ||
                     (held[0].id == 102 && held[1].id == 100)),
          "the two in flight, unchanged");
    CHECK(blkq_kick_wanted(&q), "a device without NO_NOTIFY is kicked");
    q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    CHECK(!blkq_kick_wanted(&q), "one with NO_NOTIFY is not");
    blkq_interrupts(&q, false);
    CHECK(q.avail->flags == VIRTQ_AVAIL_F_NO_INTERRUPT, "interrupts off");
    blkq_interrupts(&q, true);
    CHECK(q.avail->flags == 0, "interrupts on");
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

/* A long random run: an honest device completing chains in any order, mixed with a hostile
 * one writing random used entries, status bytes and indices. Every request must come back
 * at most once per post, only while posted, and the slot counts must stay consistent. */
static void test_random(void)
{
    enum { REQUESTS = 300, ROUNDS = 200000 };
    struct blkq q;
    void *area = new_area();
    blkq_init(&q, area, AREA_PADDR, 64, (struct blkq_limits){.size_max = 65536});
    CHECK(q.slots == 16 && q.chain_descs == 4, "64 descriptors, chains of 4: 16");
    bool posted[REQUESTS] = {false};
    uint16_t device_seen = 0, pending[64];
    unsigned n_pending = 0, returned = 0, refused = 0, errors = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        switch (rnd(8)) {
        case 0:
        case 1: {
            uint32_t r = rnd(REQUESTS), blocks = 1 + rnd(32);
            if (!posted[r] && blkq_post(&q,
                                        io_chain(rnd(2) ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT, r * 8,
                                                 DATA_BASE + r * 0x20000ull, blocks * 4096),
                                        request(r, BLK_READ, blocks)))
                posted[r] = true;
            break;
        }
        case 2:
            blkq_publish(&q);
            while (device_seen != q.avail->idx && n_pending < 64)
                pending[n_pending++] = device_avail(&q, device_seen++);
            break;
        case 3:
        case 4:
            if (n_pending > 0) {
                unsigned k = rnd(n_pending);
                q.status[pending[k] / q.chain_descs] = (uint8_t)(rnd(4) ? 0 : rnd(256));
                device_use(&q, pending[k], rnd(4) ? 131073 : rnd(UINT32_MAX));
                pending[k] = pending[--n_pending];
            }
            break;
        case 5:
            if (rnd(4) == 0)
                q.used->idx = (uint16_t)rnd(65536);
            else
                device_use(&q, rnd(2) ? rnd(64) : rnd(UINT32_MAX), rnd(UINT32_MAX));
            if (rnd(2))
                q.status[rnd(16)] = (uint8_t)rnd(256);
            break;
        default: {
            struct blkq_completion c = blkq_take(&q);
            if (c.status == BLKQ_DONE) {
                CHECK(c.request.id < REQUESTS && posted[c.request.id],
                      "round %u: a request that was posted comes back", round);
                posted[c.request.id] = false;
                returned++;
                errors += blkq_result(&c) != BLK_OK;
            } else if (c.status == BLKQ_BAD_ID) {
                refused++;
            }
            break;
        }
        }
        unsigned in_posted = 0;
        for (unsigned r = 0; r < REQUESTS; r++)
            in_posted += posted[r];
        CHECK(q.in_flight == in_posted && q.in_flight + q.n_free == q.slots,
              "round %u: %u in flight, %u posted, %u free", round, q.in_flight, in_posted,
              q.n_free);
        for (unsigned k = 0; k < n_pending;)
            if (!q.busy[pending[k] / q.chain_descs])
                pending[k] = pending[--n_pending];
            else
                k++;
    }
    CHECK(returned > 1000 && refused > 1000 && errors > 100,
          "every path ran (%u returned, %u refused, %u errors)", returned, refused, errors);
    free(area);
    printf("PASS: " HOST_CHECK_SUITE "/%s (%u returned, %u of them errors, %u refused)\n", __func__,
           returned, errors, refused);
}

/* ---- Request checks ------------------------------------------------------------------------ */

static struct blk_request rq(uint16_t op, uint64_t block, uint32_t count, uint64_t offset)
{
    return (struct blk_request){
        .id = 1, .op = op, .count = count, .block = block, .offset = offset};
}

static void test_request_checks(void)
{
    const struct blk_disk disk = {.blocks = 1000, .read_only = false};
    const struct blk_disk ro = {.blocks = 1000, .read_only = true};
    const uint64_t limit = BLK_DEVICE_ADDRESS_LIMIT;
    struct {
        struct blk_request r;
        struct blk_disk d;
        enum blk_status want;
        const char *what;
    } cases[] = {
        {rq(BLK_READ, 0, 1, 0x1000), disk, BLK_OK, "the first block"},
        {rq(BLK_WRITE, 999, 1, 0x1000), disk, BLK_OK, "the last block"},
        {rq(BLK_WRITE, 968, 32, 0x1000), disk, BLK_OK, "32 blocks to the end"},
        {rq(BLK_READ, 969, 32, 0x1000), disk, BLK_ERR_RANGE, "32 blocks one past the end"},
        {rq(BLK_READ, 1000, 1, 0x1000), disk, BLK_ERR_RANGE, "the block after the last"},
        {rq(BLK_READ, UINT64_MAX, 1, 0x1000), disk, BLK_ERR_RANGE, "block 2^64 - 1"},
        {rq(BLK_READ, UINT64_MAX - 30, 32, 0x1000), disk, BLK_ERR_RANGE, "a range that wraps"},
        {rq(BLK_READ, 0, 1, 0x1000), (struct blk_disk){0, false}, BLK_ERR_RANGE, "an empty disk"},
        {rq(0, 0, 1, 0x1000), disk, BLK_ERR_OP, "op 0"},
        {rq(5, 0, 1, 0x1000), disk, BLK_ERR_OP, "op 5"},
        {rq(BLK_BARRIER, UINT64_MAX, UINT32_MAX, UINT64_MAX), ro, BLK_OK,
         "a barrier's fields are ignored (blk_virt's, on a read-only disk too)"},
        {rq(0xffff, 0, 1, 0x1000), disk, BLK_ERR_OP, "op 0xffff"},
        {rq(BLK_READ, 0, 0, 0x1000), disk, BLK_ERR_OP, "count 0"},
        {rq(BLK_WRITE, 0, 33, 0x1000), disk, BLK_ERR_OP, "count 33"},
        {rq(BLK_WRITE, 0, UINT32_MAX, 0x1000), disk, BLK_ERR_OP, "count 2^32 - 1"},
        {rq(BLK_FLUSH, UINT64_MAX, UINT32_MAX, UINT64_MAX), disk, BLK_OK,
         "a flush's fields are ignored"},
        {rq(BLK_FLUSH, 0, 0, 0), ro, BLK_OK, "a flush on a read-only disk"},
        {rq(BLK_WRITE, 0, 1, 0x1000), ro, BLK_ERR_READ_ONLY, "a write to a read-only disk"},
        {rq(BLK_READ, 0, 1, 0x1000), ro, BLK_OK, "a read of a read-only disk"},
        {rq(BLK_READ, 0, 1, limit - 4096), disk, BLK_OK, "a buffer ending at the limit"},
        {rq(BLK_READ, 0, 32, limit - 32 * 4096), disk, BLK_OK, "32 blocks ending at the limit"},
        {rq(BLK_READ, 0, 2, limit - 4096), disk, BLK_ERR_BUFFER, "a buffer crossing the limit"},
        {rq(BLK_READ, 0, 1, limit), disk, BLK_ERR_BUFFER, "a buffer at the limit"},
        {rq(BLK_READ, 0, 1, UINT64_MAX - 100), disk, BLK_ERR_BUFFER, "a buffer that wraps"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum blk_status got = blk_request_check(&cases[i].r, cases[i].d);
        CHECK(got == cases[i].want, "%s: status %d, want %d", cases[i].what, got, cases[i].want);
    }
    /* Random requests: whatever passes lies inside the disk and below the limit. */
    unsigned passed = 0;
    for (unsigned round = 0; round < 1000000; round++) {
        struct blk_request r = {.op = (uint16_t)(1 + rnd(3)),
                                .count = rnd(4) ? rnd(40) : rnd(UINT32_MAX),
                                .block = rnd(2) ? rnd(1100) : (uint64_t)rnd(UINT32_MAX) << rnd(33),
                                .offset = rnd(2) ? limit - rnd(200000)
                                                 : (uint64_t)rnd(UINT32_MAX) << rnd(33)};
        if (blk_request_check(&r, disk) != BLK_OK || r.op == BLK_FLUSH)
            continue;
        passed++;
        CHECK(r.count >= 1 && r.count <= 32 && r.block + r.count <= disk.blocks &&
                  r.offset + (uint64_t)r.count * 4096 <= limit,
              "round %u: an accepted request lies inside", round);
    }
    CHECK(passed > 1000, "some random requests passed (%u)", passed);
    printf("PASS: " HOST_CHECK_SUITE "/%s (%u random requests accepted)\n", __func__, passed);
}

/* ---- The transport: matching block devices ---------------------------------------------- */

static uint8_t config[256];
static uint8_t bar4[VIRTIO_BAR_MAP_BYTES];
static const struct virtio_pci_want BLOCK = {.type = VIRTIO_DEVICE_BLOCK,
                                             .device_config_bytes = 24};

static void put_cap(unsigned at, unsigned next, unsigned type, uint32_t offset, uint32_t length,
                    unsigned len)
{
    config[at] = VIRTIO_PCI_CAP_VENDOR;
    config[at + 1] = (uint8_t)next;
    config[at + 2] = (uint8_t)len;
    config[at + 3] = (uint8_t)type;
    config[at + 4] = 4;
    memcpy(config + at + 8, &offset, 4);
    memcpy(config + at + 12, &length, 4);
}

static void device_config(uint16_t device, uint16_t subsystem, uint32_t device_length)
{
    memset(config, 0, sizeof config);
    uint16_t ids[2] = {0x1af4, device};
    memcpy(config, ids, 4);
    memcpy(config + PCI_REG_SUBSYSTEM + 2, &subsystem, 2);
    config[PCI_REG_STATUS] = PCI_STATUS_CAPS;
    config[PCI_REG_CAP_PTR] = 0x40;
    put_cap(0x40, 0x54, VIRTIO_PCI_CAP_COMMON, 0x0000, 0x1000, 16);
    put_cap(0x54, 0x68, VIRTIO_PCI_CAP_NOTIFY, 0x3000, 0x1000, 20);
    put_cap(0x68, 0x78, VIRTIO_PCI_CAP_ISR, 0x1000, 0x1000, 16);
    put_cap(0x78, 0x00, VIRTIO_PCI_CAP_DEVICE, 0x2000, device_length, 16);
}

static void test_transport_block(void)
{
    uintptr_t bars[VIRTIO_BAR_COUNT] = {0, 0, 0, 0, (uintptr_t)bar4, 0};
    struct virtio_pci v;
    device_config(0x1042, 0, 0x1000);
    CHECK(virtio_pci_find(config, bars, BLOCK, &v) == VIRTIO_PCI_OK && v.device_id == 0x1042 &&
              v.device == bar4 + 0x2000,
          "a modern block device (0x1042)");
    device_config(0x1001, 2, 0x1000);
    CHECK(virtio_pci_find(config, bars, BLOCK, &v) == VIRTIO_PCI_OK && v.device_id == 0x1001,
          "a transitional block device (0x1001, subsystem 2)");
    device_config(0x1001, 1, 0x1000);
    CHECK(virtio_pci_find(config, bars, BLOCK, &v) == VIRTIO_PCI_WRONG_DEVICE,
          "0x1001 with another subsystem");
    device_config(0x1041, 0, 0x1000);
    CHECK(virtio_pci_find(config, bars, BLOCK, &v) == VIRTIO_PCI_WRONG_DEVICE, "a network device");
    device_config(0x1000, 1, 0x1000);
    CHECK(virtio_pci_find(config, bars, BLOCK, &v) == VIRTIO_PCI_WRONG_DEVICE,
          "a transitional network device");
    const struct virtio_pci_want net = {.type = VIRTIO_DEVICE_NET, .device_config_bytes = 6};
    device_config(0x1042, 0, 0x1000);
    CHECK(virtio_pci_find(config, bars, net, &v) == VIRTIO_PCI_WRONG_DEVICE,
          "a network driver refuses a block device");
    device_config(0x1042, 0, 23);
    CHECK(virtio_pci_find(config, bars, BLOCK, &v) == VIRTIO_PCI_NO_DEVICE,
          "device configuration shorter than the 24 bytes the driver reads");
    device_config(0x1042, 0, 24);
    CHECK(virtio_pci_find(config, bars, BLOCK, &v) == VIRTIO_PCI_OK, "24 bytes are enough");
    printf("PASS: " HOST_CHECK_SUITE "/%s\n", __func__);
}

int main(void)
{
    test_init();
    test_chains();
    test_segments();
    test_bad_completions();
    test_held_and_flags();
    test_random();
    test_request_checks();
    test_transport_block();
    printf("%s\n", host_check_failures ? "virtio-blk-host: FAILED" : "virtio-blk-host: all passed");
    return host_check_failures ? 1 : 0;
}
