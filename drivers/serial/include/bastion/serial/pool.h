/*
 * The owner's side of a serial connection's buffers: where the next empty buffer comes
 * from. Buffers never handed out yet come first (all buffers start with the owner), then
 * the ones the peer gave back on the free ring.
 *
 * A returned descriptor is taken only if it names the start of one of the region's
 * buffers; it then describes the whole buffer again (the peer's length is ignored). So a
 * corrupt peer can at worst hand back a buffer twice (two fills then share memory, which
 * garbles the owner's own data); it can never make the owner write outside its region.
 */
#ifndef BASTION_SERIAL_POOL_H
#define BASTION_SERIAL_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/serial/protocol.h>

struct serial_pool {
    struct queue_handle *queue;
    uint32_t fresh; /* buffers fresh .. SERIAL_BUFFER_COUNT - 1 were never handed out */
};

/* Mark in `held` the buffers that `ring` holds now (a restarted virtualiser's reckoning of
 * who has which buffer; only descriptors naming a buffer's start count). */
static inline void serial_pool_mark_ring(const struct queue_ring_handle *ring,
                                         bool held[SERIAL_BUFFER_COUNT])
{
    uint32_t head = __atomic_load_n(&ring->shared->head, __ATOMIC_ACQUIRE);
    for (uint32_t k = 0; k < SERIAL_QUEUE_CAPACITY; k++) {
        struct queue_result r = queue_ring_read_at(ring, head + k);
        if (r.status == QUEUE_EMPTY)
            return;
        if (r.status == QUEUE_OK && r.buffer.offset % SERIAL_BUFFER_SIZE == 0)
            held[r.buffer.offset / SERIAL_BUFFER_SIZE] = true;
    }
}

static inline void serial_pool_init(struct serial_pool *pool, struct queue_handle *queue)
{
    pool->queue = queue;
    pool->fresh = 0;
}

/* An empty buffer (status QUEUE_OK) or QUEUE_EMPTY: none now (the peer holds them all). */
static inline struct queue_result serial_pool_take(struct serial_pool *pool)
{
    struct queue_result r = {.status = QUEUE_OK};
    if (pool->fresh < SERIAL_BUFFER_COUNT) {
        r.buffer.offset = (uint64_t)pool->fresh++ * SERIAL_BUFFER_SIZE;
        r.buffer.length = SERIAL_BUFFER_SIZE;
        return r;
    }
    for (uint32_t tries = 0; tries < SERIAL_QUEUE_CAPACITY; tries++) {
        r = queue_dequeue_free(pool->queue);
        if (r.status == QUEUE_EMPTY) {
            return r;
        }
        if (r.status == QUEUE_OK && r.buffer.offset % SERIAL_BUFFER_SIZE == 0 &&
            r.buffer.offset < SERIAL_DATA_REGION_SIZE) {
            r.buffer.length = SERIAL_BUFFER_SIZE;
            return r;
        }
        /* A descriptor that is not one of ours: dropped; try the next. */
    }
    r.status = QUEUE_EMPTY;
    return r;
}

#endif /* BASTION_SERIAL_POOL_H */
