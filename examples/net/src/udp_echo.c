/*
 * udp_echo: the network example's UDP echo server (examples/net). Every datagram that
 * reaches port 1235 goes back to its sender unchanged. lwIP through the network client
 * library (bastion/net/client.h); its address and MAC come from system.xml.
 */
#include <bastion/net/client.h>
#include <libbastion/pd.h>

#include "lwip/udp.h"

#define UDP_ECHO_PORT 1235
#define TIMER_CH      2

static uint64_t echoed, failed;

static void received(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                     u16_t port)
{
    (void)arg;
    if (udp_sendto(pcb, p, addr, port) == ERR_OK)
        echoed++;
    else
        failed++;
    pbuf_free(p);
}

void init(void)
{
    net_client_init(&(struct net_client_config){.timer_channel = TIMER_CH});
    struct udp_pcb *pcb = udp_new();
    if (pcb == NULL || udp_bind(pcb, IP_ANY_TYPE, UDP_ECHO_PORT) != ERR_OK) {
        bst_printf("udp_echo: cannot bind UDP port %u\n", UDP_ECHO_PORT);
        return;
    }
    udp_recv(pcb, received, NULL);
    bst_printf("udp_echo: UDP echo on port %u\n", UDP_ECHO_PORT);
    net_client_poll();
}

void notified(bst_channel_t ch)
{
    (void)net_client_notified(ch);
    net_client_poll();
}
