/*
 * Signal flags: how the two sides of a ring sleep without losing a wake-up.
 *
 * A component waits on a notification (one word of bits; signals coalesce, a signal sent
 * before the wait is not lost). It should be signalled only when it really sleeps, so each
 * ring carries two flags in shared memory: `consumer_signal` (the consumer waits for
 * data) and `producer_signal` (the producer waits for room). The protocol, with the
 * ordering argument in docs/drivers.md ("The queue protocol"):
 *
 *   Consumer, about to sleep on an empty ring (queue_ring_consumer_may_sleep):
 *       consumer_signal = 1; full fence; if the ring is not empty: consumer_signal = 0,
 *       and go on working; otherwise wait on the notification.
 *   Producer, after enqueueing (queue_ring_should_notify_consumer):
 *       full fence; if consumer_signal: consumer_signal = 0, then signal the consumer.
 *
 * and the mirror image for a producer that finds the ring full (producer_signal, checked
 * by the consumer after dequeueing). Each side's store (flag, or index) and its later load
 * of the other's are separated by a sequentially consistent fence, so at least one side
 * sees the other's store: either the sleeper's re-check sees the new descriptor, or the
 * waker sees the flag and signals. The flag is cleared before the signal is sent, so a flag
 * set again after the clear always belongs to a later sleep and is seen by a later check.
 *
 * Freestanding C11: only compiler headers and __atomic builtins.
 */
#ifndef BASTION_QUEUE_SIGNAL_H
#define BASTION_QUEUE_SIGNAL_H

#include <stdbool.h>

#include <bastion/queue/ring.h>

/* Consumer: ask to be signalled when data arrives. Ends with a full fence. */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->consumer_signal;
    ensures r->shared->consumer_signal == 1;
 */
static inline void queue_ring_request_consumer_signal(struct queue_ring_handle *r)
{
    __atomic_store_n(&r->shared->consumer_signal, 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Either side: the consumer no longer needs (or has been sent) a signal. */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->consumer_signal;
    ensures r->shared->consumer_signal == 0;
 */
static inline void queue_ring_cancel_consumer_signal(struct queue_ring_handle *r)
{
    __atomic_store_n(&r->shared->consumer_signal, 0, __ATOMIC_RELAXED);
}

/* Producer, after enqueueing: whether the consumer asked for a signal. Starts with a full
 * fence (the enqueue's `tail` store before this load). */
/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
    ensures \result <==> r->shared->consumer_signal != 0;
 */
static inline bool queue_ring_consumer_needs_signal(const struct queue_ring_handle *r)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&r->shared->consumer_signal, __ATOMIC_RELAXED) != 0;
}

/* Producer: ask to be signalled when room frees up. Ends with a full fence. */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->producer_signal;
    ensures r->shared->producer_signal == 1;
 */
static inline void queue_ring_request_producer_signal(struct queue_ring_handle *r)
{
    __atomic_store_n(&r->shared->producer_signal, 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Either side: the producer no longer needs (or has been sent) a signal. */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->producer_signal;
    ensures r->shared->producer_signal == 0;
 */
static inline void queue_ring_cancel_producer_signal(struct queue_ring_handle *r)
{
    __atomic_store_n(&r->shared->producer_signal, 0, __ATOMIC_RELAXED);
}

/* Consumer, after dequeueing: whether the producer asked for a signal. Starts with a full
 * fence (the dequeue's `head` store before this load). */
/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
    ensures \result <==> r->shared->producer_signal != 0;
 */
static inline bool queue_ring_producer_needs_signal(const struct queue_ring_handle *r)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&r->shared->producer_signal, __ATOMIC_RELAXED) != 0;
}

/*
 * Consumer, having found the ring empty: request a signal and re-check. Returns true if
 * the caller must now wait on its notification (the flag stays set, so the producer's
 * next enqueue signals it); false if data arrived meanwhile (the flag is cleared again):
 * dequeue it instead of sleeping.
 */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->consumer_signal;
    ensures \result <==> r->shared->consumer_signal == 1;
 */
static inline bool queue_ring_consumer_may_sleep(struct queue_ring_handle *r)
{
    queue_ring_request_consumer_signal(r);
    if (!queue_ring_empty(r)) {
        queue_ring_cancel_consumer_signal(r);
        return false;
    }
    return true;
}

/*
 * Producer, having found the ring full: the mirror image of queue_ring_consumer_may_sleep.
 * Returns true if the caller must wait for a signal, false if room appeared.
 */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->producer_signal;
    ensures \result <==> r->shared->producer_signal == 1;
 */
static inline bool queue_ring_producer_may_sleep(struct queue_ring_handle *r)
{
    queue_ring_request_producer_signal(r);
    if (!queue_ring_full(r)) {
        queue_ring_cancel_producer_signal(r);
        return false;
    }
    return true;
}

/*
 * Producer, after one or more enqueues: returns true if the caller must signal the
 * consumer now. The flag is cleared first, so one request brings one signal, and a request
 * made after the clear is not lost (the caller's signal comes after it).
 */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->consumer_signal;
    ensures r->shared->consumer_signal == 0 || r->shared->consumer_signal ==
   \old(r->shared->consumer_signal); ensures \result <==> \old(r->shared->consumer_signal) != 0;
 */
static inline bool queue_ring_should_notify_consumer(struct queue_ring_handle *r)
{
    if (!queue_ring_consumer_needs_signal(r)) {
        return false;
    }
    queue_ring_cancel_consumer_signal(r);
    return true;
}

/* Consumer, after one or more dequeues: returns true if it must signal the producer now. */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->producer_signal;
    ensures r->shared->producer_signal == 0 || r->shared->producer_signal ==
   \old(r->shared->producer_signal); ensures \result <==> \old(r->shared->producer_signal) != 0;
 */
static inline bool queue_ring_should_notify_producer(struct queue_ring_handle *r)
{
    if (!queue_ring_producer_needs_signal(r)) {
        return false;
    }
    queue_ring_cancel_producer_signal(r);
    return true;
}

#endif /* BASTION_QUEUE_SIGNAL_H */
