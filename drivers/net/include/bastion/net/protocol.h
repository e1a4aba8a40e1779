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

/*
 * Driver restart without loss of buffers (docs/drivers.md, "Restart without loss
 * (network)"). On each of the driver's two connections, at NET_RESYNC_OFFSET of the queue
 * region (between the rings), the driver and the virtualiser run a handshake whenever the
 * driver starts (after a restart over its memory or a re-initialisation from its image):
 *
 *   1. The driver resets its device (from then on the device touches no buffer of the
 *      last run), stores generation + 1 (release) on both connections and notifies both
 *      virtualisers. Until `acknowledged` equals its generation on a connection it does
 *      not touch that connection's rings.
 *   2. The virtualiser sees a generation it has not acknowledged (it looks at every
 *      wake-up). It takes everything the driver's rings hold for it (frames received;
 *      buffers sent), sets the head of the ring the driver consumes to its tail (every
 *      entry the dead run had not taken is dropped), and takes back every buffer it had
 *      given the driver: net_rx_virt posts its receive buffers again, net_tx_virt returns
 *      each transmit buffer to its client, counted as sent-or-dropped (the dead run may or
 *      may not have sent it). Then it stores the generation in `acknowledged` (release)
 *      and notifies the driver.
 *   3. The driver starts with no buffer of its own; it takes what the rings now hold.
 *
 * A buffer is therefore never held by a dead run, never given twice, and a transmit
 * buffer is never returned to its client while the device may still read it (the reset
 * came first). A driver that restarts during the handshake just announces another
 * generation.
 */
struct net_resync {
    uint64_t generation; /* the driver's: bumped at each start, after the device reset */
    uint8_t pad0[64 - sizeof(uint64_t)];
    uint64_t acknowledged; /* the virtualiser's: the generation it has resynchronised with */
    uint8_t pad1[64 - sizeof(uint64_t)];
};

#define NET_RESYNC_OFFSET 0x1800u
_Static_assert(QUEUE_RING_BYTES(NET_QUEUE_CAPACITY) <= NET_RESYNC_OFFSET,
               "the resync words follow the free ring");
_Static_assert(NET_RESYNC_OFFSET + sizeof(struct net_resync) <= NET_ACTIVE_RING_OFFSET,
               "the resync words fit before the active ring");

static inline volatile struct net_resync *net_resync_of(uintptr_t queue_region)
{
    return (volatile struct net_resync *)(queue_region + NET_RESYNC_OFFSET);
}

/* Virtualiser side: the generation the driver announced and this side has not
 * acknowledged yet, or 0. */
static inline uint64_t net_resync_pending(uintptr_t queue_region)
{
    volatile struct net_resync *r = net_resync_of(queue_region);
    uint64_t g = __atomic_load_n(&r->generation, __ATOMIC_ACQUIRE);
    return g != r->acknowledged ? g : 0;
}

/* Virtualiser side: the handshake's step 2 is done for generation g. */
static inline void net_resync_acknowledge(uintptr_t queue_region, uint64_t g)
{
    __atomic_store_n(&net_resync_of(queue_region)->acknowledged, g, __ATOMIC_RELEASE);
}

/* Virtualiser side: drop every entry the consumer (the driver) had not taken from ring
 * `r`. Only during the handshake, while no driver run touches the ring. */
static inline void net_resync_drop_untaken(struct queue_ring_handle *r)
{
    uint32_t tail = __atomic_load_n(&r->shared->tail, __ATOMIC_ACQUIRE);
    __atomic_store_n(&r->shared->head, tail, __ATOMIC_RELEASE);
}

/*
 * Virtualiser restart (docs/drivers.md, "Restarting the network virtualisers"). What a
 * virtualiser must know after a restart lives in shared memory that outlives its run:
 *
 *   NET_VIRT_STATE_OFFSET in its connection to the driver (after struct net_resync,
 *   before the active ring; the driver never writes there): the move journal
 *   (bastion/queue/move.h) of the one descriptor it was moving between two rings, and for
 *   net_rx_virt who holds each receive buffer (struct net_rx_virt_state).
 *
 *   NET_TX_TABLE_OFFSET in each client's transmit connection (after the active ring):
 *   which of the client's buffers are with the driver (net_tx_virt's table, one word per
 *   buffer slot), so that a driver restart gives each of them back once. The client can
 *   write it: a client that does gets back garbled descriptors of its own region at a
 *   driver restart, nothing else.
 */
#include <bastion/queue/move.h>

#define NET_VIRT_STATE_OFFSET 0x1900u
#define NET_TX_TABLE_OFFSET   0x3100u

struct net_tx_virt_state {
    struct queue_move_journal move;
};

/* Per receive buffer: holders (bit i: client i reads it), lending (bit i: client i is
 * still to be lent the frame it holds, of `length` bytes: a delivery under way),
 * with_driver (nonzero: on the driver's free ring or in the device). A buffer in none of the three
 * is nobody's, and a (re)started net_rx_virt gives it to the driver. */
struct net_rx_virt_state {
    struct queue_move_journal move;
    uint8_t holders[NET_BUFFER_COUNT];
    uint8_t lending[NET_BUFFER_COUNT];
    uint8_t with_driver[NET_BUFFER_COUNT];
    uint16_t length[NET_BUFFER_COUNT]; /* the frame's, while lending */
};

/* net_tx_virt's table word for a buffer slot with the driver: NET_TX_AT_DRIVER | offset
 * << 16 | length (0: not with the driver). */
#define NET_TX_AT_DRIVER (1ull << 63)

_Static_assert(NET_RESYNC_OFFSET + sizeof(struct net_resync) <= NET_VIRT_STATE_OFFSET,
               "the virtualiser's state follows the resync words");
_Static_assert(NET_VIRT_STATE_OFFSET + sizeof(struct net_rx_virt_state) <= NET_ACTIVE_RING_OFFSET,
               "the virtualiser's state fits before the active ring");
_Static_assert(NET_ACTIVE_RING_OFFSET + QUEUE_RING_BYTES(NET_QUEUE_CAPACITY) <= NET_TX_TABLE_OFFSET,
               "the transmit table follows the active ring");
_Static_assert(NET_TX_TABLE_OFFSET + NET_BUFFER_COUNT * sizeof(uint64_t) <= NET_QUEUE_REGION_SIZE,
               "the transmit table fits in the queue region");

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
