/*
 * net_tx_virt: the network transmit virtualiser PD (docs/drivers.md, "Network"). It takes
 * the frames clients queue, turns each buffer's offset into the device address of the
 * client's own data region, and passes them to the driver, fairly: clients take turns,
 * NET_TX_BATCH frames at a time, while the driver's ring has room. When the device has
 * sent a frame the driver gives the device address back, and the buffer returns to the
 * client that owns that address.
 *
 *   channel 0      the driver: driver_queue, descriptors are device addresses
 *   channel 1 + i  client i: clientI_queue, descriptors are offsets into its transmit
 *                  data region, whose physical address is clientI_data_paddr (the region
 *                  is mapped here only to learn it). A client without a queue region
 *                  does not exist.
 *   other channels may only call NET_STATS (protected procedure).
 *
 * What it guarantees whatever a client does: a device address it passes on lies inside
 * that client's own region (the queue library has checked offset and length against the
 * region, and every region is physically contiguous), and only frames of 14 to 1514 bytes
 * are sent (others go straight back, counted as dropped). A client that floods its ring
 * gets its turn like every other: it cannot take more than its share of the driver's ring
 * while others have frames waiting. A client that queues a bad descriptor gets no more
 * turns until the virtualiser next wakes, and one whose ring indices are corrupt (more
 * queued than the ring holds) gets none until they are sane again: garbage costs the
 * virtualiser one look per client per wake-up, not a ring's worth per pass.
 *
 * Restartable (docs/drivers.md, "Restarting the network virtualisers"): a restarted or
 * re-initialised run carries on with no client's frame sent twice or with another's data
 * and every buffer going back to its own client once. Each descriptor is moved between
 * two rings with the move journal (bastion/queue/move.h, in the driver connection): a
 * client's head frame is only peeked, enqueued for the driver, and then taken off the
 * client's ring; a sent buffer is given back to its client and then taken off the
 * driver's free ring; a restarted run finishes the move the dead one began. What each
 * client has with the driver (for a driver restart) is kept in the client's connection
 * (NET_TX_TABLE_OFFSET), so the restarted run rebuilds its counts from there. A frame the
 * dead run had forwarded is sent (or dropped by a driver restart, as before); none is
 * lost inside the virtualiser.
 */
#include <stdbool.h>
#include <stdint.h>

#include <bastion/driver/recovery_stamp.h>
#include <bastion/net/protocol.h>
#include <bastion/queue/move.h>
#include <libbastion/fault_inject.h>
#include <libbastion/pd.h>

#include "virt_stats.h"

/* Frames taken from one client per turn. */
#define NET_TX_BATCH 8u

/* Sent buffers coming back from the driver wake the virtualiser only while some client has
 * at least this many out (taken from it and not yet given back); below that they wait on
 * the driver's free ring for the virtualiser's next wake-up of any kind (a client's next
 * frame), which saves a wake-up per frame. A client's outstanding count only grows while
 * the virtualiser runs, which re-decides at every sleep, and a client has more buffers than
 * this, so one that keeps sending always gets the signal before it runs dry. */
#define NET_TX_RETURN_HIGH (NET_BUFFER_COUNT / 2)

/* setvar_vaddr / setvar_paddr */
uintptr_t driver_queue;
uintptr_t client0_queue, client1_queue, client2_queue, client3_queue;
uintptr_t client4_queue, client5_queue, client6_queue, client7_queue;
uintptr_t client0_data_paddr, client1_data_paddr, client2_data_paddr, client3_data_paddr;
uintptr_t client4_data_paddr, client5_data_paddr, client6_data_paddr, client7_data_paddr;
uint64_t resync_broken; /* <setvar>, tests only: acknowledge a restarted driver but give
                           none of its buffers back (the restart suite's broken run) */
/* setvar_vaddr, benchmarks only (bench/recovery): the supervisor stamps this PD's faults
 * here, and its first completed client request after a restart turns the stamp into a
 * recovery time; 0: none. */
uintptr_t recovery_stamp;
uint64_t virt_resync_broken; /* <setvar>, tests only: a restarted run ignores the move
                                journal (the virtualiser-restart suite's broken run) */

