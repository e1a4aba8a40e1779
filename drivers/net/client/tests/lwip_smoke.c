/*
 * A minimal network client: lwIP up on the setvars' addresses, answering ARP and ping
 * (lwIP itself) and echoing UDP datagrams and TCP streams on port 7. The timer driver is
 * on channel 2. It is the shape every client of bastion/net/client.h has; the loopback
 * test (tests/system.xml, peer.c) drives it.
 */
#include <bastion/net/client.h>

#include <lwip/ip_addr.h>
#include <lwip/pbuf.h>
#include <lwip/stats.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>

#define SMOKE_TIMER_CHANNEL  2
#define SMOKE_REPORT_CHANNEL 3 /* a notification asks for the counters, answered on it */
#define SMOKE_ECHO_PORT      7

static _Noreturn void fail(const char *what)
{
    bst_printf("%s: %s\n", bst_pd_name(), what);
    __builtin_trap();
}

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                     u16_t port)
{
    (void)arg;
    udp_sendto(pcb, p, addr, port); /* ERR_MEM (no tx buffer): the datagram is lost */
    pbuf_free(p);
}

/* Echo what arrives; what does not fit the send buffer now is refused, and lwIP offers it
 * again later (TCP's flow control reaches the sender). */
static err_t stream_echo(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        tcp_close(pcb);
        return ERR_OK;
    }
    if (p->tot_len > tcp_sndbuf(pcb))
        return ERR_MEM;
    for (struct pbuf *q = p; q != NULL; q = q->next)
        if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
            return ERR_MEM; /* (a partial write: this smoke test never fills the buffer) */
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    tcp_output(pcb);
    return ERR_OK;
}

static err_t accept_echo(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    tcp_recv(pcb, stream_echo);
    return ERR_OK;
}

void init(void)
{
    net_client_init(&(struct net_client_config){.timer_channel = SMOKE_TIMER_CHANNEL});

    struct udp_pcb *udp = udp_new();
    if (udp == NULL || udp_bind(udp, IP4_ADDR_ANY, SMOKE_ECHO_PORT) != ERR_OK)
        fail("no UDP echo");
    udp_recv(udp, udp_echo, NULL);

    struct tcp_pcb *tcp = tcp_new();
    if (tcp == NULL || tcp_bind(tcp, IP4_ADDR_ANY, SMOKE_ECHO_PORT) != ERR_OK)
        fail("no TCP echo");
    struct tcp_pcb *listener = tcp_listen(tcp);
    if (listener == NULL)
        fail("no TCP listener");
    tcp_accept(listener, accept_echo);

    bst_printf("%s: up at %s, UDP and TCP echo on port %u\n", bst_pd_name(),
               ip4addr_ntoa(netif_ip4_addr(net_client_netif())), SMOKE_ECHO_PORT);
    net_client_poll();
}

/* The counters a status page would show: the library's, then some of lwIP's. */
static void report(void)
{
    const struct net_client_stats *s = net_client_stats();
    bst_printf("%s: rx %llu frames %llu bytes, bad %llu, no pbuf %llu; tx %llu frames %llu "
               "bytes, no buffer %llu, too long %llu, bad returns %llu\n",
               bst_pd_name(), (unsigned long long)s->rx_frames, (unsigned long long)s->rx_bytes,
               (unsigned long long)s->rx_bad, (unsigned long long)s->rx_no_pbuf,
               (unsigned long long)s->tx_frames, (unsigned long long)s->tx_bytes,
               (unsigned long long)s->tx_no_buffer, (unsigned long long)s->tx_too_long,
               (unsigned long long)s->tx_bad_returns);
    bst_printf("%s: polls %llu, notified rx %llu tx %llu, timer set %llu, wake soon %llu\n",
               bst_pd_name(), (unsigned long long)s->polls, (unsigned long long)s->notify_rx,
               (unsigned long long)s->notify_tx, (unsigned long long)s->timer_sets,
               (unsigned long long)s->wake_soon);
    bst_printf("%s: lwIP: link rx %u tx %u drop %u; tcp rx %u tx %u drop %u; udp rx %u tx %u "
               "err %u; icmp rx %u tx %u; heap used max %u of %u\n",
               bst_pd_name(), lwip_stats.link.recv, lwip_stats.link.xmit, lwip_stats.link.drop,
               lwip_stats.tcp.recv, lwip_stats.tcp.xmit, lwip_stats.tcp.drop, lwip_stats.udp.recv,
               lwip_stats.udp.xmit, lwip_stats.udp.err, lwip_stats.icmp.recv, lwip_stats.icmp.xmit,
               (unsigned)lwip_stats.mem.max, (unsigned)lwip_stats.mem.avail);
}

void notified(bst_channel_t ch)
{
    if (!net_client_notified(ch)) {
        if (ch == SMOKE_REPORT_CHANNEL) {
            report();
            bst_notify(SMOKE_REPORT_CHANNEL);
        } else {
            bst_printf("%s: notification on channel %u\n", bst_pd_name(), ch);
        }
    }
    net_client_poll();
}
