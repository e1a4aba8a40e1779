/*
 * net_test: stands in for both network virtualisers in front of the virtio-net driver
 * (suite system-net-driver; drivers/net/virtio/tests/expect). It owns a receive data
 * region (read-only here, as for net_rx_virt) and a transmit data region, both physically
 * contiguous, and speaks the driver's protocol (device addresses) on channel 1 (receive)
 * and channel 2 (transmit). QEMU's user networking (slirp) is at the other end of the
 * wire, its gateway 10.0.2.2 answering ARP and ICMP echo.
 *
 * In order, each step starting when the one before has finished:
 *   1. every receive buffer is handed to the driver; an ARP request for 10.0.2.2 from
 *      10.0.2.15 (this PD's own MAC) must bring an ARP reply;
 *   2. one ICMP echo request to the gateway must bring its reply, payload intact; then
 *      SINGLES more, one at a time: this PD sleeps for each reply, so the driver must
 *      take the device's interrupt and wake it (a burst is usually served by the driver
 *      going round while the device keeps up, without interrupts);
 *   3. frames the driver must not send (8 bytes, 2000 bytes, at the device-address
 *      limit) must come back on the free ring unchanged, and a receive buffer whose room
 *      crosses that limit is dropped by the driver without harm;
 *   4. BURSTS bursts of BURST_FRAMES echo requests at once, frame sizes 42 to 1514 bytes,
 *      each reply checked; every transmit buffer must come back unchanged. Both rings
 *      wrap several times.
 * Each check prints "ok" or "FAIL"; the end prints counts and exits QEMU.
 */
#include <stdint.h>

#include <bastion/net/protocol.h>
#include <libbastion/ipc.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#include "../stats.h"

uintptr_t rx_queue, tx_queue;
uintptr_t rx_data_vaddr, rx_data_paddr, tx_data_vaddr, tx_data_paddr;

#define CH_RX         1
#define CH_TX         2
#define BURSTS        6
#define BURST_FRAMES  64
#define ECHO_ID       0x4242u
#define MAX_PAYLOAD   (NET_MTU - 20 - 8)
#define SINGLES       32 /* echo requests sent one at a time */
#define SINGLE_SEQ    100
#define RESTART_SEQ   5000
#define RESTART_AFTER 2 /* the driver is restarted after this burst */
#define DRIVER_CHILD  0 /* the driver is this PD's child 0 */

static const uint8_t my_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x15};
static const uint8_t my_ip[4] = {10, 0, 2, 15};
static const uint8_t gateway_ip[4] = {10, 0, 2, 2};
static uint8_t gateway_mac[6];

static struct queue_handle rxq, txq;
static bool tx_busy[NET_BUFFER_COUNT];
static struct queue_buffer tx_sent[NET_BUFFER_COUNT];
static unsigned tx_busy_count, tx_next;
static bool notify_rx, notify_tx;

enum step { STEP_ARP, STEP_PING, STEP_ONE_BY_ONE, STEP_BAD, STEP_BURST, STEP_RESTART, STEP_DONE };
static enum step step;
static unsigned burst;             /* current burst, 0 .. BURSTS - 1 */
static unsigned single;            /* the one-by-one request in flight, 0 .. SINGLES - 1 */
static bool replied[BURST_FRAMES]; /* this burst's replies seen */
static unsigned replies, bad_back, extra_rx; /* counts for the step and the end */
static unsigned frames_rx, frames_tx, wakeups_rx, wakeups_tx;
static uint64_t generation; /* the driver's generation both connections have acknowledged */
static bool failed;

static void report(bool ok, const char *what)
{
    bst_printf("net_test: %s: %s\n", ok ? "ok" : "FAIL", what);
    failed |= !ok;
}

/* ---- Frames ----------------------------------------------------------------------------- */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t checksum(const uint8_t *p, uint32_t n)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i + 1 < n; i += 2)
        sum += get16(p + i);
    if (n % 2)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

