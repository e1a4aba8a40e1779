/*
 * The network client library: lwIP (2.1.3, raw API, NO_SYS) on a client PD's two
 * connections of the network class (bastion/net/protocol.h). docs/drivers.md, "lwIP and
 * the client library". Link a client with $(call net_client_program,...)
 * (drivers/net/lwip/lwip.mk).
 *
 * The system description gives the client (each an 8-byte <setvar>, or setvar_vaddr for
 * the regions):
 *
 *   net_rx_queue, net_rx_data   its receive connection (from its copier, or from
 *                               net_rx_virt for a trusted client): queue region, data
 *                               region (read-only is enough)
 *   net_tx_queue, net_tx_data   its transmit connection to net_tx_virt (data read-write)
 *   net_mac                     mac="52:54:00:12:34:56" (0x525400123456)
 *   net_ip, net_netmask         ipv4="10.0.2.15" (0x0a00020f), ipv4="255.255.255.0"
 *   net_gateway                 ipv4="10.0.2.2"; 0 or absent: no gateway (on-link only)
 *
 * and its channels: the receive side on NET_CLIENT_CH_RX (0), net_tx_virt on
 * NET_CLIENT_CH_TX (1), the timer driver on a channel the PD chooses (its end pp="true").
 *
 * The PD is event-driven; lwIP runs only inside its entry points:
 *
 *   void init(void) {
 *       net_client_init(&(struct net_client_config){.timer_channel = 2});
 *       ... set up lwIP PCBs (udp_new, tcp_listen, ...) ...
 *       net_client_poll();
 *   }
 *   void notified(bst_channel_t ch) {
 *       if (!net_client_notified(ch)) { ... the PD's own channels ... }
 *       net_client_poll();
 *   }
 *
 * Every entry point that used lwIP, or was notified on one of the library's channels,
 * ends with net_client_poll(): it receives what has arrived, runs lwIP's timers, sends the
 * notifications that sending deferred, and arms the timer for lwIP's next timeout, so the
 * PD sleeps between entry points and never misses a frame, a returned buffer or a timeout.
 *
 * The library owns the PD's one timeout at the timer driver: an application that needs a
 * timer uses lwIP's sys_timeout() (lwip/timeouts.h), which the library serves. Time is
 * sys_now() (lwIP's ms clock): the cycle counter, no system call.
 *
 * Misconfiguration (a region not mapped, an address missing or malformed) prints what is
 * wrong and faults the PD; so does a failed lwIP assertion.
 */
#ifndef BASTION_NET_CLIENT_H
#define BASTION_NET_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <libbastion/pd.h>

struct netif;

/* Patched by the tool (system.xml); 0 until then. */
extern uintptr_t net_rx_queue, net_rx_data, net_tx_queue, net_tx_data;
extern uint64_t net_mac, net_ip, net_netmask, net_gateway;

struct net_client_config {
    bst_channel_t timer_channel; /* the PD's channel to the timer driver */
};

/*
 * Initialise lwIP and bring up the PD's Ethernet interface from the setvars: its MAC and
 * addresses, MTU 1500, up, link up, the default route (a gratuitous ARP goes out at the
 * next poll). Call once, in init(), before any other lwIP or library call.
 */
void net_client_init(const struct net_client_config *config);

/* Whether `ch` is one of the library's channels (receive, transmit, timer): the PD then
 * has nothing to do for it but call net_client_poll(). */
bool net_client_notified(bst_channel_t ch);

/*
 * Do the network's work and prepare the PD to sleep: receive at most NET_QUEUE_CAPACITY
 * frames into lwIP (each copied into a pbuf, its buffer returned at once), retry TCP
 * output that found no transmit buffer, run lwIP's due timeouts, notify the peers that
 * wait (deferred: sent when the entry point returns), arm the timer for lwIP's next
 * timeout and set the queue protocol's "signal me" flags. If frames are left over (a
 * peer that keeps the ring full) the timer is asked for an immediate wake-up, so the
 * PD's other channels are served in between.
 */
void net_client_poll(void);

/* The PD's interface (for lwIP calls that name one). */
struct netif *net_client_netif(void);

/* Counters for a status page (lwIP's own are in lwip_stats, lwip/stats.h). */
struct net_client_stats {
    uint64_t rx_frames, rx_bytes;  /* frames given to lwIP */
    uint64_t rx_bad;               /* descriptors dropped: outside the region or a length
                                      outside [NET_MIN_FRAME, NET_MAX_FRAME] */
    uint64_t rx_no_pbuf;           /* frames dropped: lwIP's pbuf pool was empty */
    uint64_t rx_lost_free;         /* buffers that could not go back on the free ring */
    uint64_t tx_frames, tx_bytes;  /* frames enqueued to net_tx_virt */
    uint64_t tx_no_buffer;         /* frames refused (ERR_MEM) for want of a tx buffer */
    uint64_t tx_too_long;          /* frames refused: longer than NET_MAX_FRAME */
    uint64_t tx_bad_returns;       /* free-ring descriptors that were no buffer of ours */
    uint64_t notify_rx, notify_tx; /* notifications sent to each peer */
    uint64_t polls;                /* net_client_poll() calls */
    uint64_t wake_soon;            /* immediate wake-ups asked of the timer */
    uint64_t timer_sets;           /* timeouts set at the timer driver */
};

/* The live counters (read them in any entry point). */
const struct net_client_stats *net_client_stats(void);

#endif /* BASTION_NET_CLIENT_H */
