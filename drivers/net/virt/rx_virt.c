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
 *
 * Restartable (docs/drivers.md, "Restarting the network virtualisers"): who holds each
 * buffer is kept in the driver connection (struct net_rx_virt_state), not in this PD's
 * memory, and every change of hands is one journalled move (bastion/queue/move.h): a
 * frame taken off the driver's ring (its buffer then marked as being lent to the clients
 * it is for), lent to one client, returned by one client, posted to the driver. A
 * restarted or re-initialised run finishes the move the dead one began, finishes a
 * delivery under way, and gives the driver every buffer that is nobody's; it never takes
 * one back that a client still reads, and never lends a frame twice to one client or to
 * one it is not for.
 */
#include <stdbool.h>
#include <stdint.h>

#include <bastion/driver/recovery_stamp.h>
#include <bastion/net/protocol.h>
#include <bastion/queue/move.h>
#include <libbastion/fault_inject.h>
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
/* setvar_vaddr, benchmarks only (bench/recovery): the supervisor stamps this PD's faults
 * here, and its first completed client request after a restart turns the stamp into a
 * recovery time; 0: none. */
uintptr_t recovery_stamp;
uint64_t virt_resync_broken; /* <setvar>, tests only: a restarted run ignores the move
                                journal and the holders (the virtualiser-restart suite's
                                broken run: it posts every buffer to the driver again) */

