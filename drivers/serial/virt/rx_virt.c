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
 */
#include <bastion/serial/pool.h>
#include <bastion/serial/protocol.h>
#include <libbastion/pd.h>

#define DRIVER 8 /* channel */

uintptr_t client0_queue, client0_data, client1_queue, client1_data; /* setvar_vaddr */
uintptr_t client2_queue, client2_data, client3_queue, client3_data;
uintptr_t driver_queue, driver_data;

struct client {
    bool present;
    struct queue_handle queue;
    struct serial_pool pool;
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
    bool notify;
} driver;

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
}

static void client_put(struct client *c, uint8_t byte)
{
    if (!c->holding) {
        struct queue_result r = serial_pool_take(&c->pool);
        if (r.status != QUEUE_OK) {
            if (c->dropped++ == 0)
                bst_printf("serial_rx_virt: client %u does not read: its input is dropped\n",
                           (unsigned)(c - clients));
            return;
        }
        c->buffer = r.buffer;
        c->used = 0;
        c->holding = true;
    }
    c->data[c->buffer.offset + c->used++] = byte;
    if (c->used == c->buffer.length)
        client_flush(c);
}

static void switch_client(void)
{
    client_flush(&clients[active]);
    for (unsigned step = 1; step <= SERIAL_MAX_CLIENTS; step++) {
        unsigned next = (active + step) % SERIAL_MAX_CLIENTS;
        if (clients[next].present) {
            active = next;
            break;
        }
    }
    bst_printf("serial_rx_virt: input goes to client %u\n", active);
}

static void deliver(struct queue_buffer buf)
{
    for (uint32_t i = 0; i < buf.length; i++) {
        uint8_t byte = driver.data[buf.offset + i];
        if (byte == SERIAL_SWITCH_CHAR)
            switch_client();
        else if (clients[active].present)
            client_put(&clients[active], byte);
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
            struct queue_result r = queue_dequeue_active(&driver.queue);
            if (r.status == QUEUE_EMPTY)
                break;
            if (r.status != QUEUE_OK)
                continue;
            deliver(r.buffer);
            if (queue_enqueue_free(&driver.queue, r.buffer) == QUEUE_OK &&
                queue_ring_should_notify_consumer(&driver.queue.free))
                driver.notify = true;
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
    c->data = (uint8_t *)data_region;
}

void init(void)
{
    client_setup(0, client0_queue, client0_data);
    client_setup(1, client1_queue, client1_data);
    client_setup(2, client2_queue, client2_data);
    client_setup(3, client3_queue, client3_data);
    serial_queue_init(&driver.queue, driver_queue);
    driver.data = (const volatile uint8_t *)driver_data;
    serve();
}

void notified(bst_channel_t ch)
{
    (void)ch; /* a client returning buffers needs nothing now: they are taken when needed */
    serve();
}
