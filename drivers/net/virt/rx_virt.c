/*
 * net_rx_virt: the network receive virtualiser PD (docs/drivers.md, "Network"). It owns
 * the receive DMA region's buffers, keeps the driver supplied with empty ones, and hands
 * each frame the device wrote to the clients it is for, by destination MAC: a unicast
 * frame to the client with that MAC, a broadcast frame to every client, a multicast frame
 * to every client that asked for multicast. A frame no client wants goes straight back to
 * the driver. A frame for several clients is lent to all of them; the buffer goes back to
 * the driver when the last one returns it.
 *
 *   channel 0      the driver: driver_queue, descriptors are device addresses of rx_data
 *                  (rx_data_paddr + offset)
 *   channel 1 + i  client i (its copier, or a trusted client): clientI_queue, descriptors
 *                  are offsets into rx_data; clientI_mac its MAC (setvar), clientI_multicast
 *                  non-zero if it wants multicast frames. A client without a queue region
 *                  does not exist.
 *   other channels may only call NET_STATS (protected procedure).
 *
 * What it guarantees whatever a client does: a client is only ever given frames addressed
 * to it (or broadcast / multicast it asked for), and only the buffers it was lent count
 * when it returns them (a buffer it returns twice, or never had, is ignored), so it cannot
 * make a buffer go back to the driver while another client still reads it. A client may
 * hold at most NET_RX_CLIENT_MAX_HELD buffers: beyond that its frames are dropped, so a
 * client that never returns buffers cannot starve the others of receive buffers.
 */
#include <stdbool.h>
#include <stdint.h>

#include <bastion/net/protocol.h>
#include <libbastion/pd.h>

#include "virt_stats.h"

/* The most receive buffers one client may hold; the rest keep the device going. */
#define NET_RX_CLIENT_MAX_HELD (NET_BUFFER_COUNT / 4)

/* Buffers clients give back wake the virtualiser only while the driver holds fewer than
 * this many; otherwise they wait on the clients' free rings until the next frame wakes it
 * (it looks at every free ring each time), which saves a wake-up per frame. The driver's
 * count only falls by frames it delivers, each of which wakes the virtualiser, so it
 * re-decides before the driver can run short. */
#define NET_RX_DRIVER_LOW (NET_BUFFER_COUNT / 4)

/* setvar_vaddr / setvar_paddr */
uintptr_t driver_queue, rx_data, rx_data_paddr;
uintptr_t client0_queue, client1_queue, client2_queue, client3_queue;
uintptr_t client4_queue, client5_queue, client6_queue, client7_queue;
/* <setvar> */
uint64_t client0_mac, client1_mac, client2_mac, client3_mac;
uint64_t client4_mac, client5_mac, client6_mac, client7_mac;
uint64_t client0_multicast, client1_multicast, client2_multicast, client3_multicast;
uint64_t client4_multicast, client5_multicast, client6_multicast, client7_multicast;
uint64_t resync_broken; /* <setvar>, tests only: acknowledge a restarted driver but take
                           back none of its buffers (the restart suite's broken run) */

struct client {
    bool present;
    bool multicast;
    bool notify;
    uint64_t mac;
    uint32_t held;
    struct queue_handle queue;
    struct net_virt_stats stats;
};

static struct client clients[NET_MAX_CLIENTS];
static unsigned client_count;
static struct {
    struct queue_handle queue;
    bool notify;
    uint64_t bad; /* descriptors that were not a buffer the driver held */
    struct net_virt_stats stats;
} driver;

/* Who holds each buffer: bit i for client i; with_driver while the device may write it. */
static uint8_t holders[NET_BUFFER_COUNT];
static bool with_driver[NET_BUFFER_COUNT];
static uint32_t driver_held; /* buffers with_driver */

_Static_assert(NET_MAX_CLIENTS <= 8, "a client bit per holder byte");

static void give_to_driver(uint32_t index)
{
    struct queue_buffer buf = {.offset = rx_data_paddr + (uint64_t)index * NET_BUFFER_SIZE,
                               .length = NET_BUFFER_SIZE};
    /* The driver's free ring holds every buffer at once: it cannot be full of ours. */
    if (queue_enqueue_free(&driver.queue, buf) != QUEUE_OK)
        return;
    with_driver[index] = true;
    driver_held++;
    if (queue_ring_should_notify_consumer(&driver.queue.free))
        driver.notify = true;
}

