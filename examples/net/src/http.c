/*
 * http: the network example's status page (examples/net). A small HTTP/1.0 server on
 * port 80: any GET is answered with a plain-text page of the system's uptime, this PD's
 * network counters, lwIP's, and the virtualisers' per-client and device counters (their
 * NET_STATS protected procedure: net_rx_virt on channel 3, net_tx_virt on 4). One
 * response per connection, then the server closes it.
 */
#include <bastion/net/client.h>
#include <bastion/net/protocol.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

#define HTTP_PORT    80
#define TIMER_CH     2
#define RX_VIRT_CH   3
#define TX_VIRT_CH   4
#define REQUEST_MAX  1024
#define PAGE_MAX     4096
#define CLIENT_SLOTS 5

static const char *const client_names[CLIENT_SLOTS] = {"udp_echo", "tcp_echo", "http", "sniffer",
                                                       "evil"};

struct conn {
    struct tcp_pcb *pcb;
    char request[REQUEST_MAX];
    u16_t request_len;
    char page[PAGE_MAX];
    u16_t page_len, page_sent;
};

#define MAX_CONNS 4
static struct conn conns[MAX_CONNS];
static uint64_t served, boot_ms;

struct virt_stats {
    bool ok;
    uint64_t frames, bytes, dropped;
};

static struct virt_stats virt_stats(bst_channel_t ch, uint64_t which)
{
    bst_mr_set(0, which);
    bst_msginfo_t reply = bst_ppcall(ch, bst_msginfo_new(NET_STATS, 1));
    if (bst_msginfo_label(reply) != NET_STATS)
        return (struct virt_stats){.ok = false};
    return (struct virt_stats){true, bst_mr_get(0), bst_mr_get(1), bst_mr_get(2)};
}

static int add_virt_line(char *buf, size_t size, const char *name, bst_channel_t ch, uint64_t which)
{
    struct virt_stats s = virt_stats(ch, which);
    if (!s.ok)
        return 0;
    return bst_snprintf(buf, size, "  %-10s %10llu frames %12llu bytes %8llu dropped\n", name,
                        (unsigned long long)s.frames, (unsigned long long)s.bytes,
                        (unsigned long long)s.dropped);
}

static u16_t render(char *page, size_t size)
{
    const struct net_client_stats *me = net_client_stats();
    uint64_t up = sys_now() - boot_ms;
    size_t n = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int k = bst_snprintf(page + n, size - n, __VA_ARGS__);                                     \
        if (k > 0)                                                                                 \
            n = n + (size_t)k < size ? n + (size_t)k : size - 1;                                   \
    } while (0)
    ADD("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
    ADD("Bastion network status\n\nuptime: %llu.%03llu s\npages served: %llu\n\n",
        (unsigned long long)(up / 1000), (unsigned long long)(up % 1000),
        (unsigned long long)served + 1);
    ADD("this PD (http): rx %llu frames %llu bytes, tx %llu frames %llu bytes, "
        "tx without buffer %llu\n",
        (unsigned long long)me->rx_frames, (unsigned long long)me->rx_bytes,
        (unsigned long long)me->tx_frames, (unsigned long long)me->tx_bytes,
        (unsigned long long)me->tx_no_buffer);
    ADD("lwIP: link rx %lu tx %lu drop %lu, ip rx %lu tx %lu, tcp rx %lu tx %lu, "
        "udp rx %lu tx %lu\n\n",
        (unsigned long)lwip_stats.link.recv, (unsigned long)lwip_stats.link.xmit,
        (unsigned long)lwip_stats.link.drop, (unsigned long)lwip_stats.ip.recv,
        (unsigned long)lwip_stats.ip.xmit, (unsigned long)lwip_stats.tcp.recv,
        (unsigned long)lwip_stats.tcp.xmit, (unsigned long)lwip_stats.udp.recv,
        (unsigned long)lwip_stats.udp.xmit);
    ADD("net_rx_virt (frames delivered to each PD):\n");
    if (n < size)
        n += (size_t)add_virt_line(page + n, size - n, "device", RX_VIRT_CH, NET_STATS_DEVICE);
    for (unsigned i = 0; i < CLIENT_SLOTS && n < size; i++)
        n += (size_t)add_virt_line(page + n, size - n, client_names[i], RX_VIRT_CH, i);
    ADD("net_tx_virt (frames sent for each PD):\n");
    if (n < size)
        n += (size_t)add_virt_line(page + n, size - n, "device", TX_VIRT_CH, NET_STATS_DEVICE);
    for (unsigned i = 0; i < CLIENT_SLOTS && n < size; i++)
        n += (size_t)add_virt_line(page + n, size - n, client_names[i], TX_VIRT_CH, i);
#undef ADD
    return (u16_t)(n < size ? n : size - 1);
}

static void conn_close(struct conn *c)
{
    struct tcp_pcb *pcb = c->pcb;
    c->pcb = NULL;
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    if (tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

static void send_more(struct conn *c)
{
    while (c->page_sent < c->page_len) {
        u16_t room = tcp_sndbuf(c->pcb);
        u16_t n = (u16_t)(c->page_len - c->page_sent);
        if (n > room)
            n = room;
        if (n == 0 || tcp_write(c->pcb, c->page + c->page_sent, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        c->page_sent = (u16_t)(c->page_sent + n);
    }
    tcp_output(c->pcb);
    if (c->page_sent == c->page_len)
        conn_close(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    struct conn *c = arg;
    if (c->pcb != NULL && c->page_len > 0)
        send_more(c);
    return ERR_OK;
}

static bool request_complete(const struct conn *c)
{
    for (u16_t i = 3; i < c->request_len; i++)
        if (c->request[i - 3] == '\r' && c->request[i - 2] == '\n' && c->request[i - 1] == '\r' &&
            c->request[i] == '\n')
            return true;
    return c->request_len == REQUEST_MAX;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;
    if (p == NULL || err != ERR_OK) {
        if (p != NULL)
            pbuf_free(p);
        if (c->page_len == 0)
            conn_close(c);
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    if (c->page_len == 0) {
        u16_t room = (u16_t)(REQUEST_MAX - c->request_len);
        u16_t n = pbuf_copy_partial(p, c->request + c->request_len,
                                    p->tot_len < room ? p->tot_len : room, 0);
        c->request_len = (u16_t)(c->request_len + n);
        if (request_complete(c)) {
            c->page_len = render(c->page, sizeof c->page);
            served++;
            send_more(c);
        }
    }
    pbuf_free(p);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)err;
    ((struct conn *)arg)->pcb = NULL;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    struct conn *c = NULL;
    for (unsigned i = 0; i < MAX_CONNS && c == NULL; i++)
        if (conns[i].pcb == NULL)
            c = &conns[i];
    if (c == NULL) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    c->pcb = pcb;
    c->request_len = c->page_len = c->page_sent = 0;
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    return ERR_OK;
}

void init(void)
{
    net_client_init(&(struct net_client_config){.timer_channel = TIMER_CH});
    boot_ms = sys_now();
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL || tcp_bind(pcb, IP_ANY_TYPE, HTTP_PORT) != ERR_OK ||
        (pcb = tcp_listen(pcb)) == NULL) {
        bst_printf("http: cannot listen on TCP port %u\n", HTTP_PORT);
        return;
    }
    tcp_accept(pcb, on_accept);
    bst_printf("http: status page on port %u\n", HTTP_PORT);
    net_client_poll();
}

void notified(bst_channel_t ch)
{
    (void)net_client_notified(ch);
    net_client_poll();
}
