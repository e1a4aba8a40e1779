/*
 * The kernel's console printf.
 *
 * Supports %c %s %d %i %u %x %X %p %% with flags '-', '0', width, and the length
 * modifiers l, ll, z. Output goes to every console the architecture registered
 * (arch_console_putc); it never allocates and is safe from exception handlers.
 */
#ifndef BASTION_KPRINTF_H
#define BASTION_KPRINTF_H

#include <stdarg.h>
#include "ktypes.h"

__attribute__((format(printf, 1, 2))) int kprintf(const char *fmt, ...);
int kvprintf(const char *fmt, va_list ap);

/* Format into buf (always NUL-terminated when size > 0); returns the full length. */
__attribute__((format(printf, 3, 4))) int ksnprintf(char *buf, size_t size, const char *fmt, ...);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
