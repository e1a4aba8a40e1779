/*
 * The block class's two rings: requests (client to server) and responses (server to
 * client), in a connection's queue region (bastion/blk/protocol.h).
 *
 * Each ring is the queue library's ring (bastion/queue/ring.h) with larger entries: the
 * same shared header (free-running `tail` and `head`, the two signal flags, one cache line
 * per side) and then BLK_QUEUE_CAPACITY entries of struct blk_request or struct
 * blk_response in place of buffer descriptors. So the queue library's guarantees and its
 * sleeping protocol (bastion/queue/signal.h, checked by the Spin model in
 * drivers/queue/model) carry over unchanged: every index is reduced by the private
 * capacity, an entry is copied out of shared memory exactly once and the copy is what the
 * receiver checks, and a peer that scribbles on the ring can at worst make it look full,
 * empty or full of nonsense entries. The signal functions of bastion/queue/signal.h apply
 * to `struct blk_queue`'s two handles as they are.
 *
 * Nothing here judges an entry's fields: the receiver does (blk_virt checks ranges and
 * buffers, a client checks ids). Freestanding C11.
 */
#ifndef BASTION_BLK_QUEUE_H
#define BASTION_BLK_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/blk/protocol.h>
#include <bastion/queue/signal.h>

/* One side's private view of a connection. */
struct blk_queue {
    struct queue_ring_handle request;  /* its `region_size` is unused */
    struct queue_ring_handle response; /* likewise */
    volatile struct blk_info *info;
};

/* Point q at the connection whose queue region is mapped at `region`. Touches no shared
 * memory (a fresh region is two empty rings and an info not ready). */
static inline void blk_queue_init(struct blk_queue *q, uintptr_t region)
{
    (void)queue_ring_init(&q->request, (struct queue_ring *)(region + BLK_REQUEST_OFFSET),
                          BLK_QUEUE_CAPACITY, 0);
    (void)queue_ring_init(&q->response, (struct queue_ring *)(region + BLK_RESPONSE_OFFSET),
                          BLK_QUEUE_CAPACITY, 0);
    q->info = (volatile struct blk_info *)(region + BLK_INFO_OFFSET);
}

/* The address of the entry a free-running index names (one of the private capacity). */
static inline void *blk_ring_entry(const struct queue_ring_handle *r, uint32_t index,
                                   uint32_t entry_bytes)
{
    return (uint8_t *)r->shared + sizeof(struct queue_ring) +
           (uintptr_t)(index & (r->capacity - 1)) * entry_bytes;
}

/* Producer: the index of a free entry, or false when the ring is (or looks) full. */
static inline bool blk_ring_reserve(const struct queue_ring_handle *r, uint32_t *tail_out)
{
    uint32_t tail = __atomic_load_n(&r->shared->tail, __ATOMIC_RELAXED);
    uint32_t head = __atomic_load_n(&r->shared->head, __ATOMIC_ACQUIRE);
    if (queue_ring_count(r, head, tail) == r->capacity) {
        return false;
    }
    *tail_out = tail;
    return true;
}

/* Producer: publish the entry at `tail` (release: its contents first). */
static inline void blk_ring_publish(struct queue_ring_handle *r, uint32_t tail)
{
    __atomic_store_n(&r->shared->tail, tail + 1, __ATOMIC_RELEASE);
}

/* Consumer: the index of the oldest entry, or false when the ring is empty. The acquire
 * load of `tail` makes the producer's entry visible. */
static inline bool blk_ring_oldest(const struct queue_ring_handle *r, uint32_t *head_out)
{
    uint32_t head = __atomic_load_n(&r->shared->head, __ATOMIC_RELAXED);
    uint32_t tail = __atomic_load_n(&r->shared->tail, __ATOMIC_ACQUIRE);
    if (queue_ring_count(r, head, tail) == 0) {
        return false;
    }
    *head_out = head;
    return true;
}

/* Consumer: hand the entry at `head` back (release: after it was read). */
static inline void blk_ring_consume(struct queue_ring_handle *r, uint32_t head)
{
    __atomic_store_n(&r->shared->head, head + 1, __ATOMIC_RELEASE);
}

/* ---- Requests ---------------------------------------------------------------------------- */

/* Client (or blk_virt towards the driver): append a request; false when the ring is full. */
static inline bool blk_enqueue_request(struct blk_queue *q, struct blk_request req)
{
    uint32_t tail;
    if (!blk_ring_reserve(&q->request, &tail)) {
        return false;
    }
    volatile struct blk_request *e = blk_ring_entry(&q->request, tail, sizeof *e);
    e->id = req.id;
    e->op = req.op;
    e->reserved0 = 0;
    e->count = req.count;
    e->reserved1 = 0;
    e->block = req.block;
    e->offset = req.offset;
    blk_ring_publish(&q->request, tail);
    return true;
}

/* Server: remove the oldest request into *out (a private copy, read once); false when the
 * ring is empty. */
static inline bool blk_dequeue_request(struct blk_queue *q, struct blk_request *out)
{
    uint32_t head;
    if (!blk_ring_oldest(&q->request, &head)) {
        return false;
    }
    const volatile struct blk_request *e = blk_ring_entry(&q->request, head, sizeof *e);
    out->id = e->id;
    out->op = e->op;
    out->reserved0 = 0;
    out->count = e->count;
    out->reserved1 = 0;
    out->block = e->block;
    out->offset = e->offset;
    blk_ring_consume(&q->request, head);
    return true;
}

/* ---- Responses --------------------------------------------------------------------------- */

/* Server: append a response; false when the ring is full. A server never has more requests
 * outstanding than the response ring holds (it dequeues a request only when it could
 * answer it), so an honest client's response ring never refuses. */
