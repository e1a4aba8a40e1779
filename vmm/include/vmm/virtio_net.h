/*
 * A virtio network device in the legacy (virtio 0.9.5, "transitional") PCI interface
 * (docs/virtualisation.md, "The virtio-net device"), at 00:02.0 on the guest's PCI bus
 * with its own I/O BAR and INTx line (pci_bus.h). Linux's virtio_pci (legacy path) and
 * virtio_net drive it; the guest sees eth0.
 *
 * Offered: VIRTIO_NET_F_MAC only (the MAC in the device configuration). Nothing else: no
 * checksum offload, no segmentation offload, no mergeable receive buffers, no control
 * queue, no status, no indirect descriptors, no event index. So every frame in either
 * direction is one Ethernet frame of at most VMM_VNET_FRAME_MAX bytes behind the legacy
 * 10-byte header whose fields must all be zero (no flags, GSO_NONE).
 *
 * Registers: the legacy transport's (virtio_legacy.h, VMM_VL_*); the configuration
 * (VMM_VNET_MAC, 0x14) is the MAC (6 bytes, read-only), then 0x1a-0x1f zero.
 *
 * Queue 0 receives (the device writes a frame into the guest's buffers), queue 1
 * transmits (the device reads them). The device never keeps a frame: the VMM takes the
 * guest's transmitted frames one at a time (vmm_vnet_take_frame) after a notify of the
 * transmit queue, and offers received frames (vmm_vnet_put_frame), which land in the
 * next posted receive chain or are refused when there is none.
 *
 * Everything the guest wrote is checked before use (virtqueue.h for the rings; here: a
 * transmit chain with a device-writable buffer, a header shorter than 10 bytes or not
 * all zero, a frame longer than VMM_VNET_FRAME_MAX or shorter than an Ethernet header,
 * a receive chain with a device-readable buffer or too small for header and frame).
 * Any of them makes the device broken: it does nothing more until the guest resets it
 * (status 0), and says why once (vmm_vnet_problem). The guest can hurt only its device.
 *
 * Interrupts: the ISR's queue bit (the INTx line's level) rises when the device puts a
 * chain in a used ring and the driver did not ask for no interrupts; reading the ISR
 * lowers it. The dispatcher carries the line to the 8259 (VMM_PCI_NET_IRQ).
 */
#ifndef VMM_VIRTIO_NET_H
#define VMM_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <vmm/pci_bus.h>
#include <vmm/virtio_legacy.h>

#define VMM_VNET_QUEUES     VMM_VL_QUEUES
#define VMM_VNET_RX         VMM_VL_RX
#define VMM_VNET_TX         VMM_VL_TX
#define VMM_VNET_HEADER     10u     /* the legacy virtio_net_hdr without mergeable buffers */
#define VMM_VNET_FRAME_MAX  1514u   /* Ethernet header and 1500 bytes, no FCS */
#define VMM_VNET_FRAME_MIN  14u     /* an Ethernet header */
#define VMM_VNET_PCI_DEVICE 0x1000u /* transitional network device */
#define VMM_VNET_TYPE       1u
#define VMM_VNET_F_MAC      (1u << 5)
#define VMM_VNET_MAC        VMM_VL_CONFIG /* the MAC in the configuration */

struct vmm_virtio_net {
    struct vmm_virtio_legacy vl; /* registers, queues, guest RAM, broken state */
    uint8_t mac[6];              /* kept across resets */
    bool tx_kicked;              /* the guest notified the transmit queue since the last take */
    uint64_t frames_out, frames_in, rx_no_buffer;
};

/* The device after reset (its MAC and guest RAM kept). */
void vmm_vnet_reset(struct vmm_virtio_net *d);
/* A fresh device with this MAC; no guest RAM until attached. */
void vmm_vnet_init(struct vmm_virtio_net *d, const uint8_t mac[6]);
/* The guest RAM the rings and buffers must lie in. */
void vmm_vnet_attach_ram(struct vmm_virtio_net *d, uint8_t *ram, uint64_t size);
/* The PCI identity of the device (pci_bus.h). */
extern const struct vmm_pci_identity vmm_vnet_pci_identity;

/* A register access at `offset` in the BAR, of size 1, 2 or 4. */
uint32_t vmm_vnet_read(struct vmm_virtio_net *d, unsigned offset, unsigned size);
void vmm_vnet_write(struct vmm_virtio_net *d, unsigned offset, unsigned size, uint32_t value);

/* The guest's next transmitted frame, copied to out (VMM_VNET_FRAME_MAX bytes): its
 * length, or 0 when there is none (or the device is not running or broke on it). The
 * chain goes back to the guest at once. */
unsigned vmm_vnet_take_frame(struct vmm_virtio_net *d, uint8_t *out);
/* A frame for the guest (len from VMM_VNET_FRAME_MIN to VMM_VNET_FRAME_MAX): true when it
 * went into a posted receive chain; false when none was posted (counted), the device is
 * not running, the frame's length is out of range, or the chain was wrong (broken). */
bool vmm_vnet_put_frame(struct vmm_virtio_net *d, const uint8_t *frame, unsigned len);
/* The INTx line's level. */
bool vmm_vnet_irq(const struct vmm_virtio_net *d);
/* The device became broken since the last call: why (NULL otherwise). */
const char *vmm_vnet_problem(struct vmm_virtio_net *d);

#endif
