/*
 * The client's transmit buffers (net_client.c; host-tested by tests/host/test_tx_pool.c).
 *
 * All NET_BUFFER_COUNT buffers of the client's tx data region start with the client
 * (bastion/net/protocol.h). The pool knows where each one is:
 *
 *   spare   held by the client, not in use: a stack, so the buffer used last is used next
 *           (warm in the cache); at start every buffer, buffer 0 on top
 *   lent    enqueued on the active ring: with net_tx_virt (and the device) until it
 *           comes back on the free ring
 *   taken   handed to the caller by net_tx_pool_take(), until it is sent or put back
 *
 * A descriptor on the free ring is taken back only if it names the start of a buffer
 * that is lent; it then describes the whole buffer again (the peer's length is ignored).
 * So whatever a corrupt peer writes on the free ring, the pool never hands out a buffer
 * the client already holds, nor anything outside the region: a buffer lent is at most
 * lost (the peer keeps it) and sending goes on with the rest.
 */
#ifndef BASTION_NET_CLIENT_TX_POOL_H
#define BASTION_NET_CLIENT_TX_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/net/protocol.h>

#define NET_TX_POOL_WORDS (NET_BUFFER_COUNT / 64)

_Static_assert(NET_BUFFER_COUNT % 64 == 0, "the lent bitmap has whole words");
_Static_assert(NET_BUFFER_COUNT <= 65536, "buffer indices fit uint16_t");

struct net_tx_pool {
    struct queue_handle *queue;
    uint32_t spare_count;
    uint16_t spare[NET_BUFFER_COUNT]; /* spare[0 .. spare_count - 1]; the top is last */
    uint64_t lent[NET_TX_POOL_WORDS]; /* bit i: buffer i is with the peer */
    uint64_t bad_returns;             /* free-ring descriptors refused */
};

static inline void net_tx_pool_init(struct net_tx_pool *pool, struct queue_handle *queue)
{
    pool->queue = queue;
    pool->spare_count = NET_BUFFER_COUNT;
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++)
        pool->spare[i] = (uint16_t)(NET_BUFFER_COUNT - 1 - i);
    for (uint32_t w = 0; w < NET_TX_POOL_WORDS; w++)
        pool->lent[w] = 0;
    pool->bad_returns = 0;
}

static inline bool net_tx_pool_is_lent(const struct net_tx_pool *pool, uint32_t index)
{
    return (pool->lent[index / 64] >> (index % 64)) & 1;
}

static inline void net_tx_pool_set_lent(struct net_tx_pool *pool, uint32_t index, bool lent)
{
    uint64_t bit = 1ull << (index % 64);
    if (lent)
        pool->lent[index / 64] |= bit;
    else
        pool->lent[index / 64] &= ~bit;
}

static inline struct queue_buffer net_tx_pool_buffer(uint32_t index)
{
    struct queue_buffer b = {.offset = (uint64_t)index * NET_BUFFER_SIZE,
                             .length = NET_BUFFER_SIZE};
    return b;
}

/*
 * An empty buffer (QUEUE_OK: the whole buffer, offset and NET_BUFFER_SIZE) or QUEUE_EMPTY:
 * none now. Spare buffers first, then the free ring (at most its capacity of descriptors
 * looked at: a peer cannot keep the caller here).
 */
static inline struct queue_result net_tx_pool_take(struct net_tx_pool *pool)
{
    struct queue_result r = {.status = QUEUE_OK};
    if (pool->spare_count > 0) {
        r.buffer = net_tx_pool_buffer(pool->spare[--pool->spare_count]);
        return r;
    }
    for (uint32_t tries = 0; tries < NET_QUEUE_CAPACITY; tries++) {
        r = queue_dequeue_free(pool->queue);
        if (r.status == QUEUE_EMPTY)
            return r;
        uint64_t offset = r.buffer.offset;
        if (r.status == QUEUE_OK && offset % NET_BUFFER_SIZE == 0 &&
            offset < NET_DATA_REGION_SIZE &&
            net_tx_pool_is_lent(pool, (uint32_t)(offset / NET_BUFFER_SIZE))) {
            uint32_t index = (uint32_t)(offset / NET_BUFFER_SIZE);
            net_tx_pool_set_lent(pool, index, false);
            r.buffer = net_tx_pool_buffer(index);
            return r;
        }
        pool->bad_returns++;
    }
    r.status = QUEUE_EMPTY;
    return r;
}

/* Give back a buffer from net_tx_pool_take() that was not sent. */
static inline void net_tx_pool_put_back(struct net_tx_pool *pool, struct queue_buffer buffer)
{
    pool->spare[pool->spare_count++] = (uint16_t)(buffer.offset / NET_BUFFER_SIZE);
}

/*
 * Send a buffer from net_tx_pool_take(), `length` bytes filled: enqueue it on the active
 * ring and mark it lent. On anything but QUEUE_OK (a ring that a corrupt peer made look
 * full) the buffer is put back and nothing is sent.
 */
static inline enum queue_status net_tx_pool_send(struct net_tx_pool *pool,
                                                 struct queue_buffer buffer, uint32_t length)
{
    struct queue_buffer frame = {.offset = buffer.offset, .length = length};
    enum queue_status s = queue_enqueue_active(pool->queue, frame);
    if (s == QUEUE_OK)
        net_tx_pool_set_lent(pool, (uint32_t)(buffer.offset / NET_BUFFER_SIZE), true);
    else
        net_tx_pool_put_back(pool, buffer);
    return s;
}

/* Whether net_tx_pool_take() may find a buffer without waiting (spare ones, or the free
 * ring not empty: what is on it may still be refused). */
static inline bool net_tx_pool_available(const struct net_tx_pool *pool)
{
    return pool->spare_count > 0 || !queue_empty_free(pool->queue);
}

#endif /* BASTION_NET_CLIENT_TX_POOL_H */
