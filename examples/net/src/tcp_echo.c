/*
 * tcp_echo: the network example's TCP echo server (examples/net). Whatever a connection
 * to port 1236 sends comes back on it, in order, however much: received data waits in a
 * per-connection queue until lwIP's send buffer takes it, and the receive window is
 * opened only for what was taken, so a fast sender is slowed to the echo's pace instead
 * of filling memory.
 */
#include <bastion/net/client.h>
#include <libbastion/pd.h>

#include "lwip/tcp.h"

#define TCP_ECHO_PORT 1236
#define TIMER_CH      2

struct conn {
    struct tcp_pcb *pcb;
    struct pbuf *pending; /* received, not yet taken by the send buffer */
    bool closing;         /* the peer has finished sending */
};

#define MAX_CONNS 8
static struct conn conns[MAX_CONNS];
static uint64_t accepted, refused, bytes;

static void conn_free(struct conn *c)
{
    if (c->pending != NULL)
        pbuf_free(c->pending);
    c->pending = NULL;
    c->pcb = NULL;
}

static void conn_close(struct conn *c)
{
    struct tcp_pcb *pcb = c->pcb;
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    conn_free(c);
    if (tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

/* Move pending data into the send buffer, as much as fits; open the window for it. */
static void flush(struct conn *c)
{
    u16_t taken = 0;
    while (c->pending != NULL) {
        struct pbuf *p = c->pending;
        u16_t room = tcp_sndbuf(c->pcb);
        if (room == 0 || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN - 1)
            break;
        u16_t n = p->len < room ? p->len : room;
        if (tcp_write(c->pcb, p->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        taken = (u16_t)(taken + n);
        bytes += n;
        if (n < p->len) {
            pbuf_remove_header(p, n);
            break;
        }
        c->pending = p->next;
        if (c->pending != NULL)
            pbuf_ref(c->pending);
        pbuf_free(p);
    }
    if (taken > 0) {
        tcp_recved(c->pcb, taken);
        tcp_output(c->pcb);
    }
    if (c->closing && c->pending == NULL)
        conn_close(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    flush(arg);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;
    (void)pcb;
    if (p == NULL) { /* the peer closed its side: finish echoing, then close */
        c->closing = true;
        flush(c);
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return err;
    }
    if (c->pending == NULL)
        c->pending = p;
    else
        pbuf_cat(c->pending, p);
    flush(c);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)err;
    conn_free(arg); /* lwIP has freed the pcb */
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
        refused++;
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    accepted++;
    *c = (struct conn){.pcb = pcb};
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_nagle_disable(pcb);
    return ERR_OK;
}

void init(void)
{
    net_client_init(&(struct net_client_config){.timer_channel = TIMER_CH});
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL || tcp_bind(pcb, IP_ANY_TYPE, TCP_ECHO_PORT) != ERR_OK ||
        (pcb = tcp_listen(pcb)) == NULL) {
        bst_printf("tcp_echo: cannot listen on TCP port %u\n", TCP_ECHO_PORT);
        return;
    }
    tcp_accept(pcb, on_accept);
    bst_printf("tcp_echo: TCP echo on port %u\n", TCP_ECHO_PORT);
    net_client_poll();
}

void notified(bst_channel_t ch)
{
    (void)net_client_notified(ch);
    net_client_poll();
}
