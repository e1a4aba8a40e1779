/*
 * What the Bastion port of lwIP provides to lwIP itself (drivers/net/lwip/port):
 * assertion failure, random numbers, the TCP initial sequence number hook and the
 * checksum.
 * sys_now() is declared by lwIP (lwip/sys.h).
 */
#ifndef BASTION_LWIP_PORT_H
#define BASTION_LWIP_PORT_H

#include <stdint.h>

/* Print "lwip: PD 'name': assertion "message" failed at file:line" and fault the PD
 * (ud2): an lwIP assertion is a broken invariant, never a condition to continue from. */
_Noreturn void lwip_port_assert_failed(const char *message, const char *file, int line);

/* 32 bits mixed from the cycle counter and a counter of calls: different on every call,
 * not predictable from outside without the counter's value; not cryptographic. */
uint32_t lwip_port_rand(void);

/* LWIP_CHKSUM: the 16-bit one's complement sum of len bytes at data, as lwIP's own
 * lwip_standard_chksum returns it (not complemented; the bytes' memory order), 8 bytes
 * per step (port/chksum.c). */
uint16_t lwip_port_chksum(const void *data, int len);

#endif /* BASTION_LWIP_PORT_H */
