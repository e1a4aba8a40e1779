/*
 * A virtio console in the legacy (virtio 0.9.5, "transitional") PCI interface
 * (docs/virtualisation.md, "The virtio console"): the registers sit in the PCI device's
 * I/O BAR (pci_bus.h), so every register access is a port exit that names the port, the
 * size and the value, and the VMM decodes no instruction. One port, no feature offered
 * (no multiport, no size, no event index, no indirect descriptors): queue 0 receives
 * (the device writes into the guest's buffers), queue 1 transmits (the device reads
 * them). Linux's virtio_pci (legacy path) and virtio_console drive it; the guest sees
 * /dev/hvc0.
 *
 * Registers: the legacy transport's (virtio_legacy.h, VMM_VL_*), device features 0;
 * the console configuration (0x14, 12 bytes) reads as zero: no feature uses it.
 *
 * The rings live in guest RAM (the VMM's mapping, given at vmm_vcon_attach_ram), laid
 * out as the legacy interface says and walked by virtqueue.c. Everything the guest
 * wrote is read once and checked before use: a ring or a buffer outside guest RAM, a
 * chain longer than the queue, a descriptor index outside it, an indirect descriptor,
 * or an available index that runs more than the queue size ahead makes the device
 * broken: it does nothing more until the guest resets it (status 0), and says why once
 * (vmm_vcon_problem).
 * The guest can hurt only itself.
 *
 * Interrupts: the device raises its INTx line (the ISR's queue bit) when it has put a
 * buffer in a used ring and the driver did not ask for no interrupts; reading the ISR
 * lowers it. The dispatcher carries the line to the 8259 (VMM_PCI_DEVICE_IRQ).
 */
#ifndef VMM_VIRTIO_CONSOLE_H
#define VMM_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include <vmm/pci_bus.h>
#include <vmm/virtio_legacy.h>

#define VMM_VCON_QUEUES     VMM_VL_QUEUES
#define VMM_VCON_QUEUE_SIZE VMM_VQ_SIZE /* descriptors per queue */
#define VMM_VCON_RX         VMM_VL_RX
#define VMM_VCON_TX         VMM_VL_TX
#define VMM_VCON_TX_BUFFER  4096u   /* the guest's output not yet taken by the VMM */
#define VMM_VCON_PCI_DEVICE 0x1003u /* transitional console: 0x1000 + type 3 - 1 */
#define VMM_VCON_TYPE       3u

struct vmm_virtio_console {
    struct vmm_virtio_legacy vl; /* registers, queues, guest RAM, broken state */
    uint8_t tx[VMM_VCON_TX_BUFFER];
    unsigned tx_len;
    uint64_t tx_dropped, bytes_out, bytes_in;
};

/* The device after reset; no guest RAM until attached. */
void vmm_vcon_reset(struct vmm_virtio_console *d);
/* The guest RAM the rings and buffers must lie in. */
void vmm_vcon_attach_ram(struct vmm_virtio_console *d, uint8_t *ram, uint64_t size);
/* The PCI identity of the device (pci_bus.h). */
extern const struct vmm_pci_identity vmm_vcon_pci_identity;

/* A register access at `offset` in the BAR, of size 1, 2 or 4. A write to the notify
 * register of the transmit queue takes the guest's output buffers at once. */
uint32_t vmm_vcon_read(struct vmm_virtio_console *d, unsigned offset, unsigned size);
void vmm_vcon_write(struct vmm_virtio_console *d, unsigned offset, unsigned size, uint32_t value);

/* Input for the guest: put bytes into the receive queue's buffers; returns how many were
 * taken (0 until the driver is ready and has posted buffers). */
unsigned vmm_vcon_input(struct vmm_virtio_console *d, const uint8_t *bytes, unsigned n);
/* Take up to max bytes of the guest's output. */
unsigned vmm_vcon_take_tx(struct vmm_virtio_console *d, uint8_t *out, unsigned max);
/* The INTx line's level. */
bool vmm_vcon_irq(const struct vmm_virtio_console *d);
/* The device became broken since the last call: why (NULL otherwise). */
const char *vmm_vcon_problem(struct vmm_virtio_console *d);

#endif
