/*
 * Host unit tests of the queue library (drivers/queue/include/bastion/queue), built with
 * AddressSanitizer and UndefinedBehaviorSanitizer: every operation and edge (empty, full,
 * wrap-around of slots and of the 32-bit indices), descriptors outside the region, and a
 * peer that writes garbage into the shared ring. Rings are allocated with exactly
 * QUEUE_RING_BYTES(capacity) bytes, so any access outside one is an ASan report. The
 * two-thread stress tests (stress.c) run after these.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bastion/queue/queue.h>

#include "check.h"

#define REGION_SIZE 4096u

static struct queue_ring *ring_alloc(uint32_t capacity)
{
    struct queue_ring *ring = calloc(1, QUEUE_RING_BYTES(capacity));
    if (ring == NULL) {
        abort();
    }
    return ring;
}

static struct queue_buffer buffer(uint64_t offset, uint32_t length)
{
    return (struct queue_buffer){.offset = offset, .length = length};
}

/* A ring handle over a fresh ring of `capacity` slots and a REGION_SIZE region. */
static struct queue_ring_handle ring_new(uint32_t capacity)
{
    struct queue_ring_handle r;
    if (queue_ring_init(&r, ring_alloc(capacity), capacity, REGION_SIZE) != QUEUE_OK) {
        abort();
    }
    return r;
}

static void ring_delete(struct queue_ring_handle *r)
{
    free(r->shared);
}

static void test_init_capacity(void)
{
    struct queue_ring *ring = ring_alloc(8);
    struct queue_ring_handle r = {.shared = NULL, .capacity = 77, .region_size = 5};
    const uint32_t bad[] = {0, 3, 6, 7, 12, 100, 0x80000001u, 0xffffffffu};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(queue_ring_init(&r, ring, bad[i], REGION_SIZE) == QUEUE_BAD_CAPACITY);
        CHECK(r.shared == NULL && r.capacity == 77 && r.region_size == 5);
    }
    const uint32_t good[] = {1, 2, 4, 8, 1024, QUEUE_CAPACITY_MAX};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK(queue_ring_init(&r, ring, good[i], REGION_SIZE) == QUEUE_OK);
        CHECK(r.shared == ring && r.capacity == good[i] && r.region_size == REGION_SIZE);
    }
    free(ring);
}

static void test_init_leaves_shared_memory_alone(void)
{
    struct queue_ring *ring = ring_alloc(4);
    memset(ring, 0xa5, QUEUE_RING_BYTES(4));
    struct queue_ring_handle r;
    CHECK(queue_ring_init(&r, ring, 4, REGION_SIZE) == QUEUE_OK);
    const unsigned char *bytes = (const unsigned char *)ring;
    for (size_t i = 0; i < QUEUE_RING_BYTES(4); i++) {
        CHECK(bytes[i] == 0xa5);
    }
    free(ring);
}

static void test_fresh_ring_is_empty(void)
{
    struct queue_ring_handle r = ring_new(4);
    CHECK(queue_ring_length(&r) == 0);
    CHECK(queue_ring_empty(&r));
    CHECK(!queue_ring_full(&r));
    CHECK(queue_ring_peek(&r).status == QUEUE_EMPTY);
    CHECK(queue_ring_dequeue(&r).status == QUEUE_EMPTY);
    CHECK(r.shared->head == 0 && r.shared->tail == 0);
    CHECK(r.shared->consumer_signal == 0 && r.shared->producer_signal == 0);
    ring_delete(&r);
}

static void test_fifo_until_full(void)
{
    struct queue_ring_handle r = ring_new(8);
    for (uint32_t i = 0; i < 8; i++) {
        CHECK(!queue_ring_full(&r));
        CHECK(queue_ring_enqueue(&r, buffer(i * 64, i + 1)) == QUEUE_OK);
        CHECK(queue_ring_length(&r) == i + 1);
    }
    CHECK(queue_ring_full(&r));
    CHECK(queue_ring_enqueue(&r, buffer(0, 1)) == QUEUE_FULL);
    CHECK(r.shared->tail == 8);
    for (uint32_t i = 0; i < 8; i++) {
        struct queue_result got = queue_ring_dequeue(&r);
        CHECK(got.status == QUEUE_OK);
        CHECK(got.buffer.offset == i * 64 && got.buffer.length == i + 1);
        CHECK(got.buffer.reserved == 0);
        CHECK(queue_ring_length(&r) == 7 - i);
    }
    CHECK(queue_ring_empty(&r));
    CHECK(queue_ring_dequeue(&r).status == QUEUE_EMPTY);
    ring_delete(&r);
}

