/*
 * sniffer: the network system test's listening client (suite system-net, run.sh). An lwIP
 * client like the servers, behind its own copier, that looks at every frame it receives
 * before lwIP does: each must be addressed to its own MAC or be a broadcast (it asked for
 * no multicast). While the host drives the echo servers and the status page, it must see
 * none of their traffic. It also relays the host's commands: UDP port 9999 takes
 *
 *   "report"  answered with "frames N foreign M" (what it has seen so far)
 *   "evil"    the hostile client (evil.c, on channel 4) is notified: it starts, or stops,
 *             flooding and corrupting its connections; answered with "evil"
 *   "flood"   the same on channel 5: it starts, or stops, flooding only; answered "flood"
 *   "end"     prints the counts and "net test: done", then ends the QEMU run: status 0 if
 *             no foreign frame came, else failure
 */
#include <bastion/net/client.h>
#include <libbastion/pd.h>
#include <libbastion/string.h>

#include "lwip/netif.h"
#include "lwip/udp.h"

#define CONTROL_PORT 9999
#define TIMER_CH     2
#define EVIL_CH      4
#define FLOOD_CH     5

static netif_input_fn lwip_input;
static uint64_t frames, foreign, broadcast;

static uint64_t own_mac(void)
{
    return net_mac & 0xffffffffffffull;
}

/* Every frame passes here on its way into lwIP. */
static err_t inspect(struct pbuf *p, struct netif *inp)
{
    uint8_t dest[6];
    frames++;
    if (pbuf_copy_partial(p, dest, sizeof dest, 0) == sizeof dest) {
        uint64_t mac = 0;
        for (unsigned i = 0; i < 6; i++)
            mac = mac << 8 | dest[i];
        if (mac == 0xffffffffffffull) {
            broadcast++;
        } else if (mac != own_mac()) {
            if (foreign++ < 5)
                bst_printf("sniffer: FAIL: received a frame for %02x:%02x:%02x:%02x:%02x:%02x\n",
                           dest[0], dest[1], dest[2], dest[3], dest[4], dest[5]);
        }
    }
    return lwip_input(p, inp);
}

static void control(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                    u16_t port)
{
    (void)arg;
    char command[16] = {0};
    pbuf_copy_partial(p, command, sizeof command - 1, 0);
    pbuf_free(p);
    if (bst_strcmp(command, "end") == 0) {
        bst_printf("sniffer: %llu frames, %llu broadcast, %llu for another MAC\n",
                   (unsigned long long)frames, (unsigned long long)broadcast,
                   (unsigned long long)foreign);
        bst_printf("net test: done\n");
        bst_system_exit(foreign == 0 ? 0 : 1);
    }
    char text[64];
    int n;
    if (bst_strcmp(command, "evil") == 0) {
        bst_notify(EVIL_CH);
        n = bst_snprintf(text, sizeof text, "evil");
    } else if (bst_strcmp(command, "flood") == 0) {
        bst_notify(FLOOD_CH);
        n = bst_snprintf(text, sizeof text, "flood");
    } else {
        n = bst_snprintf(text, sizeof text, "frames %llu foreign %llu", (unsigned long long)frames,
                         (unsigned long long)foreign);
    }
    struct pbuf *reply = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
    if (reply == NULL)
        return;
    memcpy(reply->payload, text, (size_t)n);
    udp_sendto(pcb, reply, addr, port);
    pbuf_free(reply);
}

void init(void)
{
    net_client_init(&(struct net_client_config){.timer_channel = TIMER_CH});
    struct netif *netif = net_client_netif();
    lwip_input = netif->input;
    netif->input = inspect;
    struct udp_pcb *pcb = udp_new();
    if (pcb == NULL || udp_bind(pcb, IP_ANY_TYPE, CONTROL_PORT) != ERR_OK) {
        bst_printf("sniffer: cannot bind UDP port %u\n", CONTROL_PORT);
        return;
    }
    udp_recv(pcb, control, NULL);
    bst_printf("sniffer: listening; control on UDP port %u\n", CONTROL_PORT);
    net_client_poll();
}

void notified(bst_channel_t ch)
{
    (void)net_client_notified(ch);
    net_client_poll();
}
