/*
 * Host tests of the network client's transmit pool (drivers/net/client/tx_pool.h): spare
 * buffers first, returned ones whole, and whatever a corrupt peer writes on the free ring
 * the pool never hands out a buffer the client holds, nor one outside the region. Built
 * with ASan and UBSan (suite net-client-host); prints PASS/FAIL lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tx_pool.h"

#define HOST_CHECK_SUITE "net-client-host"
#include "host_check.h"

static _Alignas(64) unsigned char region[NET_QUEUE_REGION_SIZE];

/* Both ends of one connection over `region`. */
static void connection(struct queue_handle *client, struct queue_handle *peer)
{
    memset(region, 0, sizeof(region));
    net_queue_init(client, (uintptr_t)region);
    net_queue_init(peer, (uintptr_t)region);
}

static uint32_t index_of(struct queue_buffer b)
{
    return (uint32_t)(b.offset / NET_BUFFER_SIZE);
}

static void spare_buffers_first_in_order(void)
{
    struct queue_handle client, peer;
    connection(&client, &peer);
    static struct net_tx_pool pool;
    net_tx_pool_init(&pool, &client);
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++) {
        struct queue_result r = net_tx_pool_take(&pool);
        CHECK(r.status == QUEUE_OK, "buffer %u: status %d", i, r.status);
        CHECK(r.buffer.offset == (uint64_t)i * NET_BUFFER_SIZE, "buffer %u at %llu", i,
              (unsigned long long)r.buffer.offset);
        CHECK(r.buffer.length == NET_BUFFER_SIZE, "buffer %u length %u", i, r.buffer.length);
    }
    CHECK(net_tx_pool_take(&pool).status == QUEUE_EMPTY, "a buffer out of nothing");
    CHECK(!net_tx_pool_available(&pool), "available with every buffer taken");
    printf("PASS: net-client-host/%s\n", __func__);
}

static void put_back_is_taken_next(void)
{
    struct queue_handle client, peer;
    connection(&client, &peer);
    static struct net_tx_pool pool;
    net_tx_pool_init(&pool, &client);
    struct queue_result a = net_tx_pool_take(&pool);
    struct queue_result b = net_tx_pool_take(&pool);
    net_tx_pool_put_back(&pool, a.buffer);
    struct queue_result c = net_tx_pool_take(&pool);
    CHECK(c.status == QUEUE_OK && c.buffer.offset == a.buffer.offset,
          "the buffer put back comes next (got %llu)", (unsigned long long)c.buffer.offset);
    CHECK(b.buffer.offset != c.buffer.offset, "two holders of one buffer");
    printf("PASS: net-client-host/%s\n", __func__);
}

static void sent_buffers_come_back_whole(void)
{
    struct queue_handle client, peer;
    connection(&client, &peer);
    static struct net_tx_pool pool;
    net_tx_pool_init(&pool, &client);
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++) {
        struct queue_result r = net_tx_pool_take(&pool);
        CHECK(net_tx_pool_send(&pool, r.buffer, 60 + i) == QUEUE_OK, "send %u", i);
    }
    CHECK(net_tx_pool_take(&pool).status == QUEUE_EMPTY, "all lent, none left");
    /* The peer sees each frame with its length, and returns it with a length of its own. */
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++) {
        struct queue_result f = queue_dequeue_active(&peer);
        CHECK(f.status == QUEUE_OK && f.buffer.length == 60 + i &&
                  f.buffer.offset == (uint64_t)i * NET_BUFFER_SIZE,
              "frame %u: status %d offset %llu length %u", i, f.status,
              (unsigned long long)f.buffer.offset, f.buffer.length);
        f.buffer.length = 7;
        CHECK(queue_enqueue_free(&peer, f.buffer) == QUEUE_OK, "return %u", i);
    }
    CHECK(net_tx_pool_available(&pool), "returned buffers available");
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++) {
        struct queue_result r = net_tx_pool_take(&pool);
        CHECK(r.status == QUEUE_OK && index_of(r.buffer) == i && r.buffer.length == NET_BUFFER_SIZE,
              "returned buffer %u: status %d offset %llu length %u", i, r.status,
              (unsigned long long)r.buffer.offset, r.buffer.length);
    }
    CHECK(pool.bad_returns == 0, "%llu returns refused", (unsigned long long)pool.bad_returns);
    printf("PASS: net-client-host/%s\n", __func__);
}

