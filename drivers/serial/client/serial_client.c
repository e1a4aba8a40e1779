/*
 * The serial client library (bastion/serial/client.h). The client owns its transmit
 * buffers (it fills them) and consumes its receive buffers; both follow the queue
 * protocol of docs/drivers.md, sleeping only after the protocol's re-check said so.
 */
#include <bastion/driver/wait.h>
#include <bastion/serial/client.h>
#include <bastion/serial/pool.h>

uintptr_t serial_tx_queue, serial_tx_data, serial_rx_queue, serial_rx_data;

struct serial_tx {
    struct queue_handle queue;
    struct serial_pool pool;
    uint8_t *data;
    bst_channel_t channel;
    bool holding; /* `buffer` is being filled */
    struct queue_buffer buffer;
    uint32_t used;
};

struct serial_rx {
    struct queue_handle queue;
    const volatile uint8_t *data;
    bst_channel_t channel;
    bool holding; /* `buffer`, the active ring's head (peeked), is being read */
    struct queue_buffer buffer;
    uint32_t read;
};

static struct serial_tx tx = {.channel = SERIAL_NO_CHANNEL};
static struct serial_rx rx = {.channel = SERIAL_NO_CHANNEL};

static _Noreturn void misconfigured(const char *what)
{
    bst_printf("serial: PD '%s': %s\n", bst_pd_name(), what);
    __builtin_trap();
}

void serial_init(bst_channel_t tx_channel, bst_channel_t rx_channel)
{
    if (tx_channel != SERIAL_NO_CHANNEL) {
        if (serial_tx_queue == 0 || serial_tx_data == 0)
            misconfigured("serial_tx_queue / serial_tx_data are not mapped (setvar_vaddr)");
        serial_queue_init(&tx.queue, serial_tx_queue);
        serial_pool_init(&tx.pool, &tx.queue);
        tx.data = (uint8_t *)serial_tx_data;
        tx.channel = tx_channel;
    }
    if (rx_channel != SERIAL_NO_CHANNEL) {
        if (serial_rx_queue == 0 || serial_rx_data == 0)
            misconfigured("serial_rx_queue / serial_rx_data are not mapped (setvar_vaddr)");
        serial_queue_init(&rx.queue, serial_rx_queue);
        rx.data = (const volatile uint8_t *)serial_rx_data;
        rx.channel = rx_channel;
    }
}

static uint64_t bit(bst_channel_t ch)
{
    return 1ULL << ch;
}

/* Get an empty transmit buffer, sleeping until the virtualiser returns one. */
static void tx_take_buffer(void)
{
    for (;;) {
        struct queue_result r = serial_pool_take(&tx.pool);
        if (r.status == QUEUE_OK) {
            tx.buffer = r.buffer;
            tx.used = 0;
            tx.holding = true;
            return;
        }
        if (queue_ring_consumer_may_sleep(&tx.queue.free))
            driver_wait(bit(tx.channel));
    }
}

void serial_flush(void)
{
    if (!tx.holding || tx.used == 0)
        return;
    tx.buffer.length = tx.used;
    while (queue_enqueue_active(&tx.queue, tx.buffer) == QUEUE_FULL) {
        /* We own every buffer on the ring, so it is full only if the peer corrupted it. */
        if (queue_ring_producer_may_sleep(&tx.queue.active))
            driver_wait(bit(tx.channel));
    }
    tx.holding = false;
    if (queue_ring_should_notify_consumer(&tx.queue.active))
        bst_notify(tx.channel);
}

void serial_putc(char c)
{
    if (tx.channel == SERIAL_NO_CHANNEL)
        misconfigured("serial output without a transmit channel (serial_init)");
    if (!tx.holding)
        tx_take_buffer();
    tx.data[tx.buffer.offset + tx.used++] = (uint8_t)c;
    if (c == '\n' || tx.used == tx.buffer.length)
        serial_flush();
}

void serial_write(const char *s, size_t length)
{
    for (size_t i = 0; i < length; i++)
        serial_putc(s[i]);
}

int serial_vprintf(const char *fmt, va_list ap)
{
    char text[512];
    int n = bst_vsnprintf(text, sizeof(text), fmt, ap);
    if (n > 0)
        serial_write(text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
    return n;
}

int serial_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = serial_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* Give the buffer just read back to the virtualiser, then take it off the active ring:
 * so it is on one of the rings at every moment, and a restarted virtualiser, which takes
 * back the buffers on neither (docs/drivers.md, "Restarting the serial virtualisers"),
 * never takes one that is being read. */
static void rx_return_buffer(void)
{
    rx.holding = false;
    bool returned = queue_enqueue_free(&rx.queue, rx.buffer) == QUEUE_OK;
    (void)queue_dequeue_active(&rx.queue);
    if (!returned)
        return; /* the ring looks full: the peer corrupted it; the buffer is lost to it */
    if (queue_ring_should_notify_consumer(&rx.queue.free))
        bst_notify(rx.channel);
}

int serial_try_getchar(void)
{
    if (rx.channel == SERIAL_NO_CHANNEL)
        misconfigured("serial input without a receive channel (serial_init)");
    for (uint32_t taken = 0;; taken++) {
        if (rx.holding && rx.read < rx.buffer.length)
            return rx.data[rx.buffer.offset + rx.read++];
        if (rx.holding)
            rx_return_buffer();
        if (taken == SERIAL_QUEUE_CAPACITY)
            return -1; /* a corrupt ring: nothing usable in a ring's worth */
        struct queue_result r = queue_peek_active(&rx.queue);
        if (r.status == QUEUE_EMPTY)
            return -1;
        if (r.status != QUEUE_OK) {
            (void)queue_dequeue_active(&rx.queue); /* not a buffer: dropped */
        } else {
            rx.buffer = r.buffer;
            rx.read = 0;
            rx.holding = true;
        }
    }
}

int serial_getchar(void)
{
    for (;;) {
        int c = serial_try_getchar();
        if (c >= 0)
            return c;
        if (queue_ring_consumer_may_sleep(&rx.queue.active))
            driver_wait(bit(rx.channel));
    }
}