static void test_capacity_one(void)
{
    struct queue_ring_handle r = ring_new(1);
    for (uint32_t i = 0; i < 10; i++) {
        CHECK(queue_ring_enqueue(&r, buffer(i, 1)) == QUEUE_OK);
        CHECK(queue_ring_full(&r) && queue_ring_length(&r) == 1);
        CHECK(queue_ring_enqueue(&r, buffer(i, 1)) == QUEUE_FULL);
        struct queue_result got = queue_ring_dequeue(&r);
        CHECK(got.status == QUEUE_OK && got.buffer.offset == i);
        CHECK(queue_ring_empty(&r));
    }
    ring_delete(&r);
}

static void test_peek_does_not_remove(void)
{
    struct queue_ring_handle r = ring_new(4);
    CHECK(queue_ring_enqueue(&r, buffer(100, 10)) == QUEUE_OK);
    CHECK(queue_ring_enqueue(&r, buffer(200, 20)) == QUEUE_OK);
    for (int i = 0; i < 3; i++) {
        struct queue_result got = queue_ring_peek(&r);
        CHECK(got.status == QUEUE_OK && got.buffer.offset == 100 && got.buffer.length == 10);
        CHECK(queue_ring_length(&r) == 2);
    }
    CHECK(queue_ring_dequeue(&r).buffer.offset == 100);
    CHECK(queue_ring_peek(&r).buffer.offset == 200);
    CHECK(queue_ring_dequeue(&r).buffer.offset == 200);
    CHECK(queue_ring_peek(&r).status == QUEUE_EMPTY);
    ring_delete(&r);
}

/* Slots wrap many times with the ring at every fill level in turn. */
static void test_slot_wrap_around(void)
{
    struct queue_ring_handle r = ring_new(4);
    uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; round++) {
        uint32_t put = (uint32_t)(round % 5), take = (uint32_t)((round * 3) % 5);
        for (uint32_t i = 0; i < put; i++) {
            enum queue_status status = queue_ring_enqueue(&r, buffer(next_in % REGION_SIZE, 1));
            CHECK(status == (next_in - next_out < 4 ? QUEUE_OK : QUEUE_FULL));
            next_in += status == QUEUE_OK;
        }
        for (uint32_t i = 0; i < take; i++) {
            struct queue_result got = queue_ring_dequeue(&r);
            CHECK(got.status == (next_in > next_out ? QUEUE_OK : QUEUE_EMPTY));
            if (got.status == QUEUE_OK) {
                CHECK(got.buffer.offset == next_out % REGION_SIZE);
                next_out++;
            }
        }
        CHECK(queue_ring_length(&r) == next_in - next_out);
    }
    CHECK(next_in > 1000);
    ring_delete(&r);
}

/* The free-running indices cross 2^32 without losing full or empty. */
static void test_index_wrap_2_32(void)
{
    struct queue_ring_handle r = ring_new(4);
    r.shared->head = r.shared->tail = UINT32_MAX - 5;
    uint32_t in = 0, out = 0;
    for (int round = 0; round < 6; round++) {
        while (queue_ring_enqueue(&r, buffer(in, 0)) == QUEUE_OK) {
            in++;
        }
        CHECK(in - out == 4 && queue_ring_full(&r) && queue_ring_length(&r) == 4);
        for (int i = 0; i < 3; i++) {
            struct queue_result got = queue_ring_dequeue(&r);
            CHECK(got.status == QUEUE_OK && got.buffer.offset == out);
            out++;
        }
    }
    CHECK(r.shared->tail < 100); /* it did wrap */
    while (queue_ring_dequeue(&r).status == QUEUE_OK) {
        out++;
    }
    CHECK(in == out && queue_ring_empty(&r));
    ring_delete(&r);
}

