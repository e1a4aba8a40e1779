/*
 * A small HTTP/1.0 server for a network client PD (lwIP's raw API, bastion/net/client.h):
 * one request per connection, answered whole, then the connection is closed. The PD gives
 * a handler that turns the request bytes received so far into a response; the library
 * keeps the connections (at most HTTP_SERVER_CONNS at once: one more is refused), their
 * buffers, and the sending as the TCP window allows.
 *
 *   static size_t handle(const char *request, size_t len, char *page, size_t size) {...}
 *   void init(void) {
 *       net_client_init(...);
 *       http_server_start(80, handle);
 *       net_client_poll();
 *   }
 *
 * Runs only inside the PD's entry points, like lwIP (net_client_poll() after each).
 */
#ifndef BASTION_NET_HTTP_SERVER_H
#define BASTION_NET_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_SERVER_CONNS       4
#define HTTP_SERVER_REQUEST_MAX 2048u /* bytes of a request kept; more is not read */
#define HTTP_SERVER_PAGE_MAX    4096u /* bytes of a response */

/*
 * The PD's answer to `request` (its first `len` bytes, len <= HTTP_SERVER_REQUEST_MAX):
 * 0 while the request is incomplete (the library calls again when more arrives; a request
 * that fills the buffer is never incomplete), else the response's length, written into
 * `page` (`size` bytes: headers and body).
 */
typedef size_t (*http_server_handler)(const char *request, size_t len, char *page, size_t size);

/* Listen on TCP `port` of every address of the PD; false (nothing listens) if lwIP
 * refuses. */
bool http_server_start(uint16_t port, http_server_handler handler);

/* Whether `request` (len bytes) holds a whole header (an empty line ends it). */
bool http_server_header_complete(const char *request, size_t len);

#endif /* BASTION_NET_HTTP_SERVER_H */