static void returns_not_lent_are_refused(void)
{
    struct queue_handle client, peer;
    connection(&client, &peer);
    static struct net_tx_pool pool;
    net_tx_pool_init(&pool, &client);
    /* Take every spare, lend only buffer 3. */
    struct queue_buffer held[NET_BUFFER_COUNT];
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++)
        held[i] = net_tx_pool_take(&pool).buffer;
    CHECK(net_tx_pool_send(&pool, held[3], 100) == QUEUE_OK, "send buffer 3");
    (void)queue_dequeue_active(&peer);
    const struct queue_buffer bad[] = {
        {.offset = 5 * NET_BUFFER_SIZE, .length = 0},     /* held by the client */
        {.offset = 3 * NET_BUFFER_SIZE + 1, .length = 0}, /* not a buffer start */
        {.offset = 7, .length = 1},                       /* misaligned */
        {.offset = 0, .length = 0},                       /* buffer 0: held */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(queue_enqueue_free(&peer, bad[i]) == QUEUE_OK, "enqueue bad %zu", i);
    struct queue_buffer good = {.offset = 3 * NET_BUFFER_SIZE, .length = 0};
    CHECK(queue_enqueue_free(&peer, good) == QUEUE_OK, "enqueue good");
    CHECK(queue_enqueue_free(&peer, good) == QUEUE_OK, "enqueue good twice");
    struct queue_result r = net_tx_pool_take(&pool);
    CHECK(r.status == QUEUE_OK && index_of(r.buffer) == 3, "the lent buffer comes back (%d)",
          r.status);
    CHECK(pool.bad_returns == 4, "4 refused, not %llu", (unsigned long long)pool.bad_returns);
    /* The second return of buffer 3: it is no longer lent. */
    CHECK(net_tx_pool_take(&pool).status == QUEUE_EMPTY, "buffer 3 handed out twice");
    CHECK(pool.bad_returns == 5, "5 refused, not %llu", (unsigned long long)pool.bad_returns);
    printf("PASS: net-client-host/%s\n", __func__);
}

/* A bounded take: a free ring full of garbage costs at most its capacity per take. */
static void garbage_ring_bounds_the_work(void)
{
    struct queue_handle client, peer;
    connection(&client, &peer);
    static struct net_tx_pool pool;
    net_tx_pool_init(&pool, &client);
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++)
        (void)net_tx_pool_take(&pool);
    /* Indices far apart: the ring looks full for ever. */
    struct queue_ring *free_ring = (struct queue_ring *)(region + NET_FREE_RING_OFFSET);
    free_ring->tail = 0x80000000u;
    CHECK(net_tx_pool_take(&pool).status == QUEUE_EMPTY, "nothing from garbage");
    CHECK(pool.bad_returns == NET_QUEUE_CAPACITY, "looked at %llu descriptors",
          (unsigned long long)pool.bad_returns);
    printf("PASS: net-client-host/%s\n", __func__);
}

/* Random rounds of a client sending and a peer that returns buffers, scribbles on the
 * free ring and returns buffers twice: the client never holds a buffer twice, and every
 * buffer it takes is one of the region's. */
static void scribbling_peer_never_doubles_a_buffer(void)
{
    struct queue_handle client, peer;
    connection(&client, &peer);
    static struct net_tx_pool pool;
    net_tx_pool_init(&pool, &client);
    static bool held[NET_BUFFER_COUNT];
    memset(held, 0, sizeof(held));
    struct queue_buffer mine[NET_BUFFER_COUNT];
    uint32_t nmine = 0;
    srand(12345);
    for (int round = 0; round < 20000; round++) {
        int what = rand() % 8;
        if (what < 3) { /* the client takes a buffer */
            struct queue_result r = net_tx_pool_take(&pool);
            if (r.status == QUEUE_OK) {
                uint32_t i = index_of(r.buffer);
                CHECK(r.buffer.offset % NET_BUFFER_SIZE == 0 && i < NET_BUFFER_COUNT,
                      "round %d: buffer at %llu", round, (unsigned long long)r.buffer.offset);
                CHECK(!held[i], "round %d: buffer %u handed out while held", round, i);
                held[i] = true;
                mine[nmine++] = r.buffer;
            }
        } else if (what < 5 && nmine > 0) { /* sends one, or puts it back */
            uint32_t k = (uint32_t)rand() % nmine;
            struct queue_buffer b = mine[k];
            mine[k] = mine[--nmine];
            if (rand() % 4 == 0) {
                net_tx_pool_put_back(&pool, b);
                held[index_of(b)] = false;
            } else if (net_tx_pool_send(&pool, b, 64) == QUEUE_OK) {
                held[index_of(b)] = false;
            } else {
                held[index_of(b)] = false; /* put back by send */
            }
        } else if (what < 7) { /* the peer returns what it got, sometimes twice */
            struct queue_result f = queue_dequeue_active(&peer);
            if (f.status == QUEUE_OK) {
                (void)queue_enqueue_free(&peer, f.buffer);
                if (rand() % 3 == 0)
                    (void)queue_enqueue_free(&peer, f.buffer);
            }
        } else { /* the peer scribbles a descriptor of any buffer */
            struct queue_buffer junk = {
                .offset = (uint64_t)((uint32_t)rand() % NET_BUFFER_COUNT) * NET_BUFFER_SIZE +
                          (rand() % 2 ? 0 : (uint64_t)rand() % NET_BUFFER_SIZE),
                .length = (uint32_t)rand()};
            (void)queue_enqueue_free(&peer, junk);
        }
    }
    printf("PASS: net-client-host/%s (%llu descriptors refused)\n", __func__,
           (unsigned long long)pool.bad_returns);
}

int main(void)
{
    spare_buffers_first_in_order();
    put_back_is_taken_next();
    sent_buffers_come_back_whole();
    returns_not_lent_are_refused();
    garbage_ring_bounds_the_work();
    scribbling_peer_never_doubles_a_buffer();
    return host_check_failures ? 1 : 0;
}