struct client {
    bool present;
    bool multicast;
    bool notify;
    uint64_t mac;
    uint32_t held;
    uint64_t unlent; /* buffers it returned that it was not lent */
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

/* Who holds each buffer (protocol.h, struct net_rx_virt_state), in the driver connection. */
static volatile struct net_rx_virt_state *state;
static uint32_t driver_held; /* buffers with_driver */

/* Move journal kinds (the tag: kind << 32 | client << 16 | buffer index). */
enum move_kind {
    MOVE_TAKE = 1, /* driver's active -> lending (the frame's clients chosen) */
    MOVE_LEND,     /* lending -> client's active */
    MOVE_RETURN,   /* client's free -> nobody, or still other holders */
    MOVE_POST,     /* nobody -> driver's free */
};

static uint64_t move_tag(enum move_kind kind, unsigned client, uint32_t index)
{
    return (uint64_t)kind << 32 | (uint64_t)client << 16 | index;
}

/* `length` is a ring entry's 32-bit length, widened by the callers' arithmetic. */
static struct queue_buffer buffer_at(uint32_t index, uint64_t length)
{
    return (struct queue_buffer){.offset = (uint64_t)index * NET_BUFFER_SIZE,
                                 .length = (uint32_t)length};
}

_Static_assert(NET_MAX_CLIENTS <= 8, "a client bit per holder byte");

/* Buffer `index`, nobody's, to the driver: journalled, marked, then posted. */
static void give_to_driver(uint32_t index)
{
    struct queue_buffer buf = {.offset = rx_data_paddr + (uint64_t)index * NET_BUFFER_SIZE,
                               .length = NET_BUFFER_SIZE};
    queue_move_begin(&state->move, move_tag(MOVE_POST, 0, index), NULL, &driver.queue.free, buf);
    state->with_driver[index] = 1;
    driver_held++;
    bst_fault_point("rx-virt-post");
    /* The driver's free ring holds every buffer at once: it cannot be full of ours. */
    (void)queue_enqueue_free(&driver.queue, buf);
    queue_move_done(&state->move);
    if (queue_ring_should_notify_consumer(&driver.queue.free))
        driver.notify = true;
}

/* Whether buffer `index` is nobody's: no client holds it, none is still to be lent it,
 * the driver does not have it. */
static bool nobodys(uint32_t index)
{
    return state->holders[index] == 0 && state->lending[index] == 0 &&
           state->with_driver[index] == 0;
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

/* The clients the frame in buffer `index` is for and may have it now. */
static uint8_t recipients(uint32_t index)
{
    uint64_t dest = frame_destination((uint64_t)index * NET_BUFFER_SIZE);
    uint8_t mask = 0;
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (!wants(c, dest))
            continue;
        if (c->held >= NET_RX_CLIENT_MAX_HELD || queue_full_active(&c->queue))
            c->stats.dropped++;
        else
            mask |= (uint8_t)(1u << i);
    }
    return mask;
}

/* Lend buffer `index` (a frame of `length` bytes) to client i, one of its lending bits:
 * journalled, enqueued, then marked held (a crash redoes the enqueue only if it was not
 * done). */
static void lend(uint32_t index, unsigned i, uint64_t length)
{
    struct client *c = &clients[i];
    uint8_t bit = (uint8_t)(1u << i);
    struct queue_buffer buf = buffer_at(index, length);
    queue_move_begin(&state->move, move_tag(MOVE_LEND, i, index), NULL, &c->queue.active, buf);
    bst_fault_point("rx-virt-lend");
    bool enqueued = queue_enqueue_active(&c->queue, buf) == QUEUE_OK;
    bst_fault_point("rx-virt-lent");
    if (enqueued)
        state->holders[index] |= bit;
    state->lending[index] &= (uint8_t)~bit;
    queue_move_done(&state->move);
    if (!enqueued) {
        c->stats.dropped++;
        return;
    }
    c->held++;
    c->stats.frames++;
    c->stats.bytes += length;
    if (recovery_stamp != 0) /* a frame lent to its client: a request done */
        recovery_completed((volatile struct recovery_stamp *)recovery_stamp);
    if (queue_ring_should_notify_consumer(&c->queue.active))
        c->notify = true;
}

/* Finish lending buffer `index` to the clients still to get it; back to the driver if
 * nobody took it. */
static void finish_delivery(uint32_t index)
{
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
        if (state->lending[index] & (1u << i))
            lend(index, i, state->length[index]);
    if (nobodys(index)) {
        driver.stats.dropped++;
        give_to_driver(index);
    }
}

/* The frame at the head of the driver's active ring, in buffer `index` (with the driver),
 * taken off it: journalled, its recipients recorded as lending, then lent. */
static void take_frame(uint32_t index, uint64_t length)
{
    struct queue_buffer buf = buffer_at(index, length);
    uint8_t mask = length < NET_MIN_FRAME || length > NET_MAX_FRAME ? 0 : recipients(index);
    queue_move_begin(&state->move, move_tag(MOVE_TAKE, mask, index), &driver.queue.active, NULL,
                     buf);
    state->with_driver[index] = 0;
    state->length[index] = (uint16_t)length;
    state->lending[index] = mask;
    bst_fault_point("rx-virt-take");
    (void)queue_dequeue_active(&driver.queue);
    queue_move_done(&state->move);
    driver_held--;
    finish_delivery(index);
}

/* The frames the driver delivered, at most a ring's worth; a driver that waits for room on
 * that ring is signalled once frames were taken. */
static void from_driver(void)
{
    uint32_t n = 0;
    for (; n < NET_QUEUE_CAPACITY; n++) {
        struct queue_result r = queue_peek_active(&driver.queue);
        if (r.status == QUEUE_EMPTY)
            break;
        uint64_t offset = r.buffer.offset - rx_data_paddr; /* wraps when below */
        uint32_t index = (uint32_t)(offset / NET_BUFFER_SIZE);
        if (r.status != QUEUE_OK || offset >= NET_DATA_REGION_SIZE ||
            offset % NET_BUFFER_SIZE != 0 || !state->with_driver[index]) {
            if (++driver.bad <= 10 || driver.bad % 1000 == 0)
                bst_printf("net_rx_virt: the driver published a buffer it did not hold "
                           "(address %#lx; %lu so far)\n",
                           (unsigned long)r.buffer.offset, (unsigned long)driver.bad);
            (void)queue_dequeue_active(&driver.queue);
            continue;
        }
        if (r.buffer.length < NET_MIN_FRAME || r.buffer.length > NET_MAX_FRAME)
            driver.bad++; /* no recipients: straight back */
        else {
            driver.stats.frames++;
            driver.stats.bytes += r.buffer.length;
        }
        take_frame(index, r.buffer.length);
    }
    if (n > 0 && queue_ring_should_notify_producer(&driver.queue.active))
        driver.notify = true;
}

/* The buffers client i gave back, at most a ring's worth: each journalled, unmarked, then
 * taken off its free ring; a buffer nobody holds any more goes to the driver. */
static void from_client(unsigned i)
{
    struct client *c = &clients[i];
    uint8_t bit = (uint8_t)(1u << i);
    if (queue_ring_corrupt(&c->queue.free))
        return; /* corrupt indices: nothing it returns is looked at until they are sane */
    for (uint32_t n = 0; n < NET_QUEUE_CAPACITY; n++) {
        struct queue_result r = queue_peek_free(&c->queue);
        if (r.status == QUEUE_EMPTY)
            return;
        uint32_t index = (uint32_t)(r.buffer.offset / NET_BUFFER_SIZE);
        if (r.status != QUEUE_OK || r.buffer.offset % NET_BUFFER_SIZE != 0 ||
            r.buffer.offset >= NET_DATA_REGION_SIZE || !(state->holders[index] & bit)) {
            if (++c->unlent <= 10 || c->unlent % 1000 == 0)
                bst_printf("net_rx_virt: client %u returned a buffer it was not lent (offset "
                           "%#lx; %lu so far)\n",
                           i, (unsigned long)r.buffer.offset, (unsigned long)c->unlent);
            (void)queue_dequeue_free(&c->queue);
            return; /* not a buffer it was lent: ignored, and the rest wait for the next
                       wake-up (garbage costs one look, not a ring's worth) */
        }
        queue_move_begin(&state->move, move_tag(MOVE_RETURN, i, index), &c->queue.free, NULL,
                         r.buffer);
        state->holders[index] &= (uint8_t)~bit;
        bst_fault_point("rx-virt-returned");
        (void)queue_dequeue_free(&c->queue);
        queue_move_done(&state->move);
        c->held--;
        if (nobodys(index))
            give_to_driver(index);
    }
}

/*
 * The driver announced a new generation (protocol.h, struct net_resync): it was restarted
 * or re-initialised and its device reset, so it holds none of the buffers it was given.
 * Frames it published are delivered as usual, the entries it had not taken from the free
 * ring are dropped, and every buffer with the driver goes on the free ring again; then the
 * generation is acknowledged. Buffers clients hold stay theirs. A run restarted in the
 * middle does it again: the buffers with the driver stay marked so, only their places on
 * the free ring are new, so doing it twice is doing it once.
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
        if (!state->with_driver[i])
            continue;
        /* It stays the driver's: only its place on the ring is new. */
        (void)queue_enqueue_free(
            &driver.queue,
            (struct queue_buffer){.offset = rx_data_paddr + (uint64_t)i * NET_BUFFER_SIZE,
                                  .length = NET_BUFFER_SIZE});
        posted++;
    }
    bst_fault_point("rx-virt-resynced");
    net_resync_acknowledge(driver_queue, g);
    driver.notify = true;
    if (g > 1)
        bst_printf("net_rx_virt: driver generation %lu: %u receive buffers posted again%s\n",
                   (unsigned long)g, posted, resync_broken ? " (resync_broken)" : "");
}

