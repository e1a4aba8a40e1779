/*
 * serial_rx_virt: the receive virtualiser PD (docs/drivers.md, "Serial"). Input from the
 * serial line goes to one client at a time, the active one (client 0 at start).
 *
 *   channel i (0 .. SERIAL_MAX_CLIENTS-1)  client i; this virtualiser owns its receive
 *                 buffers: its queue and data regions are patched into clientI_queue /
 *                 clientI_data (both read-write here). A client whose regions are not
 *                 mapped does not exist.
 *   channel 8     the driver, which owns the buffers of driver_queue / driver_data (the
 *                 data read-only here).
 *
 * The byte SERIAL_SWITCH_CHAR (Ctrl-A) is not delivered: it makes the next existing
 * client (in channel order, wrapping around) the active one; the virtualiser says so on
 * the debug console. Every other byte is copied into a buffer of the active client; the
 * buffers are handed over at the end of each batch the driver delivered, or when full.
 * A client that does not read loses input: when all its buffers are full and waiting,
 * further bytes for it are dropped (and counted), so one stuck client never stops the
 * line for the others nor keeps a switch from being seen.
 *
 * Restart (docs/drivers.md, "Restarting the serial virtualisers"): it may be re-initialised
 * at any point. A byte reaches at most one client, the one that was active when it came
 * (the switch survives), at most once and in order; a restart may lose the bytes in a
 * client buffer not yet handed over. It only peeks the driver's head buffer and keeps in
 * the driver's queue region a journal (struct serial_virt_rx_journal): how many of its
 * bytes are delivered and the active client, in one word written after each byte (so
 * before a client buffer is handed over); the buffer goes back as a move of
 * bastion/queue/move.h. Its own buffers: each client's pool keeps `fresh` in the
 * client's queue region, and a restarted run takes back every buffer below it that is on
 * neither of the client's rings (the client library reads a buffer in place and returns
 * it before taking it off the ring, so one it reads is always on a ring). Fault points:
 * libbastion/fault_inject.h.
 */
#include <bastion/serial/pool.h>
#include <bastion/serial/protocol.h>
#include <libbastion/fault_inject.h>
#include <libbastion/pd.h>

#define DRIVER 8 /* channel */

uintptr_t client0_queue, client0_data, client1_queue, client1_data; /* setvar_vaddr */
uintptr_t client2_queue, client2_data, client3_queue, client3_data;
uintptr_t driver_queue, driver_data;

/* Test-only (setvar): nonzero makes a restarted run forget the active client (input goes
 * to client 0 again) and its clients' pools (their buffers are handed out from the first,
 * whoever holds them), so that the restart test can show that its check fails without
 * them. (Delivery still goes on at the journal's byte: from the buffer's start, a run
 * that faults within one buffer's bytes would never get past it.) */
uint64_t rx_virt_resync_broken;

struct client {
    bool present;
    struct queue_handle queue;
    struct serial_pool pool;
    volatile struct serial_virt_pool_journal *pool_journal; /* in the client's queue region */
    uint32_t reclaimed[SERIAL_BUFFER_COUNT];                /* a dead run's buffers */
    uint32_t reclaimed_count;
    uint8_t *data;
    bool holding; /* `buffer` is being filled */
    struct queue_buffer buffer;
    uint32_t used;
    uint64_t dropped;
    bool notify;
};

static struct client clients[SERIAL_MAX_CLIENTS];
static unsigned active;
static struct {
    struct queue_handle queue;
    const volatile uint8_t *data;
    volatile struct serial_virt_rx_journal *journal; /* in the driver's queue region */
    bool notify;
} driver;

/* Record that the bytes of the driver's head buffer before `next` are delivered, and
 * where input goes now: after each byte, and so before a client buffer is handed over. A
 * restarted run goes on after the last recorded byte: it never delivers a byte twice, and
 * never a switch (a crash loses the bytes of the client buffer being filled, which
 * nobody will see: it is taken back). */
static void commit(uint32_t next)
{
    driver.journal->position = SERIAL_RX_POSITION(next, active);
    bst_fault_point("rx-virt-committed");
}

