/*
 * The serial subsystem's shared-memory protocol: how a connection between two serial
 * components (client <-> virtualiser, virtualiser <-> driver) is laid out. Both ends
 * include this header; nothing else about a connection is shared.
 *
 * A connection is one queue (drivers/queue: a free ring and an active ring) over one data
 * region, plus one channel that both ends notify. The component that *fills* the buffers
 * owns them (the "owner" of docs/drivers.md): it enqueues filled buffers on the active
 * ring and takes emptied ones back from the free ring; its peer reads and returns them.
 *
 *   transmit:  client --> tx virtualiser --> driver     (owners: client, tx virtualiser)
 *   receive:   driver --> rx virtualiser --> client     (owners: driver, rx virtualiser)
 *
 * Two memory regions per connection:
 *   queue region  SERIAL_QUEUE_REGION_SIZE bytes, mapped read-write by both ends: the free
 *                 ring at SERIAL_FREE_RING_OFFSET, the active ring at
 *                 SERIAL_ACTIVE_RING_OFFSET, each of SERIAL_QUEUE_CAPACITY slots.
 *   data region   SERIAL_DATA_REGION_SIZE bytes: read-write for the owner, read-only for
 *                 the peer. It is cut into SERIAL_BUFFER_COUNT buffers of
 *                 SERIAL_BUFFER_SIZE bytes; buffer i starts at i * SERIAL_BUFFER_SIZE. A
 *                 descriptor's length is the number of bytes of data in it.
 *
 * There are as many buffers as ring slots, so an owner can always enqueue a buffer it
 * holds (a ring that looks full is a corrupt peer). Buffers start in the owner's hands.
 */
#ifndef BASTION_SERIAL_PROTOCOL_H
#define BASTION_SERIAL_PROTOCOL_H

#include <bastion/queue/move.h>
#include <bastion/queue/queue.h>

#define SERIAL_QUEUE_CAPACITY     64u
#define SERIAL_QUEUE_REGION_SIZE  0x1000u
#define SERIAL_FREE_RING_OFFSET   0x0u
#define SERIAL_ACTIVE_RING_OFFSET 0x800u
#define SERIAL_BUFFER_SIZE        256u
#define SERIAL_BUFFER_COUNT       SERIAL_QUEUE_CAPACITY
#define SERIAL_DATA_REGION_SIZE   (SERIAL_BUFFER_SIZE * SERIAL_BUFFER_COUNT)

/* The longest line the transmit virtualiser forwards whole; a longer one is cut into
 * pieces of this many bytes (each still forwarded whole). */
#define SERIAL_LINE_MAX SERIAL_BUFFER_SIZE

/* The receive virtualiser's switch: this byte (Ctrl-A) is not delivered; the next
 * client in turn receives the input from then on. */
#define SERIAL_SWITCH_CHAR 0x01u

/* The tag of the journals' one move: the active ring's head buffer returned (below). */
#define SERIAL_MOVE_RETURN 1u

/* The transmit virtualiser's one protected procedure (a client end with pp="true"):
 * reply MR0 = lines forwarded, MR1 = those forwarded while another client's line was
 * incomplete (where output would have mixed without it). */
#define SERIAL_TX_STATS 1u

/*
 * The driver's transmit journal (docs/supervision.md, "Serial"): in the transmit
 * virtualiser's queue region to the driver, after the active ring, written only by the
 * driver. It lets a re-initialised driver carry on exactly where the last one stopped:
 * the driver only peeks the buffer it sends and takes it off the active ring after it
 * returned it on the free ring, and it counts the bytes sent of that buffer here.
 *
 *   move  returning the head buffer: from the active ring to the free ring, under the tag
 *         SERIAL_MOVE_RETURN (bastion/queue/move.h), so a restarted run finishes it once
 *   sent  bytes of the buffer at the head of the active ring already sent
 */
struct serial_tx_journal {
    struct queue_move_journal move;
    uint32_t sent;
};
#define SERIAL_TX_JOURNAL_OFFSET 0xf00u

/* The driver's receive journal, at the same offset of the driver's receive queue region:
 * how many of its buffers it has ever handed out (its pool's `fresh`), recorded once a
 * buffer is on the active ring, so that a re-initialised driver never hands out a buffer
 * the receive virtualiser still holds. */
struct serial_rx_journal {
    uint32_t fresh;
};

/*
 * The transmit virtualiser's journal of one client connection (docs/drivers.md,
 * "Restarting the serial virtualisers"): at SERIAL_TX_JOURNAL_OFFSET of the client's
 * transmit queue region, written only by the virtualiser (a client that writes it garbles
 * only its own output). The virtualiser only peeks the client's head buffer and takes it
 * off the active ring after it returned it, as the driver does with its own journal.
 *
 *   move           returning the head buffer (SERIAL_MOVE_RETURN, as the driver's)
 *   consumed       bytes of the head buffer whose line is forwarded (or was dropped);
 *                  written before the line goes to the driver
 *   mid_line       nonzero: the byte at `consumed` continues a line whose start was in a
 *                  buffer already returned; a restarted run drops up to the next '\n'
 *   next_mid_line  what mid_line becomes when the head buffer is taken off the ring
 */