static uint64_t frame_destination(uint64_t offset)
{
    const volatile uint8_t *frame = (const volatile uint8_t *)(rx_data + offset);
    uint64_t mac = 0;
    for (unsigned i = 0; i < 6; i++)
        mac = mac << 8 | frame[i];
    return mac;
}

#define MAC_BROADCAST 0xffffffffffffull
#define MAC_GROUP_BIT (1ull << 40) /* the first octet's lowest bit */

static bool wants(const struct client *c, uint64_t dest)
{
    if (!c->present)
        return false;
    if (dest == MAC_BROADCAST)
        return true;
    if (dest & MAC_GROUP_BIT)
        return c->multicast;
    return dest == c->mac;
}

/* Lend buffer `index` (a frame of `length` bytes) to every client it is for; back to the
 * driver if none takes it. */
static void deliver(uint32_t index, uint32_t length)
{
    uint64_t offset = (uint64_t)index * NET_BUFFER_SIZE;
    uint64_t dest = frame_destination(offset);
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (!wants(c, dest))
            continue;
        if (c->held >= NET_RX_CLIENT_MAX_HELD ||
            queue_enqueue_active(
                &c->queue, (struct queue_buffer){.offset = offset, .length = length}) != QUEUE_OK) {
            c->stats.dropped++;
            continue;
        }
        holders[index] |= (uint8_t)(1u << i);
        c->held++;
        c->stats.frames++;
        c->stats.bytes += length;
        if (queue_ring_should_notify_consumer(&c->queue.active))
            c->notify = true;
    }
    if (holders[index] == 0) {
        driver.stats.dropped++;
        give_to_driver(index);
    }
}

/* The frames the driver delivered, at most a ring's worth; a driver that waits for room on
 * that ring is signalled once frames were taken. */
static void from_driver(void)
{
    uint32_t n = 0;
    for (; n < NET_QUEUE_CAPACITY; n++) {
        struct queue_result r = queue_dequeue_active(&driver.queue);
        if (r.status == QUEUE_EMPTY)
            break;
        uint64_t offset = r.buffer.offset - rx_data_paddr; /* wraps when below */
        uint32_t index = (uint32_t)(offset / NET_BUFFER_SIZE);
        if (r.status != QUEUE_OK || offset >= NET_DATA_REGION_SIZE ||
            offset % NET_BUFFER_SIZE != 0 || !with_driver[index]) {
            driver.bad++;
            continue;
        }
        with_driver[index] = false;
        driver_held--;
        if (r.buffer.length < NET_MIN_FRAME || r.buffer.length > NET_MAX_FRAME) {
            driver.bad++;
            give_to_driver(index);
            continue;
        }
        driver.stats.frames++;
        driver.stats.bytes += r.buffer.length;
        deliver(index, (uint32_t)r.buffer.length);
    }
    if (n > 0 && queue_ring_should_notify_producer(&driver.queue.active))
        driver.notify = true;
}

/* The buffers client i gave back, at most a ring's worth. */
static void from_client(unsigned i)
{
    struct client *c = &clients[i];
    uint8_t bit = (uint8_t)(1u << i);
    if (queue_ring_corrupt(&c->queue.free))
        return; /* corrupt indices: nothing it returns is looked at until they are sane */
    for (uint32_t n = 0; n < NET_QUEUE_CAPACITY; n++) {
        struct queue_result r = queue_dequeue_free(&c->queue);
        if (r.status == QUEUE_EMPTY)
            return;
        uint32_t index = (uint32_t)(r.buffer.offset / NET_BUFFER_SIZE);
        if (r.status != QUEUE_OK || r.buffer.offset % NET_BUFFER_SIZE != 0 ||
            r.buffer.offset >= NET_DATA_REGION_SIZE || !(holders[index] & bit))
            return; /* not a buffer it was lent: ignored, and the rest wait for the next
                       wake-up (garbage costs one look, not a ring's worth) */
        holders[index] &= (uint8_t)~bit;
        c->held--;
        if (holders[index] == 0)
            give_to_driver(index);
    }
}

/*
 * The driver announced a new generation (protocol.h, struct net_resync): it was restarted
 * or re-initialised and its device reset, so it holds none of the buffers it was given.
 * Frames it published are delivered as usual, the entries it had not taken from the free
 * ring are dropped, and every buffer with the driver goes on the free ring again; then the
 * generation is acknowledged. Buffers clients hold stay theirs.
 */