static uint8_t pattern(uint32_t seq, uint32_t i)
{
    return (uint8_t)(seq * 7 + i);
}

static uint32_t arp_request(uint8_t *f)
{
    memset(f, 0, 60);
    memset(f, 0xff, 6);
    memcpy(f + 6, my_mac, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);      /* Ethernet */
    put16(f + 16, 0x0800); /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, 1); /* request */
    memcpy(f + 22, my_mac, 6);
    memcpy(f + 28, my_ip, 4);
    memcpy(f + 38, gateway_ip, 4);
    return 60; /* padded to the Ethernet minimum */
}

/* An ICMP echo request to the gateway with `payload` bytes of pattern(seq). */
static uint32_t echo_request(uint8_t *f, uint32_t seq, uint32_t payload)
{
    memcpy(f, gateway_mac, 6);
    memcpy(f + 6, my_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *icmp = ip + 20;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, 20 + 8 + payload);
    put16(ip + 4, seq);
    ip[8] = 64;
    ip[9] = 1;
    memcpy(ip + 12, my_ip, 4);
    memcpy(ip + 16, gateway_ip, 4);
    put16(ip + 10, checksum(ip, 20));
    icmp[0] = 8;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, ECHO_ID);
    put16(icmp + 6, seq);
    for (uint32_t i = 0; i < payload; i++)
        icmp[8 + i] = pattern(seq, i);
    put16(icmp + 2, checksum(icmp, 8 + payload));
    return 14 + 20 + 8 + payload;
}

/* ---- Transmit ------------------------------------------------------------------------- */

static uint8_t *tx_buffer(unsigned i)
{
    return (uint8_t *)(tx_data_vaddr + (uintptr_t)i * NET_BUFFER_SIZE);
}

static int tx_alloc(void)
{
    for (unsigned n = 0; n < NET_BUFFER_COUNT; n++) {
        unsigned i = (tx_next + n) % NET_BUFFER_COUNT;
        if (!tx_busy[i]) {
            tx_next = (i + 1) % NET_BUFFER_COUNT;
            return (int)i;
        }
    }
    return -1;
}

/* Hand buffer i (or any descriptor, for the misbehaviour checks) to the driver. */
static void tx_give(int i, struct queue_buffer b)
{
    if (queue_enqueue_active(&txq, b) != QUEUE_OK) {
        report(false, "the transmit ring has room for every buffer");
        return;
    }
    if (i >= 0) {
        tx_busy[i] = true;
        tx_sent[i] = b;
        tx_busy_count++;
    }
    notify_tx |= queue_ring_should_notify_consumer(&txq.active);
}

static void tx_frame(uint32_t (*build)(uint8_t *, uint32_t, uint32_t), uint32_t seq,
                     uint32_t payload)
{
    int i = tx_alloc();
    if (i < 0) {
        report(false, "a transmit buffer is free");
        return;
    }
    uint32_t length = build(tx_buffer((unsigned)i), seq, payload);
    tx_give(i, (struct queue_buffer){.offset = tx_data_paddr + (uint64_t)i * NET_BUFFER_SIZE,
                                     .length = length});
    frames_tx++;
}

static uint32_t build_arp(uint8_t *f, uint32_t seq, uint32_t payload)
{
    (void)seq;
    (void)payload;
    return arp_request(f);
}

/* A buffer back from the driver: it must be one given, unchanged. */
static void tx_returned(struct queue_buffer b)
{
    uint64_t off = b.offset - tx_data_paddr;
    unsigned i = (unsigned)(off / NET_BUFFER_SIZE);
    if (b.offset < tx_data_paddr || off >= NET_DATA_REGION_SIZE || off % NET_BUFFER_SIZE ||
        !tx_busy[i]) {
        bad_back++; /* step 3's descriptors come back here */
        return;
    }
    if (b.length != tx_sent[i].length)
        report(false, "a sent buffer comes back with its length unchanged");
    tx_busy[i] = false;
    tx_busy_count--;
}

