/*
 * A minimal network client: lwIP up on the setvars' addresses, answering ARP and ping
 * (lwIP itself) and echoing UDP datagrams on port 7. The timer driver is on channel 2.
 * It is the shape every client of bastion/net/client.h has.
 */
#include <bastion/net/client.h>

#include <lwip/ip_addr.h>
#include <lwip/pbuf.h>
#include <lwip/stats.h>
#include <lwip/udp.h>

#define SMOKE_TIMER_CHANNEL 2
#define SMOKE_ECHO_PORT     7

static void echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

void init(void)
{
    net_client_init(&(struct net_client_config){.timer_channel = SMOKE_TIMER_CHANNEL});
    struct udp_pcb *pcb = udp_new();
    if (pcb == NULL || udp_bind(pcb, IP4_ADDR_ANY, SMOKE_ECHO_PORT) != ERR_OK) {
        bst_printf("%s: no UDP echo\n", bst_pd_name());
        __builtin_trap();
    }
    udp_recv(pcb, echo, NULL);
    bst_printf("%s: up at %s, UDP echo on port %u\n", bst_pd_name(),
               ip4addr_ntoa(netif_ip4_addr(net_client_netif())), SMOKE_ECHO_PORT);
    net_client_poll();
}

void notified(bst_channel_t ch)
{
    if (!net_client_notified(ch))
        bst_printf("%s: notification on channel %u\n", bst_pd_name(), ch);
    net_client_poll();
}
