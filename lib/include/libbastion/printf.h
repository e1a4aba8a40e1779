/*
 * A small printf for the debug console and for strings.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%, with the flags '-' and '0', a field width
 * (digits or '*'), a precision for %s, and the length modifiers hh h l ll z t j.
 * Floating point is not supported (user code is built without SSE for now).
 */
#ifndef LIBBASTION_PRINTF_H
#define LIBBASTION_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define BST_PRINTF_FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))

/* Print to the debug console; returns the number of characters written. */
int bst_printf(const char *fmt, ...) BST_PRINTF_FORMAT(1, 2);
int bst_vprintf(const char *fmt, va_list ap);

/*
 * Format into buf (size bytes, always NUL-terminated when size > 0); returns the length
 * the whole result would have had, as C's snprintf does.
 */
int bst_snprintf(char *buf, size_t size, const char *fmt, ...) BST_PRINTF_FORMAT(3, 4);
int bst_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Write a string to the debug console, without a newline. */
void bst_puts(const char *s);

#endif
