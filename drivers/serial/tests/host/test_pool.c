/*
 * Host tests of the serial connection helpers (bastion/serial/pool.h, protocol.h): the
 * owner's buffer pool and the corrupt-ring check, including what a corrupt peer can put
 * on the free ring. Built with ASan and UBSan (suite serial-host); prints PASS/FAIL lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bastion/serial/pool.h>

#define HOST_CHECK_SUITE "serial-host"
#include "host_check.h"

static _Alignas(64) unsigned char region[SERIAL_QUEUE_REGION_SIZE];

/* Both ends of one connection over `region`. */
static void connection(struct queue_handle *owner, struct queue_handle *peer)
{
    memset(region, 0, sizeof(region));
    serial_queue_init(owner, (uintptr_t)region);
    serial_queue_init(peer, (uintptr_t)region);
}

static void fresh_buffers_first_then_returned_ones(void)
{
    struct queue_handle owner, peer;
    connection(&owner, &peer);
    struct serial_pool pool;
    serial_pool_init(&pool, &owner);
    for (uint32_t i = 0; i < SERIAL_BUFFER_COUNT; i++) {
        struct queue_result r = serial_pool_take(&pool);
        CHECK(r.status == QUEUE_OK, "fresh buffer %u: status %d", i, r.status);
        CHECK(r.buffer.offset == (uint64_t)i * SERIAL_BUFFER_SIZE, "buffer %u at %llu", i,
              (unsigned long long)r.buffer.offset);
        CHECK(r.buffer.length == SERIAL_BUFFER_SIZE, "buffer %u length %u", i, r.buffer.length);
    }
    CHECK(serial_pool_take(&pool).status == QUEUE_EMPTY, "a 65th buffer out of nothing");
    struct queue_buffer back = {.offset = 5 * SERIAL_BUFFER_SIZE, .length = 3};
    CHECK(queue_enqueue_free(&peer, back) == QUEUE_OK, "peer returns a buffer");
    struct queue_result r = serial_pool_take(&pool);
    CHECK(r.status == QUEUE_OK && r.buffer.offset == back.offset &&
              r.buffer.length == SERIAL_BUFFER_SIZE,
          "the returned buffer comes back whole (offset %llu, length %u)",
          (unsigned long long)r.buffer.offset, r.buffer.length);
    printf("PASS: serial-host/%s\n", __func__);
}

static void descriptors_not_ours_are_dropped(void)
{
    struct queue_handle owner, peer;
    connection(&owner, &peer);
    struct serial_pool pool;
    serial_pool_init(&pool, &owner);
    for (uint32_t i = 0; i < SERIAL_BUFFER_COUNT; i++)
        serial_pool_take(&pool);
    /* Misaligned, and fitting the region but not a buffer start: both refused. */
    struct queue_buffer bad1 = {.offset = 7, .length = 1};
    struct queue_buffer bad2 = {.offset = SERIAL_BUFFER_SIZE + 1, .length = 0};
    struct queue_buffer good = {.offset = 9 * SERIAL_BUFFER_SIZE, .length = 0};
    queue_enqueue_free(&peer, bad1);
    queue_enqueue_free(&peer, bad2);
    queue_enqueue_free(&peer, good);
    struct queue_result r = serial_pool_take(&pool);
    CHECK(r.status == QUEUE_OK && r.buffer.offset == good.offset, "took %llu (status %d)",
          (unsigned long long)r.buffer.offset, r.status);
    CHECK(serial_pool_take(&pool).status == QUEUE_EMPTY, "the bad ones were dropped");
    printf("PASS: serial-host/%s\n", __func__);
}

/* A peer that scribbles the free ring (indices and slots) never gets the owner a buffer
 * outside its region or at a non-buffer offset, and every take returns. */
static void scribbled_free_ring_yields_only_our_buffers(void)
{
    struct queue_handle owner, peer;
    struct serial_pool pool;
    srand(12345);
    for (int round = 0; round < 20000; round++) {
        if (round % 1000 == 0) {
            connection(&owner, &peer);
            serial_pool_init(&pool, &owner);
            for (uint32_t i = 0; i < SERIAL_BUFFER_COUNT; i++)
                serial_pool_take(&pool);
        }
        uint32_t *words = (uint32_t *)region;
        for (int i = 0; i < 8; i++)
            words[(unsigned)rand() % (SERIAL_ACTIVE_RING_OFFSET / 4)] = (uint32_t)rand() * 7u;
        struct queue_result r = serial_pool_take(&pool);
        if (r.status == QUEUE_OK)
            CHECK(r.buffer.offset % SERIAL_BUFFER_SIZE == 0 &&
                      r.buffer.offset + r.buffer.length <= SERIAL_DATA_REGION_SIZE,
                  "round %d: got offset %llu length %u", round, (unsigned long long)r.buffer.offset,
                  r.buffer.length);
        else
            CHECK(r.status == QUEUE_EMPTY, "round %d: status %d", round, r.status);
    }
    printf("PASS: serial-host/%s\n", __func__);
}

static void corrupt_ring_is_told_from_a_full_one(void)
{
    struct queue_handle owner, peer;
    connection(&owner, &peer);
    struct queue_buffer b = {.offset = 0, .length = 1};
    for (uint32_t i = 0; i < SERIAL_QUEUE_CAPACITY; i++)
        queue_enqueue_active(&owner, b);
    CHECK(queue_full_active(&peer) && !queue_ring_corrupt(&peer.active),
          "a full honest ring is not corrupt");
    owner.active.shared->tail = owner.active.shared->head + SERIAL_QUEUE_CAPACITY + 1;
    CHECK(queue_ring_corrupt(&peer.active), "a tail past the capacity is corrupt");
    owner.active.shared->head = 0xfffffff0u;
    owner.active.shared->tail = 0x10u; /* wrapped, 32 apart: honest */
    CHECK(!queue_ring_corrupt(&peer.active), "wrapped indices within the capacity are fine");
    owner.active.shared->tail = 0xffffff00u; /* behind the head */
    CHECK(queue_ring_corrupt(&peer.active), "a tail behind the head is corrupt");
    printf("PASS: serial-host/%s\n", __func__);
}

int main(void)
{
    fresh_buffers_first_then_returned_ones();
    descriptors_not_ours_are_dropped();
    scribbled_free_ring_yields_only_our_buffers();
    corrupt_ring_is_told_from_a_full_one();
    return host_check_failures != 0;
}