/* ---- Receive --------------------------------------------------------------------------- */

static void rx_give(uint64_t offset)
{
    if (queue_enqueue_free(
            &rxq, (struct queue_buffer){.offset = offset, .length = NET_BUFFER_SIZE}) != QUEUE_OK)
        report(false, "the receive free ring has room for every buffer");
    notify_rx |= queue_ring_should_notify_consumer(&rxq.free);
}

static bool is_arp_reply(const uint8_t *f, uint32_t n)
{
    return n >= 42 && get16(f + 12) == 0x0806 && get16(f + 20) == 2 &&
           memcmp(f + 28, gateway_ip, 4) == 0 && memcmp(f + 32, my_mac, 6) == 0 &&
           memcmp(f + 38, my_ip, 4) == 0 && memcmp(f, my_mac, 6) == 0;
}

/* The sequence number of a good echo reply from the gateway to us, or -1. */
static int32_t echo_reply_seq(const uint8_t *f, uint32_t n)
{
    if (n < 42 || get16(f + 12) != 0x0800 || memcmp(f, my_mac, 6) != 0)
        return -1;
    const uint8_t *ip = f + 14, *icmp = ip + 20;
    uint32_t total = get16(ip + 2);
    if (ip[0] != 0x45 || ip[9] != 1 || total < 28 || 14 + total > n ||
        memcmp(ip + 12, gateway_ip, 4) != 0 || memcmp(ip + 16, my_ip, 4) != 0 || icmp[0] != 0 ||
        get16(icmp + 4) != ECHO_ID || checksum(icmp, total - 20) != 0)
        return -1;
    uint32_t seq = get16(icmp + 6), payload = total - 28;
    for (uint32_t i = 0; i < payload; i++)
        if (icmp[8 + i] != pattern(seq, i)) {
            report(false, "an echo reply carries the request's payload");
            return -1;
        }
    return (int32_t)seq;
}

static uint32_t burst_seq(unsigned b, unsigned k)
{
    return 1000 + b * BURST_FRAMES + k;
}

static uint32_t burst_payload(unsigned b, unsigned k)
{
    return k == 0 ? 0 : k == 1 ? MAX_PAYLOAD : (k * 97 + b * 31) % (MAX_PAYLOAD + 1);
}

static void start_step(void);

static void frame_received(const uint8_t *f, uint32_t n)
{
    frames_rx++;
    if (step == STEP_ARP && is_arp_reply(f, n)) {
        memcpy(gateway_mac, f + 22, 6);
        bst_printf("net_test: ARP: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n", gateway_mac[0],
                   gateway_mac[1], gateway_mac[2], gateway_mac[3], gateway_mac[4], gateway_mac[5]);
        report(true, "ARP reply from the gateway 10.0.2.2");
        step = STEP_PING;
        start_step();
        return;
    }
    int32_t seq = echo_reply_seq(f, n);
    if (step == STEP_PING && seq == 1) {
        report(true, "ICMP echo reply from 10.0.2.2 (56 bytes of payload)");
        step = STEP_ONE_BY_ONE;
        start_step();
        return;
    }
    if (step == STEP_ONE_BY_ONE && seq == (int32_t)(SINGLE_SEQ + single)) {
        if (++single < SINGLES) {
            start_step();
            return;
        }
        report(true, "32 echo requests one at a time, each answered");
        step = STEP_BAD;
        start_step();
        return;
    }
    if (step == STEP_BURST && seq >= (int32_t)burst_seq(burst, 0) &&
        seq < (int32_t)burst_seq(burst, BURST_FRAMES)) {
        unsigned k = (unsigned)seq - burst_seq(burst, 0);
        if (replied[k])
            report(false, "each echo reply arrives once");
        replied[k] = true;
        replies++;
        return;
    }
    extra_rx++; /* anything else slirp sends (IPv6 router advertisements, ...) */
}

