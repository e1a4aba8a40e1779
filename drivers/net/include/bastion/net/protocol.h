/*
 * The network class's shared-memory protocol: how a connection between two network
 * components is laid out, and the numbers every component of the class agrees on. Both
 * ends of a connection include this header; docs/drivers.md ("Network") is the prose.
 *
 *   receive:  device -> driver -> net_rx_virt -> copier -> client
 *   transmit: client -> net_tx_virt -> driver -> device
 *
 * A connection is one queue (drivers/queue: two rings) in a queue region of
 * NET_QUEUE_REGION_SIZE bytes that both ends map read-write, plus one channel that both
 * ends notify. The rings are named by the direction the buffers travel:
 *
 *   active  filled buffers (a frame in each), from the side that wrote the data to the
 *           side that reads it
 *   free    emptied buffers, back from the reader to the side that fills them
 *
 * so the writer of data enqueues on active and dequeues from free, the reader the
 * opposite. A buffer belongs to whoever dequeued it last until it enqueues it again.
 *
 * Descriptors are (offset, length). Between a virtualiser and a client or copier the
 * offset is into the connection's data region (NET_DATA_REGION_SIZE bytes, cut into
 * NET_BUFFER_COUNT buffers of NET_BUFFER_SIZE; buffer i at i * NET_BUFFER_SIZE), and the
 * length is the frame's length in bytes (Ethernet header to payload, no FCS). Between the
 * driver and a virtualiser the offset is the buffer's *device address* (the physical
 * address a bus master uses; the virtualiser translates it from the data region's
 * physical address, delivered by setvar_paddr), checked against NET_DEVICE_ADDRESS_LIMIT.
 * So the driver never maps a data region, and a client never names memory outside its own
 * region: every descriptor is checked against the region (drivers/queue) before it is used.
 *
 * Data regions, and who maps them how:
 *   rx DMA region    owned by net_rx_virt (read-only for it: it reads the destination
 *                    MAC); the device writes it; each copier maps it read-only; a trusted
 *                    client (no copier) maps it read-only and sees every frame in it
 *   client rx data   one per client: read-write for its copier, read-only for the client
 *   client tx data   one per client: read-write for the client; net_tx_virt maps it only to
 *                    learn its physical address (setvar_paddr); the device reads it
 *
 * Which buffers start where: every rx DMA buffer starts with net_rx_virt, which hands them
 * to the driver on its free ring; every client rx buffer starts with the copier (it
 * fills them: the client only returns them on free); every client tx buffer starts with
 * the client (it fills them: net_tx_virt returns them on free once the device has sent
 * them). The client library is therefore the same with and without a copier.
 *
 * Signalling: the queue library's sleeping protocol (docs/drivers.md), unchanged: a side
 * that finds nothing to do sets its ring's signal flag and re-checks before it waits; a
 * side that enqueues notifies the peer only if that flag was set. So a busy pipeline runs
 * without a system call per frame.
 */
#ifndef BASTION_NET_PROTOCOL_H
#define BASTION_NET_PROTOCOL_H

#include <stdint.h>

#include <bastion/queue/queue.h>

#define NET_QUEUE_CAPACITY       256u
#define NET_QUEUE_REGION_SIZE    0x4000u
#define NET_FREE_RING_OFFSET     0x0u
#define NET_ACTIVE_RING_OFFSET   0x2000u
#define NET_BUFFER_SIZE          2048u
#define NET_BUFFER_COUNT         NET_QUEUE_CAPACITY
#define NET_DATA_REGION_SIZE     (NET_BUFFER_SIZE * NET_BUFFER_COUNT)
#define NET_DEVICE_ADDRESS_LIMIT (1ull << 52) /* x86_64's physical address width at most */

/* Frames: Ethernet header (14 bytes) and a payload of up to 1500 bytes, no FCS. */
#define NET_ETH_HEADER 14u
#define NET_MIN_FRAME  NET_ETH_HEADER
#define NET_MAX_FRAME  1514u
#define NET_MTU        1500u

/* Clients a virtualiser serves at most. */
#define NET_MAX_CLIENTS 8u

/* Channels, fixed for every system (system.xml must wire them so):
 *   driver:       its device's interrupt is <irq id="0">; net_rx_virt on 1, net_tx_virt on 2
 *   net_rx_virt:  the driver on 0; client i (its copier, or a trusted client) on 1 + i
 *   net_tx_virt:  the driver on 0; client i on 1 + i
 *   copier:       net_rx_virt on 0, its client on 1
 *   client:       its receive side (copier or net_rx_virt) on 0, net_tx_virt on 1
 */
#define NET_DRIVER_CH_IRQ     0u
#define NET_DRIVER_CH_RX_VIRT 1u
#define NET_DRIVER_CH_TX_VIRT 2u
#define NET_VIRT_CH_DRIVER    0u
#define NET_VIRT_CH_CLIENT0   1u
#define NET_COPIER_CH_RX_VIRT 0u
#define NET_COPIER_CH_CLIENT  1u
#define NET_CLIENT_CH_RX      0u
#define NET_CLIENT_CH_TX      1u

/* Statistics, a protected procedure of each virtualiser (a client end with pp="true"):
 * label NET_STATS, MR0 = the client index asked about (NET_STATS_DEVICE: the driver side).
 * Reply label NET_STATS, MR0 frames, MR1 bytes, MR2 frames dropped (rx: no buffer or no
 * client wanted it; tx: a bad descriptor); an index out of range replies NET_STATS_ERROR. */
#define NET_STATS        1u
#define NET_STATS_ERROR  2u
#define NET_STATS_DEVICE 0xffu

_Static_assert(QUEUE_RING_BYTES(NET_QUEUE_CAPACITY) <= NET_ACTIVE_RING_OFFSET,
               "the free ring fits before the active ring");
_Static_assert(NET_ACTIVE_RING_OFFSET + QUEUE_RING_BYTES(NET_QUEUE_CAPACITY) <=
                   NET_QUEUE_REGION_SIZE,
               "the active ring fits in the queue region");
_Static_assert((NET_QUEUE_CAPACITY & (NET_QUEUE_CAPACITY - 1)) == 0,
               "the ring capacity is a power of two");
_Static_assert(NET_MAX_FRAME <= NET_BUFFER_SIZE, "a frame fits a buffer");

/* A component's view of one connection whose descriptors are offsets into a data region
 * (client, copier, virtualiser side). */
static inline enum queue_status net_queue_init(struct queue_handle *q, uintptr_t queue_region)
{
    return queue_init(q, (struct queue_ring *)(queue_region + NET_FREE_RING_OFFSET),
                      (struct queue_ring *)(queue_region + NET_ACTIVE_RING_OFFSET),
                      NET_QUEUE_CAPACITY, NET_DATA_REGION_SIZE);
}

/* The view of a driver connection, whose descriptors are device addresses. */
static inline enum queue_status net_device_queue_init(struct queue_handle *q,
                                                      uintptr_t queue_region)
{
    return queue_init(q, (struct queue_ring *)(queue_region + NET_FREE_RING_OFFSET),
                      (struct queue_ring *)(queue_region + NET_ACTIVE_RING_OFFSET),
                      NET_QUEUE_CAPACITY, NET_DEVICE_ADDRESS_LIMIT);
}

#endif /* BASTION_NET_PROTOCOL_H */
