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
 *
 * Restart (docs/drivers.md, "Restarting the serial virtualisers"): it may be re-initialised
 * at any point (a supervisor's on_fault="restart" child). A line reaches the driver whole
 * or not at all, never twice, and each client's lines keep their order; what a restart
 * loses is the lines in flight (at most the one being forwarded and the one being put
 * together per client). For that it only peeks a client's head buffer and keeps, in a
 * journal in the client's queue region, how far that buffer's lines were forwarded
 * (written before the line goes to the driver) and whether the buffer began inside a line
 * (whose start is then lost: a restarted run drops up to the next '\n'); a buffer is
 * returned before it is taken off the ring, a move of bastion/queue/move.h. The driver's
 * buffers: the pool's `fresh` is kept in the driver's queue region, and a restarted run
 * takes back every buffer below it that is on neither of the driver's rings. Fault
 * points: libbastion/fault_inject.h.
 */
#include <bastion/serial/line.h>
#include <bastion/serial/pool.h>
#include <bastion/serial/protocol.h>
#include <libbastion/fault_inject.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#define DRIVER 8 /* channel */

uintptr_t client0_queue, client0_data, client1_queue, client1_data; /* setvar_vaddr */
uintptr_t client2_queue, client2_data, client3_queue, client3_data;
uintptr_t driver_queue, driver_data;

/* Test-only (setvar): nonzero makes a restarted run ignore its journals (it starts every
 * client's head buffer again, does not drop the rest of a line whose start was lost, and
 * hands out the driver's buffers from the first), so that the restart test can show that
 * its check fails without them. */
uint64_t tx_virt_resync_broken;

struct client {
    bool present;
    struct queue_handle queue;
    const volatile uint8_t *data;
    volatile struct serial_virt_tx_journal *journal; /* in the client's queue region */
    bool holding; /* `buffer`, the active ring's head (peeked), is being copied out */
    struct queue_buffer buffer;
    uint32_t copied;
    bool skipping; /* dropping the rest of a line whose start a dead run took */
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
    volatile struct serial_virt_pool_journal *journal; /* in the driver's queue region */
    uint32_t reclaimed[SERIAL_BUFFER_COUNT];           /* a dead run's buffers, taken back */
    uint32_t reclaimed_count;
    uint8_t *data;
    bool notify;
} driver;

/* Lines forwarded, and how many of them went while another client had a partial line
 * pending: each is a place where the two would have mixed without the virtualiser. */
static uint64_t lines_forwarded, lines_held;

/* The returned head buffer leaves the active ring (unless a dead run's move took it). */
static void client_pop_head(struct client *c)
{
    c->journal->consumed = 0;
    c->journal->mid_line = c->journal->next_mid_line;
    bst_fault_point("tx-virt-pop");
    queue_move_finish_pop(&c->journal->move, &c->queue.active);
    queue_move_done(&c->journal->move);
}

/* The head buffer is used up: return it, then take it off the active ring, as one move of
 * the journal (bastion/queue/move.h) that a restarted run finishes (client_resync()). */
static void client_return_buffer(struct client *c)
{
    c->holding = false;
    c->journal->next_mid_line = c->skipping || (c->line.length > 0 && !c->line.complete);
    queue_move_begin(&c->journal->move, SERIAL_MOVE_RETURN, &c->queue.active, &c->queue.free,
                     c->buffer);
    bst_fault_point("tx-virt-return");
    if (queue_enqueue_free(&c->queue, c->buffer) == QUEUE_OK &&
        queue_ring_should_notify_consumer(&c->queue.free))
        c->notify = true;
    bst_fault_point("tx-virt-returned");
    client_pop_head(c);
}

/* After a restart: drop the head buffer's bytes up to and including the next '\n' (the
 * rest of a line whose start is lost), then record that the line is gone. */
static void client_skip(struct client *c)
{
    while (c->copied < c->buffer.length) {
        if (c->data[c->buffer.offset + c->copied++] == '\n') {
            c->skipping = false;
            c->journal->consumed = c->copied;
            c->journal->mid_line = 0;
            return;
        }
    }
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
            struct queue_result r = queue_peek_active(&c->queue);
            if (r.status == QUEUE_EMPTY)
                return;
            if (r.status != QUEUE_OK) { /* outside the region: dropped (no move) */
                c->journal->consumed = 0;
                (void)queue_dequeue_active(&c->queue);
                continue;
            }
            c->buffer = r.buffer;
            c->copied = 0;
            c->holding = true;
        }
        if (c->skipping) {
            client_skip(c);
            continue;
        }
        c->copied += serial_line_append(&c->line, c->data + c->buffer.offset + c->copied,
                                        c->buffer.length - c->copied);
    }
    if (c->holding && c->copied == c->buffer.length)
        client_return_buffer(c);
}

