/*
 * The 16550 UART's registers, as offsets from its first I/O port, and the bits the
 * driver uses (National Semiconductor PC16550D data sheet).
 */
#ifndef BASTION_SERIAL_NS16550_H
#define BASTION_SERIAL_NS16550_H

#define UART_RBR   0 /* read: receive buffer */
#define UART_THR   0 /* write: transmit holding register */
#define UART_DLL   0 /* with LCR_DLAB: divisor latch, low byte */
#define UART_IER   1 /* interrupt enable */
#define UART_DLM   1 /* with LCR_DLAB: divisor latch, high byte */
#define UART_IIR   2 /* read: interrupt identification */
#define UART_FCR   2 /* write: FIFO control */
#define UART_LCR   3 /* line control */
#define UART_MCR   4 /* modem control */
#define UART_LSR   5 /* line status */
#define UART_MSR   6 /* modem status */
#define UART_SCR   7 /* scratch */
#define UART_PORTS 8

#define IER_RX_DATA     0x01 /* received data available (and the FIFO timeout) */
#define IER_TX_EMPTY    0x02 /* transmit holding register empty */
#define IER_LINE_STATUS 0x04

#define IIR_NONE_PENDING 0x01
#define IIR_CAUSE_MASK   0x0e
#define IIR_MODEM_STATUS 0x00
#define IIR_TX_EMPTY     0x02
#define IIR_RX_DATA      0x04
#define IIR_LINE_STATUS  0x06
#define IIR_RX_TIMEOUT   0x0c /* FIFO mode only */

#define LCR_8N1  0x03
#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT2 0x08 /* connects the interrupt output on PCs */

#define LSR_DATA_READY 0x01
#define LSR_OVERRUN    0x02
#define LSR_TX_EMPTY   0x20 /* the transmit FIFO (or holding register) is empty */

#define UART_CLOCK_HZ 1843200u /* the divisor divides CLOCK / 16 */

#endif /* BASTION_SERIAL_NS16550_H */
