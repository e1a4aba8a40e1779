/*
 * The serial client library: print to and read from a serial line shared with other
 * PDs, through the transmit and receive virtualisers (docs/drivers.md, "Serial").
 *
 * The system description maps the client's four regions and patches their addresses
 * into the library's variables (setvar_vaddr):
 *
 *   serial_tx_queue   queue region of the client -> tx virtualiser connection (rw)
 *   serial_tx_data    its data region (rw)
 *   serial_rx_queue   queue region of the rx virtualiser -> client connection (rw)
 *   serial_rx_data    its data region (r)
 *
 * and the PD calls serial_init() with the channel ids of the two connections. A client
 * that only prints (or only reads) leaves the other side's variables unpatched and passes
 * SERIAL_NO_CHANNEL for it.
 *
 * Output is handed to the virtualiser a line at a time (at '\n', when a buffer is full, or
 * on serial_flush()); the virtualiser forwards whole lines, so lines of different clients
 * never mix. Blocking calls (serial_getchar, and printing when every buffer is in flight)
 * sleep on the PD's notification through driver_wait() (bastion/driver/wait.h): use them
 * from a PD that runs its program in init(), not from notified().
 */
#ifndef BASTION_SERIAL_CLIENT_H
#define BASTION_SERIAL_CLIENT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <libbastion/pd.h>
#include <libbastion/printf.h>

#define SERIAL_NO_CHANNEL (~0u)

extern uintptr_t serial_tx_queue, serial_tx_data, serial_rx_queue, serial_rx_data;

/* Set up both connections. Misconfiguration (a channel given but its regions not mapped)
 * is a bug in the system description: the PD faults with a message. */
void serial_init(bst_channel_t tx_channel, bst_channel_t rx_channel);

void serial_putc(char c);
void serial_write(const char *s, size_t length);
int serial_printf(const char *fmt, ...) BST_PRINTF_FORMAT(1, 2);
int serial_vprintf(const char *fmt, va_list ap);

/* Hand what has been written so far to the virtualiser now (it still forwards only
 * whole lines). */
void serial_flush(void);

/* The next input byte, sleeping until there is one. */
int serial_getchar(void);

/* The next input byte, or -1 when none has arrived (never sleeps). */
int serial_try_getchar(void);

#endif /* BASTION_SERIAL_CLIENT_H */