static inline bool blk_enqueue_response(struct blk_queue *q, struct blk_response resp)
{
    uint32_t tail;
    if (!blk_ring_reserve(&q->response, &tail)) {
        return false;
    }
    volatile struct blk_response *e = blk_ring_entry(&q->response, tail, sizeof *e);
    e->id = resp.id;
    e->status = resp.status;
    e->reserved0 = 0;
    e->count = resp.count;
    e->reserved1 = 0;
    blk_ring_publish(&q->response, tail);
    return true;
}

/* Client: remove the oldest response into *out; false when there is none. */
static inline bool blk_dequeue_response(struct blk_queue *q, struct blk_response *out)
{
    uint32_t head;
    if (!blk_ring_oldest(&q->response, &head)) {
        return false;
    }
    const volatile struct blk_response *e = blk_ring_entry(&q->response, head, sizeof *e);
    out->id = e->id;
    out->status = e->status;
    out->reserved0 = 0;
    out->count = e->count;
    out->reserved1 = 0;
    blk_ring_consume(&q->response, head);
    return true;
}

/* ---- Info -------------------------------------------------------------------------------- */

/* Server: publish what it knows about its disk (ready last). */
static inline void blk_info_publish(struct blk_queue *q, uint64_t blocks, bool read_only,
                                    const char *serial, unsigned serial_len)
{
    volatile struct blk_info *info = q->info;
    info->block_size = BLK_BLOCK_SIZE;
    info->blocks = blocks;
    info->read_only = read_only ? 1u : 0u;
    info->reserved = 0;
    for (unsigned i = 0; i < sizeof info->serial; i++) {
        info->serial[i] = i < serial_len ? serial[i] : '\0';
    }
    __atomic_store_n(&info->ready, 1u, __ATOMIC_RELEASE);
}

/* Client: whether the server has published its info; then *out is a private copy (serial
 * NUL-terminated within its 24 bytes, the block size checked). */
static inline bool blk_info_read(const struct blk_queue *q, struct blk_info *out)
{
    if (__atomic_load_n(&q->info->ready, __ATOMIC_ACQUIRE) == 0) {
        return false;
    }
    out->ready = 1;
    out->block_size = q->info->block_size;
    out->blocks = q->info->blocks;
    out->read_only = q->info->read_only;
    out->reserved = 0;
    for (unsigned i = 0; i < sizeof out->serial; i++) {
        out->serial[i] = q->info->serial[i];
    }
    out->serial[sizeof out->serial - 1] = '\0';
    return out->block_size == BLK_BLOCK_SIZE;
}

/* ---- Restart resynchronisation (protocol.h) ----------------------------------------------
 * The server side of a connection (a driver towards blk_virt, blk_virt towards a client)
 * announces a generation; the client side acknowledges it. The functions say "driver" and
 * "client" for the two sides of the first use; blk_virt's clients use them the same way. */

static inline volatile struct blk_resync *blk_resync_of(const struct blk_queue *q)
{
    return (volatile struct blk_resync *)((uintptr_t)q->info - BLK_INFO_OFFSET + BLK_RESYNC_OFFSET);
}

/* Driver: announce a new start (its device already reset); returns the generation, which
 * the client must acknowledge before the driver takes a request. */
static inline uint32_t blk_resync_announce(struct blk_queue *q)
{
    volatile struct blk_resync *r = blk_resync_of(q);
    uint32_t generation = __atomic_load_n(&r->generation, __ATOMIC_RELAXED) + 1u;
    if (generation == 0) {
        generation = 1;
    }
    __atomic_store_n(&r->generation, generation, __ATOMIC_RELEASE);
    return generation;
}

/* Driver: whether the client acknowledged `generation`; then every request it had
 * enqueued before is discarded (it issues them again after `ack_tail`). An ack_tail that
 * does not lie within a ring's length behind the tail discards everything. */
static inline bool blk_resync_acknowledged(struct blk_queue *q, uint32_t generation)
{
    volatile struct blk_resync *r = blk_resync_of(q);
    if (__atomic_load_n(&r->acknowledged, __ATOMIC_ACQUIRE) != generation) {
        return false;
    }
    uint32_t ack_tail = r->ack_tail;
    uint32_t tail = __atomic_load_n(&q->request.shared->tail, __ATOMIC_ACQUIRE);
    if (tail - ack_tail > q->request.capacity) {
        ack_tail = tail;
    }
    __atomic_store_n(&q->request.shared->head, ack_tail, __ATOMIC_RELEASE);
    return true;
}

/* Server: announce a generation of its own choosing (blk_virt: its PD generation, which
 * every restart raises), nonzero. */
static inline void blk_resync_set_generation(struct blk_queue *q, uint32_t generation)
{
    __atomic_store_n(&blk_resync_of(q)->generation, generation, __ATOMIC_RELEASE);
}

/* Client: the driver's current generation (0: it has not started yet). */
static inline uint32_t blk_resync_generation(const struct blk_queue *q)
{
    return __atomic_load_n(&blk_resync_of(q)->generation, __ATOMIC_ACQUIRE);
}

/* Client: acknowledge `generation`, after taking every response on the ring and before
 * enqueueing again what was not answered. */
static inline void blk_resync_acknowledge(struct blk_queue *q, uint32_t generation)
{
    volatile struct blk_resync *r = blk_resync_of(q);
    r->ack_tail = __atomic_load_n(&q->request.shared->tail, __ATOMIC_RELAXED);
    __atomic_store_n(&r->acknowledged, generation, __ATOMIC_RELEASE);
}

#endif /* BASTION_BLK_QUEUE_H */