static void test_enqueue_checks_descriptor(void)
{
    struct queue_ring_handle r = ring_new(4);
    CHECK(queue_ring_enqueue(&r, buffer(REGION_SIZE + 1, 0)) == QUEUE_BAD_BUFFER);
    CHECK(queue_ring_enqueue(&r, buffer(REGION_SIZE - 10, 11)) == QUEUE_BAD_BUFFER);
    CHECK(queue_ring_enqueue(&r, buffer(0, REGION_SIZE + 1)) == QUEUE_BAD_BUFFER);
    CHECK(queue_ring_enqueue(&r, buffer(UINT64_MAX, 2)) == QUEUE_BAD_BUFFER);
    CHECK(queue_ring_enqueue(&r, buffer(UINT64_MAX - 1, UINT32_MAX)) == QUEUE_BAD_BUFFER);
    CHECK(queue_ring_empty(&r) && r.shared->tail == 0);
    CHECK(queue_ring_enqueue(&r, buffer(0, REGION_SIZE)) == QUEUE_OK);
    CHECK(queue_ring_enqueue(&r, buffer(REGION_SIZE - 10, 10)) == QUEUE_OK);
    CHECK(queue_ring_enqueue(&r, buffer(REGION_SIZE, 0)) == QUEUE_OK);
    CHECK(queue_ring_length(&r) == 3);
    ring_delete(&r);
}

static void test_buffer_fits_edges(void)
{
    CHECK(queue_buffer_fits(buffer(0, 0), 0));
    CHECK(!queue_buffer_fits(buffer(0, 1), 0));
    CHECK(!queue_buffer_fits(buffer(1, 0), 0));
    CHECK(queue_buffer_fits(buffer(UINT64_MAX, 0), UINT64_MAX));
    CHECK(!queue_buffer_fits(buffer(UINT64_MAX, 1), UINT64_MAX));
    CHECK(queue_buffer_fits(buffer(UINT64_MAX - UINT32_MAX, UINT32_MAX), UINT64_MAX));
    CHECK(!queue_buffer_fits(buffer(UINT64_MAX - UINT32_MAX + 1, UINT32_MAX), UINT64_MAX));
}

/* A descriptor the peer wrote outside the region is handed out as QUEUE_BAD_BUFFER and
 * removed, so the ring moves on. */
static void test_dequeue_drops_bad_descriptor(void)
{
    struct queue_ring_handle r = ring_new(4);
    CHECK(queue_ring_enqueue(&r, buffer(0, 8)) == QUEUE_OK);
    CHECK(queue_ring_enqueue(&r, buffer(8, 8)) == QUEUE_OK);
    r.shared->slots[0].offset = REGION_SIZE - 4; /* the peer rewrites it: now too long */
    struct queue_result got = queue_ring_peek(&r);
    CHECK(got.status == QUEUE_BAD_BUFFER && got.buffer.offset == REGION_SIZE - 4);
    CHECK(queue_ring_length(&r) == 2);
    got = queue_ring_dequeue(&r);
    CHECK(got.status == QUEUE_BAD_BUFFER && got.buffer.length == 8);
    got = queue_ring_dequeue(&r);
    CHECK(got.status == QUEUE_OK && got.buffer.offset == 8);
    r.shared->slots[2].offset = UINT64_MAX;
    r.shared->slots[2].length = UINT32_MAX;
    r.shared->tail++; /* a descriptor the peer never enqueued through the library */
    CHECK(queue_ring_dequeue(&r).status == QUEUE_BAD_BUFFER);
    CHECK(queue_ring_empty(&r));
    ring_delete(&r);
}

/* The peer moves tail far ahead: the consumer sees at most `capacity` descriptors, all
 * checked, and every slot read is inside the ring (ASan). */
