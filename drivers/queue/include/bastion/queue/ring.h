/*
 * One single-producer/single-consumer ring of buffer descriptors in shared memory.
 *
 * The ring (struct queue_ring) lies in memory that both components map read-write; each
 * keeps a private handle (struct queue_ring_handle) with the two facts it must never take
 * from shared memory: the ring's capacity and the size of the data region. What this
 * guarantees, whatever the peer writes into the shared ring at any moment:
 *
 *   - the library reads and writes only the shared ring's header and its `capacity` slots
 *     (every index is reduced modulo the private capacity before it is used);
 *   - every descriptor it hands out has been checked against the private region size
 *     (queue_buffer_fits), on a private copy read from the slot exactly once;
 *   - a peer can at worst make the ring look full or empty, or hand out descriptors that
 *     fit but name the wrong data.
 *
 * Indices are free-running 32-bit counters (`tail` counts descriptors ever enqueued,
 * `head` those ever dequeued), so full and empty differ without a wasted slot; the
 * capacity is a power of two so that reduction is a mask and stays right across the
 * 2^32 wrap. The producer alone writes `tail` and the slots, the consumer alone `head`:
 * publishing is a release store of the index, observing an acquire load of the peer's.
 *
 * The signal flags that let a component sleep are in signal.h. Freestanding C11: only
 * compiler headers and __atomic builtins.
 */
#ifndef BASTION_QUEUE_RING_H
#define BASTION_QUEUE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/queue/buffer.h>

/* Results of queue operations: conditions a correct program meets, never misuse. */
enum queue_status {
    QUEUE_OK = 0,
    QUEUE_EMPTY,        /* dequeue or peek: nothing there */
    QUEUE_FULL,         /* enqueue: no room (or the peer made it look so) */
    QUEUE_BAD_BUFFER,   /* a descriptor outside the data region (refused, or dropped) */
    QUEUE_BAD_CAPACITY, /* init: capacity is not a power of two in [1, QUEUE_CAPACITY_MAX] */
};

/* A status and, with QUEUE_OK (or QUEUE_BAD_BUFFER, for logging), the descriptor. */
struct queue_result {
    enum queue_status status;
    struct queue_buffer buffer;
};

#define QUEUE_CAPACITY_MAX (UINT32_C(1) << 31)
#define QUEUE_CACHE_LINE   64

/*
 * The shared ring. Each cache line holds one side's index and the *other* side's signal
 * flag: the producer writes `tail` and then reads `consumer_signal`, the consumer writes
 * `consumer_signal` and then reads `tail`, so both steps of each sleeping protocol touch
 * one line (and symmetrically for `head`/`producer_signal`). Fresh memory (all zero) is an
 * empty ring with no signal requested.
 */
struct queue_ring {
    uint32_t tail;            /* written by the producer: descriptors enqueued, ever */
    uint32_t consumer_signal; /* nonzero: the consumer sleeps until told of new data */
    uint8_t pad0[QUEUE_CACHE_LINE - 2 * sizeof(uint32_t)];
    uint32_t head;            /* written by the consumer: descriptors dequeued, ever */
    uint32_t producer_signal; /* nonzero: the producer sleeps until told of free room */
    uint8_t pad1[QUEUE_CACHE_LINE - 2 * sizeof(uint32_t)];
    struct queue_buffer slots[]; /* `capacity` of them (the private capacity) */
};

_Static_assert(offsetof(struct queue_ring, tail) == 0, "queue_ring.tail");
_Static_assert(offsetof(struct queue_ring, consumer_signal) == 4, "queue_ring.consumer_signal");
_Static_assert(offsetof(struct queue_ring, head) == 64, "queue_ring.head");
_Static_assert(offsetof(struct queue_ring, producer_signal) == 68, "queue_ring.producer_signal");
_Static_assert(offsetof(struct queue_ring, slots) == 128, "queue_ring.slots");
_Static_assert(sizeof(struct queue_ring) == 128, "queue_ring header");

/* Bytes of shared memory a ring of `capacity` slots needs. */
#define QUEUE_RING_BYTES(capacity)                                                                 \
    (sizeof(struct queue_ring) + (size_t)(capacity) * sizeof(struct queue_buffer))

/* A component's private view of one ring. Fill it with queue_ring_init() only. */
struct queue_ring_handle {
    struct queue_ring *shared; /* QUEUE_RING_BYTES(capacity) bytes, mapped read-write */
    uint32_t capacity;         /* power of two: indices are reduced with capacity - 1 */
    uint64_t region_size;      /* bytes of the data region descriptors point into */
};

/*
 * The proofs' view of a handle (tests/prove, docs/testing.md "Proofs"): what
 * queue_ring_init() checks, and what its caller promises: `shared` maps the whole ring,
 * apart from the private handle. Nothing is assumed about what shared memory holds.
 */