struct client {
    bool present;
    bool notify;
    bool misbehaved;      /* a bad descriptor this wake-up: no more turns until the next */
    uint32_t outstanding; /* buffers taken to the driver, not yet given back */
    uint64_t paddr;
    struct queue_handle queue;
    struct net_virt_stats stats;
};

static struct client clients[NET_MAX_CLIENTS];
static unsigned client_count, next_turn;

/* What each client has with the driver, by buffer slot (offset / NET_BUFFER_SIZE): a word
 * NET_TX_AT_DRIVER | offset << 16 | length of the last descriptor sent from that slot, in
 * the client's connection (NET_TX_TABLE_OFFSET) so that it outlives a restart. A
 * restarted driver's buffers are given back from here (resync_driver). An honest client
 * has at most one descriptor per slot, so it gets back exactly what it sent; one that
 * sends several in a slot, unaligned ones, or writes the table, may get back garbled
 * descriptors of its own region, or lose its own buffers, only. */
static volatile uint64_t *at_driver[NET_MAX_CLIENTS];

/* Move journal kinds (the tag: kind << 32 | client << 16 | slot). */
enum move_kind {
    MOVE_SEND = 1, /* client's active -> driver's active */
    MOVE_DROP,     /* client's active -> client's free (a frame of a bad length) */
    MOVE_RETURN,   /* driver's free -> client's free (sent) */
    MOVE_GIVEBACK, /* table -> client's free (a driver restart) */
};

static uint64_t move_tag(enum move_kind kind, unsigned client, uint32_t slot)
{
    return (uint64_t)kind << 32 | (uint64_t)client << 16 | slot;
}

static struct {
    struct queue_handle queue;
    bool notify;
    uint64_t resync_returned; /* buffers given back, sent or not, at driver restarts */
    uint64_t bad;             /* returned addresses that were no client's */
    struct net_virt_stats stats;
    volatile struct net_tx_virt_state *state; /* in the driver connection */
} driver;

static uint64_t table_word(struct queue_buffer buf)
{
    return NET_TX_AT_DRIVER | (buf.offset & 0xffffffffffull) << 16 | (buf.length & 0xffff);
}

static unsigned client_index(const struct client *c)
{
    return (unsigned)(c - clients);
}

/* A buffer went back on client c's free ring (or would have: the client's free ring holds
 * all its buffers at once, so a full ring is its own corruption and the buffer is lost to
 * it alone). */
static void given_back(struct client *c, bool enqueued)
{
    if (c->outstanding > 0)
        c->outstanding--;
    if (enqueued && queue_ring_should_notify_consumer(&c->queue.free))
        c->notify = true;
}

/* Client c's head frame, peeked as `buf`, to the driver (room checked by the caller):
 * journalled, enqueued, recorded in the table, then taken off the client's ring. */
static void send_head(struct client *c, struct queue_buffer buf)
{
    unsigned i = client_index(c);
    uint32_t slot = (uint32_t)(buf.offset / NET_BUFFER_SIZE);
    struct queue_buffer dev = {.offset = c->paddr + buf.offset, .length = buf.length};
    queue_move_begin(&driver.state->move, move_tag(MOVE_SEND, i, slot), &c->queue.active,
                     &driver.queue.active, dev);
    at_driver[i][slot] = table_word(buf);
    bst_fault_point("tx-virt-send-begun");
    queue_enqueue_active(&driver.queue, dev);
    bst_fault_point("tx-virt-sent");
    (void)queue_dequeue_active(&c->queue);
    queue_move_done(&driver.state->move);
    c->outstanding++;
}

/* Client c's head frame (a bad length) straight back to it, then off its active ring. */
static void drop_head(struct client *c, struct queue_buffer buf)
{
    queue_move_begin(&driver.state->move, move_tag(MOVE_DROP, client_index(c), 0), &c->queue.active,
                     &c->queue.free, buf);
    bool enqueued = queue_enqueue_free(&c->queue, buf) == QUEUE_OK;
    bst_fault_point("tx-virt-dropped");
    (void)queue_dequeue_active(&c->queue);
    queue_move_done(&driver.state->move);
    c->outstanding++; /* given_back counts it back */
    given_back(c, enqueued);
}

/* Up to NET_TX_BATCH frames of client c to the driver; false when the driver's ring is
 * full. */
