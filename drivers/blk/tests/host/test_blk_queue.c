/*
 * Host tests of the block rings (bastion/blk/queue.h): order and ids kept, full and empty
 * told apart, the free-running indices right across the 2^32 wrap, and a peer that writes
 * wild indices or nonsense entries never makes a side touch memory outside its ring (the
 * region sits between guard bytes that must stay untouched; ASan watches the rest).
 */
#define HOST_CHECK_SUITE "blk-host"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bastion/blk/queue.h>

#include "host_check.h"

#define GUARD 4096u

static _Alignas(4096) uint8_t memory[GUARD + BLK_QUEUE_REGION_SIZE + GUARD];

static uintptr_t fresh_region(void)
{
    memset(memory, 0xa5, sizeof memory);
    memset(memory + GUARD, 0, BLK_QUEUE_REGION_SIZE);
    return (uintptr_t)(memory + GUARD);
}

static int guards_intact(void)
{
    for (unsigned i = 0; i < GUARD; i++) {
        if (memory[i] != 0xa5 || memory[GUARD + BLK_QUEUE_REGION_SIZE + i] != 0xa5) {
            return 0;
        }
    }
    return 1;
}

static struct blk_request request(uint32_t id)
{
    return (struct blk_request){
        .id = id, .op = BLK_WRITE, .count = 1 + id % 32, .block = 1000u + id, .offset = id * 4096u};
}

static void test_requests_in_order_until_full(void)
{
    struct blk_queue client, server;
    uintptr_t region = fresh_region();
    blk_queue_init(&client, region);
    blk_queue_init(&server, region);
    for (uint32_t i = 0; i < BLK_QUEUE_CAPACITY; i++) {
        CHECK(blk_enqueue_request(&client, request(i)), "request %u refused", i);
    }
    CHECK(!blk_enqueue_request(&client, request(999)), "a full ring took a request");
    for (uint32_t i = 0; i < BLK_QUEUE_CAPACITY; i++) {
        struct blk_request got;
        CHECK(blk_dequeue_request(&server, &got), "request %u missing", i);
        struct blk_request want = request(i);
        CHECK(got.id == want.id && got.op == want.op && got.count == want.count &&
                  got.block == want.block && got.offset == want.offset,
              "request %u came back as id %u", i, got.id);
    }
    struct blk_request none;
    CHECK(!blk_dequeue_request(&server, &none), "an empty ring gave a request");
    CHECK(guards_intact(), "memory outside the region written");
    printf("PASS: blk-host/requests_in_order_until_full\n");
}

static void test_responses_across_index_wrap(void)
{
    struct blk_queue client, server;
    uintptr_t region = fresh_region();
    blk_queue_init(&client, region);
    blk_queue_init(&server, region);
    /* Both indices just below 2^32: the ring is empty and must stay right across the wrap. */
    server.response.shared->tail = UINT32_MAX - 3;
    server.response.shared->head = UINT32_MAX - 3;
    for (uint32_t round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < BLK_QUEUE_CAPACITY; i++) {
            CHECK(blk_enqueue_response(&server, (struct blk_response){.id = i, .count = i}),
                  "response %u refused in round %u", i, round);
        }
        CHECK(!blk_enqueue_response(&server, (struct blk_response){.id = 7}), "overfilled");
        for (uint32_t i = 0; i < BLK_QUEUE_CAPACITY; i++) {
            struct blk_response got;
            CHECK(blk_dequeue_response(&client, &got) && got.id == i && got.count == i,
                  "response %u lost in round %u", i, round);
        }
    }
    CHECK(guards_intact(), "memory outside the region written");
    printf("PASS: blk-host/responses_across_index_wrap\n");
}

/* A peer sets wild indices and fills every byte of the rings with garbage: the other side
 * sees at most `capacity` entries, each read inside the ring, and never writes outside. */
static void test_hostile_indices_stay_inside(void)
{
    struct blk_queue server;
    uintptr_t region = fresh_region();
    blk_queue_init(&server, region);
    uint32_t wild[] = {1u << 31, UINT32_MAX, BLK_QUEUE_CAPACITY + 1, 12345678};
    for (unsigned w = 0; w < sizeof wild / sizeof wild[0]; w++) {
        memset(memory + GUARD, 0xee, BLK_QUEUE_REGION_SIZE);
        server.request.shared->tail = wild[w];
        server.request.shared->head = 0;
        unsigned seen = 0;
        struct blk_request got;
        /* Dequeueing moves head on; the tail stays wild, so the count stays capped. */
        while (seen < 10 * BLK_QUEUE_CAPACITY && blk_dequeue_request(&server, &got)) {
            seen++;
            server.request.shared->tail = wild[w] + seen; /* keep it ahead */
        }
        CHECK(seen == 10 * BLK_QUEUE_CAPACITY, "wild tail %u: only %u entries", wild[w], seen);
        CHECK(queue_ring_corrupt(&server.request), "wild tail %u not seen as corrupt", wild[w]);
        /* A response ring whose head is far behind looks full: enqueue refuses. */
        server.response.shared->tail = wild[w];
        server.response.shared->head = wild[w] - BLK_QUEUE_CAPACITY - 5;
        CHECK(!blk_enqueue_response(&server, (struct blk_response){.id = 1}),
              "a corrupt response ring took an entry");
        CHECK(guards_intact(), "wild index %u: memory outside the region touched", wild[w]);
    }
    printf("PASS: blk-host/hostile_indices_stay_inside\n");
}

static void test_info_published_and_checked(void)
{
    struct blk_queue client, server;
    uintptr_t region = fresh_region();
    blk_queue_init(&client, region);
    blk_queue_init(&server, region);
    struct blk_info info;
    CHECK(!blk_info_read(&client, &info), "info read before it was published");
    blk_info_publish(&server, 12345, true, "QM00001-serial-of-a-very-long-disk", 34);
    CHECK(blk_info_read(&client, &info), "published info not read");
    CHECK(info.blocks == 12345 && info.read_only == 1 && info.block_size == BLK_BLOCK_SIZE,
          "info fields wrong");
    CHECK(strlen(info.serial) == sizeof info.serial - 1, "serial not cut and terminated");
    client.info->block_size = 512; /* a server that says another block size */
    CHECK(!blk_info_read(&client, &info), "a wrong block size accepted");
    printf("PASS: blk-host/info_published_and_checked\n");
}

int main(void)
{
    test_requests_in_order_until_full();
    test_responses_across_index_wrap();
    test_hostile_indices_stay_inside();
    test_info_published_and_checked();
    if (host_check_failures != 0) {
        printf("%d blk-host checks failed\n", host_check_failures);
        return 1;
    }
    return 0;
}
