/*
 * The 16550 UART on COM1, used as the kernel console: polled output at 115200 8N1.
 * Polling keeps it usable from any context (exception handlers included).
 */
#include <arch/io.h>
#include <arch/serial.h>
#include <console.h>

#define COM1          0x3f8
#define REG_DATA      0
#define REG_IER       1
#define REG_FCR       2
#define REG_LCR       3
#define REG_MCR       4
#define REG_LSR       5
#define LSR_THR_EMPTY 0x20

static bool serial_present;

void serial_init(void)
{
    outb(COM1 + REG_IER, 0x00);  /* no interrupts */
    outb(COM1 + REG_LCR, 0x80);  /* divisor latch access */
    outb(COM1 + REG_DATA, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + REG_IER, 0x00);
    outb(COM1 + REG_LCR, 0x03); /* 8 bits, no parity, one stop bit */
    outb(COM1 + REG_FCR, 0xc7); /* FIFOs on, cleared, 14-byte threshold */
    outb(COM1 + REG_MCR, 0x03); /* DTR, RTS */
    serial_present = inb(COM1 + REG_LSR) != 0xff;
}

void arch_console_putc(char c)
{
    if (!serial_present) {
        return;
    }
    for (int spins = 0; spins < 100000 && !(inb(COM1 + REG_LSR) & LSR_THR_EMPTY); spins++) {
    }
    outb(COM1 + REG_DATA, (uint8_t)c);
}