static bool take_turn(struct client *c)
{
    for (unsigned n = 0; n < NET_TX_BATCH; n++) {
        if (queue_full_active(&driver.queue))
            return false;
        struct queue_result r = queue_peek_active(&c->queue);
        if (r.status == QUEUE_EMPTY)
            return true;
        if (r.status != QUEUE_OK) {
            (void)queue_dequeue_active(&c->queue);
            c->stats.dropped++; /* outside its region: nothing to give back */
            c->misbehaved = true;
            return true;
        }
        if (r.buffer.length < NET_MIN_FRAME || r.buffer.length > NET_MAX_FRAME) {
            c->stats.dropped++;
            drop_head(c, r.buffer);
            c->misbehaved = true;
            return true;
        }
        send_head(c, r.buffer);
        c->stats.frames++;
        c->stats.bytes += r.buffer.length;
        driver.stats.frames++;
        driver.stats.bytes += r.buffer.length;
        if (queue_ring_should_notify_consumer(&driver.queue.active))
            driver.notify = true;
    }
    return true;
}

/* Whether client c gets turns now: it has frames queued, its ring's indices are sane, and
 * it has sent no bad descriptor since this wake-up began. */
static bool has_turn(const struct client *c)
{
    return c->present && !c->misbehaved && !queue_empty_active(&c->queue) &&
           !queue_ring_corrupt(&c->queue.active);
}

/* Clients in turn, starting after the one served last, until the driver's ring is full
 * or nobody has anything. */
static void to_driver(void)
{
    for (unsigned round = 0; round < NET_QUEUE_CAPACITY / NET_TX_BATCH; round++) {
        bool any = false;
        for (unsigned k = 0; k < NET_MAX_CLIENTS; k++) {
            unsigned i = (next_turn + k) % NET_MAX_CLIENTS;
            struct client *c = &clients[i];
            if (!has_turn(c))
                continue;
            any = true;
            if (!take_turn(c)) {
                next_turn = i; /* its turn again first when there is room */
                return;
            }
        }
        if (!any)
            return;
        next_turn = (next_turn + 1) % NET_MAX_CLIENTS;
    }
}

static struct client *owner_of(uint64_t addr)
{
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (c->present && addr - c->paddr < NET_DATA_REGION_SIZE)
            return c;
    }
    return NULL;
}

/* The sent buffer at the head of the driver's free ring, as `r`, back to its client:
 * journalled, cleared in the table, given back, then taken off the driver's ring. */
static void return_head(struct queue_result r)
{
    struct client *c = r.status == QUEUE_OK ? owner_of(r.buffer.offset) : NULL;
    if (c == NULL) {
        driver.bad++;
        (void)queue_dequeue_free(&driver.queue);
        return;
    }
    unsigned i = client_index(c);
    struct queue_buffer buf = {.offset = r.buffer.offset - c->paddr, .length = r.buffer.length};
    uint32_t slot = (uint32_t)(buf.offset / NET_BUFFER_SIZE);
    queue_move_begin(&driver.state->move, move_tag(MOVE_RETURN, i, slot), &driver.queue.free,
                     &c->queue.free, buf);
    at_driver[i][slot] = 0;
    bst_fault_point("tx-virt-return-begun");
    bool enqueued = queue_enqueue_free(&c->queue, buf) == QUEUE_OK;
    bst_fault_point("tx-virt-returned");
    (void)queue_dequeue_free(&driver.queue);
    queue_move_done(&driver.state->move);
    given_back(c, enqueued);
    if (recovery_stamp != 0) /* a client's frame sent and its buffer back: a request done */
        recovery_completed((volatile struct recovery_stamp *)recovery_stamp);
}

/* The frames the device has sent, back to their clients; a driver that waits for room on
 * that ring is signalled once they were taken. */
static void from_driver(void)
{
    uint32_t n = 0;
    for (; n < NET_QUEUE_CAPACITY; n++) {
        struct queue_result r = queue_peek_free(&driver.queue);
        if (r.status == QUEUE_EMPTY)
            break;
        return_head(r);
    }
    if (n > 0 && queue_ring_should_notify_producer(&driver.queue.free))
        driver.notify = true;
}

/* Every buffer of client i the table says is with the driver back to it, each once
 * (journalled: cleared, then given back); returns how many. */
