/*
 * uart: the 16550 UART driver PD (docs/drivers.md, "Serial"). It talks only to the device
 * and to the two virtualisers; it never maps a client's memory.
 *
 *   <ioport id="0">   the UART's 8 ports (COM2: 0x2f8-0x2ff; UART_BASE below)
 *   <irq id="2">      its interrupt (COM2 is ISA IRQ 3: IOAPIC pin 3, edge, active high)
 *   channel 0         the transmit virtualiser: it owns the transmit buffers
 *                     (tx_queue / tx_data, the data mapped read-only here)
 *   channel 1         the receive virtualiser: this driver owns the receive buffers
 *                     (rx_queue / rx_data, read-write here)
 *
 * Transmit is interrupt driven: on each "transmit holding register empty" event the
 * driver writes at most TX_BURST bytes, each only while the UART says the holding
 * register is empty, and keeps that interrupt enabled while it has data; with nothing
 * left it disables it and sleeps on the transmit ring. Receive is interrupt driven: each
 * interrupt drains what the UART holds into one buffer for the receive virtualiser. With
 * no empty buffer left, the driver turns the receive interrupt off and leaves the bytes
 * in the UART (which then takes no more input, so nothing is lost) until the
 * virtualiser returns buffers.
 *
 * The FIFOs stay off (16450 mode). Turning them on resets the receive side, which loses
 * the byte a UART may hold from before the driver started; without them no input is
 * ever dropped by the driver, at the cost of an interrupt per received byte (at most
 * 11,520 a second at 115200 baud).
 *
 * Restart without loss (docs/supervision.md): the transmit side keeps its state in the
 * journal of bastion/serial/protocol.h, in shared memory, so that a driver re-initialised
 * after a crash resumes the buffer it was sending at the next byte: no byte of a line is
 * lost or sent twice, so no line is lost or mixed. (An injected fault comes only at a
 * fault point, between a byte's `out` and the journal's count of it; a crash between
 * those two instructions themselves could repeat one byte.) Fault points:
 * libbastion/fault_inject.h.
 *
 * The line is edge triggered, and the kernel masks it from the moment it fires until
 * bst_irq_ack(); an edge while masked is lost. So the driver acknowledges first and then
 * serves the UART until IIR says nothing is pending: any cause that appears after that
 * read raises the line again on an unmasked pin.
 */
#include <bastion/driver/recovery_stamp.h>
#include <bastion/serial/pool.h>
#include <bastion/serial/protocol.h>
#include <bastion/spec.h>
#include <libbastion/fault_inject.h>
#include <libbastion/ipc.h>
#include <libbastion/pd.h>

#include "ns16550.h"

#define PORTS     0 /* <ioport id="0"> */
#define TX_VIRT   0 /* channel */
#define RX_VIRT   1 /* channel */
#define UART_IRQ  2 /* <irq id="2"> */
#define UART_BASE 0x2f8u
#define BAUD      115200u
#define TX_BURST  16 /* bytes per transmit-empty event at most */

uintptr_t tx_queue, tx_data, rx_queue, rx_data; /* setvar_vaddr */
uintptr_t recovery_stamp; /* setvar_vaddr, benchmarks only: struct recovery_stamp, or 0 */

/* Test-only (setvar): 1 makes a restarted driver forget where it was in the buffer it was
 * sending (it starts that buffer again), so that the restart tests can show that their
 * check fails without the journal. */
uint64_t uart_resync_broken;

static struct {
    struct queue_handle queue;
    const volatile uint8_t *data;
    volatile struct serial_tx_journal *journal; /* in the queue region */
    bool notify; /* the virtualiser asked to hear of returned buffers */
} tx;

static struct {
    struct queue_handle queue;
    struct serial_pool pool;
    volatile struct serial_rx_journal *journal; /* in the queue region */
    uint8_t *data;
    bool stalled; /* no empty buffer: the receive interrupt is off */
    bool notify;
} rx;

static bool present;
static uint8_t ier; /* what the IER holds */

static uint8_t uart_in(unsigned reg)
{
    return bst_ioport_in8(PORTS, (uint16_t)(UART_BASE + reg));
}

