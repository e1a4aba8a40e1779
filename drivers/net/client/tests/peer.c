/*
 * The loopback peer of the client library's system test (tests/system.xml, run.sh): it
 * plays both ends the client talks to, the copier (it fills the client's receive buffers)
 * and net_tx_virt (it takes the client's frames and gives the buffers back), over the
 * real rings and the protocol's signalling, and checks, frame by frame, what lwIP in the
 * client (lwip_smoke.c) answers:
 *
 *   arp        an ARP request for the client's address is answered with its MAC
 *   ping       an ICMP echo request comes back as an echo reply, payload and checksums
 *   udp        datagrams to port 7 come back, checksums right, one at a time; each time
 *              the client asked for a signal before it slept
 *   burst      200 datagrams enqueued at once, one notification: 200 answers, in order
 *   no-buffer  with the peer holding N transmit buffers, 100 datagrams get exactly
 *              256 - N answers (the rest find no buffer: ERR_MEM, counted), and the
 *              client asked for a signal on the free ring; once the buffers are back,
 *              datagrams are answered again
 *   bad        descriptors of impossible lengths (0, 13, 1515, 2048) are dropped and
 *              their buffers come back; a datagram after them is answered
 *   tcp        a connection to port 7: SYN, SYN-ACK, data echoed; the echo left without
 *              an ACK is sent again (the client's TCP timer, driven by the timer driver)
 *
 * The program runs straight through in init(), sleeping with driver_wait() on the
 * queue protocol's rules; every wait is bounded by a timeout on the timer driver.
 */
#include <bastion/driver/wait.h>
#include <bastion/net/protocol.h>
#include <bastion/timer/client.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#include "../tx_pool.h"

/* The client's connections, as its copier and net_tx_virt see them. */
uintptr_t peer_rx_queue, peer_rx_data, peer_tx_queue, peer_tx_data;

#define CH_RX     0 /* the client's receive connection: we fill it */
#define CH_TX     1 /* its transmit connection: we drain it */
#define CH_TIMER  2
#define CH_REPORT 3 /* asks the client for its counters */

#define WAIT_MS 3000 /* for any one answer (TCG on a loaded host) */

static const uint8_t client_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t peer_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
static const uint8_t client_ip[4] = {10, 0, 2, 15};
static const uint8_t peer_ip[4] = {10, 0, 2, 2};

static struct queue_handle rxq, txq;
static struct net_tx_pool rx_pool; /* the client's receive buffers: we are their filler */
static uint8_t *rx_data;
static const uint8_t *tx_data;
static uint32_t tx_held;         /* client transmit buffers we hold */
static uint32_t gratuitous_arps; /* frames skipped as announcements */
static int failures;

static uint64_t bit(bst_channel_t ch)
{
    return 1ull << ch;
}

static void fail(const char *test, const char *why)
{
    bst_printf("FAIL: net-client/%s: %s\n", test, why);
    failures++;
}

/* ---- Frames ---------------------------------------------------------------------- */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

/* The Internet checksum's running sum (RFC 1071). */
static uint32_t sum16(const uint8_t *p, uint32_t len, uint32_t sum)
{
    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The sum of the IPv4 pseudo header of a TCP or UDP segment. */
static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, uint32_t len)
{
    return sum16(ip + 12, 8, 0) + proto + len;
}

static uint32_t eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, peer_mac, 6);
    put16(f + 12, type);
    return 14;
}

/* An IPv4 header from the peer to the client; returns its length (20). */
static uint32_t ipv4(uint8_t *ip, uint8_t proto, uint32_t payload)
{
    static uint16_t id;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, 20 + payload);
    put16(ip + 4, ++id);
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, peer_ip, 4);
    memcpy(ip + 16, client_ip, 4);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    return 20;
}

/* ---- The receive connection: we fill, the client empties ------------------------- */

/* An empty receive buffer, waiting for the client to return one if need be. */
static struct queue_buffer rx_take(void)
{
    for (;;) {
        struct queue_result r = net_tx_pool_take(&rx_pool);
        if (r.status == QUEUE_OK)
            return r.buffer;
        if (queue_ring_consumer_may_sleep(&rxq.free))
            driver_wait(bit(CH_RX));
    }
}

static void rx_notify(void)
{
    if (queue_ring_should_notify_consumer(&rxq.active))
        bst_notify(CH_RX);
}