static unsigned give_back_all(unsigned i)
{
    struct client *c = &clients[i];
    unsigned returned = 0;
    for (uint32_t k = 0; k < NET_BUFFER_COUNT; k++) {
        uint64_t w = at_driver[i][k];
        if (!(w & NET_TX_AT_DRIVER))
            continue;
        struct queue_buffer buf = {.offset = (w >> 16) & 0xffffffffffull, .length = w & 0xffff};
        queue_move_begin(&driver.state->move, move_tag(MOVE_GIVEBACK, i, k), NULL, &c->queue.free,
                         buf);
        at_driver[i][k] = 0;
        bst_fault_point("tx-virt-giveback");
        bool enqueued = queue_enqueue_free(&c->queue, buf) == QUEUE_OK;
        queue_move_done(&driver.state->move);
        given_back(c, enqueued);
        returned++;
    }
    return returned;
}

/*
 * The driver announced a new generation (protocol.h, struct net_resync): it was restarted
 * or re-initialised and its device reset, so the device reads none of the frames it was
 * given any more. Buffers it returned go back as usual; the frames it had not taken from
 * the active ring are dropped; and every buffer still with it goes back to its client,
 * sent or not (counted in resync_returned: the client's protocol, TCP or its own, resends
 * what matters). Then the generation is acknowledged. A run restarted in the middle does
 * it again: what was given back is out of the table.
 */
static void resync_driver(void)
{
    uint64_t g = net_resync_pending(driver_queue);
    if (g == 0)
        return;
    from_driver();
    net_resync_drop_untaken(&driver.queue.active);
    unsigned returned = 0;
    for (unsigned i = 0; i < NET_MAX_CLIENTS && resync_broken == 0; i++)
        if (clients[i].present)
            returned += give_back_all(i);
    driver.resync_returned += returned;
    bst_fault_point("tx-virt-resynced");
    net_resync_acknowledge(driver_queue, g);
    driver.notify = true;
    if (g > 1)
        bst_printf("net_tx_virt: driver generation %lu: %u transmit buffers given back, sent or "
                   "not (%lu so far)%s\n",
                   (unsigned long)g, returned, (unsigned long)driver.resync_returned,
                   resync_broken ? " (resync_broken)" : "");
}

/*
 * A restarted run: finish the move the dead run began (its bookkeeping first, which is
 * idempotent), then count what each client has with the driver from the tables. The
 * journal's tag names a present client, or it is ignored (only a corrupt journal does
 * not).
 */
static void recover(void)
{
    volatile struct queue_move_journal *j = &driver.state->move;
    uint64_t tag = queue_move_pending(j);
    unsigned kind = (unsigned)(tag >> 32), i = (unsigned)(tag >> 16 & 0xffff);
    uint32_t slot = (uint32_t)(tag & 0xffff);
    if (tag != 0 && virt_resync_broken == 0 && i < NET_MAX_CLIENTS && clients[i].present &&
        slot < NET_BUFFER_COUNT) {
        struct client *c = &clients[i];
        struct queue_buffer buf = queue_move_buffer(j);
        switch (kind) {
        case MOVE_SEND:
            at_driver[i][slot] = table_word(
                (struct queue_buffer){.offset = buf.offset - c->paddr, .length = buf.length});
            queue_move_redo(j, &c->queue.active, &driver.queue.active);
            break;
        case MOVE_DROP:
            queue_move_redo(j, &c->queue.active, &c->queue.free);
            break;
        case MOVE_RETURN:
            at_driver[i][slot] = 0;
            queue_move_redo(j, &driver.queue.free, &c->queue.free);
            break;
        case MOVE_GIVEBACK:
            at_driver[i][slot] = 0;
            queue_move_redo(j, NULL, &c->queue.free);
            break;
        default:
            break;
        }
        c->notify = true;
    }
    queue_move_done(j);
    for (unsigned k = 0; k < NET_MAX_CLIENTS; k++) {
        if (!clients[k].present)
            continue;
        for (uint32_t n = 0; n < NET_BUFFER_COUNT; n++)
            clients[k].outstanding += (at_driver[k][n] & NET_TX_AT_DRIVER) != 0;
        clients[k].notify = true; /* a signal the dead run owed */
    }
    driver.notify = true;
}