static void uart_out(unsigned reg, uint8_t value)
{
    bst_ioport_out8(PORTS, (uint16_t)(UART_BASE + reg), value);
}

static void set_ier(uint8_t value)
{
    if (value != ier) {
        ier = value;
        uart_out(UART_IER, value);
    }
}

/* ---- Transmit ---------------------------------------------------------------------------- */

/* The returned head buffer leaves the active ring (unless a dead run's move took it). */
static void tx_pop_head(void)
{
    tx.journal->sent = 0;
    bst_fault_point("uart-tx-pop");
    queue_move_finish_pop(&tx.journal->move, &tx.queue.active);
    queue_move_done(&tx.journal->move);
}

/* The head buffer is sent: return it, then take it off the active ring, as one move of
 * the journal (bastion/queue/move.h) that a restarted run finishes (tx_resync()). */
static void tx_finish_head(struct queue_buffer buffer)
{
    queue_move_begin(&tx.journal->move, SERIAL_MOVE_RETURN, &tx.queue.active, &tx.queue.free,
                     buffer);
    bst_fault_point("uart-tx-return");
    if (queue_enqueue_free(&tx.queue, buffer) == QUEUE_OK &&
        queue_ring_should_notify_consumer(&tx.queue.free))
        tx.notify = true; /* a full ring cannot happen with an honest peer */
    bst_fault_point("uart-tx-returned");
    tx_pop_head();
}

/* At start: finish a return that the last run began (it may have crashed between the
 * free ring and the active ring), then carry on at the journal's byte. */
static void tx_resync(void)
{
    if (uart_resync_broken) {
        tx.journal->sent = 0; /* test only: the buffer's first bytes go out twice */
        return;
    }
    if (queue_move_pending(&tx.journal->move) == 0)
        return;
    (void)queue_move_finish_enqueue(&tx.journal->move, &tx.queue.free);
    tx.notify = true;
    tx_pop_head();
}

/* The next byte to send (left in place: tx_sent() counts it once it is out), or -1 when
 * the transmit ring is empty (or, with a corrupt peer, yields nothing usable within a
 * ring's worth of descriptors). */
static int tx_next_byte(void)
{
    for (uint32_t taken = 0; taken < SERIAL_QUEUE_CAPACITY; taken++) {
        struct queue_result r = queue_peek_active(&tx.queue);
        if (r.status == QUEUE_EMPTY)
            return -1;
        if (r.status != QUEUE_OK) {
            (void)queue_dequeue_active(&tx.queue); /* not a buffer: dropped */
            continue;
        }
        uint32_t sent = tx.journal->sent;
        if (sent < r.buffer.length)
            return tx.data[r.buffer.offset + sent];
        tx_finish_head(r.buffer);
    }
    return -1;
}

/* The byte tx_next_byte() gave is out. */
static void tx_sent(void)
{
    tx.journal->sent++;
    bst_fault_point("uart-tx-byte");
}

/* Send one burst; keep the transmit-empty interrupt on while there is data. With nothing
 * to send, sleep on the transmit ring (after two looks: a ring kept looking non-empty
 * by a corrupt peer gets the flag set, and the driver moves on). */
static void tx_pump(void)
{
    for (unsigned look = 1;; look++) {
        unsigned n = 0;
        bool empty = false;
        while (n < TX_BURST && (empty = uart_in(UART_LSR) & LSR_TX_EMPTY)) {
            int c = tx_next_byte();
            if (c < 0)
                break;
            uart_out(UART_THR, (uint8_t)c);
            tx_sent();
            n++;
        }
        if (n > 0 || !empty) {
            set_ier(ier | IER_TX_EMPTY); /* the next burst when the UART is ready */
            return;
        }
        set_ier(ier & (uint8_t)~IER_TX_EMPTY);
        if (look == 2) {
            queue_ring_request_consumer_signal(&tx.queue.active);
            return;
        }
        if (queue_ring_consumer_may_sleep(&tx.queue.active))
            return;
    }
}

/* ---- Receive ----------------------------------------------------------------------------- */