/* ---- Steps ------------------------------------------------------------------------------ */

static void start_step(void)
{
    switch (step) {
    case STEP_ARP:
        tx_frame(build_arp, 0, 0);
        break;
    case STEP_PING:
        tx_frame(echo_request, 1, 56);
        break;
    case STEP_ONE_BY_ONE: /* this PD sleeps for each reply: the driver's interrupt path */
        tx_frame(echo_request, SINGLE_SEQ + single, 8 + single * 40);
        break;
    case STEP_BAD: {
        /* Frames the driver must refuse to send, back unchanged: too short, too long, at
         * the device-address limit. A receive buffer crossing the limit is dropped. */
        tx_give(-1, (struct queue_buffer){.offset = tx_data_paddr + 100, .length = 8});
        tx_give(-1, (struct queue_buffer){.offset = tx_data_paddr + 200, .length = 2000});
        tx_give(-1, (struct queue_buffer){.offset = NET_DEVICE_ADDRESS_LIMIT - 4, .length = 4});
        if (queue_enqueue_free(&rxq, (struct queue_buffer){.offset = NET_DEVICE_ADDRESS_LIMIT - 100,
                                                           .length = 100}) != QUEUE_OK)
            report(false, "the receive free ring takes a buffer at the limit");
        notify_rx |= queue_ring_should_notify_consumer(&rxq.free);
        break;
    }
    case STEP_BURST:
        for (unsigned k = 0; k < BURST_FRAMES; k++) {
            replied[k] = false;
            tx_frame(echo_request, burst_seq(burst, k), burst_payload(burst, k));
        }
        replies = 0;
        break;
    case STEP_RESTART:
        /* A burst whose replies do not matter, then the driver restarted (memory kept)
         * while the device may still hold some of it, and certainly holds receive
         * buffers: the new run must give back or post again every one. */
        for (unsigned k = 0; k < BURST_FRAMES; k++)
            tx_frame(echo_request, RESTART_SEQ + k, 100);
        bst_notify(CH_TX);
        notify_tx = false;
        bst_printf("net_test: restarting the driver (%u transmit buffers not back yet)\n",
                   tx_busy_count);
        report(bst_child_restart(DRIVER_CHILD) == BST_OK, "the driver restarts");
        break;
    case STEP_DONE:
        break;
    }
}

/* The driver's counters (stats.h), one direction: `words` of its reply. */
static bool driver_stats(bst_channel_t ch, uint64_t words[VIRTIO_NET_STATS_WORDS])
{
    bst_mr_set(0, NET_STATS_DEVICE);
    bst_msginfo_t reply = bst_ppcall(ch, bst_msginfo_new(NET_STATS, 1));
    if (bst_msginfo_label(reply) != NET_STATS ||
        bst_msginfo_length(reply) != VIRTIO_NET_STATS_WORDS)
        return false;
    for (unsigned i = 0; i < VIRTIO_NET_STATS_WORDS; i++)
        words[i] = bst_mr_get(i);
    return true;
}

static bool drain(void);