/* Enqueue `len` bytes of `b` as a frame; the notification is the caller's (rx_notify). */
static void rx_enqueue(struct queue_buffer b, uint32_t len)
{
    if (net_tx_pool_send(&rx_pool, b, len) != QUEUE_OK)
        fail("rx", "the client's receive ring is full");
}

/* ---- The transmit connection: the client fills, we empty -------------------------- */

struct frame {
    struct queue_buffer buffer;
    const uint8_t *data;
    uint32_t len;
};

static void tx_return(struct frame f)
{
    if (queue_enqueue_free(&txq, f.buffer) != QUEUE_OK)
        fail("tx", "the client's free ring is full");
    tx_held--;
    if (queue_ring_should_notify_consumer(&txq.free))
        bst_notify(CH_TX);
}

static bool is_arp(const struct frame *f, uint16_t op)
{
    return f->len >= 42 && get16(f->data + 12) == 0x0806 && get16(f->data + 20) == op;
}

/* Answer the client's ARP request for the peer (lwIP asks before it answers, unless it
 * learnt the peer's MAC from the peer's own frames). */
static void answer_arp(const struct frame *q)
{
    struct queue_buffer b = rx_take();
    uint8_t *f = rx_data + b.offset;
    uint32_t n = eth(f, client_mac, 0x0806);
    const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 2};
    memcpy(f + n, hdr, 8);
    memcpy(f + n + 8, peer_mac, 6);
    memcpy(f + n + 14, peer_ip, 4);
    memcpy(f + n + 18, q->data + 22, 6);
    memcpy(f + n + 24, q->data + 28, 4);
    rx_enqueue(b, n + 28);
    rx_notify();
}

/*
 * The client's next frame other than an ARP announcement or request (answered), or none
 * within `ms`. The frame's buffer is ours until tx_return().
 */
static bool tx_next(struct frame *out, uint64_t ms)
{
    uint64_t deadline = timer_set_timeout(ms * TIMER_NS_PER_MS);
    for (;;) {
        struct queue_result r = queue_dequeue_active(&txq);
        if (r.status == QUEUE_OK) {
            tx_held++;
            struct frame f = {r.buffer, tx_data + r.buffer.offset, r.buffer.length};
            if (f.len < NET_MIN_FRAME || f.len > NET_MAX_FRAME ||
                memcmp(f.data + 6, client_mac, 6) != 0) {
                fail("tx", "a frame of a bad length or not from the client's MAC");
                tx_return(f);
                continue;
            }
            if (is_arp(&f, 1)) {
                if (memcmp(f.data + 38, peer_ip, 4) == 0)
                    answer_arp(&f);
                else
                    gratuitous_arps++;
                tx_return(f);
                continue;
            }
            *out = f;
            return true;
        }
        if (r.status != QUEUE_EMPTY) {
            fail("tx", "a descriptor outside the client's transmit region");
            continue;
        }
        if (timer_now() >= deadline)
            return false;
        if (queue_ring_consumer_may_sleep(&txq.active))
            driver_wait(bit(CH_TX) | bit(CH_TIMER));
    }
}

/* Check an IPv4 frame from the client to the peer with protocol `proto`; returns its
 * payload (and length) or NULL. */
static const uint8_t *ip_payload(const char *test, const struct frame *f, uint8_t proto,
                                 uint32_t *len)
{
    const uint8_t *ip = f->data + 14;
    if (f->len < 34 || get16(f->data + 12) != 0x0800 || memcmp(f->data, peer_mac, 6) != 0) {
        fail(test, "not an IPv4 frame to the peer");
        return NULL;
    }
    uint32_t total = get16(ip + 2);
    if (ip[0] != 0x45 || total < 20 || 14 + total > f->len || ip[9] != proto ||
        memcmp(ip + 12, client_ip, 4) != 0 || memcmp(ip + 16, peer_ip, 4) != 0) {
        fail(test, "a bad IPv4 header (version, length, protocol or addresses)");
        return NULL;
    }
    if (fold(sum16(ip, 20, 0)) != 0) {
        fail(test, "a bad IPv4 header checksum");
        return NULL;
    }
    *len = total - 20;
    return ip + 20;
}

/* ---- The tests ------------------------------------------------------------------- */