/* Passes per wake-up: a peer can keep a ring looking non-empty for ever, so the work per
 * wake-up is bounded. The last pass sets every flag it would sleep on *before* it works
 * (without the re-check), so anything queued after that signals and the virtualiser is
 * woken again at once, while what was queued before is taken by the pass itself (a pass
 * takes a whole ring's worth). Setting them after the last pass instead lost a wake-up:
 * the Spin model (drivers/net/model) found a frame queued between the last drain and the
 * flags, with no signal, in net_rx_virt's copy of this loop. */
#define PASSES 4

/* Set the flags of every ring the virtualiser waits on; with `recheck`, true when all of
 * them are empty (drivers/queue: the sleeper's sequence). */
static bool may_sleep(bool recheck)
{
    bool waiting = false; /* frames wait for room on the driver's ring */
    bool want_returns = false;
    bool idle = true;
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++) {
        if (!clients[i].present)
            continue;
        struct client *c = &clients[i];
        waiting |= has_turn(c);
        /* Before the last pass, counts may yet grow: ask for returns regardless. */
        want_returns |= !recheck || c->outstanding >= NET_TX_RETURN_HIGH;
        /* A client that misbehaved waits for its next notification: its ring does not
         * keep the virtualiser awake. */
        if (recheck && !c->misbehaved && !queue_ring_corrupt(&c->queue.active))
            idle &= queue_ring_consumer_may_sleep(&c->queue.active);
        else
            queue_ring_request_consumer_signal(&c->queue.active);
    }
    if (!want_returns)
        queue_ring_cancel_consumer_signal(&driver.queue.free);
    else if (recheck)
        idle &= queue_ring_consumer_may_sleep(&driver.queue.free);
    else
        queue_ring_request_consumer_signal(&driver.queue.free);
    if (recheck && waiting && queue_full_active(&driver.queue))
        idle &= queue_ring_producer_may_sleep(&driver.queue.active);
    else if (!recheck && waiting) /* the last pass may yet fill the driver's ring */
        queue_ring_request_producer_signal(&driver.queue.active);
    return idle;
}

static void serve(void)
{
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
        clients[i].misbehaved = false;
    for (unsigned pass = 1;; pass++) {
        bool last = pass == PASSES;
        if (last)
            may_sleep(false); /* flags first: whatever is queued from now on signals */
        resync_driver();
        from_driver();
        to_driver();
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

static void client_setup(unsigned i, uintptr_t queue_region, uintptr_t data_paddr)
{
    if (queue_region == 0)
        return;
    struct client *c = &clients[i];
    c->present = true;
    c->paddr = data_paddr;
    net_queue_init(&c->queue, queue_region);
    at_driver[i] = (volatile uint64_t *)(queue_region + NET_TX_TABLE_OFFSET);
    client_count++;
}

void init(void)
{
    /* A restart over this PD's memory starts here too: nothing of the last run's private
     * state is kept (what matters is in shared memory: recover()). */
    for (unsigned i = 0; i < NET_MAX_CLIENTS; i++)
        clients[i] = (struct client){0};
    driver.notify = false;
    driver.resync_returned = driver.bad = 0;
    driver.stats = (struct net_virt_stats){0};
    client_count = next_turn = 0;
    client_setup(0, client0_queue, client0_data_paddr);
    client_setup(1, client1_queue, client1_data_paddr);
    client_setup(2, client2_queue, client2_data_paddr);
    client_setup(3, client3_queue, client3_data_paddr);
    client_setup(4, client4_queue, client4_data_paddr);
    client_setup(5, client5_queue, client5_data_paddr);
    client_setup(6, client6_queue, client6_data_paddr);
    client_setup(7, client7_queue, client7_data_paddr);
    net_device_queue_init(&driver.queue, driver_queue);
    driver.state = (volatile struct net_tx_virt_state *)(driver_queue + NET_VIRT_STATE_OFFSET);
    recover();
    if (bst_pd_generation() == 0)
        bst_printf("net_tx_virt: %u clients\n", client_count);
    else
        bst_printf("net_tx_virt: restarted (generation %lu)%s\n",
                   (unsigned long)bst_pd_generation(),
                   virt_resync_broken ? " (virt_resync_broken)" : "");
    serve();
}

void notified(bst_channel_t ch)
{
    (void)ch;
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
