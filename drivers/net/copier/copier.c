/*
 * net_copier: one per untrusted client (docs/drivers.md, "Network"). It copies each frame
 * net_rx_virt lends it out of the receive DMA region into a buffer of its client's own
 * receive region and gives the DMA buffer straight back, so the client never sees the
 * DMA region (where every client's frames land) and never holds a DMA buffer.
 *
 *   channel 0  net_rx_virt: virt_queue, descriptors are offsets into rx_data (the DMA
 *              region, read-only here)
 *   channel 1  the client: client_queue over client_data (read-write here, read-only for
 *              the client); the copier fills the client's buffers, all of which start
 *              here (protocol.h), and the client returns them on the free ring
 *
 * A client that does not return buffers loses frames (counted), never holds up the
 * virtualiser: a frame for which no client buffer is free is dropped at once. The copier
 * sleeps only on the virtualiser's ring.
 */
#include <stdbool.h>
#include <stdint.h>

#include <bastion/net/pool.h>
#include <bastion/net/protocol.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

/* setvar_vaddr */
uintptr_t virt_queue, rx_data, client_queue, client_data;

static struct queue_handle virt, client;
static struct net_pool pool;
static bool notify_virt, notify_client;
static uint64_t copied, dropped;

static void copy_one(struct queue_buffer frame)
{
    struct queue_result r = net_pool_take(&pool);
    if (r.status != QUEUE_OK) {
        dropped++;
        return;
    }
    memcpy((void *)(client_data + r.buffer.offset), (const void *)(rx_data + frame.offset),
           frame.length);
    r.buffer.length = frame.length;
    /* The client's active ring holds all its buffers: a full ring is its own corruption. */
    if (queue_enqueue_active(&client, r.buffer) != QUEUE_OK) {
        dropped++;
        return;
    }
    copied++;
    if (queue_ring_should_notify_consumer(&client.active))
        notify_client = true;
}

#define PASSES 4

static void serve(void)
{
    for (unsigned pass = 1;; pass++) {
        bool last = pass == PASSES;
        if (last) /* the flag first: a frame lent from now on signals (see rx_virt.c) */
            queue_ring_request_consumer_signal(&virt.active);
        for (uint32_t n = 0; n < NET_QUEUE_CAPACITY; n++) {
            struct queue_result r = queue_dequeue_active(&virt);
            if (r.status == QUEUE_EMPTY)
                break;
            if (r.status != QUEUE_OK)
                continue; /* outside the region: the virtualiser's bug, nothing to return */
            if (r.buffer.length <= NET_BUFFER_SIZE)
                copy_one(r.buffer);
            if (queue_enqueue_free(&virt, r.buffer) == QUEUE_OK &&
                queue_ring_should_notify_consumer(&virt.free))
                notify_virt = true;
        }
        if (last || queue_ring_consumer_may_sleep(&virt.active))
            break;
    }
    if (notify_client) {
        notify_client = false;
        bst_notify(NET_COPIER_CH_CLIENT);
    }
    if (notify_virt) {
        notify_virt = false;
        bst_notify(NET_COPIER_CH_RX_VIRT);
    }
}

void init(void)
{
    net_queue_init(&virt, virt_queue);
    net_queue_init(&client, client_queue);
    net_pool_init(&pool, &client);
    serve();
}

void notified(bst_channel_t ch)
{
    (void)ch; /* the client returning buffers needs nothing now: they are taken when needed */
    serve();
}