static void test_arp(void)
{
    struct queue_buffer b = rx_take();
    uint8_t *f = rx_data + b.offset;
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint32_t n = eth(f, broadcast, 0x0806);
    const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    memcpy(f + n, hdr, 8);
    memcpy(f + n + 8, peer_mac, 6);
    memcpy(f + n + 14, peer_ip, 4);
    memset(f + n + 18, 0, 6);
    memcpy(f + n + 24, client_ip, 4);
    rx_enqueue(b, n + 28);
    rx_notify();
    struct frame r;
    if (!tx_next(&r, WAIT_MS))
        return fail("arp", "no answer");
    bool ok = is_arp(&r, 2) && memcmp(r.data, peer_mac, 6) == 0 &&
              memcmp(r.data + 22, client_mac, 6) == 0 && memcmp(r.data + 28, client_ip, 4) == 0 &&
              memcmp(r.data + 32, peer_mac, 6) == 0 && memcmp(r.data + 38, peer_ip, 4) == 0;
    tx_return(r);
    if (!ok)
        return fail("arp", "the answer is not an ARP reply with the client's MAC");
    bst_printf("PASS: net-client/arp (%u announcements seen)\n", gratuitous_arps);
}

static void test_ping(void)
{
    struct queue_buffer b = rx_take();
    uint8_t *f = rx_data + b.offset;
    uint32_t n = eth(f, client_mac, 0x0800);
    n += ipv4(f + n, 1, 8 + 56);
    uint8_t *icmp = f + n;
    memset(icmp, 0, 8);
    icmp[0] = 8;
    put16(icmp + 4, 0x1234);
    put16(icmp + 6, 1);
    for (uint32_t i = 0; i < 56; i++)
        icmp[8 + i] = (uint8_t)(i * 7);
    put16(icmp + 2, fold(sum16(icmp, 64, 0)));
    rx_enqueue(b, n + 64);
    rx_notify();
    struct frame r;
    if (!tx_next(&r, WAIT_MS))
        return fail("ping", "no answer");
    uint32_t len = 0;
    const uint8_t *reply = ip_payload("ping", &r, 1, &len);
    bool ok = reply && len == 64 && reply[0] == 0 && get16(reply + 4) == 0x1234 &&
              get16(reply + 6) == 1 && memcmp(reply + 8, icmp + 8, 56) == 0 &&
              fold(sum16(reply, 64, 0)) == 0;
    tx_return(r);
    if (!ok)
        return fail("ping", "not an echo reply with the request's id, sequence and payload");
    bst_printf("PASS: net-client/ping\n");
}

/* A UDP datagram from the peer's `port` to the client's port 7, payload "udp <seq>". */
static void udp_send(uint16_t port, uint32_t seq)
{
    struct queue_buffer b = rx_take();
    uint8_t *f = rx_data + b.offset;
    uint32_t n = eth(f, client_mac, 0x0800);
    uint8_t *ip = f + n;
    uint32_t payload = 8;
    n += ipv4(ip, 17, 8 + payload);
    uint8_t *udp = f + n;
    put16(udp, port);
    put16(udp + 2, 7);
    put16(udp + 4, 8 + payload);
    put16(udp + 6, 0);
    memcpy(udp + 8, "udp ", 4);
    put32(udp + 12, seq);
    uint16_t sum = fold(sum16(udp, 8 + payload, pseudo_sum(ip, 17, 8 + payload)));
    put16(udp + 6, sum ? sum : 0xffff);
    rx_enqueue(b, n + 8 + payload);
}

/* The next frame is the echo of datagram `seq` to `port`. */
static bool udp_echoed(const char *test, uint16_t port, uint32_t seq, uint64_t ms)
{
    struct frame r;
    if (!tx_next(&r, ms)) {
        fail(test, "no answer");
        return false;
    }
    uint32_t len = 0;
    const uint8_t *udp = ip_payload(test, &r, 17, &len);
    bool ok = udp && len == 16 && get16(udp) == 7 && get16(udp + 2) == port &&
              get16(udp + 4) == 16 && memcmp(udp + 8, "udp ", 4) == 0 && get32(udp + 12) == seq &&
              fold(sum16(udp, 16, pseudo_sum(udp - 20, 17, 16))) == 0;
    tx_return(r);
    if (!ok)
        fail(test, "not the echo of the datagram sent (ports, sequence or checksum)");
    return ok;
}

/*
 * One datagram at a time: each is answered, and when the answer comes the client has
 * asked to be signalled for the next frame (its sleeper sequence on the active ring ran
 * before the notification that woke us: a client that slept without asking would be
 * woken only by its next lwIP timer, late, and this is the check that sees it).
 */
static void test_udp(void)
{
    for (uint32_t i = 0; i < 10; i++) {
        udp_send(40000, i);
        rx_notify();
        if (!udp_echoed("udp", 40000, i, WAIT_MS))
            return;
        if (!queue_ring_consumer_needs_signal(&rxq.active))
            return fail("udp", "the client went to sleep without asking for a signal");
    }
    bst_printf("PASS: net-client/udp (10 datagrams, each answered; the client asked for a "
               "signal each time)\n");
}

