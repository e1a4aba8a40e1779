/*
 * serial_tx_virt: the transmit virtualiser PD (docs/drivers.md, "Serial"). Several
 * clients print; the line they share shows whole lines, never two clients' bytes mixed
 * inside one line.
 *
 *   channel i (0 .. SERIAL_MAX_CLIENTS-1)  client i; its queue region and data region
 *                 (read-only here) are patched into clientI_queue / clientI_data. A client
 *                 whose regions are not mapped does not exist.
 *   channel 8     the driver; this virtualiser owns the transmit buffers (driver_queue /
 *                 driver_data, read-write here).
 *
 * Per client, bytes are copied out of the client's buffers into a private line buffer
 * until a '\n' (kept) or SERIAL_LINE_MAX bytes; then the line is copied into one driver
 * buffer, so the driver sends it uninterrupted. Nothing is added: no prefix, no tag (the
 * clients name themselves if they want). Clients take turns a line at a time. A partial
 * line waits in the virtualiser until its end arrives. With no empty driver buffer, the
 * virtualiser stops taking client buffers, so clients that print faster than the line
 * runs block in their library (back-pressure, no loss).
 *
 * The driver never sees client memory; a client can only garble its own lines: every
 * descriptor is checked against its region by the queue library, and copies go into
 * private buffers of fixed size.
 */
#include <bastion/serial/line.h>
#include <bastion/serial/pool.h>
#include <bastion/serial/protocol.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#define DRIVER 8 /* channel */

uintptr_t client0_queue, client0_data, client1_queue, client1_data; /* setvar_vaddr */
uintptr_t client2_queue, client2_data, client3_queue, client3_data;
uintptr_t driver_queue, driver_data;

struct client {
    bool present;
    struct queue_handle queue;
    const volatile uint8_t *data;
    bool holding; /* `buffer` is being copied out */
    struct queue_buffer buffer;
    uint32_t copied;
    struct serial_line line;
    uint32_t budget; /* descriptors it may still take in this serve() */
    bool flooding;   /* it used up a budget: served again only once it notifies */
    bool notify;
};

/*
 * A client is *flooding* when its ring holds more than its capacity (a corrupt tail: the
 * ring would look full for ever) or it gave more than CLIENT_BUDGET descriptors in one
 * serve(): while the virtualiser serves, its clients (lower priority, same CPU) cannot
 * enqueue, so an honest client never has more than a ring's worth. A flooding client is
 * left alone, even when the driver's returned buffers wake the virtualiser, until it
 * notifies again: each of its notifications buys a bounded amount of work at the
 * virtualiser's and the driver's priority, and the PDs below them keep running.
 */
#define CLIENT_BUDGET (2 * SERIAL_QUEUE_CAPACITY)

static struct client clients[SERIAL_MAX_CLIENTS];
static struct {
    struct queue_handle queue;
    struct serial_pool pool;
    uint8_t *data;
    bool notify;
} driver;

/* Lines forwarded, and how many of them went while another client had a partial line
 * pending: each is a place where the two would have mixed without the virtualiser. */
static uint64_t lines_forwarded, lines_held;

static void client_return_buffer(struct client *c)
{
    c->holding = false;
    if (queue_enqueue_free(&c->queue, c->buffer) == QUEUE_OK &&
        queue_ring_should_notify_consumer(&c->queue.free))
        c->notify = true;
}

/* Copy the client's bytes into its line buffer until a line is complete or its active
 * ring is empty. */
static void client_assemble(struct client *c)
{
    while (!c->line.complete) {
        if (c->holding && c->copied == c->buffer.length)
            client_return_buffer(c);
        if (!c->holding) {
            if (c->budget == 0 || queue_ring_corrupt(&c->queue.active)) {
                c->flooding = true;
                queue_ring_request_consumer_signal(&c->queue.active);
                return;
            }
            c->budget--;
            struct queue_result r = queue_dequeue_active(&c->queue);
            if (r.status == QUEUE_EMPTY)
                return;
            if (r.status != QUEUE_OK)
                continue; /* outside the region: dropped */
            c->buffer = r.buffer;
            c->copied = 0;
            c->holding = true;
        }
        c->copied += serial_line_append(&c->line, c->data + c->buffer.offset + c->copied,
                                        c->buffer.length - c->copied);
    }
    if (c->holding && c->copied == c->buffer.length)
        client_return_buffer(c);
}

