/*
 * The filler's side of a network connection's buffers: where the next empty buffer comes
 * from. Buffers never handed out yet come first (every buffer of a data region starts
 * with the side that fills it: protocol.h), then the ones the peer gave back on the free
 * ring.
 *
 * A returned descriptor is taken only if it names the start of one of the region's
 * buffers; it then describes the whole buffer again (the peer's length is ignored). So a
 * corrupt peer can at worst hand back a buffer twice (two fills then share memory, which
 * garbles what the peer itself receives); it can never make the filler write outside the
 * region.
 */
#ifndef BASTION_NET_POOL_H
#define BASTION_NET_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/net/protocol.h>

struct net_pool {
    struct queue_handle *queue;
    uint32_t fresh;   /* buffers fresh .. NET_BUFFER_COUNT - 1 were never handed out */
    uint64_t dropped; /* descriptors on the free ring that were not a buffer of ours */
};

static inline void net_pool_init(struct net_pool *pool, struct queue_handle *queue)
{
    pool->queue = queue;
    pool->fresh = 0;
    pool->dropped = 0;
}

/* An empty buffer (status QUEUE_OK) or QUEUE_EMPTY: none now (the peer holds them all,
 * or what it put on the free ring is not a buffer of ours: the first such descriptor ends
 * the search, so a peer that fills its free ring with garbage costs the filler one look
 * per call). */
static inline struct queue_result net_pool_take(struct net_pool *pool)
{
    struct queue_result r = {.status = QUEUE_OK};
    if (pool->fresh < NET_BUFFER_COUNT) {
        r.buffer.offset = (uint64_t)pool->fresh++ * NET_BUFFER_SIZE;
        r.buffer.length = NET_BUFFER_SIZE;
        return r;
    }
    r = queue_dequeue_free(pool->queue);
    if (r.status == QUEUE_EMPTY) {
        return r;
    }
    if (r.status == QUEUE_OK && r.buffer.offset % NET_BUFFER_SIZE == 0 &&
        r.buffer.offset < NET_DATA_REGION_SIZE) {
        r.buffer.length = NET_BUFFER_SIZE;
        return r;
    }
    pool->dropped++;
    r.status = QUEUE_EMPTY;
    return r;
}

/* Whether an empty buffer can be had without waiting (fresh ones, or the free ring). */
static inline bool net_pool_available(const struct net_pool *pool)
{
    return pool->fresh < NET_BUFFER_COUNT || !queue_empty_free(pool->queue);
}

#endif /* BASTION_NET_POOL_H */
