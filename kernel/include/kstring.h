/*
 * Memory and string helpers for the kernel. The kernel links no C library, so these are
 * ours (kernel/lib/string.c); host builds of kernel code get the same names from the
 * host test support code.
 */
#ifndef BASTION_KSTRING_H
#define BASTION_KSTRING_H

#include "ktypes.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