static void test_burst(void)
{
    const uint32_t count = 200;
    for (uint32_t i = 0; i < count; i++)
        udp_send(40001, i);
    rx_notify();
    for (uint32_t i = 0; i < count; i++)
        if (!udp_echoed("burst", 40001, i, WAIT_MS))
            return;
    bst_printf("PASS: net-client/burst (%u datagrams, one notification)\n", count);
}

/* Hold `n` of the client's transmit buffers: its answers, not given back. */
static bool hold_answers(const char *test, struct frame *held, uint32_t n, uint16_t port)
{
    for (uint32_t i = 0; i < n; i++)
        udp_send(port, i);
    rx_notify();
    for (uint32_t i = 0; i < n; i++) {
        if (!tx_next(&held[i], WAIT_MS)) {
            fail(test, "an answer missing while buffers were left");
            return false;
        }
    }
    return true;
}

static void test_no_buffer(void)
{
    static struct frame held[NET_BUFFER_COUNT];
    const uint32_t hold = 200, more = 100;
    if (!hold_answers("no-buffer", held, hold, 40002))
        return;
    uint32_t left = NET_BUFFER_COUNT - tx_held;
    for (uint32_t i = 0; i < more; i++)
        udp_send(40003, i);
    rx_notify();
    uint32_t answered = 0;
    struct frame r;
    while (tx_next(&r, answered < left ? WAIT_MS : 300)) {
        held[hold + answered++] = r;
        if (hold + answered == NET_BUFFER_COUNT)
            break;
    }
    if (answered != left) {
        bst_printf("FAIL: net-client/no-buffer: %u answers with %u buffers left\n", answered, left);
        failures++;
        return;
    }
    if (tx_next(&r, 300)) {
        tx_return(r);
        return fail("no-buffer", "a frame sent with every transmit buffer held by the peer");
    }
    /* Out of buffers, the client waits for one: it must have asked to be signalled when
     * one comes back on the free ring (or TCP would wait for its timer to retry). */
    if (!queue_ring_consumer_needs_signal(&txq.free))
        return fail("no-buffer", "the client ran out of buffers without asking for a signal");
    for (uint32_t i = 0; i < hold + answered; i++)
        tx_return(held[i]);
    for (uint32_t i = 0; i < 10; i++)
        udp_send(40004, i);
    rx_notify();
    for (uint32_t i = 0; i < 10; i++)
        if (!udp_echoed("no-buffer", 40004, i, WAIT_MS))
            return;
    bst_printf("PASS: net-client/no-buffer (%u of %u answered with %u buffers left; answered "
               "again once they came back)\n",
               answered, more, left);
}

static void test_bad_descriptors(void)
{
    static const uint32_t lengths[] = {0, 13, 1515, NET_BUFFER_SIZE};
    uint32_t before = NET_BUFFER_COUNT;
    for (uint32_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        struct queue_buffer b = rx_take();
        memset(rx_data + b.offset, 0xee, NET_BUFFER_SIZE);
        rx_enqueue(b, lengths[i]);
    }
    udp_send(40005, 77);
    rx_notify();
    if (!udp_echoed("bad", 40005, 77, WAIT_MS))
        return;
    /* Every receive buffer is back: the client returns each buffer before lwIP sees the
     * frame in it, so all were back before the echo was sent. */
    struct queue_buffer all[NET_BUFFER_COUNT];
    uint32_t got = 0;
    for (struct queue_result r = net_tx_pool_take(&rx_pool); r.status == QUEUE_OK;
         r = net_tx_pool_take(&rx_pool))
        all[got++] = r.buffer;
    for (uint32_t i = 0; i < got; i++)
        net_tx_pool_put_back(&rx_pool, all[i]);
    if (got != before) {
        bst_printf("FAIL: net-client/bad: %u of %u receive buffers came back\n", got, before);
        failures++;
        return;
    }
    bst_printf("PASS: net-client/bad (lengths 0, 13, 1515, 2048 dropped, buffers back)\n");
}