struct serial_virt_tx_journal {
    struct queue_move_journal move;
    uint32_t consumed;
    uint32_t mid_line;
    uint32_t next_mid_line;
};

/* The transmit virtualiser's pool journal, at SERIAL_VIRT_POOL_JOURNAL_OFFSET of the
 * driver's transmit queue region, written only by the virtualiser: its pool's `fresh`,
 * recorded before a fresh buffer is used, so that a restarted run never hands out a
 * buffer the driver holds and can take back every buffer below it that is on neither of
 * the driver's rings (the dead run's, half filled). */
struct serial_virt_pool_journal {
    uint32_t fresh;
};
#define SERIAL_VIRT_POOL_JOURNAL_OFFSET 0xf80u

/*
 * The receive virtualiser's journal, at SERIAL_VIRT_POOL_JOURNAL_OFFSET of the driver's
 * receive queue region (the driver's own journal is at SERIAL_TX_JOURNAL_OFFSET), written
 * only by the virtualiser. It only peeks the driver's head buffer and takes it off the
 * active ring after it returned it, as the driver does on its transmit side.
 *
 *   move      returning the head buffer (SERIAL_MOVE_RETURN)
 *   position  SERIAL_RX_POSITION(delivered, active): bytes of the head buffer delivered
 *             and the client input goes to, in one word (one store commits both); written
 *             before a client buffer is handed over and at each switch
 *
 * Each client's receive queue region holds the virtualiser's pool journal (struct
 * serial_virt_pool_journal, same offset) for the buffers it lends that client.
 */
struct serial_virt_rx_journal {
    struct queue_move_journal move;
    uint32_t position;
};
#define SERIAL_RX_POSITION(delivered, active) ((uint32_t)(delivered) | (uint32_t)(active) << 16)
#define SERIAL_RX_DELIVERED(position)         ((position)&0xffffu)
#define SERIAL_RX_ACTIVE(position)            ((position) >> 16)

/* Clients a virtualiser serves at most; client i is on the virtualiser's channel i. */
#define SERIAL_MAX_CLIENTS 4u

_Static_assert(QUEUE_RING_BYTES(SERIAL_QUEUE_CAPACITY) <= SERIAL_ACTIVE_RING_OFFSET,
               "the free ring fits before the active ring");
_Static_assert(SERIAL_ACTIVE_RING_OFFSET + QUEUE_RING_BYTES(SERIAL_QUEUE_CAPACITY) <=
                   SERIAL_QUEUE_REGION_SIZE,
               "the active ring fits in the queue region");
_Static_assert(SERIAL_ACTIVE_RING_OFFSET + QUEUE_RING_BYTES(SERIAL_QUEUE_CAPACITY) <=
                       SERIAL_TX_JOURNAL_OFFSET &&
                   SERIAL_TX_JOURNAL_OFFSET + sizeof(struct serial_tx_journal) <=
                       SERIAL_QUEUE_REGION_SIZE,
               "the transmit journal fits after the active ring");
_Static_assert(SERIAL_TX_JOURNAL_OFFSET + sizeof(struct serial_virt_tx_journal) <=
                       SERIAL_VIRT_POOL_JOURNAL_OFFSET &&
                   SERIAL_VIRT_POOL_JOURNAL_OFFSET + sizeof(struct serial_virt_pool_journal) <=
                       SERIAL_QUEUE_REGION_SIZE,
               "the virtualisers' journals fit after the driver's");
_Static_assert(SERIAL_VIRT_POOL_JOURNAL_OFFSET + sizeof(struct serial_virt_rx_journal) <=
                   SERIAL_QUEUE_REGION_SIZE,
               "the receive virtualiser's journal fits");
_Static_assert((SERIAL_QUEUE_CAPACITY & (SERIAL_QUEUE_CAPACITY - 1)) == 0,
               "the ring capacity is a power of two");

/* A component's view of one connection, from the two regions' addresses. */
static inline enum queue_status serial_queue_init(struct queue_handle *q, uintptr_t queue_region)
{
    return queue_init(q, (struct queue_ring *)(queue_region + SERIAL_FREE_RING_OFFSET),
                      (struct queue_ring *)(queue_region + SERIAL_ACTIVE_RING_OFFSET),
                      SERIAL_QUEUE_CAPACITY, SERIAL_DATA_REGION_SIZE);
}

#endif /* BASTION_SERIAL_PROTOCOL_H */