static void check_driver_stats(void)
{
    /* Every receive buffer is on the free ring or in the device (this PD holds none
     * between drains): the restarted driver posted again those the device held. The sum is
     * taken again while a late frame is on its way. */
    uint64_t r[VIRTIO_NET_STATS_WORDS] = {0}, t[VIRTIO_NET_STATS_WORDS] = {0};
    unsigned total = 0;
    for (unsigned tries = 0; tries < 100 && total != NET_BUFFER_COUNT; tries++) {
        drain();
        if (!driver_stats(CH_RX, r) || !driver_stats(CH_TX, t)) {
            report(false, "the driver answers NET_STATS on both channels");
            return;
        }
        total = (unsigned)r[7] + queue_length_free(&rxq);
    }
    bst_printf("net_test: receive buffers: %u in the device, %u on the free ring\n", (unsigned)r[7],
               queue_length_free(&rxq));
    report(total == NET_BUFFER_COUNT,
           "every receive buffer is in the device or on the free ring after the restart");
    bst_printf("net_test: driver: rx %lu frames (%lu bytes), %lu dropped, %lu buffers refused; "
               "tx %lu frames (%lu bytes), %lu refused; %lu interrupts, %lu rx kicks, %lu tx "
               "kicks, %lu bad used entries\n",
               (unsigned long)r[0], (unsigned long)r[1], (unsigned long)r[2], (unsigned long)r[5],
               (unsigned long)t[0], (unsigned long)t[1], (unsigned long)t[2], (unsigned long)r[3],
               (unsigned long)r[4], (unsigned long)t[4], (unsigned long)r[6]);
    report(r[0] == frames_rx && r[2] == 0 && r[5] == 1 && r[6] == 0,
           "the driver counted every frame received, dropped none, refused the one bad buffer");
    /* The frames of the restart burst the device still held came back unsent. */
    report(t[0] <= frames_tx && t[0] + BURST_FRAMES >= frames_tx && t[2] == 3 && t[7] == 0,
           "the driver counted the frames sent and the 3 refused descriptors");
    report(r[3] < r[0] + t[0] && t[4] < t[0],
           "fewer interrupts than frames, fewer transmit kicks than frames");
    /* Timing decides whether the device answers before the driver goes to sleep (then it
     * finds the frames going round, without an interrupt), so only the boot whose replies
     * QEMU delays (expect: filter-buffer) demands this line. */
    if (r[3] > 0 && wakeups_rx > 0)
        report(true, "the driver took interrupts and woke this PD for frames it waited for");
    else
        bst_printf("net_test: note: every reply came while the driver was still running\n");
}

static void check_progress(void)
{
    /* Not before the new run's handshake is done on both connections: a frame given while
     * it is pending may be dropped by it (counted as back, never sent), and its reply would
     * never come. */
    if (step == STEP_RESTART && tx_busy_count == 0 && generation >= 2) {
        report(true, "after the driver's restart every transmit buffer came back unchanged");
        step = STEP_BURST;
        start_step();
    }
    if (step == STEP_BAD && bad_back == 3) {
        report(true, "frames of 8, 2000 and 4 bytes come back unsent and unchanged");
        step = STEP_BURST;
        start_step();
    }
    if (step == STEP_BURST && replies == BURST_FRAMES && tx_busy_count == 0) {
        bst_printf("net_test: burst %u: %u echo replies to %u requests at once (frames of 42 "
                   "to 1514 bytes), every buffer back\n",
                   burst, replies, BURST_FRAMES);
        if (burst == RESTART_AFTER) {
            burst++;
            step = STEP_RESTART;
            start_step();
            return;
        }
        if (++burst < BURSTS) {
            start_step();
            return;
        }
        report(true, "all bursts of echo requests answered, every transmit buffer back");
        step = STEP_DONE;
        check_driver_stats();
        bst_printf("net_test: done: %u frames sent, %u received (%u others); woken %u times "
                   "for received frames, %u times for sent buffers\n",
                   frames_tx, frames_rx, extra_rx, wakeups_rx, wakeups_tx);
        report(!failed, "no check failed");
        bst_system_exit(failed ? 1 : 0);
    }
}

/* ---- Event loop ---------------------------------------------------------------------- */

static bool drain(void)
{
    bool any = false;
    for (unsigned n = 0; n < 2 * NET_QUEUE_CAPACITY; n++) {
        struct queue_result r = queue_dequeue_active(&rxq);
        if (r.status == QUEUE_EMPTY)
            break;
        any = true;
        uint64_t off = r.buffer.offset - rx_data_paddr;
        if (r.status != QUEUE_OK || r.buffer.offset < rx_data_paddr ||
            off >= NET_DATA_REGION_SIZE || off % NET_BUFFER_SIZE ||
            r.buffer.length > NET_BUFFER_SIZE) {
            report(false, "a received frame is one of the receive buffers");
            continue;
        }
        frame_received((const uint8_t *)(rx_data_vaddr + off), (uint32_t)r.buffer.length);
        rx_give(r.buffer.offset);
    }
    for (unsigned n = 0; n < 2 * NET_QUEUE_CAPACITY; n++) {
        struct queue_result r = queue_dequeue_free(&txq);
        if (r.status == QUEUE_EMPTY)
            break;
        any = true;
        tx_returned(r.buffer);
    }
    return any;
}