/* Hand the client what its current buffer holds. */
static void client_flush(struct client *c)
{
    if (!c->holding || c->used == 0)
        return;
    c->buffer.length = c->used;
    c->holding = false;
    if (queue_enqueue_active(&c->queue, c->buffer) == QUEUE_OK &&
        queue_ring_should_notify_consumer(&c->queue.active))
        c->notify = true;
    bst_fault_point("rx-virt-handed-over");
}

/* An empty buffer of the client's: one a dead run left, else from the pool, whose
 * `fresh` is recorded before the buffer is used. */
static struct queue_result client_take(struct client *c)
{
    struct queue_result r = {.status = QUEUE_OK};
    if (c->reclaimed_count > 0) {
        r.buffer.offset = c->reclaimed[--c->reclaimed_count];
        r.buffer.length = SERIAL_BUFFER_SIZE;
        return r;
    }
    r = serial_pool_take(&c->pool);
    c->pool_journal->fresh = c->pool.fresh;
    return r;
}

/* Put the byte into the client's buffer; true when the buffer is full (to hand over). */
static bool client_put(struct client *c, uint8_t byte)
{
    if (!c->holding) {
        struct queue_result r = client_take(c);
        if (r.status != QUEUE_OK) {
            if (c->dropped++ == 0)
                bst_printf("serial_rx_virt: client %u does not read: its input is dropped\n",
                           (unsigned)(c - clients));
            return false;
        }
        c->buffer = r.buffer;
        c->used = 0;
        c->holding = true;
    }
    c->data[c->buffer.offset + c->used++] = byte;
    return c->used == c->buffer.length;
}

/* The switch byte: input goes to the next client from now on. */
static void switch_client(void)
{
    for (unsigned step = 1; step <= SERIAL_MAX_CLIENTS; step++) {
        unsigned candidate = (active + step) % SERIAL_MAX_CLIENTS;
        if (clients[candidate].present) {
            active = candidate;
            break;
        }
    }
    bst_printf("serial_rx_virt: input goes to client %u\n", active);
}

/* The returned head buffer leaves the active ring (unless a dead run's move took it). */
static void driver_pop_head(void)
{
    driver.journal->position = SERIAL_RX_POSITION(0, active);
    bst_fault_point("rx-virt-pop");
    queue_move_finish_pop(&driver.journal->move, &driver.queue.active);
    queue_move_done(&driver.journal->move);
}

/* The head buffer is delivered: return it, then take it off the active ring, as one move
 * of the journal (bastion/queue/move.h) that a restarted run finishes (driver_resync()). */
static void driver_return_head(struct queue_buffer buf)
{
    queue_move_begin(&driver.journal->move, SERIAL_MOVE_RETURN, &driver.queue.active,
                     &driver.queue.free, buf);
    bst_fault_point("rx-virt-return");
    if (queue_enqueue_free(&driver.queue, buf) == QUEUE_OK &&
        queue_ring_should_notify_consumer(&driver.queue.free))
        driver.notify = true;
    bst_fault_point("rx-virt-returned");
    driver_pop_head();
}

/* Deliver the head buffer from the journal's byte on (0 but after a restart). */
static void deliver(struct queue_buffer buf)
{
    uint32_t from = SERIAL_RX_DELIVERED(driver.journal->position);
    for (uint32_t i = from; i < buf.length; i++) {
        uint8_t byte = driver.data[buf.offset + i];
        struct client *hand_over = NULL;
        if (byte == SERIAL_SWITCH_CHAR) {
            hand_over = &clients[active];
            switch_client();
        } else if (clients[active].present && client_put(&clients[active], byte)) {
            hand_over = &clients[active];
        }
        commit(i + 1);
        if (hand_over)
            client_flush(hand_over);
    }
}

/* Passes over the driver's ring per serve(): a driver that keeps it looking non-empty
 * for ever gets its flag set after these and is served again when it notifies. */
#define DRIVER_PASSES 4

/* Take every batch the driver has delivered (at most a ring's worth per pass), then sleep
 * by the queue protocol. */
