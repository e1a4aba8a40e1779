/*
 * The network client library (bastion/net/client.h): lwIP's Ethernet interface on the
 * PD's receive and transmit connections, lwIP's timers on the timer driver, and the
 * queue protocol's sleeping rules (docs/drivers.md), so that the PD sleeps between entry
 * points and no frame, returned buffer or timeout is missed.
 *
 * Receive: each frame is copied out of the shared data region into a pbuf of lwIP's
 * pool, and its buffer goes back on the free ring before lwIP sees the frame. lwIP
 * therefore parses memory no other PD can change (the copier or net_rx_virt could rewrite
 * a shared buffer between a check and a use), and a buffer never waits on lwIP (which
 * may hold a pbuf for long: TCP's out-of-order queue, an application's reassembly).
 *
 * Transmit: lwIP's linkoutput copies the pbuf chain into one tx buffer and enqueues it;
 * the notification to net_tx_virt is sent once, at the end of the entry point, if the
 * virtualiser asked for one, so a burst of frames costs one system call at most.
 */
#include <bastion/net/client.h>
#include <bastion/net/protocol.h>
#include <bastion/timer/client.h>

#include <lwip/etharp.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/stats.h>
#include <lwip/sys.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include "tx_pool.h"

uintptr_t net_rx_queue, net_rx_data, net_tx_queue, net_tx_data;
uint64_t net_mac, net_ip, net_netmask, net_gateway;

/* Rounds of receive/retry/timers one poll makes while its sleep checks find new work,
 * before it asks the timer for an immediate wake-up instead. */
#define POLL_ROUNDS 4

struct rx_side {
    struct queue_handle queue;
    const uint8_t *data;
    bool notify; /* the peer may wait for what we did: check its flags at the end */
};

struct tx_side {
    struct queue_handle queue;
    struct net_tx_pool pool;
    uint8_t *data;
    bool notify;  /* we enqueued or dequeued: check the peer's flags at the end */
    bool waiting; /* lwIP was refused a buffer: retry TCP output when one comes back */
};

struct timer_state {
    bst_channel_t channel;
    bool armed;        /* a timeout is set and has not been notified yet */
    u32_t deadline_ms; /* when, on sys_now()'s scale */
    bool wake_soon;    /* this poll wants an immediate wake-up */
};

static struct rx_side rx;
static struct tx_side tx;
static struct timer_state timer;
static struct netif netif;
static struct net_client_stats stats;
static bool initialised;

static _Noreturn void misconfigured(const char *what)
{
    bst_printf("net: PD '%s': %s\n", bst_pd_name(), what);
    __builtin_trap();
}

/* ---- Configuration ----------------------------------------------------------------- */

static ip4_addr_t ipv4(uint64_t value)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl((u32_t)value));
    return a;
}

static bool netmask_valid(uint64_t mask)
{
    uint32_t inverted = ~(uint32_t)mask;
    return mask != 0 && mask <= UINT32_MAX && (inverted & (inverted + 1)) == 0;
}

static void check_setvars(void)
{
    if (net_rx_queue == 0 || net_rx_data == 0)
        misconfigured("net_rx_queue / net_rx_data are not mapped (setvar_vaddr)");
    if (net_tx_queue == 0 || net_tx_data == 0)
        misconfigured("net_tx_queue / net_tx_data are not mapped (setvar_vaddr)");
    if (net_mac == 0 || net_mac >> 48 != 0 || (net_mac >> 40) & 1)
        misconfigured("net_mac is not a unicast MAC address (<setvar symbol=\"net_mac\" "
                      "mac=\"52:54:00:12:34:56\"/>)");
    if (net_ip == 0 || net_ip > UINT32_MAX)
        misconfigured("net_ip is not an IPv4 address (<setvar symbol=\"net_ip\" "
                      "ipv4=\"10.0.2.15\"/>)");
    if (!netmask_valid(net_netmask))
        misconfigured("net_netmask is not a netmask (<setvar symbol=\"net_netmask\" "
                      "ipv4=\"255.255.255.0\"/>)");
    if (net_gateway > UINT32_MAX ||
        (net_gateway != 0 && (net_gateway & net_netmask) != (net_ip & net_netmask)))
        misconfigured("net_gateway is not an address of net_ip's subnet");
}

/* ---- Transmit ---------------------------------------------------------------------- */