/*@ predicate queue_capacity_ok(integer c) =
        1 <= c <= QUEUE_CAPACITY_MAX && (c & (c - 1)) == 0;
    predicate queue_ring_handle_ok(struct queue_ring_handle *r) =
        \valid_read(r) && queue_capacity_ok(r->capacity) && \valid(r->shared) &&
        \valid(r->shared->slots + (0 .. r->capacity - 1)) &&
        \separated(r, r->shared, r->shared->slots + (0 .. r->capacity - 1));
    logic integer queue_ring_distance(integer head, integer tail) = (uint32_t)(tail - head);
 */

/*
 * Point r at a shared ring of `capacity` slots whose descriptors name parts of a data
 * region of region_size bytes. Shared memory is not touched: a fresh (zeroed) ring is
 * empty, and a component restarted over a live ring carries on where its predecessor
 * stopped. Returns QUEUE_OK, or QUEUE_BAD_CAPACITY (r unchanged).
 */
/*@ requires \valid(r);
    assigns *r;
    ensures \result == QUEUE_OK <==> queue_capacity_ok(capacity);
    ensures \result == QUEUE_OK || \result == QUEUE_BAD_CAPACITY;
    ensures \result == QUEUE_OK ==>
                r->shared == shared && r->capacity == capacity && r->region_size == region_size;
    ensures \result != QUEUE_OK ==> *r == \old(*r);
 */
static inline enum queue_status queue_ring_init(struct queue_ring_handle *r,
                                                struct queue_ring *shared, uint32_t capacity,
                                                uint64_t region_size)
{
    if (capacity == 0 || capacity > QUEUE_CAPACITY_MAX || (capacity & (capacity - 1)) != 0) {
        return QUEUE_BAD_CAPACITY;
    }
    r->shared = shared;
    r->capacity = capacity;
    r->region_size = region_size;
    return QUEUE_OK;
}

/* The slot a free-running index names: always one of the private `capacity`. */
/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
    ensures \result == r->shared->slots + (index & (r->capacity - 1));
    ensures \valid(\result);
 */
static inline struct queue_buffer *queue_ring_slot(const struct queue_ring_handle *r,
                                                   uint32_t index)
{
    return &r->shared->slots[index & (r->capacity - 1)];
}

/*
 * Descriptors between head and tail, at most the capacity: a peer that writes a wild
 * index gets a ring that looks full (to a producer) or holds `capacity` descriptors of
 * whatever is in the slots (to a consumer), never an access outside it.
 */
/*@ requires \valid_read(r);
    assigns \nothing;
    ensures \result <= r->capacity;
    ensures \result == (queue_ring_distance(head, tail) > r->capacity ?
                          r->capacity : queue_ring_distance(head, tail));
 */
static inline uint32_t queue_ring_count(const struct queue_ring_handle *r, uint32_t head,
                                        uint32_t tail)
{
    uint32_t count = tail - head;
    return count > r->capacity ? r->capacity : count;
}

/* How many descriptors the ring holds now (either side may ask). */
/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
    ensures \result <= r->capacity;
 */
static inline uint32_t queue_ring_length(const struct queue_ring_handle *r)
{
    uint32_t head = __atomic_load_n(&r->shared->head, __ATOMIC_ACQUIRE);
    uint32_t tail = __atomic_load_n(&r->shared->tail, __ATOMIC_ACQUIRE);
    return queue_ring_count(r, head, tail);
}

/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
 */
static inline bool queue_ring_empty(const struct queue_ring_handle *r)
{
    return queue_ring_length(r) == 0;
}

/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
 */
static inline bool queue_ring_full(const struct queue_ring_handle *r)
{
    return queue_ring_length(r) == r->capacity;
}

/*
 * Whether a peer has corrupted the ring's indices: an honest ring never holds more than
 * its capacity (queue_ring_length caps what it reports, so a ring with its tail far ahead
 * of its head looks full for ever). A side asks this to tell such a ring from a full one,
 * or to skip it instead of draining garbage from it at its own cost.
 */
/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
    ensures \result <==> queue_ring_distance(r->shared->head, r->shared->tail) > r->capacity;
 */
static inline bool queue_ring_corrupt(const struct queue_ring_handle *r)
{
    uint32_t head = __atomic_load_n(&r->shared->head, __ATOMIC_RELAXED);
    uint32_t tail = __atomic_load_n(&r->shared->tail, __ATOMIC_ACQUIRE);
    return tail - head > r->capacity;
}

/*
 * Producer: append buf. The slot is written before the release store of `tail`, so a
 * consumer that acquires the new tail sees the descriptor (and whatever the producer
 * wrote into the data before). The acquire load of `head` orders the slot write after the
 * consumer's last read of that slot. Returns QUEUE_OK, QUEUE_FULL, or QUEUE_BAD_BUFFER
 * (buf does not fit the region: nothing enqueued).
 */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->tail, r->shared->slots[r->shared->tail & (r->capacity - 1)];
    behavior bad_buffer:
      assumes !queue_buffer_inside(buf, r->region_size);
      assigns \nothing;
      ensures \result == QUEUE_BAD_BUFFER;
    behavior full:
      assumes queue_buffer_inside(buf, r->region_size);
      assumes queue_ring_distance(r->shared->head, r->shared->tail) >= r->capacity;
      assigns \nothing;
      ensures \result == QUEUE_FULL;
    behavior room:
      assumes queue_buffer_inside(buf, r->region_size);
      assumes queue_ring_distance(r->shared->head, r->shared->tail) < r->capacity;
      ensures \result == QUEUE_OK;
      ensures r->shared->tail == (uint32_t)(\old(r->shared->tail) + 1);
      ensures \let s = r->shared->slots[\old(r->shared->tail) & (r->capacity - 1)];
              s.offset == buf.offset && s.length == buf.length && s.reserved == 0;
    complete behaviors;
    disjoint behaviors;
 */