/* The driver announced a generation (protocol.h, struct net_resync): as both virtualisers
 * do, take what it published, drop what it had not taken, and take back every buffer it
 * held: all receive buffers go on the free ring again (this PD holds none between drains),
 * and every transmit buffer not back counts as back, sent or not. */
static void resync(void)
{
    uint64_t g_rx = net_resync_pending(rx_queue), g_tx = net_resync_pending(tx_queue);
    if (g_rx == 0 && g_tx == 0)
        return;
    drain();
    unsigned posted = 0, returned = 0;
    if (g_rx != 0) {
        net_resync_drop_untaken(&rxq.free);
        for (unsigned i = 0; i < NET_BUFFER_COUNT; i++, posted++)
            rx_give(rx_data_paddr + (uint64_t)i * NET_BUFFER_SIZE);
        net_resync_acknowledge(rx_queue, g_rx);
        notify_rx = true;
    }
    if (g_tx != 0) {
        net_resync_drop_untaken(&txq.active);
        for (unsigned i = 0; i < NET_BUFFER_COUNT; i++) {
            if (tx_busy[i]) {
                tx_returned(tx_sent[i]);
                returned++;
            }
        }
        net_resync_acknowledge(tx_queue, g_tx);
        notify_tx = true;
    }
    bst_printf("net_test: driver generation %lu: %u receive buffers posted again, %u transmit "
               "buffers back\n",
               (unsigned long)(g_rx > g_tx ? g_rx : g_tx), posted, returned);
    if (net_resync_pending(rx_queue) == 0 && net_resync_pending(tx_queue) == 0)
        generation = net_resync_of(rx_queue)->acknowledged;
}

static void run(void)
{
    for (;;) {
        resync();
        while (drain())
            check_progress();
        check_progress();
        if (notify_rx)
            bst_notify(CH_RX);
        if (notify_tx)
            bst_notify(CH_TX);
        notify_rx = notify_tx = false;
        if (net_resync_pending(rx_queue) != 0 || net_resync_pending(tx_queue) != 0)
            continue; /* announced while this round ran: the next bursts wait for it */
        if (queue_ring_consumer_may_sleep(&rxq.active) && queue_ring_consumer_may_sleep(&txq.free))
            return;
    }
}

void init(void)
{
    if (net_device_queue_init(&rxq, rx_queue) != QUEUE_OK ||
        net_device_queue_init(&txq, tx_queue) != QUEUE_OK || rx_data_paddr == 0 ||
        tx_data_paddr == 0) {
        report(false, "the connections are mapped");
        return;
    }
    bst_printf("net_test: receive buffers at 0x%lx, transmit buffers at 0x%lx (physical)\n",
               (unsigned long)rx_data_paddr, (unsigned long)tx_data_paddr);
    for (unsigned i = 0; i < NET_BUFFER_COUNT; i++)
        rx_give(rx_data_paddr + (uint64_t)i * NET_BUFFER_SIZE);
    /* The driver (a child above this PD's priority) has announced its first generation:
     * acknowledge it before anything is sent, or the handshake drops the first frames. */
    resync();
    step = STEP_ARP;
    start_step();
    run();
}

void notified(bst_channel_t ch)
{
    if (ch == CH_RX)
        wakeups_rx++;
    else if (ch == CH_TX)
        wakeups_tx++;
    else
        report(false, "notified only by the driver");
    run();
}