static err_t link_output(struct netif *nif, struct pbuf *p)
{
    (void)nif;
    if (p->tot_len > NET_MAX_FRAME) {
        stats.tx_too_long++;
        LINK_STATS_INC(link.lenerr);
        return ERR_BUF;
    }
    struct queue_result r = net_tx_pool_take(&tx.pool);
    tx.notify = true; /* take may have dequeued from the free ring */
    if (r.status != QUEUE_OK) {
        stats.tx_no_buffer++;
        LINK_STATS_INC(link.memerr);
        tx.waiting = true;
        return ERR_MEM;
    }
    u16_t copied = pbuf_copy_partial(p, tx.data + r.buffer.offset, p->tot_len, 0);
    if (net_tx_pool_send(&tx.pool, r.buffer, copied) != QUEUE_OK) {
        stats.tx_no_buffer++; /* a full active ring: only a corrupt peer makes one */
        LINK_STATS_INC(link.memerr);
        tx.waiting = true;
        return ERR_MEM;
    }
    stats.tx_frames++;
    stats.tx_bytes += copied;
    LINK_STATS_INC(link.xmit);
    return ERR_OK;
}

/* lwIP was refused a buffer: once one can be had, send what TCP holds back. */
static void tx_retry(void)
{
    if (tx.waiting && net_tx_pool_available(&tx.pool)) {
        tx.waiting = false;
        tcp_txnow();
    }
}

/* ---- Receive ----------------------------------------------------------------------- */

static void rx_return(struct queue_buffer buffer)
{
    if (queue_enqueue_free(&rx.queue, buffer) != QUEUE_OK)
        stats.rx_lost_free++; /* a free ring that looks full: only a corrupt peer's */
}

/* Copy one frame into a pbuf, give its buffer back, and hand the frame to lwIP. */
static void rx_frame(struct queue_buffer buffer)
{
    if (buffer.length < NET_MIN_FRAME || buffer.length > NET_MAX_FRAME) {
        stats.rx_bad++;
        LINK_STATS_INC(link.lenerr);
        rx_return(buffer);
        return;
    }
    u16_t length = (u16_t)buffer.length;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, length, PBUF_POOL);
    if (p != NULL)
        pbuf_take(p, rx.data + buffer.offset, length);
    rx_return(buffer);
    if (p == NULL) {
        stats.rx_no_pbuf++;
        LINK_STATS_INC(link.memerr);
        LINK_STATS_INC(link.drop);
        return;
    }
    stats.rx_frames++;
    stats.rx_bytes += length;
    LINK_STATS_INC(link.recv);
    if (netif.input(p, &netif) != ERR_OK)
        pbuf_free(p);
}

/* Receive at most `budget` frames; returns how many descriptors were taken. */
static uint32_t rx_receive(uint32_t budget)
{
    uint32_t taken = 0;
    while (taken < budget) {
        struct queue_result r = queue_dequeue_active(&rx.queue);
        if (r.status == QUEUE_EMPTY)
            break;
        taken++;
        rx.notify = true;
        if (r.status != QUEUE_OK) {
            stats.rx_bad++; /* outside the region: not a buffer to give back */
            continue;
        }
        rx_frame(r.buffer);
    }
    return taken;
}

/* ---- Sleeping and waking ----------------------------------------------------------- */

/* Notify each peer that asked to be (the queue protocol's waker side), deferred to the
 * end of the entry point. */
static void notify_peers(void)
{
    if (rx.notify) {
        rx.notify = false;
        bool wake = queue_ring_should_notify_consumer(&rx.queue.free);
        wake |= queue_ring_should_notify_producer(&rx.queue.active);
        if (wake) {
            stats.notify_rx++;
            bst_deferred_notify(NET_CLIENT_CH_RX);
        }
    }
    if (tx.notify) {
        tx.notify = false;
        bool wake = queue_ring_should_notify_consumer(&tx.queue.active);
        wake |= queue_ring_should_notify_producer(&tx.queue.free);
        if (wake) {
            stats.notify_tx++;
            bst_deferred_notify(NET_CLIENT_CH_TX);
        }
    }
}

/* Whether nothing is left to receive now; if so the "signal me" flag on the active ring
 * is set (the sleeper's sequence), so the peer notifies the next frame. */
