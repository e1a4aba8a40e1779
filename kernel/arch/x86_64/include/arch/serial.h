/* The 16550 console UART (COM1). */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

void serial_init(void);

#endif
