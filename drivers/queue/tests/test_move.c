/*
 * Host tests of the move journal (bastion/queue/move.h): a descriptor moved from one ring
 * to another by a component that may die after any step of the move, and a restarted run
 * that finishes it from the journal, lands on the destination exactly once and leaves the
 * source exactly once, whatever step the crash came after. A run that ignores the journal
 * (the restart suites' broken variants) is shown to duplicate or lose it, so the test can
 * fail.
 */
#include <stdint.h>
#include <stdlib.h>

#include <bastion/queue/move.h>

#include "check.h"

#define CAPACITY 8u

struct rings {
    struct queue_ring *from_mem, *to_mem;
    struct queue_ring_handle from, to;
    struct queue_move_journal journal;
};

static void rings_new(struct rings *r)
{
    r->from_mem = calloc(1, QUEUE_RING_BYTES(CAPACITY));
    r->to_mem = calloc(1, QUEUE_RING_BYTES(CAPACITY));
    queue_ring_init(&r->from, r->from_mem, CAPACITY, 1u << 20);
    queue_ring_init(&r->to, r->to_mem, CAPACITY, 1u << 20);
    r->journal = (struct queue_move_journal){0};
}

static void rings_delete(struct rings *r)
{
    free(r->from_mem);
    free(r->to_mem);
}

/* One move of the head of `from` (its offset + 1000 onto `to`), stopped after `steps` of
 * its four steps (begin, enqueue, pop, done): a crash there. */
static void move_until(struct rings *r, unsigned steps)
{
    struct queue_result head = queue_ring_peek(&r->from);
    struct queue_buffer out = {.offset = head.buffer.offset + 1000, .length = head.buffer.length};
    if (steps >= 1)
        queue_move_begin(&r->journal, 7, &r->from, &r->to, out);
    if (steps >= 2)
        (void)queue_ring_enqueue(&r->to, out);
    if (steps >= 3)
        (void)queue_ring_dequeue(&r->from);
    if (steps >= 4)
        queue_move_done(&r->journal);
}

/* A crash after every step, then the restarted run's redo: each of 3 descriptors (two
 * moved before, one during the crash) is on `to` once and off `from`. */
static void test_redo_after_every_step(void)
{
    for (unsigned steps = 0; steps <= 4; steps++) {
        struct rings r;
        rings_new(&r);
        for (uint64_t i = 1; i <= 3; i++)
            CHECK(queue_ring_enqueue(&r.from, (struct queue_buffer){.offset = i, .length = 1}) ==
                  QUEUE_OK);
        move_until(&r, 4);
        move_until(&r, 4);
        move_until(&r, steps); /* the third, cut short */
        if (queue_move_pending(&r.journal) == 7)
            (void)queue_move_redo(&r.journal, &r.from, &r.to);
        CHECK(queue_move_pending(&r.journal) == 0);
        if (steps == 0) { /* never began: still on `from`, to be moved by the next run */
            CHECK(queue_ring_length(&r.from) == 1 && queue_ring_length(&r.to) == 2);
            move_until(&r, 4);
        }
        CHECK(queue_ring_length(&r.from) == 0);
        CHECK(queue_ring_length(&r.to) == 3);
        for (uint64_t i = 1; i <= 3; i++)
            CHECK(queue_ring_dequeue(&r.to).buffer.offset == 1000 + i);
        rings_delete(&r);
    }
}

/* Without the journal, a crash between the enqueue and the pop sends the head again. */
static void test_without_journal_duplicates(void)
{
    struct rings r;
    rings_new(&r);
    CHECK(queue_ring_enqueue(&r.from, (struct queue_buffer){.offset = 5, .length = 1}) == QUEUE_OK);
    move_until(&r, 2);
    move_until(&r, 4); /* the restarted run, knowing nothing, moves the head again */
    CHECK(queue_ring_length(&r.to) == 2);
    rings_delete(&r);
}

/* A move with no source (a buffer given back from a table) is enqueued once. */
static void test_enqueue_only(void)
{
    for (unsigned crash_after_enqueue = 0; crash_after_enqueue <= 1; crash_after_enqueue++) {
        struct rings r;
        rings_new(&r);
        struct queue_buffer b = {.offset = 42, .length = 3};
        queue_move_begin(&r.journal, 9, NULL, &r.to, b);
        if (crash_after_enqueue)
            (void)queue_ring_enqueue(&r.to, b);
        CHECK(queue_move_pending(&r.journal) == 9);
        CHECK(queue_move_redo(&r.journal, NULL, &r.to));
        CHECK(queue_ring_length(&r.to) == 1);
        CHECK(queue_ring_dequeue(&r.to).buffer.offset == 42);
        rings_delete(&r);
    }
}

