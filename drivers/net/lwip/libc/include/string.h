/*
 * The part of <string.h> that lwIP and network clients use, for freestanding PDs. The
 * mem* functions are libbastion's (libbastion/string.h); the str* ones are in
 * drivers/net/lwip/libc/string.c.
 */
#ifndef BASTION_NET_LIBC_STRING_H
#define BASTION_NET_LIBC_STRING_H

#include <stddef.h>

#include <libbastion/string.h>

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif /* BASTION_NET_LIBC_STRING_H */
