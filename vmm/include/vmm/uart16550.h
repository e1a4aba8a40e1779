/*
 * A 16550A UART as the guest sees it at eight I/O ports (docs/virtualisation.md,
 * "Devices"): the guest's console. Bytes the guest transmits collect in `tx` for the VMM
 * to forward to its Bastion serial client; bytes for the guest are pushed into the
 * receive FIFO. Transmission is instantaneous (THR and the shift register are always
 * empty again by the next read), so that a polling guest never waits.
 *
 * The interrupt output follows the 16550's rules: receive data available (IER bit 0),
 * THR empty (IER bit 1, raised on enabling it and after each write, cleared by reading
 * IIR while it is the reason or by writing THR); line status and modem status never
 * interrupt (no errors, no modem). MCR's OUT2 gates the line as on a PC.
 */
#ifndef VMM_UART16550_H
#define VMM_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define VMM_UART_FIFO 16u
#define VMM_UART_TX   256u

struct vmm_uart {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    bool thr_irq;              /* a THR-empty interrupt is pending */
    uint8_t rx[VMM_UART_FIFO]; /* receive FIFO */
    unsigned rx_head, rx_count;
    uint8_t tx[VMM_UART_TX]; /* transmitted, not yet taken by the VMM */
    unsigned tx_count;
    uint64_t tx_dropped; /* bytes lost because the VMM did not drain tx */
};

void vmm_uart_reset(struct vmm_uart *u);
/* The guest reads register offset (0-7); returns the byte. */
uint8_t vmm_uart_read(struct vmm_uart *u, unsigned offset);
/* The guest writes value to register offset (0-7). */
void vmm_uart_write(struct vmm_uart *u, unsigned offset, uint8_t value);
/* Queue one byte for the guest; false if the FIFO is full (the byte is not taken). */
bool vmm_uart_receive(struct vmm_uart *u, uint8_t byte);
/* Whether the interrupt output is asserted. */
bool vmm_uart_irq(const struct vmm_uart *u);
/* Take the transmitted bytes: copies up to max into out, returns how many. */
unsigned vmm_uart_take_tx(struct vmm_uart *u, uint8_t *out, unsigned max);

#endif
