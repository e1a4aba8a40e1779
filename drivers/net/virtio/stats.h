/*
 * The virtio-net driver's statistics: a protected procedure call on either virtualiser's
 * channel (NET_DRIVER_CH_RX_VIRT or NET_DRIVER_CH_TX_VIRT, the caller's end pp="true"),
 * shaped like protocol.h's NET_STATS: label NET_STATS, MR0 = NET_STATS_DEVICE. The reply
 * (label NET_STATS, VIRTIO_NET_STATS_WORDS words) is about the channel's direction:
 *
 *   MR0  frames: handed to net_rx_virt / sent by the device
 *   MR1  their bytes (Ethernet header to payload)
 *   MR2  frames dropped: rx, a used entry with a length the device could not have written
 *        or no room on the active ring; tx, a descriptor refused (length outside
 *        [NET_MIN_FRAME, NET_MAX_FRAME], or outside the device-address limit)
 *   MR3  device interrupts taken (both queues share the vector)
 *   MR4  kicks of this direction's virtqueue (notify register writes)
 *   MR5  descriptors refused from the virtualiser: rx, free buffers whose room crosses the
 *        device-address limit (dropped); tx, as MR2
 *   MR6  used entries naming no chain in flight (both queues: the device misbehaved)
 *   MR7  buffers the device holds now (chains in flight on this direction's queue)
 *
 * Any other label, or MR0 other than NET_STATS_DEVICE, replies NET_STATS_ERROR. A
 * driver-private extension: protocol.h names NET_STATS only for the virtualisers.
 */
#ifndef VIRTIO_NET_STATS_H
#define VIRTIO_NET_STATS_H

#define VIRTIO_NET_STATS_WORDS 8u

#endif /* VIRTIO_NET_STATS_H */