/* A full destination: the redo reports that the buffer is not there. */
static void test_redo_full_destination(void)
{
    struct rings r;
    rings_new(&r);
    CHECK(queue_ring_enqueue(&r.from, (struct queue_buffer){.offset = 1, .length = 1}) == QUEUE_OK);
    queue_move_begin(&r.journal, 3, &r.from, &r.to,
                     (struct queue_buffer){.offset = 1, .length = 1});
    for (uint32_t i = 0; i < CAPACITY; i++) /* filled by someone else meanwhile */
        r.to_mem->slots[i] = (struct queue_buffer){.offset = 0, .length = 0};
    r.to_mem->tail = r.to_mem->head + CAPACITY;
    r.journal.to_tail_before = r.to_mem->tail; /* as if begun when it was full */
    CHECK(!queue_move_finish_enqueue(&r.journal, &r.to));
    rings_delete(&r);
}

/* The serial drivers' form of a move: the source's head buffer returned on `to`, then a
 * count of its bytes reset (their `sent`) and the pop done by queue_move_finish_pop(), by
 * one function that the restarted run calls too. Cut short after `steps` of its five
 * steps (begin, enqueue, reset, pop, done). */
static void return_head_until(struct rings *r, uint32_t *sent, unsigned steps)
{
    struct queue_buffer head = queue_ring_peek(&r->from).buffer;
    if (steps >= 1)
        queue_move_begin(&r->journal, 1, &r->from, &r->to, head);
    if (steps >= 2)
        (void)queue_ring_enqueue(&r->to, head);
    if (steps >= 3)
        *sent = 0;
    if (steps >= 4)
        queue_move_finish_pop(&r->journal, &r->from);
    if (steps >= 5)
        queue_move_done(&r->journal);
}

/* A restarted run of that form, itself cut short after `steps` of its own (enqueue unless
 * done, reset, pop unless done, done). */
static void resync_until(struct rings *r, uint32_t *sent, unsigned steps)
{
    if (queue_move_pending(&r->journal) == 0)
        return;
    if (steps >= 1)
        CHECK(queue_move_finish_enqueue(&r->journal, &r->to));
    if (steps >= 2)
        *sent = 0;
    if (steps >= 3)
        queue_move_finish_pop(&r->journal, &r->from);
    if (steps >= 4)
        queue_move_done(&r->journal);
}

/* A crash after every step of the run, and again after every step of the first restarted
 * run: after a second restart each returned buffer is on `to` once, off `from`, in order,
 * and the count is reset exactly when the head moved on; a late finish_pop pops nothing. */
static void test_pop_by_finish_pop(void)
{
    for (unsigned steps = 0; steps <= 5; steps++) {
        for (unsigned resync_steps = 0; resync_steps <= 4; resync_steps++) {
            struct rings r;
            rings_new(&r);
            for (uint64_t i = 1; i <= 3; i++)
                CHECK(queue_ring_enqueue(&r.from, (struct queue_buffer){.offset = i * 256,
                                                                        .length = 9}) == QUEUE_OK);
            uint32_t sent = 9; /* the first buffer is sent */
            return_head_until(&r, &sent, 5);
            sent = 9; /* and the second */
            return_head_until(&r, &sent, steps);
            resync_until(&r, &sent, resync_steps);
            resync_until(&r, &sent, 4);
            CHECK(queue_move_pending(&r.journal) == 0);
            uint32_t moved = steps == 0 ? 1 : 2; /* never begun: the next run returns it */
            CHECK(queue_ring_length(&r.to) == moved);
            CHECK(queue_ring_length(&r.from) == 3 - moved);
            CHECK(sent == (moved == 2 ? 0 : 9));
            CHECK(queue_ring_peek(&r.from).buffer.offset == (moved + 1) * 256);
            queue_move_finish_pop(&r.journal, &r.from);
            CHECK(queue_ring_length(&r.from) == 3 - moved);
            for (uint64_t i = 1; i <= moved; i++)
                CHECK(queue_ring_dequeue(&r.to).buffer.offset == i * 256);
            rings_delete(&r);
        }
    }
}

const struct queue_test queue_move_tests[] = {
    {"move_redo_after_every_step", test_redo_after_every_step},
    {"move_without_journal_duplicates", test_without_journal_duplicates},
    {"move_enqueue_only", test_enqueue_only},
    {"move_redo_full_destination", test_redo_full_destination},
    {"move_pop_by_finish_pop", test_pop_by_finish_pop},
};
const size_t queue_move_tests_count = sizeof(queue_move_tests) / sizeof(queue_move_tests[0]);