static void test_corrupt_tail(void)
{
    struct queue_ring_handle r = ring_new(4);
    for (uint32_t i = 0; i < 4; i++) {
        r.shared->slots[i] = buffer(i * 16, 16);
    }
    r.shared->slots[3].offset = REGION_SIZE; /* one garbage descriptor */
    r.shared->tail = 0x7fffffffu;
    CHECK(queue_ring_length(&r) == 4 && queue_ring_full(&r));
    CHECK(queue_ring_enqueue(&r, buffer(0, 1)) == QUEUE_FULL);
    int ok = 0, bad = 0;
    for (int i = 0; i < 64; i++) {
        enum queue_status status = queue_ring_dequeue(&r).status;
        ok += status == QUEUE_OK;
        bad += status == QUEUE_BAD_BUFFER;
    }
    CHECK(ok == 48 && bad == 16);
    r.shared->tail = r.shared->head - 1; /* tail behind head */
    CHECK(queue_ring_length(&r) == 4 && queue_ring_full(&r));
    ring_delete(&r);
}

/* The peer writes wild values into every shared word: no operation leaves the ring. */
static void test_corrupt_everything(void)
{
    struct queue_ring_handle r = ring_new(8);
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        unsigned char *bytes = (unsigned char *)r.shared;
        for (size_t i = 0; i < QUEUE_RING_BYTES(8); i++) {
            seed = seed * 1103515245u + 12345u;
            bytes[i] = (unsigned char)(seed >> 16);
        }
        uint32_t length = queue_ring_length(&r);
        CHECK(length <= 8);
        CHECK(queue_ring_full(&r) == (length == 8));
        struct queue_result got = queue_ring_dequeue(&r);
        CHECK(got.status != QUEUE_OK || queue_buffer_fits(got.buffer, REGION_SIZE));
        got = queue_ring_peek(&r);
        CHECK(got.status != QUEUE_OK || queue_buffer_fits(got.buffer, REGION_SIZE));
        enum queue_status status = queue_ring_enqueue(&r, buffer(1, 1));
        CHECK(status == QUEUE_OK || status == QUEUE_FULL);
        (void)queue_ring_should_notify_consumer(&r);
        (void)queue_ring_should_notify_producer(&r);
        (void)queue_ring_consumer_may_sleep(&r);
        (void)queue_ring_producer_may_sleep(&r);
    }
    ring_delete(&r);
}

static void test_consumer_signal(void)
{
    struct queue_ring_handle r = ring_new(2);
    CHECK(!queue_ring_consumer_needs_signal(&r));
    CHECK(!queue_ring_should_notify_consumer(&r));
    queue_ring_request_consumer_signal(&r);
    CHECK(r.shared->consumer_signal != 0 && r.shared->producer_signal == 0);
    CHECK(queue_ring_consumer_needs_signal(&r));
    queue_ring_cancel_consumer_signal(&r);
    CHECK(!queue_ring_consumer_needs_signal(&r));

    /* empty: the consumer may sleep, and the flag stays for the producer to see */
    CHECK(queue_ring_consumer_may_sleep(&r));
    CHECK(queue_ring_consumer_needs_signal(&r));
    CHECK(queue_ring_enqueue(&r, buffer(0, 1)) == QUEUE_OK);
    CHECK(queue_ring_should_notify_consumer(&r)); /* one request, one signal */
    CHECK(!queue_ring_consumer_needs_signal(&r));
    CHECK(!queue_ring_should_notify_consumer(&r));

    /* not empty: the re-check finds data and withdraws the request */
    CHECK(!queue_ring_consumer_may_sleep(&r));
    CHECK(!queue_ring_consumer_needs_signal(&r));
    ring_delete(&r);
}

static void test_producer_signal(void)
{
    struct queue_ring_handle r = ring_new(2);
    CHECK(!queue_ring_producer_needs_signal(&r));
    queue_ring_request_producer_signal(&r);
    CHECK(r.shared->producer_signal != 0 && r.shared->consumer_signal == 0);
    CHECK(queue_ring_producer_needs_signal(&r));
    queue_ring_cancel_producer_signal(&r);
    CHECK(!queue_ring_producer_needs_signal(&r));

    /* not full: no sleeping */
    CHECK(!queue_ring_producer_may_sleep(&r));
    CHECK(!queue_ring_producer_needs_signal(&r));

    CHECK(queue_ring_enqueue(&r, buffer(0, 1)) == QUEUE_OK);
    CHECK(queue_ring_enqueue(&r, buffer(1, 1)) == QUEUE_OK);
    CHECK(queue_ring_producer_may_sleep(&r));
    CHECK(queue_ring_producer_needs_signal(&r));
    CHECK(queue_ring_dequeue(&r).status == QUEUE_OK);
    CHECK(queue_ring_should_notify_producer(&r));
    CHECK(!queue_ring_should_notify_producer(&r));
    ring_delete(&r);
}

