/*
 * lwIP hooks of the Bastion port (LWIP_HOOK_FILENAME): included by lwIP's sources that
 * call hooks, after lwIP's own headers.
 */
#ifndef BASTION_LWIP_HOOKS_H
#define BASTION_LWIP_HOOKS_H

#include "lwip/ip_addr.h"

/*
 * The initial sequence number of a TCP connection (RFC 6528's shape): a keyed hash of
 * the connection's addresses and ports plus a clock that advances every 4 us, so that
 * sequence numbers of new connections are not guessable from those of others (lwIP's
 * default is a global counter). The key comes from the cycle counter when first needed:
 * the hash is not cryptographic, and there is no entropy source yet.
 */
uint32_t lwip_port_tcp_isn(const ip_addr_t *local_ip, uint16_t local_port,
                           const ip_addr_t *remote_ip, uint16_t remote_port);

#endif /* BASTION_LWIP_HOOKS_H */