/* An empty driver buffer: one a dead run left half filled, else from the pool, whose
 * `fresh` is recorded before the buffer is used. */
static struct queue_result driver_take(void)
{
    struct queue_result r = {.status = QUEUE_OK};
    if (driver.reclaimed_count > 0) {
        r.buffer.offset = driver.reclaimed[--driver.reclaimed_count];
        r.buffer.length = SERIAL_BUFFER_SIZE;
        return r;
    }
    r = serial_pool_take(&driver.pool);
    driver.journal->fresh = driver.pool.fresh;
    return r;
}

/* Hand the client's complete line to the driver. False: no driver buffer free now. The
 * client's journal records the line as forwarded before the driver can see it: a crash
 * in between loses the line, never repeats it. */
static bool client_forward_line(struct client *c)
{
    struct queue_result r = driver_take();
    if (r.status != QUEUE_OK)
        return false;
    struct queue_buffer buf = r.buffer;
    memcpy(driver.data + buf.offset, c->line.bytes, c->line.length);
    buf.length = c->line.length;
    serial_line_reset(&c->line);
    c->journal->consumed = c->holding ? c->copied : 0;
    c->journal->mid_line = 0;
    bst_fault_point("tx-virt-committed");
    if (queue_enqueue_active(&driver.queue, buf) == QUEUE_OK &&
        queue_ring_should_notify_consumer(&driver.queue.active))
        driver.notify = true;
    bst_fault_point("tx-virt-forwarded");
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
    clients[i].journal =
        (volatile struct serial_virt_tx_journal *)(queue_region + SERIAL_TX_JOURNAL_OFFSET);
}

/* A restarted run, per client: finish a return the dead run began (it may have crashed
 * between the free ring and the active ring), then carry on in the head buffer after its
 * last forwarded line, dropping the rest of a line whose start is lost. */
static void client_resync(struct client *c)
{
    volatile struct serial_virt_tx_journal *j = c->journal;
    if (queue_move_pending(&j->move) != 0) {
        (void)queue_move_finish_enqueue(&j->move, &c->queue.free);
        client_pop_head(c);
    }
    struct queue_result r = queue_peek_active(&c->queue);
    if (r.status == QUEUE_OK) {
        uint32_t consumed = j->consumed;
        c->buffer = r.buffer;
        c->copied = consumed < r.buffer.length ? consumed : (uint32_t)r.buffer.length;
        c->holding = true;
    }
    c->skipping = j->mid_line != 0;
}

/* A restarted run, towards the driver: its pool goes on from the recorded `fresh`, and
 * every buffer below it that is on neither ring was the dead run's: taken back. The
 * active ring is looked at first: the driver moves buffers from it to the free ring only,
 * so none can pass both looks unseen. */
static void driver_resync(void)
{
    uint32_t fresh = driver.journal->fresh;
    driver.pool.fresh = fresh < SERIAL_BUFFER_COUNT ? fresh : SERIAL_BUFFER_COUNT;
    bool held[SERIAL_BUFFER_COUNT] = {false};
    serial_pool_mark_ring(&driver.queue.active, held);
    serial_pool_mark_ring(&driver.queue.free, held);
    for (uint32_t i = 0; i < driver.pool.fresh; i++)
        if (!held[i])
            driver.reclaimed[driver.reclaimed_count++] = i * SERIAL_BUFFER_SIZE;
}

void init(void)
{
    client_setup(0, client0_queue, client0_data);
    client_setup(1, client1_queue, client1_data);
    client_setup(2, client2_queue, client2_data);
    client_setup(3, client3_queue, client3_data);
    serial_queue_init(&driver.queue, driver_queue);
    serial_pool_init(&driver.pool, &driver.queue);
    driver.journal = (volatile struct serial_virt_pool_journal *)(driver_queue +
                                                                  SERIAL_VIRT_POOL_JOURNAL_OFFSET);
    driver.data = (uint8_t *)driver_data;
    if (bst_pd_generation() != 0) {
        /* Notifications the dead run owed may never have gone: everyone looks again. */
        for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++)
            clients[i].notify = clients[i].present;
        driver.notify = true;
        if (!tx_virt_resync_broken) {
            for (unsigned i = 0; i < SERIAL_MAX_CLIENTS; i++)
                if (clients[i].present)
                    client_resync(&clients[i]);
            driver_resync();
        }
    }
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