static void serve(void)
{
    for (unsigned pass = 1;; pass++) {
        for (uint32_t n = 0; n < SERIAL_QUEUE_CAPACITY; n++) {
            struct queue_result r = queue_peek_active(&driver.queue);
            if (r.status == QUEUE_EMPTY)
                break;
            if (r.status != QUEUE_OK) { /* not a buffer: dropped (no move) */
                driver.journal->position = SERIAL_RX_POSITION(0, active);
                (void)queue_dequeue_active(&driver.queue);
                continue;
            }
            deliver(r.buffer);
            driver_return_head(r.buffer);
        }
        for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++)
            client_flush(&clients[i]);
        if (pass == DRIVER_PASSES) {
            queue_ring_request_consumer_signal(&driver.queue.active);
            break;
        }
        if (queue_ring_consumer_may_sleep(&driver.queue.active))
            break;
    }

    for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++) {
        if (clients[i].notify) {
            clients[i].notify = false;
            bst_notify(i);
        }
    }
    if (driver.notify) {
        driver.notify = false;
        bst_notify(DRIVER);
    }
}

static void client_setup(unsigned i, uintptr_t queue_region, uintptr_t data_region)
{
    if (queue_region == 0 || data_region == 0)
        return;
    struct client *c = &clients[i];
    c->present = true;
    serial_queue_init(&c->queue, queue_region);
    serial_pool_init(&c->pool, &c->queue);
    c->pool_journal = (volatile struct serial_virt_pool_journal *)(queue_region +
                                                                   SERIAL_VIRT_POOL_JOURNAL_OFFSET);
    c->data = (uint8_t *)data_region;
}

/* A restarted run, per client: its pool goes on from the recorded `fresh`, and every
 * buffer below it on neither ring was the dead run's, being filled: taken back (its bytes
 * are lost). The active ring is looked at first: the client moves buffers from it to the
 * free ring only (returning one before taking it off), so none passes both looks unseen. */
static void client_resync(struct client *c)
{
    uint32_t fresh = c->pool_journal->fresh;
    c->pool.fresh = fresh < SERIAL_BUFFER_COUNT ? fresh : SERIAL_BUFFER_COUNT;
    bool held[SERIAL_BUFFER_COUNT] = {false};
    serial_pool_mark_ring(&c->queue.active, held);
    serial_pool_mark_ring(&c->queue.free, held);
    for (uint32_t i = 0; i < c->pool.fresh; i++)
        if (!held[i])
            c->reclaimed[c->reclaimed_count++] = i * SERIAL_BUFFER_SIZE;
}

/* A restarted run, towards the driver: input goes where it went, and a return the dead
 * run began (it may have crashed between the free ring and the active ring) is
 * finished; delivery then goes on at the journal's byte (deliver()). */
static void driver_resync(void)
{
    unsigned was_active = SERIAL_RX_ACTIVE(driver.journal->position);
    if (was_active < SERIAL_MAX_CLIENTS && clients[was_active].present && !rx_virt_resync_broken)
        active = was_active;
    if (queue_move_pending(&driver.journal->move) != 0) {
        (void)queue_move_finish_enqueue(&driver.journal->move, &driver.queue.free);
        driver_pop_head();
    }
}

void init(void)
{
    client_setup(0, client0_queue, client0_data);
    client_setup(1, client1_queue, client1_data);
    client_setup(2, client2_queue, client2_data);
    client_setup(3, client3_queue, client3_data);
    serial_queue_init(&driver.queue, driver_queue);
    driver.journal =
        (volatile struct serial_virt_rx_journal *)(driver_queue + SERIAL_VIRT_POOL_JOURNAL_OFFSET);
    driver.data = (const volatile uint8_t *)driver_data;
    if (bst_pd_generation() != 0) {
        /* Notifications the dead run owed may never have gone: everyone looks again. */
        for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++)
            clients[i].notify = clients[i].present;
        driver.notify = true;
        for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++)
            if (clients[i].present && !rx_virt_resync_broken)
                client_resync(&clients[i]);
        driver_resync();
    }
    serve();
}

void notified(bst_channel_t ch)
{
    (void)ch; /* a client returning buffers needs nothing now: they are taken when needed */
    serve();
}