/* Move what the UART holds into buffers and hand them over. */
static void rx_drain(void)
{
    for (unsigned empty_pool = 0;;) {
        uint8_t lsr = uart_in(UART_LSR);
        if (!(lsr & LSR_DATA_READY))
            return;
        struct queue_result r = serial_pool_take(&rx.pool);
        if (r.status != QUEUE_OK) {
            /* Every buffer is with the virtualiser: leave the bytes in the UART. */
            set_ier(ier & (uint8_t)~IER_RX_DATA);
            rx.stalled = true;
            if (++empty_pool == 2) { /* the free ring keeps offering nothing usable */
                queue_ring_request_consumer_signal(&rx.queue.free);
                return;
            }
            if (queue_ring_consumer_may_sleep(&rx.queue.free))
                return;
            continue;
        }
        struct queue_buffer buf = r.buffer;
        uint32_t n = 0;
        while (n < buf.length && (lsr & LSR_DATA_READY)) {
            rx.data[buf.offset + n++] = uart_in(UART_RBR);
            lsr = uart_in(UART_LSR);
        }
        buf.length = n;
        enum queue_status s = queue_enqueue_active(&rx.queue, buf);
        rx.journal->fresh = rx.pool.fresh;
        if (s == QUEUE_OK && queue_ring_should_notify_consumer(&rx.queue.active))
            rx.notify = true;
    }
}

static void rx_resume(void)
{
    if (rx.stalled) {
        rx.stalled = false;
        set_ier(ier | IER_RX_DATA);
    }
    rx_drain();
}

/* ---- The device ------------------------------------------------------------------------- */

/* Transmit bursts per uart_service() at most (1 KiB), so that a transmit ring kept full
 * for ever cannot hold the driver (and every PD below its priority) in the loop. Leaving
 * right after a burst is safe: the burst empties and refills the holding register, so
 * the line rises again, and either that edge finds the line unmasked or an edge since the
 * acknowledgement has already left a notification pending. */
#define SERVICE_TX_BURSTS 64

/* Serve every pending cause; returns when IIR says none is left. */
static void uart_service(void)
{
    for (unsigned bursts = 0;;) {
        uint8_t iir = uart_in(UART_IIR);
        if (iir & IIR_NONE_PENDING)
            return;
        switch (iir & IIR_CAUSE_MASK) {
        case IIR_LINE_STATUS:
        case IIR_RX_DATA:
        case IIR_RX_TIMEOUT:
            rx_drain();
            break;
        case IIR_TX_EMPTY:
            tx_pump();
            if (++bursts == SERVICE_TX_BURSTS)
                return;
            break;
        default:
            (void)uart_in(UART_MSR);
            break;
        }
    }
}

static void notify_peers(void)
{
    if (tx.notify) {
        tx.notify = false;
        bst_notify(TX_VIRT);
    }
    if (rx.notify) {
        rx.notify = false;
        bst_notify(RX_VIRT);
    }
}

static bool uart_probe(void)
{
    uart_out(UART_SCR, 0x5a);
    if (uart_in(UART_SCR) != 0x5a)
        return false;
    uart_out(UART_SCR, 0xa5);
    return uart_in(UART_SCR) == 0xa5;
}

