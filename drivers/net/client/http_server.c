/*
 * The HTTP/1.0 server of network client PDs (bastion/net/http_server.h): connections,
 * their request and response buffers, and sending as lwIP's TCP window allows.
 */
#include <bastion/net/http_server.h>
#include <libbastion/printf.h>
#include <libbastion/string.h>

#include "lwip/tcp.h"

struct conn {
    struct tcp_pcb *pcb; /* NULL: the slot is free */
    char request[HTTP_SERVER_REQUEST_MAX];
    size_t request_len;
    char page[HTTP_SERVER_PAGE_MAX];
    size_t page_len, page_sent; /* page_len 0: not answered yet */
};

static struct conn conns[HTTP_SERVER_CONNS];
static http_server_handler handler;

bool http_server_header_complete(const char *request, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (request[i - 3] == '\r' && request[i - 2] == '\n' && request[i - 1] == '\r' &&
            request[i] == '\n')
            return true;
    return false;
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

/* Queue as much of the response as the window takes; close once all of it is queued. */
static void send_more(struct conn *c)
{
    while (c->page_sent < c->page_len) {
        size_t n = c->page_len - c->page_sent;
        u16_t room = tcp_sndbuf(c->pcb);
        if (n > room)
            n = room;
        if (n == 0 ||
            tcp_write(c->pcb, c->page + c->page_sent, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        c->page_sent += n;
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
        size_t room = HTTP_SERVER_REQUEST_MAX - c->request_len;
        u16_t want = p->tot_len < room ? p->tot_len : (u16_t)room;
        c->request_len += pbuf_copy_partial(p, c->request + c->request_len, want, 0);
        size_t n = handler(c->request, c->request_len, c->page, sizeof c->page);
        if (n == 0 && c->request_len == HTTP_SERVER_REQUEST_MAX) /* full: never incomplete */
            n = (size_t)bst_snprintf(c->page, sizeof c->page,
                                     "HTTP/1.0 413 Payload Too Large\r\nConnection: close\r\n\r\n");
        if (n > 0) {
            c->page_len = n < sizeof c->page ? n : sizeof c->page;
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
    for (unsigned i = 0; i < HTTP_SERVER_CONNS && c == NULL; i++)
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

bool http_server_start(uint16_t port, http_server_handler h)
{
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL || tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK ||
        (pcb = tcp_listen(pcb)) == NULL)
        return false;
    handler = h;
    tcp_accept(pcb, on_accept);
    return true;
}