static void test_queue_pair(void)
{
    struct queue_ring *free_ring = ring_alloc(4), *active_ring = ring_alloc(4);
    struct queue_handle q;
    memset(&q, 0, sizeof(q));
    CHECK(queue_init(&q, free_ring, active_ring, 5, REGION_SIZE) == QUEUE_BAD_CAPACITY);
    CHECK(q.free.shared == NULL && q.active.shared == NULL);
    CHECK(queue_init(&q, free_ring, active_ring, 4, REGION_SIZE) == QUEUE_OK);
    CHECK(q.free.shared == free_ring && q.active.shared == active_ring);

    /* the owner fills two buffers; the peer takes them and gives them back */
    CHECK(queue_enqueue_active(&q, buffer(0, 100)) == QUEUE_OK);
    CHECK(queue_enqueue_active(&q, buffer(2048, 200)) == QUEUE_OK);
    CHECK(queue_length_active(&q) == 2 && queue_empty_free(&q) && !queue_full_active(&q));
    CHECK(queue_peek_active(&q).buffer.offset == 0);
    struct queue_result got = queue_dequeue_active(&q);
    CHECK(got.status == QUEUE_OK && got.buffer.length == 100);
    CHECK(queue_enqueue_free(&q, buffer(got.buffer.offset, 2048)) == QUEUE_OK);
    CHECK(queue_length_free(&q) == 1 && queue_length_active(&q) == 1);
    CHECK(queue_peek_free(&q).buffer.length == 2048);
    got = queue_dequeue_free(&q);
    CHECK(got.status == QUEUE_OK && got.buffer.offset == 0);
    CHECK(queue_empty_free(&q) && !queue_empty_active(&q));
    for (uint32_t i = 0; i < 3; i++) {
        CHECK(queue_enqueue_free(&q, buffer(i, 1)) == QUEUE_OK);
    }
    CHECK(queue_enqueue_free(&q, buffer(0, 1)) == QUEUE_OK);
    CHECK(queue_full_free(&q) && queue_enqueue_free(&q, buffer(0, 1)) == QUEUE_FULL);
    CHECK(!queue_full_active(&q));
    free(free_ring);
    free(active_ring);
}

static const struct queue_test unit_tests[] = {
    {"init_capacity", test_init_capacity},
    {"init_leaves_shared_memory_alone", test_init_leaves_shared_memory_alone},
    {"fresh_ring_is_empty", test_fresh_ring_is_empty},
    {"fifo_until_full", test_fifo_until_full},
    {"capacity_one", test_capacity_one},
    {"peek_does_not_remove", test_peek_does_not_remove},
    {"slot_wrap_around", test_slot_wrap_around},
    {"index_wrap_2_32", test_index_wrap_2_32},
    {"enqueue_checks_descriptor", test_enqueue_checks_descriptor},
    {"buffer_fits_edges", test_buffer_fits_edges},
    {"dequeue_drops_bad_descriptor", test_dequeue_drops_bad_descriptor},
    {"corrupt_tail", test_corrupt_tail},
    {"corrupt_everything", test_corrupt_everything},
    {"consumer_signal", test_consumer_signal},
    {"producer_signal", test_producer_signal},
    {"queue_pair", test_queue_pair},
};

int main(void)
{
    int failed = check_run("queue", unit_tests, sizeof(unit_tests) / sizeof(unit_tests[0]));
    failed += check_run("queue", queue_stress_tests, queue_stress_tests_count);
    failed += check_run("queue", queue_move_tests, queue_move_tests_count);
    return failed == 0 ? 0 : 1;
}
