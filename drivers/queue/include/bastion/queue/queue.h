/*
 * A queue: the pair of rings through which two components pass buffers of one shared
 * data region back and forth.
 *
 * The owner of the buffers (say a client) enqueues filled buffers on the *active* ring
 * and gets them back, emptied, on the *free* ring; its peer (say a driver or virtualiser)
 * dequeues from active and enqueues on free. A buffer is owned by exactly one side at a
 * time: by whoever dequeued it last, until that side enqueues it again. Both rings share
 * one private capacity and region size (see ring.h for what the library guarantees when
 * the peer misbehaves, signal.h for how either side sleeps).
 *
 * This is the one header a component includes. Freestanding C11, header-only.
 */
#ifndef BASTION_QUEUE_QUEUE_H
#define BASTION_QUEUE_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/queue/buffer.h>
#include <bastion/queue/ring.h>
#include <bastion/queue/signal.h>

/* A component's private view of a queue. */
struct queue_handle {
    struct queue_ring_handle free;   /* emptied buffers, back to their owner */
    struct queue_ring_handle active; /* filled buffers (or requests), to the peer */
};

/*
 * Point q at two shared rings of `capacity` slots each (QUEUE_RING_BYTES(capacity) bytes
 * each) over a data region of region_size bytes. Shared memory is not touched. Returns
 * QUEUE_OK or QUEUE_BAD_CAPACITY (q unchanged).
 */
/*@ predicate queue_handle_ok(struct queue_handle *q) =
        queue_ring_handle_ok(&q->free) && queue_ring_handle_ok(&q->active);
 */

/*@ requires \valid(q);
    assigns *q;
    ensures \result == QUEUE_OK <==> queue_capacity_ok(capacity);
    ensures \result == QUEUE_OK || \result == QUEUE_BAD_CAPACITY;
    ensures \result == QUEUE_OK ==> q->free.shared == free_ring && q->active.shared == active_ring;
    ensures \result == QUEUE_OK ==> q->free.capacity == capacity && q->active.capacity == capacity;
    ensures \result == QUEUE_OK ==>
                q->free.region_size == region_size && q->active.region_size == region_size;
    ensures \result != QUEUE_OK ==> *q == \old(*q);
 */
static inline enum queue_status queue_init(struct queue_handle *q, struct queue_ring *free_ring,
                                           struct queue_ring *active_ring, uint32_t capacity,
                                           uint64_t region_size)
{
    enum queue_status status = queue_ring_init(&q->free, free_ring, capacity, region_size);
    if (status != QUEUE_OK) {
        return status; /* q unchanged */
    }
    return queue_ring_init(&q->active, active_ring, capacity, region_size); /* the same test */
}

/* The owner of the buffers: hand a filled buffer to the peer. */
/*@ requires queue_ring_handle_ok(&q->active);
    assigns q->active.shared->tail, q->active.shared->slots[0 .. q->active.capacity - 1];
 */
static inline enum queue_status queue_enqueue_active(struct queue_handle *q,
                                                     struct queue_buffer buf)
{
    return queue_ring_enqueue(&q->active, buf);
}

/* The peer: take the oldest filled buffer. */
/*@ requires queue_ring_handle_ok(&q->active);
    assigns q->active.shared->head;
    ensures \result.status == QUEUE_OK ==> queue_buffer_inside(\result.buffer,
   q->active.region_size);
 */
static inline struct queue_result queue_dequeue_active(struct queue_handle *q)
{
    return queue_ring_dequeue(&q->active);
}

/* The peer: give a buffer back to its owner. */
/*@ requires queue_ring_handle_ok(&q->free);
    assigns q->free.shared->tail, q->free.shared->slots[0 .. q->free.capacity - 1];
 */
static inline enum queue_status queue_enqueue_free(struct queue_handle *q, struct queue_buffer buf)
{
    return queue_ring_enqueue(&q->free, buf);
}

/* The owner: take back the oldest returned buffer. */
/*@ requires queue_ring_handle_ok(&q->free);
    assigns q->free.shared->head;
    ensures \result.status == QUEUE_OK ==> queue_buffer_inside(\result.buffer, q->free.region_size);
 */
static inline struct queue_result queue_dequeue_free(struct queue_handle *q)
{
    return queue_ring_dequeue(&q->free);
}

/*@ requires queue_ring_handle_ok(&q->active);
    assigns \nothing;
    ensures \result.status == QUEUE_OK ==> queue_buffer_inside(\result.buffer,
   q->active.region_size);
 */
static inline struct queue_result queue_peek_active(const struct queue_handle *q)
{
    return queue_ring_peek(&q->active);
}

/*@ requires queue_ring_handle_ok(&q->free);
    assigns \nothing;
    ensures \result.status == QUEUE_OK ==> queue_buffer_inside(\result.buffer, q->free.region_size);
 */
static inline struct queue_result queue_peek_free(const struct queue_handle *q)
{
    return queue_ring_peek(&q->free);
}

/*@ requires queue_ring_handle_ok(&q->active);
    assigns \nothing;
 */
static inline uint32_t queue_length_active(const struct queue_handle *q)
{
    return queue_ring_length(&q->active);
}

/*@ requires queue_ring_handle_ok(&q->free);
    assigns \nothing;
 */
static inline uint32_t queue_length_free(const struct queue_handle *q)
{
    return queue_ring_length(&q->free);
}

/*@ requires queue_ring_handle_ok(&q->active);
    assigns \nothing;
 */
static inline bool queue_empty_active(const struct queue_handle *q)
{
    return queue_ring_empty(&q->active);
}

/*@ requires queue_ring_handle_ok(&q->free);
    assigns \nothing;
 */
static inline bool queue_empty_free(const struct queue_handle *q)
{
    return queue_ring_empty(&q->free);
}

/*@ requires queue_ring_handle_ok(&q->active);
    assigns \nothing;
 */
static inline bool queue_full_active(const struct queue_handle *q)
{
    return queue_ring_full(&q->active);
}

/*@ requires queue_ring_handle_ok(&q->free);
    assigns \nothing;
 */
static inline bool queue_full_free(const struct queue_handle *q)
{
    return queue_ring_full(&q->free);
}

#endif /* BASTION_QUEUE_QUEUE_H */