static bool rx_may_sleep(void)
{
    if (!queue_empty_active(&rx.queue))
        return false;
    return queue_ring_consumer_may_sleep(&rx.queue.active);
}

/* Whether the transmit side has nothing to wait for; if lwIP waits for a buffer, the
 * flag on the free ring is set so net_tx_virt notifies the next one it returns. */
static bool tx_may_sleep(void)
{
    if (!tx.waiting)
        return true;
    if (net_tx_pool_available(&tx.pool))
        return false;
    return queue_ring_consumer_may_sleep(&tx.queue.free);
}

/* Set the timer for lwIP's next timeout (or now, for wake_soon), unless the timeout
 * already set comes no later. A notification from the timer clears `armed`: the clocks
 * of the timer and of sys_now() differ slightly, so only the notification tells that a
 * timeout has passed. */
static void timer_arm(void)
{
    u32_t now = sys_now();
    u32_t wait_ms;
    if (timer.wake_soon) {
        timer.wake_soon = false;
        wait_ms = 0;
    } else {
        wait_ms = sys_timeouts_sleeptime();
        if (wait_ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
            return;
    }
    u32_t deadline = now + wait_ms;
    if (timer.armed && (s32_t)(timer.deadline_ms - deadline) <= 0)
        return;
    timer_set_timeout((uint64_t)wait_ms * TIMER_NS_PER_MS);
    timer.armed = true;
    timer.deadline_ms = deadline;
    stats.timer_sets++;
}

/* ---- The interface ----------------------------------------------------------------- */

static err_t netif_setup(struct netif *nif)
{
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->mtu = NET_MTU;
    nif->hwaddr_len = ETH_HWADDR_LEN;
    for (unsigned i = 0; i < ETH_HWADDR_LEN; i++)
        nif->hwaddr[i] = (u8_t)(net_mac >> (8 * (ETH_HWADDR_LEN - 1 - i)));
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    nif->output = etharp_output;
    nif->linkoutput = link_output;
    return ERR_OK;
}

void net_client_init(const struct net_client_config *config)
{
    if (initialised)
        misconfigured("net_client_init called twice (a network client is restarted with "
                      "bst_child_reinit, which resets its memory, not bst_child_restart)");
    check_setvars();
    if (net_queue_init(&rx.queue, net_rx_queue) != QUEUE_OK ||
        net_queue_init(&tx.queue, net_tx_queue) != QUEUE_OK)
        misconfigured("the network queues could not be set up");
    rx.data = (const uint8_t *)net_rx_data;
    tx.data = (uint8_t *)net_tx_data;
    net_tx_pool_init(&tx.pool, &tx.queue);
    timer.channel = config->timer_channel;
    timer_init(config->timer_channel);

    lwip_init();
    ip4_addr_t ip = ipv4(net_ip), mask = ipv4(net_netmask), gw = ipv4(net_gateway);
    if (netif_add(&netif, &ip, &mask, &gw, NULL, netif_setup, ethernet_input) == NULL)
        misconfigured("lwIP refused the interface");
    netif_set_default(&netif);
    netif_set_link_up(&netif);
    netif_set_up(&netif);
    initialised = true;
}

bool net_client_notified(bst_channel_t ch)
{
    if (ch == NET_CLIENT_CH_RX || ch == NET_CLIENT_CH_TX)
        return true;
    if (initialised && ch == timer.channel) {
        timer.armed = false;
        return true;
    }
    return false;
}

void net_client_poll(void)
{
    if (!initialised)
        misconfigured("net_client_poll before net_client_init");
    stats.polls++;
    uint32_t budget = NET_QUEUE_CAPACITY;
    for (unsigned round = 1;; round++) {
        budget -= rx_receive(budget);
        tx_retry();
        sys_check_timeouts();
        /* Both sleep checks run every round: each sets its flag before we may wait. */
        bool rx_idle = rx_may_sleep();
        bool tx_idle = tx_may_sleep();
        if (rx_idle && tx_idle)
            break;
        if (budget == 0 || round == POLL_ROUNDS) {
            timer.wake_soon = true;
            stats.wake_soon++;
            break;
        }
    }
    notify_peers();
    timer_arm();
}

struct netif *net_client_netif(void)
{
    return &netif;
}

const struct net_client_stats *net_client_stats(void)
{
    stats.tx_bad_returns = tx.pool.bad_returns;
    return &stats;
}