/* A restarted run: finish the move the dead run began, bookkeeping before the tag is
 * cleared (a journal tag naming no present client or buffer is ignored). */
static void finish_move(void)
{
    volatile struct queue_move_journal *j = &state->move;
    uint64_t tag = queue_move_pending(j);
    unsigned kind = (unsigned)(tag >> 32), i = (unsigned)(tag >> 16 & 0xffff);
    uint32_t index = (uint32_t)(tag & 0xffff);
    if (tag == 0 || index >= NET_BUFFER_COUNT) {
        queue_move_done(j);
        return;
    }
    switch (kind) {
    case MOVE_TAKE: /* i is the recipients' mask */
        state->with_driver[index] = 0;
        state->length[index] = (uint16_t)queue_move_buffer(j).length;
        state->lending[index] = (uint8_t)i;
        queue_move_finish_pop(j, &driver.queue.active);
        break;
    case MOVE_LEND:
        if (i < NET_MAX_CLIENTS && clients[i].present) {
            if (queue_move_finish_enqueue(j, &clients[i].queue.active))
                state->holders[index] |= (uint8_t)(1u << i);
            state->lending[index] &= (uint8_t) ~(1u << i);
        }
        break;
    case MOVE_RETURN:
        if (i < NET_MAX_CLIENTS && clients[i].present) {
            state->holders[index] &= (uint8_t) ~(1u << i);
            queue_move_finish_pop(j, &clients[i].queue.free);
        }
        break;
    case MOVE_POST:
        state->with_driver[index] = 1;
        (void)queue_move_finish_enqueue(j, &driver.queue.free);
        break;
    default:
        break;
    }
    queue_move_done(j);
}

