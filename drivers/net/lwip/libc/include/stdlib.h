/*
 * The part of <stdlib.h> that lwIP uses (atoi, in netif_find) and a client may want, for
 * freestanding PDs: no allocator (lwIP has its own static heap and pools).
 */
#ifndef BASTION_NET_LIBC_STDLIB_H
#define BASTION_NET_LIBC_STDLIB_H

#include <stddef.h>

/* Decimal, optional leading blanks and sign; stops at the first non-digit; saturates at
 * INT_MIN and INT_MAX instead of C's undefined behaviour on overflow. */
int atoi(const char *s);

int abs(int value);

#endif /* BASTION_NET_LIBC_STDLIB_H */
