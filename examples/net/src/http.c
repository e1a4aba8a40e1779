/*
 * http: the network example's status page (examples/net). A small HTTP/1.0 server on
 * port 80: any GET is answered with a plain-text page of the system's uptime, this PD's
 * network counters, lwIP's, and the virtualisers' per-client and device counters (their
 * NET_STATS protected procedure: net_rx_virt on channel 3, net_tx_virt on 4). One
 * response per connection, then the server closes it (bastion/net/http_server.h).
 */
#include <bastion/net/client.h>
#include <bastion/net/http_server.h>
#include <bastion/net/protocol.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#include "lwip/stats.h"
#include "lwip/sys.h"

#define HTTP_PORT    80
#define TIMER_CH     2
#define RX_VIRT_CH   3
#define TX_VIRT_CH   4
#define CLIENT_SLOTS 5

static const char *const client_names[CLIENT_SLOTS] = {"udp_echo", "tcp_echo", "http", "sniffer",
                                                       "evil"};

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

static size_t render(char *page, size_t size)
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
    return n < size ? n : size - 1;
}

static size_t handle(const char *request, size_t len, char *page, size_t size)
{
    if (!http_server_header_complete(request, len))
        return 0;
    size_t n = render(page, size);
    served++;
    return n;
}

void init(void)
{
    net_client_init(&(struct net_client_config){.timer_channel = TIMER_CH});
    boot_ms = sys_now();
    if (!http_server_start(HTTP_PORT, handle)) {
        bst_printf("http: cannot listen on TCP port %u\n", HTTP_PORT);
        return;
    }
    bst_printf("http: status page on port %u\n", HTTP_PORT);
    net_client_poll();
}

void notified(bst_channel_t ch)
{
    (void)net_client_notified(ch);
    net_client_poll();
}
