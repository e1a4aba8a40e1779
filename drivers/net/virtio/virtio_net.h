/*
 * virtio-net's part of virtio 1.x ("Network Device"): its feature bits, the header before
 * every frame, its device configuration and its queue numbers. The device-independent
 * part (PCI transport, split virtqueues) is <bastion/virtio/virtio.h>.
 *
 * Freestanding C11: only compiler headers.
 */
#ifndef VIRTIO_NET_VIRTIO_NET_H
#define VIRTIO_NET_VIRTIO_NET_H

#include <stdint.h>

#include <bastion/virtio/virtio.h>

/* Feature bits the driver knows: it accepts only MAC and VIRTIO_F_VERSION_1. */
#define VIRTIO_NET_F_MAC (UINT64_C(1) << 5)

/* The header before every frame, both ways. With VIRTIO_F_VERSION_1 it always has
 * num_buffers: 12 bytes. The driver negotiates no offloads, so it sends all zeros and
 * ignores what the device writes. */
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr (VERSION_1)");
#define VIRTIO_NET_HDR_BYTES 12u

/* Device configuration: the MAC first (valid with VIRTIO_NET_F_MAC). */
#define VIRTIO_NET_CONFIG_MAC   0u
#define VIRTIO_NET_CONFIG_BYTES 6u /* what the driver reads */

/* Queue numbers: the first pair. */
#define VIRTIO_NET_RX_QUEUE 0u
#define VIRTIO_NET_TX_QUEUE 1u

#endif /* VIRTIO_NET_VIRTIO_NET_H */