static void resync_driver(void)
{
    uint64_t g = net_resync_pending(driver_queue);
    if (g == 0)
        return;
    from_driver();
    net_resync_drop_untaken(&driver.queue.free);
    unsigned posted = 0;
    for (uint32_t i = 0; i < NET_BUFFER_COUNT && resync_broken == 0; i++) {
        if (!with_driver[i])
            continue;
        with_driver[i] = false;
        driver_held--;
        give_to_driver(i);
        posted++;
    }
    net_resync_acknowledge(driver_queue, g);
    driver.notify = true;
    if (g > 1)
        bst_printf("net_rx_virt: driver generation %lu: %u receive buffers posted again%s\n",
                   (unsigned long)g, posted, resync_broken ? " (resync_broken)" : "");
}

/* Sleep only when the driver's ring is empty, and every client's free ring too while the
 * driver runs low (NET_RX_DRIVER_LOW); each side's signal flag set and re-checked
 * (drivers/queue). A peer can keep a ring looking non-empty for ever, so the work per
 * wake-up is bounded: the last pass sets every flag *before* it works (without the
 * re-check), so anything queued after that signals and what was queued before is taken
 * by the pass itself. (Setting them after the last pass lost a wake-up: the Spin model,
 * drivers/net/model, found a frame queued between the last drain and the flags.) */
#define PASSES 4

static bool may_sleep(bool recheck)
{
    /* Before the last pass the driver's count may yet fall: ask for returns regardless. */
    bool want_returns = !recheck || driver_held < NET_RX_DRIVER_LOW;
    bool idle = true;
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        if (!clients[i].present)
            continue;
        if (!want_returns)
            queue_ring_cancel_consumer_signal(&clients[i].queue.free);
        else if (recheck && !queue_ring_corrupt(&clients[i].queue.free))
            idle &= queue_ring_consumer_may_sleep(&clients[i].queue.free);
        else
            queue_ring_request_consumer_signal(&clients[i].queue.free);
    }
    if (recheck)
        idle &= queue_ring_consumer_may_sleep(&driver.queue.active);
    else
        queue_ring_request_consumer_signal(&driver.queue.active);
    return idle;
}

static void serve(void)
{
    for (unsigned pass = 1;; pass++) {
        bool last = pass == PASSES;
        if (last)
            may_sleep(false); /* flags first: whatever is queued from now on signals */
        resync_driver();
        /* Returns first: a client's returned buffers no longer count against its
         * NET_RX_CLIENT_MAX_HELD when the next frames are lent. */
        for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
            if (clients[i].present)
                from_client(i);
        from_driver();
        if (last || may_sleep(true))
            break;
    }
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        if (clients[i].notify) {
            clients[i].notify = false;
            bst_notify(NET_VIRT_CH_CLIENT0 + i);
        }
    }
    if (driver.notify) {
        driver.notify = false;
        bst_notify(NET_VIRT_CH_DRIVER);
    }
}

static void client_setup(unsigned i, uintptr_t queue_region, uint64_t mac, uint64_t multicast)
{
    if (queue_region == 0)
        return;
    struct client *c = &clients[i];
    c->present = true;
    c->mac = mac;
    c->multicast = multicast != 0;
    net_queue_init(&c->queue, queue_region);
    client_count++;
}

void init(void)
{
    client_setup(0, client0_queue, client0_mac, client0_multicast);
    client_setup(1, client1_queue, client1_mac, client1_multicast);
    client_setup(2, client2_queue, client2_mac, client2_multicast);
    client_setup(3, client3_queue, client3_mac, client3_multicast);
    client_setup(4, client4_queue, client4_mac, client4_multicast);
    client_setup(5, client5_queue, client5_mac, client5_multicast);
    client_setup(6, client6_queue, client6_mac, client6_multicast);
    client_setup(7, client7_queue, client7_mac, client7_multicast);
    net_device_queue_init(&driver.queue, driver_queue);
    for (uint32_t i = 0; i < NET_BUFFER_COUNT; i++)
        give_to_driver(i);
    bst_printf("net_rx_virt: %u clients, %u receive buffers of %u bytes\n", client_count,
               NET_BUFFER_COUNT, NET_BUFFER_SIZE);
    serve();
}

void notified(bst_channel_t ch)
{
    (void)ch; /* every ring is looked at on every wake-up */
    serve();
}

bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    (void)ch; /* any channel may ask */
    uint64_t which = bst_mr_get(0);
    const struct net_virt_stats *s = NET_VIRT_STATS_WHICH(
        msginfo, which, &driver.stats, clients[which].present, &clients[which].stats);
    return net_virt_stats_reply(s, which == NET_STATS_DEVICE ? driver.bad : 0);
}