/* A TCP segment from the peer's port 40010 to the client's port 7. */
static void tcp_send(uint32_t seq, uint32_t ack, uint8_t flags, const char *data, uint32_t len)
{
    struct queue_buffer b = rx_take();
    uint8_t *f = rx_data + b.offset;
    uint32_t n = eth(f, client_mac, 0x0800);
    uint8_t *ip = f + n;
    n += ipv4(ip, 6, 20 + len);
    uint8_t *tcp = f + n;
    memset(tcp, 0, 20);
    put16(tcp, 40010);
    put16(tcp + 2, 7);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 8192);
    memcpy(tcp + 20, data, len);
    put16(tcp + 16, fold(sum16(tcp, 20 + len, pseudo_sum(ip, 6, 20 + len))));
    rx_enqueue(b, n + 20 + len);
    rx_notify();
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

struct segment {
    uint32_t seq, ack;
    uint8_t flags;
    uint32_t len;
    char data[64];
};

/* The client's next TCP segment that carries a SYN, a FIN or data (pure ACKs skipped). */
static bool tcp_next(const char *test, struct segment *s, uint64_t ms)
{
    struct frame r;
    while (tx_next(&r, ms)) {
        uint32_t len = 0;
        const uint8_t *tcp = ip_payload(test, &r, 6, &len);
        bool ok = tcp && len >= 20 && get16(tcp) == 7 && get16(tcp + 2) == 40010 &&
                  fold(sum16(tcp, len, pseudo_sum(tcp - 20, 6, len))) == 0;
        if (ok) {
            uint32_t off = (uint32_t)(tcp[12] >> 4) * 4;
            s->seq = get32(tcp + 4);
            s->ack = get32(tcp + 8);
            s->flags = tcp[13];
            s->len = len - off;
            if (s->len <= sizeof(s->data))
                memcpy(s->data, tcp + off, s->len);
        }
        tx_return(r);
        if (!ok) {
            fail(test, "not a TCP segment of the connection, or a bad checksum");
            return false;
        }
        if (s->len > 0 || (s->flags & (TCP_SYN | TCP_FIN | TCP_RST)))
            return true;
    }
    fail(test, "no segment");
    return false;
}

static void test_tcp(void)
{
    static const char hello[] = "hello, tcp";
    const uint32_t len = sizeof(hello) - 1, iss = 1000;
    struct segment s;
    tcp_send(iss, 0, TCP_SYN, "", 0);
    if (!tcp_next("tcp", &s, WAIT_MS))
        return;
    if ((s.flags & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK) || s.ack != iss + 1)
        return fail("tcp", "the answer to SYN is not a SYN-ACK of it");
    uint32_t their = s.seq + 1;
    tcp_send(iss + 1, their, TCP_ACK | TCP_PSH, hello, len);
    if (!tcp_next("tcp", &s, WAIT_MS))
        return;
    if (s.seq != their || s.len != len || memcmp(s.data, hello, len) != 0)
        return fail("tcp", "the data did not come back");
    bst_printf("PASS: net-client/tcp-echo\n");
    /* Not acknowledged: lwIP must send it again when its retransmission timer expires. */
    uint64_t start = timer_now();
    if (!tcp_next("tcp-retransmit", &s, 10000))
        return;
    uint64_t after_ms = (timer_now() - start) / TIMER_NS_PER_MS;
    if (s.seq != their || s.len != len || memcmp(s.data, hello, len) != 0)
        return fail("tcp-retransmit", "what came is not the echo again");
    bst_printf("PASS: net-client/tcp-retransmit (after %llu ms)\n", (unsigned long long)after_ms);
    tcp_send(iss + 1 + len, their + len, TCP_RST | TCP_ACK, "", 0);
}

void init(void)
{
    if (!peer_rx_queue || !peer_rx_data || !peer_tx_queue || !peer_tx_data) {
        bst_printf("FAIL: net-client/setup: the peer's regions are not mapped\n");
        bst_system_exit(1);
    }
    net_queue_init(&rxq, peer_rx_queue);
    net_queue_init(&txq, peer_tx_queue);
    net_tx_pool_init(&rx_pool, &rxq);
    rx_data = (uint8_t *)peer_rx_data;
    tx_data = (const uint8_t *)peer_tx_data;
    timer_init(CH_TIMER);
    timer_sleep_ms(50); /* the client is up (lower priority: it ran while we slept) */

    test_arp();
    test_ping();
    test_udp();
    test_burst();
    test_no_buffer();
    test_bad_descriptors();
    test_tcp();

    bst_notify(CH_REPORT);
    driver_wait(bit(CH_REPORT));
    bst_printf("net-client test: %s (%d failures)\n", failures ? "FAILED" : "done", failures);
    bst_system_exit(failures ? 1 : 0);
}