static inline enum queue_status queue_ring_enqueue(struct queue_ring_handle *r,
                                                   struct queue_buffer buf)
{
    if (!queue_buffer_fits(buf, r->region_size)) {
        return QUEUE_BAD_BUFFER;
    }
    uint32_t tail = __atomic_load_n(&r->shared->tail, __ATOMIC_RELAXED);
    uint32_t head = __atomic_load_n(&r->shared->head, __ATOMIC_ACQUIRE);
    if (queue_ring_count(r, head, tail) == r->capacity) {
        return QUEUE_FULL;
    }
    struct queue_buffer *slot = queue_ring_slot(r, tail);
    __atomic_store_n(&slot->offset, buf.offset, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->length, buf.length, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->reserved, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&r->shared->tail, tail + 1, __ATOMIC_RELEASE);
    return QUEUE_OK;
}

/*
 * Consumer: the descriptor at `head`, if the ring holds one. The slot is read once, into
 * the result, and the copy is what gets checked (the peer may rewrite the slot at any
 * time). The acquire load of `tail` makes the producer's slot (and data) writes visible.
 */
/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
    ensures \result.status == QUEUE_EMPTY <==> queue_ring_distance(head, r->shared->tail) == 0;
    ensures \result.status == QUEUE_OK ==> queue_buffer_inside(\result.buffer, r->region_size);
    ensures \result.status == QUEUE_BAD_BUFFER ==>
                !queue_buffer_inside(\result.buffer, r->region_size);
    ensures \result.status == QUEUE_OK || \result.status == QUEUE_EMPTY ||
            \result.status == QUEUE_BAD_BUFFER;
 */
static inline struct queue_result queue_ring_read_at(const struct queue_ring_handle *r,
                                                     uint32_t head)
{
    struct queue_result result = {.status = QUEUE_EMPTY};
    uint32_t tail = __atomic_load_n(&r->shared->tail, __ATOMIC_ACQUIRE);
    if (queue_ring_count(r, head, tail) == 0) {
        return result;
    }
    const struct queue_buffer *slot = queue_ring_slot(r, head);
    result.buffer.offset = __atomic_load_n(&slot->offset, __ATOMIC_RELAXED);
    result.buffer.length = __atomic_load_n(&slot->length, __ATOMIC_RELAXED);
    result.status = queue_buffer_fits(result.buffer, r->region_size) ? QUEUE_OK : QUEUE_BAD_BUFFER;
    return result;
}

/*
 * Consumer: the oldest descriptor, left in the ring. Returns QUEUE_OK, QUEUE_EMPTY, or
 * QUEUE_BAD_BUFFER with the copy (a descriptor that does not fit the region).
 */
/*@ requires queue_ring_handle_ok(r);
    assigns \nothing;
    ensures \result.status == QUEUE_OK ==> queue_buffer_inside(\result.buffer, r->region_size);
 */
static inline struct queue_result queue_ring_peek(const struct queue_ring_handle *r)
{
    return queue_ring_read_at(r, __atomic_load_n(&r->shared->head, __ATOMIC_RELAXED));
}

/*
 * Consumer: remove the oldest descriptor. The release store of `head` hands the slot back
 * to the producer only after the slot has been read. A descriptor that does not fit the
 * region is removed all the same (so a bad peer cannot wedge the ring) and returned with
 * QUEUE_BAD_BUFFER: the caller drops it. Returns QUEUE_OK, QUEUE_EMPTY or QUEUE_BAD_BUFFER.
 */
/*@ requires queue_ring_handle_ok(r);
    assigns r->shared->head;
    ensures \result.status == QUEUE_OK ==> queue_buffer_inside(\result.buffer, r->region_size);
    ensures \result.status == QUEUE_EMPTY ==> r->shared->head == \old(r->shared->head);
    ensures \result.status != QUEUE_EMPTY ==>
                r->shared->head == (uint32_t)(\old(r->shared->head) + 1);
 */
static inline struct queue_result queue_ring_dequeue(struct queue_ring_handle *r)
{
    uint32_t head = __atomic_load_n(&r->shared->head, __ATOMIC_RELAXED);
    struct queue_result result = queue_ring_read_at(r, head);
    if (result.status != QUEUE_EMPTY) {
        __atomic_store_n(&r->shared->head, head + 1, __ATOMIC_RELEASE);
    }
    return result;
}

#endif /* BASTION_QUEUE_RING_H */