static void uart_setup(void)
{
    uint16_t divisor = (uint16_t)(UART_CLOCK_HZ / 16 / BAUD);
    uart_out(UART_IER, 0);
    uart_out(UART_LCR, LCR_DLAB);
    uart_out(UART_DLL, (uint8_t)(divisor & 0xff));
    uart_out(UART_DLM, (uint8_t)(divisor >> 8));
    uart_out(UART_LCR, LCR_8N1);
    uart_out(UART_FCR, 0); /* FIFOs off, see above; a byte already received stays */
    uart_out(UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    (void)uart_in(UART_IIR);
    (void)uart_in(UART_MSR);
}

/* Did the UART's IRQ arrive? Polls the notification a while (the emulator may be late). */
static bool irq_arrived(void)
{
    for (unsigned i = 0; i < 1000; i++) {
        uint64_t word = 0;
        bst_poll(BASTION_SLOT_NOTIFICATION, &word);
        if (word & (1ULL << UART_IRQ))
            return true;
    }
    return false;
}

/*
 * Check the interrupt path once at start: enabling the transmit-empty interrupt with an
 * empty FIFO raises the line, and the IRQ must arrive; a second edge before the
 * acknowledgement must not. Bits of other channels taken by the polls are not lost:
 * init() serves both rings afterwards anyway.
 */
static void uart_check_irq(void)
{
    uart_out(UART_IER, IER_TX_EMPTY);
    bool first = irq_arrived();
    uart_out(UART_IER, 0);
    uart_out(UART_IER, IER_TX_EMPTY); /* a new edge, on a masked line */
    bool second = irq_arrived();
    uart_out(UART_IER, 0);
    bst_irq_ack(UART_IRQ);
    bst_printf("uart: %s: its IRQ arrives on channel %u\n", first ? "ok" : "FAIL", UART_IRQ);
    bst_printf("uart: %s: no second IRQ before the acknowledgement\n", second ? "FAIL" : "ok");
}

void init(void)
{
    serial_queue_init(&tx.queue, tx_queue);
    tx.data = (const volatile uint8_t *)tx_data;
    tx.journal = (volatile struct serial_tx_journal *)(tx_queue + SERIAL_TX_JOURNAL_OFFSET);
    tx_resync();
    serial_queue_init(&rx.queue, rx_queue);
    serial_pool_init(&rx.pool, &rx.queue);
    rx.journal = (volatile struct serial_rx_journal *)(rx_queue + SERIAL_TX_JOURNAL_OFFSET);
    if (rx.journal->fresh <= SERIAL_BUFFER_COUNT)
        rx.pool.fresh = rx.journal->fresh; /* 0 at boot; after a restart, where it was */
    rx.data = (uint8_t *)rx_data;

    present = uart_probe();
    if (!present) {
        bst_printf("uart: no 16550 at port 0x%x; serial output is dropped\n", UART_BASE);
        return;
    }
    uart_setup();
    if (bst_pd_generation() == 0) { /* once: a restart changes neither (and the debug
                                       console's line would cost a restart 4 ms) */
        uart_check_irq();
        bst_printf("uart: 16550 at port 0x%x, %u baud, 8N1, IRQ on channel %u\n", UART_BASE, BAUD,
                   UART_IRQ);
    } else {
        /* A restarted run owes its peers the signals the dead run may have decided to
         * send and not sent: the waker clears a sleeper's flag when it decides to signal
         * (queue_ring_should_notify_consumer), so a run that died between an enqueue and
         * notify_peers() left serial_rx_virt asleep on a flag nobody would set again, and
         * every later buffer piled up unread on the active ring until the pool ran dry
         * and the UART stopped taking input (docs/supervision.md, "the UART receive
         * bug"). A spurious signal costs a look. */
        rx.notify = tx.notify = true;
        /* And a re-initialisation clears this PD's notification word ("no signal
         * survives"): an interrupt sent to the dead run and not acknowledged would keep
         * the line masked. Acknowledging unmasks it; the IER was cleared by uart_setup(),
         * so enabling it below raises a fresh edge for whatever is pending. */
        bst_irq_ack(UART_IRQ);
    }
    set_ier(IER_RX_DATA);
    rx_drain();
    tx_pump();
    notify_peers();
    if (recovery_stamp != 0) /* back in service: a crash's recovery ends here */
        recovery_completed((volatile struct recovery_stamp *)recovery_stamp);
}

void notified(bst_channel_t ch)
{
    if (!present) {
        if (ch == TX_VIRT) {
            /* No device: consume and return everything, so clients never block (a ring's
             * worth of bytes per notification, then the flag for the next one). */
            for (uint32_t n = 0; n < SERIAL_DATA_REGION_SIZE && tx_next_byte() >= 0; n++)
                tx_sent();
            queue_ring_request_consumer_signal(&tx.queue.active);
            notify_peers();
        }
        return;
    }
    if (ch == UART_IRQ) {
        bst_irq_ack(UART_IRQ);
        bst_fault_point("uart-irq");
        uart_service();
    } else if (ch == TX_VIRT) {
        if (!(ier & IER_TX_EMPTY))
            tx_pump(); /* idle: start; otherwise the next interrupt carries on */
    } else if (ch == RX_VIRT) {
        rx_resume();
    }
    notify_peers();
}