/* Hand the client's complete line to the driver. False: no driver buffer free now. */
static bool client_forward_line(struct client *c)
{
    struct queue_result r = serial_pool_take(&driver.pool);
    if (r.status != QUEUE_OK)
        return false;
    struct queue_buffer buf = r.buffer;
    memcpy(driver.data + buf.offset, c->line.bytes, c->line.length);
    buf.length = c->line.length;
    serial_line_reset(&c->line);
    if (queue_enqueue_active(&driver.queue, buf) == QUEUE_OK &&
        queue_ring_should_notify_consumer(&driver.queue.active))
        driver.notify = true;
    return true;
}

static bool another_partial_line(const struct client *self)
{
    for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++)
        if (&clients[i] != self && clients[i].present && clients[i].line.length > 0 &&
            !clients[i].line.complete)
            return true;
    return false;
}

/* One round: each client forwards at most one line. Returns whether a line moved;
 * *stalled is set when a complete line waits for a driver buffer. */
static bool forward_round(bool *stalled)
{
    bool moved = false;
    for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (!c->present)
            continue;
        client_assemble(c);
        if (!c->line.complete)
            continue;
        bool held = another_partial_line(c);
        if (client_forward_line(c)) {
            moved = true;
            lines_forwarded++;
            lines_held += held;
        } else {
            *stalled = true;
        }
    }
    return moved;
}

static void notify_all(void)
{
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

/* Everything that can move moves; then sleep by the queue protocol (docs/drivers.md):
 * on the driver's free ring when stalled, else on the active ring of every client that is
 * not flooding (a flooding one has its flag set already: its next enqueue notifies). */
static void serve(void)
{
    for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++)
        clients[i].budget = clients[i].flooding ? 0 : CLIENT_BUDGET;
    for (;;) {
        bool stalled = false;
        while (forward_round(&stalled)) {
            stalled = false;
        }
        bool sleep = true;
        if (stalled) {
            sleep = queue_ring_consumer_may_sleep(&driver.queue.free);
        } else {
            for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++) {
                struct client *c = &clients[i];
                if (!c->present)
                    continue;
                if (!c->flooding && !queue_ring_consumer_may_sleep(&c->queue.active))
                    sleep = false;
            }
        }
        if (sleep)
            break;
    }
    notify_all();
}

static void client_setup(unsigned i, uintptr_t queue_region, uintptr_t data_region)
{
    if (queue_region == 0 || data_region == 0)
        return;
    clients[i].present = true;
    serial_queue_init(&clients[i].queue, queue_region);
    clients[i].data = (const volatile uint8_t *)data_region;
}

void init(void)
{
    client_setup(0, client0_queue, client0_data);
    client_setup(1, client1_queue, client1_data);
    client_setup(2, client2_queue, client2_data);
    client_setup(3, client3_queue, client3_data);
    serial_queue_init(&driver.queue, driver_queue);
    serial_pool_init(&driver.pool, &driver.queue);
    driver.data = (uint8_t *)driver_data;
    serve();
}

void notified(bst_channel_t ch)
{
    if (ch < SERIAL_MAX_CLIENTS)
        clients[ch].flooding = false; /* it asks again: a new budget */
    serve();
}

/* SERIAL_TX_STATS (any client that may call): MR0 lines forwarded, MR1 of them forwarded
 * while another client's line was incomplete. Other labels: an empty reply. */
bst_msginfo_t protected(bst_channel_t ch, bst_msginfo_t msginfo)
{
    (void)ch;
    if (bst_msginfo_label(msginfo) != SERIAL_TX_STATS)
        return bst_msginfo_new(0, 0);
    bst_mr_set(0, lines_forwarded);
    bst_mr_set(1, lines_held);
    return bst_msginfo_new(0, 2);
}