/*
 * Every start: finish the dead run's move, count who holds what, finish the deliveries
 * under way, and give the driver every buffer that is nobody's (at the first start, all
 * of them: the state is fresh memory). The broken variant forgets the journal and which
 * clients hold what, and so posts the clients' buffers to the driver (tests only: those
 * buffers then have two owners).
 */
static void recover(void)
{
    if (virt_resync_broken != 0 && bst_pd_generation() != 0) {
        queue_move_done(&state->move);
        for (uint32_t k = 0; k < NET_BUFFER_COUNT; k++)
            state->holders[k] = state->lending[k] = 0;
    }
    finish_move();
    driver_held = 0;
    for (uint32_t k = 0; k < NET_BUFFER_COUNT; k++) {
        driver_held += state->with_driver[k] != 0;
        for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
            if (state->holders[k] & (1u << i))
                clients[i].held++;
    }
    for (uint32_t k = 0; k < NET_BUFFER_COUNT; k++)
        if (state->lending[k] != 0)
            finish_delivery(k);
    for (uint32_t k = 0; k < NET_BUFFER_COUNT; k++)
        if (nobodys(k))
            give_to_driver(k);
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
        clients[i].notify = clients[i].present; /* a signal the dead run owed */
    driver.notify = true;
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
    /* A restart over this PD's memory starts here too: nothing of the last run's private
     * state is kept (what matters is in shared memory: recover()). */
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
        clients[i] = (struct client){0};
    driver.notify = false;
    driver.bad = 0;
    driver.stats = (struct net_virt_stats){0};
    client_count = 0;
    client_setup(0, client0_queue, client0_mac, client0_multicast);
    client_setup(1, client1_queue, client1_mac, client1_multicast);
    client_setup(2, client2_queue, client2_mac, client2_multicast);
    client_setup(3, client3_queue, client3_mac, client3_multicast);
    client_setup(4, client4_queue, client4_mac, client4_multicast);
    client_setup(5, client5_queue, client5_mac, client5_multicast);
    client_setup(6, client6_queue, client6_mac, client6_multicast);
    client_setup(7, client7_queue, client7_mac, client7_multicast);
    net_device_queue_init(&driver.queue, driver_queue);
    state = (volatile struct net_rx_virt_state *)(driver_queue + NET_VIRT_STATE_OFFSET);
    recover();
    if (bst_pd_generation() == 0)
        bst_printf("net_rx_virt: %u clients, %u receive buffers of %u bytes\n", client_count,
                   NET_BUFFER_COUNT, NET_BUFFER_SIZE);
    else
        bst_printf("net_rx_virt: restarted (generation %lu), %u buffers with the driver%s\n",
                   (unsigned long)bst_pd_generation(), driver_held,
                   virt_resync_broken ? " (virt_resync_broken)" : "");
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
